/*
 * slurm-node.c - the node's side of the Slurm backend: scq_exec_node, run
 * by the batch script (`scq exec-node STAGED`).  It runs the staged job in
 * our sandbox under the policy the runner wrote into spec.json (the same
 * the local backend applies), with the exact deadline, the log cap and the
 * output collection, and writes status.json last.
 *
 * Guarantees:
 * - at most once: node-started is made O_EXCL before anything runs; a
 *   second start of the same stage (a requeue, a resubmission) refuses;
 * - the staged folder must be private (ours, no group or other access);
 * - the bytes that run are the approved manifest: its digest is compared
 *   with the approved one, and the sandbox's private /code copy (or the
 *   staged code/, with isolation none) is verified file by file;
 * - SIGTERM (scancel, a node taken down, Slurm's time limit) kills the
 *   job at once and still writes a report, marked "terminated": Slurm's
 *   end state then says why (executor-slurm.c).
 */
#include "base/compat.h"
#include <poll.h>
#include <signal.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "exec/collect.h"
#include "queue/manifest.h"
#include "sandbox/sandbox.h"
#include "base/json.h"
#include "store/handle.h"
#include "store/limits.h"
#include "base/banned.h"

#define KILL_GRACE 2.0

struct node {
	int dirfd;
	const char *dir;
	json_t *spec, *files;
	struct sandbox_child child;
	struct sandbox_result res;
	int out_pipe, err_pipe, out_file, err_file;
	long long log_bytes, log_cap;
	const char *stop;        /* "timeout", "output_limit" or NULL */
	const char *error_kind;  /* "sandbox_error", "code_mismatch" or NULL */
	struct buf error;
	int terminated, code_rejected, live;
	json_t *collect;
};

static int sig_pipe[2] = { -1, -1 };

static void on_term(int sig)
{
	int e = errno;
	char c = (char)sig;
	if (write(sig_pipe[1], &c, 1) < 0) { /* full: one is enough */ }
	errno = e;
}

static int check_code(int dirfd, void *ctx, struct buf *err)
{
	struct node *n = ctx;
	int r = manifest_verify_exact(dirfd, n->files, err);
	n->code_rejected = r != 0;
	return r;
}

static long long lim(json_t *l, const char *k)
{
	return json_integer_value(json_object_get(l, k));
}

/* The sandbox spec from spec.json; strings borrowed from it. */
static void fill_spec(struct node *n, struct sandbox_spec *s, struct sandbox_dataset **ds,
		      struct sandbox_dataset *rt, struct sandbox_file **tools, const char ***envp,
		      char **paths)
{
	json_t *sp = n->spec, *l = json_object_get(sp, "limits"), *v;
	int full = json_is_true(json_object_get(sp, "isolation_full"));
	const char *k;
	size_t i = 0;
	memset(s, 0, sizeof(*s));
	paths[0] = path_join(n->dir, "code");
	paths[1] = path_join(n->dir, "out");
	paths[2] = path_join(n->dir, "work");
	paths[3] = full ? xstrdup("/code/run.sh") : path_join(paths[0], "run.sh");
	s->isolation = full ? SANDBOX_FULL : SANDBOX_NONE;
	s->network = json_is_true(json_object_get(sp, "network"));
	s->job_id = json_string_value(json_object_get(sp, "uid"));
	s->code_dir = paths[0];
	s->out_dir = full ? NULL : paths[1];
	s->work_dir = full ? NULL : paths[2];
	*ds = xcalloc(json_object_size(json_object_get(sp, "datasets")) + 1, sizeof(**ds));
	json_object_foreach(json_object_get(sp, "datasets"), k, v) {
		(*ds)[i].name = k;
		(*ds)[i++].host_path = json_string_value(v);
	}
	s->datasets = *ds;
	s->ndatasets = i;
	if ((v = json_object_get(sp, "runtime"))) {
		rt->name = json_string_value(json_object_get(v, "name"));
		rt->host_path = json_string_value(json_object_get(v, "host_path"));
		s->runtimes = rt;
		s->nruntimes = 1;
	}
	*tools = xcalloc(json_array_size(json_object_get(sp, "tools")) + 1, sizeof(**tools));
	json_array_foreach(json_object_get(sp, "tools"), i, v) {
		(*tools)[i].name = json_string_value(json_object_get(v, "name"));
		(*tools)[i].data = json_string_value(json_object_get(v, "data"));
		(*tools)[i].mode = (int)json_integer_value(json_object_get(v, "mode"));
	}
	s->files = *tools;
	s->nfiles = json_array_size(json_object_get(sp, "tools"));
	*envp = xcalloc(json_array_size(json_object_get(sp, "env")) + 1, sizeof(**envp));
	json_array_foreach(json_object_get(sp, "env"), i, v)
		(*envp)[i] = json_string_value(v);
	s->envp = *envp;
	s->cwd = full ? "/code" : paths[0];
	s->check_code = check_code;
	s->check_code_ctx = n;
	s->limits = (struct sandbox_limits){ lim(l, "cpu_seconds"), lim(l, "memory_bytes"),
		lim(l, "max_processes"), lim(l, "max_open_files"), lim(l, "max_file_bytes"),
		lim(l, "out_bytes"), lim(l, "tmp_bytes") };
}

static void drain(struct node *n, int *pipefd, int file)
{
	char chunk[65536];
	for (;;) {
		ssize_t k = read(*pipefd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0 || errno != EAGAIN)
				fd_close(pipefd);
			return;
		}
		if (n->log_bytes + k > n->log_cap) {
			k = n->log_cap - n->log_bytes;
			if (!n->stop) {
				n->stop = "output_limit";
				sandbox_kill(&n->child);
			}
		}
		if (k > 0 && fs_write_all(file, chunk, (size_t)k) < 0) { /* disk full: keep the cap */ }
		n->log_bytes += k;
	}
}

/* Run the job until it ends: its log, its deadline, a SIGTERM. */
static void follow(struct node *n, double deadline)
{
	double kill_at = 0;
	while (n->live) {
		struct pollfd p[4] = { { n->out_pipe, POLLIN, 0 }, { n->err_pipe, POLLIN, 0 },
			{ n->child.pidfd, POLLIN, 0 }, { sig_pipe[0], POLLIN, 0 } };
		double now = time_mono(), until = kill_at > 0 ? kill_at : deadline;
		int ms = until - now < 0 ? 0 : (int)((until - now) * 1000) + 1;
		if (poll(p, 4, ms) < 0 && errno != EINTR)
			break;
		now = time_mono();
		if (p[0].revents)
			drain(n, &n->out_pipe, n->out_file);
		if (p[1].revents)
			drain(n, &n->err_pipe, n->err_file);
		if (p[3].revents && !n->terminated) {
			n->terminated = 1; /* Slurm's KillWait is short: no grace */
			sandbox_kill(&n->child);
		}
		if (!n->stop && now >= deadline) {
			n->stop = "timeout";
			sandbox_terminate(&n->child);
			kill_at = now + KILL_GRACE;
		} else if (kill_at > 0 && now >= kill_at) {
			sandbox_kill(&n->child);
		}
		if (p[2].revents)
			break;
	}
	if (sandbox_reap(&n->child, &n->res, &n->error) < 0 && !n->error_kind)
		n->error_kind = n->code_rejected ? "code_mismatch" : "sandbox_error";
	while (n->out_pipe >= 0)
		drain(n, &n->out_pipe, n->out_file);
	while (n->err_pipe >= 0)
		drain(n, &n->err_pipe, n->err_file);
}

static int open_capture(struct node *n, int *wout, int *werr)
{
	int po[2], pe[2];
	n->out_file = openat(n->dirfd, "stdout", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	n->err_file = openat(n->dirfd, "stderr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (n->out_file < 0 || n->err_file < 0 || pipe2(po, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	n->out_pipe = po[0];
	n->err_pipe = pe[0];
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	*wout = po[1];
	*werr = pe[1];
	return 0;
}

/* The job's /out (the sandbox's tmpfs, hostile) into the staged out/. */
static void collect(struct node *n)
{
	json_t *l = json_object_get(n->spec, "limits");
	struct collect_limits cl = { lim(l, "out_bytes"), lim(l, "max_output_files"), 32, 255 };
	struct collect_report rep;
	struct buf err = BUF_INIT;
	int dst = -1;
	memset(&rep, 0, sizeof(rep));
	buf_init(&rep.excluded_json, 1 << 24);
	if (n->res.out_fd >= 0 && fs_mkdir(n->dirfd, "out", 0700) == 0 &&
	    (dst = fs_open_dir(n->dirfd, "out")) >= 0 &&
	    collect_outputs(n->res.out_fd, dst, &cl, &rep, &err) == 0)
		n->collect = json_pack("{s:I,s:I,s:b,s:o}", "excluded_count", (json_int_t)rep.excluded,
				       "limited_count", (json_int_t)rep.limited, "source_full",
				       rep.source_full, "excluded", rep.excluded_json.len ?
				       json_loads(rep.excluded_json.ptr, 0, NULL) : json_array());
	else if (n->res.out_fd >= 0 && !n->error_kind) {
		n->error_kind = "sandbox_error";
		buf_setf(&n->error, "collecting outputs on the node failed: %s", err.ptr ? err.ptr : "");
	}
	fd_close(&dst);
	fd_close(&n->res.out_fd);
	buf_release(&rep.excluded_json);
	buf_release(&err);
}

static int write_status(struct node *n)
{
	char host[256] = "";
	json_t *o;
	int r;
	const char *slurm_node = getenv("SLURMD_NODENAME"); /* Slurm's name of this node */
	gethostname(host, sizeof(host) - 1);
	if (slurm_node && *slurm_node && strlen(slurm_node) < sizeof(host))
		snprintf(host, sizeof(host), "%s", slurm_node);
	o = json_pack("{s:b,s:i,s:i,s:b,s:f,s:I,s:I,s:b,s:s?,s:s?,s:s?,s:s%,s:o?,s:s}",
		      "exited", n->res.exited, "exit_code", n->res.exit_code, "signal", n->res.signal,
		      "oom_killed", n->res.oom_killed, "cpu_seconds", n->res.cpu_seconds,
		      "peak_memory_bytes", (json_int_t)n->res.peak_memory_bytes,
		      "log_bytes", (json_int_t)n->log_bytes, "terminated", n->terminated,
		      "stop", n->stop, "error_kind", n->error_kind,
		      "error", n->error.len ? n->error.ptr : NULL,
		      "applied", n->res.applied.ptr ? n->res.applied.ptr : "", n->res.applied.len,
		      "collect", n->collect, "node", host);
	n->collect = NULL; /* now o's */
	r = o ? json_write_at(n->dirfd, "status.json", o, 0) : -1;
	json_decref(o);
	return r;
}

/* Check the stage: private, started once, a spec whose digest is the
 * approved one.  -1 with msg: nothing ran, no report (a second start
 * leaves the first one's). */
static int open_stage(struct node *n, struct buf *msg)
{
	struct stat st;
	struct buf err = BUF_INIT;
	char digest[65];
	int fd;
	n->dirfd = open(n->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (n->dirfd < 0 || fstat(n->dirfd, &st) < 0)
		return buf_setf(msg, "'%s': %s", n->dir, strerror(errno)), -1;
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		return buf_setf(msg, "'%s' is not private (uid %u, mode %04o)", n->dir,
				(unsigned)st.st_uid, (unsigned)(st.st_mode & 07777)), -1;
	fd = openat(n->dirfd, "node-started", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return buf_setf(msg, "'%s' was started once already: a job never runs twice",
				n->dir), -1;
	fs_fsync_dir(n->dirfd);
	close(fd);
	n->spec = json_load_file_at(n->dirfd, "spec.json", JOB_JSON_MAX, &err);
	n->files = json_object_get(n->spec, "files");
	if (!n->files) {
		n->error_kind = "sandbox_error";
		buf_setf(&n->error, "spec.json unreadable: %s", err.ptr ? err.ptr : "");
	} else {
		const char *approved = json_string_value(json_object_get(n->spec, "code_sha256"));
		manifest_digest(n->files, digest);
		if (!approved || strcmp(digest, approved)) {
			n->error_kind = "code_mismatch";
			buf_setf(&n->error, "code digest differs from the approved one");
		}
	}
	buf_release(&err);
	return 0;
}

/* Isolation none runs the staged code/ itself: it must be the manifest. */
static void verify_staged(struct node *n)
{
	int code = fs_open_dir(n->dirfd, "code");
	if (code < 0 || manifest_verify_exact(code, n->files, &n->error)) {
		n->error_kind = "code_mismatch";
		if (!n->error.len)
			buf_setf(&n->error, "code/ missing on the node");
	}
	fd_close(&code);
}

static void run(struct node *n)
{
	struct sandbox_spec s;
	struct sandbox_dataset *ds = NULL, rt;
	struct sandbox_file *tools = NULL;
	const char **envp = NULL, *argv[3] = { "/bin/bash", NULL, NULL };
	char *paths[4] = { NULL, NULL, NULL, NULL };
	int wout = -1, werr = -1, i;
	double deadline = time_mono() + json_number_value(json_object_get(n->spec, "timeout"));
	fill_spec(n, &s, &ds, &rt, &tools, &envp, paths);
	argv[1] = paths[3];
	s.argv = argv;
	if (s.isolation == SANDBOX_NONE) {
		verify_staged(n);
		fs_mkdir(n->dirfd, "out", 0700);
		fs_mkdir(n->dirfd, "work", 0700);
	}
	if (n->error_kind)
		goto out;
	if (open_capture(n, &wout, &werr) < 0) {
		n->error_kind = "sandbox_error";
		buf_setf(&n->error, "capture: %s", strerror(errno));
		goto out;
	}
	s.stdout_fd = wout;
	s.stderr_fd = werr;
	if (sandbox_spawn(&s, &n->child, &n->error) < 0) {
		n->error_kind = n->code_rejected ? "code_mismatch" : "sandbox_error";
		goto out;
	}
	fd_close(&wout);
	fd_close(&werr);
	n->live = 1;
	follow(n, deadline);
	collect(n);
out:
	fd_close(&wout);
	fd_close(&werr);
	for (i = 0; i < 4; i++)
		free(paths[i]);
	free(ds);
	free(tools);
	free(envp);
}

int scq_exec_node(const char *dir, char **message)
{
	struct node n;
	struct buf msg = BUF_INIT;
	struct sigaction sa;
	int r = 1;
	memset(&n, 0, sizeof(n));
	memset(&sa, 0, sizeof(sa));
	n.dir = dir;
	n.out_pipe = n.err_pipe = n.out_file = n.err_file = n.res.out_fd = -1;
	n.child.pidfd = n.child.setup_fd = -1;
	n.log_cap = 0;
	buf_init(&n.error, 4096);
	buf_init(&n.res.applied, 1 << 16);
	*message = NULL;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		buf_setf(&msg, "pipe: %s", strerror(errno));
		goto out;
	}
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (open_stage(&n, &msg) < 0)
		goto out;
	n.log_cap = json_integer_value(json_object_get(n.spec, "log_cap"));
	if (!n.error_kind)
		run(&n);
	if (write_status(&n) < 0)
		buf_setf(&msg, "writing status.json: %s", strerror(errno));
	else
		r = 0;
out:
	if (msg.len)
		*message = buf_detach(&msg, NULL);
	fd_close(&n.dirfd);
	fd_close(&n.out_pipe);
	fd_close(&n.err_pipe);
	fd_close(&n.out_file);
	fd_close(&n.err_file);
	fd_close(&sig_pipe[0]);
	fd_close(&sig_pipe[1]);
	json_decref(n.spec);
	json_decref(n.collect);
	buf_release(&n.error);
	buf_release(&n.res.applied);
	buf_release(&msg);
	return r;
}
