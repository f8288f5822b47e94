/*
 * refresh.c - scq_refresh: the one step that brings a store up to date.
 *
 * Reads (listing.c, results.c, review.c, datasets.c, exec/status.c) never write, so
 * a dashboard that polls, or a read-only mount, leaves the store as it
 * was.  What reads used to do on the way (ingest the inbox, expire pending
 * jobs past their deadline, remove abandoned submissions) is done here,
 * when a caller asks for it: the CLI once before each owner command (its
 * command table), the runner each tick, the Python binding at the entry
 * points that used to rely on it.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "queue/notify.h"
#include "store/queue.h"
#include "queue/outbox.h"
#include "queue/record.h"
#include "queue/refresh.h"
#include "base/banned.h"

/* A staging folder this old belongs to a submit that died (a live one
 * publishes within seconds). */
#define ABANDONED_SECONDS 600

/* The store and its folders, as the first read of an old version made
 * them: later writes and `ls` of the store find the layout they expect. */
static int make_layout(scq *h)
{
	int s, fd = store_subdir(h, "submitted");
	for (s = 0; fd >= 0 && s < SCQ_STATUS_COUNT; s++) {
		close(fd);
		fd = queue_status_dir(h, s);
	}
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/*
 * Expiry without a walk of every pending job on every command (a single-job
 * command must cost the same at 10 jobs and at 100,000, t0095): the store
 * keeps EXPIRY_FILE, the earliest deadline of the pending jobs ("next") as
 * of a time the pending folder had a known mtime and link count.  While
 * the folder is unchanged (no job came or went) and that deadline is ahead,
 * nothing can be due.  The mtime alone could miss a job that came just
 * after our look (timestamps are coarse, the same tick): each job is a
 * sub-folder, so it changes the link count; where a file system keeps no
 * such count (1), a folder changed within EXPIRY_QUIET seconds of the look
 * is not trusted.  (A job missed all the same, by one taken and one added
 * in one tick, expires at the next change of the folder.)
 */
#define EXPIRY_FILE "expiry.json"
#define EXPIRY_QUIET 0.1

/* The folder's mtime, exact, and link count, as text. */
static json_t *mtime_of(const struct stat *st)
{
	char s[64];
	snprintf(s, sizeof(s), "%lld.%09ld %lu", (long long)st->st_mtim.tv_sec,
		 (long)st->st_mtim.tv_nsec, (unsigned long)st->st_nlink);
	return json_string(s);
}

/* Whether EXPIRY_FILE (ex) says that nothing can be due now. */
static int nothing_due(json_t *ex, const struct stat *st, double now)
{
	json_t *m = mtime_of(st), *next = json_object_get(ex, "next");
	int same = ex && json_equal(m, json_object_get(ex, "pending_mtime")) &&
		   (st->st_nlink > 1 || (double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec / 1e9 <
		    json_real_value(json_object_get(ex, "at")) - EXPIRY_QUIET);
	json_decref(m);
	return same && (json_is_null(next) || now < json_real_value(next));
}

/* The deadline of one pending job: its folder's mark, else its record. */
static double deadline_of(int pend, const char *uid)
{
	struct buf err = BUF_INIT, rel = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	struct stat st;
	double d = 0;
	if (fstatat(pend, uid, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_mtim.tv_nsec == DEADLINE_MARK_NSEC)
		return (double)st.st_mtim.tv_sec;
	buf_addf(&rel, "%s/job.json", uid);
	if (record_load_at(&rec, pend, rel.ptr, SMALL_JSON_MAX, &err) < 0 ||
	    record_deadline(&rec, &d) < 0)
		d = 0;
	record_release(&rec);
	buf_release(&err);
	buf_release(&rel);
	return d; /* 0 (unreadable): due, queue_expire decides */
}

/* The earliest deadline in jobs/pending (-1: no pending job). */
static double next_deadline(int pend)
{
	int fd = dup(pend);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	double next = -1, t;
	if (!d) {
		fd_close(&fd);
		return 0;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (scq_uid_valid(e->d_name) && ((t = deadline_of(dirfd(d), e->d_name)) < next ||
						 next < 0))
			next = t;
	closedir(d);
	return next;
}

static int expire_due(scq *h)
{
	struct buf err = BUF_INIT;
	struct stat st;
	double now = time_now(), next;
	int pend = queue_status_dir(h, SCQ_PENDING), r = 0;
	json_t *ex = NULL;
	if (pend < 0)
		return pend;
	if (fstat(pend, &st) < 0) {
		r = scq_fail_errno(h, "reading pending jobs");
		goto out;
	}
	ex = json_load_file_at(h->store_fd, EXPIRY_FILE, SMALL_JSON_MAX, &err);
	if (nothing_due(ex, &st, now))
		goto out; /* nothing came or went, nothing is due */
	if ((r = queue_expire(h, NULL)) != 0)
		goto out;
	now = time_now(); /* before the look that the record describes */
	if (fstat(pend, &st) < 0)
		goto out;
	json_decref(ex);
	next = next_deadline(pend);
	ex = json_pack("{s:o,s:f,s:o}", "pending_mtime", mtime_of(&st), "at", now,
		       "next", next < 0 ? json_null() : json_real(next));
	json_write_at(h->store_fd, EXPIRY_FILE, ex, 0); /* a hint: lost, the next one walks */
out:
	json_decref(ex);
	buf_release(&err);
	close(pend);
	return r;
}

/* Whether the owner published rec's job (its status in my outbox there). */
static int published(scq *h, const struct job_record *rec)
{
	char *app = app_dir_of(h, rec->target);
	struct buf p = BUF_INIT;
	struct stat st;
	int r;
	buf_addf(&p, "%s/outbox/%s/%s/status.json", app, h->email, rec->uid);
	r = lstat(p.ptr, &st) == 0;
	buf_release(&p);
	free(app);
	return r;
}

/* Remove my submissions that never left their staging folder at the
 * owner (the submit crashed), with their record; listings hide them. */
static int clean_submissions(scq *h)
{
	int fd = store_subdir_peek(h, "submitted");
	struct buf err = BUF_INIT;
	struct dirent *e;
	DIR *d;
	if (fd < 0)
		return fd == SCQ_ENOTFOUND ? 0 : fd;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return scq_fail_errno(h, "reading '%s/submitted'", h->store);
	}
	while ((e = readdir(d))) {
		struct job_record rec = RECORD_INIT;
		int ok = e->d_name[0] != '.' &&
			 record_load_at(&rec, dirfd(d), e->d_name, SMALL_JSON_MAX, &err) == 0;
		double age = 0;
		char *stage = ok && !published(h, &rec) ? submission_staging(h, &rec, &age) : NULL;
		if (stage && age > ABANDONED_SECONDS) {
			fs_remove_tree(AT_FDCWD, stage);
			unlinkat(dirfd(d), e->d_name, 0);
		}
		free(stage);
		record_release(&rec);
	}
	closedir(d);
	buf_release(&err);
	return 0;
}

int refresh_steps(scq *h, unsigned flags)
{
	int r = 0;
	if (flags & ~(unsigned)SCQ_REFRESH_ALL)
		return scq_fail(h, SCQ_EINVAL, "scq_refresh: unknown flags 0x%x",
				flags & ~(unsigned)SCQ_REFRESH_ALL);
	if (!flags)
		return 0;
	r = make_layout(h);
	if (r == 0 && (flags & SCQ_REFRESH_INGEST))
		r = scq_ingest(h, NULL);
	if (r == 0 && (flags & SCQ_REFRESH_EXPIRE))
		r = expire_due(h);
	if (r == 0 && (flags & SCQ_REFRESH_RECONCILE))
		r = outbox_reconcile(h);
	if (r == 0 && (flags & SCQ_REFRESH_SUBMISSIONS))
		r = clean_submissions(h);
	return r;
}

int scq_refresh(scq *h, unsigned flags)
{
	int r = refresh_steps(h, flags);
	notify_flush(h); /* the owner's: the moves above (ingest, expiry) */
	if (r == 0 && (flags & SCQ_REFRESH_NOTIFY))
		r = notify_scan(h);
	return r;
}

/* The runner sleeps until the earliest deadline (exec/runner.c): what
 * EXPIRY_FILE says, while it still describes the pending folder. */
int expiry_next(scq *h, double *next)
{
	struct buf err = BUF_INIT;
	struct stat st;
	int pend = queue_status_dir(h, SCQ_PENDING), r = -1;
	json_t *ex = NULL, *n;
	if (pend < 0)
		return -1;
	ex = json_load_file_at(h->store_fd, EXPIRY_FILE, SMALL_JSON_MAX, &err);
	if (ex && fstat(pend, &st) == 0 && nothing_due(ex, &st, -1e300)) {
		n = json_object_get(ex, "next");
		*next = json_is_null(n) ? -1 : json_real_value(n);
		r = 0;
	}
	json_decref(ex);
	buf_release(&err);
	close(pend);
	return r;
}
