/*
 * republish.h - finishing the delivery of a job's results after a failure.
 *
 * Exports (republish.c): republish_undelivered (for `scq status`) and the
 * public scq_republish.
 */
#ifndef SCQ_REPUBLISH_H
#define SCQ_REPUBLISH_H

#include "store/handle.h"

struct run_record;
/* Whether the finished job at jobfd (res: its result.json, NULL if none)
 * has results not delivered (collect or publish error), for `scq status`. */
int republish_undelivered(int jobfd, const struct run_record *res);

#endif
