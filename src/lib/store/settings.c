/*
 * settings.c - the data owner's settings (config.json in the private store).
 *
 * The table (SCQ_SETTINGS in settings.h) is the whole schema: every key has
 * a type, a default and bounds, so `scq config set` refuses nonsense with a
 * message naming the key, and a missing or hand-broken file falls back to
 * safe defaults.  The library reads settings by enum (setting_int(h,
 * SET_...)); only scq_config_* take the key as text, and check it.
 */
#include "base/compat.h"
#include <pthread.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "store/handle.h"
#include "store/settings.h"
#include "store/audit.h"
#include "base/banned.h"

enum kind { K_INT, K_BOOL, K_ENUM, K_LIST, K_TEXT, K_PATH };

struct setting_def {
	const char *key;
	enum kind kind;
	long long def, min, max;
	/* K_ENUM: the values, NULL-terminated, def indexes them; setting_str
	 * returns these constants, never a buffer that a later call rewrites.
	 * K_LIST, K_PATH: values[0] is the default.  K_TEXT: values[0] the default,
	 * values[1] the characters allowed besides letters and digits, and
	 * values[2..], when present, the only flags the value may hold (see
	 * text_valid) */
	const char *const *values;
	const char *help;
};

#define NONE NULL
#define VALUES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SETTING_ROW(id, key, kind, def, min, max, values, help) \
	[id] = { key, K_##kind, def, min, max, values, help },
static const struct setting_def table[SET_COUNT] = { SCQ_SETTINGS(SETTING_ROW) };
#undef SETTING_ROW
#undef VALUES
#undef NONE

/* Edit distance of a and b, counted up to 3 (a typo is closer). */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int row[64], diag, up, best;
	if (lb >= SCQ_NELEM(row) || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = (int)i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = a[i - 1] == b[j - 1] ? diag : 1 + (diag < up ? diag : up);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
			best = row[j] < best ? row[j] : best;
		}
		if (best >= 3)
			return 3;
	}
	return row[lb] < 3 ? row[lb] : 3;
}

/* The setting of key, or NULL after a message naming the key and, for a
 * near miss, the key meant. */
static const struct setting_def *find(scq *h, const char *key)
{
	size_t i, near = SCQ_NELEM(table);
	int d, best = 3;
	for (i = 0; i < SCQ_NELEM(table); i++) {
		if (!strcmp(table[i].key, key))
			return &table[i];
		if ((d = distance(key, table[i].key)) < best)
			best = d, near = i;
	}
	if (near < SCQ_NELEM(table))
		scq_fail(h, SCQ_ENOTFOUND, "unknown setting '%s' (did you mean '%s'?)",
			 key, table[near].key);
	else
		scq_fail(h, SCQ_ENOTFOUND, "unknown setting '%s'", key);
	return NULL;
}

const char *setting_key(enum setting id)
{
	return table[id].key;
}

static const char *config_keys[SCQ_NELEM(table) + 1];

static void fill_keys(void)
{
	size_t i;
	for (i = 0; i < SCQ_NELEM(table); i++)
		config_keys[i] = table[i].key;
}

const char *const *scq_config_keys(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, fill_keys); /* filled once: threads never race on it */
	return config_keys;
}

static json_t *settings_load(scq *h)
{
	struct buf err = BUF_INIT;
	int fd;
	if (h->settings)
		return h->settings;
	fd = store_peek(h); /* reading settings creates no store */
	if (fd >= 0 && fs_exists(fd, "config.json"))
		h->settings = json_load_file_at(fd, "config.json", SMALL_JSON_MAX, &err);
	if (!h->settings)
		h->settings = json_object();
	buf_release(&err);
	return h->settings;
}

/* A LIST value: words of 1-16 lower-case letters and digits, separated by
 * single commas, at most s->max bytes. */
static int list_valid(const struct setting_def *s, const char *v)
{
	size_t n = 0, word = 0;
	for (; v[n]; n++) {
		char c = v[n];
		if (c == ',' && word) {
			word = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) || ++word > 16)
			return 0;
	}
	return n >= (size_t)s->min && n <= (size_t)s->max && word;
}

/* 1 if word (up to '=' or its end, n bytes) is "--" and one of the flags
 * of s (values[2..]). */
static int text_flag_ok(const struct setting_def *s, const char *word, size_t n)
{
	size_t i, k = strcspn(word, "=");
	if (k > n)
		k = n;
	if (k < 3 || strncmp(word, "--", 2))
		return 0;
	for (i = 2; s->values[i]; i++)
		if (strlen(s->values[i]) == k - 2 && !strncmp(s->values[i], word + 2, k - 2))
			return 1;
	return 0;
}

/* A TEXT value: min..max bytes of letters, digits and values[1]; with a
 * flag list (values[2..]) words separated by single spaces, each
 * "--flag" or "--flag=value" with a flag of the list (an allowlist: the
 * value goes onto a command line of the runner, see executor-slurm.c). */
static int text_valid(const struct setting_def *s, const char *v)
{
	size_t n = strlen(v), i, w;
	if (n < (size_t)s->min || n > (size_t)s->max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9')) && !strchr(s->values[1], v[i]))
			return 0;
	if (!s->values[2])
		return 1;
	for (i = 0; i < n; i += w + 1) {
		w = strcspn(v + i, " ");
		if (!text_flag_ok(s, v + i, w))
			return 0;
	}
	return n == 0 || v[n - 1] != ' ';
}

/* A PATH value: empty (off), or absolute, at most s->max bytes, without
 * control characters (it is named in messages and logs). */
static int path_valid(const struct setting_def *s, const char *v)
{
	size_t n;
	for (n = 0; v[n]; n++)
		if ((unsigned char)v[n] < 0x20 || v[n] == 0x7f)
			return 0;
	return n == 0 || (v[0] == '/' && n <= (size_t)s->max);
}

/* A LIST, TEXT or PATH setting as stored, or its default (borrowed: from the
 * loaded settings or the table). */
static const char *list_value(scq *h, const struct setting_def *s)
{
	const char *v = json_string_value(json_object_get(settings_load(h), s->key));
	int ok = v && (s->kind == K_PATH ? path_valid(s, v) :
		       s->kind == K_TEXT ? text_valid(s, v) : list_valid(s, v));
	return ok ? v : s->values[0];
}

char *setting_list(scq *h, enum setting id)
{
	const struct setting_def *s = &table[id];
	return xstrdup(s->kind == K_LIST || s->kind == K_TEXT ? list_value(h, s) : "");
}

char *setting_path(scq *h, enum setting id)
{
	const struct setting_def *s = &table[id];
	return xstrdup(s->kind == K_PATH ? list_value(h, s) : "");
}

/* The value of s as stored: v, or the default when v is unset, of the
 * wrong type or out of bounds.  K_ENUM: the index of its value. */
static long long value_of(const struct setting_def *s, json_t *v)
{
	const char *str = json_string_value(v);
	long long i;
	if (s->kind == K_BOOL)
		return json_is_boolean(v) ? json_is_true(v) : s->def;
	if (s->kind == K_LIST || s->kind == K_TEXT || s->kind == K_PATH)
		return 0; /* list_value */
	if (s->kind == K_ENUM) {
		for (i = s->min; str && i <= s->max; i++)
			if (!strcmp(s->values[i], str))
				return i;
		return s->def; /* missing or hand-broken: the safe default */
	}
	if (!json_is_integer(v))
		return s->def;
	i = json_integer_value(v);
	return i < s->min || i > s->max ? s->def : i;
}

static long long setting_value(scq *h, const struct setting_def *s)
{
	return value_of(s, json_object_get(settings_load(h), s->key));
}

long long setting_int(scq *h, enum setting id)
{
	return setting_value(h, &table[id]);
}

int setting_bool(scq *h, enum setting id)
{
	return setting_int(h, id) != 0;
}

const char *setting_str(scq *h, enum setting id)
{
	const struct setting_def *s = &table[id];
	/* not an enum: a bug in the caller, and the unit test of every
	 * setting would show it; "" is still no pointer to trip on */
	return s->kind == K_ENUM ? s->values[setting_value(h, s)] : "";
}

/* 1 if v is exactly one of the values of s. */
static int enum_has(const struct setting_def *s, const char *v)
{
	long long i;
	for (i = s->min; i <= s->max; i++)
		if (!strcmp(s->values[i], v))
			return 1;
	return 0;
}

static char *value_text(scq *h, const struct setting_def *s)
{
	struct buf b = BUF_INIT;
	long long v = setting_value(h, s);
	if (s->kind == K_LIST || s->kind == K_TEXT || s->kind == K_PATH)
		buf_adds(&b, list_value(h, s));
	else if (s->kind == K_INT)
		buf_addf(&b, "%lld", v);
	else if (s->kind == K_BOOL)
		buf_adds(&b, v ? "true" : "false");
	else
		buf_adds(&b, s->values[v]);
	return buf_detach(&b, NULL);
}

int scq_config_get(scq *h, const char *key, char **value)
{
	const struct setting_def *s = find(h, key);
	if (!s)
		return SCQ_ENOTFOUND;
	*value = value_text(h, s);
	return 0;
}

/* A program to run: empty (off), or an absolute path to an executable
 * regular file now (it is run without a shell: no arguments, no
 * expansion; a file that goes later is a logged failure of each run). */
static json_t *parse_path(scq *h, const struct setting_def *s, const char *v, int *r)
{
	struct stat st;
	json_t *o;
	if (!path_valid(s, v))
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes an absolute path of a program "
			      "(at most %lld bytes, no control characters; no arguments: it runs "
			      "without a shell), or \"\" for none", s->key, s->max);
	else if (*v && (stat(v, &st) < 0 || !S_ISREG(st.st_mode)))
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s': '%s' is not a file", s->key, v);
	else if (*v && faccessat(AT_FDCWD, v, X_OK, AT_EACCESS) < 0)
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s': '%s' is not executable", s->key, v);
	if (*r)
		return NULL;
	if (!(o = json_string(v))) /* jansson takes UTF-8 only */
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s': the path is not UTF-8", s->key);
	return o;
}

static json_t *parse_value(scq *h, const struct setting_def *s, const char *v, int *r)
{
	char *end;
	long long x;
	*r = 0;
	if (s->kind == K_PATH)
		return parse_path(h, s, v, r);
	if (s->kind == K_LIST) {
		if (list_valid(s, v))
			return json_string(v);
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes comma-separated lower-case "
			      "words of letters and digits (e.g. %s)", s->key, s->values[0]);
		return NULL;
	}
	if (s->kind == K_TEXT) {
		size_t i;
		struct buf flags = BUF_INIT;
		if (text_valid(s, v))
			return json_string(v);
		for (i = 2; s->values[i]; i++)
			buf_addf(&flags, "%s--%s", i > 2 ? " " : "", s->values[i]);
		if (flags.len)
			*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes space-separated flags of: %s "
				      "(--flag or --flag=value; letters, digits and '%s')", s->key,
				      flags.ptr, s->values[1]);
		else
			*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes at most %lld letters, digits "
				      "and '%s'", s->key, s->max, s->values[1]);
		buf_release(&flags);
		return NULL;
	}
	if (s->kind == K_BOOL) {
		if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
			return json_true();
		if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
			return json_false();
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes true or false", s->key);
		return NULL;
	}
	if (s->kind == K_ENUM) {
		struct buf vals = BUF_INIT;
		if (enum_has(s, v))
			return json_string(v);
		for (x = s->min; x <= s->max; x++)
			buf_addf(&vals, "%s%s", x > s->min ? "|" : "", s->values[x]);
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes one of %s", s->key, vals.ptr);
		buf_release(&vals);
		return NULL;
	}
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || !*v || *end || x < s->min || x > s->max) {
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes a whole number from "
			      "%lld to %lld", s->key, s->min, s->max);
		return NULL;
	}
	return json_integer(x);
}

/* The audit line of a setting says its new value too ("key = value", the
 * canonical JSON form): a log that names only the key cannot tell what
 * the owner set (fresh-user finding). */
static int config_audit(scq *h, const char *key, json_t *v)
{
	char *js = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	struct buf why = BUF_INIT;
	int r;
	buf_addf(&why, "%s = %s", key, js ? js : "?");
	r = audit_append(h, NULL, "config", NULL, h->email, why.ptr, NULL);
	free(js);
	buf_release(&why);
	return r;
}

int scq_config_set(scq *h, const char *key, const char *value)
{
	const struct setting_def *s = find(h, key);
	json_t *cfg, *v;
	int r, fd;
	if (!s)
		return SCQ_ENOTFOUND;
	v = parse_value(h, s, value, &r);
	if (!v)
		return r;
	cfg = settings_load(h);
	json_object_set_new(cfg, key, v);
	fd = store_open(h);
	if (fd < 0)
		return fd;
	if (json_write_at(fd, "config.json", cfg, 0) < 0)
		return scq_fail_errno(h, "writing '%s/config.json'", h->store);
	r = config_audit(h, key, v);
	return r ? r : settings_publish(h);
}

/* What a requester's `scq try` needs to run a job as my runner would: the
 * limits of a run and the thresholds of the output checks.  Not the
 * network, isolation or queue settings: they are mine alone. */
static const enum setting published[] = {
	SET_JOB_TIMEOUT, SET_CPU_TIME_LIMIT, SET_MEMORY_LIMIT_MB, SET_MAX_PROCESSES,
	SET_MAX_OPEN_FILES, SET_MAX_FILE_SIZE_MB, SET_TMP_SIZE_MB, SET_MAX_OUTPUT_BYTES,
	SET_MAX_OUTPUT_FILES, SET_MIN_CELL_COUNT, SET_ROUNDING_BASE, SET_RELEASE_TYPES,
	SET_DOMINANCE_N, SET_DOMINANCE_K, SET_P_PERCENT, SET_MAX_TABLE_ROWS,
};

int setting_published_valid(const char *key, json_t *v)
{
	size_t i;
	for (i = 0; i < SCQ_NELEM(published); i++) {
		const struct setting_def *s = &table[published[i]];
		if (strcmp(s->key, key))
			continue;
		if (s->kind == K_LIST)
			return json_is_string(v) && list_valid(s, json_string_value(v));
		return json_is_integer(v) && json_integer_value(v) >= s->min &&
		       json_integer_value(v) <= s->max;
	}
	return 0;
}

int settings_publish(scq *h)
{
	char *site = path_join(h->datasites, h->email), *dir = NULL;
	struct buf cur = BUF_INIT;
	json_t *o = json_object();
	char *text = NULL;
	int fd = -1, r = 0;
	size_t i;
	/* a datasite not made yet (scq init): init publishes them */
	if (!fs_exists(AT_FDCWD, site))
		goto out;
	for (i = 0; i < SCQ_NELEM(published); i++) {
		const struct setting_def *s = &table[published[i]];
		json_object_set_new(o, s->key, s->kind == K_LIST ? json_string(list_value(h, s)) :
				    json_integer(setting_value(h, s)));
	}
	dir = path_join(site, "public/code-queue");
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (fs_mkdir_p(dir, 0755) < 0 || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "creating '%s'", dir);
		goto out;
	}
	/* unchanged: no write, so no sync traffic */
	if (fs_read_file(fd, "limits.json", SMALL_JSON_MAX, &cur) == 0 && cur.len &&
	    cur.len - 1 == strlen(text) && !memcmp(cur.ptr, text, strlen(text)))
		goto out;
	if (json_write_at(fd, "limits.json", o, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/limits.json'", dir);
out:
	fd_close(&fd);
	json_decref(o);
	buf_release(&cur);
	free(text);
	free(site);
	free(dir);
	return r;
}

int scq_config_json(scq *h, char **json_out)
{
	json_t *o = json_object();
	size_t i;
	for (i = 0; i < SCQ_NELEM(table); i++) {
		const struct setting_def *s = &table[i];
		long long x = setting_value(h, s);
		json_t *v = s->kind == K_LIST || s->kind == K_TEXT || s->kind == K_PATH ?
			    json_string(list_value(h, s)) :
			    s->kind == K_INT ? json_integer(x) :
			    s->kind == K_BOOL ? json_boolean(x) : json_string(s->values[x]);
		json_object_set_new(o, s->key, v);
	}
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return 0;
}
