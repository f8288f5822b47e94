/*
 * sandbox-cgroup.c - memory and process limits and accounting for a job.
 *
 * Order of preference (issue 3): a delegated cgroup v2 subtree (our own
 * cgroup's subtree_control already offers memory and pids), else cgroup
 * v1 memory + pids (+ cpuacct for accounting) when we can write there
 * (root on a hybrid host like our CI VM), else nothing: the caller then
 * falls back to rlimits and says so.  The job's cgroups are created
 * below the runner's own, so limits the runner lives under still apply.
 * Two steps, so that the mkdirs overlap the child building its root:
 * sandbox_cgroup_plan (before clone: which controllers, which folders,
 * from a discovery made once per process and redone when our own cgroup
 * changes) and sandbox_cgroup_create (after clone: the folders and the
 * limit files).
 * Guarantees: a limit is planned only where its controller is there, and
 * create fails (the job does not run) if a planned limit cannot be
 * written, so *_applied never claims a limit that was not applied; a
 * cgroup we created is removed by sandbox_cgroup_finish.
 */
#include "base/compat.h"
#include <ctype.h>
#include <pthread.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include "base/alloc.h"
#include "sandbox/sandbox-int.h"
#include "base/banned.h"

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

static char *dir_path(const char *base, const char *own, const char *name)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s%s/%s", base, strcmp(own, "/") ? own : "", name);
	return buf_detach(&p, NULL);
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

/* Where this process may make job cgroups: parents of the folders, "" when
 * the controller is missing.  Found once; redone when /proc/self/cgroup
 * reads differently (someone moved us). */
struct cg_host {
	char *self;           /* /proc/self/cgroup when this was found */
	int version;
	char *v2, *mem, *pids, *cpu;
};

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cg_host host;

static char *v1_parent(const char *self, const char *ctl)
{
	struct buf base = BUF_INIT;
	char *own = own_cgroup(self, ctl), *d = NULL;
	buf_addf(&base, "/sys/fs/cgroup/%s", ctl);
	if (own && is_fs(base.ptr, CGROUP_SUPER_MAGIC))
		d = dir_path(base.ptr, own, "");
	free(own);
	buf_release(&base);
	return d ? d : xstrdup("");
}

static void host_discover(const char *self)
{
	const char *mnt = v2_mount();
	char *own = mnt ? own_cgroup(self, NULL) : NULL;
	free(host.self);
	free(host.v2);
	free(host.mem);
	free(host.pids);
	free(host.cpu);
	memset(&host, 0, sizeof(host));
	host.self = xstrdup(self);
	if (own && v2_delegated(mnt, own)) {
		host.version = 2;
		host.v2 = dir_path(mnt, own, "");
	} else {
		host.mem = v1_parent(self, "memory");
		host.pids = v1_parent(self, "pids");
		host.cpu = v1_parent(self, "cpuacct");
		host.version = *host.mem || *host.pids ? 1 : 0;
	}
	free(own);
}

static char *child_dir(const char *parent, const char *name)
{
	struct buf p = BUF_INIT;
	if (!parent || !*parent)
		return NULL;
	buf_addf(&p, "%s%s", parent, name); /* parent ends with '/' */
	return buf_detach(&p, NULL);
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

void sandbox_cgroup_plan(struct sandbox_cgroup *cg, const char *job_id,
			 const struct sandbox_limits *l)
{
	struct buf self = BUF_INIT, name = BUF_INIT;
	int i;
	memset(cg, 0, sizeof(*cg));
	for (i = 0; i < 4; i++)
		cg->procs[i] = -1;
	if (read_small("/proc/self/cgroup", &self) < 0)
		return; /* no cgroups at all: the caller falls back to rlimits */
	cg_name(&name, job_id);
	pthread_mutex_lock(&host_lock);
	if (!host.self || strcmp(host.self, self.ptr))
		host_discover(self.ptr);
	cg->version = host.version;
	cg->v2 = child_dir(host.v2, name.ptr);
	cg->mem = child_dir(host.mem, name.ptr);
	cg->pids = child_dir(host.pids, name.ptr);
	cg->cpu = child_dir(host.cpu, name.ptr);
	pthread_mutex_unlock(&host_lock);
	cg->memory_applied = l->memory_bytes > 0 && (cg->v2 || cg->mem);
	cg->pids_applied = l->max_processes > 0 && (cg->v2 || cg->pids);
	buf_release(&self);
	buf_release(&name);
}

static int write_limits(struct sandbox_cgroup *cg, const struct sandbox_limits *l)
{
	struct buf v = BUF_INIT;
	int r = 0;
	if (cg->memory_applied) {
		buf_setf(&v, "%lld", l->memory_bytes);
		r |= write_str(cg->v2 ? cg->v2 : cg->mem,
			       cg->v2 ? "memory.max" : "memory.limit_in_bytes", v.ptr);
		/* absent without swap accounting: RAM only */
		if (cg->v2)
			write_str(cg->v2, "memory.swap.max", "0");
		else
			write_str(cg->mem, "memory.memsw.limit_in_bytes", v.ptr);
	}
	if (cg->pids_applied) {
		buf_setf(&v, "%lld", l->max_processes);
		r |= write_str(cg->v2 ? cg->v2 : cg->pids, "pids.max", v.ptr);
	}
	buf_release(&v);
	return r;
}

int sandbox_cgroup_create(struct sandbox_cgroup *cg, const struct sandbox_limits *l,
			  struct buf *err)
{
	char **dirs[4] = { &cg->v2, &cg->mem, &cg->pids, &cg->cpu };
	struct buf p = BUF_INIT;
	int i, r = -1;
	for (i = 0; i < 4; i++)
		if (*dirs[i] && mkdir(*dirs[i], 0755) < 0) {
			buf_setf(err, "cannot create the job's cgroup %s: %s", *dirs[i],
				 strerror(errno));
			for (; i < 4; i++) { /* not made: nothing to remove */
				free(*dirs[i]);
				*dirs[i] = NULL;
			}
			goto out;
		}
	sandbox_trace("cg mkdirs");
	if (write_limits(cg, l) < 0) {
		buf_setf(err, "cannot write the job's cgroup limits: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < 4; i++) {
		buf_setf(&p, "%s/cgroup.procs", *dirs[i] ? *dirs[i] : "");
		if (*dirs[i] && (cg->procs[i] = open(p.ptr, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
			buf_setf(err, "cannot open %s: %s", p.ptr, strerror(errno));
			goto out;
		}
	}
	r = 0;
out:
	buf_release(&p);
	return r;
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
