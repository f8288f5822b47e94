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
#include "base/banned.h"

json_t *republish_result(int fd)
{
	struct buf err = BUF_INIT;
	json_t *o = fs_exists(fd, "result.json") ?
		    json_load_file_at(fd, "result.json", JOB_JSON_MAX, &err) : NULL;
	buf_release(&err);
	return o;
}

static int collect_failed(json_t *res)
{
	return json_string_value(json_object_get(json_object_get(res, "output"),
						 "collect_error")) != NULL;
}

/* Collect again from sandbox-out/: *nres_out gets the new result record. */
static int recollect(scq *h, const char *uid, int fd, json_t *res, json_t **nres_out)
{
	struct buf fail = BUF_INIT;
	json_t *out, *nres = NULL;
	const char *kind;
	int src = openat(fd, "sandbox-out", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	if (src < 0) {
		r = scq_fail(h, SCQ_ESTATE, "job '%s': its outputs were not kept (they were in the "
			 "sandbox's /out, which ended with the run); they cannot be collected "
			 "again", uid);
		goto out;
	}
	out = run_collect(h, NULL, fd, src, &fail);
	if (fail.len) {
		json_decref(out);
		r = scq_fail(h, SCQ_EIO, "job '%s': %s", uid, fail.ptr);
		goto out;
	}
	nres = json_deep_copy(res);
	json_object_set_new(nres, "output", out);
	kind = json_string_value(json_object_get(res, "run_error_kind"));
	json_object_set(nres, "error_message", json_object_get(res, "run_error_message"));
	if (!kind && json_is_true(json_object_get(out, "limit_reached"))) {
		kind = "output_limit";
		json_object_set_new(nres, "error_message", json_string("Outputs incomplete: "
			"entries over max_output_bytes or max_output_files were left out; "
			"see run.output.excluded"));
	}
	json_object_set_new(nres, "error_kind", kind ? json_string(kind) : json_null());
out:
	buf_release(&fail);
	*nres_out = nres;
	return r;
}

/* Re-collect, record and move the job to its true state; 0 or an error. */
static int redo_collect(scq *h, const char *uid, int st, int fd, json_t *res)
{
	json_t *nres = NULL;
	int to, r = recollect(h, uid, fd, res, &nres);
	if (r)
		return r;
	to = json_is_null(json_object_get(nres, "error_kind")) ? SCQ_COMPLETED : SCQ_FAILED;
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

int scq_republish(scq *h, const char *uid)
{
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, fd = -1, r;
	json_t *res = NULL;
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
	res = st >= SCQ_COMPLETED ? republish_result(fd) : NULL;
	if (res && collect_failed(res)) {
		r = redo_collect(h, uid, st, fd, res);
	} else {
		r = outbox_publish(h, NULL, uid, st, st >= SCQ_COMPLETED);
		if (r == 0)
			r = audit_append(h, NULL, "republish", uid, h->email, scq_status_name(st),
					 NULL);
	}
	json_decref(res);
	close(fd);
	return r;
}

int republish_undelivered(int jobfd, json_t *res)
{
	return fs_exists(jobfd, PUBLISH_ERROR_FILE) || (res && collect_failed(res));
}
