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
 *   - errno is the parent thread's (same TLS): the parent only blocks on
 *     the socket meanwhile, so a failure's errno may at worst be misnamed.
 * The order is fixed (policy.h has the data):
 *   wait for the parent (uid/gid maps) -> mount plan + pivot_root ->
 *   hostname -> wait for the parent (cgroups joined) -> cgroup namespace
 *   -> drop groups, uid, capabilities -> no_new_privs -> seccomp -> exec
 *   the init (PID 1, scq-init.c), which starts the job.
 * Guarantees: any failure before the job's exec reaches the parent as a
 * message and the job never runs; the child and the init die with the
 * runner (PR_SET_PDEATHSIG, re-armed after every credential change).
 */
#include "compat.h"
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
#include "sandbox-int.h"
#include "banned.h"

static void copy_text(char *dst, size_t n, const char *a, const char *b)
{
	size_t i = 0;
	for (; a && *a && i + 1 < n; a++)
		dst[i++] = *a;
	for (; b && *b && i + 1 < n; b++)
		dst[i++] = *b;
	dst[i] = '\0';
}

static void send_msg(int sock, char type, int err, const char *a, const char *b)
{
	struct child_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.err = err;
	copy_text(m.text, sizeof(m.text), a, b);
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) < 0) { /* parent gone */ }
}

static SCQ_NORETURN void fail(int sock, const char *what, const char *path)
{
	send_msg(sock, CM_ERROR, errno, what, path);
	_exit(126);
}

static void send_fd(int sock, int fd)
{
	struct child_msg m;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh;
	struct cmsghdr *c;
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
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		fail(sock, "sending /out to the runner", NULL);
}

/* Flags a bind remount must keep: in a user namespace the kernel refuses
 * to clear locked ones (nosuid, nodev, noexec, atime) of the source. */
static unsigned long kept_flags(const char *path)
{
	struct statfs sf;
	unsigned long keep = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
			     MS_NODIRATIME | MS_RELATIME;
	if (statfs(path, &sf) < 0)
		return 0;
	return (unsigned long)sf.f_flags & keep;
}

static int remount_ro(const char *dst, unsigned long extra)
{
	return mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		     kept_flags(dst) | extra, NULL);
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(data);
	int r;
	if (fd < 0)
		return -1;
	r = write(fd, data, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return r;
}

static int do_step(const struct mount_step *s)
{
	int fd;
	switch (s->kind) {
	case MK_DIR:
		return mkdir(s->dst, 0755) < 0 && errno != EEXIST ? -1 : 0;
	case MK_BIND_RO:
		if (mount(s->src, s->dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -1;
		return remount_ro(s->dst, MS_NOSUID | MS_NODEV);
	case MK_TREE:
		return (int)syscall(SYS_move_mount, s->fd, "", AT_FDCWD, s->dst,
				    MOVE_MOUNT_F_EMPTY_PATH);
	case MK_TMPFS:
		return mount("tmpfs", s->dst, "tmpfs", s->flags, s->data);
	case MK_PROC:
		return mount("proc", s->dst, "proc", s->flags, NULL);
	case MK_DEVPTS:
		return mount("devpts", s->dst, "devpts", s->flags, s->data);
	case MK_DEVNODE:
		fd = open(s->dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0)
			return -1;
		close(fd);
		return mount(s->src, s->dst, NULL, MS_BIND, NULL);
	case MK_SYMLINK:
		return symlink(s->src, s->dst);
	case MK_FILE:
		return write_file(s->dst, s->data);
	case MK_REMOUNT_RO:
		return remount_ro(s->dst, s->flags);
	case MK_DETACH:
		if (umount2(s->dst, MNT_DETACH) < 0)
			return -1;
		return rmdir(s->dst);
	default:
		errno = EINVAL;
		return -1;
	}
}

/* An empty tmpfs becomes "/"; the host root stays at /oldroot until the
 * plan's MK_DETACH step (sources are read from there). */
static void build_root(const struct child_args *a)
{
	size_t i;
	int out;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(a->sock, "making mounts private", NULL);
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
		fail(a->sock, "mounting the root tmpfs", NULL);
	sandbox_trace("c root tmpfs");
	if (chdir("/tmp") < 0 || mkdir("oldroot", 0700) < 0 ||
	    syscall(SYS_pivot_root, ".", "oldroot") < 0 || chdir("/") < 0)
		fail(a->sock, "pivot_root", NULL);
	sandbox_trace("c pivot_root");
	for (i = 0; i < a->plan->n; i++) {
		const struct mount_step *s = &a->plan->steps[i];
		if (s->kind == MK_DETACH) {
			out = open("/out", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (out < 0)
				fail(a->sock, "opening ", "/out");
			send_fd(a->sock, out);
			close(out);
		}
		if (do_step(s) < 0 && !s->optional)
			fail(a->sock, "mount plan step for ", s->dst);
		sandbox_trace2("c step ", s->dst);
	}
}

static int capset_zero(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

/* Become the job user with no capability at all, for good. */
static void drop_privileges(const struct child_args *a)
{
	int cap;
	gid_t g = POLICY_JOB_ID_INSIDE;
	uid_t u = POLICY_JOB_ID_INSIDE;
	for (cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno != EINVAL)
			fail(a->sock, "dropping the capability bounding set", NULL);
		if (cap > CAP_LAST_CAP)
			break; /* capability numbers are dense: none beyond */
	}
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		fail(a->sock, "setgroups", NULL);
	if (syscall(SYS_setresgid, g, g, g) < 0 || syscall(SYS_setresuid, u, u, u) < 0)
		fail(a->sock, "switching to the job uid", NULL);
	if (capset_zero() < 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		fail(a->sock, "dropping capabilities", NULL);
	/* a credential change resets it (the init makes itself undumpable:
	 * here that would change the runner's memory, which we share) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		fail(a->sock, "prctl", NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(a->sock, "no_new_privs", NULL);
	sandbox_trace("c privileges dropped");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &a->prog, 0, 0) < 0)
		fail(a->sock, "loading the seccomp filter", NULL);
	sandbox_trace("c seccomp loaded");
}

static void reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* EINVAL for KILL/STOP/RT internals */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Hand over to the init with the descriptors sandbox-msg.h promises:
 * 0 /dev/null, 1 and 2 the job's output, 3 the socket, nothing else. */
static SCQ_NORETURN void exec_init(const struct child_args *a)
{
	/* first out of the way of 0..3, which may hold any of them */
	int img = fcntl(a->init_fd, F_DUPFD_CLOEXEC, 10);
	int out = fcntl(a->stdout_fd, F_DUPFD_CLOEXEC, 10);
	int err = fcntl(a->stderr_fd, F_DUPFD_CLOEXEC, 10);
	int sock = fcntl(a->sock, F_DUPFD_CLOEXEC, 10);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (img < 0 || out < 0 || err < 0 || sock < 0 || null < 0)
		fail(a->sock, "descriptors for the sandbox init", NULL);
	if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
	    dup2(sock, SANDBOX_INIT_SOCK) < 0)
		fail(sock, "descriptors for the sandbox init", NULL);
	syscall(SYS_close_range, SANDBOX_INIT_SOCK + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	sandbox_trace("c exec init");
	syscall(SYS_execveat, img, "", a->init_argv, a->envp, AT_EMPTY_PATH);
	fail(sock, "starting the sandbox init", NULL);
}

/* Block until the parent sends type; exit quietly if it gave up. */
static void await_parent(const struct child_args *a, char type)
{
	struct child_msg m;
	ssize_t n;
	while ((n = recv(a->sock, &m, sizeof(m), 0)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(m) || m.type != type)
		_exit(126); /* the runner died or gave up */
}

SCQ_NORETURN void sandbox_child_main(const struct child_args *a)
{
	sandbox_trace("c cloned");
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close(a->parent_sock);
	reset_signals();
	await_parent(a, CM_GO);
	sandbox_trace("c go");
	/* become the mapped set-up root: files we create need a mapped fsuid */
	if (syscall(SYS_setresgid, 0, 0, 0) < 0 || syscall(SYS_setresuid, 0, 0, 0) < 0)
		fail(a->sock, "switching to the set-up uid", NULL);
	build_root(a);
	sandbox_trace("c root built");
	if (sethostname("job", 3) < 0 || setdomainname("job", 3) < 0)
		fail(a->sock, "sethostname", NULL);
	/* the cgroup namespace is rooted at the job's own cgroup */
	await_parent(a, CM_JOINED);
	sandbox_trace("c joined");
	if (unshare(CLONE_NEWCGROUP) < 0)
		fail(a->sock, "cgroup namespace", NULL);
	sandbox_trace("c cgroupns");
	drop_privileges(a);
	exec_init(a);
}
