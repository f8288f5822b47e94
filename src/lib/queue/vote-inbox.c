/*
 * vote-inbox.c - a delegated reviewer's vote travels as a requester's
 * cancel request does: a record inbox/<reviewer>/<uid>.vote.json in the
 * owner's datasite, which the app ACL lets only <reviewer> write, so the
 * folder name is the authenticated voter (doc/protocol.md §1, §4).
 *
 * Both sides are here: vote_send (the reviewer's scq writes it) and
 * vote_request (the owner's ingest reads it, as hostile input: anything
 * malformed, spoofed or from someone who may not vote is quarantined with
 * its one-line reason; a vote that merely lost a race, for a job decided
 * meanwhile or for code that changed, is dropped with a notice and an
 * audit line, "vote-refused").
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "queue/identity.h"
#include "queue/manifest.h"
#include "queue/record.h"
#include "queue/release.h"
#include "queue/votes.h"
#include "store/audit.h"
#include "store/limits.h"
#include "store/queue.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/banned.h"

/* The record, its signature and fields checked: VERIFY_OK with *out, else
 * a verdict of vote_record_open with *why. */
static int parse_vote(scq *h, int reqfd, const char *name, const char *req, const char *uid,
		      json_t **out, struct buf *why)
{
	static const char *const keys[] = { "uid", "by", "at", "code_sha256", "reason",
		"allow_network", NULL };
	json_t *o, *v;
	const char *reason;
	int r = vote_record_open(h, reqfd, name, req, uid, "vote record", keys, "code_sha256",
				 &o, why);
	if (r != VERIFY_OK)
		return r;
	reason = json_string_value(json_object_get(o, "reason"));
	if (json_object_get(o, "reason") && !json_is_null(json_object_get(o, "reason")) &&
	    !vote_text_ok(reason, DECISION_REASON_MAX))
		buf_setf(why, "vote record: 'reason' is not one line of UTF-8 within %d bytes",
			 DECISION_REASON_MAX);
	else if ((v = json_object_get(o, "allow_network")) && !json_is_boolean(v))
		buf_setf(why, "vote record: 'allow_network' is not a boolean");
	else
		return *out = o, VERIFY_OK;
	json_decref(o);
	return VERIFY_BAD;
}

int vote_request(scq *h, int reqfd, const char *req, const char *name, struct buf *why)
{
	char uid[64];
	struct stat sb;
	struct vote_count vc;
	json_t *o;
	size_t n = strlen(name), m = strlen(RELEASE_VOTE_SUFFIX);
	int r, release = n >= m && !strcmp(name + n - m, RELEASE_VOTE_SUFFIX);
	snprintf(uid, sizeof(uid), "%.*s", (int)(strlen(name) - strlen(release ?
		 RELEASE_VOTE_SUFFIX : VOTE_SUFFIX)), name);
	buf_reset(why);
	if (!scq_uid_valid(uid))
		return buf_setf(why, "vote record for an invalid uid"), 0;
	if (fstatat(reqfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* vanished (sync) */
	if (!S_ISREG(sb.st_mode))
		return buf_setf(why, "vote record is not a plain file"), 0;
	/* before anything costs a line of the log: only approvers vote (the
	 * quarantine of the others is capped per folder, inflow.c) */
	if (!reviewer_is(h, req))
		return buf_setf(why, "%s is not an approver of %s's queue (the owner adds one "
				"with 'scq reviewers add')", req, h->email), 0;
	/* with one vote required the owner decides alone: a reviewer's vote
	 * would be a whole decision on a delegate's word (hostile trial) */
	if (release && setting_int(h, SET_RELEASE_APPROVALS_REQUIRED) < 2)
		return buf_setf(why, "release vote of %s: %s's queue takes reviewers' release "
				"votes only while release_approvals_required is 2 or more (now 1: "
				"the owner decides)", req, h->email), 0;
	if (release) /* a vote to release held results (release-review.c) */
		return release_vote_request(h, reqfd, req, name, why);
	/* with one approval required the owner approves alone: a reviewer's
	 * vote would be a whole approval on a delegate's word */
	if (setting_int(h, SET_APPROVALS_REQUIRED) < 2)
		return buf_setf(why, "vote of %s: %s's queue takes reviewers' votes only while "
				"approvals_required is 2 or more (now 1: the owner approves)",
				req, h->email), 0;
	if ((r = parse_vote(h, reqfd, name, req, uid, &o, why)) != VERIFY_OK)
		return vote_verdict(r);
	if (queue_locate(h, uid) < 0) { /* no such job: nothing to count it for */
		json_decref(o);
		scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
		return vote_drop(h, reqfd, name, "vote", req, uid);
	}
	r = vote_cast(h, STATE_BY_REVIEWER, req, uid,
		      json_string_value(json_object_get(o, "code_sha256")),
		      json_string_value(json_object_get(o, "reason")),
		      json_is_true(json_object_get(o, "allow_network")), &vc);
	json_decref(o);
	if (r == 0) {
		buf_addf(&h->notices, "vote of %s for job %s: %s\n", req, uid, vc.approved ?
			 "approved" : "recorded");
		return vote_consumed(h, reqfd, req, name);
	}
	if (vc.refusal == VOTE_NOT_APPROVER || vc.refusal == VOTE_SELF)
		return buf_setf(why, "%s", scq_errmsg(h)), 0;
	if (vc.refusal != VOTE_OK)
		return vote_drop(h, reqfd, name, "vote", req, uid);
	return r; /* a local error: the record stays for the next pass */
}

/* ---- the reviewer's side ------------------------------------------------ */

/* The digest of the copy the owner shared with me for review. */
static int shared_digest(scq *h, const char *owner, const char *uid, char out[65])
{
	char *app = app_dir_of(h, owner);
	struct buf p = BUF_INIT, err = BUF_INIT;
	json_t *m;
	int r = 0;
	buf_addf(&p, "%s/outbox/%s/review/%s", app, h->email, uid);
	buf_addf(&p, "/manifest.json");
	m = json_load_file_at(AT_FDCWD, p.ptr, JOB_JSON_MAX, &err);
	if (!m)
		r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' has not been shared with you for review "
			     "by %s (expected '%s'; the owner shares pending jobs with its "
			     "reviewers when approvals_required is 2 or more)", uid, owner, p.ptr);
	else if (manifest_validate(json_object_get(m, "files"), &err) < 0)
		r = scq_fail(h, SCQ_EINVAL, "the review copy of job '%s': %s", uid, err.ptr);
	else
		manifest_digest(json_object_get(m, "files"), out);
	json_decref(m);
	free(app);
	buf_release(&p);
	buf_release(&err);
	return r;
}

int vote_send(scq *h, const char *owner, const char *uid, const char *reason,
	      int allow_network)
{
	char digest[65], at[ISO_LEN], *app = NULL;
	struct buf p = BUF_INIT, name = BUF_INIT, sig = BUF_INIT;
	json_t *rec = NULL;
	int fd = -1, r;
	if (!email_valid(owner))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a valid owner e-mail", owner);
	if (!scq_uid_valid(uid))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a full job uid", uid);
	if ((r = shared_digest(h, owner, uid, digest)))
		return r;
	time_now_iso(at);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:b}", "uid", uid, "by", h->email, "at", at,
			"code_sha256", digest, "allow_network", allow_network);
	if (reason && *reason)
		json_object_set_new(rec, "reason", json_string(reason));
	app = app_dir_of(h, owner);
	buf_addf(&p, "%s/inbox/%s", app, h->email);
	buf_addf(&name, "%s%s", uid, VOTE_SUFFIX);
	identity_sig_name(name.ptr, &sig);
	fd = fs_mkdir_p(p.ptr, 0755) < 0 ? -1 : open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* one vote per approver: never replaced; but a record without its
	 * signature is none of mine (I write the signature first): one the
	 * server put there would stop my vote for the whole grace */
	if (fd >= 0 && fs_exists(fd, name.ptr) && fs_exists(fd, sig.ptr))
		r = scq_fail(h, SCQ_EPERM, "my vote on job '%s' is already in %s's inbox, waiting "
			     "for its scq to count it; a second one is not sent", uid, owner);
	else if (fd < 0)
		r = scq_fail_errno(h, "writing vote record to '%s'", p.ptr);
	else /* signed: the folder names me only while the server keeps the ACL */
		r = identity_write_record(h, fd, name.ptr, uid, owner, rec);
	fd_close(&fd);
	json_decref(rec);
	free(app);
	buf_release(&p);
	buf_release(&name);
	buf_release(&sig);
	return r;
}
