/*
 * sandbox-child.c - the sandbox side of a job, from clone() to the exec
 * of the sandbox init.
 *
 * The child is cloned with CLONE_VM: it shares the runner's memory (no
 * page tables to copy, no copy-on-write faults, whatever the runner's
 * size) and runs on its own stack until it execs init/scq-init.c.  So:
 *   - only async-signal-safe calls: raw syscalls, no malloc, no stdio, no
 *     locale (strerror is formatted by the parent from the errno we send);
 *   - nothing is written but our own stack: the arguments, mount plan and
 *     filter are read-only here and owned by the parent until the reap;
 *   - credentials change through syscall(), never glibc's setresuid or
 *     setgroups, which would signal every thread of the runner to change
 *     theirs too (glibc believes it is still in the runner);
 *   - errno is never touched: it is the runner thread's (same TLS), and the
 *     runner goes on working meanwhile (sandbox_spawn_async), so a failed
 *     call of ours could make it misread its own failures and vice versa.
 *     Every system call goes through k_* below, which return -errno, on
 *     init/raw-syscall.h's stubs (no libc wrapper at all).
 * The order is fixed (policy.h has the data):
 *   wait for the parent (uid/gid maps) -> mount plan + pivot_root ->
 *   hostname -> wait for the parent (cgroups made) -> join them ->
 *   cgroup namespace -> drop groups, uid, capabilities -> no_new_privs -> seccomp -> exec
 *   the init (PID 1, scq-init.c), which starts the job.
 * Guarantees: any failure before the job's exec reaches the parent as a
 * message and the job never runs; the child and the init die with the
 * runner (PR_SET_PDEATHSIG, re-armed after every credential change).
 */
#include "base/compat.h"
#include <linux/capability.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include "sandbox/init/raw-syscall.h"
#include "sandbox/sandbox-int.h"
#include "base/banned.h"

/* System calls that return -errno and leave errno alone. */
#define k_open(p, f, m) raw4(__NR_openat, AT_FDCWD, (p), (f), (m))
#define k_close(fd) raw1(__NR_close, (fd))
#define k_write(fd, b, n) raw3(__NR_write, (fd), (b), (n))
#define k_mkdir(p, m) raw3(__NR_mkdirat, AT_FDCWD, (p), (m))
#define k_symlink(t, p) raw3(__NR_symlinkat, (t), AT_FDCWD, (p))
#define k_rmdir(p) raw3(__NR_unlinkat, AT_FDCWD, (p), AT_REMOVEDIR)
#define k_mount(s, d, t, f, o) raw5(__NR_mount, (s), (d), (t), (f), (o))
#define k_umount(p, f) raw2(__NR_umount2, (p), (f))
#define k_statfs(p, b) raw2(__NR_statfs, (p), (b))
#define k_chdir(p) raw1(__NR_chdir, (p))
#define k_prctl(o, a) raw5(__NR_prctl, (o), (a), 0, 0, 0)
#define k_fcntl(fd, c, a) raw3(__NR_fcntl, (fd), (c), (a))
#define k_dup3(o, n) raw3(__NR_dup3, (o), (n), 0)
#define k_send(fd, b, n) raw6(__NR_sendto, (fd), (long)(b), (long)(n), MSG_NOSIGNAL, 0, 0)
#define k_recv(fd, b, n) raw6(__NR_recvfrom, (fd), (long)(b), (long)(n), 0, 0, 0)
#define k_exit(c) raw1(__NR_exit_group, (c))

static void copy_text(char *dst, size_t n, const char *a, const char *b)
{
	size_t i = 0;
	for (; a && *a && i + 1 < n; a++)
		dst[i++] = *a;
	for (; b && *b && i + 1 < n; b++)
		dst[i++] = *b;
	dst[i] = '\0';
}

static SCQ_NORETURN void leave(int code)
{
	for (;;)
		k_exit(code);
}

static void send_msg(int sock, char type, int err, const char *a, const char *b)
{
	struct child_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.err = err;
	copy_text(m.text, sizeof(m.text), a, b);
	k_send(sock, &m, sizeof(m)); /* a failure: the parent is gone */
}

/* e: the failed call's -errno (any value <= 0 reads as EINVAL). */
static SCQ_NORETURN void fail(int sock, long e, const char *what, const char *path)
{
	send_msg(sock, CM_ERROR, e < 0 ? (int)-e : EINVAL, what, path);
	leave(126);
}

static void send_fd(int sock, int fd)
{
	struct child_msg m;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh;
	struct cmsghdr *c;
	long e;
	memset(&m, 0, sizeof(m));
	memset(&mh, 0, sizeof(mh));
	memset(ctl, 0, sizeof(ctl));
	m.type = CM_OUT;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if ((e = raw3(__NR_sendmsg, sock, &mh, MSG_NOSIGNAL)) < 0)
		fail(sock, e, "sending /out to the runner", NULL);
}

/* Flags a bind remount must keep: in a user namespace the kernel refuses
 * to clear locked ones (nosuid, nodev, noexec, atime) of the source. */
static unsigned long kept_flags(const char *path)
{
	struct statfs sf;
	unsigned long keep = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
			     MS_NODIRATIME | MS_RELATIME;
	if (k_statfs(path, &sf) < 0)
		return 0;
	return (unsigned long)sf.f_flags & keep;
}

static long remount_ro(const char *dst, unsigned long extra)
{
	return k_mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		       kept_flags(dst) | extra, NULL);
}

static long write_file(const char *path, const char *data, unsigned long mode)
{
	long fd = k_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode ? (int)mode : 0644), r;
	size_t len = strlen(data);
	if (fd < 0)
		return fd;
	r = k_write(fd, data, len);
	k_close(fd);
	return r < 0 ? r : r == (long)len ? 0 : -EIO;
}

static long make_node(const struct mount_step *s)
{
	long fd = k_open(s->dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return fd;
	k_close(fd);
	return k_mount(s->src, s->dst, NULL, MS_BIND, NULL);
}

/* 0 or -errno. */
static long do_step(const struct mount_step *s)
{
	long r;
	switch (s->kind) {
	case MK_DIR:
		r = k_mkdir(s->dst, 0755);
		return r == -EEXIST ? 0 : r;
	case MK_BIND_RO:
		r = k_mount(s->src, s->dst, NULL, MS_BIND | MS_REC, NULL);
		return r < 0 ? r : remount_ro(s->dst, MS_NOSUID | MS_NODEV);
	case MK_TREE:
		return raw5(__NR_move_mount, s->fd, "", AT_FDCWD, s->dst, MOVE_MOUNT_F_EMPTY_PATH);
	case MK_TMPFS:
		return k_mount("tmpfs", s->dst, "tmpfs", s->flags, s->data);
	case MK_PROC:
		return k_mount("proc", s->dst, "proc", s->flags, NULL);
	case MK_DEVPTS:
		return k_mount("devpts", s->dst, "devpts", s->flags, s->data);
	case MK_DEVNODE:
		return make_node(s);
	case MK_SYMLINK:
		return k_symlink(s->src, s->dst);
	case MK_FILE:
		return write_file(s->dst, s->data, s->flags); /* flags: its mode */
	case MK_REMOUNT_RO:
		return remount_ro(s->dst, s->flags);
	case MK_DETACH:
		r = k_umount(s->dst, MNT_DETACH);
		return r < 0 ? r : k_rmdir(s->dst);
	default:
		return -EINVAL;
	}
}

/* An empty tmpfs becomes "/"; the host root stays at /oldroot until the
 * plan's MK_DETACH step (sources are read from there). */
static void build_root(const struct child_args *a)
{
	size_t i;
	long e, out;
	if ((e = k_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) < 0)
		fail(a->sock, e, "making mounts private", NULL);
	if ((e = k_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")) < 0)
		fail(a->sock, e, "mounting the root tmpfs", NULL);
	sandbox_trace("c root tmpfs");
	if ((e = k_chdir("/tmp")) < 0 || (e = k_mkdir("oldroot", 0700)) < 0 ||
	    (e = raw2(__NR_pivot_root, ".", "oldroot")) < 0 || (e = k_chdir("/")) < 0)
		fail(a->sock, e, "pivot_root", NULL);
	sandbox_trace("c pivot_root");
	for (i = 0; i < a->plan->n; i++) {
		const struct mount_step *s = &a->plan->steps[i];
		if (s->kind == MK_DETACH) {
			if ((out = k_open("/out", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0)
				fail(a->sock, out, "opening ", "/out");
			send_fd(a->sock, (int)out);
			k_close(out);
		}
		if ((e = do_step(s)) < 0 && !s->optional)
			fail(a->sock, e, "mount plan step for ", s->dst);
		sandbox_trace2("c step ", s->dst);
	}
}

static long capset_zero(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	return raw2(__NR_capset, &h, d);
}

/* Become the job user with no capability at all, for good. */
static void drop_privileges(const struct child_args *a)
{
	long cap, e, g = POLICY_JOB_ID_INSIDE, u = POLICY_JOB_ID_INSIDE;
	for (cap = 0; cap <= 63; cap++) {
		if ((e = k_prctl(PR_CAPBSET_DROP, cap)) == 0)
			continue;
		if (e != -EINVAL)
			fail(a->sock, e, "dropping the capability bounding set", NULL);
		if (cap > CAP_LAST_CAP)
			break; /* capability numbers are dense: none beyond */
	}
	if ((e = raw2(__NR_setgroups, 0, NULL)) < 0)
		fail(a->sock, e, "setgroups", NULL);
	if ((e = raw3(__NR_setresgid, g, g, g)) < 0 || (e = raw3(__NR_setresuid, u, u, u)) < 0)
		fail(a->sock, e, "switching to the job uid", NULL);
	if ((e = capset_zero()) < 0 ||
	    (e = k_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)) < 0)
		fail(a->sock, e, "dropping capabilities", NULL);
	/* a credential change resets it (the init makes itself undumpable:
	 * here that would change the runner's memory, which we share) */
	if ((e = k_prctl(PR_SET_PDEATHSIG, SIGKILL)) < 0)
		fail(a->sock, e, "prctl", NULL);
	if ((e = k_prctl(PR_SET_NO_NEW_PRIVS, 1)) < 0)
		fail(a->sock, e, "no_new_privs", NULL);
	sandbox_trace("c privileges dropped");
	if ((e = raw3(__NR_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &a->prog)) < 0)
		fail(a->sock, e, "loading the seccomp filter", NULL);
	sandbox_trace("c seccomp loaded");
}

/* The kernel's struct sigaction (the same layout on x86_64 and aarch64). */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

static void reset_signals(void)
{
	struct k_sigaction sa;
	unsigned long none = 0;
	int sig;
	memset(&sa, 0, sizeof(sa));
	sa.handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++) /* EINVAL for KILL and STOP */
		raw4(__NR_rt_sigaction, sig, &sa, NULL, sizeof(sa.mask));
	raw4(__NR_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}

/* fd onto slot, without close-on-exec (dup3 refuses fd == slot). */
static long move_to(long fd, int slot)
{
	return fd == slot ? k_fcntl(fd, F_SETFD, 0) : k_dup3(fd, slot);
}

/* Hand over to the init with the descriptors sandbox-msg.h promises:
 * 0 /dev/null, 1 and 2 the job's output, 3 the socket, nothing else. */
static SCQ_NORETURN void exec_init(const struct child_args *a)
{
	/* first out of the way of 0..3, which may hold any of them */
	long img = k_fcntl(a->init_fd, F_DUPFD_CLOEXEC, 10);
	long out = k_fcntl(a->stdout_fd, F_DUPFD_CLOEXEC, 10);
	long err = k_fcntl(a->stderr_fd, F_DUPFD_CLOEXEC, 10);
	long sock = k_fcntl(a->sock, F_DUPFD_CLOEXEC, 10);
	long null = k_open("/dev/null", O_RDONLY | O_CLOEXEC, 0), e = 0;
	if (img < 0 || out < 0 || err < 0 || sock < 0 || null < 0)
		fail(a->sock, img < 0 ? img : out < 0 ? out : err < 0 ? err : sock < 0 ? sock : null,
		     "descriptors for the sandbox init", NULL);
	if ((e = move_to(null, 0)) < 0 || (e = move_to(out, 1)) < 0 ||
	    (e = move_to(err, 2)) < 0 || (e = move_to(sock, SANDBOX_INIT_SOCK)) < 0)
		fail((int)sock, e, "descriptors for the sandbox init", NULL);
	raw3(__NR_close_range, SANDBOX_INIT_SOCK + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	sandbox_trace("c exec init");
	e = raw5(__NR_execveat, img, "", a->init_argv, a->envp, AT_EMPTY_PATH);
	fail((int)sock, e, "starting the sandbox init", NULL);
}

/* Block until the parent sends type; exit quietly if it gave up.  (No
 * handler is installed, so no EINTR.)  Descriptors that come with it
 * (SCM_RIGHTS, close-on-exec) go to fds; the count is returned. */
static int await_parent(const struct child_args *a, char type, int fds[SANDBOX_MAX_JOIN_FDS])
{
	struct child_msg m;
	union {
		char buf[CMSG_SPACE(SANDBOX_MAX_JOIN_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh;
	struct cmsghdr *c;
	int nfds = 0, k, got;
	long n;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	n = raw3(__NR_recvmsg, a->sock, &mh, MSG_CMSG_CLOEXEC);
	for (c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (k = 0; k < got && nfds < SANDBOX_MAX_JOIN_FDS; k++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + (size_t)k * sizeof(int), sizeof(int));
	}
	if (n != (long)sizeof(m) || m.type != type || (mh.msg_flags & MSG_CTRUNC))
		leave(126); /* the runner died or gave up (or sent too much) */
	return nfds;
}

/* Write ourselves into the job's cgroups (the parent's JOIN brought their
 * cgroup.procs, opened by the runner: the kernel checks the opener). */
static void join_cgroups(const struct child_args *a)
{
	int fds[SANDBOX_MAX_JOIN_FDS], n = await_parent(a, CM_JOIN, fds), i;
	long e = 0;
	for (i = 0; i < n; i++) {
		if (e == 0 && (e = k_write(fds[i], "0", 1)) == 1)
			e = 0;
		k_close(fds[i]);
	}
	if (e != 0)
		fail(a->sock, e, "joining the job's cgroup", NULL);
}

SCQ_NORETURN void sandbox_child_main(const struct child_args *a)
{
	int fds[SANDBOX_MAX_JOIN_FDS];
	long e;
	sandbox_trace("c cloned");
	k_prctl(PR_SET_PDEATHSIG, SIGKILL);
	k_close(a->parent_sock);
	/* wait first: the runner, whose CPU we may have taken, maps our ids
	 * meanwhile (every signal stays blocked until reset_signals) */
	if (await_parent(a, CM_GO, fds) != 0)
		leave(126); /* GO brings no descriptor */
	sandbox_trace("c go");
	reset_signals();
	/* become the mapped set-up root: files we create need a mapped fsuid */
	if ((e = raw3(__NR_setresgid, 0, 0, 0)) < 0 || (e = raw3(__NR_setresuid, 0, 0, 0)) < 0)
		fail(a->sock, e, "switching to the set-up uid", NULL);
	build_root(a);
	sandbox_trace("c root built");
	if ((e = raw2(__NR_sethostname, "job", 3)) < 0 ||
	    (e = raw2(__NR_setdomainname, "job", 3)) < 0)
		fail(a->sock, e, "sethostname", NULL);
	/* the cgroup namespace is rooted at the job's own cgroup */
	join_cgroups(a);
	sandbox_trace("c joined");
	if ((e = raw1(__NR_unshare, CLONE_NEWCGROUP)) < 0)
		fail(a->sock, e, "cgroup namespace", NULL);
	sandbox_trace("c cgroupns");
	drop_privileges(a);
	exec_init(a);
}
