/*
 * fs.c - atomic, durable, symlink-proof file operations and the fault seam.
 *
 * Why one module: crash safety is only as good as the weakest write, so
 * every write in the project is this code, reviewed once.  The order in
 * fs_write_atomic (write, fsync file, rename, fsync dir) is the one git's
 * lockfile and SQLite's unixSync use; the temp name starts with a dot and
 * ends in .tmp so SyftBox (Go and legacy) never syncs a half-written file.
 */
#include "base/compat.h"
#include <dirent.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/banned.h"

static long fault_at = -1; /* -1: not read from the environment yet */
static int fault_crash;
static long fault_count;

static void fault_init(void)
{
	const char *at = getenv("SCQ_FAULT_AT");
	const char *mode = getenv("SCQ_FAULT_MODE");
	fault_at = at ? strtol(at, NULL, 10) : 0;
	fault_crash = mode && !strcmp(mode, "crash");
}

void fs_fault_set(long at, int crash)
{
	fault_at = at;
	fault_crash = crash;
	fault_count = 0;
}

long fs_fault_count(void)
{
	return fault_count;
}

int fs_fault_step(const char *what)
{
	if (fault_at < 0)
		fault_init();
	fault_count++;
	if (fault_at <= 0 || fault_count != fault_at)
		return 0;
	if (fault_crash) {
		if (getenv("SCQ_FAULT_VERBOSE"))
			fprintf(stderr, "scq: fault seam: crash at step %ld (%s)\n",
				fault_count, what);
		_exit(99);
	}
	errno = EIO;
	return -1;
}

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void temp_name(struct buf *b, const char *name)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	/* capped so that a 255-byte name still gives a valid temp name */
	buf_setf(b, ".%.200s.%ld.%08x.tmp", name, (long)getpid(), r);
}

static int write_temp(int dirfd, const char *tmp, const void *data,
		      size_t len, unsigned flags)
{
	mode_t mode = (flags & FS_EXEC) ? 0755 : (flags & FS_PRIVATE) ? 0600 : 0644;
	int fd, err;
	if (fs_fault_step("create temp") < 0)
		return -1;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	if (fs_write_all(fd, data, len) < 0 || fs_fault_step("write") < 0 ||
	    (!(flags & FS_DEFER_SYNC) && (fs_fault_step("fsync") < 0 || fsync(fd) < 0)))
		goto fail;
	if (close(fd) < 0) /* NFS-like file systems report errors at close */
		goto fail_closed;
	return 0;
fail:
	fd_close(&fd);
fail_closed:
	err = errno;
	unlinkat(dirfd, tmp, 0);
	errno = err;
	return -1;
}

int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len,
		    unsigned flags)
{
	struct buf tmp = BUF_INIT;
	int r = -1, err;
	if (len == 0) { /* SyftBox never syncs empty files: never write one */
		errno = EINVAL;
		return -1;
	}
	if (flags & FS_STAGED) { /* see enum fs_flags */
		r = write_temp(dirfd, name, data, len, flags);
		goto out;
	}
	temp_name(&tmp, name);
	if (write_temp(dirfd, tmp.ptr, data, len, flags) < 0)
		goto out;
	if (fs_fault_step("rename") < 0)
		goto unlink;
	if (flags & FS_NOREPLACE)
		r = renameat2(dirfd, tmp.ptr, dirfd, name, RENAME_NOREPLACE);
	else
		r = renameat(dirfd, tmp.ptr, dirfd, name);
	if (r < 0)
		goto unlink;
	if (!(flags & FS_DEFER_SYNC))
		r = fs_fsync_dir(dirfd);
	goto out;
unlink:
	err = errno;
	unlinkat(dirfd, tmp.ptr, 0);
	errno = err;
	r = -1;
out:
	buf_release(&tmp);
	return r;
}

int fs_fsync_dir(int dirfd)
{
	if (fs_fault_step("fsync dir") < 0)
		return -1;
	return fsync(dirfd);
}

int fs_syncfs(int fd)
{
	if (fs_fault_step("syncfs") < 0)
		return -1;
	return syncfs(fd);
}

int fs_rename(int olddir, const char *oldname, int newdir, const char *newname,
	      unsigned flags)
{
	if (fs_fault_step("rename") < 0)
		return -1;
	if (renameat2(olddir, oldname, newdir, newname, RENAME_NOREPLACE) < 0)
		return -1;
	if (flags & FS_DEFER_SYNC)
		return 0;
	if (fs_fsync_dir(newdir) < 0)
		return -1;
	return olddir == newdir ? 0 : fs_fsync_dir(olddir);
}

int fs_mkdir(int dirfd, const char *name, mode_t mode)
{
	if (fs_fault_step("mkdir") < 0)
		return -1;
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	char *p, *s;
	int r = 0;
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0; /* the common case: nothing to create */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0; /* the next common case: only the last level was missing */
	if (errno != ENOENT)
		return -1;
	p = xstrdup(path);
	for (s = p + 1; r == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			r = -1;
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return r;
}

int fs_open_dir(int dirfd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd;
}

int fs_read_file(int dirfd, const char *path, size_t max, struct buf *out)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	char chunk[65536];
	ssize_t n;
	size_t start;
	int fd, r = -1;
	fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	start = out->len;
	/* read straight into the buffer, and stop at the size fstat gave:
	 * files we read are replaced, never appended to, so this saves both
	 * a copy and the read that would only see EOF */
	if (st.st_size > 0 && buf_reserve(out, (size_t)st.st_size) < 0)
		goto out;
	while (out->len - start < (size_t)st.st_size || st.st_size == 0) {
		size_t room = out->cap ? out->cap - 1 - out->len : 0;
		char *dst = room ? out->ptr + out->len : chunk;
		n = read(fd, dst, room ? room : sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (out->len - start + (size_t)n > max) {
			errno = EFBIG;
			goto out;
		}
		if (room) {
			out->len += (size_t)n;
			out->ptr[out->len] = '\0';
		} else if (buf_add(out, chunk, (size_t)n) < 0) {
			goto out;
		}
	}
	r = 0;
out:
	fd_close(&fd);
	return r;
}

int fs_flock(int fd, int op)
{
	int r;
	while ((r = flock(fd, op)) < 0 && errno == EINTR)
		;
	return r;
}

int fs_append_sync(int fd, const void *data, size_t len)
{
	if (fs_fault_step("append") < 0)
		return -1;
	if (fs_write_all(fd, data, len) < 0)
		return -1;
	return fsync(fd);
}

int fs_exists(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int fs_open_beneath(int root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

void fd_close(int *fd)
{
	int err = errno;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	errno = err;
}

/* Read in until EOF, writing to out; c->fail tells a source failure from
 * a destination one. */
static int copy_body(int in, int out, uint64_t max, struct fs_copy *c)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return c->fail = FS_FAIL_READ, -1;
		if (n == 0)
			break;
		c->copied += (uint64_t)n;
		if (c->copied > max) { /* FS_COPY_EXACT: grown past fstat's size */
			c->fail = (c->flags & FS_COPY_EXACT) ? FS_FAIL_CHANGED : FS_FAIL_CAP;
			errno = (c->flags & FS_COPY_EXACT) ? ESTALE : EFBIG;
			return -1;
		}
		if (c->fn)
			c->fn(c->ctx, chunk, (size_t)n);
		if (out >= 0 && fs_write_all(out, chunk, (size_t)n) < 0)
			return c->fail = FS_FAIL_WRITE, -1;
	}
	if ((c->flags & FS_COPY_EXACT) && c->copied != (uint64_t)c->st.st_size) {
		errno = ESTALE; /* shrank while copied */
		return c->fail = FS_FAIL_CHANGED, -1;
	}
	return 0;
}

int fs_copy_fd(int in, int out, uint64_t max, fs_chunk_fn *fn, void *ctx, uint64_t *copied)
{
	struct fs_copy c;
	memset(&c, 0, sizeof(c));
	c.fn = fn;
	c.ctx = ctx;
	if (copy_body(in, out, max, &c) < 0)
		return -1;
	*copied = c.copied;
	return 0;
}

/* Copy in to dstdir/name: temp, fsync, no-replace rename, fsync dir; or
 * the final name directly (FS_STAGED, FS_COPY_DIRECT).  Nothing is left
 * behind on failure. */
static int copy_to(int in, int dstdir, const char *name, uint64_t max, struct fs_copy *c)
{
	struct buf tmp = BUF_INIT;
	unsigned f = c->flags;
	int direct = (f & (FS_STAGED | FS_COPY_DIRECT)) != 0, stepped = !(f & FS_COPY_DIRECT);
	mode_t mode = c->mode ? c->mode : (f & FS_EXEC) ? 0755 : 0644;
	int out = -1, r = -1, err;
	if (direct)
		buf_adds(&tmp, name);
	else
		temp_name(&tmp, name);
	if (stepped && fs_fault_step("create temp") < 0)
		goto fail;
	out = openat(dstdir, tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (out < 0)
		goto fail;
	if (copy_body(in, out, max, c) < 0)
		goto unlink;
	if ((stepped && fs_fault_step("write") < 0) ||
	    (!(f & (FS_DEFER_SYNC | FS_COPY_DIRECT)) && fsync(out) < 0))
		goto fail_unlink;
	r = close(out);
	out = -1;
	if (r < 0)
		goto fail_unlink;
	r = -1;
	if (!direct && (fs_fault_step("rename") < 0 ||
			renameat2(dstdir, tmp.ptr, dstdir, name, RENAME_NOREPLACE) < 0))
		goto fail_unlink;
	r = direct || (f & FS_DEFER_SYNC) ? 0 : fs_fsync_dir(dstdir);
	if (r < 0)
		c->fail = FS_FAIL_WRITE;
	goto out;
fail:
	c->fail = FS_FAIL_WRITE;
	goto out;
fail_unlink:
	c->fail = FS_FAIL_WRITE;
unlink:
	fd_close(&out);
	err = errno; /* the failure's, not the clean-up's */
	unlinkat(dstdir, tmp.ptr, 0);
	errno = err;
out:
	fd_close(&out);
	buf_release(&tmp);
	return r;
}

int fs_copy_atomic(int srcfd, int dstdir, const char *name, uint64_t max,
		   unsigned flags, fs_chunk_fn *fn, void *ctx, uint64_t *copied)
{
	struct fs_copy c;
	int r;
	memset(&c, 0, sizeof(c));
	c.flags = flags & (FS_DEFER_SYNC | FS_STAGED | FS_EXEC);
	c.fn = fn;
	c.ctx = ctx;
	r = copy_to(srcfd, dstdir, name, max, &c);
	*copied = c.copied;
	return r;
}

static int open_source(int dir, const char *path, unsigned flags)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS && !(flags & FS_COPY_BENEATH) && !strchr(path, '/'))
		fd = openat(dir, path, (int)how.flags); /* one name: O_NOFOLLOW suffices */
	return fd;
}

/* The checks of the open source: 0, or -1 with errno and c->fail. */
static int check_source(int in, struct fs_copy *c)
{
	const struct stat *x = c->expect;
	if (fstat(in, &c->st) < 0)
		return c->fail = FS_FAIL_READ, -1;
	if (!S_ISREG(c->st.st_mode))
		return errno = EINVAL, c->fail = FS_FAIL_TYPE, -1;
	if (x && (x->st_ino != c->st.st_ino || x->st_dev != c->st.st_dev))
		return errno = ESTALE, c->fail = FS_FAIL_CHANGED, -1;
	if ((c->flags & FS_COPY_ONE_LINK) && c->st.st_nlink > 1)
		return errno = EMLINK, c->fail = FS_FAIL_LINKS, -1;
	if ((c->flags & FS_COPY_EXACT) && (uint64_t)c->st.st_size > c->max)
		return errno = EFBIG, c->fail = FS_FAIL_CAP, -1;
	return 0;
}

int fs_copy_file(int srcdir, const char *src, int dstdir, const char *dst,
		 struct fs_copy *c)
{
	int in, r = -1;
	uint64_t max = c->max;
	c->copied = 0;
	c->fail = FS_FAIL_NONE;
	memset(&c->st, 0, sizeof(c->st));
	in = open_source(srcdir, src, c->flags);
	if (in < 0) {
		/* ELOOP: a symlink, refused by RESOLVE_NO_SYMLINKS / O_NOFOLLOW */
		c->fail = errno == ELOOP ? FS_FAIL_TYPE : FS_FAIL_OPEN;
		return -1;
	}
	if (check_source(in, c) == 0) {
		if ((c->flags & FS_COPY_EXACT) && (uint64_t)c->st.st_size < max)
			max = (uint64_t)c->st.st_size;
		r = copy_to(in, dstdir, dst, max, c);
	}
	fd_close(&in);
	return r;
}
