/*
 * handle.h - the scq handle behind scq.h, and what every module above the
 * base layer includes.
 *
 * Exports (handle.c): struct scq; scq_fail / scq_fail_errno (set the
 * handle's message, return the code); scq_log; path_join, app_dir_of;
 * store_open / store_subdir (create on demand, for writers),
 * store_state_dir (either way) and
 * store_peek / store_subdir_peek / store_state_peek (never create, for
 * reads).  It also includes the base layer's headers (clock, hash, json,
 * names) and store/limits.h, which nearly every module uses.  Never
 * included by programs (make check-layering).
 */
#ifndef SCQ_HANDLE_H
#define SCQ_HANDLE_H

#include "base/compat.h"
#include <jansson.h>
#include "scq.h"
#include "base/buf.h"
#include "store/limits.h"
/* The base layer, which every module of the layers above uses. */
#include "base/clock.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/names.h"
#include "base/spawn.h"

#define APP_NAME "code-queue"

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
	json_t *submitted;        /* my record of the last job submitted (scq_submitted_job) */
	json_t *notify_due;       /* transitions made, not yet told (store/notify.h) */
	struct spawn_set hooks;   /* notify_command runs not yet reaped */
};

/* Report one line through scq_set_log's hook (nothing if none is set). */
void scq_log(scq *h, const char *fmt, ...) SCQ_PRINTF(2, 3);

/* Durability of many writes at once: commit.h (struct commit). */
struct commit;
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
/* jobs/<status> (caller closes): created if need be (create, as
 * store_subdir), or only opened (as store_state_peek). */
int store_state_dir(scq *h, int status, int create);

#endif
