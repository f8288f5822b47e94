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
#include <math.h>
#include <poll.h>
#include <signal.h>
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
#include "queue/refresh.h"
#include "exec/watch.h"
#include "queue/signed.h"
#include "queue/notify.h"
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
	/* run --watch with inotify (watch.h): the loop wakes for work only */
	struct watch w;             /* w.fd -1: poll on a timer instead */
	double ingest_at;           /* time_mono() of the next pass; INFINITY */
	double expire_at;           /* time_now() of the next deadline; -1 none */
	double retry;               /* wait before looking at a kept inbox again */
	double beat_at;             /* time_mono() of the next heartbeat */
	struct buf not_ready;       /* why the executor could not run jobs at
				       the last look ("": it could) */
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
	xqsort(l->queue, l->nqueue, sizeof(*l->queue), by_time);
	l->queued_at = now;
}

/* Claim approved jobs into free slots under c (they start once c is
 * durable: start_claimed). */
static void claim_into(struct loop *l, struct commit *c)
{
	int i;
	for (; l->next < l->nqueue && l->nused < l->max; l->next++) {
		for (i = 0; i < MAX_SLOTS && l->used[i]; i++)
			;
		if (run_claim(l->h, c, l->queue[l->next].uid, &l->slots[i])) {
			l->slots[i].ex = l->ex;
			l->used[i] = 2; /* claimed, not started */
			l->nused++;
			l->st->started++;
		}
	}
}

/* Never run an undurable claim: start the claimed jobs once their commit
 * is durable, else leave them to recovery. */
static void start_claimed(struct loop *l, int durable)
{
	int i;
	for (i = 0; i < MAX_SLOTS; i++) {
		if (l->used[i] != 2)
			continue;
		if (durable) {
			run_start(l->h, &l->slots[i]);
			scq_log(l->h, "job %s started", l->slots[i].job.uid);
		} else {
			run_abandon(&l->slots[i], "claim could not be made durable");
		}
		l->used[i] = 1;
	}
}

/* Can the executor run a job now?  A misconfigured backend (Slurm
 * without its shared folder or sbatch) would fail every job it got, and
 * each failure costs the owner an approval and the requester a resubmit:
 * claim nothing, log the reason once (a cycle returns it). */
static int executor_ready(struct loop *l)
{
	struct buf err = BUF_INIT;
	int ok = !l->ex->ready || l->ex->ready(l->h, &err) == 0;
	if (!ok && strcmp(l->not_ready.ptr, err.ptr))
		scq_log(l->h, "runner: the %s executor cannot run jobs, approved jobs wait: %s",
			l->ex->name, err.ptr);
	buf_setf(&l->not_ready, "%s", ok ? "" : err.ptr);
	buf_release(&err);
	return ok;
}

static void fill_slots(struct loop *l)
{
	struct commit c;
	if (l->nused >= l->max)
		return;
	queue_refresh(l, time_mono());
	if (l->next >= l->nqueue)
		return; /* nothing approved: no commit to make */
	if (!executor_ready(l))
		return;
	/* claim a group with one sync, then start them */
	commit_begin(l->h, &c);
	claim_into(l, &c);
	start_claimed(l, commit_end(&c) == 0);
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

/* Wait for the jobs, the ingest child and (run --watch) the folders; what
 * changed in the folders (WATCH_* bits).  Jobs that ended free their
 * slots for new claims in the same commit (one sync for both), unless a
 * stop was asked for. */
static unsigned poll_slots(struct loop *l, int timeout_ms, const sigset_t *mask,
			   volatile int *stop)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };
	struct pollfd p[MAX_SLOTS * EXEC_MAX_FDS + 4];
	int idx[MAX_SLOTS], cnt[MAX_SLOTS], n = 0, i;
	unsigned what = 0;
	p[n++] = (struct pollfd){ l->ingest.pipe, POLLIN, 0 };
	p[n++] = (struct pollfd){ l->ingest.pidfd, POLLIN, 0 };
	p[n++] = (struct pollfd){ l->w.fd, POLLIN, 0 }; /* -1: ignored by poll */
	p[n++] = (struct pollfd){ l->w.clock, POLLIN, 0 };
	for (i = 0; i < MAX_SLOTS; i++) {
		if (!l->used[i])
			continue;
		idx[i] = n;
		cnt[i] = run_wait_fds(&l->slots[i], p + n);
		n += cnt[i];
	}
	struct commit c;
	if (ppoll(p, (nfds_t)n, timeout_ms < 0 ? NULL : &ts, mask) < 0 && errno != EINTR)
		return 0;
	if (p[2].revents) /* before the child's end: its own events count */
		what = watch_read(l->h, &l->w);
	if (p[3].revents) /* the next sleep_ms measures the deadline again */
		what |= watch_clock(&l->w);
	int done[MAX_SLOTS], ndone = 0;
	for (i = 0; i < MAX_SLOTS; i++)
		if (l->used[i] && run_poll(l->h, &l->slots[i], p + idx[i], cnt[i], time_mono()))
			done[ndone++] = i;
	if (!ndone)
		return what;
	commit_begin(l->h, &c); /* every job that ended in this round: one sync */
	for (i = 0; i < ndone; i++)
		finish_slot(l, &c, done[i]);
	if (!(stop && *stop)) { /* their successors too */
		queue_refresh(l, time_mono());
		claim_into(l, &c);
	}
	start_claimed(l, commit_end(&c) == 0);
	return what;
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
	if (signed_status_write(h, outfd, j->obj, 0) == 0) {
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
		/* no tombstone (disk full?): kept, tried again next time */
		if (!keep && job_tombstone(h, e->d_name, j ? scq_job_requester(j) : NULL) < 0)
			keep = 1;
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
/* run --watch with inotify: an inbox that keeps entries after a pass
 * (incomplete, over a cap, cut short by the pass's budget, deeper than
 * the watches) is looked at again RETRY_FIRST s later, then twice as late
 * each time no entry left it, up to RETRY_MAX.  No entry: no retry. */
#define RETRY_FIRST 1.0
#define RETRY_MAX 60.0

/* One pass in this process: the first (before any claim, so a cancel
 * that came first wins), or when no child could be made. */
static void ingest_here(scq *h, int first, int *code, struct buf *msg)
{
	/* ingest_bounded, not scq_ingest: its moves are told by the loop */
	int e = ingest_bounded(h, first ? 0 : INGEST_BUDGET);
	if (*scq_ingest_notices(h))
		log_notices(h, scq_ingest_notices(h));
	if (e == 0)
		e = refresh_steps(h, SCQ_REFRESH_EXPIRE); /* told by the loop */
	if (e < 0) {
		scq_log(h, "ingest: %s (the runner goes on)", h->err.ptr);
		if (!*code)
			*code = e, buf_setf(msg, "%s", h->err.ptr);
	}
}

/* The next deadline of a pending job, as the last expiry left it; a
 * record that does not describe the folder (a job came since): now. */
static void expiry_refresh(struct loop *l)
{
	double next;
	l->expire_at = expiry_next(l->h, &next) == 0 ? next : time_now();
}

/* After a pass (run --watch): when to look again with no event. */
static void after_pass(struct loop *l)
{
	double now = time_now();
	if (l->w.fd < 0)
		return;
	expiry_refresh(l);
	if (l->expire_at >= 0 && l->expire_at <= now)
		l->expire_at = now + 1.0; /* not recorded, or not expired: later */
	if (inbox_left(l->h) || l->w.partial) { /* (an event during the pass: sooner) */
		l->ingest_at = fmin(l->ingest_at, time_mono() + (l->w.partial ? RETRY_FIRST : l->retry));
		l->retry = fmin(2 * l->retry, RETRY_MAX);
	}
}

/* What a poll saw in the watched folders (run --watch). */
static void on_events(struct loop *l, unsigned what)
{
	if (what & (WATCH_INBOX | WATCH_GONE | WATCH_RESCAN))
		l->retry = RETRY_FIRST; /* the inbox moves: look soon */
	if (what & (WATCH_INBOX | WATCH_RESCAN))
		l->ingest_at = 0;
	if (what & WATCH_RESCAN)
		queue_drop(l); /* approvals may have been missed: list again */
	/* a job that came through another process's ingest may be due
	 * first; our own child's come with its end (after_pass) */
	if ((what & (WATCH_PENDING | WATCH_RESCAN)) && l->ingest.pid < 0)
		expiry_refresh(l);
}

static int pass_due(struct loop *l, double now, double next_tick)
{
	if (next_tick == 0 || l->w.fd < 0)
		return now >= next_tick;
	return now >= l->ingest_at || (l->expire_at >= 0 && time_now() >= l->expire_at);
}

/* How long the loop may sleep: with jobs running, their limits need a
 * look every 100 ms; without, polling looks every 250 ms, and under
 * run --watch with inotify it sleeps until the next retry or deadline. */
static int sleep_ms(struct loop *l)
{
	double t;
	if (l->nused || notify_running(l->h)) /* a hook's deadline: a look soon */
		return 100;
	if (l->w.fd < 0)
		return 250;
	if (l->ingest.pid >= 0) /* its end wakes the loop (pidfd, or its pipe) */
		return l->ingest.pidfd >= 0 ? -1 : 100;
	t = fmin(l->ingest_at, l->beat_at) - time_mono();
	if (l->expire_at >= 0)
		t = fmin(t, l->expire_at - time_now());
	if (isinf(t))
		return -1;
	t = ceil(t * 1000);
	return t < 0 ? 0 : t > 86400000 ? 86400000 : (int)t;
}

/* The heartbeat scq ping reads (heartbeat.c: written only when the last
 * is older than heartbeat_seconds, so a cycle run often floods nothing). */
static void beat(struct loop *l)
{
	double now = time_mono();
	if (now < l->beat_at)
		return;
	if (heartbeat_publish(l->h) < 0)
		scq_log(l->h, "heartbeat: %s", scq_errmsg(l->h));
	l->beat_at = now + (double)setting_int(l->h, SET_HEARTBEAT_SECONDS);
}

static int run_loop(scq *h, const struct executor *ex, struct scq_run_stats *st,
		    volatile int *stop, int watch)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct scq_run_stats local;
	struct buf ingest_err = BUF_INIT;
	double next_tick = 0;
	int r, ingest_code = 0;
	sigset_t stops, orig;
	memset(&local, 0, sizeof(local));
	l->h = h;
	l->ex = ex;
	l->st = st ? st : &local;
	l->w.fd = l->w.clock = -1;
	l->ingest_at = INFINITY;
	l->expire_at = -1;
	l->retry = RETRY_FIRST;
	buf_init(&l->not_ready, BUF_MAX_DEFAULT);
	memset(l->st, 0, sizeof(*l->st));
	l->max = (int)setting_int(h, SET_MAX_CONCURRENT_JOBS);
	if (l->max > MAX_SLOTS)
		l->max = MAX_SLOTS;
	r = run_recover(h, ex, &l->st->recovered, l->slots, l->used, MAX_SLOTS, &l->nused);
	if (r == 0)
		outbox_reconcile(h); /* best effort: redone at the next start */
	if (r == 0 && watch) /* before the first pass: nothing comes unseen */
		watch_open(h, &l->w);
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	ingest_child_init(&l->ingest);
	for (; r == 0;) {
		double now = time_mono(); /* a stepped clock must not stop ingest */
		beat(l);
		/* no inbox entry and no full disk may stop the jobs that run:
		 * report, keep the first error for the cycle's end.  The first
		 * pass runs here, before any claim (a cancel that came first
		 * wins); later ones in a child, beside the running jobs. */
		if (l->ingest.pid < 0 && pass_due(l, now, next_tick)) {
			l->ingest_at = INFINITY;
			if (next_tick == 0 || ingest_child_start(h, &l->ingest) < 0) {
				ingest_here(h, next_tick == 0, &ingest_code, &ingest_err);
				next_tick = now + 1.0;
				after_pass(l);
			}
		}
		if (!(stop && *stop))
			fill_slots(l);
		notify_start(h); /* the moves so far; never waited for here */
		/* SIGINT and SIGTERM (the stop flag's usual setters) wait until
		 * the poll: one that comes after the look at *stop wakes it,
		 * however long it would sleep.  Blocked only here: the jobs and
		 * the ingest child are forked with the mask they had. */
		if (l->w.fd >= 0)
			sigprocmask(SIG_BLOCK, &stops, &orig);
		if (l->nused == 0 && (!watch || (stop && *stop))) {
			if (l->w.fd >= 0)
				sigprocmask(SIG_SETMASK, &orig, NULL);
			break;
		}
		if (stop && *stop) {
			int i;
			/* a batch system keeps the jobs: the next runner adopts them,
			 * rather than see them cancelled with this one */
			for (i = 0; i < MAX_SLOTS; i++) {
				if (l->used[i] && ex->adopt && l->slots[i].job.st.state == EXEC_RUNNING) {
					run_detach(h, &l->slots[i]);
					l->used[i] = 0;
					l->nused--;
				} else if (l->used[i]) {
					run_stop(h, &l->slots[i]);
				}
			}
			if (l->nused == 0) {
				if (l->w.fd >= 0)
					sigprocmask(SIG_SETMASK, &orig, NULL);
				break;
			}
		}
		unsigned what = poll_slots(l, sleep_ms(l), l->w.fd >= 0 ? &orig : NULL, stop);
		if (l->w.fd >= 0)
			sigprocmask(SIG_SETMASK, &orig, NULL);
		if (what)
			on_events(l, what);
		if (ingest_child_service(h, &l->ingest, &ingest_code, &ingest_err)) {
			next_tick = time_mono() + 1.0;
			after_pass(l);
		}
	}
	ingest_child_finish(h, &l->ingest, &ingest_code, &ingest_err);
	notify_flush(h); /* the last moves; every hook reaped */
	cleanup(h, &l->st->cleaned);
	queue_drop(l);
	watch_close(&l->w);
	if (r == 0 && l->not_ready.len && !watch)
		r = scq_fail(h, SCQ_ECONFIG, "the %s executor cannot run jobs (they stay approved): %s",
			     ex->name, l->not_ready.ptr);
	if (r == 0 && ingest_code && !watch)
		r = scq_fail(h, ingest_code, "%s", ingest_err.ptr);
	buf_release(&ingest_err);
	buf_release(&l->not_ready);
	free(l);
	return r;
}

/* The backend the owner's setting `executor` names. */
static const struct executor *executor_for(scq *h)
{
	return strcmp(setting_str(h, SET_EXECUTOR), "slurm") ? &executor_local : &executor_slurm;
}

int runner_cycle(scq *h, const struct executor *ex, struct scq_run_stats *st)
{
	return run_loop(h, ex, st, NULL, 0);
}

int scq_run_cycle(scq *h, struct scq_run_stats *st)
{
	return run_loop(h, executor_for(h), st, NULL, 0);
}

int scq_run_watch(scq *h, volatile int *stop)
{
	return run_loop(h, executor_for(h), NULL, stop, 1);
}
