/*
 * run-job.c - one claimed job's flow, from the claim to its final state
 * (see runner.h): claim it, check its approval, drive it through the
 * executor (executor.h), stop it on a cancel request, and record the
 * result (result.json, execution.log, the finish transition).
 *
 * Guarantees: the executor is asked to start a job only once its claim is
 * durable and its approved digest, recorded digest and manifest agree (the
 * executor then checks that the bytes that run are that manifest); nothing
 * here knows how or where the job runs.
 */
#include "base/compat.h"
#include <dirent.h>
#include <signal.h>
#include <sys/file.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "store/queue.h"
#include "exec/runner.h"
#include "store/commit.h"
#include "queue/lifecycle.h"
#include "store/state.h"
#include "store/settings.h"
#include "store/audit.h"
#include "queue/outbox.h"
#include "queue/run-record.h"
#include "base/banned.h"

static json_t *load(int fd, const char *name)
{
	struct buf err = BUF_INIT;
	json_t *o = json_load_file_at(fd, name, JOB_JSON_MAX, &err);
	buf_release(&err);
	return o;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void load_record(int fd, struct job_record *r)
{
	json_t *o = load(fd, "job.json");
	record_from_json(r, o);
	json_decref(o);
}

static void load_approval(struct run_slot *s)
{
	json_t *o = load(s->job.jobfd, "approved.json");
	decision_from_json(&s->approval, o);
	s->approved = o != NULL;
	json_decref(o);
}

/* The approved digest, the recorded one and the manifest must agree; the
 * executor then checks that what runs is that manifest (the bytes that
 * run, read once: a store file swapped between a hash here and a second
 * read could otherwise run unverified). */
static int verify_digests(struct run_slot *s)
{
	struct exec_job *j = &s->job;
	json_t *m = load(j->jobfd, "manifest.json");
	int code = openat(j->jobfd, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = -1;
	char digest[65];
	if (!m || code < 0 || !s->approved) {
		buf_setf(&j->st.error, "job records incomplete (manifest, code or approval)");
		goto out;
	}
	manifest_digest(json_object_get(m, "files"), digest);
	/* an approval without a uid was written before approvals named their
	 * job: it still runs (scq audit --verify checks its "approve") */
	if (s->approval.uid && strcmp(s->approval.uid, j->uid))
		buf_setf(&j->st.error, "the approval record names another job");
	else if (strcmp(digest, or_empty(s->approval.code_sha256)) ||
	    strcmp(digest, or_empty(s->rec.code_sha256)))
		buf_setf(&j->st.error, "code digest differs from the approved one");
	else
		r = 0;
out:
	if (r)
		j->st.error_kind = "code_mismatch";
	else
		j->files = json_incref(json_object_get(m, "files"));
	json_decref(m);
	fd_close(&code);
	return r;
}

static void slot_init(struct run_slot *s, const char *uid)
{
	memset(s, 0, sizeof(*s));
	s->ex = &executor_local;
	s->lockfd = -1;
	exec_job_init(&s->job, uid);
}

/* What the executor is given of the job, from its records and settings. */
static void job_inputs(scq *h, struct run_slot *s)
{
	struct exec_job *j = &s->job;
	j->name = or_empty(s->rec.name);
	j->requester = or_empty(s->rec.requester);
	j->runtime = s->rec.runtime;
	j->network = setting_bool(h, SET_NETWORK) || s->approval.allow_network;
	j->t0 = time_mono();
	j->timeout = (double)setting_int(h, SET_JOB_TIMEOUT);
	j->log_cap = setting_int(h, SET_MAX_OUTPUT_BYTES);
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
	s->job.jobfd = queue_job_dir(h, SCQ_RUNNING, uid);
	load_record(s->job.jobfd, &s->rec);
	load_approval(s);
	s->started = time_now();
	job_inputs(h, s);
	time_now_iso(now);
	rec = json_pack("{s:s,s:i}", "started_at", now, "runner_pid", (int)getpid());
	if (json_write_at(s->job.jobfd, "running.json", rec, commit_fsflags(c)) < 0)
		buf_setf(&s->job.st.error, "writing running.json: %s", strerror(errno));
	json_decref(rec);
	audit_append(h, c, "start", uid, h->email, NULL, or_empty(s->rec.code_sha256));
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

/* The job ends before the executor had it: its records, its digest, a
 * claim that could not be made durable.  kind unless one is set. */
static void fail_unstarted(struct run_slot *s, const char *kind)
{
	if (!s->job.st.error_kind)
		s->job.st.error_kind = kind;
	s->job.st.state = EXEC_FINISHED;
}

void run_abandon(struct run_slot *s, const char *why)
{
	buf_setf(&s->job.st.error, "%s", why);
	fail_unstarted(s, "sandbox_error");
}

void run_start(scq *h, struct run_slot *s)
{
	struct exec_job *j = &s->job;
	if (j->st.error.len || verify_digests(s) < 0 || s->ex->prepare(h, j) < 0)
		fail_unstarted(s, "sandbox_error");
	else
		s->ex->start(h, j); /* a failure ends the job: poll says so */
}

int run_wait_fds(struct run_slot *s, struct pollfd *p)
{
	return s->job.st.state == EXEC_RUNNING ? s->ex->wait_fds(&s->job, p) : 0;
}

/* A cancel request is the queue's business (cancel-request.json in the
 * job's folder); stopping the job is the executor's. */
int run_poll(scq *h, struct run_slot *s, const struct pollfd *p, int n, double now)
{
	struct exec_job *j = &s->job;
	if (j->st.state == EXEC_FINISHED)
		return 1;
	if (j->st.state == EXEC_RUNNING && j->st.stop == EXEC_STOP_NONE &&
	    fs_exists(j->jobfd, "cancel-request.json"))
		s->ex->cancel(h, j, EXEC_STOP_CANCEL);
	return s->ex->poll(h, j, p, n, now) == EXEC_FINISHED;
}

void run_stop(scq *h, struct run_slot *s)
{
	s->ex->cancel(h, &s->job, EXEC_STOP_RUNNER);
}


static void read_capture(int jobfd, const char *name, struct buf *log)
{
	struct buf b = BUF_INIT;
	if (fs_read_file(jobfd, name, (size_t)1 << 34, &b) == 0)
		buf_add(log, b.ptr, b.len);
	buf_release(&b);
}

static int report_flag(const struct exec_status *st, const char *k)
{
	return json_is_true(json_object_get(st->output, k));
}

static void describe(struct run_slot *s, const char *kind, struct buf *msg)
{
	const struct exec_status *st = &s->job.st;
	if (st->error.len)
		buf_addf(msg, "%s", st->error.ptr);
	else if (kind && !strcmp(kind, "output_limit") && st->stop != EXEC_STOP_OUTPUT_LIMIT)
		buf_addf(msg, report_flag(st, "source_full") ? "Outputs incomplete: the output folder filled "
			 "its limit of %lld bytes (max_output_bytes); files written last may be cut" :
			 "Outputs incomplete: entries over max_output_bytes (%lld bytes) or "
			 "max_output_files were left out; see run.output.excluded", s->job.log_cap);
	else if (kind && !strcmp(kind, "timeout") && st->stop != EXEC_STOP_TIMEOUT)
		buf_addf(msg, "Execution failed: CPU time limit reached");
	else if (kind && !strcmp(kind, "timeout"))
		buf_addf(msg, "Execution failed: wall-clock limit of %.0f s reached",
			 s->job.timeout);
	else if (kind && !strcmp(kind, "signal"))
		buf_addf(msg, "Execution failed: killed by signal %d", st->signal);
	else if (kind && !strcmp(kind, "exit_status"))
		buf_addf(msg, "Execution failed: exit status %d", st->exit_code);
	else if (kind)
		buf_addf(msg, "Execution failed: %s", kind);
}

static void outcome(struct run_slot *s, int *status, struct run_record *res)
{
	const struct exec_status *st = &s->job.st;
	const char *kind = st->error_kind;
	struct buf msg = BUF_INIT;
	*status = SCQ_FAILED;
	if (!kind && st->stop == EXEC_STOP_CANCEL)
		kind = "cancelled", *status = SCQ_CANCELLED;
	else if (!kind && st->stop == EXEC_STOP_TIMEOUT)
		kind = "timeout";
	else if (!kind && st->stop == EXEC_STOP_OUTPUT_LIMIT)
		kind = "output_limit";
	else if (!kind && st->stop == EXEC_STOP_RUNNER)
		kind = "runner_restart";
	else if (!kind && st->oom_killed)
		kind = "oom";
	else if (!kind && !st->exited && st->signal == SIGXCPU)
		kind = "timeout"; /* the CPU-time limit, the other clock of the job */
	else if (!kind && !st->exited)
		kind = "signal";
	else if (!kind && st->exit_code != 0)
		kind = "exit_status";
	else if (!kind && report_flag(st, "limit_reached"))
		kind = "output_limit"; /* results incomplete: never a clean success */
	else if (!kind)
		*status = SCQ_COMPLETED;
	describe(s, kind, &msg);
	/* the run's own outcome, restored by `scq republish` once the
	 * outputs are collected after a collect_error */
	run_set_str(res, RUN_RUN_ERROR_KIND, kind);
	run_set_name(res, RUN_RUN_ERROR_MESSAGE, msg.len ? msg.ptr : NULL);
	if (st->collect_error.len && *status != SCQ_CANCELLED) {
		kind = "collect_error", *status = SCQ_FAILED;
		buf_setf(&msg, "%s (the owner can run `scq republish` once space is free)",
			 st->collect_error.ptr);
	}
	run_set_str(res, RUN_ERROR_KIND, kind);
	/* may name an output file (collect): json_name keeps any bytes */
	run_set_name(res, RUN_ERROR_MESSAGE, msg.len ? msg.ptr : NULL);
	buf_release(&msg);
}

/* The footer's exit line says what is true: a job killed by a signal has
 * no exit code (result.json says null), nor has a job that never ran. */
static void exit_line(struct buf *log, const struct run_slot *s)
{
	const struct exec_status *st = &s->job.st;
	static const char *const why[] = { NULL, "after the wall-clock limit",
		"after the output limit", "after a cancel", "when the runner stopped" };
	const char *cause = why[st->stop], *abbrev = st->signal ? sigabbrev_np(st->signal) : NULL;
	char sig[32];
	if (st->oom_killed)
		cause = "at the memory limit";
	else if (!cause && !st->exited && st->signal == SIGXCPU)
		cause = "at the CPU-time limit";
	if (abbrev)
		snprintf(sig, sizeof(sig), "SIG%s", abbrev);
	else
		snprintf(sig, sizeof(sig), "signal %d", st->signal);
	if (st->exited)
		buf_addf(log, "Exit Code: %d%s%s%s", st->exit_code, cause ? " (stopped " : "",
			 cause ? cause : "", cause ? ")" : "");
	else if (st->signal)
		buf_addf(log, "Exit Code: none (killed by %s%s%s)", sig, cause ? " " : "",
			 cause ? cause : "");
	else
		buf_addf(log, "Exit Code: none (%s)", st->stop == EXEC_STOP_RUNNER ?
			 "the runner stopped while the job ran" : "the job did not run");
}

static void write_log(struct commit *c, struct run_slot *s, const struct run_record *res)
{
	struct buf log = BUF_INIT;
	char started[ISO_LEN];
	const struct exec_status *st = &s->job.st;
	time_format_iso(s->started, started);
	buf_addf(&log, "Job: %s (%s)\nRequester: %s\nStarted: %s\n"
		 "Working Directory: /code\nOutput Directory: /out\n%.80s\n\nSTDOUT:\n",
		 or_empty(s->rec.name), s->job.uid, or_empty(s->rec.requester), started,
		 "--------------------------------------------------------------------------------");
	read_capture(s->job.jobfd, ".stdout.tmp", &log);
	buf_adds(&log, "\n\nSTDERR:\n");
	read_capture(s->job.jobfd, ".stderr.tmp", &log);
	if (st->stop == EXEC_STOP_OUTPUT_LIMIT)
		buf_addf(&log, "\n[output limit of %lld bytes reached: job stopped]", s->job.log_cap);
	if (res->error_message)
		buf_addf(&log, "\n\nError: %s", res->error_message);
	buf_adds(&log, "\n\n");
	exit_line(&log, s);
	buf_addf(&log, "\nCompleted: %s\n", res->completed_at);
	fs_write_atomic(s->job.jobfd, "execution.log", log.ptr, log.len, commit_fsflags(c));
	unlinkat(s->job.jobfd, ".stdout.tmp", 0);
	unlinkat(s->job.jobfd, ".stderr.tmp", 0);
	buf_release(&log);
}

static void release(struct run_slot *s)
{
	fd_close(&s->job.jobfd);
	fd_close(&s->lockfd);
	s->job.jobfd = s->lockfd = -1;
	record_release(&s->rec);
	decision_release(&s->approval);
	exec_job_release(&s->job);
	s->approved = 0;
}

/* The runner stops and the backend keeps the job without it (adopt): the
 * job stays in running/, its lock is let go, the next runner adopts it. */
void run_detach(scq *h, struct run_slot *s)
{
	scq_log(h, "job %s left to the %s executor (the next runner adopts it)", s->job.uid,
		s->ex->name);
	s->ex->cleanup(h, &s->job); /* not finalized: the backend keeps its stage */
	release(s);
}

/* The job's end, through the queue (running -> its final state). */
static int finish_transition(scq *h, struct commit *c, struct run_slot *s, int status,
			     const struct run_record *res)
{
	json_t *o = run_record_to_json(res);
	int r = job_transition(h, c, STATE_BY_RUNNER, s->job.uid, SCQ_RUNNING, status, o,
			       h->email, res->error_kind);
	json_decref(o);
	return r;
}

static void result_record(scq *h, struct run_slot *s, struct run_record *res)
{
	const struct exec_status *st = &s->job.st;
	json_t *applied;
	char now[ISO_LEN], started[ISO_LEN];
	/* the job has ended (poll said so): its clock stops before the
	 * collection of its outputs */
	double wall = time_mono() - s->job.t0;
	time_now_iso(now);
	time_format_iso(s->started, started);
	s->ex->finalize(h, &s->job);
	run_set_str(res, RUN_STARTED_AT, started);
	run_set_str(res, RUN_COMPLETED_AT, now);
	run_set_int(res, RUN_EXIT_CODE, !st->exited, st->exit_code);
	run_set_int(res, RUN_SIGNAL, !st->signal, st->signal);
	run_set_real(res, RUN_WALL_SECONDS, wall);
	run_set_real(res, RUN_CPU_SECONDS, st->cpu_seconds);
	run_set_int(res, RUN_PEAK_MEMORY_BYTES, st->peak_memory_bytes < 0, st->peak_memory_bytes);
	run_set_json(res, RUN_OUTPUT, st->output);
	applied = st->applied.len ? json_loads(st->applied.ptr, 0, NULL) : NULL;
	run_set_json(res, RUN_LIMITS_APPLIED, applied);
	json_decref(applied);
	run_set_int(res, RUN_LOG_BYTES, 0, st->log_bytes);
	run_set_bool(res, RUN_LOG_TRUNCATED, st->stop == EXEC_STOP_OUTPUT_LIMIT);
}

/* Finalize, record the result and the log, clean up, finish; releases the
 * slot. */
int run_finish(scq *h, struct commit *commit, struct run_slot *s)
{
	struct run_record res = RUN_RECORD_INIT;
	int status, r;
	s->job.commit = commit;
	result_record(h, s, &res);
	outcome(s, &status, &res);
	/* the release mode this run's results fall under (job.c: results held) */
	run_set_str(&res, RUN_RELEASE, run_release_mode(h, status));
	if (status == SCQ_CANCELLED) {
		json_t *c = load(s->job.jobfd, "cancel-request.json");
		run_set_json(&res, RUN_CANCEL, c ? c : (c = decision_record(h->email, "cancelled")));
		json_decref(c);
	}
	write_log(commit, s, &res);
	s->ex->cleanup(h, &s->job); /* before the job leaves running/ */
	r = finish_transition(h, commit, s, status, &res);
	s->final_status = status;
	/* a failed publication or collection: shown by the runner and in
	 * `scq status`, completed by `scq republish` */
	s->undelivered = r != 0 || s->job.st.collect_error.len;
	run_record_release(&res);
	release(s);
	return r;
}

/* A running job whose lock nobody holds lost its runner: fail it, never
 * re-run it on its own (it may have had effects).  The executor is told
 * to stop it (a batch system may still run it) and collects what is left;
 * start is never called.  An executor that can adopt it (it still runs
 * there) keeps it instead: the slot goes to the loop, lock held. */
static int adopt(scq *h, struct run_slot *s, struct run_slot *slots, int *used, int nslots,
		 int *nused)
{
	int i;
	for (i = 0; i < nslots && used[i]; i++)
		;
	if (!s->ex->adopt || i == nslots)
		return 0;
	load_approval(s);
	job_inputs(h, s);
	if (s->ex->adopt(h, &s->job) != 1)
		return 0;
	scq_log(h, "job %s adopted again from the %s executor", s->job.uid, s->ex->name);
	slots[i] = *s; /* the slot now owns the lock, folder and records */
	used[i] = 1;
	(*nused)++;
	return 1;
}

int run_recover(scq *h, const struct executor *ex, unsigned *recovered,
		struct run_slot *slots, int *used, int nslots, int *nused)
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
		s.ex = ex;
		s.lockfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (s.lockfd < 0 || fs_flock(s.lockfd, LOCK_EX | LOCK_NB) < 0) {
			release(&s);
			continue; /* a live runner has it */
		}
		s.job.jobfd = queue_job_dir(h, SCQ_RUNNING, e->d_name);
		load_record(s.job.jobfd, &s.rec);
		s.started = time_now();
		s.job.t0 = time_mono();
		if (adopt(h, &s, slots, used, nslots, nused))
			continue;
		buf_setf(&s.job.st.error, "the runner stopped while the job was running; "
			 "it was not re-run (approve a new submission to run it again)");
		s.job.st.error_kind = "runner_restart";
		ex->cancel(h, &s.job, EXEC_STOP_RUNNER);
		r = run_finish(h, NULL, &s);
		if (r == 0 && recovered)
			(*recovered)++;
	}
	if (d)
		closedir(d);
	return r;
}
