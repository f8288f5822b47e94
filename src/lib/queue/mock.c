/*
 * mock.c - mock data beside a dataset (scq.h: scq_dataset_publish,
 * scq_datasets_of, and scq_dataset_remove, which removes both;
 * doc/protocol.md §13).  The owner publishes a copy of a
 * mock folder on the datasite, public/code-queue/mock/<name>/: data/ (the
 * files, as jobs see them at /data/<name> in a try), dataset.json (the
 * description, the files and the schema of each CSV/TSV: headers and
 * inferred types) and syft.pub.yaml (read-only to the readers).  A
 * requester reads what SyftBox synced of it: hostile bytes, read with caps.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "check/table.h"
#include "queue/datasets.h"
#include "queue/manifest.h"
#include "queue/output-check.h"
#include "store/audit.h"
#include "store/settings.h"
#include "base/banned.h"

#define MOCK_DIR "public/code-queue/mock"
#define MOCK_DESCRIPTION_MAX 1024
#define MOCK_READERS_MAX 64
/* The schema: the first MiB of each table is read, its first
 * SCHEMA_MAX_COLS columns and SCHEMA_MAX_TABLES tables described; each
 * cut is said in dataset.json. */
#define SCHEMA_MAX_BYTES ((size_t)1 << 20)
#define SCHEMA_MAX_COLS 200
#define SCHEMA_MAX_TABLES 50
#define DATASETS_MAX 256

static int is_table(const char *path, char *sep)
{
	size_t n = strlen(path);
	if (n > 4 && !strcasecmp(path + n - 4, ".csv"))
		return *sep = ',', 1;
	if (n > 4 && !strcasecmp(path + n - 4, ".tsv"))
		return *sep = '\t', 1;
	return 0;
}

/* One table's schema: its columns (header name or "column N", type). */
static json_t *table_schema(int datafd, const char *path, long long size, char sep)
{
	struct buf data = BUF_INIT;
	struct table *t;
	json_t *cols = json_array(), *o;
	size_t c;
	if (output_read_head(datafd, path, SCHEMA_MAX_BYTES, &data) < 0) {
		buf_release(&data);
		json_decref(cols);
		return NULL;
	}
	t = table_parse(data.ptr, data.len, sep);
	for (c = 0; c < t->ncols && c < SCHEMA_MAX_COLS; c++) {
		char label[32];
		snprintf(label, sizeof(label), "column %zu", c + 1);
		json_array_append_new(cols, json_pack("{s:o,s:s}", "name", t->has_header ?
				      json_name(table_cell(t, 0, c)) : json_string(label), "type",
				      table_column_type(t, c)));
	}
	o = json_pack("{s:s,s:o,s:I,s:I,s:b}", "path", path, "columns", cols,
		      "columns_cut", (json_int_t)(t->ncols > SCHEMA_MAX_COLS ?
						  t->ncols - SCHEMA_MAX_COLS : 0),
		      "rows_scanned", (json_int_t)(t->nrows - (t->has_header && t->nrows)),
		      /* types were inferred from the first part only */
		      "partial", (long long)data.len < size || t->cut_rows || t->cut_cols ||
				 t->parse_error);
	table_free(t);
	buf_release(&data);
	return o;
}

static json_t *schema_of(int datafd, json_t *files, json_int_t *cut)
{
	json_t *schema = json_array(), *e, *one;
	struct manifest_entry me;
	size_t i;
	char sep;
	*cut = 0;
	json_array_foreach(files, i, e) {
		manifest_entry_at(e, &me);
		if (!me.path || !is_table(me.path, &sep))
			continue;
		if (json_array_size(schema) >= SCHEMA_MAX_TABLES) {
			++*cut;
			continue;
		}
		if ((one = table_schema(datafd, me.path, me.size, sep)))
			json_array_append_new(schema, one);
	}
	return schema;
}

/* The ACL of a mock: read-only to everyone (readers NULL), or to the
 * readers listed (checked e-mails: no quote can reach the YAML).  An empty
 * list is refused: it read as "everyone". */
static int write_acl(scq *h, int dirfd, const char *readers)
{
	struct buf y = BUF_INIT, one = BUF_INIT;
	const char *p = readers;
	int n = 0, r = 0;
	if (readers && !readers[strspn(readers, ", ")])
		return scq_fail(h, SCQ_EINVAL, "the list of mock readers is empty: give e-mail "
				"addresses, or leave it out for everyone");
	buf_adds(&y, "# syft-code-queue mock data (written by scq dataset add --mock).\n"
		 "rules:\n  - pattern: '**'\n    access:\n      admin: []\n      write: []\n"
		 "      read: [");
	if (!p)
		buf_adds(&y, "'*'");
	while (p && *p) {
		size_t len = strcspn(p, ",");
		buf_setf(&one, "%.*s", (int)len, p);
		if (++n > MOCK_READERS_MAX) {
			r = scq_fail(h, SCQ_EINVAL, "more than %d mock readers", MOCK_READERS_MAX);
			goto out;
		}
		if (!email_valid(one.ptr)) {
			r = scq_fail(h, SCQ_EINVAL, "mock reader '%s' is not an e-mail address "
				     "(lower case)", one.ptr);
			goto out;
		}
		buf_addf(&y, "%s'%s'", n > 1 ? ", " : "", one.ptr);
		p += len + (p[len] == ',');
	}
	buf_adds(&y, "]\n");
	if (fs_write_atomic(dirfd, "syft.pub.yaml", y.ptr, y.len, 0) < 0)
		r = scq_fail_errno(h, "writing the mock's syft.pub.yaml");
out:
	buf_release(&y);
	buf_release(&one);
	return r;
}

/* The mock folder, never a link (one named is refused by name), never
 * one host_path_guard refuses. */
static int open_mock(scq *h, const char *mock)
{
	char real[PATH_MAX];
	struct stat st;
	int fd, r;
	if (lstat(mock, &st) == 0 && S_ISLNK(st.st_mode))
		return scq_fail(h, SCQ_EINVAL, "mock '%s' is a symlink: give the folder itself "
				"(a link could publish what it points to)", mock);
	/* the queue's own folders would be published world-readable */
	if (realpath(mock, real) && (r = host_path_guard(h, "mock", real)))
		return r;
	fd = open(mock, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return scq_fail_errno(h, "mock '%s'", mock);
	return fd;
}

/* Build tmp (in mockdir): data/ (the copy), dataset.json, syft.pub.yaml. */
static int build(scq *h, int mockdir, const char *tmp, int src, const char *name,
		 const struct scq_mock_options *o)
{
	struct buf err = BUF_INIT;
	json_t *skipped = json_array(), *files = NULL, *meta = NULL, *schema;
	json_int_t cut = 0;
	int dir = -1, data = -1, r = 0;
	char now[ISO_LEN];
	if (fs_mkdir(mockdir, tmp, 0755) < 0 || (dir = fs_open_dir(mockdir, tmp)) < 0 ||
	    fs_mkdir(dir, "data", 0755) < 0 || (data = fs_open_dir(dir, "data")) < 0) {
		r = scq_fail_errno(h, "creating the mock's folder");
		goto out;
	}
	files = manifest_copy_mock(src, data, &err, skipped);
	if (!files) {
		r = scq_fail(h, SCQ_EINVAL, "mock '%s': %s", o->mock, err.ptr);
		goto out;
	}
	time_now_iso(now);
	/* before the pack: cut is its out-parameter (argument order is unspecified) */
	schema = schema_of(data, files, &cut);
	meta = json_pack("{s:s,s:o,s:o,s:O,s:O,s:I,s:s}", "name", name, "description",
			 o->description ? json_name(o->description) : json_string(""), "schema",
			 schema, "files", files, "skipped", skipped,
			 "schema_cut", cut, "published_at", now);
	if (json_write_at(dir, "dataset.json", meta, 0) < 0)
		r = scq_fail_errno(h, "writing the mock's dataset.json");
	if (!r)
		r = write_acl(h, dir, o->readers);
	if (!r && fs_syncfs(dir) < 0)
		r = scq_fail_errno(h, "syncing the mock's copy");
out:
	json_decref(meta);
	json_decref(files);
	json_decref(skipped);
	fd_close(&data);
	fd_close(&dir);
	buf_release(&err);
	return r;
}

static char *mock_root(scq *h, const char *owner)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s/%s", h->datasites, owner, MOCK_DIR);
	return buf_detach(&p, NULL);
}

/* Put tmp in place of name (an old copy goes, after). */
static int swap_in(scq *h, int mockdir, const char *tmp, const char *name)
{
	struct buf old = BUF_INIT;
	int r = 0;
	buf_setf(&old, ".%s.old", name);
	fs_remove_tree(mockdir, old.ptr);
	if ((fs_exists(mockdir, name) && renameat(mockdir, name, mockdir, old.ptr) < 0) ||
	    renameat(mockdir, tmp, mockdir, name) < 0 || fs_fsync_dir(mockdir) < 0)
		r = scq_fail_errno(h, "publishing mock '%s'", name);
	fs_remove_tree(mockdir, old.ptr);
	buf_release(&old);
	return r;
}

int scq_dataset_publish(scq *h, const char *name, const char *path,
			const struct scq_mock_options *o)
{
	struct buf tmp = BUF_INIT;
	char *root = mock_root(h, h->email);
	int src = -1, mockdir = -1, r;
	if (!o || !o->mock)
		return free(root), scq_fail(h, SCQ_EINVAL, "no mock folder given");
	if (o->description && (strlen(o->description) > MOCK_DESCRIPTION_MAX ||
			       has_control(o->description, 0))) {
		r = scq_fail(h, SCQ_EINVAL, "the description must be one line of at most %d bytes",
			     MOCK_DESCRIPTION_MAX);
		goto out;
	}
	/* the private registration first refuses a bad name or path */
	if ((r = dataset_check(h, name, path)) != 0)
		goto out;
	if ((src = open_mock(h, o->mock)) < 0) {
		r = src;
		goto out;
	}
	if (fs_mkdir_p(root, 0755) < 0 || (mockdir = open(root, O_RDONLY | O_DIRECTORY |
							  O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "creating '%s'", root);
		goto out;
	}
	buf_setf(&tmp, ".%s.tmp", name); /* a dot name: never synced half-built */
	fs_remove_tree(mockdir, tmp.ptr);
	r = build(h, mockdir, tmp.ptr, src, name, o);
	if (!r)
		r = scq_dataset_add(h, name, path);
	if (!r)
		r = swap_in(h, mockdir, tmp.ptr, name);
	if (!r)
		r = audit_append(h, NULL, "dataset-mock", NULL, h->email, name, NULL);
	if (!r)
		r = settings_publish(h);
out:
	if (mockdir >= 0 && tmp.len)
		fs_remove_tree(mockdir, tmp.ptr);
	fd_close(&src);
	fd_close(&mockdir);
	buf_release(&tmp);
	free(root);
	return r;
}

int scq_dataset_remove(scq *h, const char *name)
{
	char *root = mock_root(h, h->email);
	int r = dataset_forget(h, name), fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
						    O_CLOEXEC);
	/* its mock, if one was published, goes with it */
	if (!r && fd >= 0 && fs_exists(fd, name) &&
	    (fs_remove_tree(fd, name) < 0 || fs_fsync_dir(fd) < 0))
		r = scq_fail_errno(h, "removing the published mock '%s'", name);
	fd_close(&fd);
	free(root);
	return r;
}

/* What a requester keeps of an owner's dataset.json: each entry of the
 * form mock.c writes, else dropped and counted (the bytes are hostile). */
#define SHOWN_NAME_MAX 256
#define SHOWN_PATH_MAX 4096

static int short_string(json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) <= max;
}

static int count_of(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0;
}

/* A column: a name, and a type mock.c infers (check/table.c). */
static json_t *clean_column(json_t *c)
{
	static const char *const types[] = { "int", "float", "date", "text", "empty" };
	json_t *t = json_object_get(c, "type");
	size_t i;
	if (!short_string(json_object_get(c, "name"), SHOWN_NAME_MAX) || !json_is_string(t))
		return NULL;
	for (i = 0; i < SCQ_NELEM(types); i++)
		if (!strcmp(json_string_value(t), types[i]))
			return json_pack("{s:O,s:s}", "name", json_object_get(c, "name"),
					 "type", types[i]);
	return NULL;
}

static json_t *clean_table(json_t *t, json_int_t *dropped)
{
	json_t *cols = json_array(), *c, *one, *v = json_object_get(t, "columns");
	json_int_t cut = count_of(json_object_get(t, "columns_cut")) ?
			 json_integer_value(json_object_get(t, "columns_cut")) : 0;
	size_t i;
	if (!short_string(json_object_get(t, "path"), SHOWN_PATH_MAX) || !json_is_array(v)) {
		json_decref(cols);
		return NULL;
	}
	json_array_foreach(v, i, c) {
		if (json_array_size(cols) >= SCHEMA_MAX_COLS)
			cut++;
		else if ((one = clean_column(c)))
			json_array_append_new(cols, one);
		else
			++*dropped;
	}
	v = json_object_get(t, "rows_scanned");
	return json_pack("{s:O,s:o,s:I,s:I,s:b}", "path", json_object_get(t, "path"), "columns",
			 cols, "columns_cut", cut, "rows_scanned",
			 count_of(v) ? json_integer_value(v) : (json_int_t)0, "partial",
			 !json_is_false(json_object_get(t, "partial")));
}

/* meta's schema, files and skipped, into o. */
static void clean_lists(json_t *meta, json_t *o)
{
	json_t *schema = json_array(), *files = json_array(), *skipped = json_array(), *e, *one;
	json_t *v = json_object_get(meta, "schema_cut");
	json_int_t dropped = 0, cut = count_of(v) ? json_integer_value(v) : 0;
	size_t i;
	json_array_foreach(json_object_get(meta, "schema"), i, e) {
		if (json_array_size(schema) >= SCHEMA_MAX_TABLES)
			cut++;
		else if ((one = clean_table(e, &dropped)))
			json_array_append_new(schema, one);
		else
			dropped++;
	}
	json_array_foreach(json_object_get(meta, "files"), i, e) {
		if (json_is_object(e) && short_string(json_object_get(e, "path"), SHOWN_PATH_MAX))
			json_array_append(files, e);
		else
			dropped++;
	}
	json_array_foreach(json_object_get(meta, "skipped"), i, e) {
		if (short_string(e, SHOWN_PATH_MAX))
			json_array_append(skipped, e);
		else
			dropped++;
	}
	json_object_set_new(o, "schema", schema);
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "skipped", skipped);
	json_object_set_new(o, "schema_cut", json_integer(cut));
	json_object_set_new(o, "dropped", json_integer(dropped));
}

/* One published dataset as a requester may show it: only the fields we
 * know, each of its form, the description at most MOCK_DESCRIPTION_MAX
 * bytes (a longer one is cut and the cut said). */
static json_t *one_dataset(int mockdir, const char *name, const char *root)
{
	struct buf err = BUF_INIT;
	int dir = fs_open_dir(mockdir, name);
	json_t *meta = dir >= 0 ? json_load_file_at(dir, "dataset.json", SMALL_JSON_MAX, &err) : NULL;
	json_t *o = json_pack("{s:s}", "name", name), *v;
	struct buf p = BUF_INIT;
	size_t len = 0, keep;
	v = json_object_get(meta, "description");
	if (json_is_string(v))
		len = json_string_length(v);
	keep = len > MOCK_DESCRIPTION_MAX ?
	       utf8_boundary(json_string_value(v), len, MOCK_DESCRIPTION_MAX) : len;
	json_object_set_new(o, "description", json_stringn(len ? json_string_value(v) : "", keep));
	json_object_set_new(o, "description_cut", json_integer((json_int_t)(len - keep)));
	clean_lists(meta, o);
	buf_addf(&p, "%s/%s/data", root, name);
	json_object_set_new(o, "path", json_name(p.ptr));
	json_object_set_new(o, "error", meta ? json_null() : json_string(err.len ? err.ptr :
							     "dataset.json not (yet) synced"));
	json_decref(meta);
	fd_close(&dir);
	buf_release(&err);
	buf_release(&p);
	return o;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The published datasets of root, sorted, at most DATASETS_MAX. */
static json_t *list_mocks(int pub, const char *root, json_int_t *cut)
{
	int fd = pub >= 0 ? fs_open_dir(pub, "mock") : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char *names[DATASETS_MAX];
	size_t n = 0, i;
	struct dirent *de;
	struct stat st;
	json_t *a = json_array();
	*cut = 0;
	if (!d) {
		fd_close(&fd);
		return a;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || !component_valid(de->d_name, 64))
			continue;
		if (n == DATASETS_MAX)
			++*cut;
		else
			names[n++] = xstrdup(de->d_name);
	}
	xqsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		json_array_append_new(a, one_dataset(dirfd(d), names[i], root));
		free(names[i]);
	}
	closedir(d);
	return a;
}

/* The owner's limits.json: only the limits a try applies, each of its kind
 * and range (settings.c), as "limits"; every other key is named in
 * "limits_refused" (at most LIMITS_REFUSED_MAX, the rest counted). */
#define LIMITS_REFUSED_MAX 32
static void clean_limits(json_t *limits, json_t *o)
{
	json_t *ok = json_object(), *refused = json_array(), *v;
	json_int_t more = 0;
	const char *k;
	json_object_foreach(limits, k, v) {
		if (setting_published_valid(k, v))
			json_object_set(ok, k, v);
		else if (json_array_size(refused) < LIMITS_REFUSED_MAX)
			json_array_append_new(refused, json_name(k));
		else
			more++;
	}
	json_object_set_new(o, "limits", json_is_object(limits) ? ok : (json_decref(ok),
							json_null()));
	json_object_set_new(o, "limits_refused", refused);
	json_object_set_new(o, "limits_refused_cut", json_integer(more));
}

int scq_datasets_of(scq *h, const char *owner, char **json_out)
{
	char *who = ascii_lower(owner ? owner : ""), *root = NULL, *site = NULL;
	struct buf err = BUF_INIT;
	json_t *o = NULL, *limits = NULL;
	json_int_t cut;
	int sitefd = -1, pub = -1, r = 0;
	*json_out = NULL;
	if (!email_valid(who)) {
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not an e-mail address", who);
		goto out;
	}
	root = mock_root(h, who);
	site = path_join(h->datasites, who);
	sitefd = open(site, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sitefd < 0) {
		r = scq_fail(h, SCQ_ENOTFOUND, "no datasite of '%s' here (not synced, or no such "
			     "owner)", who);
		goto out;
	}
	/* below the datasite, SyftBox syncs no symlink: none is followed */
	pub = fs_open_dir(sitefd, "public/code-queue");
	limits = pub >= 0 ? json_load_file_at(pub, "limits.json", SMALL_JSON_MAX, &err) : NULL;
	o = json_pack("{s:s,s:o}", "owner", who, "datasets", list_mocks(pub, root, &cut));
	json_object_set_new(o, "cut", json_integer(cut));
	clean_limits(limits, o);
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
out:
	json_decref(o);
	json_decref(limits);
	buf_release(&err);
	fd_close(&sitefd);
	fd_close(&pub);
	free(who);
	free(root);
	free(site);
	return r;
}
