/*
 * run-record.h - the run record (result.json) as a C struct, its one JSON
 * form, and the release rule of its results (doc/protocol.md §6, §7).
 *
 * Exports:
 *   struct run_record    typed fields of result.json; each key's presence
 *                        and null-ness is kept, so a record read and
 *                        written again is the same bytes (keys this
 *                        version does not know are kept as read)
 *   run_record_from_json fill from a parsed result.json
 *   run_record_load      read and parse <jobfd>/result.json
 *   run_record_to_json   the JSON object, keys sorted (as on disk)
 *   run_record_get       one key's JSON value as the record has it
 *   run_set_str, run_set_name, run_set_int, run_set_real, run_set_bool,
 *   run_set_json
 *                        set one field (present; NULL or null: JSON null)
 *   run_release_mode     "review" or "auto": the mode a run that ends now
 *                        falls under (the runner records it)
 *   run_results_held     are a run's results held for the owner's release
 *   run_record_release   free the fields
 *
 * The writer (exec/run-job.c) builds the struct and serialises it once;
 * readers (queue/job.c, exec/republish.c) parse once.  It lives in queue/
 * because both layers use it (exec may use queue, not the reverse).
 */
#ifndef SCQ_RUN_RECORD_H
#define SCQ_RUN_RECORD_H

#include "store/handle.h"

/* One bit per key of result.json, in the keys' sorted order. */
enum run_field {
	RUN_CANCEL, RUN_COMPLETED_AT, RUN_CPU_SECONDS, RUN_ERROR_KIND, RUN_ERROR_MESSAGE,
	RUN_EXIT_CODE, RUN_LIMITS_APPLIED, RUN_LOG_BYTES, RUN_LOG_TRUNCATED, RUN_OUTPUT,
	RUN_PEAK_MEMORY_BYTES, RUN_RELEASE, RUN_RUN_ERROR_KIND, RUN_RUN_ERROR_MESSAGE,
	RUN_SIGNAL, RUN_STARTED_AT, RUN_WALL_SECONDS, RUN_NFIELDS
};
#define RUN_BIT(f) (1u << (f))

struct run_record {
	unsigned has;  /* RUN_BIT(f): the key is present */
	unsigned null; /* RUN_BIT(f): present with the value null */
	char *started_at, *completed_at;
	char *error_kind, *error_message;         /* the job's visible outcome */
	char *run_error_kind, *run_error_message; /* the run's own (republish) */
	char *release;                            /* "review" or "auto" */
	long long exit_code, signal, peak_memory_bytes, log_bytes;
	double wall_seconds, cpu_seconds;
	int log_truncated;
	json_t *output;         /* collect's report (collect.c) */
	json_t *limits_applied; /* the sandbox's limits as applied */
	json_t *cancel;         /* cancel-request.json of a cancelled run */
	json_t *extra;          /* unknown keys, or known ones of another type */
};
#define RUN_RECORD_INIT { 0 }

static inline int run_has(const struct run_record *r, enum run_field f)
{
	return (r->has & RUN_BIT(f)) && !(r->null & RUN_BIT(f));
}

void run_record_from_json(struct run_record *r, json_t *obj);
/* 1 with r filled, 0 when there is no result.json or it cannot be read
 * in max bytes (r left empty). */
int run_record_load(struct run_record *r, int jobfd, size_t max);
json_t *run_record_to_json(const struct run_record *r); /* a new object */
/* The value of key f as the record has it (a new reference), or NULL
 * when absent. */
json_t *run_record_get(const struct run_record *r, enum run_field f);
void run_record_release(struct run_record *r);

void run_set_str(struct run_record *r, enum run_field f, const char *s);
void run_set_int(struct run_record *r, enum run_field f, int is_null, long long v);
/* A name or a message naming one (json_name's form: as is when UTF-8). */
void run_set_name(struct run_record *r, enum run_field f, const char *s);
void run_set_real(struct run_record *r, enum run_field f, double v);
void run_set_bool(struct run_record *r, enum run_field f, int v);
/* v may be NULL (null); takes a new reference. */
void run_set_json(struct run_record *r, enum run_field f, json_t *v);

/* A cancelled run's partial results always wait for the owner; any other
 * run's by the owner's release setting. */
const char *run_release_mode(scq *h, int status);
/* The results of run r (NULL: none) of a job in status are held unless
 * released (released.json); a record from before the mode was recorded
 * falls back to the rule publication applied then. */
int run_results_held(scq *h, const struct run_record *r, int status, int released);

#endif
