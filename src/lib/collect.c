/*
 * collect.c - safe copy of a job's outputs (see collect.h for guarantees).
 *
 * Walks the source with directory fds only: every open is relative to an
 * already-verified directory, with O_NOFOLLOW|O_NONBLOCK, then fstat, so a
 * symlink anywhere or a FIFO can neither redirect nor block the copy.
 */
#include "compat.h"
#include <dirent.h>
#include <jansson.h>
#include "alloc.h"
#include "collect.h"
#include "fs.h"
#include "banned.h"

struct walk {
	const struct collect_limits *lim;
	struct collect_report *rep;
	struct buf *err;
	json_t *excluded;
};

static void exclude(struct walk *w, const char *path, const char *reason)
{
	w->rep->excluded++;
	json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", path,
						     "reason", reason));
}

static int copy_fd(int in, int out, long long size)
{
	char chunk[65536];
	long long left = size;
	while (left > 0) {
		ssize_t n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		if (write(out, chunk, (size_t)n) != n)
			return -1;
		left -= n;
	}
	return 0;
}

static int walk_dir(struct walk *w, int src, int dst, const char *prefix, int depth);

static int copy_file(struct walk *w, int src, int dst, const char *name,
		     const char *path)
{
	int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int out = -1, r = 0;
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		exclude(w, path, "not a regular file");
		goto out;
	}
	if (w->rep->files >= w->lim->max_files) {
		exclude(w, path, "file count limit");
		goto out;
	}
	if (w->rep->bytes + st.st_size > w->lim->max_bytes) {
		exclude(w, path, "output size limit");
		goto out;
	}
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     (st.st_mode & 0111) ? 0755 : 0644);
	if (out < 0 || copy_fd(in, out, st.st_size) < 0) {
		buf_setf(w->err, "copying output '%s': %s", path, strerror(errno));
		r = -1;
		goto out;
	}
	w->rep->files++;
	w->rep->bytes += st.st_size;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

static int visit(struct walk *w, int src, int dst, const char *name,
		 const char *prefix, int depth)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int r = 0;
	buf_addf(&path, "%s%s", prefix, name);
	if (strlen(name) > (size_t)w->lim->max_name)
		exclude(w, path.ptr, "name too long");
	else if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		exclude(w, path.ptr, "vanished");
	else if (S_ISLNK(st.st_mode))
		exclude(w, path.ptr, "symlink");
	else if (S_ISDIR(st.st_mode)) {
		if (depth >= w->lim->max_depth)
			exclude(w, path.ptr, "too deep");
		else {
			buf_addc(&path, '/');
			r = walk_dir(w, src, dst, path.ptr, depth + 1);
			(void)name;
		}
	} else if (S_ISREG(st.st_mode))
		r = copy_file(w, src, dst, name, path.ptr);
	else
		exclude(w, path.ptr, "not a regular file");
	buf_release(&path);
	return r;
}

static int walk_dir(struct walk *w, int src, int dst, const char *prefix, int depth)
{
	/* prefix ends with "name/": recover the component to open */
	size_t plen = strlen(prefix);
	const char *name = prefix;
	char *comp;
	int s = -1, d = -1, r = -1;
	DIR *dir;
	struct dirent *e;
	if (plen) {
		comp = xstrndup(prefix, plen - 1);
		name = strrchr(comp, '/') ? strrchr(comp, '/') + 1 : comp;
		s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s >= 0 && (mkdirat(dst, name, 0755) == 0 || errno == EEXIST))
			d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		free(comp);
	} else {
		s = dup(src);
		d = dup(dst);
	}
	if (s < 0 || d < 0) {
		buf_setf(w->err, "output folder '%s': %s", prefix, strerror(errno));
		goto out;
	}
	dir = fdopendir(s);
	if (!dir)
		goto out;
	s = -1;
	r = 0;
	while (r == 0 && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = visit(w, dirfd(dir), d, e->d_name, prefix, depth);
	closedir(dir);
out:
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return r;
}

int collect_outputs(int src_dirfd, int dst_dirfd, const struct collect_limits *lim,
		    struct collect_report *rep, struct buf *err)
{
	struct walk w = { lim, rep, err, json_array() };
	char *s;
	int r;
	rep->files = rep->bytes = rep->excluded = 0;
	r = walk_dir(&w, src_dirfd, dst_dirfd, "", 0);
	s = json_dumps(w.excluded, JSON_COMPACT);
	buf_reset(&rep->excluded_json);
	buf_adds(&rep->excluded_json, s);
	free(s);
	json_decref(w.excluded);
	return r;
}
