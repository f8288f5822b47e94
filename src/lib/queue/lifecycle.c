/*
 * lifecycle.c - state changes with their consequences: the move itself
 * (state.c), then the audit event, then the outbox publication.
 *
 * The order is the crash argument of doc/protocol.md §5: the move is the
 * commit; an audit line or a publication lost to a crash after it is
 * found and redone by outbox_reconcile at the next runner start.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "store/state.h"
#include "store/audit.h"
#include "queue/outbox.h"
#include "queue/record.h"
#include "queue/votes.h"
#include "base/banned.h"

int job_transition(scq *h, struct commit *c, unsigned by, const char *uid, int from,
		   int to, json_t *record, const char *actor, const char *reason)
{
	const struct state_row *row = state_find(from, to);
	struct decision d = DECISION_INIT; /* an approval names its digest */
	int r = state_move(h, c, by, uid, from, to, record);
	if (r)
		return r;
	if (from == SCQ_PENDING && to != SCQ_PENDING)
		review_unshare(h, uid); /* nothing left to review (votes.h) */
	decision_from_json(&d, record);
	r = audit_append(h, c, row->event, uid, actor, reason, d.code_sha256);
	decision_release(&d);
	if (!r && (r = outbox_publish(h, c, uid, to, !!(row->flags & STATE_RESULTS))) != 0 &&
	    queue_locate(h, uid) != to)
		r = 0; /* already moved on (a runner claimed it): the next state publishes */
	return r;
}

int job_expire(scq *h, const char *uid, const struct job_record *rec, double now,
	       int *status)
{
	double deadline;
	json_t *d;
	int r;
	*status = SCQ_PENDING;
	if (record_deadline(rec, &deadline) < 0 || now <= deadline)
		return 0;
	d = decision_record("scq", "job expired: the data owner did not decide within its timeout");
	r = job_transition(h, NULL, STATE_BY_SCQ, uid, SCQ_PENDING, SCQ_TIMEDOUT, d, "scq",
			   "approval timeout");
	json_decref(d);
	*status = r == 0 ? SCQ_TIMEDOUT : queue_locate(h, uid);
	return r == SCQ_ESTATE ? 0 : r; /* decided meanwhile */
}

/* The folder's deadline mark (job.h) says the job is not due yet: the
 * scan, like a listing, then parses nothing. */
static int deadline_ahead(int dirfd_, const char *uid, double now)
{
	struct stat st;
	return fstatat(dirfd_, uid, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_mtim.tv_nsec == DEADLINE_MARK_NSEC && (double)st.st_mtim.tv_sec > now;
}

static int expire_one(scq *h, int dirfd_, const char *uid, double now, unsigned *n)
{
	struct buf err = BUF_INIT, rel = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	int r = 0, st = SCQ_PENDING;
	if (deadline_ahead(dirfd_, uid, now))
		return 0;
	buf_addf(&rel, "%s/job.json", uid);
	if (record_load_at(&rec, dirfd_, rel.ptr, SMALL_JSON_MAX, &err) == 0)
		r = job_expire(h, uid, &rec, now, &st);
	if (r == 0 && st == SCQ_TIMEDOUT)
		(*n)++;
	record_release(&rec);
	buf_release(&err);
	buf_release(&rel);
	return r;
}

int queue_expire(scq *h, unsigned *expired)
{
	int fd = queue_status_dir(h, SCQ_PENDING), r = 0;
	double now = time_now();
	unsigned n = 0;
	DIR *d;
	struct dirent *e;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return scq_fail_errno(h, "reading pending jobs");
	}
	while (r == 0 && (e = readdir(d)))
		if (scq_uid_valid(e->d_name))
			r = expire_one(h, dirfd(d), e->d_name, now, &n);
	closedir(d);
	if (expired)
		*expired += n;
	return r;
}
int job_cancel(scq *h, const char *uid, const char *by)
{
	int st = queue_locate(h, uid), fd, r;
	struct buf err = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	json_t *d;
	if (st < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	fd = queue_job_dir(h, st, uid);
	if (fd >= 0)
		record_load_at(&rec, fd, "job.json", SMALL_JSON_MAX, &err);
	if (strcmp(by, h->email) && (!rec.requester || strcmp(by, rec.requester)))
		r = scq_fail(h, SCQ_EPERM, "only the requester or the owner may cancel job '%s'", uid);
	else if (st == SCQ_RUNNING) { /* the runner sees this and stops the job */
		d = decision_record(by, "cancelled");
		json_object_set_new(d, "from", json_string("running"));
		r = json_write_at(fd, "cancel-request.json", d, 0) < 0 ?
		    scq_fail_errno(h, "requesting cancel of job '%s'", uid) : 0;
		json_decref(d);
		if (r == 0 && queue_locate(h, uid) != SCQ_RUNNING) { /* it ended meanwhile */
			unlinkat(fd, "cancel-request.json", 0);
			r = scq_fail(h, SCQ_ESTATE, "job '%s' finished before it could be cancelled", uid);
		}
	} else if (st != SCQ_PENDING && st != SCQ_APPROVED)
		r = scq_fail(h, SCQ_ESTATE, "job '%s' is already %s", uid, scq_status_name(st));
	else {
		d = decision_record(by, strcmp(by, h->email) ? "cancelled by requester" :
				    "cancelled by data owner");
		json_object_set_new(d, "from", json_string(scq_status_name(st)));
		r = job_transition(h, NULL, strcmp(by, h->email) ? STATE_BY_REQUESTER :
				   STATE_BY_OWNER, uid, st, SCQ_CANCELLED, d, by, NULL);
		json_decref(d);
	}
	fd_close(&fd);
	record_release(&rec);
	buf_release(&err);
	return r;
}
