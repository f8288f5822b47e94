/*
 * job.h - the job object (struct scq_job) and how it is assembled from the
 * records of the private store, or from a published status.json.
 *
 * Store layout of one job (doc/protocol.md):  jobs/<status>/<uid>/
 *   job.json        what was submitted (immutable after ingest)
 *   manifest.json   the code files (immutable)
 *   code/           the verified private copy the owner reviews
 *   approved.json rejected.json cancelled.json timedout.json
 *                   decision records, written before the rename they
 *                   justify; only those consistent with the directory
 *                   the job is in are read
 *   running.json    written by the runner after its claim
 *   result.json     the run record, written before the final rename
 *   released.json   the owner's decision on held results (release review):
 *                   {at, by, reason, decision, log, files}, decision the
 *                   event of its row in state.c (no decision: an older
 *                   record, everything released)
 *   execution.log   output/
 *   slurm.json      {job_id, staged, node?}: the Slurm backend's record of
 *                   its sbatch (node: once the node's report came back)
 *   publish-error.json  {at, by, reason}: the last publication of the log
 *                   and outputs failed (disk full); removed by the next
 *                   one that succeeds (scq republish)
 *
 * Exports (job.c): job_obj, job_from_raw, job_from_json, job_load_store,
 * job_public_json, job_add_slurm, job_list_add, job_list_new, job_list_sort_newest,
 * job_mark_deadline, job_folder_of, job_results_held, job_release_view,
 * job_released_only, job_redact_held,
 * job_redact_withheld, job_log_withheld, decision_file,
 * submitted_by_me, job_tombstone, job_removed.
 * Exports (listing.c): submission_staging.
 */
#ifndef SCQ_JOB_H
#define SCQ_JOB_H

#include "store/handle.h"
#include "base/fs.h"

struct scq_job {
	json_t *obj; /* the public JSON object (parsed from raw on first use) */
	char *raw;   /* pre-rendered compact JSON of a pending job, or NULL */
	int status;
};

/* The job's object, parsing the pre-rendered text on first use. */
json_t *job_obj(const scq_job *j);
/* A pending job from its pre-rendered public.json text (takes raw). */
scq_job *job_from_raw(char *raw);

struct scq_job_list {
	scq_job **v;
	size_t n, alloc;
};

/* Take a reference-owning public object; status from its "status". */
scq_job *job_from_json(json_t *obj);
/* Load jobs/<status>/<uid> from the store (dirfd: that job's folder). */
scq_job *job_load_store(scq *h, int jobfd, int status, struct buf *err);
/* Public object from the store records (new reference); h: the owner's
 * settings (results held for review, see job.c). */
json_t *job_public_json(scq *h, int jobfd, int status, json_t *rec);
/* The owner's view only (never published): slurm_job_id and slurm_node of
 * a job the Slurm backend ran, from its slurm.json in folder fd. */
void job_add_slurm(json_t *o, int fd);

void job_list_add(scq_job_list *l, scq_job *j);
scq_job_list *job_list_new(void);
void job_list_sort_newest(scq_job_list *l);

/*
 * A pending job's folder carries its approval deadline as its mtime, with
 * this nanosecond value as the mark that it was set: listings then expire
 * and print pending jobs from one stat and their pre-rendered public.json,
 * without parsing anything.  Without the mark they take the slow path.
 */
#define DEADLINE_MARK_NSEC 123456789L
/* Record the deadline of jobs/pending/<uid> (after its commit): its store
 * record's record_deadline. */
int job_mark_deadline(int pending_dir, const char *uid, double deadline);

/* The log as published in the outbox (a name SyftBox syncs). */
#define JOB_LOG_FILE "execution.txt"
#define PUBLISH_ERROR_FILE "publish-error.json"

/* Where the job's files are for me: its store folder (owner, *owner_view
 * 1) or my outbox copy at its owner (requester).  NULL if unknown; caller
 * frees. */
char *job_folder_of(scq *h, const char *uid, int *owner_view);

/* If my submission record rec names a job still in its staging folder at
 * the owner, never published (a crashed or running submit): that folder's
 * path (caller frees), *age (may be NULL) its age in seconds.  Else NULL.
 * listing.c; it only reads. */
struct job_record;
char *submission_staging(scq *h, const struct job_record *rec, double *age);

/* Whether the run of the job at jobfd (res: its result.json, NULL if none)
 * has results held for the owner's release. */
struct run_record;
int job_results_held(scq *h, int jobfd, int status, const struct run_record *res);
/* The release part of the public record of the job in jobfd, alone:
 * results_held, release_state and release_decision as job_public_json
 * gives them (res: its run record, NULL if none).  A new reference. */
json_t *job_release_view(scq *h, int jobfd, int status, const struct run_record *res);
/* The outputs the owner's decision in pub (a public record or a release
 * view) released, as keys; NULL: all of them (release auto, or a full
 * release from before files were named).  A new reference. */
json_t *job_released_only(json_t *pub);

/* Rule (protocol §6): until the release, a held job's published status
 * carries no text the job chose: keep only the fixed state, timestamps
 * and counts of its run (no-op for a job that is not held). */
void job_redact_held(json_t *pub);
/* The owner's decision withheld the log (release_decision.log.released
 * false): then the run's text, which goes with the log, is cut from pub
 * as while held (job_redact_withheld; no-op otherwise). */
int job_log_withheld(json_t *pub);
void job_redact_withheld(json_t *pub);

/* Decision/record file consulted for a status. */
const char *decision_file(int status);

/* Did I submit a job with this uid (my requester record submitted/<uid>.json
 * exists)?  Another requester who learnt the uid (I submitted to its site)
 * must not take it over in my store (ingest), and the owner's decisions
 * name the role (decide.c). */
int submitted_by_me(scq *h, const char *uid);
/* A job the clean-up removes leaves removed/<uid>.json in the store: its
 * inbox folder, signature and all, may be replayed (by the sync server,
 * which keeps every file it moved) once the store has forgotten the uid,
 * and would be taken, and run, again.  job_removed: is there one? */
int job_tombstone(scq *h, const char *uid, const char *requester);
int job_removed(scq *h, const char *uid);

#endif
