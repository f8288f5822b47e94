/*
 * decide.h - the checks every decision of the owner on a job shares
 * (approve, reject, cancel in decide.c; the release decisions in
 * release.c, which hold the public functions of scq.h).
 *
 * Exports (decide.c):
 *   decide_owner_job   ingest first, then the job must be in my store
 *                      (a full uid; my own submission is refused by name)
 *   decide_reason_ok   a decision's reason: at most DECISION_REASON_MAX
 *                      bytes of valid UTF-8 (NULL is fine)
 */
#ifndef SCQ_DECIDE_H
#define SCQ_DECIDE_H

#include "store/handle.h"

/* *status gets the job's state folder. */
int decide_owner_job(scq *h, const char *uid, int *status);
int decide_reason_ok(scq *h, const char *reason);

#endif
