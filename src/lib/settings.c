/*
 * settings.c - the data owner's settings (config.json in the private store)
 * and the datasets the owner exposes to jobs (datasets.json).
 *
 * The table below is the whole schema: every key has a type, a default and
 * bounds, so `scq config set` refuses nonsense with a message naming the
 * key, and a missing or hand-broken file falls back to safe defaults.
 */
#include "compat.h"
#include <pthread.h>
#include "alloc.h"
#include "fs.h"
#include "internal.h"
#include "banned.h"

enum kind { K_INT, K_BOOL, K_ENUM };

struct setting {
	const char *key;
	enum kind kind;
	long long def, min, max;
	const char *enum_vals; /* "full|none" for K_ENUM; def indexes it */
	const char *help;
};

/* The values of each K_ENUM setting, in enum_vals order: setting_str
 * returns these constants, never a buffer that a later call rewrites. */
static const char *const isolation_values[] = { "full", "none" };
static const char *const release_values[] = { "auto", "review" };

static const char *const *enum_values(const struct setting *s)
{
	return !strcmp(s->key, "isolation") ? isolation_values :
	       !strcmp(s->key, "release") ? release_values : NULL;
}

static const struct setting table[] = {
	{ "max_concurrent_jobs", K_INT, 3, 1, 64, NULL, "jobs run at once" },
	{ "job_timeout", K_INT, 600, 1, 7 * 86400, NULL, "wall-clock seconds per run" },
	{ "cleanup_completed_after", K_INT, 86400, 0, 3650LL * 86400, NULL,
	  "seconds before finished jobs are removed (0: never)" },
	{ "max_output_bytes", K_INT, 10 << 20, 1024, 1LL << 34, NULL,
	  "cap on stdout+stderr and on collected outputs" },
	{ "max_output_files", K_INT, 1000, 1, 1000000, NULL, "cap on output files" },
	{ "memory_limit_mb", K_INT, 1024, 16, 1 << 20, NULL, "memory per job" },
	{ "max_processes", K_INT, 64, 4, 100000, NULL, "processes/threads per job" },
	{ "cpu_time_limit", K_INT, 0, 0, 7 * 86400, NULL, "CPU seconds (0: job_timeout)" },
	{ "max_open_files", K_INT, 256, 16, 65536, NULL, "open files per process" },
	{ "max_file_size_mb", K_INT, 1024, 1, 1 << 20, NULL, "largest file a job may write" },
	{ "tmp_size_mb", K_INT, 256, 1, 1 << 20, NULL, "size of the job's /tmp" },
	{ "network", K_BOOL, 0, 0, 1, NULL, "give jobs network access" },
	{ "isolation", K_ENUM, 0, 0, 1, "full|none", "sandbox level" },
	{ "release", K_ENUM, 0, 0, 1, "auto|review",
	  "auto: logs and outputs go to the requester when a run ends; review: "
	  "they wait for 'scq release ID'" },
	{ "max_timeout_seconds", K_INT, 30 * 86400, 60, 3650LL * 86400, NULL,
	  "longest approval wait a submitter may ask for" },
	{ "ingest_grace_seconds", K_INT, 86400, 0, 3650LL * 86400, NULL,
	  "how long an incomplete inbox job may wait for its files, counted from "
	  "when it was first seen" },
	{ "max_pending_per_requester", K_INT, 1000, 1, 1000000, NULL,
	  "jobs of one requester waiting for a decision; more wait in the inbox" },
	{ "max_jobs_per_hour", K_INT, 2000, 1, 1000000, NULL,
	  "jobs taken from one requester per hour; more wait in the inbox" },
	{ "max_quarantines_per_hour", K_INT, 20, 1, 1000000, NULL,
	  "refusals of one requester per hour with a folder each; more share one" },
	{ "max_incomplete_per_requester", K_INT, 50, 1, 1000000, NULL,
	  "jobs of one requester waiting for their files; more are refused" },
	{ "max_files_per_job", K_INT, 1000, 1, 10000, NULL,
	  "files a job may list in its manifest" },
};

static const struct setting *find(const char *key)
{
	size_t i;
	for (i = 0; i < SCQ_NELEM(table); i++)
		if (!strcmp(table[i].key, key))
			return &table[i];
	return NULL;
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

long long setting_int(scq *h, const char *key)
{
	const struct setting *s = find(key);
	json_t *v = json_object_get(settings_load(h), key);
	long long x;
	if (!s)
		return 0;
	if (s->kind == K_BOOL)
		return json_is_boolean(v) ? json_is_true(v) : s->def;
	if (!json_is_integer(v))
		return s->def;
	x = json_integer_value(v);
	return x < s->min || x > s->max ? s->def : x;
}

int setting_bool(scq *h, const char *key)
{
	return setting_int(h, key) != 0;
}

/* 1 if v is exactly one of the values of s. */
static int enum_has(const struct setting *s, const char *v)
{
	const char *const *vals = enum_values(s);
	long long i;
	for (i = s->min; vals && i <= s->max; i++)
		if (!strcmp(vals[i], v))
			return 1;
	return 0;
}

const char *setting_str(scq *h, const char *key)
{
	const struct setting *s = find(key);
	const char *const *vals = s ? enum_values(s) : NULL;
	const char *v;
	long long i;
	if (!s || s->kind != K_ENUM || !vals)
		return NULL;
	v = json_string_value(json_object_get(settings_load(h), key));
	for (i = s->min; v && i <= s->max; i++)
		if (!strcmp(vals[i], v))
			return vals[i];
	return vals[s->def]; /* missing or hand-broken: the safe default */
}

static char *value_text(scq *h, const struct setting *s)
{
	struct buf b = BUF_INIT;
	if (s->kind == K_INT)
		buf_addf(&b, "%lld", setting_int(h, s->key));
	else if (s->kind == K_BOOL)
		buf_adds(&b, setting_bool(h, s->key) ? "true" : "false");
	else
		buf_adds(&b, setting_str(h, s->key));
	return buf_detach(&b, NULL);
}

int scq_config_get(scq *h, const char *key, char **value)
{
	const struct setting *s = find(key);
	if (!s)
		return scq_fail(h, SCQ_ENOTFOUND, "unknown setting '%s'", key);
	*value = value_text(h, s);
	return 0;
}

static json_t *parse_value(scq *h, const struct setting *s, const char *v, int *r)
{
	char *end;
	long long x;
	*r = 0;
	if (s->kind == K_BOOL) {
		if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
			return json_true();
		if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
			return json_false();
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes true or false", s->key);
		return NULL;
	}
	if (s->kind == K_ENUM) {
		if (enum_has(s, v))
			return json_string(v);
		*r = scq_fail(h, SCQ_ECONFIG, "setting '%s' takes one of %s", s->key, s->enum_vals);
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

int scq_config_set(scq *h, const char *key, const char *value)
{
	const struct setting *s = find(key);
	json_t *cfg, *v;
	int r, fd;
	if (!s)
		return scq_fail(h, SCQ_ENOTFOUND, "unknown setting '%s'", key);
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
	return audit_append(h, "config", NULL, h->email, key, NULL);
}

int scq_config_json(scq *h, char **json_out)
{
	json_t *o = json_object();
	size_t i;
	for (i = 0; i < SCQ_NELEM(table); i++) {
		const struct setting *s = &table[i];
		json_t *v = s->kind == K_INT ? json_integer(setting_int(h, s->key)) :
			    s->kind == K_BOOL ? json_boolean(setting_bool(h, s->key)) :
			    json_string(setting_str(h, s->key));
		json_object_set_new(o, s->key, v);
	}
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return 0;
}
