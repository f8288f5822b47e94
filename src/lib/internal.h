/*
 * internal.h - what the library's modules share behind scq.h.
 *
 * The handle (struct scq), error reporting, well-known paths and the
 * cross-module helpers.  Never included by programs (the Makefile checks).
 */
#ifndef SCQ_INTERNAL_H
#define SCQ_INTERNAL_H

#include "compat.h"
#include <jansson.h>
#include "scq.h"
#include "buf.h"

#define APP_NAME "code-queue"
#define JOB_JSON_MAX ((size_t)4 << 20)
#define SMALL_JSON_MAX ((size_t)1 << 20)
#define ISO_LEN 80

struct scq {
	char *email;
	char *data_dir;
	char *datasites;  /* <data_dir>/datasites */
	char *store;      /* <data_dir>/private/code-queue/<email> (private) */
	int store_fd;     /* -1 until store_open() */
	struct buf err;
	json_t *settings; /* cached owner settings, NULL until loaded */
	int batch;        /* 1: defer fsyncs and audit lines to batch_commit */
	struct buf audit_pending; /* audit lines waiting for batch_commit */
	struct buf notices;       /* one line per quarantine of the last ingest */
};

/* Start deferring syncs (ingest of many jobs); batch_commit makes
 * everything durable with one syncfs and one audit fsync. */
void batch_begin(scq *h);
/* fs flags for a write: deferred while a batch is open. */
#define SYNC_FLAGS(h) ((h)->batch ? FS_DEFER_SYNC : 0)
int batch_commit(scq *h);

/* Set the message and return code (always negative). */
int scq_fail(scq *h, int code, const char *fmt, ...) SCQ_PRINTF(3, 4);
/* Same, appending ": strerror(errno)". */
int scq_fail_errno(scq *h, const char *fmt, ...) SCQ_PRINTF(2, 3);

/* Paths (caller frees). */
char *path_join(const char *a, const char *b);
char *app_dir_of(scq *h, const char *owner); /* datasites/<owner>/app_data/code-queue */

/* The private store, created on demand (0700).  Returns an fd owned by h. */
int store_open(scq *h);
/* An fd (caller closes) for a sub-directory of the store, created if needed. */
int store_subdir(scq *h, const char *rel);

/* Validation of untrusted names. */
int email_valid(const char *s);
int component_valid(const char *s, size_t maxlen); /* one path component */
int has_control(const char *s, int allow_newline_tab);

/*
 * Time.  Two clocks, never mixed (doc/protocol.md §7):
 *   time_now   wall clock (CLOCK_REALTIME): only for timestamps shown to
 *              people or stored in records (created_at, ...), and for ages
 *              of things that carry a wall-clock time themselves (file
 *              ctimes, a record's created_at + timeout_seconds).
 *   time_mono  CLOCK_BOOTTIME: every deadline and duration inside a process
 *              (job_timeout, kill grace, set-up limit, wall_seconds, waits,
 *              throttles).  The owner's clock may be stepped at any moment
 *              (NTP, by hand); these must not jump with it.
 * time_now_iso: now as UTC ISO-8601 with microseconds and 'Z'; parse back.
 */
void time_now_iso(char out[ISO_LEN]);
double time_now(void);
double time_mono(void);
int time_parse_iso(const char *s, double *t);
void time_format_iso(double t, char out[ISO_LEN]);

/* JSON: parse strictly (duplicate keys rejected) with a size cap. */
json_t *json_load_file_at(int dirfd, const char *name, size_t max,
			  struct buf *err);
/* Serialise (sorted keys, indented) and write atomically. */
int json_write_at(int dirfd, const char *name, json_t *obj, unsigned fsflags);
char *json_compact(json_t *obj); /* caller frees */

/* SHA-256 helpers (libsodium). */
void sha256_hex(const void *data, size_t len, char out[65]);

/* Settings (settings.c). */
long long setting_int(scq *h, const char *key);
int setting_bool(scq *h, const char *key);
const char *setting_str(scq *h, const char *key);

/* Audit log (audit.c): append one event.  Fields may be NULL. */
int audit_append(scq *h, const char *event, const char *uid,
		 const char *actor, const char *reason, const char *digest);
int audit_flush(scq *h);

#endif
