/*
 * executor-local.c - the local backend of executor.h: the job runs as a
 * child of the runner, in the sandbox (sandbox.c), with stdout and stderr
 * captured through pipes into capped files of its folder, stopped on the
 * wall-clock limit, the output cap or a cancel, and its outputs collected
 * with collect.c.
 *
 * Guarantees: the job runs only if the bytes that run are the manifest
 * the owner approved (with isolation full the sandbox's private /code copy
 * is checked, else the store's code/; run-job.c has compared the digests
 * first); the job gets a scrubbed environment; the runner's memory stays
 * flat whatever the job prints (output goes straight to capped files).
 * A job this process did not start (a restarted runner) has no child
 * here: cancel only records why, finalize collects what its folder holds.
 */
#include "base/compat.h"
#include <signal.h>
#include "base/alloc.h"
#include "exec/collect.h"
#include "exec/executor.h"
#include "exec/runtime-env.h"
#include "base/fs.h"
#include "queue/manifest.h"
#include "sandbox/sandbox.h"
#include "store/settings.h"
#include "base/banned.h"

#define KILL_GRACE 2.0
#define SETUP_TIMEOUT 20 /* seconds for a sandbox to be set up (sandbox.c waits as long) */

struct local_job {
	int out_pipe, err_pipe;   /* read ends, -1 once at EOF */
	int out_file, err_file;   /* capture files in the job folder */
	struct sandbox_child child;
	struct sandbox_result res;
	int started;              /* start was called (once) */
	int child_live;           /* spawned and not yet reaped */
	int starting;             /* the sandbox is still being set up */
	int code_rejected;        /* the sandbox's /code copy failed its check */
	double kill_at;           /* time_mono() of the SIGKILL after a stop */
};

static int is_full(scq *h)
{
	return strcmp(setting_str(h, SET_ISOLATION), "none") != 0;
}

/* Isolation none runs the store's code/ itself: it must be exactly the
 * manifest (with isolation full, check_code_copy checks the copy). */
static int verify_store_code(struct exec_job *j)
{
	int code = openat(j->jobfd, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = -1;
	if (code < 0 || !j->files)
		buf_setf(&j->st.error, "job records incomplete (manifest, code or approval)");
	else
		r = manifest_verify_exact(code, j->files, &j->st.error);
	if (r)
		j->st.error_kind = "code_mismatch";
	fd_close(&code);
	return r;
}

/* sandbox_spec.check_code: the private /code copy is exactly the manifest
 * whose digest was approved (run-job.c compared the digests). */
static int check_code_copy(int dirfd, void *ctx, struct buf *err)
{
	struct exec_job *j = ctx;
	struct local_job *lj = j->priv;
	int r = j->files ? manifest_verify_exact(dirfd, j->files, err) :
		(buf_setf(err, "manifest.json unreadable"), -1);
	if (r)
		lj->code_rejected = 1;
	return r;
}

static void add_env(struct buf *env, const char *k, const char *v)
{
	buf_addf(env, "%s=%s", k, v);
	buf_addc(env, '\0');
}

/* Build a NUL-separated environment block and the pointer array over it;
 * rv: the runtime's variables (PATH first), NUL-separated K=V. */
const char **exec_job_env(struct buf *env, struct exec_job *j, const char *code,
			     const char *out, const char *data, const char *home,
			     const struct buf *rv)
{
	const char **v = xcalloc(24, sizeof(*v));
	size_t i = 0, off = 0;
	buf_add(env, rv->ptr, rv->len);
	add_env(env, "LANG", "C.UTF-8");
	add_env(env, "HOME", home);
	add_env(env, "TMPDIR", home);
	add_env(env, "CODE_DIR", code);
	add_env(env, "OUTPUT_DIR", out);
	add_env(env, "DATA_DIR", data);
	add_env(env, "JOB_ID", j->uid);
	add_env(env, "JOB_NAME", j->name);
	add_env(env, "SYFT_JOB_ID", j->uid);
	add_env(env, "SYFT_JOB_NAME", j->name);
	add_env(env, "SYFT_OUTPUT_DIR", out);
	add_env(env, "SYFT_REQUESTER", j->requester);
	while (off < env->len && i < 23) {
		v[i++] = env->ptr + off;
		off += strlen(env->ptr + off) + 1;
	}
	return v;
}

void exec_limits(scq *h, struct sandbox_limits *l)
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

struct sandbox_dataset *exec_datasets_load(scq *h, size_t *n)
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

void exec_datasets_free(struct sandbox_dataset *ds, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free((char *)ds[i].name);
		free((char *)ds[i].host_path);
	}
	free(ds);
}

static int open_capture(struct exec_job *j, struct local_job *lj)
{
	int po[2], pe[2];
	lj->out_file = openat(j->jobfd, ".stdout.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	lj->err_file = openat(j->jobfd, ".stderr.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lj->out_file < 0 || lj->err_file < 0 || pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	lj->out_pipe = po[0];
	lj->err_pipe = pe[0];
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	return po[1] | (pe[1] << 16); /* both write ends, packed (fds < 65536) */
}

static char *job_path(scq *h, struct exec_job *j, const char *name)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/jobs/running/%s%s%s", h->store, j->uid, name ? "/" : "", name ? name : "");
	return buf_detach(&p, NULL);
}

static int spawn_job(scq *h, struct exec_job *j, struct local_job *lj)
{
	struct sandbox_spec spec;
	struct buf env = BUF_INIT;
	char *code = job_path(h, j, "code"), *out = job_path(h, j, "sandbox-out");
	char *work = job_path(h, j, "work"), *run = NULL;
	int full = is_full(h), ends, r;
	size_t nds = 0;
	struct sandbox_dataset *ds = exec_datasets_load(h, &nds);
	const char **envp = NULL;
	const char *argv[3] = { "/bin/bash", NULL, NULL };
	struct run_env re;
	int wfd = full ? -1 : fs_open_dir(j->jobfd, "work");
	memset(&spec, 0, sizeof(spec));
	run = full ? xstrdup("/code/run.sh") : path_join(code, "run.sh");
	argv[1] = run;
	if (run_env_prepare(h, j->runtime, j->jobfd, full ? "/code" : code, full,
			    wfd, work, &re, &j->st.error) < 0) {
		j->st.error_kind = "sandbox_error";
		r = -1;
		goto out;
	}
	envp = full ? exec_job_env(&env, j, "/code", "/out", "/data", "/tmp", &re.vars) :
		      exec_job_env(&env, j, code, out, "/nonexistent-no-datasets-without-isolation", work,
			       &re.vars);
	spec.isolation = full ? SANDBOX_FULL : SANDBOX_NONE;
	spec.network = j->network;
	spec.job_id = j->uid;
	spec.code_dir = code;
	spec.out_dir = full ? NULL : out;
	spec.work_dir = full ? NULL : work;
	spec.datasets = ds;
	spec.ndatasets = nds;
	spec.runtimes = &re.mount;
	spec.nruntimes = re.nmounts;
	spec.files = re.files;
	spec.nfiles = re.nfiles;
	spec.argv = argv;
	spec.envp = envp;
	spec.cwd = full ? "/code" : code;
	spec.check_code = check_code_copy;
	spec.check_code_ctx = j;
	exec_limits(h, &spec.limits);
	ends = open_capture(j, lj);
	if (ends < 0) {
		buf_setf(&j->st.error, "capture: %s", strerror(errno));
		r = -1;
	} else {
		spec.stdout_fd = ends & 0xffff;
		spec.stderr_fd = ends >> 16;
		/* the root is built while the runner serves the other jobs */
		r = sandbox_spawn_async(&spec, &lj->child, &j->st.error);
		close(spec.stdout_fd);
		close(spec.stderr_fd);
	}
	if (r < 0)
		j->st.error_kind = lj->code_rejected ? "code_mismatch" : "sandbox_error";
	lj->child_live = r == 0;
	lj->starting = r == 0 && lj->child.setup_fd >= 0;
out:
	fd_close(&wfd);
	run_env_release(&re);
	free(envp);
	buf_release(&env);
	exec_datasets_free(ds, nds);
	free(code);
	free(out);
	free(work);
	free(run);
	return r;
}

static struct local_job *local_new(void)
{
	struct local_job *lj = xcalloc(1, sizeof(*lj));
	lj->out_pipe = lj->err_pipe = lj->out_file = lj->err_file = -1;
	lj->child.pidfd = lj->child.setup_fd = -1;
	lj->res.out_fd = -1;
	buf_init(&lj->res.applied, 1 << 16);
	return lj;
}

/* Fresh folders for the job's /out and scratch (isolation none: the
 * sandbox has its own /out, /tmp and HOME; collect reads its /out). */
static int local_prepare(scq *h, struct exec_job *j)
{
	if (j->priv)
		return 0;
	j->priv = local_new();
	fs_remove_tree(j->jobfd, "sandbox-out");
	fs_remove_tree(j->jobfd, "work");
	if (!is_full(h) && (fs_mkdir(j->jobfd, "sandbox-out", 0777) < 0 ||
			    fs_mkdir(j->jobfd, "work", 0777) < 0 ||
			    fchmodat(j->jobfd, "sandbox-out", 0777, 0) != 0 ||
			    fchmodat(j->jobfd, "work", 0777, 0) != 0))
		buf_setf(&j->st.error, "preparing output folder: %s", strerror(errno));
	return 0;
}

static int local_start(scq *h, struct exec_job *j)
{
	struct local_job *lj;
	if (!j->priv)
		local_prepare(h, j);
	lj = j->priv;
	if (lj->started)
		return lj->child_live || !j->st.error_kind ? 0 : -1;
	lj->started = 1;
	j->st.state = EXEC_RUNNING;
	if (!is_full(h) && verify_store_code(j) < 0)
		return -1;
	return spawn_job(h, j, lj);
}

static void drain(struct exec_job *j, struct local_job *lj, int *pipefd, int file)
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
		if (j->st.log_bytes + n > j->log_cap) {
			n = j->log_cap - j->st.log_bytes;
			if (j->st.stop == EXEC_STOP_NONE) {
				j->st.stop = EXEC_STOP_OUTPUT_LIMIT;
				sandbox_kill(&lj->child);
			}
		}
		if (n > 0 && write(file, chunk, (size_t)n) != n) { /* disk full: keep the cap honest */ }
		j->st.log_bytes += n;
	}
}

static void reap(struct exec_job *j, struct local_job *lj)
{
	struct sandbox_result *r = &lj->res;
	struct exec_status *st = &j->st;
	if (!lj->child_live)
		return;
	if (sandbox_reap(&lj->child, r, &st->error) < 0 && !st->error_kind)
		st->error_kind = "sandbox_error";
	lj->child_live = lj->starting = 0;
	st->exited = r->exited;
	st->exit_code = r->exit_code;
	st->signal = r->signal;
	st->oom_killed = r->oom_killed;
	st->cpu_seconds = r->cpu_seconds;
	st->peak_memory_bytes = r->peak_memory_bytes;
	buf_reset(&st->applied);
	buf_add(&st->applied, r->applied.ptr, r->applied.len);
}

/* The sandbox has an answer: the job runs, or its set-up failed (the
 * child then ends by itself; the reap records why). */
static void setup_answer(struct exec_job *j, struct local_job *lj)
{
	int r = sandbox_setup_done(&lj->child, &j->st.error);
	if (r == 0)
		return;
	lj->starting = 0;
	if (r < 0 && !j->st.error_kind)
		j->st.error_kind = "sandbox_error";
}

/* The timers: the wall-clock limit, the sandbox's set-up, the grace of a
 * stop. */
static void check(struct exec_job *j, struct local_job *lj, double now)
{
	if (!lj->child_live)
		return;
	if (j->st.stop == EXEC_STOP_NONE && now >= j->t0 + j->timeout)
		j->st.stop = EXEC_STOP_TIMEOUT;
	if (lj->starting && now >= j->t0 + SETUP_TIMEOUT && !j->st.error_kind) {
		buf_setf(&j->st.error, "sandbox setup timed out after %d s", SETUP_TIMEOUT);
		j->st.error_kind = "sandbox_error";
		lj->starting = 0;
		sandbox_kill(&lj->child);
	}
	if (j->st.stop != EXEC_STOP_NONE && lj->kill_at == 0) {
		sandbox_terminate(&lj->child);
		lj->kill_at = now + KILL_GRACE;
	} else if (lj->kill_at > 0 && now >= lj->kill_at) {
		sandbox_kill(&lj->child);
	}
}

static int local_wait_fds(struct exec_job *j, struct pollfd *p)
{
	struct local_job *lj = j->priv;
	if (!lj || !lj->started)
		return 0;
	p[0] = (struct pollfd){ lj->out_pipe, POLLIN, 0 };
	p[1] = (struct pollfd){ lj->err_pipe, POLLIN, 0 };
	p[2] = (struct pollfd){ lj->child_live ? lj->child.pidfd : -1, POLLIN, 0 };
	p[3] = (struct pollfd){ lj->starting ? lj->child.setup_fd : -1, POLLIN, 0 };
	return 4;
}

/* Service stdout, stderr, the child's pidfd and its set-up fd. */
static enum exec_state local_poll(scq *h, struct exec_job *j, const struct pollfd *p,
				  int n, double now)
{
	struct local_job *lj = j->priv;
	short ev[4] = { 0, 0, 0, 0 };
	int i;
	(void)h;
	if (!lj || !lj->started)
		return j->st.state;
	for (i = 0; i < n && i < 4; i++)
		ev[i] = p[i].revents;
	check(j, lj, now);
	if (ev[3] && lj->starting)
		setup_answer(j, lj);
	if (ev[0] && lj->out_pipe >= 0)
		drain(j, lj, &lj->out_pipe, lj->out_file);
	if (ev[1] && lj->err_pipe >= 0)
		drain(j, lj, &lj->err_pipe, lj->err_file);
	if (ev[2] && lj->child_live) {
		reap(j, lj); /* kills what the main process left behind */
		while (lj->out_pipe >= 0)
			drain(j, lj, &lj->out_pipe, lj->out_file);
		while (lj->err_pipe >= 0)
			drain(j, lj, &lj->err_pipe, lj->err_file);
	}
	if (!lj->child_live && lj->out_pipe < 0)
		j->st.state = EXEC_FINISHED;
	return j->st.state;
}

static void local_cancel(scq *h, struct exec_job *j, enum exec_stop why)
{
	struct local_job *lj = j->priv;
	(void)h;
	if (j->st.stop == EXEC_STOP_NONE)
		j->st.stop = why;
	if (lj && lj->child_live && lj->kill_at == 0) {
		sandbox_terminate(&lj->child);
		lj->kill_at = time_mono() + KILL_GRACE;
	}
}

/*
 * Collect the outputs the job wrote in src (closed here) into the job's
 * output/ and describe them.  Rule: a collection that fails (disk full) is
 * a failure of its own (error_kind "collect_error", see run-job.c): the
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
	fd_close(&src);
	fd_close(&dst);
	if (failed)
		fs_remove_tree(jobfd, "output");
	buf_release(&rep.excluded_json);
	buf_release(&err);
	return o;
}

/* Wait for what is left of the job, then collect: the sandbox's own /out,
 * or the folder the unsandboxed job wrote (also what a job of a runner
 * that died left there). */
static int local_finalize(scq *h, struct exec_job *j)
{
	struct local_job *lj = j->priv;
	int src;
	if (j->st.finalized)
		return 0;
	if (lj)
		reap(j, lj);
	src = lj && lj->res.out_fd >= 0 ? lj->res.out_fd :
	      openat(j->jobfd, "sandbox-out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lj)
		lj->res.out_fd = -1;
	j->st.output = run_collect(h, j->commit, j->jobfd, src, &j->st.collect_error);
	j->st.finalized = 1;
	j->st.state = EXEC_FINISHED;
	return 0;
}

static void local_cleanup(scq *h, struct exec_job *j)
{
	struct local_job *lj = j->priv;
	(void)h;
	/* what the job produced stays for `scq republish` until collected */
	if (j->st.finalized && !j->st.collect_error.len)
		fs_remove_tree(j->jobfd, "sandbox-out");
	fs_remove_tree(j->jobfd, "work");
	if (!lj)
		return;
	if (lj->child_live)
		reap(j, lj); /* never leave a job behind */
	fd_close(&lj->out_pipe);
	fd_close(&lj->err_pipe);
	fd_close(&lj->out_file);
	fd_close(&lj->err_file);
	fd_close(&lj->res.out_fd);
	buf_release(&lj->res.applied);
	free(lj);
	j->priv = NULL;
}

const struct executor executor_local = {
	"local", local_prepare, local_start, local_wait_fds, local_poll,
	local_cancel, local_finalize, local_cleanup, NULL, NULL,
};

void exec_job_init(struct exec_job *j, const char *uid)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->uid, sizeof(j->uid), "%s", uid);
	j->jobfd = -1;
	j->name = j->requester = "";
	buf_init(&j->st.error, 4096);
	buf_init(&j->st.collect_error, 4096);
	buf_init(&j->st.applied, 1 << 16);
}

void exec_job_release(struct exec_job *j)
{
	buf_release(&j->st.error);
	buf_release(&j->st.collect_error);
	buf_release(&j->st.applied);
	json_decref(j->st.output);
	json_decref(j->files);
	j->st.output = NULL;
	j->files = NULL;
}
