/*
 * run-record.c - result.json as a struct (see run-record.h).
 *
 * One table names each key, its JSON type and its field; reading, writing
 * and the presence bits all walk it, so a key is added in one line.  A
 * value of another type than the table's (a record edited by hand, or
 * written by a later version) is kept in extra as it was read, never
 * coerced: the record goes back to disk as it came.
 */
#include "base/compat.h"
#include <stddef.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/run-record.h"
#include "store/settings.h"
#include "base/banned.h"

enum kind { K_STR, K_INT, K_REAL, K_BOOL, K_JSON };
static const struct field {
	const char *key;
	enum kind kind;
	size_t off;
} fields[RUN_NFIELDS] = {
#define F(e, k, kind, m) [e] = { k, kind, offsetof(struct run_record, m) }
	F(RUN_CANCEL, "cancel", K_JSON, cancel),
	F(RUN_COMPLETED_AT, "completed_at", K_STR, completed_at),
	F(RUN_CPU_SECONDS, "cpu_seconds", K_REAL, cpu_seconds),
	F(RUN_ERROR_KIND, "error_kind", K_STR, error_kind),
	F(RUN_ERROR_MESSAGE, "error_message", K_STR, error_message),
	F(RUN_EXIT_CODE, "exit_code", K_INT, exit_code),
	F(RUN_LIMITS_APPLIED, "limits_applied", K_JSON, limits_applied),
	F(RUN_LOG_BYTES, "log_bytes", K_INT, log_bytes),
	F(RUN_LOG_TRUNCATED, "log_truncated", K_BOOL, log_truncated),
	F(RUN_OUTPUT, "output", K_JSON, output),
	F(RUN_PEAK_MEMORY_BYTES, "peak_memory_bytes", K_INT, peak_memory_bytes),
	F(RUN_RELEASE, "release", K_STR, release),
	F(RUN_RUN_ERROR_KIND, "run_error_kind", K_STR, run_error_kind),
	F(RUN_RUN_ERROR_MESSAGE, "run_error_message", K_STR, run_error_message),
	F(RUN_SIGNAL, "signal", K_INT, signal),
	F(RUN_STARTED_AT, "started_at", K_STR, started_at),
	F(RUN_WALL_SECONDS, "wall_seconds", K_REAL, wall_seconds),
#undef F
};

#define AT(r, f, type) ((type *)(void *)((char *)(r) + fields[f].off))

static void clear(struct run_record *r, enum run_field f)
{
	if (fields[f].kind == K_STR) {
		free(*AT(r, f, char *));
		*AT(r, f, char *) = NULL;
	} else if (fields[f].kind == K_JSON) {
		json_decref(*AT(r, f, json_t *));
		*AT(r, f, json_t *) = NULL;
	}
	r->has &= ~RUN_BIT(f);
	r->null &= ~RUN_BIT(f);
}

static void mark(struct run_record *r, enum run_field f, int is_null)
{
	r->has |= RUN_BIT(f);
	if (is_null)
		r->null |= RUN_BIT(f);
}

void run_set_str(struct run_record *r, enum run_field f, const char *s)
{
	clear(r, f);
	*AT(r, f, char *) = s ? xstrdup(s) : NULL;
	mark(r, f, !s);
}

void run_set_name(struct run_record *r, enum run_field f, const char *s)
{
	json_t *v = s ? json_name(s) : NULL;
	run_set_str(r, f, json_string_value(v));
	json_decref(v);
}

void run_set_int(struct run_record *r, enum run_field f, int is_null, long long v)
{
	clear(r, f);
	*AT(r, f, long long) = is_null ? 0 : v;
	mark(r, f, is_null);
}

void run_set_real(struct run_record *r, enum run_field f, double v)
{
	clear(r, f);
	*AT(r, f, double) = v;
	mark(r, f, 0);
}

void run_set_bool(struct run_record *r, enum run_field f, int v)
{
	clear(r, f);
	*AT(r, f, int) = !!v;
	mark(r, f, 0);
}

void run_set_json(struct run_record *r, enum run_field f, json_t *v)
{
	clear(r, f);
	*AT(r, f, json_t *) = v && !json_is_null(v) ? json_incref(v) : NULL;
	mark(r, f, !v || json_is_null(v));
}

/* Take v for field f if it has the table's type; 0 if not. */
static int take(struct run_record *r, enum run_field f, json_t *v)
{
	if (json_is_null(v) && fields[f].kind != K_JSON)
		return mark(r, f, 1), 1;
	switch (fields[f].kind) {
	case K_STR: /* a string with a NUL would not come back the same */
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
			return 0;
		run_set_str(r, f, json_string_value(v));
		return 1;
	case K_INT:
		return json_is_integer(v) ? (run_set_int(r, f, 0, json_integer_value(v)), 1) : 0;
	case K_REAL:
		return json_is_real(v) ? (run_set_real(r, f, json_real_value(v)), 1) : 0;
	case K_BOOL:
		return json_is_boolean(v) ? (run_set_bool(r, f, json_is_true(v)), 1) : 0;
	case K_JSON:
		run_set_json(r, f, v);
		return 1;
	}
	return 0;
}

static int field_of(const char *key)
{
	int f;
	for (f = 0; f < RUN_NFIELDS; f++)
		if (!strcmp(fields[f].key, key))
			return f;
	return -1;
}

void run_record_from_json(struct run_record *r, json_t *obj)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		int f = field_of(key);
		if (f >= 0 && take(r, (enum run_field)f, v))
			continue;
		if (!r->extra)
			r->extra = json_object();
		json_object_set(r->extra, key, v);
	}
}

int run_record_load(struct run_record *r, int jobfd, size_t max)
{
	struct buf err = BUF_INIT;
	json_t *o = fs_exists(jobfd, "result.json") ?
		    json_load_file_at(jobfd, "result.json", max, &err) : NULL;
	if (o)
		run_record_from_json(r, o);
	json_decref(o);
	buf_release(&err);
	return o != NULL;
}

static json_t *value(const struct run_record *r, enum run_field f)
{
	if (r->null & RUN_BIT(f))
		return json_null();
	switch (fields[f].kind) {
	case K_STR: /* json_name: as is when UTF-8, and an error message may
		     * name a file (collect) with any bytes */
		return json_name(*AT(r, f, char *const));
	case K_INT:
		return json_integer(*AT(r, f, const long long));
	case K_REAL:
		return json_real(*AT(r, f, const double));
	case K_BOOL:
		return json_boolean(*AT(r, f, const int));
	case K_JSON:
		return json_incref(*AT(r, f, json_t *const));
	}
	return json_null();
}

json_t *run_record_get(const struct run_record *r, enum run_field f)
{
	json_t *v;
	if (r->has & RUN_BIT(f))
		return value(r, f);
	v = json_object_get(r->extra, fields[f].key);
	return v ? json_incref(v) : NULL;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys in sorted order, as json_write_at puts them on disk: the public
 * view shows "run" as it was read before there was a struct. */
json_t *run_record_to_json(const struct run_record *r)
{
	json_t *all = json_object(), *o = json_object(), *v;
	const char **keys;
	const char *key;
	size_t n = 0, i;
	int f;
	for (f = 0; f < RUN_NFIELDS; f++)
		if (r->has & RUN_BIT(f))
			json_object_set_new(all, fields[f].key, value(r, (enum run_field)f));
	json_object_foreach(r->extra, key, v)
		json_object_set(all, key, v);
	keys = xcalloc(json_object_size(all) + 1, sizeof(*keys));
	json_object_foreach(all, key, v)
		keys[n++] = key;
	xqsort(keys, n, sizeof(*keys), by_key);
	for (i = 0; i < n; i++)
		json_object_set(o, keys[i], json_object_get(all, keys[i]));
	free(keys);
	json_decref(all);
	return o;
}

void run_record_release(struct run_record *r)
{
	int f;
	for (f = 0; f < RUN_NFIELDS; f++)
		clear(r, (enum run_field)f);
	json_decref(r->extra);
	memset(r, 0, sizeof(*r));
}

const char *run_release_mode(scq *h, int status)
{
	return status == SCQ_CANCELLED || !strcmp(setting_str(h, SET_RELEASE), "review") ?
	       "review" : "auto";
}

int run_results_held(scq *h, const struct run_record *r, int status, int released)
{
	if (!r || released)
		return 0;
	return !strcmp(run_has(r, RUN_RELEASE) ? r->release : run_release_mode(h, status),
		       "review");
}
