/*
 * review.c - what the owner reviews: the verified private copy of a job's
 * code, file by file.
 *
 * Review reads only the private store copy, never the inbox, so what the
 * owner reads is byte for byte what the runner will verify and run.
 *
 * One review reads the manifest once: scq_job_code_open finds the job,
 * parses manifest.json into a typed list and holds the code/ folder open;
 * each file is then read from that descriptor.  The descriptor follows the
 * job if a decision moves its folder meanwhile.  The one-call forms
 * (scq_job_file_list, scq_job_read_file) are this, opened and closed.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "queue/votes.h"
#include "store/queue.h"
#include "base/banned.h"

/* The job's folder in my store (caller closes), or -1 with the message set. */
static int open_job(scq *h, const char *uid)
{
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1; /* only reads */
	int fd = st >= 0 ? queue_job_dir(h, st, uid) : -1;
	if (fd < 0)
		scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s", uid, h->email);
	return fd;
}

/* manifest.json's "files" (new reference), checked, or NULL with the message set. */
static json_t *load_files(scq *h, const char *uid, int jobfd)
{
	struct buf err = BUF_INIT;
	json_t *m = json_load_file_at(jobfd, "manifest.json", JOB_JSON_MAX, &err), *files = NULL;
	if (m && manifest_validate(json_object_get(m, "files"), &err) == 0)
		files = json_incref(json_object_get(m, "files"));
	if (!files)
		scq_fail(h, SCQ_EIO, "job '%s': manifest.json: %s", uid, err.ptr);
	json_decref(m);
	buf_release(&err);
	return files;
}

int scq_job_files(scq *h, const char *uid, char **json_out)
{
	int fd = open_job(h, uid);
	json_t *files = fd >= 0 ? load_files(h, uid, fd) : NULL;
	fd_close(&fd);
	if (!files)
		return SCQ_ENOTFOUND;
	*json_out = json_dumps(files, JSON_COMPACT);
	json_decref(files);
	return 0;
}

/* The typed list of a job's code files (scq.h), and the open code. */

struct code_file {
	char *path;
	long long size;
	char mode[8]; /* "0644" or "0755" (manifest_validate) */
	char sha256[65];
};

struct scq_file_list {
	struct code_file *v;
	size_t n;
};

struct scq_job_code {
	struct scq_file_list files;
	int dir;    /* the job's code/ */
	char *uid;  /* for messages */
	int verify; /* a review copy: each read is checked against the manifest */
};

static void list_fill(struct scq_file_list *l, json_t *files)
{
	size_t i;
	json_t *e;
	l->n = json_array_size(files);
	l->v = xcalloc(l->n ? l->n : 1, sizeof(*l->v));
	json_array_foreach(files, i, e) {
		l->v[i].path = xstrdup(json_string_value(json_object_get(e, "path")));
		l->v[i].size = (long long)json_integer_value(json_object_get(e, "size"));
		snprintf(l->v[i].mode, sizeof(l->v[i].mode), "%s",
			 json_string_value(json_object_get(e, "mode")));
		snprintf(l->v[i].sha256, sizeof(l->v[i].sha256), "%s",
			 json_string_value(json_object_get(e, "sha256")));
	}
}

static void list_release(struct scq_file_list *l)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

int scq_job_code_open(scq *h, const char *uid, scq_job_code **out)
{
	int jobfd = open_job(h, uid), r = 0;
	json_t *files = jobfd >= 0 ? load_files(h, uid, jobfd) : NULL;
	scq_job_code *c = NULL;
	*out = NULL;
	if (!files) {
		r = jobfd < 0 ? SCQ_ENOTFOUND : SCQ_EIO;
		goto out;
	}
	c = xcalloc(1, sizeof(*c));
	c->dir = openat(jobfd, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->dir < 0) {
		r = scq_fail_errno(h, "opening the code of job '%s'", uid);
		goto out;
	}
	list_fill(&c->files, files);
	c->uid = xstrdup(uid);
	*out = c; /* c now owned by the caller */
	c = NULL;
out:
	scq_job_code_close(c);
	json_decref(files);
	fd_close(&jobfd);
	return r;
}

scq_job_code *job_code_new(int dir, json_t *files, const char *uid, int verify)
{
	scq_job_code *c = xcalloc(1, sizeof(*c));
	c->dir = dir;
	list_fill(&c->files, files);
	c->uid = xstrdup(uid);
	c->verify = verify;
	return c;
}

/* A review copy's file as read must be the file its manifest lists: the
 * owner's datasite can change it between the check at open and now. */
static int read_matches(scq *h, const scq_job_code *c, size_t i, const char *data, size_t len)
{
	char hex[65];
	if (!c->verify)
		return 0;
	sha256_hex(data, len, hex);
	if ((long long)len == c->files.v[i].size && !strcmp(hex, c->files.v[i].sha256))
		return 0;
	return scq_fail(h, SCQ_EINVAL, "file '%s' of the review copy of job '%s' does not match "
			"its manifest (changed after it was shared): not shown", c->files.v[i].path,
			c->uid);
}

size_t scq_job_code_count(const scq_job_code *c)
{
	return scq_file_list_count(c ? &c->files : NULL);
}

int scq_job_code_at(const scq_job_code *c, size_t i, const char **path, long long *size,
		    const char **mode)
{
	return scq_file_list_at(c ? &c->files : NULL, i, path, size, mode);
}

int scq_job_code_read(scq *h, const scq_job_code *c, const char *path, size_t max,
		      char **data, size_t *len)
{
	struct buf b = BUF_INIT;
	size_t i;
	if (!max)
		max = (size_t)1 << 20;
	for (i = 0; i < c->files.n && strcmp(c->files.v[i].path, path); i++)
		;
	if (i == c->files.n) /* only listed files: never a path of the submitter's choosing */
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' has no file '%s'", c->uid, path);
	if (fs_read_file(c->dir, path, max, &b) < 0) {
		int r = errno == EFBIG ?
			scq_fail(h, SCQ_EINVAL, "file '%s' is larger than %zu bytes", path, max) :
			scq_fail_errno(h, "reading '%s' of job '%s'", path, c->uid);
		buf_release(&b);
		return r;
	}
	if (read_matches(h, c, i, b.ptr, b.len)) {
		buf_release(&b);
		return SCQ_EINVAL;
	}
	*data = buf_detach(&b, len);
	return 0;
}

void scq_job_code_close(scq_job_code *c)
{
	if (!c)
		return;
	list_release(&c->files);
	fd_close(&c->dir);
	free(c->uid);
	free(c);
}

int scq_job_read_file(scq *h, const char *uid, const char *path, size_t max,
		      char **data, size_t *len)
{
	scq_job_code *c = NULL;
	int r = scq_job_code_open(h, uid, &c);
	if (r == 0)
		r = scq_job_code_read(h, c, path, max, data, len);
	scq_job_code_close(c);
	return r;
}

int scq_job_file_list(scq *h, const char *uid, scq_file_list **out)
{
	scq_job_code *c = NULL;
	int r = scq_job_code_open(h, uid, &c);
	*out = NULL;
	if (r)
		return r;
	*out = xmalloc(sizeof(**out));
	**out = c->files; /* the list moves out of c */
	c->files.v = NULL;
	c->files.n = 0;
	scq_job_code_close(c);
	return 0;
}

size_t scq_file_list_count(const scq_file_list *l)
{
	return l ? l->n : 0;
}

int scq_file_list_at(const scq_file_list *l, size_t i, const char **path,
		     long long *size, const char **mode)
{
	if (!l || i >= l->n)
		return -1;
	if (path)
		*path = l->v[i].path;
	if (size)
		*size = l->v[i].size;
	if (mode)
		*mode = l->v[i].mode;
	return 0;
}

void scq_file_list_free(scq_file_list *l)
{
	if (!l)
		return;
	list_release(l);
	free(l);
}
