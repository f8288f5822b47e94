/*
 * t-ctx.c - nothing the library returns points into storage shared by all
 * handles (issue 10: the Python binding releases the GIL, so two threads
 * with two handles would race on a static buffer).
 */
#include "base/compat.h"
#include "store/handle.h"
#include "store/settings.h"
#include "tap.h"

int main(void)
{
	char *d1 = tap_tempdir(), *d2 = tap_tempdir();
	scq *a = tap_open_as("a@one.example", d1), *b = tap_open_as("b@two.example", d2);
	const char *pa, *pb, *ra, *rb;
	char *copy;
	ok(a && b, "two handles");
	pa = scq_audit_path(a);
	copy = strdup(pa);
	pb = scq_audit_path(b);
	ok(strcmp(pa, pb) != 0, "each handle has its own audit path");
	is_str(pa, copy, "a later call for another handle leaves the first answer as it was");
	ok(strstr(pa, "a@one.example") != NULL, "and it is the first handle's");
	ok(scq_config_set(a, "release", "review") == 0, "release review for a only");
	ra = setting_str(a, SET_RELEASE);
	rb = setting_str(b, SET_RELEASE);
	is_str(ra, "review", "a's setting");
	is_str(rb, "auto", "b's default");
	is_str(ra, "review", "still a's after reading b's");
	{
		const char *const *k = scq_config_keys();
		size_t n = 0;
		char *js = NULL;
		while (k[n])
			n++;
		scq_config_json(a, &js);
		ok(n >= 20 && js && strstr(js, k[n - 1]) != NULL && k == scq_config_keys(),
		   "one key list, filled with every setting (%zu)", n);
		free(js);
	}
	free(copy);
	scq_close(a);
	scq_close(b);
	tap_rmtree(d1);
	tap_rmtree(d2);
	free(d1);
	free(d2);
	return done_testing();
}
