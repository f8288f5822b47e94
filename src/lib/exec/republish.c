/*
 * republish.c - finish the delivery of a job's results after a failure
 * (disk full while its outputs were collected or published), and find the
 * jobs that need it.
 *
 * Rule (doc/protocol.md §7): a failed collection (result.json
 * output.collect_error, error_kind "collect_error") or publication
 * (publish-error.json, error_kind "publish_error") stays visible until
 * `scq republish ID` completes it.  What the job produced stays in the
 * private store meanwhile: output/ (publication) or, with isolation none,
 * sandbox-out/ (collection).  A re-collected run that was otherwise clean
 * moves failed -> completed, audited as "republish".
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "exec/runner.h"
#include "store/audit.h"
#include "queue/outbox.h"
#include "exec/republish.h"
#include "queue/run-record.h"
#include "queue/notify.h"
#include "base/banned.h"

static int collect_failed(const struct run_record *res)
{
	return json_is_string(json_object_get(res->output, "collect_error"));
}

/* Collect again from sandbox-out/ into res (the run's record, rewritten). */
static int recollect(scq *h, const char *uid, int fd, struct run_record *res)
{
	struct buf fail = BUF_INIT;
	json_t *out;
	const char *kind = res->run_error_kind;
	int src = openat(fd, "sandbox-out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	if (src < 0)
		return scq_fail(h, SCQ_ESTATE, "job '%s': its outputs were not kept (they were in the "
				"sandbox's /out, which ended with the run); they cannot be collected "
				"again", uid);
	out = run_collect(h, NULL, fd, src, &fail);
	if (fail.len) {
		r = scq_fail(h, SCQ_EIO, "job '%s': %s", uid, fail.ptr);
		goto out;
	}
	run_set_json(res, RUN_OUTPUT, out);
	/* the run's own outcome comes back (run-job.c keeps it apart) */
	if (res->has & RUN_BIT(RUN_RUN_ERROR_MESSAGE)) /* (a record from before: as it was) */
		run_set_str(res, RUN_ERROR_MESSAGE, res->run_error_message);
	if (!kind && json_is_true(json_object_get(out, "limit_reached"))) {
		kind = "output_limit";
		run_set_str(res, RUN_ERROR_MESSAGE, "Outputs incomplete: entries over "
			    "max_output_bytes or max_output_files were left out; see "
			    "run.output.excluded");
	}
	run_set_str(res, RUN_ERROR_KIND, kind);
out:
	json_decref(out);
	buf_release(&fail);
	return r;
}

/* Re-collect, record and move the job to its true state; 0 or an error. */
static int redo_collect(scq *h, const char *uid, int st, int fd, struct run_record *res)
{
	json_t *nres;
	int to, r = recollect(h, uid, fd, res);
	if (r)
		return r;
	nres = run_record_to_json(res);
	to = res->error_kind ? SCQ_FAILED : SCQ_COMPLETED;
	if (st == SCQ_FAILED) { /* failed -> completed, or its record rewritten */
		r = job_transition(h, NULL, STATE_BY_OWNER, uid, st, to, nres, h->email,
				   "outputs collected again");
	} else { /* a cancelled run stays cancelled: its own outcome */
		r = json_write_at(fd, "result.json", nres, 0) < 0 ?
		    scq_fail_errno(h, "writing result of job '%s'", uid) : 0;
		if (r == 0)
			r = audit_append(h, NULL, "republish", uid, h->email,
					 "outputs collected again", NULL);
		if (r == 0)
			r = outbox_publish(h, NULL, uid, st, 1);
	}
	if (r == 0)
		fs_remove_tree(fd, "sandbox-out");
	json_decref(nres);
	return r;
}

static int republish(scq *h, const char *uid)
{
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, fd = -1, r, have = 0;
	struct run_record res = RUN_RECORD_INIT;
	if (st < 0) {
		int owner;
		char *dir = job_folder_of(h, uid, &owner);
		free(dir);
		return dir ? scq_fail(h, SCQ_EPERM, "job '%s' is not in my queue: only its data "
				      "owner can republish it", uid) :
			     scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	}
	if ((fd = queue_job_dir(h, st, uid)) < 0)
		return scq_fail_errno(h, "job '%s'", uid);
	if (st >= SCQ_COMPLETED)
		have = run_record_load(&res, fd, JOB_JSON_MAX);
	if (have && collect_failed(&res)) {
		r = redo_collect(h, uid, st, fd, &res);
	} else {
		r = outbox_publish(h, NULL, uid, st, st >= SCQ_COMPLETED);
		if (r == 0)
			r = audit_append(h, NULL, "republish", uid, h->email, scq_status_name(st),
					 NULL);
	}
	run_record_release(&res);
	close(fd);
	return r;
}

int scq_republish(scq *h, const char *uid)
{
	int r = republish(h, uid);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}

int republish_undelivered(int jobfd, const struct run_record *res)
{
	return fs_exists(jobfd, PUBLISH_ERROR_FILE) || (res && collect_failed(res));
}
