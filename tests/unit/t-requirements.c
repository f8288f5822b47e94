/*
 * t-requirements.c - requirements.txt against a runtime's packages
 * (queue/requirements.c): the forms pip users write, versions as PEP 440
 * orders them, and the one line per problem that submit, review and the
 * job's pip print.
 */
#include "base/compat.h"
#include "base/buf.h"
#include "queue/requirements.h"
#include "tap.h"

static const struct vcase {
	const char *a, *b;
	int want;
} vcases[] = {
	{ "1.0", "1.0.0", 0 }, { "1.24.2", "1.24.10", -1 }, { "2.0", "1.99", 1 },
	{ "1.0rc1", "1.0", -1 }, { "1.0.dev1", "1.0a1", -1 }, { "1.0.post1", "1.0", 1 },
	{ "1!0.1", "2.0", 1 }, { "1.0+local", "1.0", 0 }, { "1.0b2", "1.0b10", -1 },
};

static void versions(void)
{
	size_t i;
	for (i = 0; i < SCQ_NELEM(vcases); i++) {
		int c = version_cmp(vcases[i].a, vcases[i].b);
		c = c < 0 ? -1 : c > 0;
		is_int(c, vcases[i].want, "version %s vs %s", vcases[i].a, vcases[i].b);
	}
	ok(version_match("1.24.2", "==", "1.24.*"), "==1.24.* holds 1.24.2");
	ok(!version_match("1.25.0", "==", "1.24.*"), "==1.24.* refuses 1.25.0");
	ok(version_match("1.4.5", "~=", "1.4.2"), "~=1.4.2 holds 1.4.5");
	ok(!version_match("1.5.0", "~=", "1.4.2"), "~=1.4.2 refuses 1.5.0");
	ok(!version_match("1.4.1", "~=", "1.4.2"), "~=1.4.2 refuses 1.4.1");
	ok(version_match("1.24.2", "<=", "1.24.2") && !version_match("1.24.2", "<", "1.24.2"),
	   "<= and <");
	ok(version_match("1.0", "!=", "2.0") && version_match("1.0", "===", "1.0") &&
	   !version_match("1.0", "===", "1.0.0"), "!= and ===");
}

static void names(void)
{
	struct buf b = BUF_INIT;
	ok(pkg_name_normalize("Foo_Bar.baz", 11, &b) == 0 && !strcmp(b.ptr, "foo-bar-baz"),
	   "names normalize as PEP 503");
	ok(pkg_name_normalize("-x", 2, &b) < 0 && pkg_name_normalize("a b", 3, &b) < 0,
	   "a name starts with a letter or digit and holds no space");
	ok(runtime_name_valid("sci2") && !runtime_name_valid("none") &&
	   !runtime_name_valid("Sci") && !runtime_name_valid("a/b") &&
	   !runtime_name_valid("") && !runtime_name_valid("abcdefghijklmnopq"),
	   "runtime names: 1-16 lower-case letters and digits, not 'none'");
	buf_release(&b);
}

static const struct rcase {
	const char *what, *text, *want;
	int problems, notes;
} rcases[] = {
	{ "satisfied forms", "numpy\n# comment\n\nNumPy>=1.20,<2  # inline\n"
	  "pandas[excel]==1.5.*\nnumpy~=1.24.0\n", "", 0, 0 },
	{ "a missing package", "numpy\nscipy>=1\n", "scipy>=1: not in runtime 'sci'\n", 1, 0 },
	{ "a mismatched version", "numpy>=2.0\n", "numpy>=2.0: runtime 'sci' has 1.24.2\n", 1, 0 },
	{ "a marker is a note", "numpy; python_version < \"3.8\"\n",
	  "line 1: environment marker ignored (checked as if it held)\n", 0, 1 },
	{ "an option", "-r other.txt\n",
	  "line 1: pip options (-r, -e, --index-url, ...) are not followed: the job has no "
	  "network; list the packages themselves\n", 1, 0 },
	{ "a URL", "pkg @ https://x/y.whl\n",
	  "line 1: URLs are not followed: the job has no network\n", 1, 0 },
	{ "hostile bytes are never echoed", "numpy\n\x1b[31mevil\n",
	  "line 2: unreadable requirement (expected a package name)\n", 1, 0 },
	{ "a bad specifier", "numpy>>1\n",
	  "line 1: unreadable version specifier (expected e.g. name>=1.2)\n", 1, 0 },
	{ "CRLF lines", "numpy\r\npandas\r\n", "", 0, 0 },
};

static void checks(void)
{
	json_t *pkgs = json_pack("{s:s, s:s}", "numpy", "1.24.2", "pandas", "1.5.3");
	struct buf out = BUF_INIT;
	struct req_result res;
	size_t i;
	for (i = 0; i < SCQ_NELEM(rcases); i++) {
		buf_reset(&out);
		requirements_check(rcases[i].text, strlen(rcases[i].text), pkgs, "sci", &out, &res);
		is_str(out.ptr ? out.ptr : "", rcases[i].want, "%s: the lines", rcases[i].what);
		is_int(res.problems, rcases[i].problems, "%s: problems", rcases[i].what);
		is_int(res.notes, rcases[i].notes, "%s: notes", rcases[i].what);
	}
	{ /* more lines than checked: said, not cut in silence */
		struct buf big = BUF_INIT;
		for (i = 0; i <= REQUIREMENTS_MAX_LINES; i++)
			buf_adds(&big, "numpy\n");
		buf_reset(&out);
		requirements_check(big.ptr, big.len, pkgs, "sci", &out, &res);
		ok(res.problems == 1 && strstr(out.ptr, "the rest not checked"),
		   "more than %d lines: one problem says the rest was not checked",
		   REQUIREMENTS_MAX_LINES);
		buf_release(&big);
	}
	buf_release(&out);
	json_decref(pkgs);
}

int main(void)
{
	versions();
	names();
	checks();
	return done_testing();
}
