/*
 * t-manifest.c - unit tests of manifests: building from a folder, the
 * digest, validation messages, and the checks that tell "still arriving"
 * from "hostile".
 */
#include "base/compat.h"
#include <signal.h>
#include "store/handle.h"
#include "queue/manifest.h"
#include "tap.h"

static void put(const char *dir, const char *name, const char *text)
{
	char p[4200];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static json_t *parse(const char *s)
{
	return json_loads(s, 0, NULL);
}

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* manifest_validate refuses the manifest of these entries (JSON objects,
 * comma-separated), with a message naming want (unless NULL). */
static void refused(const char *entries, const char *want, const char *name)
{
	struct buf json = BUF_INIT, err = BUF_INIT;
	json_t *bad;
	int no;
	buf_addf(&json, "[%s]", entries);
	bad = parse(json.ptr);
	no = bad && manifest_validate(bad, &err) < 0;
	ok(no && (!want || strstr(err.ptr, want)), "%s: %s", name, err.ptr);
	json_decref(bad);
	buf_release(&json);
	buf_release(&err);
}

/* Close a temporary folder's descriptor, remove it, free its path. */
static void drop(char *path, int fd)
{
	close(fd);
	tap_rmtree(path);
	free(path);
}

/* A name JSON cannot carry is refused, naming it: never left out (issue 8). */
static void latin1_names(void)
{
	char *src = tap_tempdir(), *dst = tap_tempdir(), *dst2 = tap_tempdir();
	struct buf err = BUF_INIT;
	int s = open(src, O_RDONLY | O_DIRECTORY), d = open(dst, O_RDONLY | O_DIRECTORY);
	int d2 = open(dst2, O_RDONLY | O_DIRECTORY);
	json_t *m, *skipped = json_array();
	put(src, "run.sh", "echo hi\n");
	put(src, "x\xff.log", "ignored by SyftBox\n");
	m = manifest_copy_tree_ex(s, d2, &err, skipped);
	ok(m && json_array_size(m) == 1, "a skipped Latin-1 name does not stop the build");
	is_str(json_string_value(json_array_get(skipped, 0)), "x\\xff.log",
	       "and is listed as skipped, escaped");
	json_decref(m);
	put(src, "caf\xe9.py", "print(1)\n");
	m = manifest_copy_tree(s, d, &err);
	ok(!m, "a file named in Latin-1 is an error, not a missing entry");
	ok(strstr(err.ptr, "caf\xe9.py") && strstr(err.ptr, "UTF-8"), "naming the file: %s", err.ptr);
	json_decref(m);
	json_decref(skipped);
	buf_release(&err);
	drop(src, s);
	drop(dst, d);
	drop(dst2, d2);
}

/* An empty staging folder at path, as ingest makes one (fd is closed). */
static int fresh(const char *path, int fd)
{
	close(fd);
	tap_rmtree(path);
	mkdir(path, 0700);
	return open(path, O_RDONLY | O_DIRECTORY);
}

/* A FIFO, a symlink or a link in place of a listed file is refused by
 * every path that reads a tree, naming it, and never blocks (alarm). */
static void special_entries(void)
{
	char *src = tap_tempdir(), *dst = tap_tempdir(), *dst2 = tap_tempdir(), p[4200];
	struct buf err = BUF_INIT;
	int s = open(src, O_RDONLY | O_DIRECTORY), d = open(dst, O_RDONLY | O_DIRECTORY);
	int d2 = open(dst2, O_RDONLY | O_DIRECTORY), v;
	json_t *m;
	put(src, "run.sh", "echo hi\n");
	put(src, "z.py", "print(2)\n");
	m = manifest_copy_tree(s, d, &err);
	snprintf(p, sizeof(p), "%s/fifo", src);
	ok(m && mkfifo(p, 0644) == 0, "build: a manifest, then a FIFO beside it");
	alarm(10);
	/* each call may grow err: read err.ptr only after it (an argument of
	 * the same ok() could be taken before the call, then freed by it) */
	v = manifest_check_tree(s, m, NULL, &err) == VERIFY_BAD;
	ok(v && strstr(err.ptr, "'fifo'") && strstr(err.ptr, "special file"),
	   "check: a FIFO is hostile: %s", err.ptr);
	v = !manifest_copy_tree(s, d2, &err);
	ok(v && strstr(err.ptr, "'fifo' is a special file"), "build: a FIFO is refused, named: %s",
	   err.ptr);
	unlink(p);
	snprintf(p, sizeof(p), "%s/z.py", src);
	unlink(p);
	ok(symlink("/etc/passwd", p) == 0, "build: z.py becomes a symlink to /etc/passwd");
	d2 = fresh(dst2, d2);
	is_int(manifest_copy_verified(s, d2, m, &err), VERIFY_BAD,
	       "verified copy: a symlink in place of a listed file is hostile");
	ok(strstr(err.ptr, "z.py") != NULL, "...and named: %s", err.ptr);
	unlink(p);
	d2 = fresh(dst2, d2);
	ok(mkfifo(p, 0644) == 0, "build: z.py becomes a FIFO");
	is_int(manifest_copy_verified(s, d2, m, &err), VERIFY_BAD,
	       "verified copy: a FIFO in place of a listed file is refused without blocking");
	ok(strstr(err.ptr, "not a regular file") != NULL, "...saying why: %s", err.ptr);
	alarm(0);
	json_decref(m);
	buf_release(&err);
	drop(src, s);
	drop(dst, d);
	drop(dst2, d2);
}

int main(void)
{
	char *src = tap_tempdir(), *dst = tap_tempdir(), p[4200], d1[65], d2[65];
	struct buf err = BUF_INIT;
	int s, d, v;
	json_t *m;

	snprintf(p, sizeof(p), "%s/lib", src);
	mkdir(p, 0755);
	put(src, "run.sh", "echo hi\n");
	put(src, "lib/a.py", "print(1)\n");
	s = open(src, O_RDONLY | O_DIRECTORY);
	d = open(dst, O_RDONLY | O_DIRECTORY);
	m = manifest_copy_tree(s, d, &err);
	ok(m && json_array_size(m) == 2, "two files in the manifest");
	is_str(json_string_value(json_object_get(json_array_get(m, 0), "path")), "lib/a.py", "sorted by path");
	is_int(manifest_validate(m, &err), 0, "a built manifest validates");
	manifest_digest(m, d1);
	manifest_digest(m, d2);
	is_str(d1, d2, "the digest is stable");
	json_object_set_new(json_array_get(m, 1), "mode", json_string("0755"));
	manifest_digest(m, d2);
	ok(strcmp(d1, d2), "the exec bit changes the digest");
	json_object_set_new(json_array_get(m, 1), "mode", json_string("0644"));
	is_int(manifest_check_tree(d, m, NULL, &err), VERIFY_OK, "the copy matches");
	is_int(manifest_verify(d, m, &err), 0, "and verifies");
	put(dst, "run.sh", "echo HI\n");
	v = manifest_verify(d, m, &err) < 0;
	ok(v && strstr(err.ptr, "run.sh"), "a changed file is named: %s", err.ptr);
	put(dst, "run.sh", "echo hi\n");
	put(dst, "extra.txt", "x");
	v = manifest_check_tree(d, m, NULL, &err);
	ok(v == VERIFY_BAD && strstr(err.ptr, "extra.txt"), "an extra file is hostile");
	snprintf(p, sizeof(p), "%s/extra.txt", dst);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lib/a.py", dst);
	unlink(p);
	is_int(manifest_check_tree(d, m, NULL, &err), VERIFY_INCOMPLETE, "a missing file means wait");
	put(dst, "lib/a.py", "print(1)\n# and more\n");
	is_int(manifest_check_tree(d, m, NULL, &err), VERIFY_BAD, "a longer file is hostile");
	snprintf(p, sizeof(p), "%s/lib/a.py", dst);
	unlink(p);
	ok(symlink("/etc/passwd", p) == 0, "plant a symlink");
	v = manifest_check_tree(d, m, NULL, &err) == VERIFY_BAD;
	ok(v && strstr(err.ptr, "symlink"), "a symlink is hostile: %s", err.ptr);

	refused("{\"path\":\"../x\",\"size\":1,\"mode\":\"0644\",\"sha256\":\"" ZERO64 "\"}", "../x",
		"'..' refused");
	refused("{\"path\":\"/etc/x\",\"size\":1,\"mode\":\"0644\",\"sha256\":\"" ZERO64 "\"}", NULL,
		"absolute path refused");
	refused("{\"path\":\"a\",\"size\":1,\"mode\":\"4755\",\"sha256\":\"" ZERO64 "\"}", "mode",
		"setuid mode refused");
	refused("{\"path\":\"b\",\"size\":1,\"mode\":\"0644\",\"sha256\":\"x\"},"
		"{\"path\":\"a\",\"size\":1,\"mode\":\"0644\",\"sha256\":\"x\"}", NULL,
		"bad hash / unsorted refused");
	refused("{\"path\":\"a\",\"size\":-1,\"mode\":\"0644\",\"sha256\":\"" ZERO64 "\"}", NULL,
		"negative size refused");
	refused("{\"path\":\"a\",\"size\":1,\"mode\":\"0644\",\"sha256\":\"" ZERO64 "\",\"x\":1}",
		NULL, "unknown entry key refused");
	ok(syftbox_ignored("x.log", 0) && syftbox_ignored("__pycache__", 1) &&
	   syftbox_ignored("m.pyc", 0) && !syftbox_ignored("run.sh", 0) && !syftbox_ignored("dist", 0),
	   "SyftBox ignore list (dist only as a folder)");
	json_decref(m);
	latin1_names();
	special_entries();
	buf_release(&err);
	close(s);
	close(d);
	tap_rmtree(src);
	tap_rmtree(dst);
	free(src);
	free(dst);
	return done_testing();
}
