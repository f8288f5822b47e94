/*
 * policy.c - the sandbox policy tables and their compilation (see policy.h).
 *
 * Tuned for: being read by a reviewer.  Every denied syscall sits in one
 * table with the reason; the mount plan is a list of steps, not code.
 * Guarantees: the seccomp filter refuses non-native ABIs (the process is
 * killed), denies every table entry on the native ABI, refuses clone()
 * with any CLONE_NEW* flag, clone3 (ENOSYS, its flags are out of reach of
 * BPF), TIOCSTI/TIOCLINUX whatever the upper 32 bits hold (CVE-2019-10063),
 * and socket families other than those policy_family_allowed names.
 * The filter is a deny list on top of "allow", like Docker's default
 * profile inverted: it removes kernel attack surface the jobs never need.
 */
#include "base/compat.h"
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include "base/alloc.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
#include "base/banned.h"

const struct policy_syscall policy_deny[] = {
	{ "mount", POLICY_EPERM, "file system layout is fixed by the sandbox" },
	{ "umount2", POLICY_EPERM, "file system layout is fixed by the sandbox" },
	{ "pivot_root", POLICY_EPERM, "file system layout is fixed by the sandbox" },
	{ "chroot", POLICY_EPERM, "file system layout is fixed by the sandbox" },
	{ "move_mount", POLICY_EPERM, "new mount API" },
	{ "open_tree", POLICY_EPERM, "new mount API" },
	{ "fsopen", POLICY_EPERM, "new mount API" },
	{ "fsconfig", POLICY_EPERM, "new mount API" },
	{ "fsmount", POLICY_EPERM, "new mount API" },
	{ "fspick", POLICY_EPERM, "new mount API" },
	{ "mount_setattr", POLICY_EPERM, "new mount API" },
	{ "ptrace", POLICY_EPERM, "no debugging of other processes" },
	{ "process_vm_readv", POLICY_EPERM, "no access to other processes' memory" },
	{ "process_vm_writev", POLICY_EPERM, "no access to other processes' memory" },
	{ "kexec_load", POLICY_EPERM, "kernel replacement" },
	{ "kexec_file_load", POLICY_EPERM, "kernel replacement" },
	{ "reboot", POLICY_EPERM, "host control" },
	{ "init_module", POLICY_EPERM, "kernel modules" },
	{ "finit_module", POLICY_EPERM, "kernel modules" },
	{ "delete_module", POLICY_EPERM, "kernel modules" },
	{ "bpf", POLICY_EPERM, "eBPF attack surface" },
	{ "perf_event_open", POLICY_EPERM, "perf attack surface and side channels" },
	{ "keyctl", POLICY_EPERM, "keyrings are a cross-job channel" },
	{ "add_key", POLICY_EPERM, "keyrings are a cross-job channel" },
	{ "request_key", POLICY_EPERM, "keyrings are a cross-job channel" },
	{ "userfaultfd", POLICY_EPERM, "race amplifier for kernel exploits" },
	{ "io_uring_setup", POLICY_EPERM, "io_uring bypasses seccomp" },
	{ "io_uring_enter", POLICY_EPERM, "io_uring bypasses seccomp" },
	{ "io_uring_register", POLICY_EPERM, "io_uring bypasses seccomp" },
	{ "open_by_handle_at", POLICY_EPERM, "escapes bind mounts (shocker)" },
	{ "name_to_handle_at", POLICY_EPERM, "pairs with open_by_handle_at" },
	{ "unshare", POLICY_EPERM, "no nested namespaces" },
	{ "setns", POLICY_EPERM, "no joining namespaces" },
	{ "clone3", POLICY_ENOSYS, "flags unreadable by BPF; libc falls back to clone" },
	{ "swapon", POLICY_EPERM, "host control" },
	{ "swapoff", POLICY_EPERM, "host control" },
	{ "acct", POLICY_EPERM, "host control" },
	{ "quotactl", POLICY_EPERM, "host control" },
	{ "syslog", POLICY_EPERM, "kernel log" },
	{ "uselib", POLICY_EPERM, "obsolete" },
	{ "vhangup", POLICY_EPERM, "terminal control" },
	{ "lookup_dcookie", POLICY_EPERM, "obsolete profiling interface" },
	/* /usr and the datasets are bind mounts of host inodes: a watch on
	 * them shows which programs anyone on the host runs, and when another
	 * job reads a dataset (a channel between jobs). */
	{ "inotify_add_watch", POLICY_EPERM, "watches on shared host inodes are a side channel" },
	{ "fanotify_init", POLICY_EPERM, "watches on shared host inodes are a side channel" },
	{ "fanotify_mark", POLICY_EPERM, "watches on shared host inodes are a side channel" },
};
const size_t policy_ndeny = SCQ_NELEM(policy_deny);

/* clone() flags that create namespaces (CLONE_NEWTIME shares its bit with
 * the exit signal in clone(), so it is reachable only through clone3). */
static const unsigned long clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

/* TIOCSTI pushes input into the controlling terminal (CVE-2017-5226). */
static const unsigned long denied_ioctls[] = { TIOCSTI, TIOCLINUX };

/* Socket families: AF_UNIX always, AF_INET/AF_INET6 with network only. */
int policy_family_allowed(int network, int af)
{
	if (af == AF_UNIX)
		return 1;
	return network && (af == AF_INET || af == AF_INET6);
}

static int add_deny_table(scmp_filter_ctx ctx, struct buf *err)
{
	size_t i;
	for (i = 0; i < policy_ndeny; i++) {
		int nr = seccomp_syscall_resolve_name(policy_deny[i].name);
		uint32_t act = policy_deny[i].action == POLICY_ENOSYS ?
			SCMP_ACT_ERRNO(ENOSYS) : SCMP_ACT_ERRNO(EPERM);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		if (seccomp_rule_add(ctx, act, nr, 0) < 0)
			return buf_setf(err, "seccomp rule for %s failed",
					policy_deny[i].name), -1;
	}
	return 0;
}

static int add_arg_rules(scmp_filter_ctx ctx, struct buf *err)
{
	size_t i;
	int r = 0;
	for (i = 0; i < SCQ_NELEM(clone_ns_flags); i++)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
				      SCMP_A0_64(SCMP_CMP_MASKED_EQ, clone_ns_flags[i],
						 clone_ns_flags[i]));
	for (i = 0; i < SCQ_NELEM(denied_ioctls); i++)
		r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffULL,
						 denied_ioctls[i]));
	if (r < 0)
		return buf_setf(err, "seccomp clone/ioctl rules failed"), -1;
	return 0;
}

static int add_socket_rules(scmp_filter_ctx ctx, int network, struct buf *err)
{
	int af, r = 0;
	uint32_t act = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	for (af = 0; af < AF_MAX; af++) {
		if (policy_family_allowed(network, af))
			continue;
		r |= seccomp_rule_add(ctx, act, SCMP_SYS(socket), 1,
				      SCMP_A0_64(SCMP_CMP_EQ, (uint64_t)af));
		r |= seccomp_rule_add(ctx, act, SCMP_SYS(socketpair), 1,
				      SCMP_A0_64(SCMP_CMP_EQ, (uint64_t)af));
	}
	r |= seccomp_rule_add(ctx, act, SCMP_SYS(socket), 1,
			      SCMP_A0_64(SCMP_CMP_GE, (uint64_t)AF_MAX));
	r |= seccomp_rule_add(ctx, act, SCMP_SYS(socketpair), 1,
			      SCMP_A0_64(SCMP_CMP_GE, (uint64_t)AF_MAX));
	if (r < 0)
		return buf_setf(err, "seccomp socket rules failed"), -1;
	return 0;
}

/* Export through a memfd: libseccomp writes to an fd only. */
static int export_to(scmp_filter_ctx ctx, int pfc, struct buf *out)
{
	int fd = memfd_create("scq-seccomp", MFD_CLOEXEC), r = -1;
	char chunk[4096];
	ssize_t n;
	if (fd < 0)
		return -1;
	if ((pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd)) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	buf_reset(out);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_add(out, chunk, (size_t)n) < 0)
			goto out;
	r = n < 0 ? -1 : 0;
out:
	close(fd);
	return r;
}

int policy_seccomp_build(int network, struct buf *prog, struct buf *pfc,
			 struct buf *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = -1;
	if (!ctx)
		return buf_setf(err, "seccomp_init failed"), -1;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) {
		buf_setf(err, "seccomp attributes failed");
		goto out;
	}
	if (add_deny_table(ctx, err) < 0 || add_arg_rules(ctx, err) < 0 ||
	    add_socket_rules(ctx, network, err) < 0)
		goto out;
	if (export_to(ctx, 0, prog) < 0 || (pfc && export_to(ctx, 1, pfc) < 0)) {
		buf_setf(err, "seccomp export failed: %s", strerror(errno));
		goto out;
	}
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

unsigned policy_host_id(const char *job_id)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; job_id && *job_id; job_id++)
		h = (h ^ (unsigned char)*job_id) * 16777619u;
	return POLICY_HOST_ID_BASE + h % POLICY_HOST_ID_SPAN;
}

unsigned policy_setup_id(const char *job_id)
{
	return policy_host_id(job_id) + POLICY_HOST_ID_SPAN;
}
