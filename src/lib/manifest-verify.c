/*
 * manifest-verify.c - check an untrusted tree against its manifest, copy it
 * verified into the private store, and re-verify the store copy before a run.
 *
 * Sync delivers files one at a time in any order, so "not there yet" and
 * "hostile" must be told apart: missing or short files mean wait; extra
 * files, links, special files, long files or wrong hashes mean quarantine.
 */
#include "compat.h"
#include <dirent.h>
#include <sodium.h>
#include "alloc.h"
#include "fs.h"
#include "internal.h"
#include "manifest.h"
#include "banned.h"

struct tree_check {
	json_t *files; /* path -> entry */
	json_t *dirs;  /* path -> true */
	const char *top_extra;
	struct buf *err;
	int result;
	unsigned entries;
};

static void index_manifest(json_t *m, json_t *files, json_t *dirs)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		char *d = xstrdup(p), *s;
		json_object_set(files, p, e);
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

static int check_dir(struct tree_check *c, int fd, const char *prefix);

static void check_entry(struct tree_check *c, int fd, const char *name,
			const char *prefix)
{
	struct buf rel = BUF_INIT;
	struct stat st;
	buf_addf(&rel, "%s%s", prefix, name);
	if (++c->entries > 4 * MANIFEST_MAX_FILES) {
		buf_setf(c->err, "too many entries in the job folder");
		c->result = VERIFY_BAD;
	} else if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		c->result = c->result ? c->result : VERIFY_INCOMPLETE;
	} else if (S_ISDIR(st.st_mode) && json_object_get(c->dirs, rel.ptr)) {
		int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		buf_addc(&rel, '/');
		if (sub < 0 || check_dir(c, sub, rel.ptr) < 0)
			c->result = c->result ? c->result : VERIFY_INCOMPLETE;
		if (sub >= 0)
			close(sub);
	} else if (S_ISREG(st.st_mode) && (json_object_get(c->files, rel.ptr) ||
		   (!*prefix && c->top_extra && !strcmp(name, c->top_extra)))) {
		/* expected file: sizes are checked against the manifest later */
	} else if (S_ISREG(st.st_mode) && is_sync_temp(name)) {
		if (c->result == VERIFY_OK)
			c->result = VERIFY_INCOMPLETE;
	} else {
		char *esc = scq_escape_terminal(rel.ptr, rel.len);
		buf_setf(c->err, "'%s' is %s", esc, S_ISLNK(st.st_mode) ? "a symlink" :
			 S_ISDIR(st.st_mode) ? "a folder not in the manifest" :
			 S_ISREG(st.st_mode) ? "a file not in the manifest" :
			 "a special file (FIFO, socket or device)");
		free(esc);
		c->result = VERIFY_BAD;
	}
	buf_release(&rel);
}

static int check_dir(struct tree_check *c, int fd, const char *prefix)
{
	int dfd = dup(fd);
	DIR *dir;
	struct dirent *e = NULL;
	if (dfd < 0 || !(dir = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	rewinddir(dir); /* the dup shares its offset with earlier walks of fd */
	/* a folder that cannot be listed must not pass as empty */
	while (c->result != VERIFY_BAD && (errno = 0, e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			check_entry(c, dirfd(dir), e->d_name, prefix);
	if (c->result != VERIFY_BAD && !e && errno) {
		closedir(dir);
		return -1;
	}
	closedir(dir);
	return 0;
}

static void check_sizes(struct tree_check *c, int srcfd, json_t *m)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		json_int_t want = json_integer_value(json_object_get(e, "size"));
		struct stat st;
		int fd = fs_open_beneath(srcfd, p, O_PATH);
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
		if (fd >= 0)
			close(fd);
		if (c->result == VERIFY_BAD)
			return;
	}
}

int manifest_check_tree(int srcfd, json_t *m, const char *top_extra, struct buf *err)
{
	struct tree_check c = { json_object(), json_object(), top_extra, err, VERIFY_OK, 0 };
	index_manifest(m, c.files, c.dirs);
	if (check_dir(&c, srcfd, "") < 0)
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

static int copy_entry(int srcfd, int dstfd, json_t *e, struct buf *err)
{
	const char *p = json_string_value(json_object_get(e, "path")), *base;
	const char *want = json_string_value(json_object_get(e, "sha256"));
	json_int_t size = json_integer_value(json_object_get(e, "size"));
	int exec = !strcmp(json_string_value(json_object_get(e, "mode")), "0755");
	crypto_hash_sha256_state hs;
	unsigned char d[crypto_hash_sha256_BYTES];
	char hex[65];
	uint64_t n = 0;
	struct stat st;
	int in = -1, dir = -1, r = VERIFY_BAD;
	/* srcfd -1: no code/ arrived (SyftBox never syncs empty files) */
	in = srcfd >= 0 ? fs_open_beneath(srcfd, p, O_RDONLY | O_NONBLOCK) : (errno = ENOENT, -1);
	if (in < 0 && errno == ENOENT && size == 0) /* empty files never sync */
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0 || !(S_ISREG(st.st_mode) ||
	    (size == 0 && S_ISCHR(st.st_mode)))) {
		r = in < 0 && errno == ENOENT ? VERIFY_INCOMPLETE : VERIFY_BAD;
		buf_setf(err, "cannot read '%s': %s", p, in < 0 ? strerror(errno) :
			 "not a regular file");
		goto out;
	}
	dir = manifest_open_parent(dstfd, p, 1, &base);
	crypto_hash_sha256_init(&hs);
	if (dir < 0 || fs_copy_atomic(in, dir, base, (uint64_t)size,
			FS_DEFER_SYNC | FS_STAGED | (exec ? FS_EXEC : 0), sha256_chunk, &hs, &n) < 0) {
		int saved = errno;
		buf_setf(err, "copying '%s': %s", p, saved == EFBIG ?
			 "larger than the manifest says" : strerror(saved));
		r = saved == EFBIG ? VERIFY_BAD : VERIFY_LOCAL;
		goto out;
	}
	crypto_hash_sha256_final(&hs, d);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	if (n < (uint64_t)size)
		r = VERIFY_INCOMPLETE;
	else if (strcmp(hex, want))
		buf_setf(err, "sha256 of '%s' does not match the manifest", p);
	else
		r = VERIFY_OK;
	if (r == VERIFY_INCOMPLETE)
		buf_setf(err, "'%s' is not complete yet", p);
out:
	if (in >= 0)
		close(in);
	if (dir >= 0)
		close(dir);
	return r;
}

int manifest_copy_verified(int srcfd, int dstfd, json_t *m, struct buf *err)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		int r = copy_entry(srcfd, dstfd, e, err);
		if (r != VERIFY_OK)
			return r;
	}
	return VERIFY_OK;
}

static int hash_file(int dirfd, const char *path, char hex[65], uint64_t *size)
{
	crypto_hash_sha256_state hs;
	unsigned char d[crypto_hash_sha256_BYTES], chunk[65536];
	ssize_t n;
	int fd = fs_open_beneath(dirfd, path, O_RDONLY | O_NONBLOCK);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	crypto_hash_sha256_init(&hs);
	*size = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		crypto_hash_sha256_update(&hs, chunk, (unsigned long long)n);
		*size += (uint64_t)n;
	}
	close(fd);
	if (n < 0)
		return -1;
	crypto_hash_sha256_final(&hs, d);
	sodium_bin2hex(hex, 65, d, sizeof(d));
	return 0;
}

int manifest_verify(int dirfd, json_t *m, struct buf *err)
{
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		char hex[65];
		uint64_t size;
		if (hash_file(dirfd, p, hex, &size) < 0)
			return buf_setf(err, "code file '%s': %s", p, strerror(errno)), -1;
		if (size != (uint64_t)json_integer_value(json_object_get(e, "size")) ||
		    strcmp(hex, json_string_value(json_object_get(e, "sha256"))))
			return buf_setf(err, "code file '%s' changed since approval", p), -1;
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
		const char *p = json_string_value(json_object_get(e, "path"));
		mode_t want = strcmp(json_string_value(json_object_get(e, "mode")), "0755") ? 0644 : 0755;
		struct stat st;
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
