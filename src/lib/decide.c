/*
 * decide.c - listing, finding and deciding on jobs.
 *
 * Owner views read the private store (after ingest); requester views read
 * the statuses owners published to outbox/<me>/ plus my own record of what
 * I submitted, so a job is visible to its requester from the moment it is
 * submitted.  Only the owner a job targets may approve or reject it; the
 * requester may only ask for a cancel, through its inbox folder.
 */
#include "compat.h"
#include <dirent.h>
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "queue.h"
#include "banned.h"

static int list_status_dir(scq *h, int status, scq_job_list *l)
{
	int fd = queue_status_dir(h, status);
	struct buf err = BUF_INIT;
	DIR *d;
	struct dirent *e;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return scq_fail_errno(h, "reading %s jobs", scq_status_name(status));
	}
	while ((e = readdir(d))) {
		int jfd;
		scq_job *j;
		if (!scq_uid_valid(e->d_name))
			continue;
		jfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (jfd < 0)
			continue; /* moved meanwhile */
		j = job_load_store(jfd, status, &err);
		close(jfd);
		if (j)
			job_list_add(l, j);
	}
	closedir(d);
	buf_release(&err);
	return 0;
}

static int list_owner(scq *h, int status, scq_job_list *l)
{
	int s, r = scq_ingest(h, NULL);
	if (r == 0 && (status < 0 || status == SCQ_PENDING))
		r = queue_expire(h, NULL);
	for (s = 0; r == 0 && s < SCQ_STATUS_COUNT; s++)
		if (status < 0 || status == s)
			r = list_status_dir(h, s, l);
	return r;
}

/* Published status of one of my jobs at an owner, or NULL. */
static json_t *published_status(scq *h, const char *owner, const char *uid)
{
	char *app = app_dir_of(h, owner);
	struct buf rel = BUF_INIT, err = BUF_INIT;
	json_t *o;
	buf_addf(&rel, "%s/outbox/%s/%s/status.json", app, h->email, uid);
	o = json_load_file_at(AT_FDCWD, rel.ptr, SMALL_JSON_MAX, &err);
	buf_release(&rel);
	buf_release(&err);
	free(app);
	return o;
}

static int list_requester(scq *h, int status, scq_job_list *l)
{
	int fd = store_subdir(h, "submitted");
	struct buf err = BUF_INIT;
	DIR *d;
	struct dirent *e;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	while (d && (e = readdir(d))) {
		json_t *rec, *pub;
		scq_job *j;
		if (e->d_name[0] == '.' || !(rec = json_load_file_at(dirfd(d), e->d_name,
								   SMALL_JSON_MAX, &err)))
			continue;
		pub = published_status(h, json_string_value(json_object_get(rec, "target_email")),
				       json_string_value(json_object_get(rec, "uid")));
		if (pub && json_equal(json_object_get(pub, "uid"), json_object_get(rec, "uid"))) {
			json_object_set(pub, "created_at", json_object_get(rec, "created_at"));
			j = job_from_json(pub);
			json_decref(rec);
		} else {
			json_decref(pub);
			j = job_from_json(rec);
		}
		if (status < 0 || j->status == status)
			job_list_add(l, j);
		else
			scq_job_free(j);
	}
	if (d)
		closedir(d);
	buf_release(&err);
	return 0;
}

int scq_list(scq *h, int role, int status, scq_job_list **out)
{
	scq_job_list *l = job_list_new();
	int r = 0;
	if (role & SCQ_AS_OWNER)
		r = list_owner(h, status, l);
	if (r == 0 && (role & SCQ_AS_REQUESTER))
		r = list_requester(h, status, l);
	if (r) {
		scq_job_list_free(l);
		return r;
	}
	job_list_sort_newest(l);
	*out = l;
	return 0;
}

static int find_in(scq *h, scq_job_list *l, const char *id, scq_job **out, int *nmatch,
		   struct buf *cands)
{
	size_t i, n = strlen(id);
	for (i = 0; i < l->n; i++) {
		const char *uid = scq_job_uid(l->v[i]);
		if (!uid || strncmp(uid, id, n))
			continue;
		if (*out && !strcmp(scq_job_uid(*out), uid))
			continue; /* same job seen as owner and requester */
		(*nmatch)++;
		buf_addf(cands, "\n  %.12s  %s", uid, scq_job_name(l->v[i]) ? scq_job_name(l->v[i]) : "");
		if (!*out) {
			*out = l->v[i];
			l->v[i] = NULL;
		}
	}
	(void)h;
	return 0;
}

int scq_find(scq *h, const char *id, int role, scq_job **out)
{
	scq_job_list *l = NULL;
	scq_job *found = NULL;
	struct buf cands = BUF_INIT;
	int n = 0, r;
	size_t i;
	if (strlen(id) < 4 || strlen(id) > 36 || strspn(id, "0123456789abcdef-") != strlen(id))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a job id (a uid or a prefix "
				"of at least 4 characters)", id);
	r = scq_list(h, role, -1, &l);
	if (r)
		return r;
	find_in(h, l, id, &found, &n, &cands);
	for (i = 0; i < l->n; i++)
		if (!l->v[i])
			l->v[i] = job_from_json(json_object());
	if (n == 0)
		r = scq_fail(h, SCQ_ENOTFOUND, "no job found with id '%s'", id);
	else if (n > 1)
		r = scq_fail(h, SCQ_EAMBIGUOUS, "id '%s' matches %d jobs; be more specific:%s",
			     id, n, cands.ptr);
	if (r)
		scq_job_free(found);
	else
		*out = found;
	scq_job_list_free(l);
	buf_release(&cands);
	return r;
}

static int owner_job(scq *h, const char *uid, int *status)
{
	int r = scq_ingest(h, NULL);
	if (r)
		return r;
	if (!scq_uid_valid(uid))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a full job uid", uid);
	*status = queue_locate(h, uid);
	if (*status < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s "
				"(only the data owner may decide on it)", uid, h->email);
	return 0;
}

static int reason_ok(scq *h, const char *reason)
{
	if (reason && strlen(reason) > 4096)
		return scq_fail(h, SCQ_EINVAL, "reason is longer than 4096 bytes");
	return 0;
}

int scq_approve(scq *h, const char *uid, const char *reason, unsigned flags)
{
	int st, r = reason_ok(h, reason), fd;
	if (r)
		return r;
	r = owner_job(h, uid, &st);
	struct buf err = BUF_INIT;
	json_t *rec = NULL, *d;
	if (r)
		return r;
	if (st != SCQ_PENDING)
		return scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only pending jobs can be "
				"approved", uid, scq_status_name(st));
	fd = queue_job_dir(h, st, uid);
	rec = fd >= 0 ? json_load_file_at(fd, "job.json", SMALL_JSON_MAX, &err) : NULL;
	if (fd >= 0)
		close(fd);
	if (!rec) {
		buf_release(&err);
		return scq_fail(h, SCQ_EIO, "job '%s': job.json unreadable", uid);
	}
	d = decision_record(h->email, reason);
	json_object_set(d, "code_sha256", json_object_get(rec, "code_sha256"));
	json_object_set_new(d, "allow_network", json_boolean(flags & SCQ_ALLOW_NETWORK));
	r = queue_transition(h, uid, SCQ_PENDING, SCQ_APPROVED, d, "approve", h->email, reason);
	json_decref(d);
	json_decref(rec);
	buf_release(&err);
	return r;
}

int scq_reject(scq *h, const char *uid, const char *reason)
{
	int st, r;
	json_t *d;
	if (!reason || !*reason)
		return scq_fail(h, SCQ_EINVAL, "a reason is required to reject a job");
	if ((r = reason_ok(h, reason)) || (r = owner_job(h, uid, &st)))
		return r;
	if (st != SCQ_PENDING)
		return scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only pending jobs can be "
				"rejected", uid, scq_status_name(st));
	d = decision_record(h->email, reason);
	r = queue_transition(h, uid, SCQ_PENDING, SCQ_REJECTED, d, "reject", h->email, reason);
	json_decref(d);
	return r;
}

int job_cancel(scq *h, const char *uid, const char *by)
{
	int st = queue_locate(h, uid), fd, r;
	struct buf err = BUF_INIT;
	json_t *rec, *d;
	if (st < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	fd = queue_job_dir(h, st, uid);
	rec = fd >= 0 ? json_load_file_at(fd, "job.json", SMALL_JSON_MAX, &err) : NULL;
	if (strcmp(by, h->email) && (!rec || strcmp(by, json_string_value(json_object_get(rec, "requester_email")))))
		r = scq_fail(h, SCQ_EPERM, "only the requester or the owner may cancel job '%s'", uid);
	else if (st == SCQ_RUNNING) { /* the runner sees this and stops the job */
		d = decision_record(by, "cancelled");
		json_object_set_new(d, "from", json_string("running"));
		r = json_write_at(fd, "cancel-request.json", d, 0) < 0 ?
		    scq_fail_errno(h, "requesting cancel of job '%s'", uid) : 0;
		json_decref(d);
		if (r == 0 && queue_locate(h, uid) != SCQ_RUNNING) { /* it ended meanwhile */
			unlinkat(fd, "cancel-request.json", 0);
			r = scq_fail(h, SCQ_ESTATE, "job '%s' finished before it could be cancelled", uid);
		}
	} else if (st != SCQ_PENDING && st != SCQ_APPROVED)
		r = scq_fail(h, SCQ_ESTATE, "job '%s' is already %s", uid, scq_status_name(st));
	else {
		d = decision_record(by, strcmp(by, h->email) ? "cancelled by requester" :
				    "cancelled by data owner");
		json_object_set_new(d, "from", json_string(scq_status_name(st)));
		r = queue_transition(h, uid, st, SCQ_CANCELLED, d, "cancel", by, NULL);
		json_decref(d);
	}
	if (fd >= 0)
		close(fd);
	json_decref(rec);
	buf_release(&err);
	return r;
}
