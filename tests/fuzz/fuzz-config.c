/*
 * fuzz-config - configuration parsing over hostile bytes.  Each input is
 * used three ways:
 *   1. as a SyftBox client config.json opened with scq_open(config_path):
 *      success means a valid lowercase email and an absolute data folder
 *      without a trailing slash; failure always has a message;
 *   2. as the value of `scq config set KEY VALUE` for every key of
 *      scq_config_keys(): an accepted value reads back (scq_config_get) as
 *      text that is accepted again and reads back the same;
 *   3. as the owner's own settings file (<store>/config.json): whatever it
 *      holds, every effective setting (scq_config_get, scq_config_json) is
 *      a value `scq config set` would accept, i.e. a broken file falls
 *      back to safe values.
 * Stores are wiped between runs.
 */
#include "fuzz-common.h"
#include "base/alloc.h"

static const char *ws;
static char *cfg_path, *data_dir;

static scq *open_owner(const char *email)
{
	struct scq_open_options o = { email, data_dir, NULL };
	scq *h;
	FUZZ_CHECK(scq_open(&h, &o) == 0);
	return h;
}

static void wipe(scq *h)
{
	FUZZ_CHECK(fs_remove_tree(AT_FDCWD, h->store) == 0);
	scq_close(h);
}

static void syftbox_config(const uint8_t *data, size_t size)
{
	struct scq_open_options o = { NULL, NULL, cfg_path };
	scq *h;
	int r;
	fuzz_write(cfg_path, data, size, 0600);
	r = scq_open(&h, &o);
	if (r == 0) {
		size_t n = strlen(scq_data_dir(h));
		FUZZ_CHECK(email_valid(scq_email(h)));
		FUZZ_CHECK(scq_data_dir(h)[0] == '/');
		FUZZ_CHECK(n == 1 || scq_data_dir(h)[n - 1] != '/');
	} else {
		FUZZ_CHECK(r == SCQ_ECONFIG || r == SCQ_EIO);
		FUZZ_CHECK(*scq_errmsg(h));
	}
	scq_close(h);
}

static void config_set(const char *value)
{
	const char *const *k;
	scq *h = open_owner("b@example.org");
	for (k = scq_config_keys(); *k; k++) {
		char *v1 = NULL, *v2 = NULL;
		int r = scq_config_set(h, *k, value);
		if (r != 0) {
			FUZZ_CHECK(r == SCQ_EINVAL && *scq_errmsg(h));
			continue;
		}
		FUZZ_CHECK(scq_config_get(h, *k, &v1) == 0);
		FUZZ_CHECK(scq_config_set(h, *k, v1) == 0);
		FUZZ_CHECK(scq_config_get(h, *k, &v2) == 0);
		FUZZ_CHECK(!strcmp(v1, v2));
		free(v1);
		free(v2);
	}
	FUZZ_CHECK(scq_config_get(h, "no such key", NULL) == SCQ_ENOTFOUND);
	FUZZ_CHECK(scq_config_set(h, "no such key", value) == SCQ_ENOTFOUND);
	wipe(h);
}

static void store_config(const uint8_t *data, size_t size)
{
	const char *const *k;
	scq *h = open_owner("c@example.org"), *check = open_owner("d@example.org");
	char *path, *json = NULL;
	FUZZ_CHECK(store_open(h) >= 0);
	path = path_join(h->store, "config.json");
	fuzz_write(path, data, size, 0600);
	free(path);
	FUZZ_CHECK(scq_config_json(h, &json) == 0 && json);
	free(json);
	for (k = scq_config_keys(); *k; k++) {
		char *v = NULL;
		FUZZ_CHECK(scq_config_get(h, *k, &v) == 0);
		if (scq_config_set(check, *k, v) != 0) {
			fprintf(stderr, "fuzz-config: setting '%s' from a broken config.json "
				"reads back as '%s', which 'config set' refuses: %s\n",
				*k, v, scq_errmsg(check));
			abort();
		}
		free(v);
	}
	wipe(check);
	wipe(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value;
	if (!ws) {
		ws = fuzz_workspace("config");
		cfg_path = path_join(ws, "syftbox-config.json");
		data_dir = path_join(ws, "data");
	}
	if (size > SMALL_JSON_MAX)
		return -1;
	syftbox_config(data, size);
	value = fuzz_strndup(data, size);
	config_set(value);
	free(value);
	store_config(data, size);
	return 0;
}
