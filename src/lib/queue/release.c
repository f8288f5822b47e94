/*
 * release.c - the owner's decisions on a run's held results (setting
 * release=review; scq.h: scq_release, scq_release_decide): release all,
 * release some files, withhold all, return for changes.
 *
 * A decision is one row of state.c's table, from awaiting_release: its
 * record released.json names the decision (the row's event), the log and
 * every output file, each released or withheld with a reason.  The steps
 * are those of every transition (doc/protocol.md §5): the record is the
 * commit (written with no replace, so of two decisions one wins), then the
 * audit line, then the publication, which copies only what was released.
 * A crash after the record is repaired by the runner's reconcile: the
 * requester's status still says held, so the job is published again, and
 * a decision the log does not explain is audited as "recovered".
 *
 * With release_approvals_required > 1 a release of all or some files is a
 * vote instead (release-votes.c), and the decision is taken by the vote
 * that makes the count; withholding and returning release nothing and
 * need no second approver.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/decide.h"
#include "queue/job.h"
#include "queue/outbox.h"
#include "queue/output-check.h"
#include "queue/release.h"
#include "queue/votes.h"
#include "store/audit.h"
#include "store/queue.h"
#include "store/limits.h"
#include "store/settings.h"
#include "store/state.h"
#include "queue/notify.h"
#include "base/banned.h"

/* Release all or some files with release_approvals_required > 1 (or votes
 * cast already under it): a vote (release-votes.c), which decides only
 * when enough approvers voted for this exact decision. */
static int voted_release(scq *h, int fd, int kind, int to)
{
	return kind <= SCQ_RELEASE_FILES && to != STATE_WITHHELD && to != STATE_RETURNED &&
	       (setting_int(h, SET_RELEASE_APPROVALS_REQUIRED) > 1 ||
		fs_exists(fd, "release-votes.json"));
}

static int release_decide(scq *h, const char *uid, int kind, const struct scq_release_options *o)
{
	static const char *const what[] = { "a release", "a release of some files",
		"withholding", "a return for changes" };
	struct vote_count vc;
	json_t *d = NULL;
	int st, to = -1, fd = -1, r;
	if (kind < SCQ_RELEASE_ALL || kind > SCQ_RETURN || !o)
		return scq_fail(h, SCQ_EINVAL, "unknown release decision %d", kind);
	if ((r = release_reason_given(h, o->reason, what[kind])))
		return r;
	if (kind == SCQ_RELEASE_FILES && o->withhold_reason &&
	    (r = release_reason_given(h, o->withhold_reason, "the withheld files")))
		return r;
	if (o->owner && strcmp(o->owner, h->email)) /* a delegated reviewer's vote */
		return kind <= SCQ_RELEASE_FILES ? release_vote_send(h, uid, kind, o) :
		       scq_fail(h, SCQ_EINVAL, "a reviewer votes only to release: withholding "
				"and returning are the owner's (they release nothing)");
	if ((r = decide_owner_job(h, uid, &st)))
		return r;
	if ((fd = queue_job_dir(h, st, uid)) < 0)
		return scq_fail_errno(h, "job '%s'", uid);
	if ((r = release_held(h, uid, st, fd)) || !(d = release_plan(h, fd, uid, kind, o, &to, &r)))
		goto out;
	if (to != STATE_WITHHELD && to != STATE_RETURNED &&
	    (r = release_check_flags(h, uid, d, o->ack_flags)))
		goto out;
	if (!voted_release(h, fd, kind, to))
		r = release_commit(h, STATE_BY_OWNER, fd, st, uid, to, d, h->email, o->reason);
	else if (((r = release_vote_cast(h, STATE_BY_OWNER, fd, st, uid, h->email, d, to, NULL,
					 &vc)) == 0 && !vc.approved) || vc.refusal == VOTE_AGAIN)
		release_share(h, fd, uid); /* the reviewers see what the votes are for */
out:
	json_decref(d);
	fd_close(&fd);
	return r;
}

int scq_release_decide(scq *h, const char *uid, int kind, const struct scq_release_options *o)
{
	int r = release_decide(h, uid, kind, o);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}

int scq_release(scq *h, const char *uid)
{
	struct scq_release_options o;
	memset(&o, 0, sizeof(o));
	o.reason = "results released to the requester";
	return scq_release_decide(h, uid, SCQ_RELEASE_ALL, &o);
}

