/*
 * collect.c - safe copy of a job's outputs (see collect.h for guarantees).
 *
 * Walks the source with directory fds only.  Every open is relative to an
 * already-verified directory and goes through openat2 with
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV
 * plus O_NOFOLLOW|O_NONBLOCK|O_NOCTTY (plain openat with O_NOFOLLOW on
 * kernels without openat2), then fstat checks it is still the entry that
 * was classified: a symlink anywhere cannot redirect the copy, a FIFO or
 * device cannot block it, and a swap between lstat and open is caught.
 * Copies get mode 0644 or 0755 (any execute bit), never setuid, setgid,
 * sticky or group/world-writable; no xattrs, no owner.  Files with more
 * than one hard link are excluded (they may be a host file pulled in).
 * Every exclusion is in the report with its reason, names escaped for a
 * terminal; past MAX_LISTED entries the list ends with a summary entry,
 * and the walk itself stops (with a reason) after MAX_VISITS entries, so
 * an inode flood costs bounded time.
 */
#include "compat.h"
#include <dirent.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include "alloc.h"
#include "fs.h"
#include "collect.h"
#include "internal.h"
#include "manifest.h"
#include "banned.h"

#define MAX_LISTED 1000

struct walk {
	const struct collect_limits *lim;
	struct collect_report *rep;
	struct buf *err;
	json_t *excluded;
	long long visits, max_visits;
	int stopped;
};

static void exclude(struct walk *w, const char *path, const char *reason)
{
	struct buf esc = BUF_INIT;
	w->rep->excluded++;
	if (w->rep->excluded > MAX_LISTED)
		return; /* counted; summarised at the end */
	buf_add_escaped(&esc, path, strlen(path));
	json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", esc.ptr,
						     "reason", reason));
	buf_release(&esc);
}

/* Open name below dir without following any link or leaving the mount. */
static int open_beneath(int dir, const char *name, int flags)
{
	struct open_how how;
	int fd;
	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
		      RESOLVE_NO_XDEV;
	fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) /* name is one component: still safe */
		fd = openat(dir, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	return fd;
}

static const char *type_reason(mode_t m)
{
	if (S_ISLNK(m))
		return "symlink (not followed)";
	if (S_ISFIFO(m))
		return "FIFO (not a regular file)";
	if (S_ISSOCK(m))
		return "socket (not a regular file)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "device node (not a regular file)";
	return "not a regular file";
}

/* Copy exactly size bytes; 1 if the file changed size under us. */

static int check_file(struct walk *w, const struct stat *st, const char *path)
{
	if (st->st_nlink > 1)
		return exclude(w, path, "hard link (st_nlink > 1)"), 0;
	if (w->rep->files >= w->lim->max_files)
		return w->rep->limited++, exclude(w, path, "file count limit (max_output_files)"), 0;
	if (w->rep->bytes + st->st_size > w->lim->max_bytes)
		return w->rep->limited++, exclude(w, path, "output size limit (max_output_bytes)"), 0;
	return 1;
}

static int copy_file(struct walk *w, int src, int dst, const char *name,
		     const struct stat *seen, const char *path)
{
	int in = open_beneath(src, name, O_RDONLY), out = -1, r = 0, c;
	uint64_t copied = 0;
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0) {
		exclude(w, path, "cannot open");
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_ino != seen->st_ino || st.st_dev != seen->st_dev) {
		exclude(w, path, "changed during collection");
		goto out;
	}
	if (!check_file(w, &st, path))
		goto out;
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     (st.st_mode & 0111) ? 0755 : 0644);
	c = out < 0 ? -1 : fs_copy_fd(in, out, (uint64_t)st.st_size, NULL, NULL, &copied);
	if (c < 0 && errno != EFBIG) {
		buf_setf(w->err, "copying output '%s': %s", path, strerror(errno));
		r = -1;
		goto out;
	}
	if (c < 0 || copied != (uint64_t)st.st_size) { /* grew or shrank meanwhile */
		unlinkat(dst, name, 0);
		exclude(w, path, "changed during collection");
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

static int walk_dir(struct walk *w, int src, int dst, const char *prefix, int depth);

static int copy_dir(struct walk *w, int src, int dst, const char *name,
		    const char *path, int depth)
{
	int s, d = -1, r = 0;
	struct buf sub = BUF_INIT;
	if (depth >= w->lim->max_depth)
		return exclude(w, path, "too deep"), 0;
	s = open_beneath(src, name, O_RDONLY | O_DIRECTORY);
	if (s < 0)
		return exclude(w, path, "cannot open directory"), 0;
	if (mkdirat(dst, name, 0755) == 0 || errno == EEXIST)
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0) {
		buf_setf(w->err, "output folder '%s': %s", path, strerror(errno));
		r = -1;
	} else {
		buf_addf(&sub, "%s/", path);
		r = walk_dir(w, s, d, sub.ptr, depth + 1);
		close(d);
	}
	close(s);
	buf_release(&sub);
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
	else if ((S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) && has_control(name, 0))
		exclude(w, path.ptr, "unsafe name (control character)");
	else if ((S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) && !utf8_valid(name, strlen(name)))
		exclude(w, path.ptr, "name is not UTF-8 (JSON cannot list it)");
	else if ((S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) && path.len > MANIFEST_MAX_PATH)
		exclude(w, path.ptr, "path too long");
	else if (S_ISDIR(st.st_mode))
		r = copy_dir(w, src, dst, name, path.ptr, depth);
	else if (S_ISREG(st.st_mode))
		r = copy_file(w, src, dst, name, &st, path.ptr);
	else
		exclude(w, path.ptr, type_reason(st.st_mode));
	buf_release(&path);
	return r;
}

/* Takes nothing: src and dst stay open for the caller. */
static int walk_dir(struct walk *w, int src, int dst, const char *prefix, int depth)
{
	int fd = dup(src), r = 0;
	DIR *dir;
	struct dirent *e;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return buf_setf(w->err, "reading outputs '%s': %s", prefix, strerror(errno)), -1;
	}
	rewinddir(dir);
	while (r == 0 && !w->stopped && (e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++w->visits > w->max_visits) {
			w->stopped = 1; /* always listed, even past MAX_LISTED */
			json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", "...",
				"reason", "walk stopped: too many entries (inode flood); "
				"the rest was neither copied nor listed"));
			break;
		}
		r = visit(w, dirfd(dir), dst, e->d_name, prefix, depth);
	}
	closedir(dir);
	return r;
}

/* No block left for the job to write: its last writes may have been cut. */
static int source_full(int fd)
{
	struct statvfs sv;
	return fstatvfs(fd, &sv) == 0 && sv.f_blocks > 0 && sv.f_bavail == 0;
}

static void summarise(struct walk *w)
{
	struct buf s = BUF_INIT;
	if (w->rep->excluded <= MAX_LISTED)
		return;
	buf_addf(&s, "%lld more entries excluded; list truncated at %d",
		 w->rep->excluded - MAX_LISTED, MAX_LISTED);
	json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", "...",
						     "reason", s.ptr));
	buf_release(&s);
}

int collect_outputs(int src_dirfd, int dst_dirfd, const struct collect_limits *lim,
		    struct collect_report *rep, struct buf *err)
{
	struct walk w;
	char *s;
	int r;
	memset(&w, 0, sizeof(w));
	w.lim = lim;
	w.rep = rep;
	w.err = err;
	w.excluded = json_array();
	w.max_visits = 10 * (lim->max_files > 0 ? lim->max_files : 0) + 1000;
	rep->files = rep->bytes = rep->excluded = rep->limited = 0;
	rep->source_full = 0;
	r = walk_dir(&w, src_dirfd, dst_dirfd, "", 0);
	if (source_full(src_dirfd))
		rep->source_full = 1;
	summarise(&w);
	s = json_dumps(w.excluded, JSON_COMPACT);
	buf_reset(&rep->excluded_json);
	if (buf_adds(&rep->excluded_json, s) < 0) {
		buf_setf(err, "exclusion list does not fit the report buffer");
		r = -1;
	}
	free(s);
	json_decref(w.excluded);
	return r;
}
