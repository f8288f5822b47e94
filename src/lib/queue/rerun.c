/*
 * rerun.c - scq rerun: the owner runs an approved, finished job again
 * (the public scq_rerun; scq.h holds its contract, doc/protocol.md §5
 * the model).
 *
 * A rerun is a new job, not a second life of the old one: the old job
 * keeps its one state and its results, and the new one goes through the
 * same states as any job (approved, running, completed or failed), so
 * "one state at a time" and "no run without an approval" hold as they
 * are.  Its approval is written by this call, the owner's own command,
 * for the digest the owner approved the first time (state.c's row
 * staged -> approved, event "rerun"); nothing approves a job by itself.
 * Under the two-person rule (approvals_required > 1) there is no rerun:
 * one command cannot stand for two votes.
 * The code is copied from the first job's store folder with every file
 * hashed while it is copied: a store changed on disk since the approval
 * (a file edited by hand) is refused, never run.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "base/clock.h"
#include "queue/decide.h"
#include "queue/manifest.h"
#include "queue/outbox.h"
#include "queue/record.h"
#include "store/audit.h"
#include "store/commit.h"
#include "store/handle.h"
#include "store/queue.h"
#include "store/settings.h"
#include "store/state.h"
#include "queue/notify.h"
#include "base/banned.h"

/* What the first job holds, read once and checked against its approval. */
struct first {
	struct job_record rec;
	struct decision approval;
	json_t *manifest; /* manifest.json as it is */
	char digest[65];
};

static int load_first(scq *h, const char *uid, int jobfd, struct first *f)
{
	struct buf err = BUF_INIT;
	json_t *ap = json_load_file_at(jobfd, "approved.json", SMALL_JSON_MAX, &err);
	int r = 0;
	decision_from_json(&f->approval, ap);
	json_decref(ap);
	if (!ap) {
		r = scq_fail(h, SCQ_ESTATE, "job '%s' has no approval record: only an approved "
			     "job can be rerun", uid);
		goto out;
	}
	f->manifest = json_load_file_at(jobfd, "manifest.json", JOB_JSON_MAX, &err);
	if (record_load_at(&f->rec, jobfd, "job.json", JOB_JSON_MAX, &err) < 0 || !f->manifest ||
	    manifest_validate(json_object_get(f->manifest, "files"), &err) < 0) {
		r = scq_fail(h, SCQ_EIO, "job '%s': its records cannot be read: %s", uid, err.ptr);
		goto out;
	}
	manifest_digest(json_object_get(f->manifest, "files"), f->digest);
	if (!f->approval.code_sha256 || strcmp(f->digest, f->approval.code_sha256) ||
	    !f->rec.code_sha256 || strcmp(f->digest, f->rec.code_sha256))
		r = scq_fail(h, SCQ_EINVAL, "job '%s': its manifest digest is not the one approved "
			     "(the code changed since its approval): not rerun", uid);
out:
	buf_release(&err);
	return r;
}

/* tmp/<nu>/: job.json, manifest.json and code/ copied and verified. */
static int stage_copy(scq *h, int tmp, int jobfd, const char *uid, const char *nu,
		      const struct first *f)
{
	struct job_record rec = f->rec; /* a view: its strings stay f's */
	struct buf err = BUF_INIT;
	char now[ISO_LEN];
	json_t *o = NULL;
	int dir = -1, src = -1, dst = -1, r = 0, v;
	if (fs_mkdir(tmp, nu, 0700) < 0 ||
	    (dir = openat(tmp, nu, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fs_mkdir(dir, "code", 0700) < 0 ||
	    (dst = openat(dir, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "staging the rerun of job '%s'", uid);
		goto out;
	}
	src = openat(jobfd, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	v = src < 0 ? VERIFY_BAD : manifest_copy_verified(src, dst,
							   json_object_get(f->manifest, "files"), &err);
	if (v != VERIFY_OK) {
		r = scq_fail(h, SCQ_EINVAL, "job '%s': its code in the store is not the code "
			     "approved (%s): not rerun", uid, src < 0 ? "no code folder" : err.ptr);
		goto out;
	}
	time_now_iso(now);
	rec.uid = (char *)nu;
	rec.rerun_of = (char *)uid;
	rec.resubmit_of = NULL; /* a second run, not a revision: rerun_of only */
	rec.created_at = now;
	o = record_to_json(&rec, RECORD_STORE);
	if (json_write_at(dir, "manifest.json", f->manifest, 0) < 0 ||
	    json_write_at(dir, "job.json", o, 0) < 0)
		r = scq_fail_errno(h, "staging the rerun of job '%s'", uid);
out:
	json_decref(o);
	fd_close(&dir);
	fd_close(&src);
	fd_close(&dst);
	buf_release(&err);
	return r;
}

/* The owner's approval of the new job: the first one's digest and
 * network choice, naming the new job and the one it reruns. */
static json_t *rerun_approval(scq *h, const char *uid, const char *nu, const char *reason,
			      const struct first *f)
{
	json_t *d = decision_record(h->email, reason ? reason : "rerun");
	json_object_set_new(d, "code_sha256", json_string(f->digest));
	json_object_set_new(d, "allow_network", json_boolean(f->approval.allow_network));
	json_object_set_new(d, "uid", json_string(nu));
	json_object_set_new(d, "rerun_of", json_string(uid));
	return d;
}

static int approve_staged(scq *h, int tmp, const char *uid, const char *nu,
			  const char *reason, const struct first *f)
{
	struct commit c;
	struct buf why = BUF_INIT;
	json_t *d = rerun_approval(h, uid, nu, reason, f);
	int appr = queue_status_dir(h, SCQ_APPROVED), r;
	commit_begin(h, &c);
	r = appr < 0 ? appr : state_move_at(h, &c, STATE_BY_OWNER, tmp, appr, nu, STATE_STAGED,
					    SCQ_APPROVED, d);
	buf_addf(&why, "rerun of %s%s%s", uid, reason ? ": " : "", reason ? reason : "");
	if (r == 0)
		r = audit_append(h, &c, "rerun", nu, h->email, why.ptr, f->digest);
	if (r == 0)
		r = outbox_publish(h, &c, nu, SCQ_APPROVED, 0);
	if (commit_end(&c) && r == 0)
		r = SCQ_EIO;
	fd_close(&appr);
	json_decref(d);
	buf_release(&why);
	return r;
}

static int rerun(scq *h, const char *uid, const char *reason, char **new_uid)
{
	struct first f = { RECORD_INIT, DECISION_INIT, NULL, { 0 } };
	char *nu = NULL;
	int st, r, jobfd = -1, tmp = -1;
	*new_uid = NULL;
	if ((r = decide_reason_ok(h, reason)) || (r = decide_owner_job(h, uid, &st)))
		return r;
	/* one person's command approves a rerun: never under the two-person
	 * rule, which a rerun would otherwise bypass */
	if (setting_int(h, SET_APPROVALS_REQUIRED) > 1)
		return scq_fail(h, SCQ_EPERM, "job '%s': approvals_required is %lld, and a rerun is "
				"approved by one command: submit it again (--revises) for the "
				"votes", uid, setting_int(h, SET_APPROVALS_REQUIRED));
	if (st != SCQ_COMPLETED && st != SCQ_FAILED)
		return scq_fail(h, SCQ_ESTATE, "job '%s' is %s: only a job that was approved and "
				"has run (completed or failed) can be rerun", uid,
				scq_status_name(st));
	jobfd = queue_job_dir(h, st, uid);
	if (jobfd < 0) {
		r = scq_fail_errno(h, "opening job '%s'", uid);
		goto out;
	}
	if ((r = load_first(h, uid, jobfd, &f)) != 0)
		goto out;
	nu = scq_uuid4();
	tmp = store_subdir(h, "tmp");
	r = tmp < 0 ? tmp : stage_copy(h, tmp, jobfd, uid, nu, &f);
	if (r == 0)
		r = approve_staged(h, tmp, uid, nu, reason, &f);
	if (r && tmp >= 0 && queue_locate(h, nu) < 0)
		fs_remove_tree(tmp, nu); /* staged only: nothing told of it */
	if (r == 0) {
		*new_uid = nu; /* now owned by the caller */
		nu = NULL;
	}
out:
	free(nu);
	fd_close(&jobfd);
	fd_close(&tmp);
	record_release(&f.rec);
	decision_release(&f.approval);
	json_decref(f.manifest);
	return r;
}

int scq_rerun(scq *h, const char *uid, const char *reason, char **new_uid)
{
	int r = rerun(h, uid, reason, new_uid);
	notify_flush(h); /* its moves, told with no lock held */
	return r;
}
