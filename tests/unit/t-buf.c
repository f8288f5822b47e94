/*
 * t-buf.c - unit tests of the capped buffer and terminal escaping.
 */
#include "compat.h"
#include "buf.h"
#include "tap.h"

static void test_cap(void)
{
	struct buf b;
	buf_init(&b, 8);
	is_int(buf_adds(&b, "12345678"), 0, "fill to the cap");
	is_int(buf_adds(&b, "9"), -1, "one byte past the cap fails");
	is_str(b.ptr, "12345678", "failed append leaves content intact");
	buf_release(&b);
	is_str(b.ptr, "", "released buffer reads as empty");
}

static void test_format(void)
{
	struct buf b = BUF_INIT;
	char *s;
	size_t len;
	buf_addf(&b, "%s-%d", "job", 42);
	buf_addc(&b, '!');
	is_str(b.ptr, "job-42!", "addf and addc");
	s = buf_detach(&b, &len);
	is_int((long long)len, 7, "detach gives the length");
	is_str(b.ptr, "", "detached buffer is empty");
	free(s);
}

static void test_escape(void)
{
	struct buf b = BUF_INIT;
	const char in[] = "a\x1b[31mred\n\\ \xc3\xa9 \xff \xc2\x9b";
	buf_add_escaped(&b, in, sizeof(in) - 1);
	is_str(b.ptr, "a\\x1b[31mred\\n\\\\ \xc3\xa9 \\xff \\xc2\\x9b",
	       "escapes controls, invalid UTF-8 and C1, keeps valid UTF-8");
	buf_release(&b);
}

int main(void)
{
	test_cap();
	test_format();
	test_escape();
	return done_testing();
}
