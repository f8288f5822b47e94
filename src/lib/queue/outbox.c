/*
 * outbox.c - publish a job's status (and, once finished, its log and
 * outputs) to outbox/<requester>/<uid>/ in my datasite, which the app ACL
 * lets only that requester read.
 *
 * Publishing is idempotent: it rewrites from the private store, so the
 * runner can redo it after a crash.  status.json is written last.
 *
 * Rule: the published status stays small (the requester reads it with a
 * 1 MiB cap).  The log is its own file, execution.txt (SyftBox never syncs
 * *.log), and the status only describes it: {file, size, sha256,
 * truncated}; outputs are listed with size and SHA-256 in output_files.
 * Readers check the files against these before calling results complete.
 * A publication that fails (disk full) is recorded in the store
 * (publish-error.json) and shown as error_kind "publish_error" until
 * `scq republish` succeeds.
 */
#include "base/compat.h"
#include <dirent.h>
#include <signal.h>
#include "base/alloc.h"
#include "store/commit.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "store/queue.h"
#include <sodium.h>
#include "store/audit.h"
#include "queue/outbox.h"
#include "queue/release.h"
#include "queue/record.h"
#include "store/state.h"
#include "queue/signed.h"
#include "base/banned.h"

int outbox_open(scq *h, const char *requester, const char *uid)
{
	char *app = app_dir_of(h, h->email);
	struct buf p = BUF_INIT;
	int fd;
	buf_addf(&p, "%s/outbox/%s/%s", app, requester, uid);
	fd = fs_mkdir_p(p.ptr, 0755) < 0 ? -1 :
	     open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		scq_fail_errno(h, "opening outbox '%s'", p.ptr);
	buf_release(&p);
	free(app);
	return fd;
}

/* Copy the store's execution.log to execution.txt and describe it in the
 * status.  A job that never ran has no log: 0 and nothing added. */
static int publish_log(int jobfd, int outfd, json_t *pub, struct buf *err)
{
	crypto_hash_sha256_state hs;
	char hex[65];
	json_t *run = json_object_get(pub, "run"), *o;
	struct fs_copy c;
	memset(&c, 0, sizeof(c));
	c.max = UINT64_MAX;
	c.flags = FS_DEFER_SYNC;
	c.fn = sha256_chunk;
	c.ctx = &hs;
	crypto_hash_sha256_init(&hs);
	if (!fs_exists(jobfd, "execution.log")) /* a job that never ran has no log */
		return json_is_object(run) ? (buf_setf(err, "the run's execution.log is "
						       "missing (not written?)"), -1) : 0;
	/* the copy never replaces: a reader between the two steps finds no
	 * log and says it has not synced yet, which is true */
	unlinkat(outfd, JOB_LOG_FILE, 0);
	if (fs_copy_file(jobfd, "execution.log", outfd, JOB_LOG_FILE, &c) < 0)
		return buf_setf(err, "%s %s: %s", c.fail <= FS_FAIL_TYPE ? "reading" : "writing",
				c.fail <= FS_FAIL_TYPE ? "execution.log" : JOB_LOG_FILE,
				strerror(errno)), -1;
	/* local readers (the owner, one-machine setups) keep execution.log:
	 * a second name for the same inode costs no space */
	unlinkat(outfd, "execution.log", 0);
	if (linkat(outfd, JOB_LOG_FILE, outfd, "execution.log", 0) < 0) {
		/* only a convenience; the synced file is the log */
	}
	sha256_chunk_hex(&hs, hex);
	o = json_pack("{s:s,s:I,s:s,s:b}", "file", JOB_LOG_FILE, "size", (json_int_t)c.copied,
		      "sha256", hex, "truncated",
		      json_is_true(json_object_get(run, "log_truncated")));
	if (!o || json_object_set_new(pub, "log", o) < 0)
		return buf_setf(err, "describing the log in status.json"), -1;
	return 0;
}

/* The log withheld by the owner's decision: none in the outbox. */
static int unpublish_log(int outfd, struct buf *err)
{
	if ((unlinkat(outfd, JOB_LOG_FILE, 0) < 0 && errno != ENOENT) ||
	    (unlinkat(outfd, "execution.log", 0) < 0 && errno != ENOENT))
		return buf_setf(err, "removing the withheld log: %s", strerror(errno)), -1;
	return 0;
}

/* Copy output/ (only the released files, only non-NULL) and list them. */
static int publish_outputs(int jobfd, int outfd, json_t *pub, json_t *only, struct buf *err)
{
	json_t *m = NULL;
	int src = openat(jobfd, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), dst = -1;
	int r = -1;
	if (src < 0) {
		r = errno == ENOENT ? 0 : -1; /* a job that never ran has no outputs */
		if (r)
			buf_setf(err, "reading output/: %s", strerror(errno));
		goto out;
	}
	if (fs_remove_tree(outfd, "output") < 0 || fs_mkdir(outfd, "output", 0755) < 0 ||
	    (dst = openat(outfd, "output", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_setf(err, "outbox output/: %s", strerror(errno));
		goto out;
	}
	m = only ? manifest_copy_only(src, dst, only, err) : manifest_copy_tree(src, dst, err);
	if (m && json_object_set(pub, "output_files", m) == 0)
		r = 0;
out:
	json_decref(m);
	fd_close(&src);
	fd_close(&dst);
	return r;
}

/* Record (or clear, msg NULL) a failed publication in the store. */
static void note_publish_error(int jobfd, const char *msg)
{
	json_t *rec;
	if (!msg) {
		unlinkat(jobfd, PUBLISH_ERROR_FILE, 0);
		return;
	}
	rec = decision_record("scq", msg);
	/* best effort: on a full disk even this may fail; the caller reports
	 * the error anyway (runner, scq republish) */
	json_write_at(jobfd, PUBLISH_ERROR_FILE, rec, 0);
	json_decref(rec);
}

/* Copy log and outputs; their descriptions go to extra.  Returns 0 or an
 * SCQ_E* code (the publication failure is then recorded in the store). */
static int publish_results(scq *h, struct commit *c, const char *uid, int jobfd, int outfd,
			   json_t *pub, json_t *extra)
{
	struct buf err = BUF_INIT;
	json_t *only = job_released_only(pub); /* nothing withheld ever leaves */
	int r = 0;
	json_object_set(extra, "run", json_object_get(pub, "run"));
	if ((job_log_withheld(pub) ? unpublish_log(outfd, &err) :
	     publish_log(jobfd, outfd, extra, &err)) < 0 ||
	    publish_outputs(jobfd, outfd, extra, only, &err) < 0 ||
	    (!c && fs_syncfs(outfd) < 0 &&
	     buf_setf(&err, "syncing the outbox: %s", strerror(errno)) >= 0))
		r = scq_fail(h, SCQ_EIO, "publishing results of job '%s': %s", uid, err.ptr);
	json_object_del(extra, "run");
	note_publish_error(jobfd, r ? scq_errmsg(h) : NULL);
	json_decref(only);
	buf_release(&err);
	return r;
}

/* Whether name is a temporary file of fs_write_atomic/fs_copy_atomic
 * (".NAME.PID.XXXXXXXX.tmp") whose writer is gone: a crash left it. */
static int stale_temp(const char *name)
{
	size_t n = strlen(name);
	const char *end, *p;
	long pid;
	if (name[0] != '.' || n < 16 || strcmp(name + n - 4, ".tmp"))
		return 0;
	end = name + n - 13; /* the '.' before the 8 hex digits */
	if (*end != '.')
		return 0;
	for (p = end; p > name && p[-1] != '.'; p--)
		;
	if (p == end || p - 1 == name)
		return 0;
	pid = strtol(p, NULL, 10);
	return pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Remove what a crashed publication left in the job's outbox folder (its
 * output/ is rewritten whole by publish_outputs). */
static void sweep_stale_temps(int outfd)
{
	int fd = dup(outfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	if (!d) {
		fd_close(&fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (e->d_type != DT_DIR && stale_temp(e->d_name))
			unlinkat(dirfd(d), e->d_name, 0); /* best effort: a leftover */
	closedir(d);
}

int outbox_publish(scq *h, struct commit *c, const char *uid, int status, int with_results)
{
	struct buf err = BUF_INIT;
	scq_job *j = NULL;
	json_t *extra = json_object();
	int jobfd = queue_job_dir(h, status, uid), outfd = -1, r = 0;
	if (jobfd < 0) {
		json_decref(extra);
		return scq_fail_errno(h, "job '%s'", uid);
	}
	j = job_load_store(h, jobfd, status, &err);
	if (!j) {
		r = scq_fail(h, SCQ_EIO, "job '%s': job.json: %s", uid, err.ptr);
		goto out;
	}
	if ((outfd = outbox_open(h, scq_job_requester(j), uid)) < 0) {
		r = SCQ_EIO;
		goto out;
	}
	/* the owner reviews logs and outputs before they leave, and partial
	 * results of a cancelled run are never sent on their own: job.c
	 * decides, the same way for every view of the job */
	if (scq_job_results_held(j)) {
		with_results = 0;
		job_redact_held(j->obj); /* nothing the job chose leaves before release */
		release_share(h, jobfd, uid); /* release_approvals_required > 1 only */
	} else if (scq_job_release_state(j)) {
		release_unshare(h, uid); /* decided: the reviewers' copies go */
	}
	if (with_results) {
		int had_error = fs_exists(jobfd, PUBLISH_ERROR_FILE);
		r = publish_results(h, c, uid, jobfd, outfd, j->obj, extra);
		if (r || had_error) { /* again: the publication record changed */
			scq_job_free(j);
			if (!(j = job_load_store(h, jobfd, status, &err))) {
				r = r ? r : scq_fail(h, SCQ_EIO, "job '%s': job.json: %s", uid,
						     err.ptr);
				goto out;
			}
		}
		json_object_update(j->obj, extra);
	}
	job_redact_withheld(j->obj); /* the run's text goes with its log */
	if (signed_status_write(h, outfd, j->obj, commit_fsflags(c)) < 0 && !r)
		r = scq_fail_errno(h, "publishing status of job '%s'", uid);
	if (r == 0)
		sweep_stale_temps(outfd);
out:
	json_decref(extra);
	scq_job_free(j);
	fd_close(&jobfd);
	fd_close(&outfd);
	buf_release(&err);
	return r;
}

/* The first publication of jobs an ingest pass has just committed to
 * pending: from the record it wrote (a pending job has no other record, so
 * this is what outbox_publish would read back), into outbox/<req>/, open
 * once per batch (*reqfd, -1 at first).  A uid folder made here is new and
 * holds no crashed temp to sweep. */
int outbox_publish_ingested(scq *h, struct commit *c, int *reqfd, const char *uid, json_t *rec)
{
	scq_job *j = job_from_json(job_public_json(h, -1, SCQ_PENDING, rec));
	const char *req = scq_job_requester(j);
	int outfd = -1, made, r = 0;
	if (*reqfd < 0) {
		char *app = app_dir_of(h, h->email);
		struct buf p = BUF_INIT;
		buf_addf(&p, "%s/outbox/%s", app, req);
		*reqfd = fs_mkdir_p(p.ptr, 0755) < 0 ? -1 :
			 open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*reqfd < 0)
			r = scq_fail_errno(h, "opening outbox '%s'", p.ptr);
		buf_release(&p);
		free(app);
		if (r)
			goto out;
	}
	made = mkdirat(*reqfd, uid, 0755) == 0;
	if (!made && errno != EEXIST) {
		r = scq_fail_errno(h, "publishing status of job '%s'", uid);
		goto out;
	}
	outfd = openat(*reqfd, uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (outfd < 0 || signed_status_write(h, outfd, j->obj, commit_fsflags(c)) < 0) {
		r = scq_fail_errno(h, "publishing status of job '%s'", uid);
		goto out;
	}
	if (!made)
		sweep_stale_temps(outfd);
out:
	scq_job_free(j);
	fd_close(&outfd);
	return r;
}

/* The requester was told its results are held, but the store says they
 * were released: a crash hit `scq release` after released.json, inside the
 * publication.  The status alone does not show it. */
static int release_lags(scq *h, int fd, int status, const scq_job *pub)
{
	struct buf err = BUF_INIT;
	scq_job *j;
	int r;
	if (fd < 0 || !pub || pub->status != status || !scq_job_results_held(pub))
		return 0; /* only a held publication reads the store job (few are) */
	j = job_load_store(h, fd, status, &err);
	r = j && !scq_job_results_held(j);
	scq_job_free(j);
	buf_release(&err);
	return r;
}

/* A release decision (released.json) the audit log explains: its row's
 * event, or "republish"/"recovered" (state.c's table, audit_explains). */
static int decision_explained(int fd, json_t *events, const char *uid)
{
	struct buf err = BUF_INIT;
	json_t *d;
	int st;
	if (fd < 0 || !fs_exists(fd, "released.json"))
		return 1;
	d = json_load_file_at(fd, "released.json", SMALL_JSON_MAX, &err);
	st = state_decided(json_string_value(json_object_get(d, "decision")));
	json_decref(d);
	buf_release(&err);
	return st < 0 || audit_explains(events, uid, st);
}

static int reconcile_one(scq *h, int status, const char *uid, json_t *events)
{
	struct buf err = BUF_INIT, p = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	int fd = queue_job_dir(h, status, uid), r = 0;
	scq_job *pub = NULL; /* what the requester was last told */
	char *app = app_dir_of(h, h->email);
	const char *req;
	if (fd >= 0)
		record_load_at(&rec, fd, "job.json", SMALL_JSON_MAX, &err);
	req = rec.requester;
	if (req) {
		json_t *o;
		buf_addf(&p, "%s/outbox/%s/%s/status.json", app, req, uid);
		if ((o = json_load_file_at(AT_FDCWD, p.ptr, SMALL_JSON_MAX * 2, &err)))
			pub = job_from_json(o); /* o now owned by pub */
	}
	int lag = req && (!pub || pub->status != status || release_lags(h, fd, status, pub));
	int unexplained = req && events && (!audit_explains(events, uid, status) ||
					    !decision_explained(fd, events, uid));
	if (lag || unexplained) {
		/* a crash hit between a transition and its publication, or (in a
		 * commit, which publishes before its one audit write) between the
		 * publication and the audit line.  A state the log does not
		 * explain is recorded as "recovered", never passed off as an
		 * ordinary event: a folder placed in the store by hand shows up
		 * the same way, in `scq audit` and in the runner's log */
		/* the job may have moved on meanwhile (another process decided):
		 * then its new state was published by that transition */
		if (unexplained)
			scq_log(h, "job %s is %s in the store but the audit log has no event for "
				"it (a crash, or a folder placed by hand): recorded as 'recovered'",
				uid, scq_status_name(status));
		if (outbox_publish(h, NULL, uid, status, status >= SCQ_COMPLETED) == 0)
			r = audit_append(h, NULL, unexplained ? "recovered" : "republish", uid,
					 "scq", scq_status_name(status), NULL);
	}
	scq_job_free(pub);
	record_release(&rec);
	fd_close(&fd);
	free(app);
	buf_release(&p);
	buf_release(&err);
	return r;
}

int outbox_reconcile(scq *h)
{
	json_t *events = audit_events_by_uid(h);
	int s, r = 0;
	for (s = 0; s < SCQ_STATUS_COUNT && r == 0; s++) {
		int fd = queue_status_dir(h, s);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		while (d && r == 0 && (e = readdir(d)))
			if (scq_uid_valid(e->d_name))
				r = reconcile_one(h, s, e->d_name, events);
		if (d)
			closedir(d);
	}
	json_decref(events);
	return r;
}
