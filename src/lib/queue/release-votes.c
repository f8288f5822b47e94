/*
 * release-votes.c - the two-person rule for releases (doc/protocol.md
 * §6a, release.h): with release_approvals_required N > 1, the owner's or a
 * reviewer's release of all or some files is a vote for that exact
 * decision, and the N-th distinct approver's vote for it decides.
 *
 * A vote is bound to a digest of the outputs (vote_outputs_digest: the
 * log's and every output's path, size and SHA-256) and of which files and
 * whether the log it releases (release_digest): a vote to release a.csv
 * never counts with one to release a.csv and b.csv, and a vote for
 * outputs that changed since counts for nothing (the record of another
 * outputs digest is discarded whole, audited "vote-reset").  Reasons are
 * not bound: the decision that takes effect is the first one proposed for
 * that digest, with its reasons, and names every vote (released.json
 * "votes", the audit line "2 of 2 votes (a b)").
 *
 * Why the vote that decides is not written to release-votes.json first:
 * the decision record (released.json, no replace) holds it, so a crash
 * between the two cannot leave a counted vote without its decision or a
 * decision without its vote; the failed command (or the reviewer's record,
 * left in the inbox) is simply tried again.  Everything runs under an
 * flock on the job's folder: the owner's scq and ingest (a reviewer's vote
 * from the inbox) may vote at the same moment.
 */
#include "base/compat.h"
#include <sys/file.h>
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/hash.h"
#include "queue/decide.h"
#include "queue/job.h"
#include "queue/outbox.h"
#include "queue/record.h"
#include "queue/release.h"
#include "queue/votes.h"
#include "store/audit.h"
#include "store/queue.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/banned.h"

#define RELEASE_VOTES "release-votes.json"

int release_commit(scq *h, unsigned by, int fd, int st, const char *uid, int to, json_t *d,
		   const char *actor, const char *why)
{
	const struct state_row *row = state_find(STATE_AWAITING_RELEASE, to);
	int r = state_decide_at(h, NULL, by, fd, uid, STATE_AWAITING_RELEASE, to, d);
	if (r)
		return r;
	/* the record is the commit: a crash from here on is found by the
	 * runner's reconcile (the requester's status still says held) */
	r = audit_append(h, NULL, row->event, uid, actor, why, NULL);
	if (r == 0)
		r = outbox_publish(h, NULL, uid, st, 1); /* and unshares (release_unshare) */
	return r;
}


static const char *sval(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

static int refuse(struct vote_count *vc, enum vote_refusal why, int code)
{
	vc->refusal = why;
	return code;
}

/* The votes of rec for digest, as a new array. */
static json_t *votes_for(json_t *votes, const char *digest)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(votes, i, v)
		if (!strcmp(sval(json_object_get(v, "release_sha256")), digest))
			json_array_append(out, v);
	return out;
}

/* The votes kept (valid voters, without voter's own, which this vote
 * replaces), and the decisions some vote still names. */
static json_t *kept_votes(json_t *old, const char *voter, const char *digest, int *replaced)
{
	json_t *out = json_array(), *v;
	size_t i;
	json_array_foreach(json_object_get(old, "votes"), i, v) {
		const char *by = json_string_value(json_object_get(v, "by"));
		const char *d = json_string_value(json_object_get(v, "release_sha256"));
		if (!by || !email_valid(by) || !d)
			continue; /* a hand edit counts for nothing */
		if (!strcmp(by, voter) && strcmp(d, digest)) {
			(*replaced)++;
			continue;
		}
		json_array_append(out, v);
	}
	return out;
}

static void prune_decisions(json_t *decisions, json_t *votes)
{
	const char *key;
	json_t *v, *mine;
	void *tmp;
	json_object_foreach_safe(decisions, tmp, key, v) {
		mine = votes_for(votes, key);
		if (!json_array_size(mine))
			json_object_del(decisions, key);
		json_decref(mine);
	}
}

/* Enough votes for digest: the first proposal of it, naming every vote. */
static int decide(scq *h, unsigned by, int fd, int st, const char *uid, int to,
		  const char *voter, json_t *proposal, json_t *mine, int need,
		  const char *outs, const char *digest)
{
	json_t *d = json_deep_copy(proposal);
	struct buf why = BUF_INIT;
	int r;
	json_object_set(d, "votes", mine);
	json_object_set_new(d, "release_approvals_required", json_integer(need));
	json_object_set_new(d, "release_sha256", json_string(digest));
	json_object_set_new(d, "outputs_sha256", json_string(outs));
	vote_approve_reason(&why, mine, need, json_string_value(json_object_get(d, "reason")));
	r = release_commit(h, by, fd, st, uid, to, d, voter, why.ptr);
	json_decref(d);
	buf_release(&why);
	return r;
}

/* Fewer than need: the votes so far, in place, then the vote's line. */
static int record(scq *h, int fd, const char *uid, const char *voter, json_t *votes,
		  json_t *decisions, const char *outs, const char *digest, struct vote_count *vc,
		  const char *reason)
{
	json_t *rec = json_pack("{s:s, s:i, s:O, s:O}", "outputs_sha256", outs,
				"approvals_required", vc->need, "decisions", decisions,
				"votes", votes);
	struct buf why = BUF_INIT;
	int r = 0;
	if (json_write_at(fd, RELEASE_VOTES, rec, 0) < 0)
		r = scq_fail_errno(h, "recording the release vote of job '%s'", uid);
	vote_reason(&why, vc->have, vc->need, reason);
	if (r == 0)
		r = audit_append(h, NULL, "release-vote", uid, voter, why.ptr, digest);
	json_decref(rec);
	buf_release(&why);
	return r;
}

/* The count, with the folder locked and the voter checked. */
static int tally(scq *h, unsigned by, int fd, int st, const char *uid, const char *voter,
		 json_t *d, int to, const char *outs, const char *digest, struct vote_count *vc)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	json_t *old = fs_exists(fd, RELEASE_VOTES) ?
		      json_load_file_at(fd, RELEASE_VOTES, SMALL_JSON_MAX, &err) : NULL;
	json_t *votes, *decisions, *mine = NULL;
	const char *reason = json_string_value(json_object_get(d, "reason"));
	int r = 0, replaced = 0;
	if (old && strcmp(sval(json_object_get(old, "outputs_sha256")), outs)) {
		vc->reset = (int)json_array_size(json_object_get(old, "votes"));
		buf_setf(&msg, "outputs changed: %d release vote%s for other outputs discarded",
			 vc->reset, vc->reset == 1 ? "" : "s");
		json_decref(old);
		old = NULL;
		if ((r = audit_append(h, NULL, "vote-reset", uid, "scq", msg.ptr, outs)))
			goto out0;
	}
	/* votes cast under a higher requirement keep it (a lowered setting
	 * does not turn one vote into a decision; audit-verify.c holds the
	 * decision to the need its votes were cast under) */
	if (json_integer_value(json_object_get(old, "approvals_required")) > vc->need)
		vc->need = (int)json_integer_value(json_object_get(old, "approvals_required"));
	votes = kept_votes(old, voter, digest, &replaced);
	decisions = json_is_object(json_object_get(old, "decisions")) ?
		    json_deep_copy(json_object_get(old, "decisions")) : json_object();
	mine = votes_for(votes, digest);
	vc->have = (int)json_array_size(mine);
	if (vote_by(mine, voter) && vc->have < vc->need) {
		r = refuse(vc, VOTE_AGAIN, scq_fail(h, SCQ_EPERM, "%s already voted for this "
			   "release of job '%s' (%d of %d): the next vote must come from another "
			   "approver", voter, uid, vc->have, vc->need));
		goto out;
	}
	if (!vote_by(mine, voter)) { /* else: enough already (the setting was lowered) */
		json_t *v = decision_record(voter, reason);
		json_object_set_new(v, "release_sha256", json_string(digest));
		json_array_append(votes, v);
		json_array_append_new(mine, v);
	}
	if (!json_object_get(decisions, digest))
		json_object_set(decisions, digest, d);
	prune_decisions(decisions, votes);
	vc->have = (int)json_array_size(mine);
	vc->approved = vc->have >= vc->need;
	r = vc->approved ? decide(h, by, fd, st, uid, to, voter, json_object_get(decisions, digest),
				  mine, vc->need, outs, digest) :
	    record(h, fd, uid, voter, votes, decisions, outs, digest, vc, reason);
	if (r == 0 && replaced)
		buf_addf(&h->notices, "%s's earlier vote on job %s, for another decision, "
			 "was replaced by this one\n", voter, uid);
out:
	json_decref(votes);
	json_decref(decisions);
	json_decref(mine);
out0:
	json_decref(old);
	buf_release(&err);
	buf_release(&msg);
	return r;
}

int release_vote_cast(scq *h, unsigned by, int fd, int st, const char *uid,
		      const char *voter, json_t *d, int to, const char *seen,
		      struct vote_count *vc)
{
	struct job_record rec = RECORD_INIT;
	struct buf err = BUF_INIT;
	char outs[65], digest[65];
	int r;
	memset(vc, 0, sizeof(*vc));
	vc->need = (int)setting_int(h, SET_RELEASE_APPROVALS_REQUIRED);
	if (fs_flock(fd, LOCK_EX) < 0)
		return scq_fail_errno(h, "locking job '%s'", uid);
	if (fs_exists(fd, "released.json")) { /* decided while we looked */
		r = refuse(vc, VOTE_STATE, scq_fail(h, SCQ_ESTATE, "job '%s': its results were "
			   "decided on already", uid));
		goto out;
	}
	if (record_load_at(&rec, fd, "job.json", SMALL_JSON_MAX, &err) < 0) {
		r = scq_fail(h, SCQ_EIO, "job '%s': job.json: %s", uid, err.ptr);
		goto out;
	}
	if ((r = vote_check_voter(h, &rec, voter, uid, vc)))
		goto out;
	if (vote_outputs_digest(fd, outs) < 0) {
		r = scq_fail_errno(h, "job '%s': reading its outputs", uid);
		goto out;
	}
	release_digest(outs, d, digest);
	if (seen && strcmp(seen, digest)) {
		r = refuse(vc, VOTE_STALE, scq_fail(h, SCQ_ESTATE, "the release vote of %s was "
			   "for outputs other than job '%s' holds now: review them again", voter,
			   uid));
		goto out;
	}
	r = tally(h, by, fd, st, uid, voter, d, to, outs, digest, vc);
out:
	flock(fd, LOCK_UN);
	record_release(&rec);
	buf_release(&err);
	return r;
}

/* ---- the count, for the owner's scq and Python -------------------------- */

static int most_votes(json_t *rec, const char *me)
{
	json_t *v, *mine;
	size_t i;
	int best = 0, n;
	json_array_foreach(json_object_get(rec, "votes"), i, v) {
		const char *d = json_string_value(json_object_get(v, "release_sha256"));
		const char *by = json_string_value(json_object_get(v, "by"));
		mine = d ? votes_for(json_object_get(rec, "votes"), d) : json_array();
		n = (int)json_array_size(mine);
		json_decref(mine);
		if (by && !strcmp(by, me))
			return n; /* the decision I voted for */
		best = n > best ? n : best;
	}
	return best;
}

int scq_release_votes(scq *h, const char *uid, int *have, int *need, int *decided)
{
	struct buf err = BUF_INIT;
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, fd, r = 0, hv = 0, nd, dc;
	json_t *rec = NULL;
	scq_job *j = NULL;
	if (st < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s", uid ? uid : "",
				h->email);
	fd = queue_job_dir(h, st, uid);
	j = fd >= 0 ? job_load_store(h, fd, st, &err) : NULL;
	if (!j) {
		r = scq_fail(h, SCQ_EIO, "job '%s': %s", uid, fd < 0 ? strerror(errno) : err.ptr);
		goto out;
	}
	if (!scq_job_release_state(j)) {
		r = scq_fail(h, SCQ_ESTATE, "job '%s': its results were never held", uid);
		goto out;
	}
	dc = fs_exists(fd, "released.json");
	nd = (int)setting_int(h, SET_RELEASE_APPROVALS_REQUIRED);
	if (fs_exists(fd, dc ? "released.json" : RELEASE_VOTES))
		rec = json_load_file_at(fd, dc ? "released.json" : RELEASE_VOTES, SMALL_JSON_MAX,
					&err);
	if (dc) {
		json_t *n = json_object_get(rec, "release_approvals_required");
		nd = n ? (int)json_integer_value(n) : 1;
		hv = n ? (int)json_array_size(json_object_get(rec, "votes")) : 1;
	} else {
		hv = most_votes(rec, h->email);
	}
	if (have)
		*have = hv;
	if (need)
		*need = nd;
	if (decided)
		*decided = dc;
out:
	scq_job_free(j);
	json_decref(rec);
	fd_close(&fd);
	buf_release(&err);
	return r;
}
