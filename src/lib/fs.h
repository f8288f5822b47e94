/*
 * fs.h - every file-system mutation of libscq goes through here.
 *
 * Guarantees:
 *   - fs_write_atomic is THE way to create or replace a file: a temp file
 *     with an ignored name (.NAME.PID.RAND.tmp) in the same directory,
 *     write all, fsync, rename, fsync the directory.  Readers see the old
 *     content or the new one, never a mix; no file is ever empty.
 *   - fs_rename moves with RENAME_NOREPLACE and fsyncs both directories:
 *     a state transition is durable when it returns 0.
 *   - Reads never follow symlinks, never block on FIFOs and are capped.
 *   - A fault seam (SCQ_FAULT_AT=N, SCQ_FAULT_MODE=fail|crash) fails or
 *     _exit()s at the N-th mutating step, so tests can "crash" anywhere.
 * Functions return 0 or -1 with errno set (the callers turn that into an
 * SCQ_E* code with a message naming the file).
 */
#ifndef SCQ_FS_H
#define SCQ_FS_H

#include "compat.h"
#include "buf.h"

enum fs_flags {
	FS_DEFER_SYNC = 1 << 0, /* skip fsyncs: the caller will fs_syncfs */
	FS_NOREPLACE = 1 << 1,  /* fs_write_atomic: fail if the name exists */
	FS_EXEC = 1 << 2,       /* fs_write_atomic: mode 0755 instead of 0644 */
	/* The directory is itself an unpublished staging folder that will be
	 * renamed into place whole (after a sync): write the final name
	 * directly (O_EXCL), the folder's rename is the atomic step. */
	FS_STAGED = 1 << 3
};

int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len,
		    unsigned flags);
int fs_rename(int olddir, const char *oldname, int newdir, const char *newname,
	      unsigned flags);
int fs_fsync_dir(int dirfd);
/* Flush the whole file system holding fd: commits deferred writes. */
int fs_syncfs(int fd);
int fs_mkdir(int dirfd, const char *name, mode_t mode); /* EEXIST is ok */
int fs_mkdir_p(const char *path, mode_t mode);
/* Open a directory below dirfd without following symlinks anywhere. */
int fs_open_dir(int dirfd, const char *path);
/* Read a regular file (no symlink, no FIFO) of at most max bytes.
 * errno EFBIG if larger, EINVAL if not a regular file. */
int fs_read_file(int dirfd, const char *path, size_t max, struct buf *out);
/* Remove a tree without following symlinks.  ENOENT is not an error.
 * Any depth, with at most 32 descriptors held (deep folders are moved up). */
int fs_remove_tree(int dirfd, const char *name);
/* flock(2), retried when a signal interrupts it (the runner's SIGTERM
 * handler has no SA_RESTART): a stop request must not turn into a failed
 * ingest or audit append. */
int fs_flock(int fd, int op);
/* write(2) until all of data is written (EINTR and short writes handled). */
int fs_write_all(int fd, const void *data, size_t len);
/* Append one line (O_APPEND) and fsync. */
int fs_append_sync(int fd, const void *data, size_t len);
int fs_exists(int dirfd, const char *name);

/* The fault seam: called before each mutating step.  Returns -1 (errno
 * EIO) when this step is to fail; never returns when it is to crash. */
int fs_fault_step(const char *what);
/* Reset the seam (tests): at = 0 disables it. */
void fs_fault_set(long at, int crash);
long fs_fault_count(void);

#endif

/* Called with each chunk of data copied (for hashing while copying). */
typedef void fs_chunk_fn(void *ctx, const void *data, size_t len);
/*
 * Copy the regular file open at srcfd into dstdir/name through the same
 * temp-write-rename path as fs_write_atomic.  Fails with EFBIG past max
 * bytes; *copied receives the byte count.  An empty source is allowed
 * here (code files may be empty; they live in the private store only or
 * are listed in the manifest, which tells the receiver to expect 0 bytes).
 */
int fs_copy_atomic(int srcfd, int dstdir, const char *name, uint64_t max,
		   unsigned flags, fs_chunk_fn *fn, void *ctx, uint64_t *copied);
/* Copy in to out until EOF (partial writes and EINTR handled); EFBIG past
 * max bytes.  fn (may be NULL) sees every chunk; *copied gets the count. */
int fs_copy_fd(int in, int out, uint64_t max, fs_chunk_fn *fn, void *ctx, uint64_t *copied);
/* openat2 below root with no symlinks and no escape (RESOLVE_BENEATH). */
int fs_open_beneath(int root, const char *path, int flags);
