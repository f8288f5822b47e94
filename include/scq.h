/*
 * scq.h - the public interface of libscq, the syft-code-queue library.
 *
 * This is the only header programs (the scq command, the Python binding,
 * the web dashboard) may include.  Everything behind it is opaque.
 *
 * Conventions
 *   - Functions that can fail return 0 or a negative SCQ_E* code.  The
 *     library never prints and never exits; after a failure
 *     scq_errmsg(h) holds a one-line message naming the job, file or field.
 *   - Memory: the library aborts through one hook on allocation failure
 *     (scq_set_oom_handler), so no function fails for lack of memory.
 *   - Ownership is stated per function: "caller frees" means the caller
 *     must release the result with the named destructor; "borrowed" means
 *     the pointer stays valid until the owning object is freed or changed.
 *     Every destructor accepts NULL.
 *   - Strings are NUL-terminated UTF-8 as far as we produce them.  Strings
 *     that came from a submitter are returned raw: escape before display
 *     (scq_escape_text does it for terminals).
 *   - A handle is not thread-safe; use one per thread.
 *   - Symbols: libscq is built with -fvisibility=hidden, so a program or a
 *     Python process that loads it sees only what this header declares.
 *     Every function here carries SCQ_API (default visibility); a new
 *     declaration needs it too, or `make check-symbols` fails.
 *
 * Call sequence
 *   scq_open -> [scq_init_datasite] -> operations -> scq_close.
 *
 * Reads and maintenance
 *   Reads (scq_list, scq_list_each, scq_find, scq_wait, scq_job_files,
 *   scq_job_read_file, scq_job_code_open and scq_job_code_*, scq_job_logs,
 *   scq_job_result_read, scq_job_output_files, scq_job_output_dir,
 *   scq_status_json, scq_config_get/json,
 *   scq_dataset_list, scq_datasets_of, scq_audit_verify) never write: not to the store,
 *   not to an outbox or inbox, nowhere (they work on a read-only mount,
 *   and a store that does not exist yet lists empty and stays absent).
 *   They show the store as it is.  Bringing it up to date (taking jobs
 *   from the inbox, expiring jobs past their deadline, ...)
 *   is one explicit step, scq_refresh, which the scq command runs once
 *   before each owner command and the runner on each tick.
 */
#ifndef SCQ_H
#define SCQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define SCQ_API __attribute__((visibility("default")))
#else
#define SCQ_API
#endif

#define SCQ_VERSION "0.2.0"
#define SCQ_PROTOCOL_VERSION 1

/* Result codes.  Stable numbering: bindings map them to exception types. */
enum scq_code {
	SCQ_OK = 0,
	SCQ_ENOTFOUND = -1,  /* no such job, file or key */
	SCQ_EPERM = -2,      /* not allowed for this identity */
	SCQ_ESTATE = -3,     /* job is in the wrong state for this */
	SCQ_EINVAL = -4,     /* invalid job, argument or input */
	SCQ_ECONFIG = -5,    /* no identity / workspace / bad setting */
	SCQ_ESANDBOX = -6,   /* isolation could not be set up */
	SCQ_EIO = -7,        /* file-system or system error */
	SCQ_EAMBIGUOUS = -8, /* an id prefix matched several jobs */
	SCQ_ETIMEOUT = -9,   /* a wait ran out of time */
	SCQ_EBUSY = -10,     /* someone else holds the lock */
	SCQ_EINCOMPLETE = -11 /* results not (yet) all there as published */
};

typedef struct scq scq;                 /* identity + workspace handle */
typedef struct scq_job scq_job;         /* one job as seen by the caller */
typedef struct scq_job_list scq_job_list;
typedef struct scq_value scq_value;     /* a parsed JSON document (below) */

typedef void scq_oom_handler(size_t bytes);
/* Replace the out-of-memory hook; it must not return.  NULL restores the
 * default (one line on stderr, then abort). */
SCQ_API void scq_set_oom_handler(scq_oom_handler *fn);

/* Name of a result code ("not found", ...); static storage. */
SCQ_API const char *scq_strerror(int code);

/* ---- opening a workspace --------------------------------------------- */

struct scq_open_options {
	const char *email;       /* NULL: SYFTBOX_EMAIL, then the config */
	const char *data_dir;    /* NULL: SYFTBOX_DATA_DIR, then the config */
	const char *config_path; /* NULL: the SyftBox lookup order */
};

/*
 * Open a handle.  The identity and data folder come from, in order: the
 * options, SYFTBOX_EMAIL / SYFTBOX_DATA_DIR, the SyftBox client config
 * ($SYFTBOX_CLIENT_CONFIG_PATH, ~/.syftbox/config.json,
 * ~/.config/syftbox/config.json, a legacy client_config.json beside them).
 * Creates nothing on disk.  On failure *out is still set (when out is not
 * NULL) to a handle holding only the message: read it with scq_errmsg,
 * then scq_close it.  Caller frees with scq_close.
 */
SCQ_API int scq_open(scq **out, const struct scq_open_options *opts);
SCQ_API void scq_close(scq *h);
SCQ_API const char *scq_errmsg(const scq *h);   /* borrowed */
SCQ_API const char *scq_email(const scq *h);    /* borrowed */
SCQ_API const char *scq_data_dir(const scq *h); /* borrowed */

/* Create my datasite, app folder, ACL file and private store (idempotent). */
SCQ_API int scq_init_datasite(scq *h);

/* Signing keys (protocol.md §4, "Signed submissions").  scq_init_datasite makes my key pair
 * and publishes datasites/<me>/public/did.json.  The requesters' keys I
 * pinned at ingest, one "email<TAB>fingerprint<TAB>state" line each
 * (*text: caller frees); accept EMAIL's published key in place of the one
 * pinned (audited).  fingerprint (NULL: any): 16 to 64 hex characters of
 * SHA-256 of the key the owner means, as keys list shows it; another key
 * published by then (the sync server's?) is refused, nothing pinned. */
SCQ_API int scq_keys_list(scq *h, char **text);
SCQ_API int scq_keys_accept(scq *h, const char *email, const char *fingerprint);
/* Sign FOLDER/job.json with my key (signature.json beside it), as submit
 * does: for job folders made by hand (tests, repair).  A file instead: my
 * inbox record (<uid>.vote.json, .release.vote.json, .cancel.json) in
 * inbox/<me>/ of an owner's app folder, signed as scq writes one
 * (<uid>.vote.sig.json beside it; protocol.md §4, "Signed records"). */
SCQ_API int scq_sign_job_folder(scq *h, const char *folder);

/* ---- jobs --------------------------------------------------------------- */

/* Statuses, in the order of the transition table (doc/protocol.md). */
enum scq_status {
	SCQ_PENDING, SCQ_APPROVED, SCQ_RUNNING, SCQ_COMPLETED, SCQ_FAILED,
	SCQ_REJECTED, SCQ_TIMEDOUT, SCQ_CANCELLED, SCQ_STATUS_COUNT
};
SCQ_API const char *scq_status_name(int status); /* "pending", ...; static */
SCQ_API int scq_status_parse(const char *name);  /* -1 if unknown */

/* Who is asking about a job: the data owner it targets, or its requester. */
enum scq_role { SCQ_AS_OWNER = 1, SCQ_AS_REQUESTER = 2, SCQ_AS_ANY = 3 };

/* Accessors: all borrowed from the job; NULL when unset. */
SCQ_API const char *scq_job_uid(const scq_job *j);
SCQ_API const char *scq_job_name(const scq_job *j);
SCQ_API const char *scq_job_requester(const scq_job *j);
SCQ_API const char *scq_job_target(const scq_job *j);
/* The earlier version this job revises (submit --revises), and the job
 * this one runs again (scq rerun). */
SCQ_API const char *scq_job_resubmit_of(const scq_job *j);
SCQ_API const char *scq_job_rerun_of(const scq_job *j);
SCQ_API int scq_job_status(const scq_job *j);
/* Borrowed from the job; NULL when absent.  Times are UTC ISO-8601 text
 * ("2026-11-30T10:00:00.123456Z"): created_at is when the owner received
 * the job (the requester's own copy: when it was submitted). */
SCQ_API const char *scq_job_created_at(const scq_job *j);
SCQ_API const char *scq_job_description(const scq_job *j);
/* Why a finished job did not complete ("nonzero_exit", "approval_timeout",
 * "cancelled", "output_limit", "publish_error", ...), and the message. */
SCQ_API const char *scq_job_error_kind(const scq_job *j);
SCQ_API const char *scq_job_error_message(const scq_job *j);
/* The run's exit code: 1 and *code set if the job ran and one is known
 * (not while held for review), else 0. */
SCQ_API int scq_job_exit_code(const scq_job *j, int *code);
/* The job's tags: how many, and the i-th (borrowed; NULL past the end). */
SCQ_API size_t scq_job_tag_count(const scq_job *j);
SCQ_API const char *scq_job_tag(const scq_job *j, size_t i);
/* The job as the parsed object of scq_job_to_json (borrowed from the job;
 * see scq_value below): the fields without a typed accessor (the run
 * record, its output report). */
SCQ_API const scq_value *scq_job_value(const scq_job *j);
/* 1 if the job ran and its log and outputs wait for the owner's
 * scq_release (setting release=review, or a cancelled run), else 0.  The
 * job's status stays what it is (completed, failed, cancelled). */
SCQ_API int scq_job_results_held(const scq_job *j);
/* The job as the JSON object of `scq show --json` (caller frees with free).
 * In the owner's view (never published to the requester), a job the Slurm
 * executor ran also has "slurm_job_id" (Slurm's id, from its sbatch) and,
 * once the node's report came back, "slurm_node" (the node's host name). */
SCQ_API char *scq_job_to_json(const scq_job *j);
SCQ_API void scq_job_free(scq_job *j);

SCQ_API size_t scq_job_list_count(const scq_job_list *l);
SCQ_API const scq_job *scq_job_list_at(const scq_job_list *l, size_t i); /* borrowed */
/* A JSON array of the jobs (caller frees with free). */
SCQ_API char *scq_job_list_to_json(const scq_job_list *l);
SCQ_API void scq_job_list_free(scq_job_list *l);

/* ---- submitting (the data scientist) ---------------------------------- */

/* The most tags a job may carry (each 1-64 bytes). */
#define SCQ_TAGS_MAX 32

struct scq_submit_options {
	const char *to;           /* the data owner's email (required; any case) */
	const char *folder;       /* folder holding run.sh (required) */
	const char *name;         /* required */
	const char *description;  /* optional */
	const char *const *tags;  /* NULL-terminated, optional */
	long long timeout_seconds; /* approval wait; 0 means 86400 */
	/* A run.sh with Windows (CRLF) line endings is refused (bash misreads
	 * it); non-zero converts CRLF to LF in the submitted copy of run.sh,
	 * never in the folder.  The last member: callers that zero the
	 * struct and do not know it get the refusal. */
	int convert_crlf;
	/* Context for the owner's output checking (what the outputs are,
	 * which disclosure controls were applied): submitted as CONTEXT.md in
	 * the code, which the owner sees beside the held outputs.  A folder
	 * that holds a CONTEXT.md already is refused with it (one context).
	 * NULL: none besides the folder's own CONTEXT.md.  UTF-8, at most
	 * 64 KiB. */
	const char *context;
	/* The uid of an earlier job of mine to the same owner that this one
	 * replaces (returned for changes, or withheld): the owner sees it as
	 * resubmit_of.  NULL: a new job. */
	const char *resubmit_of;
	/* The owner's runtime to run on (its name in the owner's
	 * runtimes.json); NULL: the owner's default_runtime. */
	const char *runtime;
	/* Non-zero: submit even when the folder's requirements.txt is not
	 * satisfied by that runtime (submit refuses it otherwise, with one
	 * line per missing or mismatched package). */
	int force;
};

/* Submit a folder.  On success *uid_out (caller frees with free) is the
 * new job's uid. */
SCQ_API int scq_submit(scq *h, const struct scq_submit_options *o, char **uid_out);

/* Build a temporary folder with script + generated run.sh, as the
 * original's submit_python / submit_bash did, submit it, remove it.
 * language: "python" or "bash". requirements: NULL-terminated or NULL. */
SCQ_API int scq_submit_script(scq *h, const struct scq_submit_options *o,
			      const char *language, const char *script, size_t len,
			      const char *const *requirements, char **uid_out);

/* The job the last successful scq_submit or scq_submit_script through h
 * made, as scq_find(h, uid, SCQ_AS_REQUESTER) shows it right after, built
 * from the record that submit wrote: no lookup.  SCQ_ENOTFOUND if uid is
 * not that job.  Caller frees with scq_job_free. */
SCQ_API int scq_submitted_job(scq *h, const char *uid, scq_job **out);

/* ---- bringing the store up to date ---------------------------------- */

/*
 * scq_refresh: the maintenance that reads do not do, in one call.  It
 * writes (the private store, my outboxes, the audit log, my inbox folders
 * at owners); call it before reading when the view must be current: the
 * scq command does it once before every owner command (list, pending,
 * show, review, approve, logs, wait, status, ...), the runner on each tick
 * (ingest and expiry, scq_run_cycle), the Python binding where its
 * listings and lookups have always done it.  flags, any combination:
 *   SCQ_REFRESH_INGEST       scq_ingest: take every complete, verified job
 *                            from my inbox into my store (pending),
 *                            quarantine invalid entries, process cancel
 *                            requests; scq_notices() then holds its
 *                            notices (quarantined jobs).
 *   SCQ_REFRESH_EXPIRE       move pending jobs whose approval wait is over
 *                            (created_at + timeout_seconds, wall clock) to
 *                            timedout, published and audited ("expire").
 *   SCQ_REFRESH_RECONCILE    republish to the requesters' outboxes every
 *                            status that lags the store, as after a crash
 *                            between a transition and its publication;
 *                            audited "republish" (or "recovered" for a
 *                            state the audit log does not explain).  The
 *                            runner does it once when it starts.
 *   SCQ_REFRESH_SUBMISSIONS  remove my own submissions that never left
 *                            their staging folder at the owner (the submit
 *                            died) once it is 10 minutes old, with my
 *                            record of them (listings hide them anyway).
 *   SCQ_REFRESH_NOTIFY       with the setting notify_command: run it for
 *                            each new status of my submitted jobs that
 *                            the owners published (doc/protocol.md §14),
 *                            each event once (my record: notified.json);
 *                            without it, nothing is read.
 *   SCQ_REFRESH_READS        INGEST | EXPIRE | SUBMISSIONS | NOTIFY: what
 *                            reads did themselves before they became pure,
 *                            and the requester's notifications.
 *   SCQ_REFRESH_ALL          every flag.
 * Any flag first creates my private store and its folders if missing (the
 * data folder itself must exist: SCQ_ECONFIG, as for every call).  0 does
 * nothing.  Steps run in the order above and stop at the first error,
 * which is returned (SCQ_EIO for a full disk, ...; an invalid inbox entry
 * is quarantined, not an error); unknown flags are SCQ_EINVAL.  Safe
 * beside other processes (runner, bots): ingest holds the store's ingest
 * lock, transitions are atomic renames.
 */
enum scq_refresh_flags {
	SCQ_REFRESH_INGEST = 1,
	SCQ_REFRESH_EXPIRE = 2,
	SCQ_REFRESH_RECONCILE = 4,
	SCQ_REFRESH_SUBMISSIONS = 8,
	SCQ_REFRESH_NOTIFY = 16,
	SCQ_REFRESH_READS = 1 | 2 | 8 | 16,
	SCQ_REFRESH_ALL = 31
};
SCQ_API int scq_refresh(scq *h, unsigned flags);

/*
 * Ingest: take every complete, verified job from my inbox into my private
 * store, quarantine the invalid ones and process cancel requests (the
 * first step of scq_refresh, which is what most callers want).  Counts may
 * be NULL.
 */
struct scq_ingest_stats {
	unsigned ingested, quarantined, incomplete, cancelled, expired;
	unsigned deferred; /* complete, but over a per-requester cap: they wait */
};
SCQ_API int scq_ingest(scq *h, struct scq_ingest_stats *st);
/* One line per job quarantined by the last ingest ("" if none); borrowed. */
SCQ_API const char *scq_ingest_notices(const scq *h);
/* Notices of the last ingest or submit, one per line, for the user to read
 * (quarantined jobs; files left out of a submission because SyftBox never
 * syncs them).  "" if none; borrowed. */
SCQ_API const char *scq_notices(const scq *h);

/*
 * List jobs.  role SCQ_AS_OWNER: jobs submitted to me; SCQ_AS_REQUESTER:
 * jobs I submitted (to anyone).  status: -1 for all.  Newest first.
 * A read: the store as it is (see scq_refresh).  Caller frees with
 * scq_job_list_free.
 */
SCQ_API int scq_list(scq *h, int role, int status, scq_job_list **out);

/*
 * Stream jobs to fn one at a time (memory stays flat however many there
 * are).  Owner jobs come most recently changed first; fn's job is borrowed
 * for the call only.  A non-zero return from fn stops the walk and is
 * returned.  A read, like scq_list.
 */
typedef int scq_job_fn(const scq_job *job, void *ctx);
SCQ_API int scq_list_each(scq *h, int role, int status, scq_job_fn *fn, void *ctx);

/*
 * Find one job by full uid or unique prefix (>= 4 characters).  On
 * SCQ_EAMBIGUOUS the message lists the candidates.  A read, like
 * scq_list.  Caller frees.
 */
SCQ_API int scq_find(scq *h, const char *id, int role, scq_job **out);

/* ---- reviewing and deciding (the data owner) ------------------------ */

/*
 * The files of a job's code as the owner reviews them (the private copy):
 * a JSON array of {path, size, mode, sha256}.  Caller frees with free.
 */
SCQ_API int scq_job_files(scq *h, const char *uid, char **json_out);
/* The same as a list (caller frees with scq_file_list_free):
 * scq_file_list_at gives the i-th file's path (borrowed from the list),
 * size in bytes and mode ("0644" or "0755", borrowed); 0, or -1 past the
 * end.  Any out pointer may be NULL. */
typedef struct scq_file_list scq_file_list;
SCQ_API int scq_job_file_list(scq *h, const char *uid, scq_file_list **out);
SCQ_API size_t scq_file_list_count(const scq_file_list *l);
SCQ_API int scq_file_list_at(const scq_file_list *l, size_t i, const char **path,
			     long long *size, const char **mode);
SCQ_API void scq_file_list_free(scq_file_list *l);
/* The most bytes the code of one job may hold (every file together): a
 * max that reads any code file whole. */
#define SCQ_CODE_MAX_BYTES ((size_t)256 << 20)
/* Read one code file (max bytes; 0 means 1 MiB).  Caller frees *data.
 * Each call finds the job and reads its manifest again: to read several
 * files, open the code once (scq_job_code_open). */
SCQ_API int scq_job_read_file(scq *h, const char *uid, const char *path, size_t max,
			      char **data, size_t *len);
/*
 * Versions (doc/protocol.md §4, "resubmit_of"; scq submit --revises).
 *   scq_job_diff   the owner's view of what a revision changed: against
 *                  the nearest earlier version of the chain it approved,
 *                  else the nearest decided one, else the one it names
 *                  (*base_uid, caller frees); file by file, unchanged
 *                  files one line each, added and removed files listed, a
 *                  unified diff (3 lines of context) per changed text
 *                  file, a binary file as sizes and digests.  The text is
 *                  for display: the submitter's bytes are shown with
 *                  markers as scq_escape_text does (valid UTF-8, no
 *                  control character but TAB and LF); caps (1 MiB a side
 *                  of a file, 1000 changed lines, 8 MiB in all) are said
 *                  in it.  A job that revises nothing in my store: 0,
 *                  *base_uid NULL and a text saying so.  Caller frees.
 *   scq_rerun      the owner runs an approved, finished job again: a new
 *                  job (*new_uid, caller frees) with the same code, its
 *                  record naming the first ("rerun_of"), approved by this
 *                  call (the owner's own command, audited as "rerun").
 *                  SCQ_ESTATE unless the job was approved and finished
 *                  (completed or failed); SCQ_EINVAL when its code in the
 *                  store no longer matches the digest approved.
 */
SCQ_API int scq_job_diff(scq *h, const char *uid, char **text, char **base_uid);
SCQ_API int scq_rerun(scq *h, const char *uid, const char *reason, char **new_uid);
/*
 * A job's code, opened once for a review: the job is found and its
 * manifest read and checked once, and the code folder held open, so
 * listing and reading every file costs one manifest read however many
 * files there are.  The folder stays open until scq_job_code_close (the
 * job may be decided meanwhile: reads still see its code).
 *   scq_job_code_open      0; SCQ_ENOTFOUND (no such job in my store) or
 *                          SCQ_EIO (manifest or code folder unreadable),
 *                          the message on h.  Caller closes *out.
 *   scq_job_code_count/at  the files as scq_file_list_count/at give them
 *                          (path and mode borrowed from c).
 *   scq_job_code_read      one listed file (max bytes; 0 means 1 MiB),
 *                          the message on h: SCQ_ENOTFOUND for a path not
 *                          in the manifest, SCQ_EINVAL if larger than
 *                          max.  Caller frees *data.
 *   scq_job_code_close     accepts NULL.
 * A read, like scq_find.
 */
typedef struct scq_job_code scq_job_code;
SCQ_API int scq_job_code_open(scq *h, const char *uid, scq_job_code **out);
SCQ_API size_t scq_job_code_count(const scq_job_code *c);
SCQ_API int scq_job_code_at(const scq_job_code *c, size_t i, const char **path,
			    long long *size, const char **mode);
SCQ_API int scq_job_code_read(scq *h, const scq_job_code *c, const char *path, size_t max,
			      char **data, size_t *len);
SCQ_API void scq_job_code_close(scq_job_code *c);

enum scq_decide_flags { SCQ_ALLOW_NETWORK = 1 };
SCQ_API int scq_approve(scq *h, const char *uid, const char *reason, unsigned flags);
SCQ_API int scq_reject(scq *h, const char *uid, const char *reason);
/*
 * The two-person rule (settings approvals_required, doc/protocol.md §5a).
 * scq_vote: one approval of the pending job uid.  owner NULL (or mine):
 * at my own store, as scq_approve, with *have of *need votes after it
 * (*have >= *need: the job is approved now); a second vote of the same
 * identity, or one by the job's requester, is SCQ_EPERM.  owner another
 * e-mail: I am its delegated reviewer, and my vote goes to its inbox,
 * bound to the code it shared with me for review (*have = -1: counted
 * when the owner reads its inbox).  have and need may be NULL.
 * scq_approve takes the same path when votes are needed.
 * scq_job_votes: the votes of a job as JSON {required, code_sha256,
 * votes: [{by, at, reason}]} (caller frees); the owner's store only.
 */
SCQ_API int scq_vote(scq *h, const char *uid, const char *owner, const char *reason,
		     unsigned flags, int *have, int *need);
SCQ_API int scq_job_votes(scq *h, const char *uid, char **json_out);
/*
 * A delegated reviewer's side: the pending jobs an owner shares with me
 * for review (outbox/<me>/review/<uid>/ in its datasite, §5a), which my
 * scq_vote(h, uid, owner, ...) approves.  Hostile input, checked here.
 *   scq_review_list       the copies shared with me by owner (NULL: by
 *                         every owner in my data folder), newest first, as
 *                         pending jobs (target: the owner; "review_copy":
 *                         true in the object).  A copy whose job.json does
 *                         not fit where it lies is left out, with a line
 *                         in scq_notices.  Caller frees.
 *   scq_review_find       one of them by full uid or unique prefix (>= 4);
 *                         SCQ_ENOTFOUND, SCQ_EAMBIGUOUS (the candidates on
 *                         the one-line message).  Caller frees.
 *   scq_review_code_open  the copy's code to read as scq_job_code_open
 *                         gives a job's: only after its tree is exactly
 *                         its manifest (no link, special file or extra
 *                         entry; sizes and SHA-256) and the job's
 *                         code_sha256 is the manifest's digest, else
 *                         SCQ_EINVAL saying the copy does not match; each
 *                         read is hashed again (SCQ_EINVAL if the file
 *                         changed since).  Caller closes.
 * Reads: they write nothing.
 */
SCQ_API int scq_review_list(scq *h, const char *owner, scq_job_list **out);
SCQ_API int scq_review_find(scq *h, const char *owner, const char *id, scq_job **out);
SCQ_API int scq_review_code_open(scq *h, const char *owner, const char *uid,
				 scq_job_code **out);
/* The identities the owner delegates as approvers (reviewers.json in the
 * store; audited as reviewer-add, reviewer-remove); list: a JSON array of
 * e-mails (caller frees). */
SCQ_API int scq_reviewer_add(scq *h, const char *email);
SCQ_API int scq_reviewer_remove(scq *h, const char *email);
SCQ_API int scq_reviewer_list(scq *h, char **json_out);
/* Owner: publish a finished job's log and outputs to its requester when
 * the setting `release` is `review` (with `auto` this happens at once):
 * scq_release_decide(SCQ_RELEASE_ALL) with the reason "results released to
 * the requester". */
SCQ_API int scq_release(scq *h, const char *uid);

/*
 * The owner's decision on a run awaiting release (doc/protocol.md §6,
 * "Release decisions"), each a row of the state table, audited with its
 * reason, published to the requester: which files were released, which
 * withheld and why.  The log is an output like the others.  Only one
 * decision per run: a second is SCQ_ESTATE.
 *   SCQ_RELEASE_ALL    every output and the log          (event release)
 *   SCQ_RELEASE_FILES  the outputs in files (and the log if log is set);
 *                      the rest withheld, each with its reason from
 *                      withhold or else withhold_reason (default
 *                      "withheld by the data owner")  (release-partial;
 *                      naming every file and the log is a full release)
 *   SCQ_WITHHOLD_ALL   nothing; reason given for each    (withhold)
 *   SCQ_RETURN         nothing; reason is the comment the requester
 *                      reads before resubmitting          (return)
 * reason is required (non-empty UTF-8, <= 4096 bytes), as is each reason
 * given.  A path in files or withhold must name an output file of the
 * run (SCQ_EINVAL otherwise, also for a path named twice).  ack_flags:
 * the owner has seen the disclosure-risk flags of the outputs released
 * (see `scq review-output`); a release of flagged outputs needs it.
 * With release_approvals_required N > 1 (doc/protocol.md §6a) a release
 * of all or some files is one vote, bound to the outputs' digest and to
 * exactly which files (and the log) it releases: 0 is returned, and the
 * decision takes effect only with the N-th distinct approver's vote for
 * the same decision (scq_release_votes tells which happened).  A second
 * vote of the same identity for the same decision, or one by the job's
 * requester, is SCQ_EPERM; another decision by the same identity
 * replaces its vote.  Withholding and returning release nothing and take
 * effect at once.  owner: set to another owner's e-mail, I am its
 * delegated reviewer, and my vote (SCQ_RELEASE_ALL or _FILES only) goes
 * to its inbox, bound to the copy it shared with me (outbox/<me>/
 * release-review/<uid>/), counted when the owner next reads its inbox.
 */
enum scq_release_kind { SCQ_RELEASE_ALL, SCQ_RELEASE_FILES, SCQ_WITHHOLD_ALL, SCQ_RETURN };
struct scq_withheld { const char *path, *reason; };
struct scq_release_options {
	const char *reason;
	const char *const *files;        /* NULL-terminated: SCQ_RELEASE_FILES */
	int log;                         /* SCQ_RELEASE_FILES: release the log too */
	const struct scq_withheld *withhold; /* per-file reasons, nwithhold of them */
	size_t nwithhold;
	const char *withhold_reason;     /* the reason of the other withheld files */
	int ack_flags;
	const char *owner;               /* NULL (me), or a reviewer's vote to owner */
};
SCQ_API int scq_release_decide(scq *h, const char *uid, int kind,
			       const struct scq_release_options *o);
/* The release votes of a job in my store: *need the approvals its release
 * requires (release_approvals_required while held, the decision's own
 * after), *have the distinct votes for the decision I voted for (else the
 * most voted one; after the decision, the votes it holds, or 1 when it
 * needed none).  *decided: 1 once released, withheld or returned.  Any of
 * the three may be NULL.  SCQ_ENOTFOUND: not a job of my store; SCQ_ESTATE:
 * its results were never held; SCQ_EIO; the message on h. */
SCQ_API int scq_release_votes(scq *h, const char *uid, int *have, int *need, int *decided);
/* The job's release state: NULL when its results were never held (setting
 * release=auto, or not run), else "awaiting_release", "released",
 * "partly_released", "withheld" or "returned" (borrowed; the decision
 * itself, with each file's, is "release_decision" in scq_job_value). */
SCQ_API const char *scq_job_release_state(const scq_job *j);
/* A requester's job: whether the owner signed the status.json it came from
 * (protocol.md §6, "Signed status"): "verified", "unsigned", "bad",
 * "unknown-key"; NULL for the owner's own view and for a job not
 * published yet.  The job's value "status_signature" holds the detail. */
SCQ_API const char *scq_job_signature(const scq_job *j);
/* Requester: asks the owner to cancel (through the inbox).  Owner: cancels
 * pending/approved at once, and asks the runner to stop a running job. */
SCQ_API int scq_cancel(scq *h, const char *uid);

/* ---- output checking (the data owner, before a release) -------------- */

/*
 * Disclosure-risk flags of a finished job's outputs and log, as they wait
 * in the owner's store (doc/protocol.md §11): small counts, unrounded
 * counts, zeros and 100 % cells, identifier-like columns, min/max columns,
 * row cap, dominance (n, k) and p %, file type by content, size, types not
 * in release_types, and (SCQ_CHECK_DIFFERENCING) tables that differ from
 * a released one by a few rows.  Flags are never a decision.
 *   scq_output_check       0; SCQ_ENOTFOUND (not a job of my store: a
 *                          requester never gets flags), SCQ_ESTATE (the job
 *                          has not run), SCQ_EIO; the message on h.  Caller
 *                          frees *out with scq_output_flags_free.
 *   scq_output_flags_count the number of flags
 *   scq_output_flags_at    the i-th flag (its strings borrowed from c); 0,
 *                          or -1 past the end
 *   scq_output_flags_fails how many flags have severity "fail"
 *   scq_output_flags_json  {files: [{path, size, type, kind, rows, columns,
 *                          flags, cut}], flags: [{file, row, column, rule,
 *                          severity, message}], fail, review, flags_dropped}
 *                          (caller frees)
 * A flag's row and column count from 1 as a spreadsheet shows the file
 * (a table's header is row 1; a text file's lines are rows); row 0 means
 * the whole column, column 0 the whole line or file.  file is the job's
 * name for the output ("execution.log" for the log): escape it when shown.
 * message is the library's own words and numbers: it carries no byte of
 * any output, so flags may be shown or exported without showing data.
 * A read, like scq_find.
 */
typedef struct scq_output_flags scq_output_flags;
struct scq_output_flag {
	const char *file;
	long long row, column;
	const char *rule;     /* "small-count", "unrounded", ... (protocol §11) */
	const char *severity; /* "fail" or "review" */
	const char *message;
};
enum scq_check_flags { SCQ_CHECK_DIFFERENCING = 1 };
SCQ_API int scq_output_check(scq *h, const char *uid, unsigned flags, scq_output_flags **out);
/* The same checks on a plain folder laid out as a run's results (dir/output/
 * and dir/execution.log, as scq_try leaves them), with my thresholds; no
 * differencing (no released jobs to compare with). */
SCQ_API int scq_output_check_dir(scq *h, const char *dir, scq_output_flags **out);
SCQ_API size_t scq_output_flags_count(const scq_output_flags *c);
SCQ_API int scq_output_flags_at(const scq_output_flags *c, size_t i, struct scq_output_flag *f);
SCQ_API size_t scq_output_flags_fails(const scq_output_flags *c);
SCQ_API char *scq_output_flags_json(const scq_output_flags *c);
SCQ_API void scq_output_flags_free(scq_output_flags *c);
/* Owner: write an ACRO-style results.json (the format SACRO-Viewer opens:
 * ACRO 0.4's version, results keyed by output, each with status, type,
 * files [{name, sdc {summary, cells}}], outcome, command, summary,
 * timestamp, comments, exception) and a copy of each output with its
 * checksum (checksums/NAME.txt) into dir (created; an existing
 * results.json there is refused with SCQ_EPERM).  While the results are
 * held: every output and the log (the owner decides in SACRO-Viewer);
 * once decided: only what was released (SCQ_ESTATE when nothing was). */
SCQ_API int scq_export_acro(scq *h, const char *uid, const char *dir);

/* ---- results ------------------------------------------------------------ */

/*
 * Results as the caller sees them: the owner reads the private store, the
 * requester what the owner published (and SyftBox synced).  For the
 * requester every file is first checked against the published size and
 * SHA-256: SCQ_EINCOMPLETE ("2 of 3 output files have synced; try
 * again") until all are there.  SCQ_ENOTFOUND, with a message saying why,
 * when the job has none (never ran, not finished, results held).
 */
/* The job's execution log (caller frees). */
SCQ_API int scq_job_logs(scq *h, const char *uid, char **text, size_t *len);
/* Part of the log (path NULL) or of one output (path as listed): at most
 * max bytes from byte offset (*data, NUL-terminated, caller frees; *len
 * bytes; empty past the end), and *size the whole file's, so a dashboard
 * pages a 50 MB log without holding it.  The owner reads the store; the
 * requester the published file, which must be listed and have its
 * published size and SHA-256, hashed whole at each read (SCQ_EINCOMPLETE
 * while it syncs or when its bytes are not the owner's).  Errors as
 * scq_job_logs. */
SCQ_API int scq_job_result_read(scq *h, const char *uid, const char *path, long long offset,
				size_t max, char **data, size_t *len, long long *size);
/* Requester: the outputs published to me as JSON [{path, size, sha256}]
 * (caller frees), read from the published status, not from what has synced
 * (SCQ_ENOTFOUND, with why, when there are none).  The owner lists a
 * stored run's outputs with scq_output_check (SCQ_EINVAL here). */
SCQ_API int scq_job_output_files(scq *h, const char *uid, char **json_out);
/* Path of the job's output folder as the caller sees it (caller frees). */
SCQ_API int scq_job_output_dir(scq *h, const char *uid, char **path);
/* Copy the outputs to dir (created).  Resumable: a file already in dir
 * with the published content is kept; one that differs is refused
 * (SCQ_EPERM); files not yet synced are left for the next call. */
SCQ_API int scq_job_output_copy(scq *h, const char *uid, const char *dir);
/* Owner: finish delivering a job's results after a failure (disk full
 * while they were collected or published; `scq status` lists such jobs):
 * collect again from what the store kept, then publish.  Audited as
 * "republish". */
SCQ_API int scq_republish(scq *h, const char *uid);
/* Wait until the job is terminal and, under release review, for its
 * requester, until its results are decided on (not held); SCQ_ETIMEOUT
 * after timeout_seconds
 * (<= 0: forever).  *final_status may be NULL.  A read: it polls (every
 * 0.2 s) for changes others make (the runner, which ingests and expires
 * each tick; an owner publishing to my outbox) and makes none.  An owner
 * that runs no runner and waits for a pending job to expire must refresh
 * between calls: wait in slices, scq_refresh(h, SCQ_REFRESH_READS) between
 * them, as `scq wait` does. */
SCQ_API int scq_wait(scq *h, const char *uid, double timeout_seconds, int *final_status);

/* ---- the runner ----------------------------------------------------------- */

struct scq_run_stats {
	unsigned started, completed, failed, cancelled, recovered, cleaned;
	/* runs whose log or outputs could not be collected or published
	 * (disk full): see `scq status`, then `scq republish ID` */
	unsigned undelivered;
};
/*
 * Events that a long call (scq_run_watch, scq_run_cycle) survives and
 * reports as they happen: an ingest error (a hostile inbox entry, a full
 * disk), the quarantines of each ingest.  fn gets one line (borrowed,
 * NUL-terminated, may hold submitter text: escape it before display) on
 * the calling thread.  NULL removes the hook.
 */
typedef void scq_log_fn(const char *line, void *ctx);
SCQ_API void scq_set_log(scq *h, scq_log_fn *fn, void *ctx);

/* One full cycle as owner: ingest, expire, run every approved job (up to
 * max_concurrent_jobs at once) and wait for them, publish, clean up. */
SCQ_API int scq_run_cycle(scq *h, struct scq_run_stats *st);
/* The same as a loop until *stop becomes non-zero (set it from a signal
 * handler).  Reacts to new work within about a second.  An ingest error
 * never ends either call: the runner reports it (scq_set_log) and goes on
 * serving the running jobs; scq_run_cycle then returns it at its end. */
SCQ_API int scq_run_watch(scq *h, volatile int *stop);

/* ---- owner settings, datasets, audit -------------------------------------- */

/* Value of a setting as text (caller frees).  SCQ_ENOTFOUND: unknown key. */
SCQ_API int scq_config_get(scq *h, const char *key, char **value);
SCQ_API int scq_config_set(scq *h, const char *key, const char *value);
/* All settings as a JSON object (caller frees). */
SCQ_API int scq_config_json(scq *h, char **json_out);
/* NULL-terminated list of known keys; static. */
SCQ_API const char *const *scq_config_keys(void);

SCQ_API int scq_dataset_add(scq *h, const char *name, const char *path);
SCQ_API int scq_dataset_remove(scq *h, const char *name);
/* JSON object name -> path (caller frees). */
SCQ_API int scq_dataset_list(scq *h, char **json_out);

/* ---- runtimes the owner provides (protocol.md §12) ---------------------
 * scq_runtime_add: register the directory path (a venv, a conda prefix,
 *   the host's /usr: a directory itself, not a link, not a file) as name
 *   (1-16 lower-case letters and digits); jobs see it read-only at
 *   /runtime/<name>, its bin first on PATH.  Audited; republishes.
 * scq_runtime_remove: forget one.  Audited; republishes.
 * scq_runtime_list: JSON {name: {path, default}} (caller frees).
 * scq_runtime_publish: scan every runtime's package metadata and write
 *   public/code-queue/runtimes.json on my datasite (world-readable).
 * scq_runtimes_of: an owner's published runtimes.json, read as hostile
 *   input and kept only where it passes the strict forms (caller frees);
 *   SCQ_ENOTFOUND when the owner publishes none.
 * scq_requirements_check: requirements.txt text against a runtime: owner
 *   NULL checks against my own runtimes (scanned now), else against
 *   owner's publication; runtime NULL: the job's default.  *report (caller
 *   frees) is a first line naming the runtime, then one line per problem or
 *   note; *problems their count (0: satisfied or nothing to check). */
SCQ_API int scq_runtime_add(scq *h, const char *name, const char *path);
SCQ_API int scq_runtime_remove(scq *h, const char *name);
SCQ_API int scq_runtime_list(scq *h, char **json_out);
SCQ_API int scq_runtime_publish(scq *h);
SCQ_API int scq_runtimes_of(scq *h, const char *owner, char **json_out);
SCQ_API int scq_requirements_check(scq *h, const char *owner, const char *runtime,
				   const char *text, size_t len, char **report, int *problems);

/*
 * Mock data (doc/protocol.md §13): a folder beside a dataset that anyone
 * (or only readers) may see and try jobs on.  scq_dataset_publish adds the
 * dataset name -> path as scq_dataset_add does (the private data stays
 * private), and publishes a copy of mock on my datasite under
 * public/code-queue/mock/<name>/ (data/, dataset.json with the description
 * and the schema of its CSV/TSV files, syft.pub.yaml: read-only to readers),
 * with my limits (public/code-queue/limits.json).  A mock that is or holds
 * a symlink, a special file or more than the code size cap is refused
 * (SCQ_EINVAL, naming it) and nothing changes.  Names SyftBox never syncs
 * are left out and listed in dataset.json "skipped".
 */
struct scq_mock_options {
	const char *mock;        /* the mock folder (required) */
	const char *description; /* optional, one line, at most 1024 bytes */
	const char *readers;     /* "a@x,b@y"; NULL or "": everyone */
};
SCQ_API int scq_dataset_publish(scq *h, const char *name, const char *path,
				const struct scq_mock_options *o);
/* What owner publishes for jobs, as SyftBox synced it: {"owner",
 * "datasets": [{"name", "description", "files", "schema", "schema_cut",
 * "skipped", "path", "error"}], "limits": {...} or null, "cut": datasets
 * not listed (over 256)}.  The owner's bytes are hostile: escape before
 * display.  Never writes.  Caller frees. */
SCQ_API int scq_datasets_of(scq *h, const char *owner, char **json_out);
/* Datasites that run the queue, from what each publishes in
 * public/code-queue/ as synced here: {"datasites": [{email, is_me,
 * runtimes: [name], default_runtime, datasets: [name], runner: (as
 * scq_ping, without owner)}], "notices": [one line naming a file that
 * could not be read], "cut"}.  Hostile bytes: escape.  Never writes. */
SCQ_API int scq_datasites(scq *h, char **json_out);
/* Is owner's runner alive?  Its heartbeat (public/code-queue/
 * heartbeat.json) as synced here: {owner, state: alive | stale | never |
 * future | unreadable | bad-signature, seen_at, age_seconds,
 * interval_seconds, stale_after_seconds, signature: {state, ...} or null,
 * detail: one line to show}.  Not a job: nothing to approve.  A read. */
SCQ_API int scq_ping(scq *h, const char *owner, char **json_out);

/*
 * A dry run on my own machine: the job in folder goes through the same
 * submit, ingest, approval and runner as at owner's (in a throwaway
 * workspace under out_dir, never owner's store or inbox), under owner's
 * published limits, with owner's mock data at /data/<name> and my own
 * isolation setting, no network.  out_dir receives execution.log,
 * output/, flags.json (the output checks with owner's published
 * thresholds) and result.json (the job as the owner's store shows it).
 * *report_json (caller frees): {"status", "error_kind", "error_message",
 * "exit_code", "out_dir", "outputs": [...], "flags": {...}, "limits":
 * "published" | "defaults", "limits_refused": [...], "datasets": [...], "datasets_left_out": [...]}.
 */
struct scq_try_options {
	const char *folder;  /* holding run.sh (required) */
	const char *owner;   /* whose mock data and limits (required) */
	const char *out_dir; /* created, must be empty; NULL: a new scq-try-XXXXXX
			      * in the current folder */
	const char *name;    /* NULL: "try" */
};
SCQ_API int scq_try(scq *h, const struct scq_try_options *o, char **report_json);

/* Verify the hash chain of the audit log.  *entries may be NULL. */
SCQ_API int scq_audit_verify(scq *h, unsigned long *entries);
/* The audit log path (borrowed). */
SCQ_API const char *scq_audit_path(scq *h);

/* Queue summary as JSON: email, counts as owner and as requester (a read:
 * the store as it is; see scq_refresh). */
SCQ_API int scq_status_json(scq *h, char **json_out);

/* The Slurm backend's node side (`scq exec-node DIR`, run by the batch
 * script executor-slurm.c writes): run the job staged in DIR in the
 * sandbox and write DIR/status.json.  0 once the report is written
 * (whatever the job did); 1 with *message (caller frees) when nothing
 * could run: a stage that is not private, or one started once already. */
SCQ_API int scq_exec_node(const char *dir, char **message);

/* Machine report for `scq doctor` as JSON (caller frees). */
SCQ_API int scq_doctor_json(scq *h, char **json_out);

/* ---- reading the library's JSON ------------------------------------------ */

/*
 * The --json forms above (scq_job_to_json, scq_status_json, scq_doctor_json,
 * scq_config_json, scq_dataset_list, audit lines) are the documents
 * programs print.  A program that shows their fields to people reads them
 * through scq_value, a parsed document, without a JSON library of its own.
 *   scq_value_parse: flags SCQ_VALUE_NO_DUPLICATES refuses an object with a
 *     key twice.  NULL if text is not JSON.  Caller frees with
 *     scq_value_free.
 *   scq_value_dump: compact JSON text; SCQ_VALUE_SORT_KEYS sorts the keys
 *     of every object.  Caller frees with free.
 *   scq_value_type: SCQ_VALUE_NULL for a JSON null and for NULL (absent).
 *   scq_value_get: the member key of an object, NULL if absent (or v is no
 *     object).  Borrowed from the document.
 *   scq_value_size / scq_value_at: the elements of an array, or the
 *     members of an object in their order (*key set, borrowed; key may be
 *     NULL); NULL past the end.
 *   scq_value_string: the text of a string (borrowed), else NULL.
 *   scq_value_int, scq_value_real: the number (0 for another type);
 *     scq_value_is_true: 1 for JSON true only.
 *   scq_value_equal: 1 if both are there and equal JSON values (0 if
 *     either is absent).
 *   scq_value_remove: drop the member key of an object (0, or -1 if there
 *     was none).
 *   scq_json_string: s as a JSON string literal, quotes included (caller
 *     frees); NULL if s is not valid UTF-8.
 */
enum scq_value_type {
	SCQ_VALUE_NULL, SCQ_VALUE_BOOL, SCQ_VALUE_INT, SCQ_VALUE_REAL, SCQ_VALUE_STRING,
	SCQ_VALUE_ARRAY, SCQ_VALUE_OBJECT
};
enum scq_value_flags { SCQ_VALUE_NO_DUPLICATES = 1, SCQ_VALUE_SORT_KEYS = 2 };
SCQ_API scq_value *scq_value_parse(const char *text, unsigned flags);
SCQ_API void scq_value_free(scq_value *v);
SCQ_API char *scq_value_dump(const scq_value *v, unsigned flags);
SCQ_API int scq_value_type(const scq_value *v);
SCQ_API const scq_value *scq_value_get(const scq_value *v, const char *key);
SCQ_API size_t scq_value_size(const scq_value *v);
SCQ_API const scq_value *scq_value_at(const scq_value *v, size_t i, const char **key);
SCQ_API const char *scq_value_string(const scq_value *v);
SCQ_API long long scq_value_int(const scq_value *v);
SCQ_API double scq_value_real(const scq_value *v);
SCQ_API int scq_value_is_true(const scq_value *v);
SCQ_API int scq_value_equal(const scq_value *a, const scq_value *b);
SCQ_API int scq_value_remove(scq_value *v, const char *key);
SCQ_API char *scq_json_string(const char *s);

/* ---- helpers for programs ------------------------------------------------ */

/*
 * Showing submitter text (doc/protocol.md, "Showing submitter text"):
 * text is shown as it is; only what would act on a terminal becomes a
 * visible marker in mathematical angle brackets (U+27E8, U+27E9): C0
 * controls and DEL by name (ESC, CR, NUL, DEL), C1 controls, the format
 * characters below and U+27E8 itself as U+XXXX, and each byte that is not
 * valid UTF-8 as 0xXX.  The result is valid UTF-8.
 *   scq_escape_text: flags SCQ_SHOW_MULTILINE keeps TAB and LF (files,
 *     logs); without it they are markers too (names, table cells).
 *     SCQ_SHOW_MARKED is for scq_errmsg text, which shows submitter names
 *     with markers already: U+27E8 then passes (and counts as a marker).
 *     *markers (may be NULL) gets the number of markers, so the program
 *     can say that some were shown.  Caller frees.
 *   scq_escape_terminal: the one-line form, scq_escape_text(s, len, 0,
 *     NULL).  Caller frees.
 */
enum scq_show_flags { SCQ_SHOW_MULTILINE = 1, SCQ_SHOW_MARKED = 2 };
SCQ_API char *scq_escape_text(const char *s, size_t len, unsigned flags, size_t *markers);
SCQ_API char *scq_escape_terminal(const char *s, size_t len);
/*
 * Bidirectional and invisible format characters, the "Trojan Source"
 * class: a browser or terminal reorders or hides text around them, so
 * every view (CLI, Python, dashboard) shows them as visible markers.
 * This is the one list: the bidi controls (U+061C, U+200E-U+200F,
 * U+202A-U+202E, U+2066-U+2069), zero-width and invisible characters
 * (U+00AD, U+034F, U+200B-U+200D, U+2060-U+2064, U+FEFF, the Hangul and
 * Khmer fillers, variation selectors, U+180B-U+180F), line and paragraph
 * separators (U+2028-U+2029), interlinear annotations (U+FFF9-U+FFFB)
 * and the tag characters (U+E0000-U+E007F).
 *   scq_is_format_char: 1 if the code point cp is one of them, else 0.
 *   scq_format_char_ranges: the list as inclusive {first, last} pairs,
 *     *count of them; static storage, never freed.
 */
SCQ_API int scq_is_format_char(uint32_t cp);
SCQ_API const uint32_t (*scq_format_char_ranges(size_t *count))[2];
/* What in s[0..len) a text view could hide: *nul NUL bytes and *invalid
 * bytes that start no UTF-8 character (either pointer may be NULL).
 * Returns 1 if there is any, else 0.  Reviews warn about such files. */
SCQ_API int scq_text_flaws(const char *s, size_t len, size_t *nul, size_t *invalid);
/* A fresh lowercase UUIDv4 (caller frees). */
SCQ_API char *scq_uuid4(void);
/* 1 if s is a lowercase canonical UUIDv4. */
SCQ_API int scq_uid_valid(const char *s);

#ifdef __cplusplus
}
#endif
#endif
