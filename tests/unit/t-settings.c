/*
 * t-settings.c - settings are read by enum (settings.h): every SET_* reads
 * its own key, unset and hand-broken values read the default, and the key
 * as text (scq_config_get/set, for the scq command) is checked: an unknown
 * key is refused with a message naming it, where it once read 0.
 */
#include "base/compat.h"
#include "store/handle.h"
#include "store/settings.h"
#include "tap.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		tap_diag("cannot write %s", path);
}

/* Each setting reads through its enum what scq_config_get says by key. */
static void every_setting(scq *h)
{
	const char *const *keys = scq_config_keys();
	char *text = NULL, num[32];
	int id, same = 1, r;
	for (id = 0; id < SET_COUNT; id++) {
		const char *str = setting_str(h, (enum setting)id);
		char *list = setting_list(h, (enum setting)id);
		char *path = setting_path(h, (enum setting)id);
		int text_kind = *list || id == SET_NOTIFY_COMMAND; /* LIST, PATH */
		if (*list) /* a LIST setting reads as its text */
			str = list;
		if (id == SET_NOTIFY_COMMAND) /* a PATH setting too, "" when off */
			str = path;
		same &= keys[id] && !strcmp(keys[id], setting_key((enum setting)id));
		r = scq_config_get(h, setting_key((enum setting)id), &text);
		snprintf(num, sizeof(num), "%lld", setting_int(h, (enum setting)id));
		/* an empty TEXT setting reads as "" both ways */
		if (r || !(*str || text_kind ? !strcmp(text, str) : !strcmp(text, num) || !*text ||
			   !strcmp(text, setting_bool(h, (enum setting)id) ? "true" : "false"))) {
			tap_diag("%s: config_get '%s', enum read '%s'/%s", setting_key((enum setting)id),
				 text ? text : "?", str, num);
			same = 0;
		}
		free(text);
		free(list);
		free(path);
		text = NULL;
	}
	ok(same && !keys[SET_COUNT], "the %d settings: the enum, the key list and config_get agree",
	   SET_COUNT);
}

static void defaults(scq *h)
{
	is_int(setting_int(h, SET_JOB_TIMEOUT), 600, "unset: the default");
	is_str(setting_str(h, SET_ISOLATION), "full", "unset enum: its default");
	write_file(h->store, "config.json", "{\"job_timeout\": \"abc\", \"isolation\": \"partial\", "
		   "\"max_concurrent_jobs\": 1000, \"network\": 1, \"release\": \"review\", "
		   "\"max_pending_per_requester\": 7}");
	json_decref(h->settings);
	h->settings = NULL;
	is_int(setting_int(h, SET_JOB_TIMEOUT), 600, "a string for a number: the default");
	is_str(setting_str(h, SET_ISOLATION), "full", "an unknown enum value: the safe default");
	is_int(setting_int(h, SET_MAX_CONCURRENT_JOBS), 3, "out of bounds: the default");
	ok(!setting_bool(h, SET_NETWORK), "a number for a bool: the default (off)");
	is_str(setting_str(h, SET_RELEASE), "review", "a valid enum value is read");
	is_int(setting_int(h, SET_MAX_PENDING_PER_REQUESTER), 7, "a valid number is read");
	is_str(setting_str(h, SET_JOB_TIMEOUT), "", "setting_str of a number: \"\", never NULL");
}

static void by_key(scq *h)
{
	char *v = NULL;
	is_int(scq_config_get(h, "max_pending_per_requestr", &v), SCQ_ENOTFOUND,
	       "a misspelt key is not found");
	is_str(scq_errmsg(h), "unknown setting 'max_pending_per_requestr' "
	       "(did you mean 'max_pending_per_requester'?)", "the message names it and the key meant");
	ok(v == NULL, "and gives no value");
	is_int(scq_config_set(h, "no_such_setting", "1"), SCQ_ENOTFOUND, "set of an unknown key");
	is_str(scq_errmsg(h), "unknown setting 'no_such_setting'", "named, nothing near it");
	is_int(scq_config_set(h, "isolation", "partial"), SCQ_ECONFIG, "a wrong enum value");
	is_str(scq_errmsg(h), "setting 'isolation' takes one of full|none", "its values listed");
	is_int(scq_config_set(h, "max_files_per_job", "12"), 0, "set by key");
	is_int(setting_int(h, SET_MAX_FILES_PER_JOB), 12, "read by enum at once");
	is_int(scq_config_get(h, "max_files_per_job", &v), 0, "get by key");
	is_str(v, "12", "the same value");
	free(v);
	v = setting_list(h, SET_RELEASE_TYPES);
	is_str(v, "csv,tsv,txt,json,png,svg,md", "a list setting: its default");
	free(v);
	is_int(scq_config_set(h, "release_types", "csv,PNG"), SCQ_ECONFIG, "a list in upper case");
	is_int(scq_config_set(h, "release_types", "csv,,png"), SCQ_ECONFIG, "an empty word");
	is_int(scq_config_set(h, "release_types", "csv,tsv"), 0, "a list set by key");
	v = setting_list(h, SET_RELEASE_TYPES);
	is_str(v, "csv,tsv", "read by enum at once");
	free(v);
}

/* TEXT settings: their characters, and slurm_extra's allowlist of flags
 * (the value becomes sbatch arguments). */
static void text_settings(scq *h)
{
	char *v;
	is_int(scq_config_set(h, "slurm_partition", "gpu-long_2"), 0, "a partition name");
	is_int(scq_config_set(h, "slurm_partition", "a b"), SCQ_ECONFIG, "a partition with a space");
	is_int(scq_config_set(h, "slurm_shared_dir", "/srv/scq/shared"), 0, "a shared folder");
	is_int(scq_config_set(h, "slurm_shared_dir", "/srv/$(id)"), SCQ_ECONFIG, "a folder with $(");
	is_int(scq_config_set(h, "slurm_extra", "--qos=high --constraint=avx2"), 0, "allowed flags");
	is_int(scq_config_set(h, "slurm_extra", "--qos=high --wrap=id"), SCQ_ECONFIG,
	       "a flag outside the allowlist");
	is_int(scq_config_set(h, "slurm_extra", "-w n1"), SCQ_ECONFIG, "a short flag");
	is_int(scq_config_set(h, "slurm_extra", "--qos=high "), SCQ_ECONFIG, "a trailing space");
	is_int(scq_config_set(h, "slurm_extra", "--qosx=1"), SCQ_ECONFIG, "a longer flag name");
	is_int(scq_config_set(h, "slurm_extra", "--export=ALL"), SCQ_ECONFIG,
	       "--export, which would copy the runner's environment");
	v = setting_list(h, SET_SLURM_EXTRA);
	is_str(v, "--qos=high --constraint=avx2", "the last valid value stands");
	free(v);
	is_str(setting_str(h, SET_EXECUTOR), "local", "executor: local by default");
}

/* notify_command (a PATH): an absolute path of an executable file, or ""
 * for off; a hand-broken value reads as off. */
static void path_setting(scq *h, const char *dir)
{
	char *v = NULL, exe[4096], plain[4096];
	snprintf(exe, sizeof(exe), "%s/hook", dir);
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	write_file(dir, "hook", "#!/bin/sh\n");
	write_file(dir, "plain", "#!/bin/sh\n");
	chmod(exe, 0755);
	is_int(scq_config_set(h, "notify_command", "hook"), SCQ_ECONFIG, "a relative path: refused");
	is_int(scq_config_set(h, "notify_command", "/bin/echo hi"), SCQ_ECONFIG,
	       "a command line: refused (no shell)");
	is_int(scq_config_set(h, "notify_command", plain), SCQ_ECONFIG, "not executable: refused");
	ok(strstr(scq_errmsg(h), "is not executable") != NULL, "... saying so");
	is_int(scq_config_set(h, "notify_command", dir), SCQ_ECONFIG, "a folder: refused");
	is_int(scq_config_set(h, "notify_command", "/x\n/y"), SCQ_ECONFIG,
	       "a control character: refused");
	is_int(scq_config_set(h, "notify_command", exe), 0, "an executable file: set");
	ok(scq_config_get(h, "notify_command", &v) == 0 && !strcmp(v, exe), "and read back");
	free(v);
	v = setting_path(h, SET_NOTIFY_COMMAND);
	is_str(v, exe, "setting_path reads it");
	free(v);
	is_int(scq_config_set(h, "notify_command", ""), 0, "\"\": off");
	write_file(h->store, "config.json", "{\"notify_command\": \"rel/hook\"}");
	json_decref(h->settings);
	h->settings = NULL;
	v = setting_path(h, SET_NOTIFY_COMMAND);
	is_str(v, "", "a hand-broken value (relative): off");
	free(v);
	v = setting_path(h, SET_JOB_TIMEOUT);
	is_str(v, "", "setting_path of a number: \"\"");
	free(v);
}

int main(void)
{
	char *d = tap_tempdir();
	struct scq_open_options o = { "owner@settings.example", d, NULL };
	scq *h = NULL, *h2 = NULL;
	ok(scq_open(&h, &o) == 0 && scq_init_datasite(h) == 0, "a workspace");
	every_setting(h);
	defaults(h);
	by_key(h);
	text_settings(h);
	path_setting(h, d);
	every_setting(h);
	ok(scq_open(&h2, &o) == 0 && setting_str(h2, SET_RELEASE) == setting_str(h, SET_RELEASE),
	   "an enum value is a constant, the same pointer for every handle");
	scq_close(h2);
	scq_close(h);
	tap_rmtree(d);
	free(d);
	return done_testing();
}
