/*
 * votes.h - the two-person rule (doc/protocol.md §5a): approvals as votes
 * bound to a digest, from the owner and the reviewers it delegates.
 *
 * Exports (reviewers.c):
 *   reviewers_load      the delegated reviewers, a JSON array of e-mails
 *                       (reviewers.json in the store; [] when none)
 *   reviewer_is         email is the owner or a delegated reviewer
 *   review_share        publish a pending job's code to each reviewer's
 *                       outbox folder (outbox/<reviewer>/review/<uid>/)
 *   review_unshare      remove those copies (the job left pending)
 * Exports (votes.c):
 *   struct vote_count   what a vote did: have of need, approved, refusal
 *   vote_needed         the job needs votes (approvals_required > 1, or
 *                       votes.json is there already)
 *   vote_cast           record one approver's vote on a pending job; the
 *                       vote that makes approvals_required approves it
 *   vote_check_voter    the owner or a delegated reviewer, never the
 *                       job's requester (release-votes.c too)
 *   vote_by             votes holds one by that identity
 *   vote_reason         "1 of 2: REASON", a vote's audit reason
 *   vote_approve_reason "2 of 2 votes (a b): REASON", the decision's, which
 *                       audit-verify.c reads back
 *   vote_outputs_digest the digest of a finished job's log and outputs
 *   vote_drop           a record refused without an attack: removed, said
 *                       in a notice and audited vote-refused
 *   vote_record_open    an inbox vote record (either kind) read, its
 *                       signature and common fields checked, as hostile
 *                       input
 *   vote_consumed       a record counted or dropped removed (and its
 *                       signature)
 *   vote_verdict        vote_record_open's refusal as vote_request
 *                       returns it (release-review.c too)
 *   vote_text_ok        one line of UTF-8 without controls, within max
 * Exports (review.c):
 *   job_code_new        a scq_job_code over a code folder and its checked
 *                       manifest files (review-copy.c: a reviewer's copy)
 * Exports (vote-inbox.c):
 *   vote_request        a reviewer's vote record from the inbox, hostile
 *                       input: quarantined (why), waiting or counted
 *   vote_send           the reviewer's side: write that record into the
 *                       owner's inbox, bound to the shared copy's digest
 */
#ifndef SCQ_VOTES_H
#define SCQ_VOTES_H

#include "store/handle.h"

/* The inbox name of a vote record: inbox/<reviewer>/<uid>.vote.json. */
#define VOTE_SUFFIX ".vote.json"
/* Its size cap: a uid, an e-mail, a digest and a reason. */
#define VOTE_JSON_MAX ((size_t)16 << 10)

enum vote_refusal {
	VOTE_OK = 0,
	VOTE_NOT_APPROVER, /* neither the owner nor a delegated reviewer */
	VOTE_SELF,         /* the job's requester */
	VOTE_AGAIN,        /* this identity voted already (same digest) */
	VOTE_STALE,        /* the vote names other code than the job has now */
	VOTE_STATE         /* the job is not pending (decided, expired) */
};

struct vote_count {
	int have, need;   /* distinct votes for the current digest, required */
	int approved;     /* this vote approved the job */
	int reset;        /* votes for other content were discarded first */
	enum vote_refusal refusal;
};

json_t *reviewers_load(scq *h);
int reviewer_is(scq *h, const char *email);
/* Best effort: a copy that cannot be written is said in a notice. */
void review_share(scq *h, const char *uid);
void review_unshare(scq *h, const char *uid);

/* Takes dir.  verify: each read is hashed against the manifest, for code
 * that someone else's datasite holds (the checks at open can go stale). */
scq_job_code *job_code_new(int dir, json_t *files, const char *uid, int verify);

int vote_needed(scq *h, int jobfd);
/*
 * One vote of `voter` (by: STATE_BY_OWNER or STATE_BY_REVIEWER) for the
 * pending job uid.  seen: the code digest the voter reviewed (NULL: the
 * job's current one, for the owner at its own store).  With fewer than
 * approvals_required distinct votes for the current digest the vote is
 * recorded (votes.json, pending -> pending, audited "vote"); the last one
 * approves (approved.json with every vote, audited "approve").  Votes for
 * another digest are discarded first (audited "vote-reset").  Refused with
 * SCQ_EPERM/SCQ_ESTATE and vc->refusal saying why.
 */
int vote_cast(scq *h, unsigned by, const char *voter, const char *uid, const char *seen,
	      const char *reason, int allow_network, struct vote_count *vc);
struct job_record;
int vote_check_voter(scq *h, const struct job_record *rec, const char *voter,
		     const char *uid, struct vote_count *vc);
int vote_by(json_t *votes, const char *who);
void vote_reason(struct buf *b, int have, int need, const char *reason);
void vote_approve_reason(struct buf *b, json_t *votes, int need, const char *reason);
/* SHA-256 over the log's and each output file's path, size and SHA-256
 * (the code digest's canonical form, manifest.h): 0, or -1 with errno. */
int vote_outputs_digest(int jobfd, char out[65]);
/* The same with the log under another name (a reviewer's copy holds it as
 * execution.txt: SyftBox syncs no .log file), hashed as execution.log. */
int vote_outputs_digest_log(int jobfd, const char *logname, char out[65]);

/* 0 and why empty: counted or dropped (with a notice); 0 and why set:
 * the caller quarantines the record with that reason; VOTE_WAIT and why
 * set: it waits (its signature, or the rest of it, may still be syncing;
 * the caller quarantines it with that reason after ingest_grace_seconds);
 * < 0: a local error (the record stays for the next pass). */
#define VOTE_WAIT 1
int vote_request(scq *h, int reqfd, const char *req, const char *name, struct buf *why);
/* A verdict of vote_record_open other than VERIFY_OK as vote_request
 * returns it (release-review.c too). */
int vote_verdict(int v);
/* A vote record (what: "vote", "release vote") refused without an attack
 * (the job moved on, the code changed, a vote counted already): the record
 * goes, the owner is told (notice), the log keeps it (vote-refused). */
/* Read inbox vote record `name` of requester folder req for job uid: its
 * signature checked (identity_read_record: the bytes parsed are the bytes
 * signed), then a JSON object of only keys, its uid, by = req, digest (the
 * key of its 64 lower-case hex digest) and an optional short 'at'.
 * VERIFY_OK with *out (the caller checks the rest and frees it);
 * VERIFY_BAD with *why ("<what>: ...") to quarantine; VERIFY_INCOMPLETE
 * with *why (what it waits for: its signature, the rest of its bytes);
 * VERIFY_LOCAL (h's message). */
int vote_record_open(scq *h, int reqfd, const char *name, const char *req, const char *uid,
		     const char *what, const char *const *keys, const char *digest, json_t **out,
		     struct buf *why);
int vote_text_ok(const char *s, size_t max);
int vote_drop(scq *h, int reqfd, const char *name, const char *what, const char *req,
	      const char *uid);
/* A record counted or dropped: removed, then its signature. */
int vote_consumed(scq *h, int reqfd, const char *req, const char *name);
int vote_send(scq *h, const char *owner, const char *uid, const char *reason,
	      int allow_network);

#endif
