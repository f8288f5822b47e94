/*
 * run-job.c - start one claimed job in the sandbox, capture stdout and
 * stderr with a cap, stop it on timeout, output limit or cancel, and
 * record the result (see runner.h).
 *
 * Guarantees: the job runs only if its private code copy still hashes to
 * the digest the owner approved (re-checked right before exec); the job
 * gets a scrubbed environment; the runner's memory stays flat whatever the
 * job prints (output goes straight to capped files).
 */
#include "compat.h"
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include "alloc.h"
#include "collect.h"
#include "commit.h"
#include "fs.h"
#include "job.h"
#include "lifecycle.h"
#include "manifest.h"
#include "queue.h"
#include "runner.h"
#include "state.h"
#include "banned.h"

#define KILL_GRACE 2.0
#define SETUP_TIMEOUT 20 /* seconds for a sandbox to be set up (sandbox.c waits as long) */

static json_t *load(int fd, const char *name)
{
	struct buf err = BUF_INIT;
	json_t *o = json_load_file_at(fd, name, JOB_JSON_MAX, &err);
	buf_release(&err);
	return o;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The approved digest, the recorded one and the code on disk must agree.
 * With isolation full the store is not re-hashed here: the sandbox copies
 * it once into the job's private /code and check_code_copy verifies that
 * copy, the bytes that run (one read; a store file swapped between a hash
 * and a second read could otherwise run unverified). */
static int verify_code(struct run_slot *s, int full)
{
	json_t *m = load(s->jobfd, "manifest.json");
	int code = openat(s->jobfd, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = -1;
	char digest[65];
	if (!m || code < 0 || !s->approval) {
		buf_setf(&s->setup_error, "job records incomplete (manifest, code or approval)");
		goto out;
	}
	manifest_digest(json_object_get(m, "files"), digest);
	if (strcmp(digest, str(s->approval, "code_sha256")) || strcmp(digest, str(s->rec, "code_sha256")))
		buf_setf(&s->setup_error, "code digest differs from the approved one");
	else if (full || manifest_verify_exact(code, json_object_get(m, "files"), &s->setup_error) == 0)
		r = 0;
out:
	if (r)
		s->error_kind = "code_mismatch";
	json_decref(m);
	if (code >= 0)
		close(code);
	return r;
}

/* sandbox_spec.check_code: the private /code copy is exactly the manifest
 * whose digest was approved (verify_code compared the digests). */
static int check_code_copy(int dirfd, void *ctx, struct buf *err)
{
	struct run_slot *s = ctx;
	json_t *m = load(s->jobfd, "manifest.json");
	int r = m ? manifest_verify_exact(dirfd, json_object_get(m, "files"), err) :
		(buf_setf(err, "manifest.json unreadable"), -1);
	json_decref(m);
	if (r)
		s->code_rejected = 1;
	return r;
}

static void add_env(struct buf *env, const char *k, const char *v)
{
	buf_addf(env, "%s=%s", k, v);
	buf_addc(env, '\0');
}

/* Build a NUL-separated environment block and the pointer array over it. */
static const char **make_env(struct buf *env, struct run_slot *s, const char *code,
			     const char *out, const char *data, const char *home)
{
	const char **v = xcalloc(16, sizeof(*v));
	size_t i = 0, off = 0;
	add_env(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
	add_env(env, "LANG", "C.UTF-8");
	add_env(env, "HOME", home);
	add_env(env, "TMPDIR", home);
	add_env(env, "CODE_DIR", code);
	add_env(env, "OUTPUT_DIR", out);
	add_env(env, "DATA_DIR", data);
	add_env(env, "JOB_ID", s->uid);
	add_env(env, "JOB_NAME", str(s->rec, "name"));
	add_env(env, "SYFT_JOB_ID", s->uid);
	add_env(env, "SYFT_JOB_NAME", str(s->rec, "name"));
	add_env(env, "SYFT_OUTPUT_DIR", out);
	add_env(env, "SYFT_REQUESTER", str(s->rec, "requester_email"));
	while (off < env->len && i < 15) {
		v[i++] = env->ptr + off;
		off += strlen(env->ptr + off) + 1;
	}
	return v;
}

static void fill_limits(scq *h, struct sandbox_limits *l)
{
	long long cpu = setting_int(h, SET_CPU_TIME_LIMIT);
	l->cpu_seconds = cpu ? cpu : setting_int(h, SET_JOB_TIMEOUT);
	l->memory_bytes = setting_int(h, SET_MEMORY_LIMIT_MB) << 20;
	l->max_processes = setting_int(h, SET_MAX_PROCESSES);
	l->max_open_files = setting_int(h, SET_MAX_OPEN_FILES);
	l->max_file_bytes = setting_int(h, SET_MAX_FILE_SIZE_MB) << 20;
	l->out_bytes = setting_int(h, SET_MAX_OUTPUT_BYTES);
	l->tmp_bytes = setting_int(h, SET_TMP_SIZE_MB) << 20;
}

static struct sandbox_dataset *load_datasets(scq *h, size_t *n)
{
	char *js = NULL;
	json_t *d, *v;
	const char *k;
	struct sandbox_dataset *ds;
	scq_dataset_list(h, &js);
	d = json_loads(js, 0, NULL);
	free(js);
	ds = xcalloc(json_object_size(d) + 1, sizeof(*ds));
	*n = 0;
	json_object_foreach(d, k, v) {
		ds[*n].name = xstrdup(k);
		ds[(*n)++].host_path = xstrdup(json_string_value(v));
	}
	json_decref(d);
	return ds;
}

static void free_datasets(struct sandbox_dataset *ds, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free((char *)ds[i].name);
		free((char *)ds[i].host_path);
	}
	free(ds);
}

static int open_capture(struct run_slot *s)
{
	int po[2], pe[2];
	s->out_file = openat(s->jobfd, ".stdout.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	s->err_file = openat(s->jobfd, ".stderr.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->out_file < 0 || s->err_file < 0 || pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	s->out_pipe = po[0];
	s->err_pipe = pe[0];
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	return po[1] | (pe[1] << 16); /* both write ends, packed (fds < 65536) */
}

static int spawn_job(scq *h, struct run_slot *s)
{
	struct sandbox_spec spec;
	struct buf env = BUF_INIT;
	char *jobdir = NULL, *code = NULL, *out = NULL, *work = NULL, *run = NULL;
	int full = strcmp(setting_str(h, SET_ISOLATION), "none") != 0, ends, r;
	size_t nds = 0;
	struct sandbox_dataset *ds = load_datasets(h, &nds);
	const char **envp;
	const char *argv[3] = { "/bin/bash", NULL, NULL };
	memset(&spec, 0, sizeof(spec));
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/jobs/running/%s", h->store, s->uid);
	jobdir = buf_detach(&p, NULL);
	code = path_join(jobdir, "code");
	out = path_join(jobdir, "sandbox-out");
	work = path_join(jobdir, "work");
	fs_remove_tree(s->jobfd, "sandbox-out");
	fs_remove_tree(s->jobfd, "work");
	/* the sandbox has its own /out, /tmp and HOME: collect reads its /out */
	if (!full && (fs_mkdir(s->jobfd, "sandbox-out", 0777) < 0 ||
		      fs_mkdir(s->jobfd, "work", 0777) < 0 ||
		      fchmodat(s->jobfd, "sandbox-out", 0777, 0) != 0 ||
		      fchmodat(s->jobfd, "work", 0777, 0) != 0))
		buf_setf(&s->setup_error, "preparing output folder: %s", strerror(errno));
	run = full ? xstrdup("/code/run.sh") : path_join(code, "run.sh");
	argv[1] = run;
	envp = full ? make_env(&env, s, "/code", "/out", "/data", "/tmp") :
		      make_env(&env, s, code, out, "/nonexistent-no-datasets-without-isolation", work);
	spec.isolation = full ? SANDBOX_FULL : SANDBOX_NONE;
	spec.network = setting_bool(h, SET_NETWORK) || json_is_true(json_object_get(s->approval, "allow_network"));
	spec.job_id = s->uid;
	spec.code_dir = code;
	spec.out_dir = full ? NULL : out;
	spec.work_dir = full ? NULL : work;
	spec.datasets = ds;
	spec.ndatasets = nds;
	spec.argv = argv;
	spec.envp = envp;
	spec.cwd = full ? "/code" : code;
	spec.check_code = check_code_copy;
	spec.check_code_ctx = s;
	fill_limits(h, &spec.limits);
	ends = open_capture(s);
	if (ends < 0) {
		buf_setf(&s->setup_error, "capture: %s", strerror(errno));
		r = -1;
	} else {
		spec.stdout_fd = ends & 0xffff;
		spec.stderr_fd = ends >> 16;
		/* the root is built while this loop serves the other jobs */
		r = sandbox_spawn_async(&spec, &s->child, &s->setup_error);
		close(spec.stdout_fd);
		close(spec.stderr_fd);
	}
	if (r < 0)
		s->error_kind = s->code_rejected ? "code_mismatch" : "sandbox_error";
	s->child_live = r == 0;
	s->starting = r == 0 && s->child.setup_fd >= 0;
	free(envp);
	buf_release(&env);
	free_datasets(ds, nds);
	free(jobdir);
	free(code);
	free(out);
	free(work);
	free(run);
	return r;
}

static void slot_init(struct run_slot *s, const char *uid)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->uid, sizeof(s->uid), "%s", uid);
	s->jobfd = s->lockfd = s->out_pipe = s->err_pipe = s->out_file = s->err_file = -1;
	s->child.pidfd = s->child.setup_fd = -1;
	s->res.out_fd = -1;
	buf_init(&s->setup_error, 4096);
	buf_init(&s->collect_error, 4096);
	buf_init(&s->res.applied, 1 << 16);
}

int run_claim(scq *h, struct commit *c, const char *uid, struct run_slot *s)
{
	int appr = queue_status_dir(h, SCQ_APPROVED), run = queue_status_dir(h, SCQ_RUNNING), r = 0;
	char now[ISO_LEN];
	json_t *rec;
	slot_init(s, uid);
	/* the job's folder itself is the lock: it keeps its inode through the
	 * renames, and a lock file would be one more inode per job to make */
	s->lockfd = openat(appr, uid, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (s->lockfd < 0 || fs_flock(s->lockfd, LOCK_EX | LOCK_NB) < 0)
		goto out; /* someone else is claiming it */
	if (state_move_at(h, c, STATE_BY_RUNNER, appr, run, uid, SCQ_APPROVED, SCQ_RUNNING, NULL) &&
	    !fs_exists(run, uid))
		goto out; /* someone else claimed it, or the rename failed */
	/* (a failed fsync after a successful rename still leaves the job ours:
	 * we hold its lock, so run it rather than strand it in running/) */
	r = 1;
	s->jobfd = queue_job_dir(h, SCQ_RUNNING, uid);
	s->rec = load(s->jobfd, "job.json");
	s->approval = load(s->jobfd, "approved.json");
	s->started = time_now();
	s->t0 = time_mono();
	s->deadline = s->t0 + (double)setting_int(h, SET_JOB_TIMEOUT);
	s->cap = setting_int(h, SET_MAX_OUTPUT_BYTES);
	time_now_iso(now);
	rec = json_pack("{s:s,s:i}", "started_at", now, "runner_pid", (int)getpid());
	if (json_write_at(s->jobfd, "running.json", rec, commit_fsflags(c)) < 0)
		buf_setf(&s->setup_error, "writing running.json: %s", strerror(errno));
	json_decref(rec);
	audit_append(h, c, "start", uid, h->email, NULL, str(s->rec, "code_sha256"));
	outbox_publish(h, c, uid, SCQ_RUNNING, 0);
out:
	if (!r && s->lockfd >= 0) {
		close(s->lockfd);
		s->lockfd = -1;
	}
	close(appr);
	close(run);
	return r;
}

void run_start(scq *h, struct run_slot *s)
{
	if (!s->setup_error.len && verify_code(s, strcmp(setting_str(h, SET_ISOLATION), "none") != 0) == 0)
		spawn_job(h, s);
	else if (!s->error_kind)
		s->error_kind = "sandbox_error";
}

static void drain(struct run_slot *s, int *pipefd, int file)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(*pipefd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(*pipefd);
				*pipefd = -1;
			}
			return;
		}
		if (s->captured + n > s->cap) {
			n = s->cap - s->captured;
			if (s->stop == STOP_NONE) {
				s->stop = STOP_OUTPUT_LIMIT;
				sandbox_kill(&s->child);
			}
		}
		if (n > 0 && write(file, chunk, (size_t)n) != n) { /* disk full: keep the cap honest */ }
		s->captured += n;
	}
}

static void reap(struct run_slot *s)
{
	if (!s->child_live)
		return;
	if (sandbox_reap(&s->child, &s->res, &s->setup_error) < 0 && !s->error_kind)
		s->error_kind = "sandbox_error";
	s->child_live = s->starting = 0;
}

/* The sandbox has an answer: the job runs, or its set-up failed (the
 * child then ends by itself; the reap records why). */
static void setup_answer(struct run_slot *s)
{
	int r = sandbox_setup_done(&s->child, &s->setup_error);
	if (r == 0)
		return;
	s->starting = 0;
	if (r < 0 && !s->error_kind)
		s->error_kind = "sandbox_error";
}

int run_service(scq *h, struct run_slot *s, const short ev[4])
{
	(void)h;
	if (ev[3] && s->starting)
		setup_answer(s);
	if (ev[0] && s->out_pipe >= 0)
		drain(s, &s->out_pipe, s->out_file);
	if (ev[1] && s->err_pipe >= 0)
		drain(s, &s->err_pipe, s->err_file);
	if (ev[2] && s->child_live) {
		reap(s); /* kills what the main process left behind */
		while (s->out_pipe >= 0)
			drain(s, &s->out_pipe, s->out_file);
		while (s->err_pipe >= 0)
			drain(s, &s->err_pipe, s->err_file);
	}
	return !s->child_live && s->out_pipe < 0 && s->err_pipe < 0;
}

void run_check(scq *h, struct run_slot *s, double now)
{
	(void)h;
	if (!s->child_live)
		return;
	if (s->stop == STOP_NONE && fs_exists(s->jobfd, "cancel-request.json"))
		s->stop = STOP_CANCEL;
	if (s->stop == STOP_NONE && now >= s->deadline)
		s->stop = STOP_TIMEOUT;
	if (s->starting && now >= s->t0 + SETUP_TIMEOUT && !s->error_kind) {
		buf_setf(&s->setup_error, "sandbox setup timed out after %d s", SETUP_TIMEOUT);
		s->error_kind = "sandbox_error";
		s->starting = 0;
		sandbox_kill(&s->child);
	}
	if (s->stop != STOP_NONE && s->kill_at == 0) {
		sandbox_terminate(&s->child);
		s->kill_at = now + KILL_GRACE;
	} else if (s->kill_at > 0 && now >= s->kill_at) {
		sandbox_kill(&s->child);
	}
}

static void read_capture(int jobfd, const char *name, struct buf *log)
{
	struct buf b = BUF_INIT;
	if (fs_read_file(jobfd, name, (size_t)1 << 34, &b) == 0)
		buf_add(log, b.ptr, b.len);
	buf_release(&b);
}

static void describe(struct run_slot *s, const char *kind, struct buf *msg)
{
	if (s->setup_error.len)
		buf_addf(msg, "%s", s->setup_error.ptr);
	else if (kind && !strcmp(kind, "output_limit") && s->stop != STOP_OUTPUT_LIMIT)
		buf_addf(msg, s->source_full ? "Outputs incomplete: the output folder filled "
			 "its limit of %lld bytes (max_output_bytes); files written last may be cut" :
			 "Outputs incomplete: entries over max_output_bytes (%lld bytes) or "
			 "max_output_files were left out; see run.output.excluded", s->cap);
	else if (kind && !strcmp(kind, "timeout") && s->stop != STOP_TIMEOUT)
		buf_addf(msg, "Execution failed: CPU time limit reached");
	else if (kind && !strcmp(kind, "timeout"))
		buf_addf(msg, "Execution failed: wall-clock limit of %.0f s reached",
			 s->deadline - s->t0);
	else if (kind && !strcmp(kind, "signal"))
		buf_addf(msg, "Execution failed: killed by signal %d", s->res.signal);
	else if (kind && !strcmp(kind, "exit_status"))
		buf_addf(msg, "Execution failed: exit status %d", s->res.exit_code);
	else if (kind)
		buf_addf(msg, "Execution failed: %s", kind);
}

static void outcome(struct run_slot *s, int *status, json_t *res)
{
	const char *kind = s->error_kind;
	struct buf msg = BUF_INIT;
	*status = SCQ_FAILED;
	if (!kind && s->stop == STOP_CANCEL)
		kind = "cancelled", *status = SCQ_CANCELLED;
	else if (!kind && s->stop == STOP_TIMEOUT)
		kind = "timeout";
	else if (!kind && s->stop == STOP_OUTPUT_LIMIT)
		kind = "output_limit";
	else if (!kind && s->stop == STOP_RUNNER)
		kind = "runner_restart";
	else if (!kind && s->res.oom_killed)
		kind = "oom";
	else if (!kind && !s->res.exited && s->res.signal == SIGXCPU)
		kind = "timeout"; /* the CPU-time limit, the other clock of the job */
	else if (!kind && !s->res.exited)
		kind = "signal";
	else if (!kind && s->res.exit_code != 0)
		kind = "exit_status";
	else if (!kind && s->output_limited)
		kind = "output_limit"; /* results incomplete: never a clean success */
	else if (!kind)
		*status = SCQ_COMPLETED;
	describe(s, kind, &msg);
	/* the run's own outcome, restored by `scq republish` once the
	 * outputs are collected after a collect_error */
	json_object_set_new(res, "run_error_kind", kind ? json_string(kind) : json_null());
	json_object_set_new(res, "run_error_message", msg.len ? json_name(msg.ptr) : json_null());
	if (s->collect_error.len && *status != SCQ_CANCELLED) {
		kind = "collect_error", *status = SCQ_FAILED;
		buf_setf(&msg, "%s (the owner can run `scq republish` once space is free)",
			 s->collect_error.ptr);
	}
	json_object_set_new(res, "error_kind", kind ? json_string(kind) : json_null());
	/* may name an output file (collect): json_name keeps any bytes */
	json_object_set_new(res, "error_message", msg.len ? json_name(msg.ptr) : json_null());
	buf_release(&msg);
}

/*
 * Collect the outputs the job wrote in src (closed here) into the job's
 * output/ and describe them.  Rule: a collection that fails (disk full) is
 * a failure of its own (error_kind "collect_error", see outcome()): the
 * partial output/ is removed (it frees the space the records need) and,
 * with isolation none, what the job produced stays in sandbox-out/ for
 * `scq republish`.  Output cut by a limit sets limit_reached.
 */
json_t *run_collect(scq *h, struct commit *c, int jobfd, int src, struct buf *failure)
{
	struct collect_limits lim = { setting_int(h, SET_MAX_OUTPUT_BYTES),
		setting_int(h, SET_MAX_OUTPUT_FILES), 32, 255 };
	struct collect_report rep;
	struct buf err = BUF_INIT;
	int dst, failed = 0;
	json_t *o;
	memset(&rep, 0, sizeof(rep));
	buf_init(&rep.excluded_json, 1 << 24);
	fs_remove_tree(jobfd, "output");
	fs_mkdir(jobfd, "output", 0755);
	dst = openat(jobfd, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src >= 0 && dst < 0)
		buf_setf(&err, "output/: %s", strerror(errno));
	if (src >= 0 && (dst < 0 || collect_outputs(src, dst, &lim, &rep, &err) < 0 ||
			 (!c && fs_syncfs(dst) < 0 &&
			  buf_setf(&err, "syncing output/: %s", strerror(errno)) >= 0))) {
		/* the cause only, no name the job chose: the status is published
		 * even while results are held for review */
		buf_setf(failure, "collecting outputs failed: %s", strerror(errno));
		failed = 1;
	}
	if (failed)
		rep.source_full = 0; /* the host's disk was full, not the job's folder */
	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "files", (json_int_t)rep.files, "bytes",
		      (json_int_t)rep.bytes, "excluded_count", (json_int_t)rep.excluded,
		      "limited_count", (json_int_t)rep.limited,
		      "not_copied_from_sandbox", (json_int_t)0, /* kept for readers; see protocol */
		      "limit_reached", rep.limited > 0 || rep.source_full,
		      "source_full", rep.source_full);
	json_object_set_new(o, "excluded", rep.excluded_json.len ?
			    json_loads(rep.excluded_json.ptr, 0, NULL) : json_array());
	json_object_set_new(o, "collect_error", failed ? json_string(failure->ptr) : json_null());
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	if (failed)
		fs_remove_tree(jobfd, "output");
	buf_release(&rep.excluded_json);
	buf_release(&err);
	return o;
}

static json_t *collect(scq *h, struct commit *c, struct run_slot *s)
{
	/* the sandbox's own /out, or the folder the unsandboxed job wrote */
	int src = s->res.out_fd >= 0 ? s->res.out_fd :
		  openat(s->jobfd, "sandbox-out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	json_t *o;
	s->res.out_fd = -1;
	o = run_collect(h, c, s->jobfd, src, &s->collect_error);
	s->output_limited = json_is_true(json_object_get(o, "limit_reached"));
	s->source_full = json_is_true(json_object_get(o, "source_full"));
	if (!s->collect_error.len)
		fs_remove_tree(s->jobfd, "sandbox-out");
	fs_remove_tree(s->jobfd, "work");
	return o;
}

/* The footer's exit line says what is true: a job killed by a signal has
 * no exit code (result.json says null), nor has a job that never ran. */
static void exit_line(struct buf *log, const struct run_slot *s)
{
	static const char *const why[] = { NULL, "after the wall-clock limit",
		"after the output limit", "after a cancel", "when the runner stopped" };
	const char *cause = why[s->stop], *abbrev = s->res.signal ? sigabbrev_np(s->res.signal) : NULL;
	char sig[32];
	if (s->res.oom_killed)
		cause = "at the memory limit";
	else if (!cause && !s->res.exited && s->res.signal == SIGXCPU)
		cause = "at the CPU-time limit";
	if (abbrev)
		snprintf(sig, sizeof(sig), "SIG%s", abbrev);
	else
		snprintf(sig, sizeof(sig), "signal %d", s->res.signal);
	if (s->res.exited)
		buf_addf(log, "Exit Code: %d%s%s%s", s->res.exit_code, cause ? " (stopped " : "",
			 cause ? cause : "", cause ? ")" : "");
	else if (s->res.signal)
		buf_addf(log, "Exit Code: none (killed by %s%s%s)", sig, cause ? " " : "",
			 cause ? cause : "");
	else
		buf_addf(log, "Exit Code: none (%s)", s->stop == STOP_RUNNER ?
			 "the runner stopped while the job ran" : "the job did not run");
}

static void write_log(struct commit *c, struct run_slot *s, json_t *res)
{
	struct buf log = BUF_INIT;
	char started[ISO_LEN];
	time_format_iso(s->started, started);
	buf_addf(&log, "Job: %s (%s)\nRequester: %s\nStarted: %s\n"
		 "Working Directory: /code\nOutput Directory: /out\n%.80s\n\nSTDOUT:\n",
		 str(s->rec, "name"), s->uid, str(s->rec, "requester_email"), started,
		 "--------------------------------------------------------------------------------");
	read_capture(s->jobfd, ".stdout.tmp", &log);
	buf_adds(&log, "\n\nSTDERR:\n");
	read_capture(s->jobfd, ".stderr.tmp", &log);
	if (s->stop == STOP_OUTPUT_LIMIT)
		buf_addf(&log, "\n[output limit of %lld bytes reached: job stopped]", s->cap);
	if (json_string_value(json_object_get(res, "error_message")))
		buf_addf(&log, "\n\nError: %s", str(res, "error_message"));
	buf_adds(&log, "\n\n");
	exit_line(&log, s);
	buf_addf(&log, "\nCompleted: %s\n", str(res, "completed_at"));
	fs_write_atomic(s->jobfd, "execution.log", log.ptr, log.len, commit_fsflags(c));
	unlinkat(s->jobfd, ".stdout.tmp", 0);
	unlinkat(s->jobfd, ".stderr.tmp", 0);
	buf_release(&log);
}

static void release(struct run_slot *s)
{
	int *fds[] = { &s->jobfd, &s->lockfd, &s->out_pipe, &s->err_pipe, &s->out_file,
		       &s->err_file, &s->res.out_fd };
	size_t i;
	for (i = 0; i < SCQ_NELEM(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	json_decref(s->rec);
	json_decref(s->approval);
	buf_release(&s->setup_error);
	buf_release(&s->collect_error);
	buf_release(&s->res.applied);
	s->rec = s->approval = NULL;
}

int run_finish(scq *h, struct commit *commit, struct run_slot *s)
{
	json_t *res = json_object(), *applied;
	char now[ISO_LEN], started[ISO_LEN];
	int status, r;
	reap(s);
	time_now_iso(now);
	time_format_iso(s->started, started);
	json_object_set_new(res, "started_at", json_string(started));
	json_object_set_new(res, "completed_at", json_string(now));
	json_object_set_new(res, "exit_code", s->res.exited ? json_integer(s->res.exit_code) : json_null());
	json_object_set_new(res, "signal", s->res.signal ? json_integer(s->res.signal) : json_null());
	json_object_set_new(res, "wall_seconds", json_real(time_mono() - s->t0));
	json_object_set_new(res, "cpu_seconds", json_real(s->res.cpu_seconds));
	json_object_set_new(res, "peak_memory_bytes", s->res.peak_memory_bytes >= 0 ?
			    json_integer(s->res.peak_memory_bytes) : json_null());
	json_object_set_new(res, "output", collect(h, commit, s));
	applied = s->res.applied.len ? json_loads(s->res.applied.ptr, 0, NULL) : NULL;
	json_object_set_new(res, "limits_applied", applied ? applied : json_null());
	json_object_set_new(res, "log_bytes", json_integer(s->captured));
	json_object_set_new(res, "log_truncated", json_boolean(s->stop == STOP_OUTPUT_LIMIT));
	outcome(s, &status, res);
	/* the release mode this run's results fall under (job.c: results held) */
	json_object_set_new(res, "release", json_string(status == SCQ_CANCELLED ||
			    !strcmp(setting_str(h, SET_RELEASE), "review") ? "review" : "auto"));
	if (status == SCQ_CANCELLED) {
		json_t *c = load(s->jobfd, "cancel-request.json");
		json_object_set_new(res, "cancel", c ? c : decision_record(h->email, "cancelled"));
	}
	write_log(commit, s, res);
	r = job_transition(h, commit, STATE_BY_RUNNER, s->uid, SCQ_RUNNING, status, res, h->email,
			   str(res, "error_kind")[0] ? str(res, "error_kind") : NULL);
	s->final_status = status;
	/* a failed publication or collection: shown by the runner and in
	 * `scq status`, completed by `scq republish` */
	s->undelivered = r != 0 || s->collect_error.len;
	json_decref(res);
	release(s);
	return r;
}

/* A running job whose lock nobody holds lost its runner: fail it, never
 * re-run it on its own (it may have had effects). */
int run_recover(scq *h, unsigned *recovered)
{
	int dir = queue_status_dir(h, SCQ_RUNNING);
	DIR *d = dir >= 0 ? fdopendir(dir) : NULL;
	struct dirent *e;
	int r = 0;
	while (d && r == 0 && (e = readdir(d))) {
		struct run_slot s;
		if (!scq_uid_valid(e->d_name))
			continue;
		slot_init(&s, e->d_name);
		s.lockfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (s.lockfd < 0 || fs_flock(s.lockfd, LOCK_EX | LOCK_NB) < 0) {
			release(&s);
			continue; /* a live runner has it */
		}
		s.jobfd = queue_job_dir(h, SCQ_RUNNING, e->d_name);
		s.rec = load(s.jobfd, "job.json");
		s.started = time_now();
		s.t0 = time_mono();
		s.stop = STOP_RUNNER;
		buf_setf(&s.setup_error, "the runner stopped while the job was running; "
			 "it was not re-run (approve a new submission to run it again)");
		s.error_kind = "runner_restart";
		r = run_finish(h, NULL, &s);
		if (r == 0 && recovered)
			(*recovered)++;
	}
	if (d)
		closedir(d);
	return r;
}
