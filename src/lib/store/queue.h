/*
 * queue.h - the owner's private store: its state folders.
 *
 * Exports (queue.c): queue_status_dir, queue_locate, queue_job_dir,
 * decision_record.  A job's status is the folder it sits in
 * (jobs/<status>/<uid>); the moves between them are state.h's, their
 * audit and publication lifecycle.h's.
 */
#ifndef SCQ_QUEUE_H
#define SCQ_QUEUE_H

#include "store/handle.h"

/* fd of jobs/<status> (owned by the caller). */
int queue_status_dir(scq *h, int status);
/* Which state directory holds uid; -1 if none. */
int queue_locate(scq *h, const char *uid);
/* Open jobs/<status>/<uid> (caller closes). */
int queue_job_dir(scq *h, int status, const char *uid);
/* A decision record {at, by, reason} (new reference). */
json_t *decision_record(const char *by, const char *reason);

#endif
