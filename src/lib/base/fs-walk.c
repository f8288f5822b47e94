/*
 * fs-walk.c - fs_walk, the one tree walker of libscq, and fs_remove_tree
 * on it (both declared in fs.h).
 *
 * Why one walker: the manifest builder, the ingest check, the output
 * collector, the /code copy and fs_remove_tree each walked on their own,
 * and each handled symlinks, FIFOs, mounts and caps its own way.  The
 * rules that make a walk of a hostile tree safe are here once:
 * nothing but folders is opened, each relative to its parent's descriptor
 * without following a link or leaving the file system; every cap is
 * reported to the caller; one descriptor per level, and a fixed number of
 * levels.  What to do with an entry is the caller's business (fn).
 */
#include "base/compat.h"
#include <dirent.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/banned.h"

struct walk {
	const struct fs_walk_opts *o;
	fs_walk_fn *fn;
	void *ctx;
	dev_t dev;         /* root's file system */
	int max_depth;
	long long entries;
	uint64_t bytes;
	int stopped;       /* max_entries reached */
};

const char *fs_type_name(enum fs_type t)
{
	static const char *const names[] = { "unknown", "file", "folder", "symlink",
		"FIFO", "socket", "device", "special file" };
	return (size_t)t < SCQ_NELEM(names) ? names[t] : "unknown";
}

static enum fs_type type_of(mode_t m)
{
	if (S_ISREG(m))
		return FS_T_FILE;
	if (S_ISDIR(m))
		return FS_T_DIR;
	if (S_ISLNK(m))
		return FS_T_LINK;
	if (S_ISFIFO(m))
		return FS_T_FIFO;
	if (S_ISSOCK(m))
		return FS_T_SOCK;
	if (S_ISCHR(m) || S_ISBLK(m))
		return FS_T_DEV;
	return FS_T_OTHER;
}

/* Open the folder name below dir, which lstat saw as seen: never through
 * a link, never across a mount (EXDEV), and still the same inode (ESTALE
 * if it was swapped meanwhile). */
static int open_sub(int dir, const char *name, const struct stat *seen)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	struct stat st;
	int fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) /* one name: O_NOFOLLOW suffices */
		fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		fd_close(&fd);
		return -1;
	}
	if (st.st_ino != seen->st_ino || st.st_dev != seen->st_dev) {
		fd_close(&fd);
		errno = ESTALE;
	}
	return fd;
}

static int walk_dir(struct walk *w, int fd, const char *prefix, int depth, int dst);

/* Enter the folder e (fn accepted it); fn hears of a failure. */
static int enter(struct walk *w, struct fs_walk_entry *e)
{
	struct buf sub = BUF_INIT;
	int fd = open_sub(e->dirfd, e->name, &e->st), r;
	if (fd < 0) {
		if (errno == EXDEV) /* a mount of the same file system */
			e->limit = FS_LIMIT_XDEV;
		else
			e->error = errno;
		return w->fn(w->ctx, e) < 0 ? -1 : 0;
	}
	buf_addf(&sub, "%s/", e->path);
	e->entered = 1;
	r = walk_dir(w, fd, sub.ptr, e->depth + 1, e->child_dst);
	buf_release(&sub);
	if (r > 0) { /* it could not be listed (whole) */
		e->error = r;
		return w->fn(w->ctx, e) < 0 ? -1 : 0;
	}
	if (r == 0 && (w->o->flags & FS_WALK_POST)) {
		e->post = 1;
		r = w->fn(w->ctx, e) < 0 ? -1 : 0;
	}
	return r;
}

/* Classify one entry, hand it to fn, enter it if it is a folder fn wants. */
static int visit(struct walk *w, int dir, const char *name, const char *prefix,
		 int depth, int dst)
{
	struct fs_walk_entry e;
	struct buf path = BUF_INIT;
	int r;
	memset(&e, 0, sizeof(e));
	buf_addf(&path, "%s%s", prefix, name);
	e.dirfd = dir;
	e.name = name;
	e.path = path.ptr;
	e.depth = depth;
	e.dst = dst;
	e.child_dst = -1;
	if (w->o->max_entries > 0 && ++w->entries > w->o->max_entries) {
		e.limit = FS_LIMIT_ENTRIES;
		w->stopped = 1;
	} else if (fstatat(dir, name, &e.st, AT_SYMLINK_NOFOLLOW) < 0) {
		e.error = errno;
	} else {
		e.type = type_of(e.st.st_mode);
	}
	if (e.type == FS_T_FILE && w->o->max_bytes &&
	    (uint64_t)e.st.st_size > w->o->max_bytes - w->bytes)
		e.limit = FS_LIMIT_BYTES;
	else if (e.type == FS_T_DIR && e.st.st_dev != w->dev)
		e.limit = FS_LIMIT_XDEV;
	else if (e.type == FS_T_DIR && depth + 1 > w->max_depth)
		e.limit = FS_LIMIT_DEPTH;
	r = w->fn(w->ctx, &e);
	if (r >= 0 && e.type == FS_T_FILE && !e.limit && r != FS_WALK_SKIP)
		w->bytes += (uint64_t)e.st.st_size;
	if (r >= 0 && e.type == FS_T_DIR && !e.limit && r != FS_WALK_SKIP)
		r = enter(w, &e);
	fd_close(&e.child_dst);
	buf_release(&path);
	return r < 0 ? -1 : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of d (FS_WALK_SORTED), sorted; NULL-terminated.  *err: the
 * errno of a listing that failed part way, else 0. */
static char **sorted_names(DIR *d, int *err)
{
	size_t n = 0, cap = 16;
	char **v = xmalloc(cap * sizeof(*v));
	struct dirent *e;
	while ((errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n + 1 == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = xstrdup(e->d_name);
	}
	*err = errno;
	v[n] = NULL;
	xqsort(v, n, sizeof(*v), name_cmp);
	return v;
}

/* Walk the folder open at fd (consumed).  0, -1 when fn stopped the walk,
 * or an errno (> 0) when the folder could not be listed. */
static int walk_dir(struct walk *w, int fd, const char *prefix, int depth, int dst)
{
	DIR *d = fdopendir(fd);
	struct dirent *e = NULL;
	char **names = NULL;
	int r = 0, err;
	size_t i;
	if (!d) {
		err = errno;
		fd_close(&fd);
		return err;
	}
	if (w->o->flags & FS_WALK_SORTED) {
		names = sorted_names(d, &err);
		for (i = 0; names[i] && r == 0 && !w->stopped; i++)
			r = visit(w, dirfd(d), names[i], prefix, depth, dst);
		for (i = 0; names[i]; i++)
			free(names[i]);
		free(names);
	} else {
		/* a folder that cannot be listed must not pass as empty */
		while (r == 0 && !w->stopped && (errno = 0, e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				r = visit(w, dirfd(d), e->d_name, prefix, depth, dst);
		err = r == 0 && !w->stopped && !e ? errno : 0;
	}
	closedir(d);
	return r < 0 ? -1 : err;
}

int fs_walk(int root, const struct fs_walk_opts *opts, fs_walk_fn *fn, void *ctx)
{
	struct walk w;
	struct stat st;
	int fd, r;
	memset(&w, 0, sizeof(w));
	w.o = opts;
	w.fn = fn;
	w.ctx = ctx;
	w.max_depth = opts->max_depth > 0 && opts->max_depth < FS_WALK_MAX_DEPTH ?
		      opts->max_depth : FS_WALK_MAX_DEPTH;
	/* a fresh open file description: its offset is not shared with
	 * root's (a dup is), and root may be an O_PATH descriptor */
	fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fd_close(&fd);
		return -1;
	}
	w.dev = st.st_dev;
	r = walk_dir(&w, fd, "", 0, opts->dst);
	if (r > 0)
		errno = r;
	return r == 0 ? 0 : -1;
}

/* fs_remove_tree: clean-up is one more walk (post-order). */
/* Levels one removal descends at most (one descriptor each). */
#define REMOVE_MAX_DEPTH 32

struct removal {
	int root;       /* the top of the tree being removed */
	unsigned moved; /* folders moved up to root for the next pass */
	int failed;
};

/* A folder at the depth limit is not entered: it is renamed into root and
 * counted, for the next pass.  So a hostile tree of any depth costs at most
 * REMOVE_MAX_DEPTH descriptors, and a crash leaves what is left inside the
 * tree, never beside it. */
static int remove_entry(void *ctx, struct fs_walk_entry *e)
{
	static unsigned seq;
	struct removal *rm = ctx;
	char name[64];
	if (e->type == FS_T_UNKNOWN) { /* vanished meanwhile: fine */
		rm->failed |= e->error != ENOENT;
		return 0;
	}
	if (!e->post && !e->error && fs_fault_step("remove") < 0)
		return -1;
	if (e->type != FS_T_DIR) {
		if (unlinkat(e->dirfd, e->name, 0) < 0 && errno != ENOENT)
			rm->failed = 1;
		return 0;
	}
	if (e->limit == FS_LIMIT_DEPTH) {
		snprintf(name, sizeof(name), ".scq-rm-%d-%u", (int)getpid(), ++seq);
		if (renameat2(e->dirfd, e->name, rm->root, name, RENAME_NOREPLACE) < 0)
			rm->failed = 1;
		else
			rm->moved++;
		return 0;
	}
	if (!e->post && !e->error && !e->limit)
		return 0; /* enter it; removed when its entries are (post) */
	rm->failed |= e->error != 0;
	if (unlinkat(e->dirfd, e->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rm->failed = 1;
	return 0;
}

int fs_remove_tree(int dirfd, const char *name)
{
	struct fs_walk_opts o = { FS_WALK_POST, 0, REMOVE_MAX_DEPTH - 1, 0, -1 };
	struct removal rm = { -1, 0, 0 };
	struct stat st;
	int r;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (fs_fault_step("remove") < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	rm.root = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rm.root < 0)
		return -1;
	do { /* each pass removes REMOVE_MAX_DEPTH levels of a deep chain */
		rm.moved = 0;
		r = fs_walk(rm.root, &o, remove_entry, &rm);
	} while (r == 0 && !rm.failed && rm.moved);
	fd_close(&rm.root);
	if (r < 0 || rm.failed)
		return -1;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}
