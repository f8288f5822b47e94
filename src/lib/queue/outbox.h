/*
 * outbox.h - publishing a job to its requester: outbox/<requester>/<uid>/.
 *
 * Exports (outbox.c): outbox_open (the folder, made if missing),
 * outbox_publish (status.json, and once finished the log and outputs),
 * outbox_publish_ingested (ingest's first publication, from its record),
 * outbox_reconcile (after a crash, publish every job whose outbox lags
 * the store).
 */
#ifndef SCQ_OUTBOX_H
#define SCQ_OUTBOX_H

#include "store/handle.h"

/* outbox/<requester>/<uid>/ in my datasite, made if missing, as a
 * descriptor (caller closes); -1 with the message set.  The one way to it:
 * publication, a job told it waits (inflow.c), a refusal (quarantine.c). */
int outbox_open(scq *h, const char *requester, const char *uid);
/* Publish the job's current public status to the requester's outbox:
 * durable when it returns with c NULL, at commit_end(c) otherwise. */
int outbox_publish(scq *h, struct commit *c, const char *uid, int status,
		   int with_results);
/* Ingest's first publication of a job it committed to pending, from rec
 * (its store record, as written) without reading it back; *reqfd is the
 * requester's outbox folder, opened at the first call (caller closes). */
int outbox_publish_ingested(scq *h, struct commit *c, int *reqfd, const char *uid, json_t *rec);
/* Re-publish every job whose outbox status lags the store (after a crash). */
int outbox_reconcile(scq *h);

#endif
