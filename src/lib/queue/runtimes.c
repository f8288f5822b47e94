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
#include <dirent.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/names.h"
#include "store/audit.h"
#include "store/settings.h"
#include "queue/requirements.h"
#include "queue/runtimes.h"
#include "base/banned.h"

#define METADATA_HEAD 16384 /* Name and Version come first in the file */

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

/* a inside b, or b inside a (as folders). */
static int nested(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
	return !strncmp(a, b, n) && (a[n] == '/' || a[n] == '\0' || b[n] == '/' ||
				     b[n] == '\0' || n == 1);
}

/* The path the owner gave: a directory itself (no link, no file), not the
 * root and not around or inside the store or the datasites. */
static int path_ok(scq *h, const char *path, char real[PATH_MAX])
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "runtime path '%s': %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return scq_fail(h, SCQ_EINVAL, "runtime path '%s' is a symbolic link: give the "
				"directory it names", path);
	if (!S_ISDIR(st.st_mode))
		return scq_fail(h, SCQ_EINVAL, "runtime path '%s' is not a directory", path);
	if (!realpath(path, real))
		return scq_fail(h, SCQ_ENOTFOUND, "runtime path '%s': %s", path, strerror(errno));
	if (!strcmp(real, "/"))
		return scq_fail(h, SCQ_EINVAL, "runtime path '/' would give jobs the whole host");
	if (nested(real, h->store) || nested(real, h->datasites))
		return scq_fail(h, SCQ_EINVAL, "runtime path '%s' holds or is inside the queue's "
				"own folders", real);
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

/* ---- the scan ------------------------------------------------------- */

/* The value of header key ("Name") in the head of a metadata file. */
static int header(const char *text, const char *key, const char **v, size_t *n)
{
	const char *p = text;
	size_t kl = strlen(key);
	while (*p && *p != '\n') {
		const char *eol = strchr(p, '\n');
		if (!strncasecmp(p, key, kl) && p[kl] == ':') {
			*v = p + kl + 1;
			while (**v == ' ')
				(*v)++;
			*n = (size_t)((eol ? eol : p + strlen(p)) - *v);
			while (*n && ((*v)[*n - 1] == '\r' || (*v)[*n - 1] == ' '))
				(*n)--;
			return 0;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return -1;
}

struct scan {
	json_t *pkgs;
	long long found, cut;
};

static void read_metadata(struct scan *s, int dir, const char *path)
{
	struct buf name = BUF_INIT;
	char text[METADATA_HEAD + 1];
	const char *nv, *vv;
	size_t nn, vn;
	ssize_t got;
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	got = read(fd, text, METADATA_HEAD);
	fd_close(&fd);
	if (got <= 0)
		return;
	text[got] = '\0';
	if (header(text, "Name", &nv, &nn) || header(text, "Version", &vv, &vn) ||
	    pkg_name_normalize(nv, nn, &name) < 0 || !pkg_version_valid(vv, vn))
		goto out;
	if (json_object_get(s->pkgs, name.ptr))
		goto out; /* the first site folder wins, as on sys.path */
	s->found++;
	if (json_object_size(s->pkgs) >= RUNTIME_PACKAGES_MAX)
		s->cut++;
	else
		json_object_set_new(s->pkgs, name.ptr, json_stringn(vv, vn));
out:
	buf_release(&name);
}

static int ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

static void scan_site(struct scan *s, int root, const char *rel)
{
	int fd = openat(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct buf p = BUF_INIT;
	long long seen = 0;
	if (!d) {
		fd_close(&fd);
		return;
	}
	while ((e = readdir(d))) {
		int egg = ends(e->d_name, ".egg-info");
		if (!egg && !ends(e->d_name, ".dist-info"))
			continue;
		if (++seen > RUNTIME_ENTRIES_MAX) {
			s->cut++;
			continue;
		}
		buf_reset(&p);
		buf_addf(&p, "%s/%s", e->d_name, egg ? "PKG-INFO" : "METADATA");
		read_metadata(s, dirfd(d), p.ptr);
		if (egg) /* an .egg-info may be the file itself */
			read_metadata(s, dirfd(d), e->d_name);
	}
	closedir(d);
	buf_release(&p);
}

/* "3.11" of "python3.11" (a lib/ folder or a bin/ link's target). */
static int py_version(const char *s, char out[16])
{
	if (strncmp(s, "python3.", 8) || strlen(s) > 14 || strspn(s + 8, "0123456789") != strlen(s + 8) ||
	    !s[8])
		return -1;
	snprintf(out, 16, "%s", s + 6);
	return 0;
}

/* lib/python3.X/{site,dist}-packages, lib/python3/dist-packages (Debian),
 * local/lib/python3.X/dist-packages (pip on Debian), in that order. */
static void site_dirs(int root, json_t *dirs, char pyver[16], long long *left)
{
	static const char *const libs[] = { "lib", "local/lib" };
	static const char *const kinds[] = { "site-packages", "dist-packages" };
	struct buf rel = BUF_INIT;
	size_t i, k;
	for (i = 0; i < SCQ_NELEM(libs); i++) {
		int fd = openat(root, libs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		char v[16];
		if (!d) {
			fd_close(&fd);
			continue;
		}
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, "python3") && py_version(e->d_name, v) < 0)
				continue;
			if (!pyver[0] && !i && strcmp(e->d_name, "python3"))
				snprintf(pyver, 16, "%s", v);
			for (k = 0; k < SCQ_NELEM(kinds); k++) {
				struct stat st;
				buf_reset(&rel);
				buf_addf(&rel, "%s/%s/%s", libs[i], e->d_name, kinds[k]);
				if (fstatat(root, rel.ptr, &st, 0) < 0 || !S_ISDIR(st.st_mode))
					continue;
				if (json_array_size(dirs) < RUNTIME_SITE_DIRS_MAX)
					json_array_append_new(dirs, json_string(rel.ptr));
				else
					(*left)++;
			}
		}
		closedir(d);
	}
	buf_release(&rel);
}

/* The interpreter's version without running it: pyvenv.cfg (a venv), the
 * target of bin/python3 (python3.11), or the lib/python3.X folder. */
static json_t *interpreter(int root, const char *libver)
{
	struct buf cfg = BUF_INIT;
	char link[64], v[16];
	const char *val;
	size_t n;
	ssize_t got;
	json_t *o = NULL;
	if (fs_read_file(root, "pyvenv.cfg", 65536, &cfg) == 0 &&
	    (header(cfg.ptr, "version", &val, &n) == 0 ||
	     header(cfg.ptr, "version_info", &val, &n) == 0)) {
		while (n && (*val == '=' || *val == ' ')) /* "version = 3.11.2" */
			val++, n--;
		if (pkg_version_valid(val, n))
			o = json_pack("{s:s%, s:s}", "python", val, n, "from", "pyvenv.cfg");
	}
	buf_release(&cfg);
	if (!o && (got = readlinkat(root, "bin/python3", link, sizeof(link) - 1)) > 0) {
		link[got] = '\0';
		val = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		if (py_version(val, v) == 0)
			o = json_pack("{s:s, s:s}", "python", v, "from", "bin/python3");
	}
	if (!o && libver[0])
		o = json_pack("{s:s, s:s}", "python", libver, "from", "lib");
	return o ? o : json_object();
}

json_t *runtime_scan(const char *path)
{
	struct scan s = { json_object(), 0, 0 };
	json_t *out, *dirs = json_array(), *v;
	char pyver[16] = "";
	long long left = 0;
	size_t i;
	int root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0)
		site_dirs(root, dirs, pyver, &left);
	json_array_foreach(dirs, i, v)
		scan_site(&s, root, json_string_value(v));
	out = json_pack("{s:o, s:o, s:I, s:o}", "interpreter",
			root >= 0 ? interpreter(root, pyver) : json_object(), "packages", s.pkgs,
			"packages_found", (json_int_t)s.found, "site_dirs", dirs);
	if (s.cut)
		json_object_set_new(out, "cut", json_sprintf(
			"%lld package(s) not listed: at most %d per runtime, %d entries per "
			"site folder", s.cut, RUNTIME_PACKAGES_MAX, RUNTIME_ENTRIES_MAX));
	if (left)
		json_object_set_new(out, "site_dirs_cut", json_sprintf(
			"%lld site folder(s) not scanned: at most %d", left, RUNTIME_SITE_DIRS_MAX));
	fd_close(&root);
	return out;
}

json_t *runtime_site_dirs(json_t *scan)
{
	return json_object_get(scan, "site_dirs");
}
