/*
 * queue.c - state directories, transitions, decisions and expiry.
 *
 * Crash argument (doc/protocol.md §5): a transition writes its record file
 * inside the job folder, then renames the folder.  A crash before the
 * rename leaves the job in its old state with a record the loader ignores
 * (it reads only records consistent with the folder); a crash after the
 * rename leaves the new state durable, and outbox publication, which is
 * idempotent, is redone by the next runner start.
 */
#include "compat.h"
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "queue.h"
#include "banned.h"

int queue_status_dir(scq *h, int status)
{
	struct buf rel = BUF_INIT;
	int fd;
	buf_addf(&rel, "jobs/%s", scq_status_name(status));
	fd = store_subdir(h, rel.ptr);
	buf_release(&rel);
	return fd;
}

int queue_locate(scq *h, const char *uid)
{
	int s, base = store_peek(h);
	struct buf rel = BUF_INIT;
	if (base < 0 || !scq_uid_valid(uid))
		return -1;
	for (s = 0; s < SCQ_STATUS_COUNT; s++) {
		buf_setf(&rel, "jobs/%s/%s", scq_status_name(s), uid);
		if (fs_exists(base, rel.ptr))
			break;
	}
	buf_release(&rel);
	return s < SCQ_STATUS_COUNT ? s : -1;
}

int queue_job_dir(scq *h, int status, const char *uid)
{
	struct buf rel = BUF_INIT;
	int base = store_peek(h), fd;
	if (base < 0)
		return base;
	buf_addf(&rel, "jobs/%s/%s", scq_status_name(status), uid);
	fd = openat(base, rel.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	buf_release(&rel);
	return fd;
}

json_t *decision_record(const char *by, const char *reason)
{
	char now[ISO_LEN];
	time_now_iso(now);
	return json_pack("{s:s,s:s,s:o}", "at", now, "by", by, "reason",
			 reason && *reason ? json_name(reason) : json_null());
}

static int write_record(scq *h, int status, const char *uid, int to, json_t *record)
{
	const char *name = to == SCQ_RUNNING ? "running.json" :
			   (to == SCQ_COMPLETED || to == SCQ_FAILED ||
			    (to == SCQ_CANCELLED && status == SCQ_RUNNING)) ? "result.json" :
			   decision_file(to);
	int fd = queue_job_dir(h, status, uid), r = 0;
	if (fd < 0)
		return errno == ENOENT ? SCQ_ESTATE : scq_fail_errno(h, "job '%s'", uid);
	if (json_write_at(fd, name, record, SYNC_FLAGS(h)) < 0)
		r = scq_fail_errno(h, "writing record '%s' of job '%s'", name, uid);
	if (!r && to == SCQ_CANCELLED && status == SCQ_RUNNING &&
	    json_write_at(fd, "cancelled.json", json_object_get(record, "cancel"), SYNC_FLAGS(h)) < 0)
		r = scq_fail_errno(h, "writing cancel record of job '%s'", uid);
	close(fd);
	return r;
}

static int state_error(scq *h, const char *uid, int from)
{
	int now = queue_locate(h, uid);
	if (now < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	return scq_fail(h, SCQ_ESTATE, "job '%s' is %s, not %s", uid,
			scq_status_name(now), scq_status_name(from));
}

int queue_transition(scq *h, const char *uid, int from, int to, json_t *record,
		     const char *event, const char *actor, const char *reason)
{
	int src = -1, dst = -1, r = 0;
	const char *digest = NULL;
	if (record && (r = write_record(h, from, uid, to, record)) != 0)
		return r == SCQ_ESTATE ? state_error(h, uid, from) : r;
	src = queue_status_dir(h, from);
	dst = queue_status_dir(h, to);
	if (src < 0 || dst < 0) {
		r = src < 0 ? src : dst;
		goto out;
	}
	if (fs_rename(src, uid, dst, uid, SYNC_FLAGS(h)) < 0) {
		r = errno == ENOENT || errno == EEXIST ? state_error(h, uid, from) :
		    scq_fail_errno(h, "moving job '%s' to %s", uid, scq_status_name(to));
		goto out;
	}
	if (record)
		digest = json_string_value(json_object_get(record, "code_sha256"));
	r = audit_append(h, event, uid, actor, reason, digest);
	if (!r && (r = outbox_publish(h, uid, to, to >= SCQ_COMPLETED)) != 0 &&
	    queue_locate(h, uid) != to)
		r = 0; /* already moved on (a runner claimed it): the next state publishes */
out:
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return r;
}

static int expire_one(scq *h, int dirfd, const char *uid, double now, unsigned *n)
{
	struct buf err = BUF_INIT, rel = BUF_INIT;
	json_t *rec, *d;
	double created;
	long long t;
	int r = 0;
	buf_addf(&rel, "%s/job.json", uid);
	rec = json_load_file_at(dirfd, rel.ptr, SMALL_JSON_MAX, &err);
	if (!rec)
		goto out;
	t = json_integer_value(json_object_get(rec, "timeout_seconds"));
	if (time_parse_iso(json_string_value(json_object_get(rec, "created_at")), &created) < 0 ||
	    now <= created + (double)t)
		goto out;
	d = decision_record("scq", "job expired: the data owner did not decide "
			    "within its timeout");
	r = queue_transition(h, uid, SCQ_PENDING, SCQ_TIMEDOUT, d, "expire", "scq",
			     "approval timeout");
	json_decref(d);
	if (r == 0)
		(*n)++;
	else if (r == SCQ_ESTATE)
		r = 0; /* decided meanwhile */
out:
	json_decref(rec);
	buf_release(&err);
	buf_release(&rel);
	return r;
}

#include <dirent.h>

int queue_expire(scq *h, unsigned *expired)
{
	int fd = queue_status_dir(h, SCQ_PENDING), r = 0;
	double now = time_now();
	unsigned n = 0;
	DIR *d;
	struct dirent *e;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return scq_fail_errno(h, "reading pending jobs");
	}
	while (r == 0 && (e = readdir(d)))
		if (scq_uid_valid(e->d_name))
			r = expire_one(h, dirfd(d), e->d_name, now, &n);
	closedir(d);
	if (expired)
		*expired += n;
	return r;
}
