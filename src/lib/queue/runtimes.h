/*
 * runtimes.h - the runtimes the owner provides (runtimes.json in the
 * private store: name -> host directory), what each holds (a scan of its
 * package metadata, never a run of pip), the owner's publication of it
 * (public/code-queue/runtimes.json) and the requester's read of that.
 *
 * Exports (runtimes.c): runtime_lookup, runtime_of_job,
 * runtime_published_dir.
 * Exports (runtime-scan.c): runtime_scan, runtime_site_dirs.
 * The public functions (scq_runtime_*, scq_runtimes_of,
 * scq_requirements_check) are declared in scq.h.
 */
#ifndef SCQ_RUNTIMES_H
#define SCQ_RUNTIMES_H

#include "store/handle.h"

/* Packages listed per runtime; more are counted and the cut is said. */
#define RUNTIME_PACKAGES_MAX 2000
/* Entries of one site folder looked at; more are counted as cut. */
#define RUNTIME_ENTRIES_MAX 20000
/* Site folders (lib/python3.X/site-packages, ...) scanned per runtime. */
#define RUNTIME_SITE_DIRS_MAX 16
/* Runtimes an owner may register. */
#define RUNTIMES_MAX 16
/* The published runtimes.json, as a requester reads it. */
#define RUNTIMES_JSON_MAX ((size_t)4 << 20)

/* The host path of my runtime name (a copy, caller frees), or NULL with
 * SCQ_ENOTFOUND set on h. */
char *runtime_lookup(scq *h, const char *name);
/* The runtime a job of mine runs on: its own choice, else default_runtime,
 * else NULL (none: the sandbox's own /usr).  The name returned is
 * job_choice itself or a per-thread copy of the setting, valid until the
 * next call. */
const char *runtime_of_job(scq *h, const char *job_choice);
/* datasites/<owner>/public/code-queue (caller frees). */
char *runtime_published_dir(scq *h, const char *owner);
/* What the directory root holds: {interpreter, packages{name: version},
 * packages_found, site_dirs[], cut?}.  Never fails: what cannot be read is
 * absent (an unreadable root gives no packages). */
json_t *runtime_scan(const char *root);
/* The site folders of a scan, relative to its root: an array (borrowed). */
json_t *runtime_site_dirs(json_t *scan);

#endif
