/*
 * inflow.h - admission control for ingest: how much one requester may put
 * on the data owner, so that one submitter can never stall everyone.
 *
 * Per requester (settings, defaults in settings.c):
 *   max_pending_per_requester  jobs waiting for a decision; over it new
 *                              jobs wait in the inbox
 *   max_jobs_per_hour          jobs taken per hour; over it they wait
 *   max_quarantines_per_hour   refusals per hour, each with a folder and an
 *                              audit line; over it refusals join one batch
 *                              folder for the hour (quarantine_batch)
 *   max_incomplete_per_requester  incomplete entries waiting for files;
 *                              over it the extra ones are refused
 *   max_files_per_job          manifest entries a job may list
 * The hourly counts live in the store's inflow.json, keyed by a hash of
 * the requester folder's name (any bytes), and are written back once per
 * ingest pass.  Pending counts come from the store's pending-by/ index (one
 * small file per requester, written by ingest), at a cost bounded by the
 * cap, whatever the number of pending jobs (inflow.c).
 *
 * Exports: inflow_open/inflow_close around a pass, inflow_may_take before
 * staging a job, inflow_took after, inflow_index_save before the batch's moves into
 * pending, inflow_quarantine_key to decide between
 * a folder of its own and the hour's batch, inflow_incomplete.
 */
#ifndef SCQ_INFLOW_H
#define SCQ_INFLOW_H

#include "store/handle.h"

struct inflow {
	scq *h;
	json_t *state;    /* inflow.json: hash -> {hour, taken, quarantined} */
	json_t *pending;  /* requester -> {uids, live, dirty} (inflow.c) */
	int index;        /* fd of the store's pending-by/, -1 until needed */
	json_t *incomplete; /* requester -> incomplete entries this pass */
	int dirty;
	char batch[64];   /* inflow_quarantine_key's answer */
};

void inflow_open(struct inflow *f, scq *h);
/* Write the counts back (if changed) and free. */
void inflow_close(struct inflow *f);
/* 0: take the job now; 1: over a cap, it waits (why says which). */
int inflow_may_take(struct inflow *f, const char *req, struct buf *why);
/* The job uid of req was staged: it counts from now on. */
void inflow_took(struct inflow *f, const char *req, const char *uid);
/* Write the changed index files (fsflags: FS_DEFER_SYNC under a commit
 * whose sync precedes the moves into pending).  0, or -1: then no job
 * taken since the last save may be moved into pending. */
int inflow_index_save(struct inflow *f, unsigned fsflags);
/* Tell the requester its complete job waits, and why (no limit is hit in
 * silence): outbox/<req>/<uid>/status.json {status: pending, waiting}.
 * Written once per reason, not at every pass. */
void inflow_tell_waiting(struct inflow *f, const char *req, const char *uid,
			 const char *why);
/* Count one quarantine of req: NULL if it gets a folder of its own, else
 * the name of this hour's batch folder (borrowed from f until the next call). */
const char *inflow_quarantine_key(struct inflow *f, const char *req);
/* Count one incomplete entry of req this pass: 1 if over the cap. */
int inflow_incomplete(struct inflow *f, const char *req);

#endif
