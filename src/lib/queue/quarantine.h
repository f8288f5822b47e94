/*
 * quarantine.h - where hostile inbox entries go: never deleted.
 *
 * Exports (quarantine.c): quarantine_entry (one entry with its reason) and
 * quarantine_batch (a requester over its hourly cap: one folder an hour).
 */
#ifndef SCQ_QUARANTINE_H
#define SCQ_QUARANTINE_H

#include "store/handle.h"

/* Move a hostile inbox entry to quarantine with its reason. */
int quarantine_entry(scq *h, int parent, const char *req, const char *name,
		     const char *reason);
/* The same, for a requester over its hourly cap: the entry joins the batch
 * folder quarantine/<batch>/ (inflow_quarantine_key names it) as one
 * renamed entry and one line of its index.jsonl. */
int quarantine_batch(scq *h, int parent, const char *req, const char *name,
		     const char *reason, const char *batch);

#endif
