/*
 * runner.c - the owner's run loop: recover, ingest, expire, claim approved
 * jobs up to max_concurrent_jobs, drive them with poll(), publish, clean up.
 *
 * Single-threaded: every job is a set of fds its executor names (the
 * local one: stdout, stderr, pidfd and, while its sandbox is being set
 * up, the set-up socket; maybe none) in one poll set with a timeout, so
 * timeouts, output caps and cancels are handled in one place, and no
 * job's set-up holds up the others.  The loop knows jobs only through
 * run-job.c and the executor interface (executor.h).
 * Claims are renames (approved -> running) under a per-job flock, so any
 * number of runners can share a store and no job ever runs twice.
 */
#include "base/compat.h"
#include <dirent.h>
#include <poll.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "exec/runner.h"
#include "store/commit.h"
#include "store/settings.h"
#include "store/audit.h"
#include "queue/ingest.h"
#include "queue/outbox.h"
#include "queue/run-record.h"
#include "exec/republish.h"
#include "base/clock.h"
#include "base/banned.h"

#define MAX_SLOTS 64

/* One approved job of a snapshot of approved/. */
struct queued {
	char uid[37]; /* a valid uid: 36 characters */
	double t; /* approved at (the folder's ctime) */
};

struct loop {
	scq *h;
	const struct executor *ex;
	struct run_slot slots[MAX_SLOTS];
	int used[MAX_SLOTS];
	int nused, max;
	struct scq_run_stats *st;
	struct queued *queue; /* approved jobs, oldest approval first (a snapshot) */
	size_t nqueue, next;  /* queue[next..] not tried yet */
	double queued_at;
	struct ingest_child ingest; /* the pass running beside the loop */
};

/* The approved uids with the time of their approval (the folder's ctime),
 * in folder order; *n gets how many. */
static struct queued *approved_uids(scq *h, size_t *n)
{
	int fd = queue_status_dir(h, SCQ_APPROVED);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct queued *q = NULL;
	size_t alloc = 0;
	*n = 0;
	while (d && (e = readdir(d))) {
		struct stat st;
		if (!scq_uid_valid(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			q = xrealloc(q, xmul(alloc, sizeof(*q)));
		}
		memcpy(q[*n].uid, e->d_name, sizeof(q->uid)); /* with its NUL */
		q[(*n)++].t = (double)st.st_ctim.tv_sec + st.st_ctim.tv_nsec / 1e9;
	}
	if (d)
		closedir(d);
	return q;
}

static int by_time(const void *a, const void *b)
{
	double x = ((const struct queued *)a)->t, y = ((const struct queued *)b)->t;
	return (x > y) - (x < y);
}

#define QUEUE_REFRESH 1.0 /* seconds a snapshot of approved/ is used */

static void queue_drop(struct loop *l)
{
	free(l->queue);
	l->queue = NULL;
	l->nqueue = l->next = 0;
}

/* Listing approved/ costs a stat per job: with hundreds queued, doing it
 * at every round of the loop was a fair share of the runner's time.  A
 * snapshot serves until it is used up or a second old; an entry that is
 * gone meanwhile (cancelled, claimed by another runner) fails its claim. */
static void queue_refresh(struct loop *l, double now)
{
	if (l->queue && l->next < l->nqueue && now - l->queued_at < QUEUE_REFRESH)
		return;
	queue_drop(l);
	l->queue = approved_uids(l->h, &l->nqueue);
	if (!l->queue) /* none: an empty snapshot, still used for a second */
		l->queue = xcalloc(1, sizeof(*l->queue));
	qsort(l->queue, l->nqueue, sizeof(*l->queue), by_time);
	l->queued_at = now;
}

static void fill_slots(struct loop *l)
{
	struct commit c;
	int i;
	if (l->nused >= l->max)
		return;
	queue_refresh(l, time_mono());
	/* claim a group with one sync, then start them: never run an undurable claim */
	commit_begin(l->h, &c);
	for (; l->next < l->nqueue && l->nused < l->max; l->next++) {
		for (i = 0; i < MAX_SLOTS && l->used[i]; i++)
			;
		if (run_claim(l->h, &c, l->queue[l->next].uid, &l->slots[i])) {
			l->slots[i].ex = l->ex;
			l->used[i] = 2; /* claimed, not started */
			l->nused++;
			l->st->started++;
		}
	}
	if (commit_end(&c) == 0) {
		for (i = 0; i < MAX_SLOTS; i++)
			if (l->used[i] == 2) {
				run_start(l->h, &l->slots[i]);
				scq_log(l->h, "job %s started", l->slots[i].job.uid);
				l->used[i] = 1;
			}
	} else {
		for (i = 0; i < MAX_SLOTS; i++) /* not durable: leave them to recovery */
			if (l->used[i] == 2) {
				run_abandon(&l->slots[i], "claim could not be made durable");
				l->used[i] = 1;
			}
	}
}

static void finish_slot(struct loop *l, struct commit *c, int i)
{
	struct run_slot *s = &l->slots[i];
	/* counted by the recorded outcome: a run whose outputs could not be
	 * collected is not "completed" */
	s->final_status = SCQ_FAILED;
	run_finish(l->h, c, s);
	if (s->final_status == SCQ_CANCELLED)
		l->st->cancelled++;
	else if (s->final_status == SCQ_COMPLETED)
		l->st->completed++;
	else
		l->st->failed++;
	l->st->undelivered += s->undelivered != 0;
	scq_log(l->h, "job %s %s%s%s", s->job.uid, scq_status_name(s->final_status),
		s->job.st.error_kind ? ": " : "", s->job.st.error_kind ? s->job.st.error_kind : "");
	l->used[i] = 0;
	l->nused--;
}

static void poll_slots(struct loop *l, int timeout_ms)
{
	struct pollfd p[MAX_SLOTS * EXEC_MAX_FDS + 2];
	int idx[MAX_SLOTS], cnt[MAX_SLOTS], n = 0, i;
	p[n++] = (struct pollfd){ l->ingest.pipe, POLLIN, 0 };
	p[n++] = (struct pollfd){ l->ingest.pidfd, POLLIN, 0 };
	for (i = 0; i < MAX_SLOTS; i++) {
		if (!l->used[i])
			continue;
		idx[i] = n;
		cnt[i] = run_wait_fds(&l->slots[i], p + n);
		n += cnt[i];
	}
	struct commit c;
	if (poll(p, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return;
	int done[MAX_SLOTS], ndone = 0;
	for (i = 0; i < MAX_SLOTS; i++)
		if (l->used[i] && run_poll(l->h, &l->slots[i], p + idx[i], cnt[i], time_mono()))
			done[ndone++] = i;
	if (!ndone)
		return;
	commit_begin(l->h, &c); /* every job that ended in this round: one sync */
	for (i = 0; i < ndone; i++)
		finish_slot(l, &c, done[i]);
	commit_end(&c);
}

/* Whether the finished job at jobfd must stay: its results wait for the
 * owner's release, or for `scq republish` (not delivered). */
static int cleanup_keeps(scq *h, int jobfd, int status)
{
	struct run_record res = RUN_RECORD_INIT;
	int have = run_record_load(&res, jobfd, JOB_JSON_MAX);
	int keep = job_results_held(h, jobfd, status, have ? &res : NULL) ||
		   republish_undelivered(jobfd, have ? &res : NULL);
	run_record_release(&res);
	return keep;
}

/* The requester's outbox entry of a removed job keeps its last state: a
 * status.json without the log and outputs, saying when they were removed
 * (doc/protocol.md §7), written before they go, so no reader ever finds
 * nothing there and falls back to its older local record. */
static void cleanup_outbox(scq *h, scq_job *j, const char *uid)
{
	int outfd = outbox_open(h, scq_job_requester(j), uid);
	char now[ISO_LEN];
	if (outfd < 0)
		return;
	time_now_iso(now);
	json_object_del(j->obj, "log");
	json_object_del(j->obj, "output_files");
	json_object_set_new(j->obj, "results_removed_at", json_string(now));
	if (json_write_at(outfd, "status.json", j->obj, 0) == 0) {
		unlinkat(outfd, "execution.txt", 0);
		unlinkat(outfd, "execution.log", 0);
		fs_remove_tree(outfd, "output");
	}
	fd_close(&outfd);
}

static int cleanup_status(scq *h, int status, double cutoff, unsigned *n)
{
	int fd = queue_status_dir(h, status);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct stat st;
		struct buf err = BUF_INIT;
		if (!scq_uid_valid(e->d_name) || fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    (double)st.st_ctim.tv_sec > cutoff)
			continue;
		int jfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int keep = jfd < 0 || cleanup_keeps(h, jfd, status);
		scq_job *j = keep ? NULL : job_load_store(h, jfd, status, &err);
		fd_close(&jfd);
		if (!keep) {
			if (j)
				cleanup_outbox(h, j, e->d_name);
			fs_remove_tree(dirfd(d), e->d_name);
			audit_append(h, NULL, "cleanup", e->d_name, "scq", NULL, NULL);
			(*n)++;
		}
		scq_job_free(j);
		buf_release(&err);
	}
	if (d)
		closedir(d);
	return 0;
}

static void cleanup(scq *h, unsigned *n)
{
	long long after = setting_int(h, SET_CLEANUP_COMPLETED_AFTER);
	int s;
	if (after <= 0)
		return;
	for (s = SCQ_COMPLETED; s < SCQ_STATUS_COUNT; s++)
		cleanup_status(h, s, time_now() - (double)after, n);
}

/* One scq_log line per notice line. */
static void log_notices(scq *h, const char *n)
{
	const char *nl;
	for (; *n; n = nl + 1) {
		nl = strchr(n, '\n');
		if (!nl) {
			scq_log(h, "%s", n);
			return;
		}
		scq_log(h, "%.*s", (int)(nl - n), n);
	}
}

/* Seconds of ingest work per runner tick (deadlines are checked between). */
#define INGEST_BUDGET 0.2

static int run_loop(scq *h, const struct executor *ex, struct scq_run_stats *st,
		    volatile int *stop, int watch)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct scq_run_stats local;
	struct buf ingest_err = BUF_INIT;
	double next_tick = 0;
	int r, ingest_code = 0;
	memset(&local, 0, sizeof(local));
	l->h = h;
	l->ex = ex;
	l->st = st ? st : &local;
	memset(l->st, 0, sizeof(*l->st));
	l->max = (int)setting_int(h, SET_MAX_CONCURRENT_JOBS);
	if (l->max > MAX_SLOTS)
		l->max = MAX_SLOTS;
	r = run_recover(h, ex, &l->st->recovered);
	if (r == 0)
		outbox_reconcile(h); /* best effort: redone at the next start */
	ingest_child_init(&l->ingest);
	for (; r == 0;) {
		double now = time_mono(); /* a stepped clock must not stop ingest */
		/* no inbox entry and no full disk may stop the jobs that run:
		 * report, keep the first error for the cycle's end.  The first
		 * pass runs here, before any claim (a cancel that came first
		 * wins); later ones in a child, beside the running jobs. */
		if (now >= next_tick && l->ingest.pid < 0 &&
		    (next_tick == 0 || ingest_child_start(h, &l->ingest) < 0)) {
			int e = next_tick == 0 ? scq_ingest(h, NULL) : ingest_bounded(h, INGEST_BUDGET);
			if (*scq_ingest_notices(h))
				log_notices(h, scq_ingest_notices(h));
			if (e == 0)
				e = scq_refresh(h, SCQ_REFRESH_EXPIRE);
			if (e < 0) {
				scq_log(h, "ingest: %s (the runner goes on)", h->err.ptr);
				if (!ingest_code)
					ingest_code = e, buf_setf(&ingest_err, "%s", h->err.ptr);
			}
			next_tick = now + 1.0;
		}
		if (!(stop && *stop))
			fill_slots(l);
		if (l->nused == 0 && (!watch || (stop && *stop)))
			break;
		if (stop && *stop) {
			int i;
			for (i = 0; i < MAX_SLOTS; i++)
				if (l->used[i])
					run_stop(h, &l->slots[i]);
		}
		poll_slots(l, l->nused ? 100 : 250);
		if (ingest_child_service(h, &l->ingest, &ingest_code, &ingest_err))
			next_tick = time_mono() + 1.0;
	}
	ingest_child_finish(h, &l->ingest, &ingest_code, &ingest_err);
	cleanup(h, &l->st->cleaned);
	queue_drop(l);
	free(l);
	if (r == 0 && ingest_code && !watch)
		r = scq_fail(h, ingest_code, "%s", ingest_err.ptr);
	buf_release(&ingest_err);
	return r;
}

int runner_cycle(scq *h, const struct executor *ex, struct scq_run_stats *st)
{
	return run_loop(h, ex, st, NULL, 0);
}

int scq_run_cycle(scq *h, struct scq_run_stats *st)
{
	return run_loop(h, &executor_local, st, NULL, 0);
}

int scq_run_watch(scq *h, volatile int *stop)
{
	return run_loop(h, &executor_local, NULL, stop, 1);
}
