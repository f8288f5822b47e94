/*
 * sandbox-doctor.c - what this machine can do for the sandbox (scq doctor).
 *
 * Read-only checks plus two live probes: a clone() into every namespace
 * the sandbox uses, whose child exits at once, and an exec of the sandbox
 * init from its memfd (refused where vm.memfd_noexec forbids it).  The
 * report is a JSON object; "missing" lists what SANDBOX_FULL needs and
 * lacks, and "isolation_full" is true only if both probes worked.
 */
#include "base/compat.h"
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "sandbox/sandbox-int.h"
#include "base/fs.h"
#include "base/banned.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

static const char *const ns_names[] = { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup" };

static int probe_clone(void)
{
	int st = 0;
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
				   CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
				   CLONE_NEWCGROUP | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EINVAL;
}

/* Exec the init with no orders: it reports "bad arguments" (to a
 * descriptor 3 that is not a socket, so to no one) and exits 126.
 * 0, or -1 with the reason in why. */
static int probe_init(struct buf *why)
{
	int fd = sandbox_init_image(why), st = 0, null;
	char *const argv[] = { (char *)"scq-init", NULL }, *const envp[] = { NULL };
	pid_t pid;
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int img = fcntl(fd, F_DUPFD_CLOEXEC, 10); /* fd may be 3 itself */
		null = open("/dev/null", O_RDWR);
		if (img < 0 || null < 0 || dup2(null, SANDBOX_INIT_SOCK) < 0)
			_exit(1);
		syscall(SYS_execveat, img, "", argv, envp, AT_EMPTY_PATH);
		_exit(errno == EACCES || errno == EPERM ? 2 : 3);
	}
	if (pid < 0)
		return buf_setf(why, "fork: %s", strerror(errno)), -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 126)
		return 0;
	return buf_setf(why, "exec of the memfd: %s", WIFEXITED(st) && WEXITSTATUS(st) == 2 ?
			strerror(EACCES) : "failed"), -1;
}

/* Our own messages, made safe to place between JSON quotes. */
static const char *plain(char *s)
{
	char *c;
	for (c = s; c && *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '\'';
	return s ? s : "";
}

static long read_long(const char *path)
{
	char b[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;
	fd_close(&fd);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	return strtol(b, NULL, 10);
}

int sandbox_doctor(struct buf *json)
{
	struct buf missing = BUF_INIT, p = BUF_INIT, why = BUF_INIT;
	size_t i;
	int probe = probe_clone(), init = probe_init(&why);
	int seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
		      access("/proc/sys/kernel/seccomp/actions_avail", R_OK) == 0;
	long landlock = syscall(SYS_landlock_create_ruleset, NULL, 0,
				LANDLOCK_CREATE_RULESET_VERSION);
	buf_adds(json, "{\"namespaces\":{");
	for (i = 0; i < SCQ_NELEM(ns_names); i++) {
		int have;
		buf_setf(&p, "/proc/self/ns/%s", ns_names[i]);
		have = access(p.ptr, F_OK) == 0;
		buf_addf(json, "%s\"%s\":%s", i ? "," : "", ns_names[i], have ? "true" : "false");
		if (!have)
			buf_addf(&missing, "%s\"%s namespace\"", missing.len ? "," : "", ns_names[i]);
	}
	buf_addf(json, "},\"max_user_namespaces\":%ld,\"namespace_probe\":\"%s\",",
		 read_long("/proc/sys/user/max_user_namespaces"),
		 probe == 0 ? "ok" : strerror(-probe));
	if (probe)
		buf_addf(&missing, "%s\"user namespaces (clone failed)\"", missing.len ? "," : "");
	buf_addf(json, "\"seccomp\":%s,\"landlock_abi\":%ld,\"euid\":%ld,",
		 seccomp ? "true" : "false", landlock > 0 ? landlock : 0L, (long)geteuid());
	if (!seccomp)
		buf_addf(&missing, "%s\"seccomp filters\"", missing.len ? "," : "");
	buf_addf(json, "\"init_exec\":\"%s\",", init == 0 ? "ok" : plain(why.ptr));
	if (init)
		buf_addf(&missing, "%s\"exec of the sandbox init from a memfd "
			 "(sysctl vm.memfd_noexec must be 0 or 1)\"", missing.len ? "," : "");
	/* the same condition as the runner's check_spec: it maps each job to
	 * a dedicated unprivileged uid, which takes root */
	if (geteuid() != 0)
		buf_addf(&missing, "%s\"a runner running as root (it maps each job to a dedicated "
			 "unprivileged uid)\"", missing.len ? "," : "");
	sandbox_cgroup_doctor(json);
	buf_addf(json, ",\"isolation_full\":%s,\"missing\":[%s]}",
		 probe == 0 && seccomp && init == 0 && geteuid() == 0 ? "true" : "false", missing.ptr);
	buf_release(&missing);
	buf_release(&p);
	buf_release(&why);
	return 0;
}
