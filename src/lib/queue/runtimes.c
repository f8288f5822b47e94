/*
 * runtimes.c - the runtimes the owner provides (scq.h: scq_runtime_*,
 * scq_runtimes_of, scq_requirements_check; runtimes.h).
 *
 * A runtime is a directory the owner prepared (a venv, a conda prefix, an
 * R library, the host's /usr), mounted read-only at /runtime/<name> in the
 * job.  What it holds is read from the packages' own metadata
 * (*.dist-info/METADATA, *.egg-info/PKG-INFO: the Name and Version
 * headers), never by running pip or the interpreter: the scan is bounded
 * (runtimes.h) and says what it cut.  The owner publishes the scans as
 * public/code-queue/runtimes.json (no host paths: the names, versions and
 * counts only); a requester reads that file as hostile input and keeps
 * only what passes the strict forms of requirements.h.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/names.h"
#include "store/audit.h"
#include "store/settings.h"
#include "queue/datasets.h"
#include "queue/requirements.h"
#include "queue/runtimes.h"
#include "base/banned.h"

static json_t *runtimes_load(scq *h)
{
	struct buf err = BUF_INIT;
	int fd = store_peek(h); /* a read: creates no store */
	json_t *d = fd >= 0 && fs_exists(fd, "runtimes.json") ?
		    json_load_file_at(fd, "runtimes.json", SMALL_JSON_MAX, &err) : NULL;
	buf_release(&err);
	return json_is_object(d) ? d : (json_decref(d), json_object());
}

static int runtimes_save(scq *h, json_t *d)
{
	int fd = store_open(h);
	if (fd < 0)
		return fd;
	if (json_object_size(d) == 0)
		return unlinkat(fd, "runtimes.json", 0) < 0 && errno != ENOENT ?
		       scq_fail_errno(h, "removing runtimes.json") : 0;
	return json_write_at(fd, "runtimes.json", d, 0) < 0 ?
	       scq_fail_errno(h, "writing '%s/runtimes.json'", h->store) : 0;
}

char *runtime_lookup(scq *h, const char *name)
{
	json_t *d = runtimes_load(h);
	const char *p = json_string_value(json_object_get(d, name));
	char *r = p ? xstrdup(p) : NULL;
	json_decref(d);
	if (!r)
		scq_fail(h, SCQ_ENOTFOUND, "no runtime named '%s' (scq runtime list)", name);
	return r;
}

const char *runtime_of_job(scq *h, const char *job_choice)
{
	static __thread char def[32];
	char *v;
	if (job_choice && *job_choice)
		return job_choice;
	v = setting_list(h, SET_DEFAULT_RUNTIME);
	snprintf(def, sizeof(def), "%s", v);
	free(v);
	return strcmp(def, "none") ? def : NULL;
}

/* The path the owner gave: a directory itself (no link, no file), not the
 * root, not around or inside the queue's folders, no pseudo-filesystem. */
static int path_ok(scq *h, const char *path, char real[PATH_MAX])
{
	struct stat st;
	int r;
	if (lstat(path, &st) < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "runtime path '%s': %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return scq_fail(h, SCQ_EINVAL, "runtime path '%s' is a symbolic link: give the "
				"directory it names", path);
	if (!S_ISDIR(st.st_mode))
		return scq_fail(h, SCQ_EINVAL, "runtime path '%s' is not a directory", path);
	if (!realpath(path, real))
		return scq_fail(h, SCQ_ENOTFOUND, "runtime path '%s': %s", path, strerror(errno));
	if ((r = host_path_guard(h, "runtime path", real)))
		return r;
	if (!utf8_valid(real, strlen(real)) || has_control(real, 0))
		return scq_fail(h, SCQ_EINVAL, "runtime path '%s' is not printable UTF-8", path);
	return 0;
}

int scq_runtime_add(scq *h, const char *name, const char *path)
{
	char real[PATH_MAX];
	json_t *d;
	int r;
	if (!runtime_name_valid(name))
		return scq_fail(h, SCQ_EINVAL, "runtime name '%s' must be 1-16 lower-case letters "
				"and digits (not 'none')", name);
	if ((r = path_ok(h, path, real)))
		return r;
	d = runtimes_load(h);
	if (!json_object_get(d, name) && json_object_size(d) >= RUNTIMES_MAX) {
		json_decref(d);
		return scq_fail(h, SCQ_EINVAL, "at most %d runtimes", RUNTIMES_MAX);
	}
	json_object_set_new(d, name, json_string(real));
	r = runtimes_save(h, d);
	json_decref(d);
	if (!r)
		r = audit_append(h, NULL, "runtime-add", NULL, h->email, name, NULL);
	return r ? r : scq_runtime_publish(h);
}

int scq_runtime_remove(scq *h, const char *name)
{
	json_t *d = runtimes_load(h);
	int r;
	if (!json_object_get(d, name)) {
		json_decref(d);
		return scq_fail(h, SCQ_ENOTFOUND, "no runtime named '%s'", name);
	}
	json_object_del(d, name);
	r = runtimes_save(h, d);
	json_decref(d);
	if (!r)
		r = audit_append(h, NULL, "runtime-remove", NULL, h->email, name, NULL);
	return r ? r : scq_runtime_publish(h);
}

int scq_runtime_list(scq *h, char **json_out)
{
	json_t *d = runtimes_load(h), *o = json_object(), *v;
	const char *k, *def = runtime_of_job(h, NULL);
	json_object_foreach(d, k, v)
		json_object_set_new(o, k, json_pack("{s:O, s:b}", "path", v, "default",
						    def && !strcmp(def, k)));
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	json_decref(d);
	return 0;
}

char *runtime_published_dir(scq *h, const char *owner)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s/public/code-queue", h->datasites, owner);
	return buf_detach(&p, NULL);
}

int scq_runtime_publish(scq *h)
{
	char *dir = runtime_published_dir(h, h->email), *list = NULL, at[ISO_LEN];
	json_t *mine = NULL, *doc = NULL, *rts = json_object(), *v;
	const char *k, *def = runtime_of_job(h, NULL);
	int fd = -1, r = 0;
	scq_runtime_list(h, &list);
	mine = json_loads(list, 0, NULL);
	json_object_foreach(mine, k, v) {
		json_t *scan = runtime_scan(json_string_value(json_object_get(v, "path")));
		json_object_del(scan, "site_dirs"); /* folders of the owner's host */
		json_object_set_new(rts, k, scan);
	}
	time_now_iso(at);
	doc = json_pack("{s:i, s:s, s:s, s:o, s:O}", "version", 1, "owner", h->email,
			"generated_at", at, "default",
			def && json_object_get(mine, def) ? json_string(def) : json_null(),
			"runtimes", rts);
	if (fs_mkdir_p(dir, 0755) < 0 || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = scq_fail_errno(h, "creating '%s'", dir);
	else if (json_write_at(fd, "runtimes.json", doc, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/runtimes.json'", dir);
	fd_close(&fd);
	json_decref(rts);
	json_decref(doc);
	json_decref(mine);
	free(list);
	free(dir);
	return r;
}
