/*
 * settings.h - the data owner's settings (config.json in the private
 * store): the one table of keys, and typed reads addressed by enum.
 *
 * Exports
 *   SCQ_SETTINGS   the table: X(ID, key, kind, default, min, max, values,
 *                  help) per setting; settings.c builds its schema from it
 *   enum setting   SET_* per setting, in table order; SET_COUNT
 *   setting_int    an INT or BOOL setting; the default when unset, of the
 *                  wrong type or out of bounds
 *   setting_bool   setting_int != 0
 *   setting_str    an ENUM setting's value: a string literal, never a
 *                  buffer, never NULL
 *   setting_key    the key of a setting ("max_concurrent_jobs")
 *   setting_list   a LIST or TEXT setting's value ("csv,tsv"): a copy,
 *                  caller frees
 *   setting_path   a PATH setting's value ("" when unset or not valid): a
 *                  copy, caller frees
 *   settings_publish  the limits a requester's `scq try` applies, to my
 *                  datasite's public/code-queue/limits.json (written when
 *                  they changed; nothing before my datasite exists)
 *   setting_published_valid  key is one of those limits and v (a
 *                  requester's read of limits.json) of its kind, in range
 *
 * Code reads setting_int(h, SET_JOB_TIMEOUT): a misspelt name does not
 * compile, where a key string read 0 in silence.  Only the public
 * scq_config_get/set (scq.h, for the scq command) take a key as text; they
 * refuse an unknown one.  Adding a setting is one row here.
 */
#ifndef SCQ_SETTINGS_H
#define SCQ_SETTINGS_H

#include "scq.h"

/* kind: INT (bounds min..max), BOOL (0/1), ENUM (values, def indexes it),
 * LIST (comma-separated lower-case words of letters and digits, at most
 * max bytes; VALUES holds the default), TEXT (min..max bytes of letters,
 * digits and the characters of VALUES' second string; VALUES: default,
 * those characters, then the flags it may hold, if it is a flag list),
 * PATH (empty, or an absolute path of at most max bytes without control
 * characters; set only to an executable regular file; VALUES holds the
 * default) */
#define SCQ_SETTINGS(X) \
	X(SET_MAX_CONCURRENT_JOBS, "max_concurrent_jobs", INT, 3, 1, 64, NONE, \
	  "jobs run at once") \
	X(SET_JOB_TIMEOUT, "job_timeout", INT, 600, 1, 7 * 86400, NONE, \
	  "wall-clock seconds per run") \
	X(SET_CLEANUP_COMPLETED_AFTER, "cleanup_completed_after", INT, 86400, 0, \
	  3650LL * 86400, NONE, "seconds before finished jobs are removed (0: never)") \
	X(SET_MAX_OUTPUT_BYTES, "max_output_bytes", INT, 10 << 20, 1024, 1LL << 34, NONE, \
	  "cap on stdout+stderr and on collected outputs") \
	X(SET_MAX_OUTPUT_FILES, "max_output_files", INT, 1000, 1, 1000000, NONE, \
	  "cap on output files") \
	X(SET_MEMORY_LIMIT_MB, "memory_limit_mb", INT, 1024, 16, 1 << 20, NONE, \
	  "memory per job") \
	X(SET_MAX_PROCESSES, "max_processes", INT, 64, 4, 100000, NONE, \
	  "processes/threads per job") \
	X(SET_CPU_TIME_LIMIT, "cpu_time_limit", INT, 0, 0, 7 * 86400, NONE, \
	  "CPU seconds (0: job_timeout)") \
	X(SET_MAX_OPEN_FILES, "max_open_files", INT, 256, 16, 65536, NONE, \
	  "open files per process") \
	X(SET_MAX_FILE_SIZE_MB, "max_file_size_mb", INT, 1024, 1, 1 << 20, NONE, \
	  "largest file a job may write") \
	X(SET_TMP_SIZE_MB, "tmp_size_mb", INT, 256, 1, 1 << 20, NONE, \
	  "size of the job's /tmp") \
	X(SET_NETWORK, "network", BOOL, 0, 0, 1, NONE, "give jobs network access") \
	X(SET_ISOLATION, "isolation", ENUM, 0, 0, 1, VALUES("full", "none"), \
	  "sandbox level") \
	X(SET_RELEASE, "release", ENUM, 0, 0, 1, VALUES("auto", "review"), \
	  "auto: logs and outputs go to the requester when a run ends; review: " \
	  "they wait for 'scq release ID'") \
	X(SET_MAX_TIMEOUT_SECONDS, "max_timeout_seconds", INT, 30 * 86400, 60, \
	  3650LL * 86400, NONE, "longest approval wait a submitter may ask for") \
	X(SET_INGEST_GRACE_SECONDS, "ingest_grace_seconds", INT, 86400, 0, \
	  3650LL * 86400, NONE, "how long an incomplete inbox job may wait for its " \
	  "files, counted from when it was first seen") \
	X(SET_MAX_PENDING_PER_REQUESTER, "max_pending_per_requester", INT, 1000, 1, \
	  1000000, NONE, "jobs of one requester waiting for a decision; more wait " \
	  "in the inbox") \
	X(SET_MAX_JOBS_PER_HOUR, "max_jobs_per_hour", INT, 2000, 1, 1000000, NONE, \
	  "jobs taken from one requester per hour; more wait in the inbox") \
	X(SET_MAX_QUARANTINES_PER_HOUR, "max_quarantines_per_hour", INT, 20, 1, \
	  1000000, NONE, "refusals of one requester per hour with a folder each; " \
	  "more share one") \
	X(SET_MAX_INCOMPLETE_PER_REQUESTER, "max_incomplete_per_requester", INT, 50, \
	  1, 1000000, NONE, "jobs of one requester waiting for their files; more " \
	  "are refused") \
	X(SET_MAX_FILES_PER_JOB, "max_files_per_job", INT, 1000, 1, 10000, NONE, \
	  "files a job may list in its manifest") \
	X(SET_UNSIGNED_JOBS, "unsigned_jobs", ENUM, 0, 0, 2, \
	  VALUES("auto", "accept", "refuse"), "jobs without a signature: auto takes " \
	  "them only from requesters who publish no key; accept or refuse all") \
	X(SET_HEARTBEAT_SECONDS, "heartbeat_seconds", INT, 60, 5, 86400, NONE, \
	  "the runner publishes public/code-queue/heartbeat.json at most this often " \
	  "(scq ping: stale after 3 times this)") \
	X(SET_MIN_CELL_COUNT, "min_cell_count", INT, 10, 1, 1000000, NONE, \
	  "output checks: a count below it is flagged (ACRO 10; DataSHIELD 3)") \
	X(SET_ROUNDING_BASE, "rounding_base", INT, 5, 0, 1000000, NONE, \
	  "output checks: counts not a multiple of it are flagged (OpenSAFELY 5; 0 or 1: off)") \
	X(SET_RELEASE_TYPES, "release_types", LIST, 0, 1, 256, \
	  VALUES("csv,tsv,txt,json,png,svg,md"), \
	  "output checks: file types (by content) that may be released; others are flagged") \
	X(SET_DOMINANCE_N, "dominance_n", INT, 2, 1, 64, NONE, \
	  "output checks: the n of the (n, k) dominance rule (ACRO 2)") \
	X(SET_DOMINANCE_K, "dominance_k", INT, 90, 1, 100, NONE, \
	  "output checks: the k of the (n, k) dominance rule, in percent (ACRO 90)") \
	X(SET_P_PERCENT, "p_percent", INT, 10, 0, 100, NONE, \
	  "output checks: the p of the p % rule, in percent (ACRO 10)") \
	X(SET_MAX_TABLE_ROWS, "max_table_rows", INT, 5000, 1, 100000000, NONE, \
	  "output checks: a table with more data rows is flagged (OpenSAFELY 5,000)") \
	X(SET_DEFAULT_RUNTIME, "default_runtime", LIST, 0, 1, 16, VALUES("none"), \
	  "runtime jobs run on when they name none (scq runtime list; none: the sandbox's /usr)") \
	X(SET_APPROVALS_REQUIRED, "approvals_required", INT, 1, 1, 8, NONE, \
	  "distinct approvers (the owner and 'scq reviewers') a job needs before it " \
	  "runs; never its requester") \
	X(SET_RELEASE_APPROVALS_REQUIRED, "release_approvals_required", INT, 1, 1, 8, \
	  NONE, "distinct approvers a release of held results needs") \
	X(SET_EXECUTOR, "executor", ENUM, 0, 0, 1, VALUES("local", "slurm"), \
	  "where approved jobs run: local (the runner's machine) or slurm (sbatch)") \
	X(SET_SLURM_PARTITION, "slurm_partition", TEXT, 0, 0, 64, VALUES("", "_-."), \
	  "executor slurm: the partition jobs go to (empty: the cluster's default)") \
	X(SET_SLURM_ACCOUNT, "slurm_account", TEXT, 0, 0, 64, VALUES("", "_-."), \
	  "executor slurm: the account jobs are charged to (empty: the user's default)") \
	X(SET_SLURM_CPUS_PER_TASK, "slurm_cpus_per_task", INT, 1, 1, 1024, NONE, \
	  "executor slurm: CPUs each job asks for (sbatch --cpus-per-task)") \
	X(SET_SLURM_EXTRA, "slurm_extra", TEXT, 0, 0, 512, \
	  VALUES("", "-_=.:,+ ", "qos", "constraint", "reservation", "gres", "nodelist", \
		 "exclude", "nice", "priority", "tmp", "cluster-constraint", "licenses"), \
	  "executor slurm: more sbatch flags (space-separated, of an allowlist)") \
	X(SET_SLURM_SHARED_DIR, "slurm_shared_dir", TEXT, 0, 0, 512, VALUES("", "/_-.+"), \
	  "executor slurm: an absolute folder the runner and the nodes see, private " \
	  "to the runner's user (jobs are staged there)") \
	X(SET_NOTIFY_COMMAND, "notify_command", PATH, 0, 0, 1024, VALUES(""), \
	  "absolute path of a program run (no shell) on each job transition, the event " \
	  "as JSON on stdin (doc/protocol.md §14); empty: off") \
	X(SET_NOTIFY_TIMEOUT_SECONDS, "notify_timeout_seconds", INT, 10, 1, 600, NONE, \
	  "seconds notify_command may run before its process group is killed")

#define SETTING_ENUM_ID(id, key, kind, def, min, max, values, help) id,
enum setting { SCQ_SETTINGS(SETTING_ENUM_ID) SET_COUNT };
#undef SETTING_ENUM_ID

long long setting_int(scq *h, enum setting id);
int setting_bool(scq *h, enum setting id);
const char *setting_str(scq *h, enum setting id);
const char *setting_key(enum setting id);
char *setting_list(scq *h, enum setting id);
char *setting_path(scq *h, enum setting id);
int settings_publish(scq *h);
int setting_published_valid(const char *key, json_t *v);

#endif
