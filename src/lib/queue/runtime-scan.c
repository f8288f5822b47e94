/*
 * runtime-scan.c - what a runtime directory holds, read from its
 * packages' own metadata (runtimes.h: runtime_scan, runtime_site_dirs).
 *
 * Never runs pip or the interpreter: the Name and Version headers of
 * *.dist-info/METADATA and *.egg-info/PKG-INFO, the interpreter's version
 * from pyvenv.cfg, bin/python3's link or the lib/python3.X folder.  The
 * scan is bounded (runtimes.h) and says what it cut.  No handle.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/requirements.h"
#include "queue/runtimes.h"
#include "base/banned.h"

#define METADATA_HEAD 16384 /* Name and Version come first in the file */

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
	if (strncmp(s, "python3.", 8) || strlen(s) > 14 || !s[8] ||
	    strspn(s + 8, "0123456789") != strlen(s + 8))
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

/* The value of "key = value" in pyvenv.cfg. */
static int cfg_value(const char *text, const char *key, const char **v, size_t *n)
{
	size_t kl = strlen(key);
	const char *p = text;
	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p + kl;
		if (strncmp(p, key, kl) || (*q != ' ' && *q != '='))
			continue;
		while (*q == ' ')
			q++;
		if (*q++ != '=')
			continue;
		while (*q == ' ')
			q++;
		*v = q;
		*n = strcspn(q, "\r\n");
		while (*n && q[*n - 1] == ' ')
			(*n)--;
		return 0;
	}
	return -1;
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
	    (cfg_value(cfg.ptr, "version", &val, &n) == 0 ||
	     cfg_value(cfg.ptr, "version_info", &val, &n) == 0) && pkg_version_valid(val, n))
		o = json_pack("{s:s%, s:s}", "python", val, n, "from", "pyvenv.cfg");
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
