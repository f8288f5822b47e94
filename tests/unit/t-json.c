/*
 * t-json.c - unit tests of the way text reaches JSON (base/json.c): bytes that
 * are not UTF-8 become U+FFFD in free text and an escaped form plus hex in
 * names; cuts keep characters whole; no helper ever returns NULL, and a
 * NULL object is never written as an empty file.
 */
#include "base/compat.h"
#include "base/fs.h"
#include "store/handle.h"
#include "tap.h"

#define FFFD "\xef\xbf\xbd"

static void test_valid(void)
{
	ok(utf8_valid("plain ASCII", 11), "ASCII");
	ok(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), "2, 3 and 4-byte characters");
	ok(!utf8_valid("caf\xe9", 4), "Latin-1 byte");
	ok(!utf8_valid("\xff", 1), "0xff");
	ok(!utf8_valid("\xc0\xaf", 2), "overlong '/'");
	ok(!utf8_valid("\xed\xa0\x80", 3), "UTF-16 surrogate");
	ok(!utf8_valid("\xf4\x90\x80\x80", 4), "past U+10FFFF");
	ok(!utf8_valid("\xe2\x82", 2), "sequence cut short");
	ok(!utf8_valid("a\0b", 3), "NUL");
}

static void test_cut(void)
{
	const char *s = "ab\xe2\x82\xac" "cd"; /* a b EUR c d: 7 bytes */
	is_int((long long)utf8_boundary(s, 7, 10), 7, "shorter than the cap: whole");
	is_int((long long)utf8_boundary(s, 7, 5), 5, "cut after the euro sign");
	is_int((long long)utf8_boundary(s, 7, 4), 2, "cut inside it: before it");
	is_int((long long)utf8_boundary(s, 7, 3), 2, "cut after its first byte: before it");
	is_int((long long)utf8_boundary(s, 7, 2), 2, "cut before it");
	is_int((long long)utf8_boundary("\x80\x80\x80\x80\x80", 5, 4), 1,
	       "stray continuation bytes: backs off at most three");
}

static void test_text(void)
{
	size_t bad = 99;
	json_t *v = json_text("ok \xc3\xa9", 5, &bad);
	ok(v && !strcmp(json_string_value(v), "ok \xc3\xa9") && bad == 0, "UTF-8 unchanged, none replaced");
	json_decref(v);
	v = json_text("a\xff" "b", 3, &bad);
	ok(v && !strcmp(json_string_value(v), "a" FFFD "b") && bad == 1, "0xff becomes U+FFFD");
	json_decref(v);
	v = json_text("x\xe2\x82", 3, &bad);
	ok(v && !strcmp(json_string_value(v), "x" FFFD FFFD) && bad == 2,
	   "a sequence cut short: one U+FFFD per byte");
	json_decref(v);
	v = json_text("a\0b", 3, &bad);
	ok(v && !strcmp(json_string_value(v), "a" FFFD "b") && json_string_length(v) == 5 && bad == 1,
	   "NUL becomes U+FFFD (C readers would stop at it)");
	json_decref(v);
	v = json_text("", 0, NULL);
	ok(v && json_string_length(v) == 0, "empty text, no counter");
	json_decref(v);
}

static void test_name(void)
{
	json_t *o = json_object(), *v;
	v = json_name("caf\xc3\xa9 a\\b");
	is_str(json_string_value(v), "caf\xc3\xa9 a\\b", "a UTF-8 name is kept as is");
	json_decref(v);
	v = json_name("x\xff");
	is_str(json_string_value(v), "x\\xff", "a byte that is not UTF-8 is escaped");
	json_decref(v);
	v = json_name("a\\xff\xff");
	is_str(json_string_value(v), "a\\\\xff\\xff", "backslash doubled once escaping is on");
	json_decref(v);
	json_set_name(o, "entry", "run.sh");
	ok(json_object_size(o) == 1, "no _hex for a UTF-8 name");
	json_set_name(o, "entry", "x\xff");
	is_str(json_string_value(json_object_get(o, "entry")), "x\\xff", "escaped entry");
	is_str(json_string_value(json_object_get(o, "entry_hex")), "78ff", "and its bytes in hex");
	json_decref(o);
}

static void test_write_null(void)
{
	char *dir = tap_tempdir();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ok(json_write_at(fd, "x.json", NULL, 0) < 0 && errno == EINVAL, "a NULL object is refused");
	ok(faccessat(fd, "x.json", F_OK, 0) < 0, "and nothing is written");
	close(fd);
	tap_rmtree(dir);
	free(dir);
}

/* load TEXT (N bytes) from a file: 0 parsed, else the errno */
static int load_errno(int fd, const char *text, size_t n)
{
	struct buf err = BUF_INIT;
	json_t *o;
	int e;
	if (fs_write_atomic(fd, "t.json", text, n, 0) < 0)
		return -1;
	o = json_load_file_at(fd, "t.json", 1 << 20, &err);
	e = o ? 0 : errno;
	json_decref(o);
	buf_release(&err);
	return e;
}

/* Every proper prefix of a record is cut short (ENODATA: it waits), even
 * where jansson names a token rather than the end of input ('nu', '1e',
 * a cut escape or UTF-8 sequence); the simulator cut job.json inside
 * "null" and the job was quarantined.  Malformed texts stay EINVAL. */
static void test_cut_short(void)
{
	static const char rec[] = "{\"a\": null, \"b\": true, \"c\": false, \"d\": -12.5e+3, "
				  "\"e\": \"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \\n\", \"f\": [1, 0.5E-2]}";
	static const char *const bad[] = { "{\"a\" 1", "{\"a\":1}}", "{\"a\": nux", "{\"a\": xyz}",
					   "{\"a\": 1]", "{\"a\": 1 2", "{\"a\": --1" };
	char *dir = tap_tempdir();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n, first_bad = 0;
	unsigned i;
	for (n = 1; n < sizeof(rec) - 1; n++)
		if (load_errno(fd, rec, n) != ENODATA && !first_bad)
			first_bad = n;
	ok(!first_bad, "every proper prefix of a record is cut short (ENODATA)");
	if (first_bad)
		tap_diag("first prefix that is not: %zu bytes, '%.*s'", first_bad, (int)first_bad, rec);
	is_int(load_errno(fd, rec, sizeof(rec) - 1), 0, "the whole record parses");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(load_errno(fd, bad[i], strlen(bad[i])), EINVAL, "malformed: %s", bad[i]);
	close(fd);
	tap_rmtree(dir);
	free(dir);
}

int main(void)
{
	test_cut_short();
	test_valid();
	test_cut();
	test_text();
	test_name();
	test_write_null();
	return done_testing();
}
