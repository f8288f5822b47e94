/*
 * output-check.h - the output checks of a job in the owner's store, for the
 * public scq_output_check (output-check.c) and the ACRO export (export.c).
 *
 * Exports (output-check.c):
 *   output_check_job   the flags of job uid's outputs and log into rep
 *                      (*types: the release_types the checks used, caller
 *                      frees); the message on h
 *   output_read_head   the first max bytes of a regular file below root
 */
#ifndef SCQ_OUTPUT_CHECK_H
#define SCQ_OUTPUT_CHECK_H

#include "store/handle.h"
#include "check/check.h"

/* The run's log in the owner's store, as the checks name it. */
#define OUTPUT_CHECK_LOG "execution.log"

int output_check_job(scq *h, const char *uid, unsigned flags, struct check_report *rep,
		     char **types);
int output_read_head(int root, const char *path, size_t max, struct buf *out);

#endif
