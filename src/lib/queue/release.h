/*
 * release.h - the owner's decisions on held results (release.c) and their
 * votes under release_approvals_required > 1 (release-votes.c; doc/
 * protocol.md §6a).
 *
 * Exports (release-plan.c):
 *   release_plan        the decision record a release/withhold/return of
 *                       the outputs under dirfd makes (files, log,
 *                       reasons; "decision": its row's event), and the
 *                       row it takes (*to); NULL with *r set on error.
 *                       dirfd: the job's folder in the store, or a
 *                       reviewer's shared copy (the same layout)
 *   release_held        the job finished with its results held (else
 *                       SCQ_ESTATE saying what is true)
 *   release_check_flags a release of flagged outputs needs ack_flags
 *   release_reason_given a decision's reason: given, UTF-8, not too long
 *   release_digest      what a release vote is bound to: the outputs'
 *                       digest and which files (and the log) the
 *                       decision releases
 * Exports (release-votes.c):
 *   release_commit      the decision: released.json, its audit line (actor,
 *                       why), the publication
 *   release_vote_cast   one approver's vote for decision d; the vote that
 *                       makes release_approvals_required commits it
 * Exports (release-review.c):
 *   release_vote_send   a reviewer's vote, into the owner's inbox
 *   release_vote_request the owner's ingest reading such a record (hostile
 *                       input, as vote_request)
 * Exports (release-share.c):
 *   release_review_dir  outbox/<reviewer>/release-review/ in owner's
 *                       datasite, as a descriptor (create: made)
 *   release_share       the held log, outputs and flags, copied to each
 *                       reviewer's outbox/<reviewer>/release-review/<uid>/
 *   release_unshare     those copies removed (the job was decided)
 *
 * Calls go one way (scripts/check-layers.py): release.c -> release-review,
 * release-votes -> release-plan; outbox.c -> release-share.
 */
#ifndef SCQ_RELEASE_H
#define SCQ_RELEASE_H

#include "store/handle.h"

struct vote_count;

/* The inbox name of a release vote: inbox/<reviewer>/<uid>.release.vote.json
 * (it ends in VOTE_SUFFIX: ingest hands it to vote_request, which passes
 * it on). */
#define RELEASE_VOTE_SUFFIX ".release.vote.json"
/* The reviewer's copy: outbox/<reviewer>/release-review/<uid>/. */
#define RELEASE_REVIEW_DIR "release-review"

json_t *release_plan(scq *h, int dirfd, const char *uid, int kind,
		     const struct scq_release_options *o, int *to, int *r);
int release_held(scq *h, const char *uid, int st, int fd);
int release_check_flags(scq *h, const char *uid, json_t *d, int ack_flags);
int release_reason_given(scq *h, const char *reason, const char *what);
int release_commit(scq *h, unsigned by, int fd, int st, const char *uid, int to, json_t *d,
		   const char *actor, const char *why);

void release_digest(const char *outputs, json_t *d, char out[65]);
/*
 * Under the job's flock: seen (a reviewer's digest, NULL for the owner at
 * its store) must be the digest of d over the current outputs (else
 * VOTE_STALE); votes for other outputs are discarded (audited
 * "vote-reset"); the voter's earlier vote for another decision is
 * replaced, one for this decision is VOTE_AGAIN.  Short of the required
 * count: release-votes.json and an audit line "release-vote"; else the
 * decision (release_commit) holding every vote for it.
 */
int release_vote_cast(scq *h, unsigned by, int fd, int st, const char *uid,
		      const char *voter, json_t *d, int to, const char *seen,
		      struct vote_count *vc);
int release_vote_send(scq *h, const char *uid, int kind, const struct scq_release_options *o);
int release_vote_request(scq *h, int reqfd, const char *req, const char *name,
			 struct buf *why);
int release_review_dir(scq *h, const char *owner, const char *reviewer, int create);
void release_share(scq *h, int jobfd, const char *uid);
void release_unshare(scq *h, const char *uid);

#endif
