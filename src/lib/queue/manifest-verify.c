/*
 * manifest-verify.c - check an untrusted tree against its manifest, copy it
 * verified into the private store, and re-verify the store copy before a run.
 *
 * Sync delivers files one at a time in any order, so "not there yet" and
 * "hostile" must be told apart: missing or short files mean wait; extra
 * files, links, special files, long files or wrong hashes mean quarantine.
 */
#include "base/compat.h"
#include <dirent.h>
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "store/handle.h"
#include "queue/manifest.h"
#include "base/banned.h"

struct tree_check {
	json_t *files; /* path -> entry */
	json_t *dirs;  /* path -> true */
	const char *top_extra;
	struct buf *err;
	int result;
};

static void index_manifest(json_t *m, json_t *files, json_t *dirs)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		struct manifest_entry me;
		char *d, *s;
		manifest_entry_at(e, &me);
		d = xstrdup(me.path);
		json_object_set(files, me.path, e);
		while ((s = strrchr(d, '/'))) {
			*s = '\0';
			json_object_set_new(dirs, d, json_true());
		}
		free(d);
	}
}

/* Names sync clients use while a file is arriving. */
static int is_sync_temp(const char *name)
{
	size_t n = strlen(name);
	return strstr(name, ".tmp.") || (n > 4 && !strcmp(name + n - 4, ".tmp"));
}

/* fs_walk's callback: wait for what is arriving, refuse what is extra. */
static int check_entry(void *ctx, struct fs_walk_entry *e)
{
	struct tree_check *c = ctx;
	const char *what;
	char *esc;
	if (e->limit == FS_LIMIT_ENTRIES) {
		buf_setf(c->err, "too many entries in the job folder");
		c->result = VERIFY_BAD;
		return -1;
	}
	if (e->error) { /* vanished, or a folder that could not be listed */
		c->result = c->result ? c->result : VERIFY_INCOMPLETE;
		return FS_WALK_SKIP;
	}
	if (e->type == FS_T_DIR && !e->limit && json_object_get(c->dirs, e->path))
		return 0;
	if (e->type == FS_T_FILE && (json_object_get(c->files, e->path) ||
	    (!e->depth && c->top_extra && !strcmp(e->name, c->top_extra))))
		return 0; /* expected file: sizes are checked against the manifest later */
	if (e->type == FS_T_FILE && is_sync_temp(e->name)) {
		if (c->result == VERIFY_OK)
			c->result = VERIFY_INCOMPLETE;
		return 0;
	}
	/* stricter than before: a mounted folder was entered */
	what = e->type == FS_T_LINK ? "a symlink" :
	       e->limit == FS_LIMIT_XDEV ? "a mount point (another file system)" :
	       e->type == FS_T_DIR ? "a folder not in the manifest" :
	       e->type == FS_T_FILE ? "a file not in the manifest" :
	       "a special file (FIFO, socket or device)";
	esc = scq_escape_terminal(e->path, strlen(e->path));
	buf_setf(c->err, "'%s' is %s", esc, what);
	free(esc);
	c->result = VERIFY_BAD;
	return -1;
}

static void check_sizes(struct tree_check *c, int srcfd, json_t *m)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		struct manifest_entry me;
		struct stat st;
		const char *p;
		long long want;
		int fd;
		manifest_entry_at(e, &me);
		p = me.path;
		want = me.size;
		fd = fs_open_beneath(srcfd, p, O_PATH);
		if (fd < 0 && errno == ENOENT && want == 0) {
			/* SyftBox never syncs empty files: expect none */
		} else if (fd < 0 || fstat(fd, &st) < 0) {
			c->result = VERIFY_INCOMPLETE;
		} else if (st.st_size > want) {
			buf_setf(c->err, "'%s' is larger than the manifest says", p);
			c->result = VERIFY_BAD;
		} else if (st.st_size < want) {
			c->result = VERIFY_INCOMPLETE;
		}
		fd_close(&fd);
		if (c->result == VERIFY_BAD)
			return;
	}
}

int manifest_check_tree(int srcfd, json_t *m, const char *top_extra, struct buf *err)
{
	struct tree_check c = { json_object(), json_object(), top_extra, err, VERIFY_OK };
	struct fs_walk_opts o = { 0, 4 * MANIFEST_MAX_FILES, MANIFEST_MAX_DEPTH, 0, -1 };
	index_manifest(m, c.files, c.dirs);
	/* a folder that cannot be listed must not pass as empty */
	if (fs_walk(srcfd, &o, check_entry, &c) < 0 && c.result != VERIFY_BAD)
		c.result = VERIFY_INCOMPLETE;
	if (c.result != VERIFY_BAD)
		check_sizes(&c, srcfd, m);
	json_decref(c.files);
	json_decref(c.dirs);
	return c.result;
}

int manifest_open_parent(int root, const char *path, int create, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;
	*base = slash ? slash + 1 : path;
	if (!slash)
		return dup(root);
	dir = xstrndup(path, (size_t)(slash - path));
	if (create) {
		char *s;
		for (s = dir; ; s++) {
			if (*s == '/' || !*s) {
				char ch = *s;
				*s = '\0';
				if (fs_mkdir(root, dir, 0755) < 0) {
					free(dir);
					return -1;
				}
				*s = ch;
				if (!ch)
					break;
			}
		}
	}
	fd = fs_open_beneath(root, dir, O_RDONLY | O_DIRECTORY);
	free(dir);
	return fd;
}

/* A listed empty file that did not arrive (SyftBox never syncs empty
 * files), made through the same staged write as any copy. */
static int copy_empty(int dir, const char *base, unsigned flags)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC), r;
	uint64_t n;
	if (in < 0)
		return -1;
	r = fs_copy_atomic(in, dir, base, 0, flags, NULL, NULL, &n);
	fd_close(&in);
	return r;
}

static int copy_entry(int srcfd, int dstfd, const struct manifest_entry *me, struct buf *err)
{
	const char *p = me->path, *want = me->sha256, *base;
	long long size = me->size;
	int exec = me->exec;
	crypto_hash_sha256_state hs;
	char hex[65];
	struct fs_copy c;
	int dir = -1, r = VERIFY_BAD, saved;
	memset(&c, 0, sizeof(c));
	c.max = (uint64_t)size;
	c.flags = FS_COPY_BENEATH | FS_DEFER_SYNC | FS_STAGED | (exec ? FS_EXEC : 0);
	c.fn = sha256_chunk;
	c.ctx = &hs;
	crypto_hash_sha256_init(&hs);
	/* srcfd -1: no code/ arrived (SyftBox never syncs empty files) */
	if (srcfd < 0 && size != 0) {
		buf_setf(err, "cannot read '%s': %s", p, strerror(ENOENT));
		return VERIFY_INCOMPLETE;
	}
	dir = manifest_open_parent(dstfd, p, 1, &base);
	if (dir < 0) {
		c.fail = FS_FAIL_WRITE;
	} else if (srcfd >= 0 && fs_copy_file(srcfd, p, dir, base, &c) == 0) {
		c.fail = FS_FAIL_NONE;
	} else if ((srcfd < 0 || (c.fail == FS_FAIL_OPEN && errno == ENOENT)) && size == 0) {
		c.fail = copy_empty(dir, base, c.flags & ~FS_COPY_BENEATH) < 0 ? FS_FAIL_WRITE :
			 FS_FAIL_NONE;
	}
	saved = errno;
	if (c.fail == FS_FAIL_OPEN || c.fail == FS_FAIL_TYPE) {
		r = saved == ENOENT ? VERIFY_INCOMPLETE : VERIFY_BAD;
		buf_setf(err, "cannot read '%s': %s", p, c.fail == FS_FAIL_TYPE && saved == EINVAL ?
			 "not a regular file" : strerror(saved));
		goto out;
	}
	if (c.fail != FS_FAIL_NONE) {
		buf_setf(err, "copying '%s': %s", p, saved == EFBIG ?
			 "larger than the manifest says" : strerror(saved));
		r = saved == EFBIG ? VERIFY_BAD : VERIFY_LOCAL;
		goto out;
	}
	sha256_chunk_hex(&hs, hex);
	if (c.copied < (uint64_t)size)
		r = VERIFY_INCOMPLETE;
	else if (strcmp(hex, want))
		buf_setf(err, "sha256 of '%s' does not match the manifest", p);
	else
		r = VERIFY_OK;
	if (r == VERIFY_INCOMPLETE)
		buf_setf(err, "'%s' is not complete yet", p);
out:
	fd_close(&dir);
	return r;
}

int manifest_copy_verified(int srcfd, int dstfd, json_t *m, struct buf *err)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		struct manifest_entry me;
		int r;
		manifest_entry_at(e, &me);
		r = copy_entry(srcfd, dstfd, &me, err);
		if (r != VERIFY_OK)
			return r;
	}
	return VERIFY_OK;
}

static int hash_file(int dirfd, const char *path, char hex[65], uint64_t *size)
{
	crypto_hash_sha256_state hs;
	int fd = fs_open_beneath(dirfd, path, O_RDONLY | O_NONBLOCK), r = -1;
	struct stat st;
	if (fd < 0)
		return -1;
	crypto_hash_sha256_init(&hs);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		errno = EINVAL;
	else /* out -1: read and hash only */
		r = fs_copy_fd(fd, -1, UINT64_MAX, sha256_chunk, &hs, size);
	fd_close(&fd);
	if (r == 0)
		sha256_chunk_hex(&hs, hex);
	return r;
}

int manifest_verify(int dirfd, json_t *m, struct buf *err)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		struct manifest_entry me;
		char hex[65];
		uint64_t size;
		manifest_entry_at(e, &me);
		if (hash_file(dirfd, me.path, hex, &size) < 0)
			return buf_setf(err, "code file '%s': %s", me.path, strerror(errno)), -1;
		if (size != (uint64_t)me.size || strcmp(hex, me.sha256))
			return buf_setf(err, "code file '%s' does not match the manifest (size or SHA-256 changed)", me.path), -1;
	}
	return 0;
}

int manifest_verify_exact(int root, json_t *m, struct buf *err)
{
	size_t i;
	json_t *e;
	/* root may be an O_PATH-like descriptor (a detached mount), which
	 * cannot be listed: list through a real directory descriptor */
	int dirfd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), v, r = -1;
	if (dirfd < 0)
		return buf_setf(err, "opening the code folder: %s", strerror(errno)), -1;
	v = manifest_check_tree(dirfd, m, NULL, err);
	if (v != VERIFY_OK) {
		if (!err->len) /* INCOMPLETE says nothing: a listed file is missing */
			buf_setf(err, "a code file listed in the manifest is missing");
		goto out;
	}
	json_array_foreach(m, i, e) {
		struct manifest_entry me;
		const char *p;
		mode_t want;
		struct stat st;
		manifest_entry_at(e, &me);
		p = me.path;
		want = me.exec ? 0755 : 0644;
		if (fstatat(dirfd, p, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
			buf_setf(err, "code file '%s' is missing", p);
			goto out;
		}
		if ((st.st_mode & 07777) != want) {
			buf_setf(err, "code file '%s' has mode %04o, approved %04o", p,
				 (unsigned)(st.st_mode & 07777), (unsigned)want);
			goto out;
		}
	}
	r = manifest_verify(dirfd, m, err);
out:
	close(dirfd);
	return r;
}
