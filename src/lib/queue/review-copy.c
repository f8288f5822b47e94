/*
 * review-copy.c - the reviewer's side of the two-person rule: finding and
 * reading the pending jobs an owner shares with me for review
 * (datasites/<owner>/app_data/code-queue/outbox/<me>/review/<uid>/, made by
 * review_share in reviewers.c; doc/protocol.md §5a).
 *
 * Every byte of a copy is hostile input: it came through the owner's
 * datasite, which anyone who can write there (or a sync gone wrong) may
 * have changed.  So the folder's name must be a uid and job.json must say
 * that uid and the owner whose datasite it is in; manifest.json is
 * validated, the code tree must be exactly its files (no link, no special
 * file, no extra entry), each file hashed against it, and the job's
 * code_sha256 must be the manifest's digest.  A copy that fails is never
 * shown as a job to review: listings leave it out with a notice, a review
 * says why.  Each file is hashed again as it is read (review.c).
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "queue/votes.h"
#include "base/banned.h"

/* More copies than this from one owner are not listed (said in a notice). */
#define REVIEW_COPIES_MAX 10000

/* outbox/<me>/review/ in owner's datasite (caller closes), no symlink on
 * the way; -1 when there is none. */
static int review_root(scq *h, const char *owner)
{
	struct buf p = BUF_INIT;
	int ds = open(h->datasites, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	buf_addf(&p, "%s/app_data/%s/outbox/%s/review", owner, APP_NAME, h->email);
	fd = ds < 0 ? -1 : fs_open_dir(ds, p.ptr);
	fd_close(&ds);
	buf_release(&p);
	return fd;
}

/* job.json of the copy at fd, checked against where it lies; the job
 * object (pending, target the owner), or NULL with *why set. */
static scq_job *load_copy(scq *h, int fd, const char *owner, const char *uid, struct buf *why)
{
	json_t *rec = json_load_file_at(fd, "job.json", SMALL_JSON_MAX, why), *o;
	const char *s;
	if (!rec)
		return NULL;
	if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "uid")) ||
	    strcmp(json_string_value(json_object_get(rec, "uid")), uid))
		buf_setf(why, "job.json: 'uid' is not the folder's name");
	else if (!(s = json_string_value(json_object_get(rec, "target_email"))) ||
		 strcmp(s, owner))
		buf_setf(why, "job.json: 'target_email' is not the owner whose datasite holds it");
	else if (!(s = json_string_value(json_object_get(rec, "requester_email"))) ||
		 !email_valid(s))
		buf_setf(why, "job.json: 'requester_email' is not a valid e-mail");
	else if (!json_is_string(json_object_get(rec, "name")))
		buf_setf(why, "job.json: 'name' is not a string");
	else {
		o = job_public_json(h, fd, SCQ_PENDING, rec);
		json_object_set_new(o, "review_copy", json_true());
		json_decref(rec);
		return job_from_json(o);
	}
	json_decref(rec);
	return NULL;
}

static void skip_notice(scq *h, const char *owner, const char *uid, const char *why)
{
	buf_addf(&h->notices, "review copy %s shared by %s left out: %s\n", uid, owner, why);
}

/* Every valid copy owner shares with me whose uid starts with prefix. */
static void list_owner(scq *h, const char *owner, const char *prefix, scq_job_list *l)
{
	int root = review_root(h, owner), fd;
	DIR *d = root >= 0 ? fdopendir(root) : NULL;
	struct dirent *e;
	struct buf why = BUF_INIT;
	size_t n = 0;
	scq_job *j;
	if (!d) {
		fd_close(&root);
		return;
	}
	while ((e = readdir(d))) {
		if (!scq_uid_valid(e->d_name) || strncmp(e->d_name, prefix, strlen(prefix)))
			continue; /* .<uid>.tmp: a copy being made */
		if (++n > REVIEW_COPIES_MAX) {
			buf_addf(&h->notices, "more than %d review copies shared by %s: the rest "
				 "are not listed\n", REVIEW_COPIES_MAX, owner);
			break;
		}
		buf_reset(&why);
		fd = fs_open_dir(dirfd(d), e->d_name);
		j = fd < 0 ? NULL : load_copy(h, fd, owner, e->d_name, &why);
		if (j)
			job_list_add(l, j);
		else
			skip_notice(h, owner, e->d_name, fd < 0 ? "not a plain folder" :
				    why.len ? why.ptr : "unreadable");
		fd_close(&fd);
	}
	closedir(d);
	buf_release(&why);
}

/* owner NULL: every datasite that shares copies with me. */
static int list_copies(scq *h, const char *owner, const char *prefix, scq_job_list **out)
{
	DIR *d;
	struct dirent *e;
	*out = job_list_new();
	if (owner) {
		if (!email_valid(owner))
			return scq_fail(h, SCQ_EINVAL, "'%s' is not a valid owner e-mail", owner);
		list_owner(h, owner, prefix, *out);
	} else if ((d = opendir(h->datasites))) {
		while ((e = readdir(d)))
			if (email_valid(e->d_name) && strcmp(e->d_name, h->email))
				list_owner(h, e->d_name, prefix, *out);
		closedir(d);
	}
	job_list_sort_newest(*out);
	return 0;
}

/* The owner's e-mail in lower case, as every entry point takes it
 * (caller frees); NULL for NULL. */
static char *lower(const char *owner)
{
	return owner ? ascii_lower(owner) : NULL;
}

int scq_review_list(scq *h, const char *owner, scq_job_list **out)
{
	char *o = lower(owner);
	int r = list_copies(h, o, "", out);
	free(o);
	if (r) {
		scq_job_list_free(*out);
		*out = NULL;
	}
	return r;
}

static void candidates(struct buf *b, const scq_job_list *l)
{
	size_t i;
	for (i = 0; i < scq_job_list_count(l); i++)
		buf_addf(b, "%s%.8s (%s)", i ? ", " : "", scq_job_uid(scq_job_list_at(l, i)),
			 scq_job_target(scq_job_list_at(l, i)));
}

int scq_review_find(scq *h, const char *owner, const char *id, scq_job **out)
{
	scq_job_list *l = NULL;
	struct buf c = BUF_INIT;
	char *low = ascii_lower(id ? id : ""), *o = lower(owner);
	int r;
	*out = NULL;
	if (strlen(low) < 4 || strlen(low) > 36 || strspn(low, "0123456789abcdef-") != strlen(low))
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not a job id or a prefix of at least 4 of "
			     "its characters", id ? id : "");
	else if ((r = list_copies(h, o, low, &l)) == 0 && scq_job_list_count(l) == 0)
		r = scq_fail(h, SCQ_ENOTFOUND, "no job '%s' is shared with you for review%s%s "
			     "(scq pending --owner OWNER lists them)", id, owner ? " by " : "",
			     owner ? owner : "");
	else if (r == 0 && scq_job_list_count(l) > 1) {
		candidates(&c, l);
		r = scq_fail(h, SCQ_EAMBIGUOUS, "id '%s' matches %zu jobs shared with you for "
			     "review: %s; give more of it", id, scq_job_list_count(l), c.ptr);
	} else if (r == 0) {
		*out = l->v[0];
		l->n = 0; /* the job moves out of the list */
	}
	scq_job_list_free(l);
	buf_release(&c);
	free(low);
	free(o);
	return r;
}

/* The copy's manifest files, checked against the tree and the job's
 * digest; NULL with the message set. */
static json_t *verified_files(scq *h, int fd, int code, const char *owner, const char *uid)
{
	struct buf err = BUF_INIT;
	json_t *m = json_load_file_at(fd, "manifest.json", JOB_JSON_MAX, &err), *files = NULL;
	json_t *job = json_load_file_at(fd, "job.json", SMALL_JSON_MAX, &err);
	const char *claimed = json_string_value(json_object_get(job, "code_sha256"));
	char digest[65];
	if (!m || !job || manifest_validate(json_object_get(m, "files"), &err) < 0)
		goto out;
	manifest_digest(json_object_get(m, "files"), digest);
	if (!claimed || strcmp(claimed, digest))
		buf_setf(&err, "the job's code_sha256 is not the digest of its manifest");
	else if (manifest_check_tree(code, json_object_get(m, "files"), NULL, &err) != VERIFY_OK) {
		if (!err.len)
			buf_setf(&err, "a code file listed in the manifest is missing");
	} else if (manifest_verify(code, json_object_get(m, "files"), &err) == 0)
		files = json_incref(json_object_get(m, "files"));
out:
	if (!files)
		scq_fail(h, SCQ_EINVAL, "the review copy of job '%s' shared by %s does not match "
			 "its manifest, so it is not shown: %s", uid, owner,
			 err.len ? err.ptr : "unreadable");
	json_decref(m);
	json_decref(job);
	buf_release(&err);
	return files;
}

int scq_review_code_open(scq *h, const char *owner_in, const char *uid, scq_job_code **out)
{
	char *owner = lower(owner_in);
	int root = owner && email_valid(owner) ? review_root(h, owner) : -1;
	int fd = root >= 0 && scq_uid_valid(uid) ? fs_open_dir(root, uid) : -1;
	int code = fd >= 0 ? fs_open_dir(fd, "code") : -1, r = 0;
	json_t *files = NULL;
	*out = NULL;
	if (fd < 0)
		r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not shared with you for review by %s",
			     uid ? uid : "", owner ? owner : "");
	else if (code < 0)
		r = scq_fail(h, SCQ_EINVAL, "the review copy of job '%s' shared by %s has no "
			     "code folder", uid, owner);
	else if (!(files = verified_files(h, fd, code, owner, uid)))
		r = SCQ_EINVAL;
	else {
		*out = job_code_new(code, files, uid, 1);
		code = -1; /* owned by *out */
	}
	json_decref(files);
	fd_close(&code);
	fd_close(&fd);
	fd_close(&root);
	free(owner);
	return r;
}
