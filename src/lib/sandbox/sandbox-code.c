/*
 * sandbox-code.c - copy a directory tree between two directory fds without
 * following anything: it fills each job's /code tmpfs with the approved
 * bytes (policy-mount.c).  (A job's /out is not copied: the collector,
 * collect.c, reads it in place from the sandbox's tmpfs.)
 * Guarantees: the tree is walked by fs_walk and files copied by
 * fs_copy_file (fs.h), so a symlink cannot redirect, a FIFO cannot block
 * and nothing crosses into another file system;
 * regular files are copied with permission bits & 0755 (never setuid,
 * setgid, sticky or world-writable, even briefly); symlinks, FIFOs,
 * sockets and whiteouts are recreated as inert entries; anything else, or
 * anything deeper than MAX_DEPTH or on another file system, is skipped and
 * counted (a mounted folder was entered before fs_walk).  Hard links are
 * copied as separate files.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "sandbox/sandbox-int.h"
#include "base/banned.h"

#define MAX_DEPTH 64

struct mirror {
	long long skipped;
	struct buf *err;
};

static int copy_reg(struct mirror *m, const struct fs_walk_entry *e)
{
	struct fs_copy c;
	memset(&c, 0, sizeof(c));
	c.max = UINT64_MAX;
	c.flags = FS_COPY_DIRECT;
	c.mode = e->st.st_mode & 0755;
	c.expect = &e->st;
	if (fs_copy_file(e->dirfd, e->name, e->dst, e->name, &c) == 0)
		return 0;
	if (c.fail <= FS_FAIL_CHANGED) { /* not (or no longer) a plain file */
		m->skipped++;
		return 0;
	}
	return buf_setf(m->err, "copying %s: %s", e->name, strerror(errno)), -1;
}

/* Links, FIFOs, sockets and whiteouts become inert entries of the same
 * type and name (never opened), so the check of the copy names them. */
static int make_inert(struct mirror *m, const struct fs_walk_entry *e)
{
	char target[PATH_MAX];
	ssize_t n;
	int r = -1;
	if (e->type == FS_T_LINK) {
		n = readlinkat(e->dirfd, e->name, target, sizeof(target) - 1);
		r = n < 0 ? -1 : (target[n] = '\0', symlinkat(target, e->dst, e->name));
	} else if (e->type == FS_T_FIFO) {
		r = mkfifoat(e->dst, e->name, 0644);
	} else if (e->type == FS_T_SOCK) { /* nothing listens on it */
		r = mknodat(e->dst, e->name, S_IFSOCK | 0644, 0);
	} else if (e->type == FS_T_DEV && S_ISCHR(e->st.st_mode) && e->st.st_rdev == 0) {
		/* the only device a job can make is a whiteout (char 0:0) */
		r = mknodat(e->dst, e->name, S_IFCHR | 0644, 0);
	}
	m->skipped += r < 0;
	return 0;
}

/* fs_walk's callback: mirror one entry into the destination. */
static int copy_entry(void *ctx, struct fs_walk_entry *e)
{
	struct mirror *m = ctx;
	if (e->type == FS_T_FILE)
		return copy_reg(m, e);
	if (e->type != FS_T_DIR)
		return e->type == FS_T_UNKNOWN ? (m->skipped++, 0) : make_inert(m, e);
	if (e->entered && e->error)
		return buf_setf(m->err, "reading a folder to copy: %s", strerror(e->error)), -1;
	if (e->error || e->limit) { /* unopenable, too deep, another file system */
		m->skipped++;
		return FS_WALK_SKIP;
	}
	if ((mkdirat(e->dst, e->name, 0755) == 0 || errno == EEXIST) &&
	    (e->child_dst = openat(e->dst, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC)) >= 0)
		return 0;
	m->skipped++;
	return FS_WALK_SKIP;
}

long long sandbox_tree_copy(int src_fd, int dst_fd, struct buf *err)
{
	struct mirror m = { 0, err };
	struct fs_walk_opts o = { 0, 0, MAX_DEPTH, 0, dst_fd };
	if (fs_walk(src_fd, &o, copy_entry, &m) < 0) {
		if (!err->len)
			buf_setf(err, "reading a folder to copy: %s", strerror(errno));
		return -1;
	}
	return m.skipped;
}
