/*
 * manifest.c - build, check and verify job manifests (see manifest.h).
 *
 * The tree is walked by fs_walk and files copied by fs_copy_file (fs.h):
 * a hostile tree (symlinks, FIFOs, ../ names, mounts) can neither redirect
 * a read nor block it.  Every file is read once: hashed while copied.
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "store/handle.h"
#include "queue/manifest.h"
#include "base/banned.h"

struct walker {
	json_t *list;
	json_t *skipped; /* non-NULL: leave out names SyftBox never syncs */
	int staged;      /* the destination is an unpublished staging folder */
	uint64_t bytes;
	struct buf *err;
	json_t *only; /* non-NULL: copy only these paths (keys), and their folders */
	const char *what; /* "job", or "mock": what a refusal names */
};

/* "job larger than the size limit of N bytes", or "mock ...". */
static int too_large(struct walker *w, const char *path)
{
	return buf_setf(w->err, "copying '%s': %s larger than the size limit of %llu bytes",
			path, w->what, (unsigned long long)MANIFEST_MAX_BYTES), -1;
}

static const char *verb(const struct walker *w)
{
	return strcmp(w->what, "mock") ? "submitted" : "published as mock data";
}

static int path_ok(const char *path, struct buf *err)
{
	char *p = xstrdup(path), *s, *save = NULL;
	int depth = 0, r = 0;
	if (!*path || path[0] == '/' || strlen(path) > MANIFEST_MAX_PATH) {
		r = -1;
		buf_setf(err, "bad path '%s' (empty, absolute or too long)", path);
	} else if (!utf8_valid(path, strlen(path))) {
		/* JSON cannot carry it: refused, never left out of the manifest */
		r = -1;
		buf_setf(err, "file name '%s' is not valid UTF-8; rename it", path);
	}
	for (s = strtok_r(p, "/", &save); s && !r; s = strtok_r(NULL, "/", &save)) {
		if (++depth > MANIFEST_MAX_DEPTH || !component_valid(s, MANIFEST_MAX_COMPONENT)) {
			buf_setf(err, "bad path component in '%s' (.., control "
				 "character, too long or too deep)", path);
			r = -1;
		}
	}
	if (!r && (strstr(path, "//") || path[strlen(path) - 1] == '/')) {
		buf_setf(err, "bad path '%s' (empty component)", path);
		r = -1;
	}
	free(p);
	return r;
}

/* SyftBox's default ignore list (syftbox.md §4.2): such files never
 * reach the data owner, so a job holding one could never arrive complete. */
int syftbox_ignored(const char *name, int is_dir)
{
	static const char *const exact[] = { "syftignore", ".syftkeep", ".DS_Store",
		"Thumbs.db", "Icon", ".vscode", ".idea", ".git" };
	static const char *const dirs[] = { ".ipynb_checkpoints", "__pycache__", "dist",
		"venv", ".venv", "logs" };
	static const char *const inside[] = { "syftrejected", "syftconflict", ".conflict.",
		".rejected.", ".syft.tmp." };
	size_t i, n = strlen(name);
	for (i = 0; i < SCQ_NELEM(exact); i++)
		if (!strcmp(name, exact[i]))
			return 1;
	for (i = 0; is_dir && i < SCQ_NELEM(dirs); i++)
		if (!strcmp(name, dirs[i]))
			return 1;
	for (i = 0; i < SCQ_NELEM(inside); i++)
		if (strstr(name, inside[i]))
			return 1;
	if ((n > 4 && (!strcmp(name + n - 4, ".tmp") || !strcmp(name + n - 4, ".log"))) ||
	    (n > 4 && name[n - 4] == '.' && name[n - 3] == 'p' && name[n - 2] == 'y' &&
	     strchr("cod", name[n - 1])))
		return 1;
	return 0;
}

static int copy_one(struct walker *w, const struct fs_walk_entry *e)
{
	crypto_hash_sha256_state hs;
	struct fs_copy c;
	char hex[65];
	int exec = (e->st.st_mode & 0100) != 0;
	memset(&c, 0, sizeof(c));
	crypto_hash_sha256_init(&hs);
	/* No file in the synced tree is ever empty (SyftBox would never sync
	 * it): the manifest says 0 bytes and the owner recreates it. */
	if (w->staged && e->st.st_size == 0)
		goto add;
	c.max = MANIFEST_MAX_BYTES - w->bytes;
	c.flags = FS_DEFER_SYNC | (w->staged ? FS_STAGED : 0) | (exec ? FS_EXEC : 0);
	c.fn = sha256_chunk;
	c.ctx = &hs;
	c.expect = &e->st;
	if (fs_copy_file(e->dirfd, e->name, e->dst, e->name, &c) < 0) {
		if (c.fail <= FS_FAIL_CHANGED)
			return buf_setf(w->err, "cannot read '%s': %s", e->path, strerror(errno)), -1;
		if (errno == EFBIG)
			return too_large(w, e->path);
		return buf_setf(w->err, "copying '%s': %s", e->path, strerror(errno)), -1;
	}
	w->bytes += c.copied;
add:
	sha256_chunk_hex(&hs, hex);
	/* the path passed path_ok (UTF-8), the rest is ASCII: the pack cannot fail */
	json_array_append_new(w->list, json_pack("{s:s,s:I,s:s,s:s}", "path", e->path,
		"size", (json_int_t)c.copied, "mode", exec ? "0755" : "0644", "sha256", hex));
	return 0;
}

/* The names a submitted tree may not hold; 1 to leave the entry out. */
static int name_check(struct walker *w, const struct fs_walk_entry *e)
{
	if (w->skipped && syftbox_ignored(e->name, e->type == FS_T_DIR) &&
	    strcmp(e->path, "run.sh")) {
		json_array_append_new(w->skipped, json_name(e->path));
		return 1;
	}
	if (w->skipped && !utf8_valid(e->name, strlen(e->name))) {
		/* at submit (names SyftBox never syncs were left out above):
		 * JSON (job.json) holds only UTF-8, so such a name could never
		 * be listed in the manifest */
		buf_reset(w->err);
		buf_adds(w->err, "file name '");
		buf_add_escaped(w->err, e->path, strlen(e->path));
		buf_adds(w->err, "' is not valid UTF-8: rename it");
		return -1;
	}
	return path_ok(e->path, w->err);
}

/* A file named in only, or a folder above one: nothing else is copied
 * (a release of some outputs: no withheld file, and no folder holding
 * only withheld files, reaches the outbox). */
static int wanted(json_t *only, const struct fs_walk_entry *e)
{
	size_t n = strlen(e->path);
	const char *key;
	json_t *v;
	if (e->type != FS_T_DIR)
		return json_object_get(only, e->path) != NULL;
	json_object_foreach(only, key, v)
		if (!strncmp(key, e->path, n) && key[n] == '/')
			return 1;
	return 0;
}

/* fs_walk's callback: refuse what cannot be submitted, copy the rest. */
static int walk_entry(void *ctx, struct fs_walk_entry *e)
{
	struct walker *w = ctx;
	int r;
	if (e->type == FS_T_UNKNOWN)
		return buf_setf(w->err, "'%s': %s", e->path, strerror(e->error)), -1;
	if (e->error) /* a folder that could not be opened or listed */
		return buf_setf(w->err, "folder '%s': %s", e->path, strerror(e->error)), -1;
	if ((r = name_check(w, e)) != 0)
		return r > 0 ? FS_WALK_SKIP : -1;
	if (w->only && !wanted(w->only, e))
		return e->type == FS_T_DIR ? FS_WALK_SKIP : 0;
	if (e->type == FS_T_FILE && json_array_size(w->list) >= MANIFEST_MAX_FILES)
		return buf_setf(w->err, "more than %d files", MANIFEST_MAX_FILES), -1;
	if (e->limit == FS_LIMIT_BYTES)
		return too_large(w, e->path);
	if (e->type == FS_T_FILE)
		return copy_one(w, e);
	if (e->type != FS_T_DIR)
		return buf_setf(w->err, "'%s' is a %s: only regular files and folders "
				"can be %s", e->path, e->type == FS_T_LINK ? "symlink" :
				"special file", verb(w)), -1;
	if (e->limit == FS_LIMIT_DEPTH)
		return buf_setf(w->err, "folders nested deeper than %d", MANIFEST_MAX_DEPTH), -1;
	if (e->limit == FS_LIMIT_XDEV) /* stricter than before: it was entered */
		return buf_setf(w->err, "'%s' is a mount point (another file system): only "
				"regular files and folders can be %s", e->path, verb(w)), -1;
	if (fs_mkdir(e->dst, e->name, 0755) < 0 ||
	    (e->child_dst = openat(e->dst, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC)) < 0)
		return buf_setf(w->err, "folder '%s': %s", e->path, strerror(errno)), -1;
	return 0;
}

void manifest_entry_at(json_t *e, struct manifest_entry *out)
{
	out->path = json_string_value(json_object_get(e, "path"));
	out->mode = json_string_value(json_object_get(e, "mode"));
	out->sha256 = json_string_value(json_object_get(e, "sha256"));
	out->size = (long long)json_integer_value(json_object_get(e, "size"));
	out->exec = out->mode && !strcmp(out->mode, "0755");
}

json_t *manifest_find(json_t *m, const char *path)
{
	struct manifest_entry me;
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		manifest_entry_at(e, &me);
		if (me.path && !strcmp(me.path, path))
			return e;
	}
	return NULL;
}

static int entry_cmp(const void *a, const void *b)
{
	struct manifest_entry ea, eb;
	manifest_entry_at(*(json_t *const *)a, &ea);
	manifest_entry_at(*(json_t *const *)b, &eb);
	return strcmp(ea.path, eb.path);
}

static void sort_manifest(json_t *m)
{
	size_t n = json_array_size(m), i;
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(m, i));
	xqsort(v, n, sizeof(*v), entry_cmp);
	json_array_clear(m);
	for (i = 0; i < n; i++)
		json_array_append_new(m, v[i]);
	free(v);
}

static json_t *copy_tree(int srcfd, int dstfd, struct buf *err, json_t *skipped, json_t *only,
			 const char *what);

json_t *manifest_copy_tree(int srcfd, int dstfd, struct buf *err)
{
	return copy_tree(srcfd, dstfd, err, NULL, NULL, "job");
}

json_t *manifest_copy_only(int srcfd, int dstfd, json_t *only, struct buf *err)
{
	return copy_tree(srcfd, dstfd, err, NULL, only, "job");
}

json_t *manifest_copy_tree_ex(int srcfd, int dstfd, struct buf *err, json_t *skipped)
{
	return copy_tree(srcfd, dstfd, err, skipped, NULL, "job");
}

json_t *manifest_copy_mock(int srcfd, int dstfd, struct buf *err, json_t *skipped)
{
	return copy_tree(srcfd, dstfd, err, skipped, NULL, "mock");
}

static json_t *copy_tree(int srcfd, int dstfd, struct buf *err, json_t *skipped, json_t *only,
			 const char *what)
{
	struct walker w = { json_array(), skipped, skipped != NULL, 0, err, only, what };
	/* sorted: the first entry refused is the same on every machine */
	struct fs_walk_opts o = { FS_WALK_SORTED, 0, MANIFEST_MAX_DEPTH, MANIFEST_MAX_BYTES, dstfd };
	buf_reset(err);
	if (fs_walk(srcfd, &o, walk_entry, &w) < 0) {
		if (!err->len)
			buf_setf(err, "reading folder: %s", strerror(errno));
		json_decref(w.list);
		return NULL;
	}
	sort_manifest(w.list);
	return w.list;
}

static int entry_validate(json_t *e, size_t i, const char **prev, uint64_t *total,
			  struct buf *err)
{
	const char *path = NULL, *mode = NULL, *sha = NULL;
	json_int_t size = -1;
	json_error_t je;
	if (json_unpack_ex(e, &je, JSON_STRICT, "{s:s,s:I,s:s,s:s}", "path", &path,
			   "size", &size, "mode", &mode, "sha256", &sha) < 0)
		return buf_setf(err, "manifest entry %zu: %s", i, je.text), -1;
	if (path_ok(path, err) < 0)
		return -1;
	if (*prev && strcmp(*prev, path) >= 0)
		return buf_setf(err, "manifest not sorted or duplicate path '%s'", path), -1;
	if (size < 0 || (uint64_t)size > MANIFEST_MAX_BYTES - *total)
		return buf_setf(err, "manifest entry '%s': bad size or job too large", path), -1;
	if (strcmp(mode, "0644") && strcmp(mode, "0755"))
		return buf_setf(err, "manifest entry '%s': mode must be 0644 or 0755", path), -1;
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
		return buf_setf(err, "manifest entry '%s': bad sha256", path), -1;
	*prev = path;
	*total += (uint64_t)size;
	return 0;
}

int manifest_validate(json_t *m, struct buf *err)
{
	const char *prev = NULL;
	uint64_t total = 0;
	size_t i;
	json_t *e;
	if (!json_is_array(m))
		return buf_setf(err, "field 'files' must be an array"), -1;
	if (json_array_size(m) > MANIFEST_MAX_FILES)
		return buf_setf(err, "more than %d files", MANIFEST_MAX_FILES), -1;
	json_array_foreach(m, i, e)
		if (entry_validate(e, i, &prev, &total, err) < 0)
			return -1;
	return 0;
}

void manifest_digest(json_t *m, char out[65])
{
	crypto_hash_sha256_state hs;
	size_t i;
	json_t *e;
	crypto_hash_sha256_init(&hs);
	json_array_foreach(m, i, e) {
		struct buf line = BUF_INIT;
		const char *f[] = { "path", "size", "mode", "sha256" };
		size_t k;
		for (k = 0; k < 4; k++) {
			json_t *v = json_object_get(e, f[k]);
			if (json_is_integer(v))
				buf_addf(&line, "%lld", (long long)json_integer_value(v));
			else
				buf_adds(&line, json_string_value(v));
			buf_add(&line, k < 3 ? "\0" : "\n", 1);
		}
		crypto_hash_sha256_update(&hs, (const unsigned char *)line.ptr, line.len);
		buf_release(&line);
	}
	sha256_chunk_hex(&hs, out);
}
