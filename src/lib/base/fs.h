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
 *
 * Exports (fs.c): fs_write_atomic, fs_rename, fs_fsync_dir, fs_syncfs,
 * fs_mkdir, fs_mkdir_p, fs_open_dir, fs_read_file, fs_flock, fs_write_all,
 * fs_append_sync, fs_exists, fs_fault_step, fs_fault_set, fs_fault_count,
 * fs_copy_atomic, fs_copy_fd, fs_open_beneath, fd_close, fs_copy_file.
 * Exports (fs-walk.c): fs_remove_tree, fs_walk, fs_type_name.
 */
#ifndef SCQ_FS_H
#define SCQ_FS_H

#include "base/compat.h"
#include "base/buf.h"

enum fs_flags {
	FS_DEFER_SYNC = 1 << 0, /* skip fsyncs: the caller will fs_syncfs */
	FS_NOREPLACE = 1 << 1,  /* fs_write_atomic: fail if the name exists */
	FS_EXEC = 1 << 2,       /* fs_write_atomic: mode 0755 instead of 0644 */
	/* The directory is itself an unpublished staging folder that will be
	 * renamed into place whole (after a sync): write the final name
	 * directly (O_EXCL), the folder's rename is the atomic step. */
	FS_STAGED = 1 << 3,
	FS_PRIVATE = 1 << 4     /* fs_write_atomic: mode 0600 (a private key) */
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
 * max bytes.  fn (may be NULL) sees every chunk; *copied gets the count.
 * out -1: read only (to hash a file through fn). */
int fs_copy_fd(int in, int out, uint64_t max, fs_chunk_fn *fn, void *ctx, uint64_t *copied);
/* openat2 below root with no symlinks and no escape (RESOLVE_BENEATH). */
int fs_open_beneath(int root, const char *path, int flags);

/* Close *fd if it is open and mark it closed (-1); errno is kept, so a
 * cleanup path can report the error that sent it there. */
void fd_close(int *fd);

/*
 * One walker for every tree the library reads or removes.
 *
 * fs_walk(root, opts, fn, ctx) calls fn once for each entry below the
 * folder root, with these guarantees (written once, here):
 *   - beneath root only: each folder is opened relative to its parent's
 *     descriptor with openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 *     RESOLVE_NO_XDEV (openat O_NOFOLLOW | O_DIRECTORY without openat2),
 *     and must still be the inode lstat classified (a swap is an error);
 *   - no symlink is followed, and nothing but folders is ever opened:
 *     links, FIFOs, sockets and devices are reported by type only, so the
 *     caller decides (refuse, quarantine, skip with a note);
 *   - no descent into another file system (st_dev differs from root's);
 *   - caps (entries, depth, bytes of regular files) are reported to fn as
 *     the limit of the entry that hit them, never applied silently;
 *   - one descriptor per level, at most FS_WALK_MAX_DEPTH levels (plus
 *     whatever fn keeps in child_dst);
 *   - FS_WALK_SORTED: the entries of each folder in strcmp order.
 * fn returns 0 (go on; a folder is entered), FS_WALK_SKIP (a folder is not
 * entered) or -1 (stop: fs_walk returns -1).  fs_walk returns 0, or -1
 * with errno when fn stopped it or root cannot be listed.
 */
#define FS_WALK_MAX_DEPTH 64

enum fs_type { FS_T_UNKNOWN, FS_T_FILE, FS_T_DIR, FS_T_LINK, FS_T_FIFO, FS_T_SOCK,
	       FS_T_DEV, FS_T_OTHER };

enum fs_limit {
	FS_LIMIT_NONE,
	FS_LIMIT_ENTRIES, /* max_entries reached: this entry and the rest are not visited */
	FS_LIMIT_DEPTH,   /* a folder whose entries would be deeper than max_depth: not entered */
	FS_LIMIT_BYTES,   /* a regular file past max_bytes (it is not counted) */
	FS_LIMIT_XDEV     /* a folder on another file system: not entered */
};

enum fs_walk_flags {
	FS_WALK_SORTED = 1 << 0, /* each folder's entries in strcmp order */
	FS_WALK_POST = 1 << 1    /* fn is called again after a folder's entries (post = 1) */
};

struct fs_walk_opts {
	unsigned flags;
	long long max_entries; /* 0: no cap */
	int max_depth;         /* 0 or over FS_WALK_MAX_DEPTH: FS_WALK_MAX_DEPTH */
	uint64_t max_bytes;    /* sum of the regular files' sizes; 0: no cap */
	int dst;               /* given as dst to the root's entries (-1: unused) */
};

struct fs_walk_entry {
	int dirfd;            /* the folder holding the entry */
	const char *name;     /* its name in dirfd */
	const char *path;     /* from root, '/'-separated */
	int depth;            /* 0: an entry of root */
	enum fs_type type;
	enum fs_limit limit;  /* a cap this entry hit (see enum fs_limit) */
	int error;            /* errno: lstat failed (type FS_T_UNKNOWN), or this
			       * folder could not be opened or listed (FS_T_DIR) */
	int entered;          /* the folder was opened (so an error is its listing's) */
	int post;             /* FS_WALK_POST: the folder's entries are done */
	struct stat st;       /* lstat of the entry */
	int dst;              /* the caller's descriptor for the parent folder */
	int child_dst;        /* fn may set it for a folder: dst of its entries;
			       * the walker closes it when the folder is done */
};

typedef int fs_walk_fn(void *ctx, struct fs_walk_entry *e);
#define FS_WALK_SKIP 1

int fs_walk(int root, const struct fs_walk_opts *opts, fs_walk_fn *fn, void *ctx);
const char *fs_type_name(enum fs_type t);

/*
 * The one safe copy of a file: srcdir/src (one name, or a path below
 * srcdir with FS_COPY_BENEATH) to dstdir/dst.  The source is opened
 * O_NOFOLLOW | O_NONBLOCK | O_NOCTTY and fstat-checked to be a regular file
 * (a symlink, FIFO or device is refused without reading or blocking),
 * copied with a byte cap and shown chunk by chunk to fn (the sha256_chunk
 * hasher).  The destination: a temp name, fsync and a no-replace rename
 * (fs_write_atomic's path) unless FS_DEFER_SYNC, FS_STAGED or FS_COPY_DIRECT
 * say otherwise.  On failure nothing is left at dst, errno is set and
 * c->fail says which step failed.
 */
enum fs_copy_flags {
	FS_COPY_BENEATH = 1 << 8,  /* src is a path below srcdir (RESOLVE_BENEATH) */
	FS_COPY_DIRECT = 1 << 9,   /* write dst itself (O_EXCL), no temp, no fsync:
				    * a private scratch tree (the sandbox's /code,
				    * the collected outputs) */
	FS_COPY_EXACT = 1 << 10,   /* the source must keep the size fstat gave */
	FS_COPY_ONE_LINK = 1 << 11 /* refuse a source with st_nlink > 1 */
};

enum fs_copy_fail {
	FS_FAIL_NONE,
	FS_FAIL_OPEN,    /* the source cannot be opened (errno from open) */
	FS_FAIL_TYPE,    /* not a regular file (EINVAL) */
	FS_FAIL_CHANGED, /* not the inode expected, or its size changed (ESTALE) */
	FS_FAIL_LINKS,   /* FS_COPY_ONE_LINK and st_nlink > 1 (EMLINK) */
	FS_FAIL_CAP,     /* more than max bytes (EFBIG) */
	FS_FAIL_READ,    /* reading the source */
	FS_FAIL_WRITE    /* creating, writing, syncing or renaming the copy */
};

struct fs_copy {
	uint64_t max;              /* the byte cap */
	unsigned flags;            /* enum fs_flags (FS_DEFER_SYNC, FS_STAGED,
				    * FS_EXEC) | enum fs_copy_flags */
	mode_t mode;               /* 0: 0755 with FS_EXEC, else 0644 */
	fs_chunk_fn *fn;           /* may be NULL */
	void *ctx;
	const struct stat *expect; /* non-NULL: the source must be this inode */
	/* out */
	struct stat st;            /* fstat of the source */
	uint64_t copied;
	enum fs_copy_fail fail;
};

int fs_copy_file(int srcdir, const char *src, int dstdir, const char *dst,
		 struct fs_copy *c);

#endif
