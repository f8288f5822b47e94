/*
 * t-value.c - unit tests of scq_value (value.c), the view of the library's
 * JSON that the scq command reads instead of linking jansson: members in
 * their order, absent versus null, removal, dumps, quoting.
 */
#include <stdlib.h>
#include <string.h>
#include "scq.h"
#include "tap.h"

static void reading(void)
{
	scq_value *v = scq_value_parse("{\"b\":1,\"a\":\"x\",\"n\":null,\"l\":[true,2.5],"
				       "\"o\":{\"k\":\"v\"}}", 0);
	const char *key = NULL;
	char *s;
	ok(v != NULL, "an object parses");
	is_int(scq_value_type(v), SCQ_VALUE_OBJECT, "as an object");
	is_int((long long)scq_value_size(v), 5, "of five members");
	scq_value_at(v, 0, &key);
	is_str(key, "b", "members come in their order (first)");
	scq_value_at(v, 1, &key);
	is_str(key, "a", "members come in their order (second)");
	ok(scq_value_at(v, 5, &key) == NULL, "NULL past the end");
	is_int(scq_value_int(scq_value_get(v, "b")), 1, "an integer");
	is_str(scq_value_string(scq_value_get(v, "a")), "x", "a string");
	ok(scq_value_string(scq_value_get(v, "b")) == NULL, "no string of a number");
	ok(scq_value_get(v, "n") != NULL, "a null member is there");
	is_int(scq_value_type(scq_value_get(v, "n")), SCQ_VALUE_NULL, "and is null");
	ok(scq_value_get(v, "zz") == NULL, "an absent member is NULL");
	is_int(scq_value_type(NULL), SCQ_VALUE_NULL, "whose type is null");
	ok(scq_value_is_true(scq_value_at(scq_value_get(v, "l"), 0, NULL)), "true");
	ok(scq_value_real(scq_value_at(scq_value_get(v, "l"), 1, NULL)) == 2.5, "a real");
	is_str(scq_value_string(scq_value_get(scq_value_get(v, "o"), "k")), "v", "nested");
	ok(scq_value_get(scq_value_get(v, "l"), "k") == NULL, "get on an array is NULL");
	ok(!scq_value_equal(scq_value_get(v, "zz"), scq_value_get(v, "yy")), "absent equals nothing");
	ok(scq_value_equal(scq_value_get(v, "n"), scq_value_get(v, "n")), "null equals null");
	ok(!scq_value_equal(scq_value_get(v, "a"), scq_value_get(v, "b")), "x is not 1");
	is_int(scq_value_remove(v, "a"), 0, "remove a member");
	is_int(scq_value_remove(v, "a"), -1, "only once");
	s = scq_value_dump(v, 0);
	is_str(s, "{\"b\":1,\"n\":null,\"l\":[true,2.5],\"o\":{\"k\":\"v\"}}", "dump keeps the order");
	free(s);
	s = scq_value_dump(v, SCQ_VALUE_SORT_KEYS);
	is_str(s, "{\"b\":1,\"l\":[true,2.5],\"n\":null,\"o\":{\"k\":\"v\"}}", "or sorts the keys");
	free(s);
	scq_value_free(v);
	scq_value_free(NULL);
}

static void parsing(void)
{
	scq_value *v = scq_value_parse("{\"a\":1,\"a\":2}", 0);
	ok(v != NULL, "a key twice parses by default");
	scq_value_free(v);
	ok(scq_value_parse("{\"a\":1,\"a\":2}", SCQ_VALUE_NO_DUPLICATES) == NULL,
	   "a key twice is refused when asked");
	ok(scq_value_parse("not json", 0) == NULL, "not JSON: NULL");
	ok(scq_value_parse(NULL, 0) == NULL, "NULL text: NULL");
}

static void quoting(void)
{
	char *q = scq_json_string("a\"b\n\u00e9");
	is_str(q, "\"a\\\"b\\n\u00e9\"", "a JSON string literal");
	free(q);
	ok(scq_json_string("caf\xe9") == NULL, "NULL for text that is not UTF-8");
}

int main(void)
{
	reading();
	parsing();
	quoting();
	return done_testing();
}
