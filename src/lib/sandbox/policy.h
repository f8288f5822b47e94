/*
 * policy.h - the sandbox policy as data: the seccomp deny list, the socket
 * families a job may open, and the mount plan of the job's root.
 *
 * sandbox*.c only applies what these tables say.  Everything here runs in
 * the parent (the runner): it allocates freely and never runs between
 * fork and exec.  The results (a BPF program, a flat list of mount steps
 * with every path already formatted) are what the child consumes with
 * async-signal-safe calls only.
 *
 * Exports (policy.c): policy_seccomp_build, policy_family_allowed,
 * policy_host_id, policy_setup_id.
 * Exports (policy-mount.c): policy_mount_plan, policy_mount_plan_free.
 */
#ifndef SCQ_POLICY_H
#define SCQ_POLICY_H

#include "base/compat.h"
#include "base/buf.h"

/* The uid and gid the job has inside its user namespace. */
#define POLICY_JOB_ID_INSIDE 1000
/* Host uids/gids given to jobs: a dedicated range, never 0, never a login
 * user.  The job's host uid is POLICY_HOST_ID_BASE + (hash(job_id) % span). */
#define POLICY_HOST_ID_BASE 0x5c000000u
#define POLICY_HOST_ID_SPAN 0x10000u

enum policy_action {
	POLICY_EPERM = 1,  /* syscall fails with EPERM */
	POLICY_ENOSYS = 2  /* syscall fails with ENOSYS (clone3: glibc falls back) */
};

struct policy_syscall {
	const char *name;
	int action;        /* enum policy_action */
	const char *why;
};

/* The deny list (every other syscall of the native ABI is allowed). */
extern const struct policy_syscall policy_deny[];
extern const size_t policy_ndeny;

/*
 * Build the seccomp filter for a job.  network: 1 also allows AF_INET and
 * AF_INET6 sockets.  On success *prog holds the raw BPF instructions
 * (struct sock_filter[], *prog->len bytes) for PR_SET_SECCOMP; the caller
 * releases it.  pfc, if not NULL, receives the human-readable pseudo-code
 * (for golden tests and review).  Returns 0 or -1 with a message.
 */
int policy_seccomp_build(int network, struct buf *prog, struct buf *pfc,
			 struct buf *err);
/* 1 if a job with this network setting may open sockets of family af. */
int policy_family_allowed(int network, int af);

enum mount_kind {
	MK_DIR,        /* mkdir dst */
	MK_BIND_RO,    /* bind src (host path under /oldroot) to dst, read-only */
	MK_TREE,       /* move the detached read-only tree fd (made by the
			  runner with open_tree) onto dst */
	MK_TMPFS,      /* tmpfs at dst with options data */
	MK_PROC,       /* fresh proc at dst */
	MK_DEVPTS,     /* new devpts instance at dst */
	MK_DEVNODE,    /* bind the host device node src onto a new file dst */
	MK_SYMLINK,    /* dst -> src */
	MK_FILE,       /* file dst with content data, mode flags (0: 0644) */
	MK_REMOUNT_RO, /* make the mount at dst read-only */
	MK_DETACH      /* lazily unmount and remove dst (the old root) */
};

struct mount_step {
	int kind;           /* enum mount_kind */
	int optional;       /* 1: a failure is ignored (e.g. /lib32 missing) */
	unsigned long flags;
	const char *src, *dst, *data;
	int fd;             /* MK_TREE */
};

/* A flat, fully formatted mount plan.  Strings are owned by the plan. */
struct mount_plan {
	struct mount_step *steps;
	size_t n, alloc;
	char **strings;
	size_t nstrings, astrings;
	int fds[64];        /* detached read-only trees (MK_TREE): the runner
			       resolves host paths, the child never does */
	size_t nfds;
};

struct sandbox_spec;
/* Build the plan for spec: fixed steps from the policy table, then /code,
 * /data/<name>..., /runtime/<name>..., the tools files, /out, /tmp, /etc.
 * Host paths must be absolute. */
int policy_mount_plan(const struct sandbox_spec *spec, struct mount_plan *p,
		      struct buf *err);
/* policy_mount_plan's return when spec->check_code refused the /code copy. */
#define POLICY_CODE_REJECTED (-2)
void policy_mount_plan_free(struct mount_plan *p);

/* The job's host uid (== gid) for a job id. */
unsigned policy_host_id(const char *job_id);
/* The host uid of the sandbox's own root (inside uid 0) during set-up:
 * unprivileged too, in a second dedicated range. */
unsigned policy_setup_id(const char *job_id);

#endif
