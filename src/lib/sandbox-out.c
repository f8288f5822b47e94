/*
 * sandbox-out.c - copy a directory tree between two directory fds without
 * following anything: it fills each job's /code tmpfs with the approved
 * bytes (policy-mount.c).  (A job's /out is not copied: the collector,
 * collect.c, reads it in place from the sandbox's tmpfs.)
 * Guarantees: every open is relative to a verified directory fd with
 * O_NOFOLLOW|O_NONBLOCK (a symlink cannot redirect, a FIFO cannot block);
 * regular files are copied with permission bits & 0755 (never setuid,
 * setgid, sticky or world-writable, even briefly); symlinks, FIFOs,
 * sockets and whiteouts are recreated as inert entries; anything else, or
 * anything deeper than MAX_DEPTH, is skipped and counted.  Hard links are
 * copied as separate files.
 */
#include "compat.h"
#include <dirent.h>
#include "alloc.h"
#include "fs.h"
#include "sandbox-int.h"
#include "banned.h"

#define MAX_DEPTH 64

struct mirror {
	long long skipped;
	struct buf *err;
};


static int copy_reg(struct mirror *m, int src, int dst, const char *name)
{
	int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int out = -1, r = 0;
	uint64_t copied;
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		m->skipped++;
		goto out;
	}
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st.st_mode & 0755);
	if (out < 0 || fs_copy_fd(in, out, UINT64_MAX, NULL, NULL, &copied) < 0) {
		buf_setf(m->err, "copying %s: %s", name, strerror(errno));
		r = -1;
	}
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

static int copy_link(struct mirror *m, int src, int dst, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
	if (n < 0 || (target[n] = '\0', symlinkat(target, dst, name) < 0))
		m->skipped++;
	return 0;
}

static int mirror_dir(struct mirror *m, int src, int dst, int depth);

static int copy_dir(struct mirror *m, int src, int dst, const char *name, int depth)
{
	int s, d = -1, r = 0;
	if (depth >= MAX_DEPTH) {
		m->skipped++;
		return 0;
	}
	s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s >= 0 && (mkdirat(dst, name, 0755) == 0 || errno == EEXIST))
		d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		m->skipped++;
	else
		r = mirror_dir(m, s, d, depth + 1);
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return r;
}

static int copy_entry(struct mirror *m, int src, int dst, const char *name, int depth)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		m->skipped++;
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return copy_reg(m, src, dst, name);
	if (S_ISDIR(st.st_mode))
		return copy_dir(m, src, dst, name, depth);
	if (S_ISLNK(st.st_mode))
		return copy_link(m, src, dst, name);
	if (S_ISFIFO(st.st_mode) && mkfifoat(dst, name, 0644) == 0)
		return 0;
	/* an inert socket inode (nothing listens) so the collector reports it */
	if (S_ISSOCK(st.st_mode) && mknodat(dst, name, S_IFSOCK | 0644, 0) == 0)
		return 0;
	/* the only device a job can make is a whiteout (char 0:0): inert too */
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0 &&
	    mknodat(dst, name, S_IFCHR | 0644, 0) == 0)
		return 0;
	m->skipped++;
	return 0;
}

/* Takes ownership of nothing: src and dst stay open for the caller. */
static int mirror_dir(struct mirror *m, int src, int dst, int depth)
{
	int fd = dup(src), r = 0;
	DIR *dir;
	struct dirent *e;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return buf_setf(m->err, "reading a folder to copy: %s", strerror(errno)), -1;
	}
	rewinddir(dir);
	while (r == 0 && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = copy_entry(m, dirfd(dir), dst, e->d_name, depth);
	closedir(dir);
	return r;
}

long long sandbox_tree_copy(int src_fd, int dst_fd, struct buf *err)
{
	struct mirror m = { 0, err };
	return mirror_dir(&m, src_fd, dst_fd, 0) < 0 ? -1 : m.skipped;
}
