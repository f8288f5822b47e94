/*
 * refresh.h - what scq_refresh (public, scq.h) leaves for the runner.
 *
 * Exports (refresh.c): expiry_next, refresh_steps.
 */
#ifndef SCQ_REFRESH_H
#define SCQ_REFRESH_H

#include "store/handle.h"

/* The earliest deadline of the pending jobs (wall clock; -1: none) as the
 * last expiry pass recorded it.  -1 when that record is missing or no
 * longer describes jobs/pending (a job came or went since): then run the
 * expiry (scq_refresh SCQ_REFRESH_EXPIRE) and ask again. */
int expiry_next(scq *h, double *next);
/* scq_refresh's steps without telling notify_command (the runner tells
 * its moves itself and never waits for a hook; SCQ_REFRESH_NOTIFY is
 * scq_refresh's alone). */
int refresh_steps(scq *h, unsigned flags);

#endif
