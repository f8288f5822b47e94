/*
 * reviewers.c - the identities the owner delegates to approve jobs
 * (reviewers.json in the private store; scq reviewers add/list/remove),
 * and the copy of a pending job's code each of them is shown.
 *
 * A reviewer reviews from its own datasite, as a requester reads its
 * results: the owner publishes the verified store copy of the pending job
 * (job.json, manifest.json, code/) to outbox/<reviewer>/review/<uid>/,
 * which the app ACL lets only that reviewer read (doc/protocol.md §2).
 * The reviewer's vote names the digest of that copy, so a vote is for the
 * code the reviewer saw and for nothing else.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/identity.h"
#include "queue/manifest.h"
#include "queue/votes.h"
#include "store/audit.h"
#include "store/queue.h"
#include "store/settings.h"
#include "base/banned.h"

static void share_pending(scq *h);

/* More would make every transition's unshare a long walk. */
#define REVIEWERS_MAX 64

json_t *reviewers_load(scq *h)
{
	struct buf err = BUF_INIT;
	int fd = store_peek(h); /* a read: creates no store */
	json_t *d = fd >= 0 && fs_exists(fd, "reviewers.json") ?
		    json_load_file_at(fd, "reviewers.json", SMALL_JSON_MAX, &err) : NULL;
	json_t *list = json_incref(json_object_get(d, "reviewers"));
	json_decref(d);
	buf_release(&err);
	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	return list;
}

static int listed(json_t *list, const char *email)
{
	json_t *v;
	size_t i;
	json_array_foreach(list, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), email))
			return 1;
	return 0;
}

int reviewer_is(scq *h, const char *email)
{
	json_t *list;
	int yes;
	if (!strcmp(email, h->email))
		return 1;
	list = reviewers_load(h);
	yes = listed(list, email);
	json_decref(list);
	return yes;
}

static int reviewers_save(scq *h, json_t *list)
{
	json_t *d = json_pack("{s:O}", "reviewers", list);
	int fd = store_open(h), r = 0;
	if (fd < 0)
		r = fd;
	else if (json_write_at(fd, "reviewers.json", d, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/reviewers.json'", h->store);
	json_decref(d);
	return r;
}

int scq_reviewer_add(scq *h, const char *email)
{
	json_t *list;
	int r;
	if (!email || !email_valid(email))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a valid lower-case e-mail",
				email ? email : "");
	if (!strcmp(email, h->email))
		return scq_fail(h, SCQ_EINVAL, "%s is the owner: an approver already", email);
	list = reviewers_load(h);
	if (listed(list, email)) {
		json_decref(list);
		return scq_fail(h, SCQ_EINVAL, "%s is a reviewer already", email);
	}
	if (json_array_size(list) >= REVIEWERS_MAX) {
		json_decref(list);
		return scq_fail(h, SCQ_EINVAL, "at most %d reviewers", REVIEWERS_MAX);
	}
	json_array_append_new(list, json_string(email));
	r = reviewers_save(h, list);
	json_decref(list);
	if (r == 0)
		r = audit_append(h, NULL, "reviewer-add", NULL, h->email, email, NULL);
	if (r == 0) /* its votes are checked with the key it publishes now */
		r = identity_pin_first(h, email);
	if (r == 0)
		share_pending(h);
	return r;
}

static void share_pending(scq *h)
{
	int fd = setting_int(h, SET_APPROVALS_REQUIRED) > 1 ? queue_status_dir(h, SCQ_PENDING) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (scq_uid_valid(e->d_name))
			review_share(h, e->d_name);
	if (d)
		closedir(d);
	else
		fd_close(&fd);
}

int scq_reviewer_remove(scq *h, const char *email)
{
	json_t *list = reviewers_load(h), *v;
	size_t i;
	int r;
	char *app;
	struct buf p = BUF_INIT;
	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(v) ? json_string_value(v) : "", email ? email : ""))
			break;
	if (!email || i == json_array_size(list)) {
		json_decref(list);
		return scq_fail(h, SCQ_ENOTFOUND, "%s is not a reviewer", email ? email : "");
	}
	json_array_remove(list, i);
	r = reviewers_save(h, list);
	json_decref(list);
	if (r == 0)
		r = audit_append(h, NULL, "reviewer-remove", NULL, h->email, email, NULL);
	/* what was shared for review goes with the delegation */
	app = app_dir_of(h, h->email);
	buf_addf(&p, "%s/outbox/%s", app, email);
	{
		int fd = open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			fs_remove_tree(fd, "review");
			fs_remove_tree(fd, "release-review"); /* release.h */
		}
		fd_close(&fd);
	}
	free(app);
	buf_release(&p);
	return r;
}

int scq_reviewer_list(scq *h, char **json_out)
{
	json_t *list = reviewers_load(h);
	*json_out = json_dumps(list, JSON_INDENT(2));
	json_decref(list);
	return 0;
}

/* outbox/<reviewer>/review/ (made), as a descriptor; -1 on error. */
static int review_dir(scq *h, const char *reviewer, int create)
{
	char *app = app_dir_of(h, h->email);
	struct buf p = BUF_INIT;
	int fd;
	buf_addf(&p, "%s/outbox/%s/review", app, reviewer);
	fd = create && fs_mkdir_p(p.ptr, 0755) < 0 ? -1 :
	     open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(app);
	buf_release(&p);
	return fd;
}

/* One reviewer's copy: built in .<uid>.tmp (SyftBox skips it), renamed
 * into place when whole. */
static int share_one(scq *h, int job, json_t *man, const char *reviewer, const char *uid)
{
	int dir = review_dir(h, reviewer, 1), tmp = -1, code = -1, src = -1, r = -1;
	struct buf name = BUF_INIT, err = BUF_INIT, rec = BUF_INIT;
	if (dir < 0 || fs_exists(dir, uid)) {
		r = dir < 0 ? -1 : 0;
		goto out;
	}
	buf_addf(&name, ".%s.tmp", uid);
	fs_remove_tree(dir, name.ptr);
	if (fs_mkdir(dir, name.ptr, 0755) < 0 || (tmp = fs_open_dir(dir, name.ptr)) < 0 ||
	    fs_mkdir(tmp, "code", 0755) < 0 || (code = fs_open_dir(tmp, "code")) < 0 ||
	    (src = fs_open_dir(job, "code")) < 0)
		goto out;
	if (manifest_copy_verified(src, code, json_object_get(man, "files"), &err) != 0 ||
	    json_write_at(tmp, "manifest.json", man, 0) < 0 ||
	    fs_read_file(job, "job.json", SMALL_JSON_MAX, &rec) < 0 ||
	    fs_write_atomic(tmp, "job.json", rec.ptr, rec.len, 0) < 0)
		goto out;
	r = fs_rename(dir, name.ptr, dir, uid, 0) < 0 ? -1 : 0;
out:
	if (r && dir >= 0 && name.len)
		fs_remove_tree(dir, name.ptr);
	fd_close(&src);
	fd_close(&code);
	fd_close(&tmp);
	fd_close(&dir);
	buf_release(&name);
	buf_release(&err);
	buf_release(&rec);
	return r;
}

void review_share(scq *h, const char *uid)
{
	json_t *list = reviewers_load(h), *v, *man = NULL;
	struct buf err = BUF_INIT;
	size_t i;
	int job = -1;
	if (!json_array_size(list) || setting_int(h, SET_APPROVALS_REQUIRED) < 2)
		goto out;
	job = queue_job_dir(h, SCQ_PENDING, uid);
	man = job < 0 ? NULL : json_load_file_at(job, "manifest.json", JOB_JSON_MAX, &err);
	json_array_foreach(list, i, v)
		if (man && json_is_string(v) && email_valid(json_string_value(v)) &&
		    share_one(h, job, man, json_string_value(v), uid) < 0)
			buf_addf(&h->notices, "review: job %s could not be shared with %s: %s\n",
				 uid, json_string_value(v), strerror(errno));
out:
	fd_close(&job);
	json_decref(man);
	json_decref(list);
	buf_release(&err);
}

void review_unshare(scq *h, const char *uid)
{
	json_t *list = reviewers_load(h), *v;
	size_t i;
	json_array_foreach(list, i, v) {
		int dir = json_is_string(v) && email_valid(json_string_value(v)) ?
			  review_dir(h, json_string_value(v), 0) : -1;
		if (dir >= 0)
			fs_remove_tree(dir, uid);
		fd_close(&dir);
	}
	json_decref(list);
}
