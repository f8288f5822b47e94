/*
 * datasets.h - what datasets.c and mock.c share (the public API is
 * scq.h's scq_dataset_*, scq_datasets_of).
 *
 * Exports (datasets.c): dataset_check  a name and path as scq_dataset_add
 *                       takes them (nothing written); the message on h
 *                       dataset_forget the private registration of name
 *                       goes (scq_dataset_remove, in mock.c, removes its
 *                       mock too)
 *                       host_path_guard a resolved host path a job would
 *                       see (dataset, mock, runtime): not '/', not around
 *                       or inside the queue's own folders, not a kernel
 *                       pseudo-filesystem; the message on h names what
 */
#ifndef SCQ_DATASETS_H
#define SCQ_DATASETS_H

#include "store/handle.h"

int dataset_check(scq *h, const char *name, const char *path);
int dataset_forget(scq *h, const char *name);
int host_path_guard(scq *h, const char *what, const char *real);

#endif
