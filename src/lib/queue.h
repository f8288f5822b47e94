/*
 * queue.h - the owner's private store: its state folders.
 *
 * Exports (queue.c): queue_status_dir, queue_locate, queue_job_dir,
 * decision_record.  A job's status is the folder it sits in
 * (jobs/<status>/<uid>); the moves between them are state.h's, their
 * audit and publication lifecycle.h's.  Also declared here, for now, the
 * outbox (outbox.c), republish_needed (republish.c) and quarantine
 * (quarantine.c).
 */
#ifndef SCQ_QUEUE_H
#define SCQ_QUEUE_H

#include "internal.h"

/* fd of jobs/<status> (owned by the caller). */
int queue_status_dir(scq *h, int status);
/* Which state directory holds uid; -1 if none. */
int queue_locate(scq *h, const char *uid);
/* Open jobs/<status>/<uid> (caller closes). */
int queue_job_dir(scq *h, int status, const char *uid);
/* Publish the job's current public status to the requester's outbox:
 * durable when it returns with c NULL, at commit_end(c) otherwise. */
int outbox_publish(scq *h, struct commit *c, const char *uid, int status,
		   int with_results);
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

#endif
