/*
 * outbox.c - publish a job's status (and, once finished, its log and
 * outputs) to outbox/<requester>/<uid>/ in my datasite, which the app ACL
 * lets only that requester read.
 *
 * Publishing is idempotent: it rewrites from the private store, so the
 * runner can redo it after a crash.  status.json is written last and also
 * carries the log text ("logs", as the original's metadata did), because
 * SyftBox never syncs *.log files.
 */
#include "compat.h"
#include <dirent.h>
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "manifest.h"
#include "queue.h"
#include "banned.h"

#define LOG_IN_STATUS_MAX ((size_t)1 << 20)

static int open_outbox(scq *h, const char *requester, const char *uid)
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

static void publish_log(int jobfd, int outfd, json_t *pub)
{
	struct buf log = BUF_INIT;
	if (fs_read_file(jobfd, "execution.log", LOG_IN_STATUS_MAX * 64, &log) < 0 || !log.len)
		goto out;
	fs_write_atomic(outfd, "execution.log", log.ptr, log.len, FS_DEFER_SYNC);
	if (log.len > LOG_IN_STATUS_MAX) {
		buf_truncate(&log, LOG_IN_STATUS_MAX);
		buf_adds(&log, "\n[log truncated in status.json; see execution.log]\n");
	}
	json_object_set_new(pub, "logs", json_stringn(log.ptr, log.len));
out:
	buf_release(&log);
}

static void publish_outputs(int jobfd, int outfd, json_t *pub)
{
	struct buf err = BUF_INIT;
	json_t *m = NULL;
	int src = openat(jobfd, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), dst = -1;
	if (src < 0)
		goto out;
	fs_remove_tree(outfd, "output");
	if (fs_mkdir(outfd, "output", 0755) < 0 ||
	    (dst = openat(outfd, "output", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	m = manifest_copy_tree(src, dst, &err);
	if (m)
		json_object_set(pub, "output_files", m);
	else
		json_object_set_new(pub, "output_error", json_string(err.ptr));
out:
	json_decref(m);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	buf_release(&err);
}

int outbox_publish(scq *h, const char *uid, int status, int with_results)
{
	struct buf err = BUF_INIT;
	scq_job *j = NULL;
	int jobfd = queue_job_dir(h, status, uid), outfd = -1, r = 0;
	if (jobfd < 0)
		return scq_fail_errno(h, "job '%s'", uid);
	j = job_load_store(h, jobfd, status, &err);
	if (!j) {
		r = scq_fail(h, SCQ_EIO, "job '%s': job.json: %s", uid, err.ptr);
		goto out;
	}
	if ((outfd = open_outbox(h, scq_job_requester(j), uid)) < 0) {
		r = SCQ_EIO;
		goto out;
	}
	/* the owner reviews logs and outputs before they leave, and partial
	 * results of a cancelled run are never sent on their own: job.c
	 * decides, the same way for every view of the job */
	if (scq_job_results_held(j))
		with_results = 0;
	if (with_results) {
		publish_log(jobfd, outfd, j->obj);
		publish_outputs(jobfd, outfd, j->obj);
		if (!h->batch)
			fs_syncfs(outfd);
	}
	if (json_write_at(outfd, "status.json", j->obj, h->batch ? FS_DEFER_SYNC : 0) < 0)
		r = scq_fail_errno(h, "publishing status of job '%s'", uid);
out:
	scq_job_free(j);
	if (jobfd >= 0)
		close(jobfd);
	if (outfd >= 0)
		close(outfd);
	buf_release(&err);
	return r;
}

static int reconcile_one(scq *h, int status, const char *uid)
{
	struct buf err = BUF_INIT, p = BUF_INIT;
	int fd = queue_job_dir(h, status, uid), r = 0;
	json_t *rec = fd >= 0 ? json_load_file_at(fd, "job.json", SMALL_JSON_MAX, &err) : NULL;
	json_t *pub = NULL;
	char *app = app_dir_of(h, h->email);
	const char *req = json_string_value(json_object_get(rec, "requester_email"));
	if (req) {
		buf_addf(&p, "%s/outbox/%s/%s/status.json", app, req, uid);
		pub = json_load_file_at(AT_FDCWD, p.ptr, SMALL_JSON_MAX * 2, &err);
	}
	if (req && (!pub || strcmp(json_string_value(json_object_get(pub, "status")) ?
				   json_string_value(json_object_get(pub, "status")) : "",
				   scq_status_name(status)))) {
		/* a crash hit between a transition and its publication */
		/* the job may have moved on meanwhile (another process decided):
		 * then its new state was published by that transition */
		if (outbox_publish(h, uid, status, status >= SCQ_COMPLETED) == 0)
			r = audit_append(h, "republish", uid, "scq", scq_status_name(status), NULL);
	}
	json_decref(pub);
	json_decref(rec);
	if (fd >= 0)
		close(fd);
	free(app);
	buf_release(&p);
	buf_release(&err);
	return r;
}

int outbox_reconcile(scq *h)
{
	int s, r = 0;
	for (s = 0; s < SCQ_STATUS_COUNT && r == 0; s++) {
		int fd = queue_status_dir(h, s);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		while (d && r == 0 && (e = readdir(d)))
			if (scq_uid_valid(e->d_name))
				r = reconcile_one(h, s, e->d_name);
		if (d)
			closedir(d);
	}
	return r;
}
