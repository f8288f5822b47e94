/*
 * decide.c - decisions on jobs: approve, reject, cancel (the release of
 * results is release.c's).
 *
 * Only the owner a job targets may approve or reject it; the requester may
 * only ask for a cancel, through its inbox folder (scq_cancel below; the
 * move itself is lifecycle.c's job_cancel, which ingest's cancel requests
 * also use).
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/names.h"
#include "base/fs.h"
#include "base/clock.h"
#include "queue/identity.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "store/audit.h"
#include "queue/outbox.h"
#include "store/state.h"
#include "queue/record.h"
#include "queue/votes.h"
#include "store/settings.h"
#include "queue/decide.h"
#include "queue/notify.h"
#include "base/banned.h"

int decide_owner_job(scq *h, const char *uid, int *status)
{
	int r = scq_ingest(h, NULL);
	if (r)
		return r;
	if (!scq_uid_valid(uid))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a full job uid", uid);
	*status = queue_locate(h, uid);
	if (*status < 0 && submitted_by_me(h, uid))
		return scq_fail(h, SCQ_EPERM, "job '%s' was submitted by you; only its data "
				"owner may decide on it", uid);
	if (*status < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s "
				"(only the data owner may decide on it)", uid, h->email);
	return 0;
}

int decide_reason_ok(scq *h, const char *reason)
{
	if (reason && strlen(reason) > DECISION_REASON_MAX)
		return scq_fail(h, SCQ_EINVAL, "reason is longer than %d bytes", DECISION_REASON_MAX);
	if (reason && !utf8_valid(reason, strlen(reason)))
		return scq_fail(h, SCQ_EINVAL, "reason is not valid UTF-8");
	return 0;
}

/* An approval at my own store: a plain one, or one vote (votes.c). */
static int approve_at_store(scq *h, const char *uid, const char *reason, unsigned flags,
			    int *have, int *need)
{
	int st, r = decide_reason_ok(h, reason), fd, votes;
	if (r)
		return r;
	r = decide_owner_job(h, uid, &st);
	struct buf err = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	json_t *d;
	if (r)
		return r;
	if (st != SCQ_PENDING)
		return scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only pending jobs can be "
				"approved", uid, scq_status_name(st));
	fd = queue_job_dir(h, st, uid);
	r = fd >= 0 ? record_load_at(&rec, fd, "job.json", SMALL_JSON_MAX, &err) : -1;
	votes = fd >= 0 && vote_needed(h, fd);
	fd_close(&fd);
	if (r < 0) {
		buf_release(&err);
		return scq_fail(h, SCQ_EIO, "job '%s': job.json unreadable", uid);
	}
	/* past its approval wait the job is over, refresh or not (--no-refresh
	 * skips the expiry scan, not this rule): expire it now instead */
	if ((r = job_expire(h, uid, &rec, time_now(), &st)) || st != SCQ_PENDING) {
		record_release(&rec);
		buf_release(&err);
		if (r)
			return r;
		if (st != SCQ_TIMEDOUT) /* decided meanwhile */
			return scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only pending jobs "
					"can be approved", uid, scq_status_name(st));
		return scq_fail(h, SCQ_ESTATE, "job '%s' timed out: its approval wait "
				"ended before it was approved", uid);
	}
	if (votes) { /* the two-person rule: this approval is one vote */
		struct vote_count vc;
		record_release(&rec);
		buf_release(&err);
		r = vote_cast(h, STATE_BY_OWNER, h->email, uid, NULL, reason,
			      !!(flags & SCQ_ALLOW_NETWORK), &vc);
		if (r == 0)
			review_share(h, uid);
		if (have)
			*have = vc.have;
		if (need)
			*need = vc.need;
		return r;
	}
	d = decision_record(h->email, reason);
	if (rec.code_sha256) /* the digest approved: the runner runs only that */
		json_object_set_new(d, "code_sha256", json_string(rec.code_sha256));
	json_object_set_new(d, "allow_network", json_boolean(flags & SCQ_ALLOW_NETWORK));
	/* the approval names its job: copied into another job's folder by
	 * hand, it approves nothing (run-job.c) */
	json_object_set_new(d, "uid", json_string(uid));
	r = job_transition(h, NULL, STATE_BY_OWNER, uid, SCQ_PENDING, SCQ_APPROVED, d,
			   h->email, reason);
	json_decref(d);
	record_release(&rec);
	buf_release(&err);
	if (r == 0 && have)
		*have = *need = 1;
	return r;
}

int scq_approve(scq *h, const char *uid, const char *reason, unsigned flags)
{
	int r = approve_at_store(h, uid, reason, flags, NULL, NULL);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}

static int vote(scq *h, const char *uid, const char *owner, const char *reason,
	     unsigned flags, int *have, int *need)
{
	/* e-mails are not case-sensitive: the owner as the datasites name it */
	char *o = owner ? ascii_lower(owner) : NULL;
	int r, h_ = 0, n_ = 0, mine = !o || !strcmp(o, h->email);
	if (mine)
		r = approve_at_store(h, uid, reason, flags, &h_, &n_);
	else if ((r = decide_reason_ok(h, reason)) == 0)
		r = vote_send(h, o, uid, reason, !!(flags & SCQ_ALLOW_NETWORK));
	free(o);
	if (mine) {
		if (have)
			*have = h_;
		if (need)
			*need = n_;
	} else if (have) {
		*have = -1;
	}
	return r;
}

int scq_vote(scq *h, const char *uid, const char *owner, const char *reason,
	     unsigned flags, int *have, int *need)
{
	int r = vote(h, uid, owner, reason, flags, have, need);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}

int scq_job_votes(scq *h, const char *uid, char **json_out)
{
	struct buf err = BUF_INIT;
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, fd;
	json_t *rec = NULL, *out;
	*json_out = NULL;
	if (st < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s", uid,
				h->email);
	fd = queue_job_dir(h, st, uid);
	/* pending: the votes so far; approved and on: those its approval holds */
	if (fd >= 0 && fs_exists(fd, st == SCQ_PENDING ? "votes.json" : "approved.json"))
		rec = json_load_file_at(fd, st == SCQ_PENDING ? "votes.json" : "approved.json",
					SMALL_JSON_MAX, &err);
	fd_close(&fd);
	out = json_object();
	json_object_set_new(out, "required", json_integer(st == SCQ_PENDING ||
			    !json_object_get(rec, "approvals_required") ?
			    setting_int(h, SET_APPROVALS_REQUIRED) :
			    json_integer_value(json_object_get(rec, "approvals_required"))));
	json_object_set(out, "code_sha256", json_is_string(json_object_get(rec, "code_sha256")) ?
			json_object_get(rec, "code_sha256") : json_null());
	json_object_set_new(out, "votes", json_is_array(json_object_get(rec, "votes")) ?
			    json_incref(json_object_get(rec, "votes")) : json_array());
	*json_out = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(out);
	json_decref(rec);
	buf_release(&err);
	return 0;
}

static int reject(scq *h, const char *uid, const char *reason)
{
	int st, r;
	json_t *d;
	if (!reason || !*reason)
		return scq_fail(h, SCQ_EINVAL, "a reason is required to reject a job");
	if ((r = decide_reason_ok(h, reason)) || (r = decide_owner_job(h, uid, &st)))
		return r;
	if (st != SCQ_PENDING)
		return scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only pending jobs can be "
				"rejected", uid, scq_status_name(st));
	d = decision_record(h->email, reason);
	r = job_transition(h, NULL, STATE_BY_OWNER, uid, SCQ_PENDING, SCQ_REJECTED, d,
			   h->email, reason);
	json_decref(d);
	return r;
}

int scq_reject(scq *h, const char *uid, const char *reason)
{
	int r = reject(h, uid, reason);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}

/* The owner cancels in its store; the requester asks the owner through its
 * inbox folder there (ingest turns the request into the move). */
static int cancel(scq *h, const char *uid)
{
	int owner, fd, r = 0;
	char *dir = job_folder_of(h, uid, &owner), *app;
	struct buf name = BUF_INIT, p = BUF_INIT;
	scq_job *j = NULL;
	json_t *req;
	if (!dir)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	free(dir);
	/* a uid both in my store and among my submissions: my own job to
	 * myself, or a pair a requester forged (scq_find tells which, and
	 * refuses the pair as ambiguous rather than cancel the wrong job) */
	if (owner && submitted_by_me(h, uid) && (r = scq_find(h, uid, SCQ_AS_ANY, &j)))
		return r;
	scq_job_free(j);
	j = NULL;
	if (owner)
		return job_cancel(h, uid, h->email);
	/* requester: ask the owner through my inbox folder at the owner, unless
	 * the job is over already (then there is nothing to ask) */
	if ((r = scq_find(h, uid, SCQ_AS_REQUESTER, &j)))
		return r;
	if (state_finished(j->status)) {
		r = scq_fail(h, SCQ_ESTATE, "job '%s' already finished (status %s): nothing to "
			     "cancel", uid, scq_status_name(j->status));
		goto out;
	}
	app = app_dir_of(h, scq_job_target(j));
	buf_addf(&p, "%s/inbox/%s", app, h->email);
	free(app);
	buf_setf(&name, "%s.cancel.json", uid);
	req = decision_record(h->email, "cancelled by requester");
	json_object_set_new(req, "uid", json_string(uid));
	fd = fs_mkdir_p(p.ptr, 0755) < 0 ? -1 : open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		r = scq_fail_errno(h, "writing cancel request to '%s'", p.ptr);
	else /* signed: the folder names me only while the server keeps the ACL */
		r = identity_write_record(h, fd, name.ptr, uid, scq_job_target(j), req);
	fd_close(&fd);
	json_decref(req);
out:
	scq_job_free(j);
	buf_release(&name);
	buf_release(&p);
	return r;
}

int scq_cancel(scq *h, const char *uid)
{
	int r = cancel(h, uid);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}
