/*
 * value.c - scq_value: the library's JSON documents for programs that
 * show their fields (the scq command), so that only the library links a
 * JSON parser.  A scq_value is a jansson value under another name; the
 * casts below are the whole of the wrapping.  (scq_file_list, the typed
 * form of scq_job_files, is review.c's.)
 */
#include "base/compat.h"
#include "base/alloc.h"
#include <jansson.h>
#include "scq.h"
#include "base/banned.h"

static json_t *J(const scq_value *v)
{
	return (json_t *)(uintptr_t)v; /* the same object: never copied */
}

static const scq_value *V(const json_t *j)
{
	return (const scq_value *)j;
}

scq_value *scq_value_parse(const char *text, unsigned flags)
{
	size_t jf = flags & SCQ_VALUE_NO_DUPLICATES ? JSON_REJECT_DUPLICATES : 0;
	return text ? (scq_value *)json_loads(text, jf, NULL) : NULL;
}

void scq_value_free(scq_value *v)
{
	json_decref(J(v));
}

char *scq_value_dump(const scq_value *v, unsigned flags)
{
	size_t jf = JSON_COMPACT | JSON_ENCODE_ANY;
	if (flags & SCQ_VALUE_SORT_KEYS)
		jf |= JSON_SORT_KEYS;
	return v ? json_dumps(J(v), jf) : NULL;
}

int scq_value_type(const scq_value *v)
{
	switch (v ? json_typeof(J(v)) : JSON_NULL) {
	case JSON_TRUE:
	case JSON_FALSE: return SCQ_VALUE_BOOL;
	case JSON_INTEGER: return SCQ_VALUE_INT;
	case JSON_REAL: return SCQ_VALUE_REAL;
	case JSON_STRING: return SCQ_VALUE_STRING;
	case JSON_ARRAY: return SCQ_VALUE_ARRAY;
	case JSON_OBJECT: return SCQ_VALUE_OBJECT;
	default: return SCQ_VALUE_NULL;
	}
}

const scq_value *scq_value_get(const scq_value *v, const char *key)
{
	return V(json_object_get(J(v), key));
}

size_t scq_value_size(const scq_value *v)
{
	if (json_is_array(J(v)))
		return json_array_size(J(v));
	return json_object_size(J(v));
}

/* Members are found by walking the object in its order: objects shown to
 * people are small (a job, a status, the settings). */
const scq_value *scq_value_at(const scq_value *v, size_t i, const char **key)
{
	void *it;
	if (json_is_array(J(v)))
		return V(json_array_get(J(v), i));
	for (it = json_object_iter(J(v)); it && i; i--)
		it = json_object_iter_next(J(v), it);
	if (!it)
		return NULL;
	if (key)
		*key = json_object_iter_key(it);
	return V(json_object_iter_value(it));
}

const char *scq_value_string(const scq_value *v)
{
	return json_string_value(J(v));
}

long long scq_value_int(const scq_value *v)
{
	return (long long)json_integer_value(J(v));
}

double scq_value_real(const scq_value *v)
{
	return json_real_value(J(v));
}

int scq_value_is_true(const scq_value *v)
{
	return json_is_true(J(v));
}

int scq_value_equal(const scq_value *a, const scq_value *b)
{
	return json_equal(J(a), J(b));
}

int scq_value_remove(scq_value *v, const char *key)
{
	return json_object_del(J(v), key);
}

char *scq_json_string(const char *s)
{
	json_t *j = s ? json_string(s) : NULL; /* NULL unless valid UTF-8 */
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	return q;
}
