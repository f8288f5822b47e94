/*
 * slurm-submit.c - the first steps of the Slurm backend (executor-slurm.c),
 * prepare and start: the job is staged into slurm_shared_dir and handed to
 * sbatch as a batch job whose script runs `scq exec-node` (slurm-node.c):
 * the same sandbox, limits, datasets and code check as the local backend,
 * on the node.  executor-slurm.c follows it through one squeue table per
 * tick (slurm-cmd.c), scancels it, and collects its log and outputs with
 * the same collector.
 *
 * Guarantees:
 * - at most once: sbatch --no-requeue (Slurm's default would run a job
 *   again after a node failure), and the node refuses to start a staged
 *   job twice (node-started, made O_EXCL);
 * - the code that runs is the approved manifest: staged with its hashes
 *   checked (manifest_copy_verified), checked again on the node before
 *   exec;
 * - --export=NONE: nothing of the runner's environment reaches the job;
 * - a restarted runner adopts the jobs Slurm still has (adopt), so a job
 *   is neither lost nor started twice; one Slurm does not know is failed
 *   as runner_restart (run-job.c), never submitted again.
 * The job's own deadline is exact (the node enforces job_timeout); Slurm's
 * --time is that rounded up to minutes, a backstop.
 */
#include "base/compat.h"
#include <stdarg.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "exec/executor.h"
#include "exec/runtime-env.h"
#include "exec/slurm.h"
#include "queue/manifest.h"
#include "store/limits.h"
#include "store/settings.h"
#include "base/banned.h"

/* <slurm_shared_dir>/<uid>, as the nodes see it. */
static char *staged_path(scq *h, const struct exec_job *j)
{
	char *dir = setting_list(h, SET_SLURM_SHARED_DIR), *p = path_join(dir, j->uid);
	free(dir);
	return p;
}

/* The scq program the nodes run: this one when it is scq, else scq on
 * PATH (the library may run inside Python).  Only plain path bytes: it
 * goes into the batch script. */
static int scq_program(struct buf *out)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *path = getenv("PATH"), *s;
	size_t i;
	buf_reset(out);
	if (n > 0) {
		self[n] = 0;
		s = strrchr(self, '/');
		if (s && !strcmp(s, "/scq"))
			buf_adds(out, self);
	}
	while (!out->len && path && *path) {
		size_t k = strcspn(path, ":");
		buf_setf(out, "%.*s/scq", (int)k, path);
		if (out->ptr[0] != '/' || access(out->ptr, X_OK) != 0)
			buf_reset(out);
		path += k + (path[k] == ':');
	}
	for (i = 0; i < out->len; i++)
		if (!strchr("/_-.+", out->ptr[i]) && !((out->ptr[i] | 32) >= 'a' && (out->ptr[i] | 32) <= 'z') &&
		    !(out->ptr[i] >= '0' && out->ptr[i] <= '9'))
			return -1;
	return out->len ? 0 : -1;
}

static json_t *env_array(const char *const *envp)
{
	json_t *a = json_array();
	for (; *envp; envp++)
		json_array_append_new(a, json_string(*envp));
	return a;
}

static json_t *limits_json(scq *h)
{
	struct sandbox_limits l;
	exec_limits(h, &l);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "cpu_seconds", (json_int_t)l.cpu_seconds,
			 "memory_bytes", (json_int_t)l.memory_bytes, "max_processes",
			 (json_int_t)l.max_processes, "max_open_files", (json_int_t)l.max_open_files,
			 "max_file_bytes", (json_int_t)l.max_file_bytes, "out_bytes",
			 (json_int_t)l.out_bytes, "tmp_bytes", (json_int_t)l.tmp_bytes,
			 "max_output_files", (json_int_t)setting_int(h, SET_MAX_OUTPUT_FILES));
}

static json_t *datasets_json(scq *h)
{
	size_t n = 0, i;
	struct sandbox_dataset *ds = exec_datasets_load(h, &n);
	json_t *o = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(o, ds[i].name, json_string(ds[i].host_path));
	exec_datasets_free(ds, n);
	return o;
}

static json_t *tools_json(const struct run_env *re)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; i < re->nfiles; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:i}", "name", re->files[i].name,
						   "data", re->files[i].data, "mode", re->files[i].mode));
	return a;
}

/* spec.json: everything the node needs, the same policy as the local
 * backend would apply here (limits, datasets, runtime, environment). */
static int write_spec(scq *h, struct exec_job *j, int dirfd, const char *staged, struct buf *err)
{
	int full = strcmp(setting_str(h, SET_ISOLATION), "none") != 0, r = -1, workfd = -1;
	char *code = path_join(staged, "code"), *out = path_join(staged, "out");
	char *work = path_join(staged, "work");
	struct buf env = BUF_INIT;
	const char **envp = NULL;
	char digest[65];
	struct run_env re;
	json_t *spec = NULL;
	if (!full && (fs_mkdir(dirfd, "work", 0700) < 0 || (workfd = fs_open_dir(dirfd, "work")) < 0)) {
		buf_setf(err, "staging work/: %s", strerror(errno));
		goto out;
	}
	if (run_env_prepare(h, j->runtime, j->jobfd, full ? "/code" : code, full, workfd, work,
			    &re, err) < 0)
		goto out;
	envp = full ? exec_job_env(&env, j, "/code", "/out", "/data", "/tmp", &re.vars) :
		      exec_job_env(&env, j, code, out, "/nonexistent-no-datasets-without-isolation",
				   work, &re.vars);
	manifest_digest(j->files, digest);
	spec = json_pack("{s:s,s:s,s:o,s:b,s:b,s:f,s:I,s:o,s:o,s:o,s:o}", "uid", j->uid,
			 "code_sha256", digest, "files", json_incref(j->files), "isolation_full", full,
			 "network", j->network, "timeout", j->timeout, "log_cap", (json_int_t)j->log_cap,
			 "limits", limits_json(h), "datasets", datasets_json(h), "env", env_array(envp),
			 "tools", tools_json(&re));
	if (re.nmounts)
		json_object_set_new(spec, "runtime", json_pack("{s:s,s:s}", "name", re.mount.name,
							       "host_path", re.mount.host_path));
	if (json_write_at(dirfd, "spec.json", spec, 0) < 0)
		buf_setf(err, "writing spec.json: %s", strerror(errno));
	else
		r = 0;
	run_env_release(&re);
out:
	fd_close(&workfd);
	json_decref(spec);
	free(envp);
	buf_release(&env);
	free(code);
	free(out);
	free(work);
	return r;
}

static int write_script(int dirfd, const char *staged, struct buf *err)
{
	struct buf prog = BUF_INIT, s = BUF_INIT;
	int r = -1;
	if (scq_program(&prog) < 0) {
		buf_setf(err, "no scq program to run on the nodes (an absolute path of plain "
			 "characters, named scq, on PATH)");
		goto out;
	}
	/* the staged path is the setting's checked characters and a uid */
	buf_addf(&s, "#!/bin/sh\n# syft-code-queue: the sandboxed job, run on the node\n"
		 "exec '%s' exec-node '%s'\n", prog.ptr, staged);
	if (fs_write_atomic(dirfd, "job.sh", s.ptr, s.len, 0) < 0 || fchmodat(dirfd, "job.sh", 0700, 0))
		buf_setf(err, "writing job.sh: %s", strerror(errno));
	else
		r = 0;
out:
	buf_release(&prog);
	buf_release(&s);
	return r;
}

/* Stage the job: a fresh private folder, the verified code, spec.json,
 * job.sh.  A failure is the job's (sandbox_error), reported by start. */
int slurm_prepare(scq *h, struct exec_job *j)
{
	struct slurm_job *p;
	struct buf *err = &j->st.error;
	char *staged = NULL;
	int shared = -1, code = -1, src = -1;
	if (j->priv)
		return 0;
	j->priv = p = slurm_job_new();
	shared = slurm_shared_open(h, err);
	if (shared < 0)
		goto out;
	staged = staged_path(h, j);
	fs_remove_tree(shared, j->uid); /* a stage a dead runner left: never submitted */
	if (mkdirat(shared, j->uid, 0700) < 0 ||
	    (p->dirfd = fs_open_dir(shared, j->uid)) < 0 || fs_mkdir(p->dirfd, "code", 0700) < 0 ||
	    (code = fs_open_dir(p->dirfd, "code")) < 0 || (src = fs_open_dir(j->jobfd, "code")) < 0) {
		buf_setf(err, "staging into '%s': %s", staged, strerror(errno));
		goto out;
	}
	if (!j->files || manifest_copy_verified(src, code, j->files, err) < 0) {
		if (!err->len)
			buf_setf(err, "job records incomplete (manifest)");
		j->st.error_kind = "code_mismatch";
		goto out;
	}
	if (write_spec(h, j, p->dirfd, staged, err) == 0)
		write_script(p->dirfd, staged, err);
out:
	if (err->len && !j->st.error_kind)
		j->st.error_kind = "sandbox_error";
	fd_close(&shared);
	fd_close(&code);
	fd_close(&src);
	free(staged);
	return 0;
}

static long parse_jobid(const char *s)
{
	char *end;
	long id;
	errno = 0;
	id = strtol(s ? s : "", &end, 10);
	return errno || end == s || (*end && *end != ';' && *end != '\n') || id <= 0 ? 0 : id;
}

static void add_opt(char **argv, size_t *n, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	argv[(*n)++] = buf_detach(&b, NULL);
}

/* sbatch's argv after its fixed flags: the job's, then the owner's
 * checked extras (each one argv word: no shell, no splitting). */
static void sbatch_argv(scq *h, struct exec_job *j, const char *staged, char **argv, size_t *n)
{
	long long mins = ((long long)j->timeout + 59) / 60; /* Slurm's limits are whole minutes */
	char *part = setting_list(h, SET_SLURM_PARTITION), *acct = setting_list(h, SET_SLURM_ACCOUNT);
	char *extra = setting_list(h, SET_SLURM_EXTRA), *w, *save = NULL;
	add_opt(argv, n, "--time=%lld", mins);
	add_opt(argv, n, "--mem=%lldM", setting_int(h, SET_MEMORY_LIMIT_MB));
	add_opt(argv, n, "--cpus-per-task=%lld", setting_int(h, SET_SLURM_CPUS_PER_TASK));
	add_opt(argv, n, "--job-name=scq-%s", j->uid);
	add_opt(argv, n, "--comment=scq-%s", j->uid);
	add_opt(argv, n, "--output=%s/slurm.out", staged);
	add_opt(argv, n, "--error=%s/slurm.err", staged);
	add_opt(argv, n, "--chdir=%s", staged);
	if (*part)
		add_opt(argv, n, "--partition=%s", part);
	if (*acct)
		add_opt(argv, n, "--account=%s", acct);
	/* settings.c allowed each flag; at most 512 bytes: fewer than 30 words */
	for (w = strtok_r(extra, " ", &save); w && *n < 38; w = strtok_r(NULL, " ", &save))
		add_opt(argv, n, "%s", w);
	add_opt(argv, n, "%s/job.sh", staged);
	argv[*n] = NULL;
	free(part);
	free(acct);
	free(extra);
}

/* sbatch's error says slurmctld did not answer (restarting, network): the
 * submission is tried again later (executor-slurm.c), after a look whether
 * the job got there after all. */
static int unreachable(const struct buf *err)
{
	static const char *const says[] = { "Unable to contact slurm controller",
		"Socket timed out", "Connection refused", "connect failure", NULL };
	size_t i;
	for (i = 0; err->ptr && says[i]; i++)
		if (strstr(err->ptr, says[i]))
			return 1;
	return 0;
}

/* sbatch names a partition or an account it refuses, not where it came
 * from: name the owner's setting, so the fix is one config set. */
static void setting_hint(scq *h, struct buf *msg)
{
	static const struct { const char *word; enum setting id; const char *key; } hints[] = {
		{ "partition", SET_SLURM_PARTITION, "slurm_partition" },
		{ "account", SET_SLURM_ACCOUNT, "slurm_account" },
	};
	size_t i;
	char *v;
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		if (!msg->ptr || !strcasestr(msg->ptr, hints[i].word))
			continue;
		v = setting_list(h, hints[i].id);
		buf_addf(msg, " (the setting %s is '%s': scq config set %s NAME)", hints[i].key,
			 v, hints[i].key);
		free(v);
	}
}

int slurm_submit(scq *h, struct exec_job *j, struct slurm_job *p)
{
	char *argv[48] = { xstrdup("sbatch"), xstrdup("--parsable"), xstrdup("--no-requeue"),
			   xstrdup("--export=NONE") };
	struct buf out = BUF_INIT, err = BUF_INIT;
	char *staged = staged_path(h, j);
	size_t n = 4, fixed = 0;
	int r;
	json_t *rec;
	sbatch_argv(h, j, staged, argv, &n);
	r = slurm_cmd((const char *const *)argv, &out, &err, 60);
	p->since = time_mono();
	p->id = r == 0 ? parse_jobid(out.ptr) : 0;
	p->submit_later = !p->id && unreachable(&err);
	if (p->submit_later) {
		r = 1;
	} else if (!p->id) {
		buf_setf(&j->st.error, "sbatch failed: %.*s", (int)(err.len < 500 ? err.len : 500),
			 err.ptr ? err.ptr : "");
		setting_hint(h, &j->st.error);
		r = -1;
	} else {
		/* our own record: Slurm forgets the job after MinJobAge */
		rec = json_pack("{s:I,s:s}", "job_id", (json_int_t)p->id, "staged", staged);
		json_write_at(j->jobfd, "slurm.json", rec, 0);
		json_decref(rec);
		r = 0;
	}
	while (fixed < n)
		free(argv[fixed++]);
	free(staged);
	buf_release(&out);
	buf_release(&err);
	return r;
}

int slurm_start(scq *h, struct exec_job *j)
{
	struct slurm_job *p;
	if (!j->priv)
		slurm_prepare(h, j);
	p = j->priv;
	if (p->id || p->failed)
		return p->failed ? -1 : 0;
	j->st.state = EXEC_RUNNING;
	if (j->st.error_kind || slurm_submit(h, j, p) < 0) {
		if (!j->st.error_kind)
			j->st.error_kind = "sandbox_error";
		p->failed = 1;
		return -1;
	}
	return 0;
}

int slurm_wait_fds(struct exec_job *j, struct pollfd *p)
{
	(void)j;
	(void)p;
	return 0; /* nothing to wait on: the runner polls on its timer */
}

