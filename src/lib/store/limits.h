/*
 * limits.h - every fixed limit of the protocol and the store, in one place.
 *
 * doc/protocol.md §3 lists the rules these numbers serve.  A limit that
 * the owner may change is a setting (settings.c), not a constant here.
 *
 * Exports (macros only):
 *   JOB_NAME_MAX, JOB_DESCRIPTION_MAX, JOB_TAGS_MAX, JOB_TAG_MAX,
 *   JOB_CREATED_AT_MAX, JOB_TIMEOUT_DEFAULT, JOB_TIMEOUT_MAX,
 *   DECISION_REASON_MAX          the fields of a job and its decisions
 *   MANIFEST_MAX_FILES, MANIFEST_MAX_BYTES, MANIFEST_MAX_PATH,
 *   MANIFEST_MAX_COMPONENT, MANIFEST_MAX_DEPTH   a job's code
 *   JOB_JSON_MAX, SMALL_JSON_MAX the JSON files we read
 *   NOTIFY_SEEN_MAX              the requester's record of what it told
 *   NOTIFY_MAX_RUNNING           notification hooks run at once
 */
#ifndef SCQ_LIMITS_H
#define SCQ_LIMITS_H

#include <stddef.h>
#include <stdint.h>
#include "scq.h"

/* job.json (bytes of UTF-8; the name and each tag on one line) */
#define JOB_NAME_MAX 200
#define JOB_DESCRIPTION_MAX 4096
#define JOB_TAGS_MAX SCQ_TAGS_MAX /* public: scq.h */
#define JOB_TAG_MAX 64
#define JOB_CREATED_AT_MAX 64
/* the approval wait in seconds: submit's default and its maximum (the
 * owner clamps it further with max_timeout_seconds) */
#define JOB_TIMEOUT_DEFAULT 86400
#define JOB_TIMEOUT_MAX (3650LL * 86400)
/* the owner's reason for an approval, rejection or cancel */
#define DECISION_REASON_MAX 4096
/* released.json, the owner's release decision (one entry per output and
 * its reason): it is also published in status.json, read with a 1 MiB cap */
#define RELEASE_RECORD_MAX ((size_t)256 << 10)
/* submit --context TEXT: the CONTEXT.md it adds to the submitted code */
#define SUBMIT_CONTEXT_MAX 65536

/* the manifest: a job's code */
#define MANIFEST_MAX_FILES 10000
#define MANIFEST_MAX_BYTES ((uint64_t)SCQ_CODE_MAX_BYTES) /* public: scq.h */
#define MANIFEST_MAX_PATH 1024
#define MANIFEST_MAX_COMPONENT 255
#define MANIFEST_MAX_DEPTH 32

/* JSON files read from disk: a submitted job.json (with its manifest),
 * and every other record */
#define JOB_JSON_MAX ((size_t)4 << 20)
#define SMALL_JSON_MAX ((size_t)1 << 20)
/* notified.json (queue/notify.c): about 80 bytes a job, 200,000 jobs; a
 * requester past it is told (scq_log) and its record starts again */
#define NOTIFY_SEEN_MAX ((size_t)16 << 20)
/* notify_command runs at once per process; more events wait their turn
 * (a burst of 1,000 jobs ingested starts no 1,000 processes) */
#define NOTIFY_MAX_RUNNING 16

#endif
