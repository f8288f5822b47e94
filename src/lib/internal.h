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
	struct buf notices;       /* one line per quarantine of the last ingest */
	scq_log_fn *log_fn;       /* scq_set_log: events of a long call */
	unsigned ingest_rotor;    /* rotates the requesters between passes */
	char *audit_path;         /* scq_audit_path, made on first use */
	void *log_ctx;
};

/* Report one line through scq_set_log's hook (nothing if none is set). */
void scq_log(scq *h, const char *fmt, ...) SCQ_PRINTF(2, 3);

/* Durability of many writes at once: commit.h (struct commit). */
struct commit;
/* scq_ingest with a budget: stops starting new work after `seconds` of
 * monotonic time (the runner's tick), the rest waits for the next pass. */
int ingest_bounded(scq *h, double seconds);
/* Seconds of one runner ingest pass (in its child process, runner-ingest.c):
 * short passes take turns fairly between requesters. */
#define INGEST_RUNNER_BUDGET 2.0

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
/*
 * The same for reads, which never write (scq_refresh does the writing):
 * nothing is created.  store_peek returns the store's fd (owned by h),
 * store_subdir_peek an fd of an existing sub-directory (caller closes),
 * store_state_peek that of jobs/<status>.  A store or folder that does not
 * exist yet is SCQ_ENOTFOUND, which readers take as "no jobs"; a missing
 * data folder is SCQ_ECONFIG, as for store_open.
 */
int store_peek(scq *h);
int store_subdir_peek(scq *h, const char *rel);
int store_state_peek(scq *h, int status);

/* Validation of untrusted names.  E-mails are lower-cased at every entry
 * point (identity, submit target) and job ids before lookup, with
 * ascii_lower (caller frees); email_valid accepts lower case only. */
char *ascii_lower(const char *s);
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

/*
 * Text into JSON (rule: doc/protocol.md "Text that is not UTF-8").  jansson
 * refuses bytes that are not UTF-8 and returns NULL; bytes a submitter or a
 * job chose never reach json_string* or json_pack "s" directly, only these,
 * which always return a JSON string (jansson allocates through alloc.h).
 */
/* utf8_valid and utf8_boundary (the largest cut that splits no character)
 * are in buf.h. */
/* Append s[0..n) to dst with each byte that does not begin a well-formed
 * character, and each NUL, replaced by U+FFFD; returns how many (dst's cap
 * must allow 3 * n more bytes). */
size_t utf8_sanitize(struct buf *dst, const char *s, size_t n);
/* Free text (a log): each byte that does not begin a well-formed character,
 * and each NUL, becomes U+FFFD; *replaced (may be NULL) counts them. */
json_t *json_text(const char *s, size_t n, size_t *replaced);
/* A name, or a message naming one: as is if UTF-8, else escaped so that it
 * stays distinct: backslash doubled, each byte not UTF-8 as \xHH. */
json_t *json_name(const char *s);
/* o[key] = json_name(s), and when s is not UTF-8 also o[key_hex] = its raw
 * bytes in hex: nothing of the name is lost. */
void json_set_name(json_t *o, const char *key, const char *s);

/* SHA-256 helpers (libsodium). */
void sha256_hex(const void *data, size_t len, char out[65]);
/* fs_chunk_fn that feeds a crypto_hash_sha256_state (ctx): hash while
 * copying, so the bytes hashed are the bytes written (one read). */
void sha256_chunk(void *ctx, const void *data, size_t len);

/* Settings, read by enum (settings.h). */
#include "settings.h"

/* Audit log (audit.c): append one event.  Fields may be NULL.  Under a
 * commit (commit.h) the event waits in it and is chained at commit_end;
 * with c NULL it is durable when the call returns. */
int audit_append(scq *h, struct commit *c, const char *event, const char *uid,
		 const char *actor, const char *reason, const char *digest);
/* Chain and append the deferred events of `pending` (commit_end), with
 * one write and one fsync; pending is emptied. */
int audit_flush(scq *h, struct buf *pending);
/* The events of the intact log as uid -> " event event ... " (caller
 * decrefs), or NULL when the log cannot be read or is broken; and whether
 * they explain a job being in `status` (audit.c, from state.c's table). */
json_t *audit_events_by_uid(scq *h);
int audit_explains(json_t *events, const char *uid, int status);

#endif
