/*
 * slurm-cmd.c - the Slurm command-line tools, run by argv (see slurm.h):
 * one command with a time limit, the squeue table of a tick, the shared
 * folder's check, and the doctor's report.
 *
 * Polling cost: every job the runner follows looks itself up in one table
 * that one `squeue --me` call fills per tick (SLURM_TICK), so the calls
 * per second stay one whatever the number of jobs.
 */
#include "base/compat.h"
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "exec/slurm.h"
#include "store/settings.h"
#include "base/banned.h"

extern char **environ;

#define CMD_OUT_MAX (1 << 20)

static void drain(int *fd, struct buf *b)
{
	char chunk[8192];
	ssize_t n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		fd_close(fd);
		return;
	}
	if (b->len + (size_t)n <= CMD_OUT_MAX)
		buf_add(b, chunk, (size_t)n);
}

static int spawn(const char *const *argv, int out, int err, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int r;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	r = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* The tools' stderr as one line ("a; b"): it becomes a job's error, which
 * `scq show` and the dashboard print as one field, where a newline would be
 * a ⟨LF⟩ marker and a warning about terminal controls. */
static void one_line(struct buf *b)
{
	struct buf o = BUF_INIT;
	size_t i, n = b->len;
	while (n && (b->ptr[n - 1] == '\n' || b->ptr[n - 1] == '\r' || b->ptr[n - 1] == ' '))
		n--;
	for (i = 0; i < n; i++) {
		if (b->ptr[i] == '\r' && i + 1 < n && b->ptr[i + 1] == '\n')
			continue;
		if (b->ptr[i] == '\n' || b->ptr[i] == '\r')
			buf_adds(&o, "; ");
		else
			buf_addc(&o, b->ptr[i]);
	}
	buf_reset(b);
	buf_add(b, o.ptr ? o.ptr : "", o.len);
	buf_release(&o);
}

int slurm_cmd(const char *const *argv, struct buf *out, struct buf *err, double timeout)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status = 0, r = -1, e;
	double end = time_mono() + timeout;
	pid_t pid = -1;
	buf_reset(out);
	buf_reset(err);
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		buf_setf(err, "pipe: %s", strerror(errno));
		goto out;
	}
	e = spawn(argv, po[1], pe[1], &pid);
	fd_close(&po[1]);
	fd_close(&pe[1]);
	if (e) {
		buf_setf(err, "%s: %s", argv[0], strerror(e));
		pid = -1;
		goto out;
	}
	while (po[0] >= 0 || pe[0] >= 0) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		int left = (int)((end - time_mono()) * 1000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			buf_setf(err, "%s: no answer in %.0f s", argv[0], timeout);
			goto out;
		}
		if (poll(p, 2, left) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			drain(&po[0], out);
		if (p[1].revents)
			drain(&pe[0], err);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	r = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (r < 0)
		buf_setf(err, "%s: killed by signal %d", argv[0], WTERMSIG(status));
out:
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	fd_close(&po[0]);
	fd_close(&po[1]);
	fd_close(&pe[0]);
	fd_close(&pe[1]);
	one_line(err);
	return r;
}

/* One squeue line: "ID STATE NAME" (the name last: it may hold spaces). */
static int parse_row(char *line, struct slurm_row *row)
{
	char *end, *sp;
	long id;
	errno = 0;
	id = strtol(line, &end, 10);
	if (errno || end == line || *end != ' ' || id <= 0)
		return -1; /* an array task ("12_3") or noise: not ours */
	sp = strchr(end + 1, ' ');
	if (!sp || (size_t)(sp - end - 1) >= sizeof(row->state))
		return -1;
	row->id = id;
	memcpy(row->state, end + 1, (size_t)(sp - end - 1));
	row->state[sp - end - 1] = 0;
	snprintf(row->name, sizeof(row->name), "%s", sp + 1);
	return 0;
}

static void table_fill(struct slurm_table *t, char *text)
{
	char *line, *save = NULL;
	size_t alloc = 0;
	t->n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (t->n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			t->rows = xrealloc(t->rows, xmul(alloc, sizeof(*t->rows)));
		}
		if (parse_row(line, &t->rows[t->n]) == 0)
			t->n++;
	}
}

/* One table per process: the runner is single-threaded and follows every
 * job of its store through it. */
static struct slurm_table table;

struct slurm_table *slurm_table_refresh(int force)
{
	static const char *const argv[] = { "squeue", "--me", "-h", "-t", "all",
		"-o", "%i %T %j", NULL };
	struct buf out = BUF_INIT;
	double now = time_mono();
	/* no answer (each try costs squeue's own ~4 s of retries): back off */
	if (!force && table.at > 0 && now - table.at < (table.ok ? SLURM_TICK : 5 * SLURM_TICK))
		return &table;
	if (!table.err.max)
		buf_init(&table.err, 4096);
	table.calls++;
	table.ok = slurm_cmd(argv, &out, &table.err, 30) == 0;
	if (table.ok)
		table_fill(&table, out.ptr ? out.ptr : (char *)"");
	table.at = time_mono();
	buf_release(&out);
	return &table;
}

const struct slurm_row *slurm_table_find(const struct slurm_table *t, long id, const char *name)
{
	size_t i;
	for (i = 0; i < t->n; i++)
		if (id > 0 ? t->rows[i].id == id : !strcmp(t->rows[i].name, name))
			return &t->rows[i];
	return NULL;
}

int slurm_state_ended(const char *s)
{
	static const char *const ended[] = { "BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE",
		"FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "TIMEOUT", "REVOKED", NULL };
	size_t i;
	for (i = 0; ended[i]; i++)
		if (!strcmp(s, ended[i]))
			return 1;
	return 0;
}

int slurm_shared_open(scq *h, struct buf *err)
{
	char *dir = setting_list(h, SET_SLURM_SHARED_DIR);
	struct stat st;
	int fd = -1;
	if (dir[0] != '/') {
		buf_setf(err, "slurm_shared_dir is not set to an absolute folder "
			 "(scq config set slurm_shared_dir /shared/folder)");
		goto out;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		buf_setf(err, "slurm_shared_dir '%s': %s", dir, strerror(errno));
		fd_close(&fd);
	} else if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		/* the staged code, data and outputs are the owner's alone */
		buf_setf(err, "slurm_shared_dir '%s' is not private: it must belong to uid %u "
			 "with mode 0700 (it has uid %u, mode %04o)", dir, (unsigned)geteuid(),
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		fd_close(&fd);
	}
out:
	free(dir);
	return fd;
}

/* 1 if name is an executable file in a folder of PATH (as posix_spawnp
 * would find it), without running it. */
int slurm_tool_found(const char *name)
{
	const char *path = getenv("PATH"), *p, *e;
	struct buf f = BUF_INIT;
	int found = 0;
	for (p = path ? path : "/usr/bin:/bin"; !found; p = e + 1) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		buf_setf(&f, "%.*s/%s", (int)(e - p), e > p ? p : ".", name);
		found = access(f.ptr, X_OK) == 0;
		if (!*e)
			break;
	}
	buf_release(&f);
	return found;
}

/* Before any claim: a job claimed while these fail could only fail. */
int slurm_ready(scq *h, struct buf *err)
{
	int fd = slurm_shared_open(h, err);
	if (fd < 0)
		return -1;
	fd_close(&fd);
	if (!slurm_tool_found("sbatch")) {
		buf_setf(err, "sbatch is not found in PATH (%s): install Slurm's client tools "
			 "(Debian: slurm-client) or set `scq config set executor local`",
			 getenv("PATH") ? getenv("PATH") : "unset");
		return -1;
	}
	return 0;
}

struct slurm_job *slurm_job_new(void)
{
	struct slurm_job *p = xcalloc(1, sizeof(*p));
	p->dirfd = -1;
	return p;
}

/* The staged folder, opened (-1 if it is gone). */
int slurm_staged_open(scq *h, const struct exec_job *j)
{
	struct buf err = BUF_INIT;
	int shared = slurm_shared_open(h, &err), fd = -1;
	if (shared >= 0)
		fd = openat(shared, j->uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	fd_close(&shared);
	buf_release(&err);
	return fd;
}

static json_t *tool_line(const char *const *argv, int *ok)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int r = slurm_cmd(argv, &out, &err, 15);
	struct buf *b = r == 0 ? &out : &err;
	json_t *v;
	*ok = r == 0;
	while (b->len && b->ptr[b->len - 1] == '\n')
		b->len--;
	/* the tools' own text; json_stringn refuses bytes that are not UTF-8 */
	v = json_stringn(b->ptr ? b->ptr : "", b->len);
	if (r == 0 && v && strstr(json_string_value(v), " is DOWN"))
		*ok = 0; /* scontrol ping: the controller answered nothing */
	buf_release(&out);
	buf_release(&err);
	return v ? v : json_string("(output not UTF-8)");
}

/* Minutes of a Slurm time ("[D-]HH:MM:SS", "MM:SS" or "UNLIMITED"), -1
 * for unlimited or unknown. */
static long long minutes_of(const char *t)
{
	long long d = 0, a = 0, b = 0, c = 0;
	int n;
	if (strchr(t, '-') && sscanf(t, "%lld-", &d) == 1)
		t = strchr(t, '-') + 1;
	n = sscanf(t, "%lld:%lld:%lld", &a, &b, &c);
	if (n == 3)
		return d * 1440 + a * 60 + b + (c > 0);
	if (n == 2)
		return d * 1440 + a + (b > 0);
	return -1;
}

/* The partition's limits that bear on our jobs, from `scontrol show
 * partition -o` (one line of KEY=VALUE words), and whether the owner's
 * limits fit them. */
static void partition_limits(scq *h, json_t *o, const char *line)
{
	static const char *const keys[] = { "PartitionName", "State", "MaxTime", "DefaultTime",
		"MaxNodes", "MaxCPUsPerNode", "MaxMemPerNode", "MaxMemPerCPU", "DefMemPerCPU",
		"TotalCPUs", "TotalNodes", NULL };
	json_t *lim = json_object();
	char *copy = xstrdup(line), *w, *save = NULL, *eq;
	long long max = -2, mins = (setting_int(h, SET_JOB_TIMEOUT) + 59) / 60;
	size_t i;
	for (w = strtok_r(copy, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		if (!(eq = strchr(w, '=')))
			continue;
		*eq = 0;
		for (i = 0; keys[i]; i++)
			if (!strcmp(w, keys[i]))
				json_object_set_new(lim, w, json_string(eq + 1)); /* (UTF-8: line was) */
		if (!strcmp(w, "MaxTime"))
			max = minutes_of(eq + 1);
	}
	json_object_set_new(o, "partition_limits", lim);
	if (max >= -1) /* job_timeout, as the --time we submit, within MaxTime */
		json_object_set_new(o, "job_timeout_fits", json_boolean(max < 0 || mins <= max));
	free(copy);
}

/* What the tools' state means, in one sentence (null: nothing wrong):
 * "sbatch: false" alone did not tell a missing install from a missing
 * configuration, which needs another fix. */
static json_t *tools_problem(int missing, int unconfigured, int reachable)
{
	const char *conf = getenv("SLURM_CONF");
	if (missing)
		return json_string("Slurm's client tools are not installed (not found in PATH; "
				   "Debian: apt-get install slurm-client)");
	if (unconfigured && !conf)
		return json_string("Slurm's tools are installed but find no configuration: "
				   "SLURM_CONF is unset and no slurm.conf or DNS record names "
				   "the controller (set SLURM_CONF to the cluster's slurm.conf)");
	if (unconfigured)
		return json_sprintf("Slurm's tools are installed but cannot read their "
				    "configuration from SLURM_CONF (%s)", conf);
	if (!reachable)
		return json_string("Slurm's tools are installed and configured, but the "
				   "controller does not answer (scontrol ping)");
	return json_null();
}

json_t *slurm_doctor(scq *h)
{
	static const char *const tools[] = { "sbatch", "squeue", "scontrol", "scancel", NULL };
	const char *ver[] = { "sbatch", "--version", NULL };
	const char *ping[] = { "scontrol", "ping", NULL };
	char *part = setting_list(h, SET_SLURM_PARTITION);
	const char *show[] = { "scontrol", "show", "partition", "-o", part[0] ? part : NULL, NULL };
	json_t *o = json_object(), *t = json_object(), *ts = json_object();
	struct buf err = BUF_INIT;
	int ok, i, fd, missing = 0, unconfigured = 0;
	for (i = 0; tools[i]; i++) {
		const char *w[] = { tools[i], "--version", NULL };
		int found = slurm_tool_found(tools[i]);
		json_t *v = tool_line(w, &ok);
		json_object_set_new(t, tools[i], ok ? v : json_false());
		/* a tool in PATH whose --version fails found no configuration:
		 * Slurm's tools read slurm.conf (SLURM_CONF) before anything */
		json_object_set_new(ts, tools[i], json_string(ok ? "ok" : found ? "unconfigured" :
							      "not_installed"));
		missing += !found;
		unconfigured += found && !ok;
		if (!ok)
			json_decref(v);
	}
	json_object_set_new(o, "executor", json_string(setting_str(h, SET_EXECUTOR)));
	json_object_set_new(o, "tools", t);
	json_object_set_new(o, "tools_status", ts);
	json_object_set_new(o, "version", tool_line(ver, &ok));
	json_object_set_new(o, "controller", tool_line(ping, &ok));
	json_object_set_new(o, "controller_reachable", json_boolean(ok));
	json_object_set_new(o, "tools_problem", tools_problem(missing, unconfigured, ok));
	json_object_set_new(o, "partition", tool_line(show, &ok));
	if (ok)
		partition_limits(h, o, json_string_value(json_object_get(o, "partition")));
	fd = slurm_shared_open(h, &err);
	json_object_set_new(o, "shared_dir_private", json_boolean(fd >= 0));
	json_object_set_new(o, "shared_dir", json_string(fd >= 0 ? "ok" : err.ptr));
	fd_close(&fd);
	buf_release(&err);
	free(part);
	return o;
}
