/*
 * sandbox-doctor.c - what this machine can do for the sandbox (scq doctor).
 *
 * Read-only checks plus one live probe: a clone() into every namespace
 * the sandbox uses, whose child exits at once.  The report is a JSON
 * object; "missing" lists what SANDBOX_FULL needs and lacks, and
 * "isolation_full" is true only if the probe worked.
 */
#include "compat.h"
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "sandbox-int.h"
#include "banned.h"

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

static long read_long(const char *path)
{
	char b[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	return strtol(b, NULL, 10);
}

int sandbox_doctor(struct buf *json)
{
	struct buf missing = BUF_INIT, p = BUF_INIT;
	size_t i;
	int probe = probe_clone();
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
	sandbox_cgroup_doctor(json);
	buf_addf(json, ",\"isolation_full\":%s,\"missing\":[%s]}",
		 probe == 0 && seccomp ? "true" : "false", missing.ptr);
	buf_release(&missing);
	buf_release(&p);
	return 0;
}
