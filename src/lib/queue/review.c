/*
 * review.c - what the owner reviews: the verified private copy of a job's
 * code, file by file.
 *
 * Review reads only the private store copy, never the inbox, so what the
 * owner reads is byte for byte what the runner will verify and run.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "store/queue.h"
#include "base/banned.h"

static json_t *load_manifest(scq *h, const char *uid, int *jobfd)
{
	struct buf err = BUF_INIT;
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1; /* only reads */
	json_t *m = NULL;
	*jobfd = st >= 0 ? queue_job_dir(h, st, uid) : -1;
	if (*jobfd < 0) {
		scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s", uid, h->email);
		return NULL;
	}
	m = json_load_file_at(*jobfd, "manifest.json", JOB_JSON_MAX, &err);
	if (!m)
		scq_fail(h, SCQ_EIO, "job '%s': manifest.json: %s", uid, err.ptr);
	buf_release(&err);
	return m;
}

int scq_job_files(scq *h, const char *uid, char **json_out)
{
	int fd;
	json_t *m = load_manifest(h, uid, &fd);
	fd_close(&fd);
	if (!m)
		return SCQ_ENOTFOUND;
	*json_out = json_dumps(json_object_get(m, "files"), JSON_COMPACT);
	json_decref(m);
	return 0;
}

int scq_job_read_file(scq *h, const char *uid, const char *path, size_t max,
		      char **data, size_t *len)
{
	int fd, code = -1, r = 0;
	json_t *m = load_manifest(h, uid, &fd), *e;
	struct buf b = BUF_INIT;
	size_t i, found = 0;
	if (!m) {
		r = SCQ_ENOTFOUND;
		goto out;
	}
	json_array_foreach(json_object_get(m, "files"), i, e)
		found |= !strcmp(json_string_value(json_object_get(e, "path")), path);
	if (!found) {
		r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' has no file '%s'", uid, path);
		goto out;
	}
	code = openat(fd, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (code < 0 || fs_read_file(code, path, max ? max : (size_t)1 << 20, &b) < 0) {
		r = errno == EFBIG ? scq_fail(h, SCQ_EINVAL, "file '%s' is larger than %zu bytes",
					      path, max ? max : (size_t)1 << 20) :
		    scq_fail_errno(h, "reading '%s' of job '%s'", path, uid);
		goto out;
	}
	*data = buf_detach(&b, len);
out:
	fd_close(&code);
	fd_close(&fd);
	json_decref(m);
	buf_release(&b);
	return r;
}

/* The typed list of a job's code files (scq.h), for programs. */

struct scq_file_list {
	json_t *files; /* the manifest array */
};

int scq_job_file_list(scq *h, const char *uid, scq_file_list **out)
{
	int fd;
	json_t *m = load_manifest(h, uid, &fd), *files;
	fd_close(&fd);
	if (!m)
		return SCQ_ENOTFOUND;
	files = json_object_get(m, "files");
	*out = xcalloc(1, sizeof(**out));
	(*out)->files = json_is_array(files) ? json_incref(files) : json_array();
	json_decref(m);
	return 0;
}

size_t scq_file_list_count(const scq_file_list *l)
{
	return l ? json_array_size(l->files) : 0;
}

int scq_file_list_at(const scq_file_list *l, size_t i, const char **path,
		     long long *size, const char **mode)
{
	json_t *e = l ? json_array_get(l->files, i) : NULL;
	if (!e)
		return -1;
	if (path)
		*path = json_string_value(json_object_get(e, "path"));
	if (size)
		*size = (long long)json_integer_value(json_object_get(e, "size"));
	if (mode)
		*mode = json_string_value(json_object_get(e, "mode"));
	return 0;
}

void scq_file_list_free(scq_file_list *l)
{
	if (!l)
		return;
	json_decref(l->files);
	free(l);
}
