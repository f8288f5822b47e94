/*
 * fuzz-manifest - manifest_validate and manifest_digest over hostile JSON.
 *
 * The input is parsed as job.json parses (duplicate keys rejected).  An
 * object is taken for its "files" member, anything else as the manifest
 * itself.  Invariants: a refusal always comes with a message; a valid
 * manifest has a 64-hex digest that is the same when computed twice and
 * after a serialise/parse round trip; validation never looks outside the
 * value it is given.
 */
#include "fuzz-common.h"
#include "queue/manifest.h"

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	json_t *m;
	struct buf err = BUF_INIT;
	char d1[65], d2[65];
	if (!root)
		return 0;
	m = json_is_object(root) ? json_object_get(root, "files") : root;
	if (manifest_validate(m, &err) < 0) {
		FUZZ_CHECK(err.len > 0);
	} else {
		char *text = json_dumps(m, JSON_COMPACT);
		json_t *again;
		FUZZ_CHECK(json_is_array(m));
		manifest_digest(m, d1);
		manifest_digest(m, d2);
		FUZZ_CHECK(is_hex64(d1) && !strcmp(d1, d2));
		FUZZ_CHECK(text);
		again = json_loads(text, JSON_REJECT_DUPLICATES, &je);
		FUZZ_CHECK(again);
		buf_reset(&err);
		FUZZ_CHECK(manifest_validate(again, &err) == 0);
		manifest_digest(again, d2);
		FUZZ_CHECK(!strcmp(d1, d2));
		json_decref(again);
		free(text);
	}
	buf_release(&err);
	json_decref(root);
	return 0;
}
