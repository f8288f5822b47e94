/*
 * republish.h - finishing the delivery of a job's results after a failure.
 *
 * Exports (republish.c): republish_needed (for `scq status`) and the public
 * scq_republish.
 */
#ifndef SCQ_REPUBLISH_H
#define SCQ_REPUBLISH_H

#include "store/handle.h"

/* uids of finished jobs whose results are not delivered (collect or
 * publish error), for `scq status` (new reference). */
json_t *republish_needed(scq *h);

#endif
