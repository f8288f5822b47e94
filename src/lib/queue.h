/*
 * queue.h - the owner's private store: state directories and transitions.
 *
 * A job's status is the directory it sits in (jobs/<status>/<uid>); every
 * transition is one rename between state directories, preceded by the
 * write of the record that justifies it.  Renames use RENAME_NOREPLACE,
 * so two processes racing for the same transition cannot both win: the
 * loser sees ENOENT and reports the job's new state.
 */
#ifndef SCQ_QUEUE_H
#define SCQ_QUEUE_H

#include "internal.h"

/* fd of jobs/<status> (owned by the caller). */
int queue_status_dir(scq *h, int status);
/* Which state directory holds uid; -1 if none. */
int queue_locate(scq *h, const char *uid);
/*
 * Move uid from one state to another.  record (may be NULL) is written as
 * the target state's record file first.  Publishes the new status to the
 * outbox and appends an audit event.  Returns SCQ_ESTATE if the job is no
 * longer in `from`.
 */
int queue_transition(scq *h, const char *uid, int from, int to, json_t *record,
		     const char *event, const char *actor, const char *reason);
/* Expire pending jobs past their approval deadline. */
int queue_expire(scq *h, unsigned *expired);
/* Open jobs/<status>/<uid> (caller closes). */
int queue_job_dir(scq *h, int status, const char *uid);
/* Publish the job's current public status to the requester's outbox. */
int outbox_publish(scq *h, const char *uid, int status, int with_results);
/* Re-publish every job whose outbox status lags the store (after a crash). */
int outbox_reconcile(scq *h);
/* uids of finished jobs whose results are not delivered (collect or
 * publish error), for `scq status` (new reference; republish.c). */
json_t *republish_needed(scq *h);
/* A decision record {at, by, reason} (new reference). */
json_t *decision_record(const char *by, const char *reason);

/* Move a hostile inbox entry to quarantine with its reason (quarantine.c). */
int quarantine_entry(scq *h, int parent, const char *req, const char *name,
		     const char *reason);
/* The same, for a requester over its hourly cap: the entry joins the batch
 * folder quarantine/<batch>/ (inflow_quarantine_key names it) as one
 * renamed entry and one line of its index.jsonl. */
int quarantine_batch(scq *h, int parent, const char *req, const char *name,
		     const char *reason, const char *batch);
/* Cancel uid in my store on behalf of `by` (owner or requester). */
int job_cancel(scq *h, const char *uid, const char *by);

#endif
