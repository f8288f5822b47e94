/*
 * sandbox.c - spawn, stop and reap a job's process tree (parent side).
 *
 * SANDBOX_NONE: a plain child in its own session with rlimits (the
 * owner's explicit choice; every record says so).
 * SANDBOX_FULL: clone() into fresh user, mount, PID, IPC, UTS, cgroup and
 * (unless the network is on) network namespaces, the network and IPC ones
 * made ahead of time when the pool has them (sandbox-nspool.c).  The
 * child shares our memory (CLONE_VM) until sandbox-child.c has built the
 * root and exec'd the sandbox init (init/scq-init.c), PID 1, which starts
 * the job.  The parent maps the job's uid to an unprivileged host uid
 * (never 0) and makes the job's cgroups; the child joins them before it
 * goes on.
 * Guarantees: SANDBOX_FULL never degrades: any failure returns -1 with a
 * one-line message saying how to fix it.  r->applied lists the limits
 * that were really applied and how, nothing else.  After sandbox_reap no
 * process of the job is left (the PID namespace died with its init) and
 * r->out_fd holds the job's /out, for the caller to collect.
 */
#include "base/compat.h"
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "base/alloc.h"
#include "sandbox/sandbox-int.h"
#include "base/fs.h"
#include "base/banned.h"

#define SETUP_TIMEOUT_MS 20000

struct sandbox_priv {
	int sock;              /* parent end; the init's status arrives here */
	int out_fd;            /* root of the job's /out tmpfs */
	struct sandbox_cgroup cg;
	struct buf applied;
	/* What the child reads: kept until the reap, because every page the
	 * runner writes while the init shares it (copy-on-write) is copied. */
	struct mount_plan plan;
	char idmap[64];        /* uid_map and gid_map, formatted before clone */
	struct child_args args; /* what the child reads, until it execs */
	char **init_argv;      /* the init's orders (sandbox-msg.h), */
	char **envp;           /* the job's environment: copies, owned here */
	char nrl_text[16];
	char *cwd;             /* the job's working directory (a copy) */
	char rl_text[SANDBOX_MAX_RLIMITS][48];
	void *stack;           /* the child's, until it execs the init */
	int ns[2];             /* its mount and PID namespaces, held so that
				  their teardown is not on the job's way out
				  (sandbox_pool_dispose lets go of them) */
	int dumpable;          /* the runner's, given back once the child exec'd */
	/* what the child and the init have said so far (take_messages) */
	int ready, eof, setup_errno, have_status, status;
	char setup_text[sizeof(((struct child_msg *)0)->text)];
};

static void child_limits(const struct sandbox_limits *l)
{
	struct rlimit r;
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &r);
	if (l->cpu_seconds > 0) {
		r.rlim_cur = r.rlim_max = (rlim_t)l->cpu_seconds;
		setrlimit(RLIMIT_CPU, &r);
	}
	if (l->max_open_files > 0) {
		r.rlim_cur = r.rlim_max = (rlim_t)l->max_open_files;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	if (l->max_file_bytes > 0) {
		r.rlim_cur = r.rlim_max = (rlim_t)l->max_file_bytes;
		setrlimit(RLIMIT_FSIZE, &r);
	}
}

struct none_args {
	const struct sandbox_spec *s;
	sigset_t mask; /* the caller's signal mask, restored before exec */
	int err;       /* errno of a failed set-up, seen by the parent */
};

/*
 * Runs in the child, which shares the parent's memory until exec
 * (CLONE_VM | CLONE_VFORK, like posix_spawn): raw system calls only, and
 * the only write to shared memory is a->err.
 */
static int child_exec(void *arg)
{
	struct none_args *a = arg;
	const struct sandbox_spec *s = a->s;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	setsid();
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(s->stdout_fd, 1) < 0 ||
	    dup2(s->stderr_fd, 2) < 0)
		goto fail;
	if (chdir(s->cwd ? s->cwd : s->code_dir) < 0)
		goto fail;
	child_limits(&s->limits);
	sigprocmask(SIG_SETMASK, &a->mask, NULL);
	execve(s->argv[0], (char *const *)s->argv, (char *const *)s->envp);
fail:
	a->err = errno ? errno : EINVAL;
	_exit(127);
}

static int spawn_none(const struct sandbox_spec *s, struct sandbox_child *c,
		      struct buf *err)
{
	enum { STACK = 64 * 1024 };
	char *stack = xmalloc(STACK); /* per call: handles may be used from several threads */
	struct none_args a = { s, { { 0 } }, 0 };
	sigset_t all;
	int saved = errno;
	pid_t pid;
	/* no handler of ours may run on the shared memory of the child */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &a.mask);
	pid = clone(child_exec, stack + STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	sigprocmask(SIG_SETMASK, &a.mask, NULL);
	free(stack); /* the child has exec'd or exited: CLONE_VFORK waited for it */
	if (pid < 0)
		return buf_setf(err, "starting the job: %s", strerror(errno)), -1;
	errno = saved;
	c->pid = pid;
	c->priv = NULL;
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (a.err) { /* the child told us before it exited */
		buf_setf(err, "cannot start %s: %s", s->argv[0], strerror(a.err));
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		fd_close(&c->pidfd);
		c->pidfd = -1;
		return -1;
	}
	return 0;
}

static void add_rlimit(struct child_args *a, int res, long long v)
{
	if (a->nrlimits < SANDBOX_MAX_RLIMITS) {
		a->rl_resource[a->nrlimits] = res;
		a->rl_value[a->nrlimits++] = (rlim_t)v;
	}
}

static void json_limit(struct buf *j, const char *key, long long v, const char *via)
{
	buf_addf(j, ",\"%s\":{\"limit\":%lld,\"via\":\"%s\"}", key, v, via);
}

/* Decide the rlimits and describe everything that will be applied. */
static void plan_limits(const struct sandbox_spec *s, struct sandbox_priv *p,
			struct child_args *a, unsigned host_id)
{
	const struct sandbox_limits *l = &s->limits;
	const char *cgv = p->cg.version == 2 ? "cgroup-v2" : "cgroup-v1";
	struct buf *j = &p->applied;
	buf_addf(j, "{\"isolation\":\"full\",\"network\":%s,\"namespaces\":"
		 "[\"user\",\"mount\",\"pid\",\"ipc\",\"uts\",\"cgroup\"%s],"
		 "\"job_uid\":%u,\"capabilities\":\"none\",\"no_new_privs\":true,"
		 "\"seccomp\":true", s->network ? "true" : "false",
		 s->network ? "" : ",\"net\"", host_id);
	add_rlimit(a, RLIMIT_CORE, 0);
	if (l->memory_bytes > 0 && p->cg.memory_applied)
		json_limit(j, "memory_bytes", l->memory_bytes, cgv);
	else if (l->memory_bytes > 0) {
		add_rlimit(a, RLIMIT_AS, l->memory_bytes);
		json_limit(j, "memory_bytes", l->memory_bytes, "rlimit-as-per-process");
	}
	if (l->max_processes > 0 && p->cg.pids_applied)
		json_limit(j, "max_processes", l->max_processes, cgv);
	else if (l->max_processes > 0) {
		add_rlimit(a, RLIMIT_NPROC, l->max_processes);
		json_limit(j, "max_processes", l->max_processes, "rlimit-nproc");
	}
	if (l->cpu_seconds > 0) {
		add_rlimit(a, RLIMIT_CPU, l->cpu_seconds);
		json_limit(j, "cpu_seconds", l->cpu_seconds, "rlimit-cpu-per-process");
	}
	if (l->max_open_files > 0) {
		add_rlimit(a, RLIMIT_NOFILE, l->max_open_files);
		json_limit(j, "max_open_files", l->max_open_files, "rlimit-nofile");
	}
	if (l->max_file_bytes > 0) {
		add_rlimit(a, RLIMIT_FSIZE, l->max_file_bytes);
		json_limit(j, "max_file_bytes", l->max_file_bytes, "rlimit-fsize");
	}
	if (l->out_bytes > 0)
		json_limit(j, "out_bytes", l->out_bytes, "tmpfs");
	if (l->tmp_bytes > 0)
		json_limit(j, "tmp_bytes", l->tmp_bytes, "tmpfs");
	buf_adds(j, "}");
}

/* Between clone and the reap only the stack is written (see priv). */
static int write_proc(pid_t pid, const char *file, const char *val)
{
	char path[64];
	int fd, r = -1;
	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		r = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
		close(fd);
	}
	return r;
}

/* Inside 0 (the set-up identity) and POLICY_JOB_ID_INSIDE (the job) map
 * to two unprivileged host ids of the dedicated ranges, never to 0. */
static void format_idmap(char *m, size_t n, const char *job_id)
{
	snprintf(m, n, "0 %u 1\n%d %u 1\n", policy_setup_id(job_id),
		 POLICY_JOB_ID_INSIDE, policy_host_id(job_id));
}

static int map_ids(pid_t pid, const char *map, struct buf *err)
{
	if (write_proc(pid, "gid_map", map) < 0 || write_proc(pid, "uid_map", map) < 0)
		return buf_setf(err, "cannot map the job's uid: %s; %s", strerror(errno),
				sandbox_hint_userns), -1;
	return 0;
}

static ssize_t recv_msg(int sock, struct child_msg *m, int *fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0 &&
	       errno == EINTR)
		;
	for (c = CMSG_FIRSTHDR(&mh); n > 0 && c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

/* Read every message waiting on the socket (never blocks).  The set-up
 * is over when ready (the job exec'd), setup_errno (it failed) or eof
 * (the child or init died) is set. */
static void take_messages(struct sandbox_priv *p)
{
	struct child_msg m;
	for (;;) {
		int fd = -1;
		ssize_t n = recv_msg(p->sock, &m, &fd);
		if (n < 0)
			return; /* EAGAIN: nothing more for now */
		if (n != (ssize_t)sizeof(m)) {
			p->eof = 1;
			return;
		}
		m.text[sizeof(m.text) - 1] = '\0';
		if (m.type == CM_OUT && fd >= 0 && p->out_fd < 0)
			p->out_fd = fd, fd = -1;
		fd_close(&fd);
		if (m.type == CM_READY)
			p->ready = 1;
		if (m.type == CM_ERROR && !p->setup_errno) {
			p->setup_errno = m.err ? m.err : EINVAL;
			memcpy(p->setup_text, m.text, sizeof(p->setup_text));
		}
		if (m.type == CM_STATUS)
			p->have_status = 1, p->status = m.err;
	}
}

/* The child has exec'd or died: it no longer shares our memory.  Its
 * stack can serve another child, and the runner gets back the dumpable
 * flag the child's credential changes took from it (the kernel's rule for
 * any credential change of a memory's owner). */
static void child_detached(struct sandbox_priv *p)
{
	if (p->dumpable == 1)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	p->dumpable = -1;
	sandbox_stack_put(p->stack);
	p->stack = NULL;
}

/* 1 the job runs, -1 the set-up failed (err says why), 0 not known yet. */
static int setup_state(struct sandbox_priv *p, struct buf *err)
{
	take_messages(p);
	if (p->ready) {
		child_detached(p);
		return 1;
	}
	if (p->setup_errno)
		return buf_setf(err, "sandbox setup failed: %s: %s", p->setup_text,
				strerror(p->setup_errno)), -1;
	if (p->eof)
		return buf_setf(err, "sandbox init exited during setup"), -1;
	return 0;
}

/* Wait for READY (the job exec'd) or an error from the child. */
static int await_ready(struct sandbox_priv *p, struct buf *err)
{
	struct pollfd pf = { p->sock, POLLIN, 0 };
	int r;
	while ((r = setup_state(p, err)) == 0)
		if (poll(&pf, 1, SETUP_TIMEOUT_MS) == 0)
			return buf_setf(err, "sandbox setup timed out"), -1;
	if (r > 0)
		sandbox_trace("ready received");
	return r > 0 ? 0 : -1;
}

/* The BPF program depends only on the network setting: compile it once
 * per process and setting (libseccomp's compile is a large part of the
 * spawn cost).  A compiled program is never changed or freed, so every
 * child may read it without a copy. */
static int seccomp_prog(int network, struct sock_fprog *prog, struct buf *err)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct buf cache[2] = { BUF_INIT, BUF_INIT };
	struct buf *c = &cache[network ? 1 : 0];
	int r = 0;
	pthread_mutex_lock(&lock);
	if (!c->len && (r = policy_seccomp_build(network, c, NULL, err)) < 0)
		buf_reset(c);
	prog->len = (unsigned short)(c->len / sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)(void *)c->ptr;
	pthread_mutex_unlock(&lock);
	return r;
}

static int check_spec(const struct sandbox_spec *s, struct buf *err)
{
	if (geteuid() != 0)
		return buf_setf(err, "isolation 'full' needs the runner to run as root "
				"(it maps each job to a dedicated unprivileged uid); "
				"start the runner as root or knowingly set "
				"'scq config set isolation none'"), -1;
	if (!s->argv || !s->argv[0] || s->argv[0][0] != '/')
		return buf_setf(err, "argv[0] must be an absolute path"), -1;
	if (access(s->code_dir ? s->code_dir : "", X_OK) < 0)
		return buf_setf(err, "code dir '%s': %s",
				s->code_dir ? s->code_dir : "", strerror(errno)), -1;
	return 0;
}

/* A NULL-terminated array whose strings from index "from" on are ours. */
static void free_strings(char **v, size_t from)
{
	size_t i;
	if (!v)
		return;
	for (i = 0; v[i]; i++)
		if (i >= from)
			free(v[i]);
	free(v);
}

static char **copy_strings(const char *const *src)
{
	size_t n, i;
	char **v;
	for (n = 0; src && src[n]; n++)
		;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(src[i]);
	return v;
}

static void priv_free(struct sandbox_priv *p)
{
	int oom;
	double cpu;
	long long peak;
	size_t i;
	if (!p)
		return;
	for (i = 0; i < SCQ_NELEM(p->ns); i++)
		sandbox_pool_dispose(&p->ns[i]);
	fd_close(&p->sock);
	fd_close(&p->out_fd);
	sandbox_cgroup_finish(&p->cg, &oom, &cpu, &peak);
	buf_release(&p->applied);
	policy_mount_plan_free(&p->plan);
	free_strings(p->init_argv, 3 + (size_t)p->args.nrlimits);
	free_strings(p->envp, 0);
	free(p->cwd);
	sandbox_stack_put(p->stack);
	free(p);
}

/* The init's orders (sandbox-msg.h), built before clone: the child
 * cannot allocate.  Entries from 3 + nrlimits on are copies of ours. */
static void build_init_argv(struct sandbox_priv *p, const struct sandbox_spec *s,
			    const struct child_args *a)
{
	size_t n, i, k = 0;
	for (n = 0; s->argv[n]; n++)
		;
	p->init_argv = xcalloc(3 + (size_t)a->nrlimits + n + 1, sizeof(char *));
	p->init_argv[k++] = (char *)"scq-init";
	p->cwd = xstrdup(s->cwd ? s->cwd : "/code");
	p->init_argv[k++] = p->cwd;
	snprintf(p->nrl_text, sizeof(p->nrl_text), "%d", a->nrlimits);
	p->init_argv[k++] = p->nrl_text;
	for (i = 0; i < (size_t)a->nrlimits; i++) {
		snprintf(p->rl_text[i], sizeof(p->rl_text[i]), "%d:%llu", a->rl_resource[i],
			 (unsigned long long)a->rl_value[i]);
		p->init_argv[k++] = p->rl_text[i];
	}
	for (i = 0; i < n; i++)
		p->init_argv[k++] = xstrdup(s->argv[i]);
}

static int send_type(struct sandbox_priv *p, char type, struct buf *err)
{
	struct child_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	if (send(p->sock, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m))
		return 0;
	/* the child failed: its message says why */
	if (await_ready(p, err) == 0)
		buf_setf(err, "sandbox init exited during setup");
	return -1;
}

/* JOIN, with the job's cgroup.procs files (they are closed here: the
 * child has its own copies).  The child writes itself into them: moving a
 * process between cgroups waits for an RCU grace period on the kernel's
 * threadgroup lock (milliseconds, on v1 hierarchies), which the child can
 * spend while the runner serves its other jobs. */
static int send_join(struct sandbox_priv *p, struct buf *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(p->cg.procs))];
		struct cmsghdr align;
	} ctl;
	struct child_msg m;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh;
	struct cmsghdr *c;
	int fds[SCQ_NELEM(p->cg.procs)], n = 0, r = 0;
	size_t i;
	for (i = 0; i < SCQ_NELEM(p->cg.procs); i++)
		if (p->cg.procs[i] >= 0)
			fds[n++] = p->cg.procs[i];
	memset(&m, 0, sizeof(m));
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	m.type = CM_JOIN;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (n) {
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	if (sendmsg(p->sock, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
		/* the child failed: its message says why */
		if (await_ready(p, err) == 0)
			buf_setf(err, "sandbox init exited during setup");
		r = -1;
	}
	for (i = 0; i < SCQ_NELEM(p->cg.procs); i++)
		fd_close(&p->cg.procs[i]);
	return r;
}

/* Hold the job's mount and PID namespaces (see priv.ns).  A failure only
 * costs time: the job's end then tears them down itself. */
static void hold_namespaces(struct sandbox_priv *p, pid_t pid)
{
	static const char *const ns[] = { "mnt", "pid" };
	char path[64];
	size_t i;
	for (i = 0; i < SCQ_NELEM(ns); i++) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", (long)pid, ns[i]);
		p->ns[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
}

/* Parent half after clone: map, let the child build the root while the
 * runner makes the job's cgroups; the child joins them (JOIN) before
 * anything of the job runs. */
static int start_child(struct sandbox_priv *p, pid_t pid, const struct sandbox_limits *l,
		       struct buf *err)
{
	if (map_ids(pid, p->idmap, err) < 0 || (sandbox_trace("ids mapped"), 0) ||
	    send_type(p, CM_GO, err) < 0 || sandbox_cgroup_create(&p->cg, l, err) < 0)
		return -1;
	sandbox_trace("cgroup create");
	return send_join(p, err);
}

/* Everything the child needs, made before clone (it cannot allocate). */
static int prepare_full(const struct sandbox_spec *s, struct sandbox_priv *p,
			struct child_args *a, struct buf *err)
{
	int sv[2], planned = -1;
	if (check_spec(s, err) < 0 || (sandbox_trace("checked"), 0) ||
	    (planned = policy_mount_plan(s, &p->plan, err)) < 0 || (sandbox_trace("mount plan"), 0) ||
	    seccomp_prog(s->network, &a->prog, err) < 0 || (sandbox_trace("seccomp prog"), 0) ||
	    (a->init_fd = sandbox_init_image(err)) < 0) {
		if (planned == POLICY_CODE_REJECTED) /* the code, not the machine */
			return -1;
		if (!strstr(err->ptr ? err->ptr : "", "isolation none"))
			buf_addf(err, "; fix: run the runner as root in the host's own user "
				 "namespace on a kernel with user namespaces ('scq doctor' "
				 "shows what is missing), or knowingly set "
				 "'scq config set isolation none'");
		return -1;
	}
	sandbox_cgroup_plan(&p->cg, s->job_id, &s->limits);
	sandbox_trace("cgroup plan");
	plan_limits(s, p, a, policy_host_id(s->job_id));
	format_idmap(p->idmap, sizeof(p->idmap), s->job_id);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return buf_setf(err, "socketpair: %s", strerror(errno)), -1;
	a->plan = &p->plan;
	a->stdout_fd = s->stdout_fd;
	a->stderr_fd = s->stderr_fd;
	p->envp = copy_strings(s->envp);
	a->envp = p->envp;
	a->sock = sv[1];
	a->parent_sock = p->sock = sv[0];
	build_init_argv(p, s, a);
	a->init_argv = p->init_argv;
	return 0;
}

/* wait: return only once the job has exec'd (or the set-up failed);
 * otherwise once the child is in its namespaces and its cgroups are made. */
static int spawn_full(const struct sandbox_spec *s, struct sandbox_child *c,
		      struct buf *err, int wait)
{
	struct sandbox_priv *p = xcalloc(1, sizeof(*p));
	struct child_args *a = &p->args;
	int r = -1;
	pid_t pid;
	a->sock = -1;
	p->sock = p->out_fd = p->ns[0] = p->ns[1] = -1;
	buf_init(&p->applied, 0);
	sandbox_trace("spawn");
	if (prepare_full(s, p, a, err) < 0)
		goto out;
	p->dumpable = sandbox_runner_dumpable();
	pid = sandbox_clone(s->network, a, &p->stack, err);
	sandbox_trace("clone returned");
	close(a->sock); /* the child's copy (never write to *a: the child reads it) */
	if (pid < 0)
		goto out;
	/* (the namespaces are held while the child is busy with its root) */
	if (start_child(p, pid, &s->limits, err) < 0 || (hold_namespaces(p, pid), 0) ||
	    (wait && await_ready(p, err) < 0)) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		child_detached(p);
		goto out;
	}
	c->pid = pid;
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	c->setup_fd = p->ready ? -1 : p->sock;
	c->priv = p;
	p = NULL;
	r = 0;
out:
	priv_free(p);
	sandbox_trace("spawn returned");
	return r;
}

static int spawn(const struct sandbox_spec *s, struct sandbox_child *c, struct buf *err,
		 int wait)
{
	c->pid = 0;
	c->pidfd = c->setup_fd = -1;
	c->priv = NULL;
	if (s->isolation == SANDBOX_NONE)
		return spawn_none(s, c, err);
	if (s->isolation == SANDBOX_FULL)
		return spawn_full(s, c, err, wait);
	return buf_setf(err, "unknown isolation level %d", s->isolation), -1;
}

int sandbox_spawn(const struct sandbox_spec *s, struct sandbox_child *c,
		  struct buf *err)
{
	return spawn(s, c, err, 1);
}

int sandbox_spawn_async(const struct sandbox_spec *s, struct sandbox_child *c,
			struct buf *err)
{
	return spawn(s, c, err, 0);
}

int sandbox_setup_done(struct sandbox_child *c, struct buf *err)
{
	int r;
	if (!c->priv || c->setup_fd < 0)
		return 1;
	r = setup_state(c->priv, err);
	if (r != 0)
		c->setup_fd = -1;
	return r;
}

void sandbox_kill(struct sandbox_child *c)
{
	if (c->pid <= 0)
		return;
	if (c->priv) /* the init's death takes the whole PID namespace */
		kill(c->pid, SIGKILL);
	else
		kill(-c->pid, SIGKILL);
}

void sandbox_terminate(struct sandbox_child *c)
{
	if (c->pid > 0)
		kill(c->priv ? c->pid : -c->pid, SIGTERM);
}

static double tv_seconds(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

static void set_status(struct sandbox_result *r, int status)
{
	r->exited = WIFEXITED(status);
	r->exit_code = r->exited ? WEXITSTATUS(status) : -1;
	r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static int reap_full(struct sandbox_priv *p, int status, const struct rusage *ru,
		     struct sandbox_result *r, struct buf *err)
{
	int rc = 0;
	buf_reset(&r->applied);
	take_messages(p); /* the rest: the job's status, or why the set-up failed */
	child_detached(p);
	if (!p->ready) { /* the job never ran: no status, no limits, no /out */
		if (setup_state(p, err) == 0)
			buf_setf(err, "sandbox setup did not finish");
		set_status(r, 0);
		r->exited = 0;
		r->exit_code = -1;
		return -1;
	}
	if (p->have_status)
		status = p->status;
	set_status(r, status);
	sandbox_trace("status read");
	sandbox_cgroup_finish(&p->cg, &r->oom_killed, &r->cpu_seconds,
			      &r->peak_memory_bytes);
	sandbox_trace("cgroup finished");
	if (r->cpu_seconds < 0)
		r->cpu_seconds = tv_seconds(ru);
	if (r->peak_memory_bytes < 0)
		r->peak_memory_bytes = (long long)ru->ru_maxrss * 1024;
	r->out_fd = p->out_fd; /* the caller collects it in place */
	p->out_fd = -1;
	if (r->out_fd < 0) {
		buf_setf(err, "the job's /out is missing");
		rc = -1;
	}
	buf_add(&r->applied, p->applied.ptr, p->applied.len);
	return rc;
}

int sandbox_reap(struct sandbox_child *c, struct sandbox_result *r, struct buf *err)
{
	int status = 0, rc = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	r->out_fd = -1;
	sandbox_trace("reap");
	while (wait4(c->pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			buf_setf(err, "wait: %s", strerror(errno));
			return -1;
		}
	}
	sandbox_trace("waited");
	r->oom_killed = 0;
	if (c->priv) {
		rc = reap_full(c->priv, status, &ru, r, err);
		priv_free(c->priv);
		c->priv = NULL;
		sandbox_trace("reaped");
	} else {
		kill(-c->pid, SIGKILL); /* the process group may outlive its leader */
		set_status(r, status);
		r->cpu_seconds = tv_seconds(&ru);
		r->peak_memory_bytes = (long long)ru.ru_maxrss * 1024;
		buf_reset(&r->applied);
		buf_adds(&r->applied, "{\"isolation\":\"none\",\"network\":true,"
			 "\"rlimits\":[\"core\",\"cpu\",\"nofile\",\"fsize\"]}");
	}
	fd_close(&c->pidfd);
	c->pidfd = c->setup_fd = -1;
	c->pid = 0;
	return rc;
}
