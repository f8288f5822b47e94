/*
 * republish.h - finishing the delivery of a job's results after a failure.
 *
 * Exports (republish.c): republish_result and republish_undelivered (for
 * `scq status`) and the public scq_republish.
 */
#ifndef SCQ_REPUBLISH_H
#define SCQ_REPUBLISH_H

#include "store/handle.h"

/* The result.json of the job at jobfd (new reference), or NULL. */
json_t *republish_result(int jobfd);
/* Whether the finished job at jobfd (res: its result.json, may be NULL)
 * has results not delivered (collect or publish error), for `scq status`. */
int republish_undelivered(int jobfd, json_t *res);

#endif
