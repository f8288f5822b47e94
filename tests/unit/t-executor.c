/*
 * t-executor.c - the executor interface's contract (executor.h).
 *
 * - The runner drives prepare -> start -> poll ... -> finalize -> cleanup
 *   once per job, through the interface only (a counting wrapper around a
 *   fake executor sees every call the runner makes).
 * - Every step is idempotent: a wrapper that calls each step twice changes
 *   nothing, for the fake and for the real local executor (isolation none
 *   and full): the job runs once, its log and outputs are whole.
 * - A restarted runner that finds a job in running/ never starts it: it
 *   gets cancel, finalize, cleanup, and fails as runner_restart.
 * - A cancel request stops a running job once, with cancel doubled.
 */
#include "base/compat.h"
#include <sys/stat.h>
#include "store/handle.h"
#include "store/queue.h"
#include "exec/runner.h"
#include "sandbox/sandbox.h"
#include "tap.h"

#define DS "ds@uni.example"
#define DO "owner@hospital.example"

/* ---- a fake executor: the job "runs" for three polls, exits 0 ---------- */

static int fake_runs; /* effective starts, over all jobs */

struct fake_job {
	int started, polls;
};

static int fake_prepare(scq *h, struct exec_job *j)
{
	(void)h;
	if (!j->priv)
		j->priv = calloc(1, sizeof(struct fake_job));
	return 0;
}

static int fake_start(scq *h, struct exec_job *j)
{
	struct fake_job *f;
	fake_prepare(h, j);
	f = j->priv;
	if (!f->started) {
		f->started = 1;
		fake_runs++;
		j->st.state = EXEC_RUNNING;
	}
	return 0;
}

static int fake_wait_fds(struct exec_job *j, struct pollfd *p)
{
	(void)j;
	(void)p;
	return 0; /* like a batch system: the runner polls on its timeout */
}

static enum exec_state fake_poll(scq *h, struct exec_job *j, const struct pollfd *p,
				 int n, double now)
{
	struct fake_job *f = j->priv;
	(void)h, (void)p, (void)n, (void)now;
	if (f && f->started && j->st.state == EXEC_RUNNING && ++f->polls >= 3) {
		j->st.state = EXEC_FINISHED;
		j->st.exited = 1;
		j->st.exit_code = 0;
	}
	return j->st.state;
}

static void fake_cancel(scq *h, struct exec_job *j, enum exec_stop why)
{
	(void)h;
	if (j->st.stop == EXEC_STOP_NONE)
		j->st.stop = why;
}

static int fake_finalize(scq *h, struct exec_job *j)
{
	if (j->st.finalized)
		return 0;
	j->st.output = run_collect(h, j->commit, j->jobfd, -1, &j->st.collect_error);
	j->st.finalized = 1;
	j->st.state = EXEC_FINISHED;
	return 0;
}

static void fake_cleanup(scq *h, struct exec_job *j)
{
	(void)h;
	free(j->priv);
	j->priv = NULL;
}

static const struct executor fake = {
	"fake", fake_prepare, fake_start, fake_wait_fds, fake_poll,
	fake_cancel, fake_finalize, fake_cleanup, NULL, NULL,
};

/* ---- doubling: every step called twice ---------------------------------- */

static const struct executor *inner;

static int dbl_prepare(scq *h, struct exec_job *j)
{
	int r = inner->prepare(h, j);
	return inner->prepare(h, j) | r;
}

static int dbl_start(scq *h, struct exec_job *j)
{
	int r = inner->start(h, j);
	return inner->start(h, j) | r;
}

static int dbl_wait_fds(struct exec_job *j, struct pollfd *p)
{
	inner->wait_fds(j, p);
	return inner->wait_fds(j, p);
}

static enum exec_state dbl_poll(scq *h, struct exec_job *j, const struct pollfd *p,
				int n, double now)
{
	inner->poll(h, j, p, n, now);
	return inner->poll(h, j, p, n, now);
}

static void dbl_cancel(scq *h, struct exec_job *j, enum exec_stop why)
{
	inner->cancel(h, j, why);
	inner->cancel(h, j, why);
}

static int dbl_finalize(scq *h, struct exec_job *j)
{
	int r = inner->finalize(h, j);
	return inner->finalize(h, j) | r;
}

static void dbl_cleanup(scq *h, struct exec_job *j)
{
	inner->cleanup(h, j);
	inner->cleanup(h, j);
}

static const struct executor doubling = {
	"doubling", dbl_prepare, dbl_start, dbl_wait_fds, dbl_poll,
	dbl_cancel, dbl_finalize, dbl_cleanup, NULL, NULL,
};

/* ---- counting: what the runner calls, per job, in order ----------------- */

static const struct executor *counted;

struct calls {
	char uid[40];
	char seq[64]; /* one letter per step, repeats of poll folded */
	int n[6];     /* prepare start poll cancel finalize cleanup */
};
static struct calls calls[16];

static struct calls *calls_of(const char *uid)
{
	size_t i;
	for (i = 0; i < SCQ_NELEM(calls) && calls[i].uid[0]; i++)
		if (!strcmp(calls[i].uid, uid))
			return &calls[i];
	if (i == SCQ_NELEM(calls))
		return &calls[0];
	snprintf(calls[i].uid, sizeof(calls[i].uid), "%s", uid);
	return &calls[i];
}

static void note(const char *uid, int op)
{
	struct calls *c = calls_of(uid);
	size_t len = strlen(c->seq);
	char letter = "PSpCFX"[op];
	c->n[op]++;
	if ((!len || c->seq[len - 1] != letter) && len + 1 < sizeof(c->seq))
		c->seq[len] = letter;
}

static int cnt_prepare(scq *h, struct exec_job *j)
{
	note(j->uid, 0);
	return counted->prepare(h, j);
}

static int cnt_start(scq *h, struct exec_job *j)
{
	note(j->uid, 1);
	return counted->start(h, j);
}

static int cnt_wait_fds(struct exec_job *j, struct pollfd *p)
{
	return counted->wait_fds(j, p);
}

static enum exec_state cnt_poll(scq *h, struct exec_job *j, const struct pollfd *p,
				int n, double now)
{
	note(j->uid, 2);
	return counted->poll(h, j, p, n, now);
}

static void cnt_cancel(scq *h, struct exec_job *j, enum exec_stop why)
{
	note(j->uid, 3);
	counted->cancel(h, j, why);
}

static int cnt_finalize(scq *h, struct exec_job *j)
{
	note(j->uid, 4);
	return counted->finalize(h, j);
}

static void cnt_cleanup(scq *h, struct exec_job *j)
{
	note(j->uid, 5);
	counted->cleanup(h, j);
}

static const struct executor counting = {
	"counting", cnt_prepare, cnt_start, cnt_wait_fds, cnt_poll,
	cnt_cancel, cnt_finalize, cnt_cleanup, NULL, NULL,
};

/* ---- cancelling: the owner asks to cancel once the job runs ------------ */

static const struct executor *below;

static enum exec_state ask_poll(scq *h, struct exec_job *j, const struct pollfd *p,
				int n, double now)
{
	char *path = NULL;
	FILE *f;
	enum exec_state r = below->poll(h, j, p, n, now);
	/* once the job has printed (it has run its first lines) */
	if (r == EXEC_RUNNING && j->st.log_bytes > 0 &&
	    asprintf(&path, "%s/jobs/running/%s/cancel-request.json", h->store, j->uid) >= 0 &&
	    access(path, F_OK) != 0 && (f = fopen(path, "w"))) {
		fputs("{\"by\":\"t-executor\"}\n", f);
		fclose(f);
	}
	free(path);
	return r;
}

static int ask_prepare(scq *h, struct exec_job *j) { return below->prepare(h, j); }
static int ask_start(scq *h, struct exec_job *j) { return below->start(h, j); }
static int ask_wait_fds(struct exec_job *j, struct pollfd *p) { return below->wait_fds(j, p); }
static void ask_cancel(scq *h, struct exec_job *j, enum exec_stop why) { below->cancel(h, j, why); }
static int ask_finalize(scq *h, struct exec_job *j) { return below->finalize(h, j); }
static void ask_cleanup(scq *h, struct exec_job *j) { below->cleanup(h, j); }

static const struct executor cancelling = {
	"cancelling", ask_prepare, ask_start, ask_wait_fds, ask_poll,
	ask_cancel, ask_finalize, ask_cleanup, NULL, NULL,
};

/* ---- a store with approved jobs ----------------------------------------- */

static char *marker; /* each run of a job appends a line here (isolation none) */

static void write_job(const char *dir)
{
	char path[4096];
	FILE *f;
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/run.sh", dir);
	f = fopen(path, "w");
	fprintf(f, "#!/bin/bash\necho hello\necho warn >&2\n"
		   "[ -d /out ] || echo ran >> %s\n"
		   "echo result > \"$OUTPUT_DIR/out.txt\"\n", marker);
	fclose(f);
}

/* n jobs submitted by ds, approved by owner; their uids in uids[]. */
static void approved_jobs(scq *ds, scq *owner, const char *code, int n, char uids[][40])
{
	int i;
	for (i = 0; i < n; i++) {
		struct scq_submit_options o = { DO, code, "contract", NULL, NULL, 0, 0, NULL, NULL, NULL, 0 };
		char *uid = NULL;
		if (scq_submit(ds, &o, &uid) != 0)
			tap_diag("submit: %s", scq_errmsg(ds));
		snprintf(uids[i], 40, "%s", uid ? uid : "");
		free(uid);
	}
	scq_ingest(owner, NULL);
	for (i = 0; i < n; i++)
		if (scq_approve(owner, uids[i], "ok", 0) != 0)
			tap_diag("approve: %s", scq_errmsg(owner));
}

/* The job's folder in status st, or NULL (caller frees). */
static char *job_path(scq *h, int st, const char *uid, const char *name)
{
	char *p = NULL;
	struct stat sb;
	if (asprintf(&p, "%s/jobs/%s/%s/%s", h->store, scq_status_name(st), uid, name) < 0)
		return NULL;
	if (stat(p, &sb) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

static json_t *result_of(scq *h, int st, const char *uid)
{
	char *p = job_path(h, st, uid, "result.json");
	json_t *o = p ? json_load_file(p, 0, NULL) : NULL;
	free(p);
	return o;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int c, n = 0;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int count_in(const char *hay, const char *needle)
{
	int n = 0;
	for (; hay && (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

/* A job run by `ex` through the real runner: completed, log and outputs
 * whole. */
static void check_completed(scq *h, const char *uid, const char *what)
{
	json_t *res = result_of(h, SCQ_COMPLETED, uid);
	char *log = job_path(h, SCQ_COMPLETED, uid, "execution.log");
	char *out = job_path(h, SCQ_COMPLETED, uid, "output/out.txt");
	char *tmp = job_path(h, SCQ_COMPLETED, uid, ".stdout.tmp");
	char *scratch = job_path(h, SCQ_COMPLETED, uid, "sandbox-out");
	struct buf b = BUF_INIT;
	ok(res != NULL, "%s: %s completed", what, uid);
	is_int(json_integer_value(json_object_get(res, "exit_code")), 0, "%s: exit code 0", what);
	is_int(json_integer_value(json_object_get(json_object_get(res, "output"), "files")), 1,
	       "%s: one output file collected", what);
	ok(out != NULL, "%s: output/out.txt is there", what);
	if (log)
		tap_read_path(log, &b);
	is_int(count_in(b.ptr, "hello"), 1, "%s: stdout once in execution.log", what);
	is_int(count_in(b.ptr, "warn"), 1, "%s: stderr once in execution.log", what);
	ok(!tmp && !scratch, "%s: no capture files, no sandbox-out left", what);
	buf_release(&b);
	json_decref(res);
	free(log);
	free(out);
	free(tmp);
	free(scratch);
}

static void test_fake(scq *ds, scq *owner, const char *code)
{
	char uids[3][40];
	struct scq_run_stats st;
	int i;
	memset(calls, 0, sizeof(calls));
	approved_jobs(ds, owner, code, 3, uids);
	inner = &fake;
	counted = &doubling;
	fake_runs = 0;
	ok(runner_cycle(owner, &counting, &st) == 0, "a cycle with the fake executor, doubled");
	is_int(st.started, 3, "three jobs started");
	is_int(st.completed, 3, "three completed");
	is_int(fake_runs, 3, "each ran once, though start was called twice");
	for (i = 0; i < 3; i++) {
		struct calls *c = calls_of(uids[i]);
		json_t *res = result_of(owner, SCQ_COMPLETED, uids[i]);
		is_str(c->seq, "PSpFX", "job %d: prepare, start, poll..., finalize, cleanup", i);
		ok(c->n[0] == 1 && c->n[1] == 1 && c->n[4] == 1 && c->n[5] == 1,
		   "job %d: the runner called prepare, start, finalize, cleanup once", i);
		ok(c->n[2] >= 2, "job %d: and poll until it ended (%d)", i, c->n[2]);
		ok(res && json_is_null(json_object_get(res, "error_kind")), "job %d: completed", i);
		json_decref(res);
	}
}

static void test_local(scq *ds, scq *owner, const char *code, const char *iso)
{
	char uids[2][40];
	struct scq_run_stats st;
	int i, full = !strcmp(iso, "full");
	char what[64];
	scq_config_set(owner, "isolation", iso);
	unlink(marker);
	approved_jobs(ds, owner, code, 2, uids);
	inner = &executor_local;
	ok(runner_cycle(owner, &doubling, &st) == 0, "local executor, every step doubled (%s)", iso);
	is_int(st.completed, 2, "both jobs completed (%s)", iso);
	if (!full)
		is_int(count_lines(marker), 2, "each job ran once (%s)", iso);
	for (i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "local doubled %s job %d", iso, i);
		check_completed(owner, uids[i], what);
	}
}

/* A cancel request while the job runs: cancel (doubled) stops it once. */
static void test_cancel(scq *ds, scq *owner, const char *dir)
{
	char uids[1][40], *code = NULL, *path = NULL, *log;
	struct scq_run_stats st;
	struct buf b = BUF_INIT;
	FILE *f;
	json_t *res;
	double t0 = time_mono();
	memset(calls, 0, sizeof(calls));
	scq_config_set(owner, "isolation", "none");
	unlink(marker);
	if (asprintf(&code, "%s/sleeper", dir) < 0 || mkdir(code, 0755) != 0 ||
	    asprintf(&path, "%s/run.sh", code) < 0 || !(f = fopen(path, "w")))
		return;
	fprintf(f, "#!/bin/bash\necho ran >> %s\necho started\nexec sleep 30\n", marker);
	fclose(f);
	approved_jobs(ds, owner, code, 1, uids);
	inner = &executor_local;
	below = &doubling;
	counted = &cancelling;
	ok(runner_cycle(owner, &counting, &st) == 0, "cancel: a cycle, every step doubled");
	ok(time_mono() - t0 < 20, "cancel: the job was stopped (%.1f s)", time_mono() - t0);
	is_int(st.cancelled, 1, "cancel: counted as cancelled");
	is_int(count_lines(marker), 1, "cancel: the job ran once");
	is_str(calls_of(uids[0])->seq, "PSpCpFX", "cancel: prepare, start, poll, cancel, poll, finalize, cleanup");
	res = result_of(owner, SCQ_CANCELLED, uids[0]);
	is_str(json_string_value(json_object_get(res, "error_kind")), "cancelled", "cancel: error_kind cancelled");
	is_str(json_string_value(json_object_get(json_object_get(res, "cancel"), "by")), "t-executor",
	       "cancel: the request is recorded");
	log = job_path(owner, SCQ_CANCELLED, uids[0], "execution.log");
	if (log)
		tap_read_path(log, &b);
	ok(strstr(b.ptr, "killed by SIGTERM after a cancel") != NULL, "cancel: the log says how it ended");
	buf_release(&b);
	json_decref(res);
	free(log);
	free(path);
	free(code);
}

/* A job left in running/ by a runner that died after its claim. */
static void crashed_claim(scq *owner, const char *uid)
{
	struct run_slot s;
	if (run_claim(owner, NULL, uid, &s) != 1)
		tap_diag("claim of %s failed", uid);
	close(s.lockfd); /* the runner "dies": its lock goes with it */
	close(s.job.jobfd);
	record_release(&s.rec);
	decision_release(&s.approval);
	exec_job_release(&s.job);
}

static void test_recover(scq *ds, scq *owner, const char *code, const struct executor *ex,
			 const char *what)
{
	char uids[1][40];
	struct scq_run_stats st;
	struct calls *c;
	json_t *res;
	char *path;
	memset(calls, 0, sizeof(calls));
	scq_config_set(owner, "isolation", "none");
	unlink(marker);
	approved_jobs(ds, owner, code, 1, uids);
	crashed_claim(owner, uids[0]);
	path = job_path(owner, SCQ_RUNNING, uids[0], "job.json");
	ok(path != NULL, "%s: the job is in running/", what);
	free(path);
	inner = ex;
	counted = &doubling;
	fake_runs = 0;
	ok(runner_cycle(owner, &counting, &st) == 0, "%s: a restarted runner", what);
	is_int(st.recovered, 1, "%s: recovered one job", what);
	is_int(st.started, 0, "%s: started none", what);
	c = calls_of(uids[0]);
	is_int(c->n[0] + c->n[1], 0, "%s: prepare and start never called", what);
	is_str(c->seq, "CFX", "%s: cancel, finalize, cleanup", what);
	is_int(fake_runs + count_lines(marker), 0, "%s: the job did not run again", what);
	res = result_of(owner, SCQ_FAILED, uids[0]);
	is_str(json_string_value(json_object_get(res, "error_kind")), "runner_restart",
	       "%s: failed as runner_restart", what);
	json_decref(res);
}

int main(void)
{
	char *dir = tap_tempdir(), *code = NULL;
	scq *ds = tap_open_as(DS, dir), *owner = tap_open_as(DO, dir);
	struct buf doc = BUF_INIT;
	ok(ds && owner, "a requester and an owner");
	if (asprintf(&code, "%s/code", dir) < 0 || asprintf(&marker, "%s/ran", dir) < 0)
		return 1;
	write_job(code);
	scq_config_set(owner, "isolation", "none");
	test_fake(ds, owner, code);
	test_local(ds, owner, code, "none");
	sandbox_doctor(&doc);
	if (geteuid() == 0 && strstr(doc.ptr, "\"isolation_full\":true"))
		test_local(ds, owner, code, "full");
	else
		tap_diag("isolation full not available here: doubled local run checked with none only");
	test_cancel(ds, owner, dir);
	test_recover(ds, owner, code, &fake, "fake");
	test_recover(ds, owner, code, &executor_local, "local");
	buf_release(&doc);
	scq_close(ds);
	scq_close(owner);
	tap_rmtree(dir);
	free(dir);
	free(code);
	free(marker);
	return done_testing();
}
