/*
 * executor-slurm.c - the Slurm backend of executor.h (executor_slurm):
 * prepare and start are slurm-submit.c's; after sbatch this file's steps
 * follow the job through the tick's squeue table, map how Slurm ended it
 * onto our states, scancel it, read the node's report, collect its log and
 * outputs, and adopt the jobs a restarted runner finds.
 *
 * The node's status.json (written last, temp + rename) is the job's own
 * report: a job that has one has ended.  Its end waits for Slurm's final
 * state (REPORT_WAIT at most; not at all while slurmctld does not answer:
 * it may be restarting), because a job stopped from outside can still
 * leave a clean-looking report: a node taken down kills the job's
 * processes, and a run.sh whose `sleep` was killed goes on to exit 0.  So
 * Slurm's final state decides whenever it is not a plain end (COMPLETED,
 * FAILED), and when the node could not report at all:
 *   COMPLETED, FAILED without a report  sandbox_error (the script failed
 *                                       before scq ran; slurm.err says)
 *   TIMEOUT, DEADLINE                   timeout
 *   OUT_OF_MEMORY                       oom
 *   NODE_FAIL, BOOT_FAIL                node_fail (never re-run)
 *   PREEMPTED                           preempted (never re-run)
 *   CANCELLED                           cancelled if scq asked, else
 *                                       slurm_error (an administrator)
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "exec/executor.h"
#include "exec/slurm.h"
#include "store/limits.h"
#include "store/settings.h"
#include "base/banned.h"

/* How long a job may be missing from squeue after its sbatch before it
 * counts as unknown (a table taken before the submission lacks it). */
#define UNKNOWN_AFTER (2 * SLURM_TICK)
/* Seconds between submissions while slurmctld does not answer. */
#define RESUBMIT_AFTER 3.0
/* Seconds a clean report waits for Slurm's final state (the batch script
 * exits right after writing it: COMPLETING, then COMPLETED). */
#define REPORT_WAIT 10.0

static void name_of(const struct exec_job *j, char out[48])
{
	snprintf(out, 48, "scq-%s", j->uid);
}

static json_t *load_report(int dirfd)
{
	struct buf err = BUF_INIT;
	json_t *o = dirfd >= 0 ? json_load_file_at(dirfd, "status.json", SMALL_JSON_MAX, &err) : NULL;
	buf_release(&err);
	return json_is_object(o) ? o : (json_decref(o), NULL);
}

static const char *known_kind(const char *k)
{
	return k && !strcmp(k, "code_mismatch") ? "code_mismatch" : "sandbox_error";
}

/* The node's report into st. */
static void apply_report(struct exec_job *j, json_t *r)
{
	struct exec_status *st = &j->st;
	const char *stop = json_string_value(json_object_get(r, "stop"));
	const char *kind = json_string_value(json_object_get(r, "error_kind"));
	const char *msg = json_string_value(json_object_get(r, "error"));
	const char *applied = json_string_value(json_object_get(r, "applied"));
	st->exited = json_is_true(json_object_get(r, "exited"));
	st->exit_code = (int)json_integer_value(json_object_get(r, "exit_code"));
	st->signal = (int)json_integer_value(json_object_get(r, "signal"));
	st->oom_killed = json_is_true(json_object_get(r, "oom_killed"));
	st->cpu_seconds = json_number_value(json_object_get(r, "cpu_seconds"));
	st->peak_memory_bytes = json_is_integer(json_object_get(r, "peak_memory_bytes")) ?
		json_integer_value(json_object_get(r, "peak_memory_bytes")) : -1;
	st->log_bytes = json_integer_value(json_object_get(r, "log_bytes"));
	if (st->stop == EXEC_STOP_NONE && stop)
		st->stop = !strcmp(stop, "timeout") ? EXEC_STOP_TIMEOUT :
			   !strcmp(stop, "output_limit") ? EXEC_STOP_OUTPUT_LIMIT : EXEC_STOP_NONE;
	if (kind && !st->error_kind) {
		st->error_kind = known_kind(kind);
		buf_setf(&st->error, "%s", msg ? msg : kind);
	}
	if (applied) {
		buf_reset(&st->applied);
		buf_adds(&st->applied, applied);
	}
}

/* The tail of Slurm's own stderr file of the batch script (why it failed
 * before scq reported), one line, in msg. */
static void script_error(int dirfd, struct buf *msg)
{
	struct buf b = BUF_INIT;
	size_t i, from;
	if (dirfd < 0 || fs_read_file(dirfd, "slurm.err", 1 << 16, &b) < 0 || !b.len)
		goto out;
	from = b.len > 300 ? b.len - 300 : 0;
	buf_adds(msg, ": ");
	for (i = from; i < b.len; i++)
		buf_addc(msg, b.ptr[i] >= ' ' && b.ptr[i] < 127 ? b.ptr[i] : ' ');
out:
	buf_release(&b);
}

/* Slurm's final word, where the node could not give its own. */
static void apply_slurm_end(struct exec_job *j, struct slurm_job *p, const char *s)
{
	struct exec_status *st = &j->st;
	if (st->error_kind || st->stop == EXEC_STOP_CANCEL || st->stop == EXEC_STOP_RUNNER)
		return; /* ours came first */
	if (!strcmp(s, "TIMEOUT") || !strcmp(s, "DEADLINE")) {
		st->stop = EXEC_STOP_TIMEOUT;
	} else if (!strcmp(s, "OUT_OF_MEMORY")) {
		st->oom_killed = 1;
	} else if (!strcmp(s, "NODE_FAIL") || !strcmp(s, "BOOT_FAIL")) {
		st->error_kind = "node_fail";
		buf_setf(&st->error, "Slurm job %ld ended %s: its node failed; the job was not "
			 "re-run (approve a new submission to run it again)", p->id, s);
	} else if (!strcmp(s, "PREEMPTED")) {
		st->error_kind = "preempted";
		buf_setf(&st->error, "Slurm job %ld was preempted; it was not re-run", p->id);
	} else if (!strcmp(s, "CANCELLED")) {
		st->error_kind = "slurm_error";
		buf_setf(&st->error, "Slurm job %ld was cancelled outside scq", p->id);
	} else if (!p->report) {
		st->error_kind = "sandbox_error";
		buf_setf(&st->error, "Slurm job %ld ended %s before scq reported on the node", p->id, s);
		script_error(p->dirfd, &st->error);
	}
}

/* Slurm ended the job itself (a node failure, preemption, its time limit,
 * memory, a cancel): not a plain end of the batch script. */
static int slurm_stopped_it(const char *state)
{
	return strcmp(state, "COMPLETED") && strcmp(state, "FAILED");
}

/* The job ended: its report (if any), then Slurm's state (if it must). */
static enum exec_state ended(struct exec_job *j, struct slurm_job *p, const char *state)
{
	if (!p->report)
		p->report = load_report(p->dirfd);
	if (p->report)
		apply_report(j, p->report);
	if (state && (!p->report || json_is_true(json_object_get(p->report, "terminated")) ||
		      slurm_stopped_it(state)))
		apply_slurm_end(j, p, state);
	else if (!state && !p->report && !j->st.error_kind && j->st.stop == EXEC_STOP_NONE) {
		/* Slurm does not know it, and the node left no report */
		j->st.error_kind = p->adopted ? "runner_restart" : "sandbox_error";
		buf_setf(&j->st.error, p->adopted ? "the runner stopped while the job was in "
			 "Slurm, and Slurm no longer knows it; it was not re-run (approve a new "
			 "submission to run it again)" : "Slurm lost job %ld without an end state",
			 p->id);
	}
	j->st.state = EXEC_FINISHED;
	return EXEC_FINISHED;
}

static void do_scancel(struct exec_job *j, struct slurm_job *p)
{
	char name[64], id[32];
	const char *by_id[] = { "scancel", id, NULL };
	const char *by_name[] = { "scancel", "--me", name, NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;
	snprintf(id, sizeof(id), "%ld", p ? p->id : 0L);
	snprintf(name, sizeof(name), "--name=scq-%s", j->uid);
	/* by name when the id is not known: a job submitted just before a crash */
	if (slurm_cmd(p && p->id ? by_id : by_name, &out, &err, 30) == 0 && p)
		p->scancelled = 1;
	buf_release(&out);
	buf_release(&err);
}

/* sbatch found no controller: once one answers, take the job if it got
 * there after all (its name), else submit it again.  Cancelled meanwhile:
 * it ends, never submitted. */
static enum exec_state resubmit(scq *h, struct exec_job *j, struct slurm_job *p)
{
	struct slurm_table *t;
	const struct slurm_row *row;
	char name[48];
	if (j->st.stop != EXEC_STOP_NONE) {
		p->submit_later = 0;
		return ended(j, p, NULL);
	}
	if (time_mono() - p->since < RESUBMIT_AFTER)
		return j->st.state;
	t = slurm_table_refresh(0);
	name_of(j, name);
	if (!t->ok) {
		p->since = time_mono();
		return j->st.state;
	}
	row = slurm_table_find(t, 0, name);
	if (row) {
		p->id = row->id;
		p->submit_later = 0;
		return j->st.state;
	}
	if (slurm_submit(h, j, p) < 0) {
		j->st.error_kind = "sandbox_error";
		return ended(j, p, NULL);
	}
	return j->st.state;
}

static enum exec_state slurm_poll(scq *h, struct exec_job *j, const struct pollfd *pf, int n,
			   double now)
{
	struct slurm_job *p = j->priv;
	struct slurm_table *t;
	const struct slurm_row *row;
	char name[48];
	(void)h;
	(void)pf;
	(void)n;
	if (!p || j->st.state == EXEC_FINISHED)
		return j->st.state;
	if (p->failed)
		return j->st.state = EXEC_FINISHED;
	if (p->submit_later)
		return resubmit(h, j, p);
	if (j->st.stop != EXEC_STOP_NONE && !p->scancelled)
		do_scancel(j, p); /* again: slurmctld may have been away */
	t = slurm_table_refresh(0);
	name_of(j, name);
	row = t->ok ? slurm_table_find(t, p->id, name) : NULL;
	if (row) {
		p->id = row->id;
		snprintf(p->state, sizeof(p->state), "%s", row->state);
		if (slurm_state_ended(row->state))
			return ended(j, p, row->state);
	}
	/* a report ends the job once Slurm gives its final state (above),
	 * or REPORT_WAIT after it was read, or at once while slurmctld does
	 * not answer; one that says "stopped from outside" waits for Slurm */
	if (!p->report && fs_exists(p->dirfd, "status.json")) {
		p->report = load_report(p->dirfd);
		p->report_at = time_mono();
	}
	if (p->report && !json_is_true(json_object_get(p->report, "terminated")) &&
	    (!t->ok || !row || time_mono() - p->report_at > REPORT_WAIT))
		return ended(j, p, NULL); /* Slurm's end would have come first */
	if (t->ok && !row && t->at - p->since > UNKNOWN_AFTER)
		return ended(j, p, NULL);
	(void)now;
	return j->st.state;
}

static void slurm_cancel(scq *h, struct exec_job *j, enum exec_stop why)
{
	struct slurm_job *p = j->priv;
	(void)h;
	if (j->st.state == EXEC_FINISHED)
		return;
	if (j->st.stop == EXEC_STOP_NONE)
		j->st.stop = why;
	if (!p || (!p->scancelled && !p->failed))
		do_scancel(j, p);
}

/* The node's capped log into the job folder's capture files. */
static void copy_log(struct exec_job *j, int dirfd, const char *from, const char *to)
{
	int in = dirfd >= 0 ? openat(dirfd, from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	int out = openat(j->jobfd, to, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	uint64_t n = 0;
	if (in >= 0 && out >= 0)
		fs_copy_fd(in, out, (uint64_t)j->log_cap, NULL, NULL, &n);
	fd_close(&in);
	fd_close(&out);
}

/* What the node's own collection left out is part of the report too. */
static void merge_collect(json_t *o, json_t *node)
{
	json_t *ex = json_object_get(node, "excluded"), *v;
	size_t i;
	const char *k[] = { "excluded_count", "limited_count" };
	if (!json_is_object(o) || !json_is_object(node))
		return;
	for (i = 0; i < 2; i++)
		json_object_set_new(o, k[i], json_integer(json_integer_value(json_object_get(o, k[i])) +
							  json_integer_value(json_object_get(node, k[i]))));
	json_array_foreach(ex, i, v)
		json_array_append(json_object_get(o, "excluded"), v);
	if (json_is_true(json_object_get(node, "source_full")))
		json_object_set_new(o, "source_full", json_true());
	if (json_integer_value(json_object_get(o, "limited_count")) > 0 ||
	    json_is_true(json_object_get(o, "source_full")))
		json_object_set_new(o, "limit_reached", json_true());
}

/* The node that ran the job, beside its Slurm id in slurm.json: the owner's
 * scq show reads both there (status.json goes with the stage at cleanup). */
static void record_node(struct exec_job *j, json_t *report)
{
	const char *node = json_string_value(json_object_get(report, "node"));
	struct buf err = BUF_INIT;
	json_t *rec;
	if (!node || !*node)
		return;
	rec = json_load_file_at(j->jobfd, "slurm.json", SMALL_JSON_MAX, &err);
	if (json_is_object(rec) && !json_object_get(rec, "node") &&
	    json_object_set_new(rec, "node", json_string(node)) == 0)
		json_write_at(j->jobfd, "slurm.json", rec, 0); /* best effort: shown only */
	json_decref(rec);
	buf_release(&err);
}

static int slurm_finalize(scq *h, struct exec_job *j)
{
	struct slurm_job *p = j->priv;
	int dirfd = p ? p->dirfd : slurm_staged_open(h, j), src;
	json_t *report = p ? json_incref(p->report) : NULL;
	if (j->st.finalized)
		goto out;
	if (!report)
		report = load_report(dirfd);
	copy_log(j, dirfd, "stdout", ".stdout.tmp");
	copy_log(j, dirfd, "stderr", ".stderr.tmp");
	if (!p && report) /* a restarted runner: what the node said is still true */
		j->st.log_bytes = json_integer_value(json_object_get(report, "log_bytes"));
	src = dirfd >= 0 ? openat(dirfd, "out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	j->st.output = run_collect(h, j->commit, j->jobfd, src, &j->st.collect_error);
	merge_collect(j->st.output, json_object_get(report, "collect"));
	record_node(j, report);
	j->st.finalized = 1;
	j->st.state = EXEC_FINISHED;
out:
	if (!p)
		fd_close(&dirfd);
	json_decref(report);
	return 0;
}

static void slurm_cleanup(scq *h, struct exec_job *j)
{
	struct slurm_job *p = j->priv;
	struct buf err = BUF_INIT;
	int shared;
	/* the stage stays while its outputs are not collected (republish) */
	if (j->st.finalized && !j->st.collect_error.len) {
		shared = slurm_shared_open(h, &err);
		if (shared >= 0)
			fs_remove_tree(shared, j->uid);
		fd_close(&shared);
	}
	buf_release(&err);
	if (!p)
		return;
	fd_close(&p->dirfd);
	json_decref(p->report);
	free(p);
	j->priv = NULL;
}

/* Our record of the submission (slurm.json): its Slurm id, or 0. */
static long recorded_id(struct exec_job *j)
{
	struct buf err = BUF_INIT;
	json_t *o = json_load_file_at(j->jobfd, "slurm.json", SMALL_JSON_MAX, &err);
	long id = (long)json_integer_value(json_object_get(o, "job_id"));
	json_decref(o);
	buf_release(&err);
	return id;
}

/* Adopt what Slurm still has (by our record or by the job's name: sbatch
 * may have answered just before the crash), and what the node reported
 * (ended while no runner ran).  slurmctld not answering: adopt, and let
 * poll decide once it answers. */
static int slurm_adopt(scq *h, struct exec_job *j)
{
	struct slurm_table *t = slurm_table_refresh(1);
	struct slurm_job *p = slurm_job_new();
	const struct slurm_row *row;
	char name[48];
	name_of(j, name);
	p->id = recorded_id(j);
	p->dirfd = slurm_staged_open(h, j);
	row = t->ok ? slurm_table_find(t, p->id, name) : NULL;
	if (!row && t->ok && p->id)
		row = slurm_table_find(t, 0, name);
	if (t->ok && !row && !fs_exists(p->dirfd, "status.json")) {
		fd_close(&p->dirfd);
		free(p);
		return 0; /* unknown to Slurm: run_recover fails it, never resubmits */
	}
	if (row)
		p->id = row->id;
	p->adopted = 1;
	p->since = time_mono();
	j->priv = p;
	j->st.state = EXEC_RUNNING;
	return 1;
}

const struct executor executor_slurm = {
	"slurm", slurm_prepare, slurm_start, slurm_wait_fds, slurm_poll,
	slurm_cancel, slurm_finalize, slurm_cleanup, slurm_adopt, slurm_ready,
};
