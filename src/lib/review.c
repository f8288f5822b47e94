/*
 * review.c - what the owner reviews (the verified private copy of a job's
 * code) and the datasets the owner exposes to jobs.
 *
 * Review reads only the private store copy, never the inbox, so what the
 * owner reads is byte for byte what the runner will verify and run.
 */
#include "compat.h"
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "queue.h"
#include "banned.h"

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
	if (fd >= 0)
		close(fd);
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
	if (code >= 0)
		close(code);
	if (fd >= 0)
		close(fd);
	json_decref(m);
	buf_release(&b);
	return r;
}

static json_t *datasets_load(scq *h)
{
	struct buf err = BUF_INIT;
	int fd = store_peek(h); /* a read: creates no store */
	json_t *d = fd >= 0 && fs_exists(fd, "datasets.json") ?
		    json_load_file_at(fd, "datasets.json", SMALL_JSON_MAX, &err) : NULL;
	buf_release(&err);
	return d ? d : json_object();
}

static int datasets_save(scq *h, json_t *d)
{
	int fd = store_open(h);
	if (fd < 0)
		return fd;
	if (json_object_size(d) == 0)
		return unlinkat(fd, "datasets.json", 0) < 0 && errno != ENOENT ?
		       scq_fail_errno(h, "removing datasets.json") : 0;
	return json_write_at(fd, "datasets.json", d, 0) < 0 ?
	       scq_fail_errno(h, "writing '%s/datasets.json'", h->store) : 0;
}

static int dataset_name_ok(const char *n)
{
	size_t len = strlen(n);
	return len > 0 && len <= 64 && n[0] != '.' && n[0] != '-' &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

int scq_dataset_add(scq *h, const char *name, const char *path)
{
	char real[PATH_MAX];
	json_t *d;
	int r;
	if (!dataset_name_ok(name))
		return scq_fail(h, SCQ_EINVAL, "dataset name '%s' must be 1-64 letters, "
				"digits, '_', '.' or '-'", name);
	if (!realpath(path, real))
		return scq_fail(h, SCQ_ENOTFOUND, "dataset path '%s': %s", path, strerror(errno));
	if (!utf8_valid(real, strlen(real))) /* datasets.json could not hold it */
		return scq_fail(h, SCQ_EINVAL, "dataset path '%s' is not valid UTF-8", real);
	d = datasets_load(h);
	json_object_set_new(d, name, json_string(real));
	r = datasets_save(h, d);
	json_decref(d);
	return r ? r : audit_append(h, NULL, "dataset-add", NULL, h->email, name, NULL);
}

int scq_dataset_remove(scq *h, const char *name)
{
	json_t *d = datasets_load(h);
	int r;
	if (!json_object_get(d, name)) {
		json_decref(d);
		return scq_fail(h, SCQ_ENOTFOUND, "no dataset named '%s'", name);
	}
	json_object_del(d, name);
	r = datasets_save(h, d);
	json_decref(d);
	return r ? r : audit_append(h, NULL, "dataset-remove", NULL, h->email, name, NULL);
}

int scq_dataset_list(scq *h, char **json_out)
{
	json_t *d = datasets_load(h);
	*json_out = json_dumps(d, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(d);
	return 0;
}
