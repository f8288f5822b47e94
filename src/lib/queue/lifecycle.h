/*
 * lifecycle.h - a job's state changes as the rest of the library sees
 * them: the move (state.h), then its audit event, then its publication.
 *
 * Exports (lifecycle.c):
 *   job_transition  state_move + audit_append + outbox_publish, under
 *                   the caller's commit (commit.h) or durable at once
 *   job_expire      THE expiry rule: a pending job past its approval
 *                   deadline moves to timedout (listings and scans alike)
 *   queue_expire    job_expire over every pending job
 *   job_cancel      cancel on behalf of the owner or the requester
 *
 * This layer sits above the queue (queue.h, state.h), the audit log and
 * the outbox, and below the commands (decide.c, ingest.c, the runner), so
 * the queue never calls up into the outbox.
 */
#ifndef SCQ_LIFECYCLE_H
#define SCQ_LIFECYCLE_H

#include "store/handle.h"
#include "store/state.h" /* STATE_BY_*: who moves */

struct job_record; /* queue/record.h */

/*
 * Move uid from `from` to `to` on behalf of `by`, one STATE_BY_* flag
 * (state_move: the table's record file is written from record first), then
 * append the row's audit event (actor, reason; the record's code_sha256)
 * and publish the new status to the outbox, with log and outputs where the
 * row says so.  All three are durable when it returns with c NULL, at
 * commit_end(c) otherwise (commit.h).  SCQ_ESTATE if the move is not in
 * the table or the job is no longer in `from`, SCQ_EPERM if the row does
 * not allow `by`.
 */
int job_transition(scq *h, struct commit *c, unsigned by, const char *uid, int from,
		   int to, json_t *record, const char *actor, const char *reason);
/* Expire pending uid (rec: its store job.json) if its approval deadline
 * is past at `now`.  *status gets the job's state afterwards (SCQ_PENDING
 * if not due); a job decided meanwhile is no error. */
int job_expire(scq *h, const char *uid, const struct job_record *rec, double now,
	       int *status);
/* job_expire every pending job; *expired (if not NULL) counts them. */
int queue_expire(scq *h, unsigned *expired);
/* Cancel uid in my store on behalf of `by` (owner or requester). */
int job_cancel(scq *h, const char *uid, const char *by);

#endif
