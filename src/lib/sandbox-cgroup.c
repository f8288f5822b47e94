/*
 * sandbox-cgroup.c - memory and process limits and accounting for a job.
 *
 * Order of preference (issue 3): a delegated cgroup v2 subtree (our own
 * cgroup's subtree_control already offers memory and pids), else cgroup
 * v1 memory + pids (+ cpuacct for accounting) when we can write there
 * (root on a hybrid host like our CI VM), else nothing: the caller then
 * falls back to rlimits and says so.  The job's cgroups are created
 * below the runner's own, so limits the runner lives under still apply.
 * Guarantees: *_applied is 1 only when the limit file was written
 * successfully; a cgroup we created is removed by sandbox_cgroup_finish.
 */
#include "compat.h"
#include <ctype.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include "alloc.h"
#include "sandbox-int.h"
#include "banned.h"

static int read_small(const char *path, struct buf *out)
{
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;
	if (fd < 0)
		return -1;
	buf_reset(out);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && out->len < 65536)
		buf_add(out, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int write_str(const char *dir, const char *file, const char *val)
{
	struct buf p = BUF_INIT;
	int fd, r = -1;
	buf_addf(&p, "%s/%s", dir, file);
	fd = open(p.ptr, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
		close(fd);
	}
	buf_release(&p);
	return r;
}

/* A number from a cgroup file: the whole file, or the line "key N". */
static long long read_ll(const char *dir, const char *file, const char *key)
{
	struct buf p = BUF_INIT, c = BUF_INIT;
	long long v = -1;
	const char *s = NULL;
	buf_addf(&p, "%s/%s", dir, file);
	if (read_small(p.ptr, &c) == 0) {
		size_t kl = key ? strlen(key) : 0;
		for (s = c.ptr; key && s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
			if (!strncmp(s, key, kl))
				break;
		if (s)
			v = strtoll(s + kl, NULL, 10);
	}
	buf_release(&p);
	buf_release(&c);
	return v;
}

/* Our own cgroup for a v1 controller ("memory") or v2 (ctl == NULL),
 * from the text of /proc/self/cgroup (NULL: read it). */
static char *own_cgroup(const char *text, const char *ctl)
{
	struct buf c = BUF_INIT;
	char *line, *next, *res = NULL;
	if (text)
		buf_adds(&c, text);
	else if (read_small("/proc/self/cgroup", &c) < 0)
		goto out;
	for (line = c.ptr; line && *line && !res; line = next) {
		char *ctls = strchr(line, ':'), *path;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		path = ctls ? strchr(ctls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		ctls++;
		if (ctl ? (!strcmp(ctls, ctl) || (strstr(ctls, ctl) && strchr(ctls, ',')))
			: !*ctls)
			res = xstrdup(path);
	}
out:
	buf_release(&c);
	return res;
}

static int is_fs(const char *path, unsigned long magic)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static const char *v2_mount(void)
{
	if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC))
		return "/sys/fs/cgroup";
	if (is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC))
		return "/sys/fs/cgroup/unified";
	return NULL;
}

static char *make_dir(const char *base, const char *own, const char *name)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s%s/%s", base, strcmp(own, "/") ? own : "", name);
	if (mkdir(p.ptr, 0755) < 0) {
		buf_release(&p);
		return NULL;
	}
	return buf_detach(&p, NULL);
}

static char *v1_dir(const char *text, const char *ctl, const char *name)
{
	struct buf base = BUF_INIT;
	char *own = own_cgroup(text, ctl), *d = NULL;
	buf_addf(&base, "/sys/fs/cgroup/%s", ctl);
	if (own && is_fs(base.ptr, CGROUP_SUPER_MAGIC))
		d = make_dir(base.ptr, own, name);
	free(own);
	buf_release(&base);
	return d;
}

static int v2_delegated(const char *mnt, const char *own)
{
	struct buf p = BUF_INIT, c = BUF_INIT;
	int ok;
	buf_addf(&p, "%s%s/cgroup.subtree_control", mnt, strcmp(own, "/") ? own : "");
	ok = read_small(p.ptr, &c) == 0 && strstr(c.ptr, "memory") && strstr(c.ptr, "pids");
	buf_release(&p);
	buf_release(&c);
	return ok;
}

static void cg_name(struct buf *n, const char *job_id)
{
	static unsigned counter;
	const char *s;
	buf_adds(n, "scq-");
	for (s = job_id ? job_id : "job"; *s && n->len < 64; s++)
		buf_addc(n, (isalnum((unsigned char)*s) || *s == '-') ? *s : '_');
	buf_addf(n, "-%ld-%u", (long)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
}

static void set_limits(struct sandbox_cgroup *cg, const struct sandbox_limits *l)
{
	struct buf v = BUF_INIT;
	if (l->memory_bytes > 0) {
		buf_setf(&v, "%lld", l->memory_bytes);
		if (cg->version == 2) {
			cg->memory_applied = write_str(cg->v2, "memory.max", v.ptr) == 0;
			write_str(cg->v2, "memory.swap.max", "0"); /* absent without swap */
		} else if (cg->mem && write_str(cg->mem, "memory.limit_in_bytes", v.ptr) == 0) {
			/* without swap accounting the file is absent: RAM only */
			write_str(cg->mem, "memory.memsw.limit_in_bytes", v.ptr);
			cg->memory_applied = 1;
		}
	}
	if (l->max_processes > 0) {
		buf_setf(&v, "%lld", l->max_processes);
		cg->pids_applied = write_str(cg->version == 2 ? cg->v2 : cg->pids,
					     "pids.max", v.ptr) == 0;
	}
	buf_release(&v);
}

int sandbox_cgroup_create(struct sandbox_cgroup *cg, const char *job_id,
			  const struct sandbox_limits *l, struct buf *err)
{
	struct buf name = BUF_INIT, self = BUF_INIT;
	const char *mnt = v2_mount();
	char *own;
	int i, *fd;
	memset(cg, 0, sizeof(*cg));
	for (i = 0; i < 4; i++)
		cg->procs[i] = -1;
	if (read_small("/proc/self/cgroup", &self) < 0)
		return 0; /* no cgroups at all: the caller falls back to rlimits */
	own = mnt ? own_cgroup(self.ptr, NULL) : NULL;
	cg_name(&name, job_id);
	if (own && v2_delegated(mnt, own) && (cg->v2 = make_dir(mnt, own, name.ptr)))
		cg->version = 2;
	if (!cg->version) {
		cg->mem = v1_dir(self.ptr, "memory", name.ptr);
		cg->pids = v1_dir(self.ptr, "pids", name.ptr);
		cg->cpu = v1_dir(self.ptr, "cpuacct", name.ptr);
		sandbox_trace("cg v1 mkdirs");
		if (cg->mem || cg->pids)
			cg->version = 1;
	}
	if (cg->version)
		set_limits(cg, l);
	for (i = 0, fd = cg->procs; i < 4; i++, fd++) {
		const char *dir = i == 0 ? cg->v2 : i == 1 ? cg->mem : i == 2 ? cg->pids : cg->cpu;
		buf_setf(&name, "%s/cgroup.procs", dir ? dir : "");
		if (dir && (*fd = open(name.ptr, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			buf_setf(err, "cannot open %s: %s", name.ptr, strerror(errno));
			while (i-- > 0)
				if (cg->procs[i] >= 0)
					close(cg->procs[i]);
			for (i = 0; i < 4; i++)
				cg->procs[i] = -1;
			free(own);
			buf_release(&name);
			buf_release(&self);
			return -1;
		}
	}
	free(own);
	buf_release(&name);
	buf_release(&self);
	return 0;
}

int sandbox_cgroup_attach(struct sandbox_cgroup *cg, pid_t pid, struct buf *err)
{
	char v[32];
	int i, n = snprintf(v, sizeof(v), "%ld", (long)pid);
	for (i = 0; i < 4; i++) {
		if (cg->procs[i] < 0)
			continue;
		if (write(cg->procs[i], v, (size_t)n) != n)
			return buf_setf(err, "cannot move the job into its cgroup: %s",
					strerror(errno)), -1;
		close(cg->procs[i]);
		cg->procs[i] = -1;
	}
	return 0;
}

static void remove_dir(char **dir)
{
	int i;
	if (!*dir)
		return;
	/* the last task leaves its cgroup slightly after it is reaped */
	for (i = 0; i < 200 && rmdir(*dir) < 0 && errno == EBUSY; i++)
		usleep(1000);
	sandbox_trace(i ? "cg rmdir after retries" : "cg rmdir");
	free(*dir);
	*dir = NULL;
}

void sandbox_cgroup_finish(struct sandbox_cgroup *cg, int *oom, double *cpu,
			   long long *peak)
{
	long long v;
	int i;
	*oom = 0;
	*cpu = -1;
	*peak = -1;
	for (i = 0; cg->version && i < 4; i++) /* version 0: never created */
		if (cg->procs[i] >= 0) {
			close(cg->procs[i]);
			cg->procs[i] = -1;
		}
	if (cg->version == 2) {
		*oom = read_ll(cg->v2, "memory.events", "oom_kill ") > 0;
		*peak = read_ll(cg->v2, "memory.peak", NULL);
		v = read_ll(cg->v2, "cpu.stat", "usage_usec ");
		*cpu = v >= 0 ? (double)v / 1e6 : -1;
	} else if (cg->version == 1) {
		if (cg->mem) {
			*oom = read_ll(cg->mem, "memory.oom_control", "oom_kill ") > 0;
			*peak = read_ll(cg->mem, "memory.max_usage_in_bytes", NULL);
		}
		v = cg->cpu ? read_ll(cg->cpu, "cpuacct.usage", NULL) : -1;
		*cpu = v >= 0 ? (double)v / 1e9 : -1;
	}
	sandbox_trace("cg accounting read");
	remove_dir(&cg->v2);
	remove_dir(&cg->mem);
	remove_dir(&cg->pids);
	remove_dir(&cg->cpu);
}

void sandbox_cgroup_doctor(struct buf *json)
{
	const char *mnt = v2_mount();
	char *own = mnt ? own_cgroup(NULL, NULL) : NULL;
	struct buf c = BUF_INIT, p = BUF_INIT;
	static const char *const v1[] = { "memory", "pids", "cpuacct" };
	size_t i;
	buf_addf(json, "\"cgroup_v2\":{\"mounted\":%s", mnt ? "true" : "false");
	if (mnt && own) {
		buf_addf(&p, "%s%s/cgroup.controllers", mnt, strcmp(own, "/") ? own : "");
		read_small(p.ptr, &c);
		while (c.len && c.ptr[c.len - 1] == '\n')
			buf_truncate(&c, c.len - 1);
		buf_addf(json, ",\"controllers\":\"%s\",\"delegated\":%s", c.ptr,
			 v2_delegated(mnt, own) ? "true" : "false");
	}
	buf_adds(json, "},\"cgroup_v1\":{");
	for (i = 0; i < SCQ_NELEM(v1); i++) {
		buf_setf(&p, "/sys/fs/cgroup/%s", v1[i]);
		buf_addf(json, "%s\"%s\":%s", i ? "," : "", v1[i],
			 is_fs(p.ptr, CGROUP_SUPER_MAGIC) && access(p.ptr, W_OK) == 0 ?
			 "true" : "false");
	}
	buf_adds(json, "}");
	free(own);
	buf_release(&c);
	buf_release(&p);
}
