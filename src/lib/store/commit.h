/*
 * commit.h - explicit durability: many writes of one step, one sync.
 *
 * Exports (commit.c):
 *   struct commit     the writes a caller has deferred, held by the caller
 *   commit_begin()    open a commit on a handle
 *   commit_fsflags()  fs flags of a write under a commit (FS_DEFER_SYNC),
 *                     0 for a NULL commit
 *   commit_end()      make every deferred write durable: one syncfs of the
 *                     store (and of datasites/ if it is another file
 *                     system), then the deferred audit events, chained and
 *                     appended with one fsync; its transitions are then
 *                     due for notification (store/notify.h), or dropped
 *                     when the commit failed
 *
 * Every library function that writes on behalf of a state change takes a
 * `struct commit *` (state_move, job_transition, audit_append,
 * outbox_publish, the runner's claim and finish).  NULL means "durable when
 * the call returns"; a commit means "durable when commit_end returns 0".
 * The handle holds no mode: what a call defers is visible at the call.
 *
 * commit_end orders nothing among the writes it makes durable: a caller
 * whose crash argument needs some writes durable before others of the same
 * commit (ingest: the jobs in pending/ before their publication) syncs the
 * first ones itself, inside the commit.
 */
#ifndef SCQ_COMMIT_H
#define SCQ_COMMIT_H

#include "store/handle.h"

struct commit {
	scq *h;
	/* audit events deferred by audit_append, one JSON object a line,
	 * chained to the log at commit_end (audit_flush) */
	struct buf audit;
	/* the transitions of the commit, told once it is durable (notify.h) */
	json_t *notify;
};

void commit_begin(scq *h, struct commit *c);
/* FS_DEFER_SYNC under a commit, 0 (sync now) for NULL. */
unsigned commit_fsflags(const struct commit *c);
/* Sync and flush; the commit is closed whatever the result.  0, or an
 * SCQ_E* code with the handle's message set: then some deferred writes
 * may not be durable (the caller must not act on them, e.g. run a claim). */
int commit_end(struct commit *c);

#endif
