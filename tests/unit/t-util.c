/*
 * t-util.c - unit tests of the validators that guard every path built from
 * submitter input, the time format and the uid generator.
 */
#include "base/compat.h"
#include "store/handle.h"
#include "tap.h"

static void test_email(void)
{
	ok(email_valid("ds@uni.example"), "plain email");
	ok(email_valid("a.b+tag@x-y.example.org"), "dots, plus, dash");
	ok(!email_valid("DS@uni.example"), "uppercase refused (emails are lower-cased first)");
	ok(!email_valid("../x@y.z"), "path characters refused");
	ok(!email_valid("a@b@c.d"), "two @");
	ok(!email_valid("a@nodot"), "domain without a dot");
	ok(!email_valid("a@b..c"), "empty label");
	ok(!email_valid("a b@c.d"), "space");
	ok(!email_valid(".a@b.c"), "leading dot");
	ok(!email_valid("a@b.c/"), "slash");
}

static void test_component(void)
{
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(component_valid("run.sh", 255), "normal name");
	ok(!component_valid("..", 255), "dot-dot");
	ok(!component_valid(".", 255), "dot");
	ok(!component_valid("", 255), "empty");
	ok(!component_valid("a/b", 255), "slash");
	ok(!component_valid("a\nb", 255), "newline");
	ok(!component_valid("a\x1b[31m", 255), "escape");
	ok(!component_valid(big, 255), "longer than the cap");
}

static void test_uid(void)
{
	char *u = scq_uuid4();
	int i, all = 1;
	ok(scq_uid_valid(u), "generated uid is valid: %s", u);
	free(u);
	for (i = 0; i < 1000; i++) {
		u = scq_uuid4();
		all &= scq_uid_valid(u);
		free(u);
	}
	ok(all, "1000 generated uids are all valid v4");
	ok(!scq_uid_valid("3F8DB989-BE18-413A-9E80-9AF2FA0CAAAB"), "uppercase refused");
	ok(!scq_uid_valid("3f8db989-be18-313a-9e80-9af2fa0caaab"), "version 3 refused");
	ok(!scq_uid_valid("3f8db989-be18-413a-ce80-9af2fa0caaab"), "bad variant refused");
	ok(!scq_uid_valid("../../etc/passwd"), "path refused");
}

static void test_time(void)
{
	char s[ISO_LEN];
	double t;
	time_format_iso(1700000000.25, s);
	is_str(s, "2023-11-14T22:13:20.250000Z", "ISO-8601 UTC with microseconds");
	ok(time_parse_iso(s, &t) == 0 && t > 1700000000.24 && t < 1700000000.26, "round trip");
	ok(time_parse_iso("2023-11-14T22:13:20+00:00", &t) == 0, "+00:00 accepted");
	ok(time_parse_iso("2023-11-14T22:13:20+02:00", &t) < 0, "other offsets refused");
	ok(time_parse_iso("yesterday", &t) < 0, "garbage refused");
}

static void test_status(void)
{
	int i, round = 1;
	for (i = 0; i < SCQ_STATUS_COUNT; i++)
		round &= scq_status_parse(scq_status_name(i)) == i;
	ok(round, "every status name parses back");
	is_int(scq_status_parse("done"), -1, "unknown status");
	is_str(scq_strerror(SCQ_ESTATE), "wrong state", "error names");
}

int main(void)
{
	test_email();
	test_component();
	test_uid();
	test_time();
	test_status();
	return done_testing();
}
