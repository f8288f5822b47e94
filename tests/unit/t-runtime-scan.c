/*
 * t-runtime-scan.c - what a runtime holds, from its packages' metadata
 * (queue/runtime-scan.c): dist-info and egg-info (folder or file), the
 * interpreter's version without running it, names normalised, entries
 * outside the strict forms skipped, the first site folder winning, and
 * the bound on packages said, never hit in silence.
 */
#include "base/compat.h"
#include "queue/runtimes.h"
#include "tap.h"

static void put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

#define SP "lib/python3.11/site-packages/"

static void venv(const char *root)
{
	json_t *s, *p;
	put(root, "pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\n"
	    "version = 3.11.2\n");
	put(root, SP "Foo_Bar-1.0.dist-info/METADATA",
	    "Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\n\nName: not-this\n");
	put(root, SP "old-2.0.egg-info/PKG-INFO", "Name: old\nVersion: 2.0rc1\n");
	put(root, SP "flat-3.egg-info", "Metadata-Version: 1.0\nName: flat\nVersion: 3\n");
	put(root, SP "evil-1.dist-info/METADATA", "Name: \033[31mevil\nVersion: 1\n");
	put(root, SP "badver-1.dist-info/METADATA", "Name: badver\nVersion: 1 2\n");
	put(root, SP "nover-1.dist-info/METADATA", "Name: nover\n");
	put(root, "lib/python3.11/dist-packages/foo-bar-9.dist-info/METADATA",
	    "Name: foo-bar\nVersion: 9\n");
	s = runtime_scan(root);
	p = json_object_get(s, "packages");
	is_str(json_string_value(json_object_get(json_object_get(s, "interpreter"), "python")),
	       "3.11.2", "the interpreter's version from pyvenv.cfg");
	is_str(json_string_value(json_object_get(p, "foo-bar")), "1.0",
	       "a dist-info, its name normalised; site-packages before dist-packages");
	is_str(json_string_value(json_object_get(p, "old")), "2.0rc1", "an egg-info folder");
	is_str(json_string_value(json_object_get(p, "flat")), "3", "an egg-info file");
	is_int((int)json_object_size(p), 3, "no name with control bytes, no bad or missing version");
	ok(!json_object_get(s, "cut"), "nothing cut");
	is_int((int)json_array_size(runtime_site_dirs(s)), 2, "two site folders");
	json_decref(s);
}

static void bounded(const char *root)
{
	char rel[128], text[64];
	json_t *s;
	int i;
	for (i = 0; i <= RUNTIME_PACKAGES_MAX; i++) {
		snprintf(rel, sizeof(rel), SP "p%d-1.dist-info/METADATA", i);
		snprintf(text, sizeof(text), "Name: p%d\nVersion: 1\n", i);
		put(root, rel, text);
	}
	s = runtime_scan(root);
	is_int((int)json_object_size(json_object_get(s, "packages")), RUNTIME_PACKAGES_MAX,
	       "at most %d packages listed", RUNTIME_PACKAGES_MAX);
	is_int((int)json_integer_value(json_object_get(s, "packages_found")),
	       RUNTIME_PACKAGES_MAX + 1, "every package counted");
	ok(json_string_value(json_object_get(s, "cut")) &&
	   strstr(json_string_value(json_object_get(s, "cut")), "1 package(s) not listed"),
	   "the cut is said");
	is_str(json_string_value(json_object_get(json_object_get(s, "interpreter"), "python")),
	       "3.11", "no pyvenv.cfg, no bin/python3: the lib/python3.X folder");
	json_decref(s);
}

int main(void)
{
	char *dir = tap_tempdir(), a[PATH_MAX], b[PATH_MAX];
	json_t *s;
	snprintf(a, sizeof(a), "%s/venv", dir);
	snprintf(b, sizeof(b), "%s/big", dir);
	mkdir(a, 0755);
	mkdir(b, 0755);
	venv(a);
	bounded(b);
	s = runtime_scan("/nonexistent-runtime");
	is_int((int)json_object_size(json_object_get(s, "packages")), 0,
	       "an unreadable root holds nothing");
	json_decref(s);
	tap_rmtree(dir);
	free(dir);
	return done_testing();
}
