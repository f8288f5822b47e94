/*
 * ingest.h - taking verified jobs from the inbox into the private store.
 *
 * Exports (ingest.c): scq_ingest (public), ingest_bounded (the runner's
 * pass with a time budget), scq_ingest_notices (public).
 */
#ifndef SCQ_INGEST_H
#define SCQ_INGEST_H

#include "store/handle.h"

/* scq_ingest with a budget: stops starting new work after `seconds` of
 * monotonic time (the runner's tick; 0: none), the rest waits for the next
 * pass.  Its moves stay due for notification (the runner tells them, never
 * waiting: queue/notify.h). */
int ingest_bounded(scq *h, double seconds);
/* Seconds of one runner ingest pass (in its child process, runner-ingest.c):
 * short passes take turns fairly between requesters. */
#define INGEST_RUNNER_BUDGET 2.0

#endif
