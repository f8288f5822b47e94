/*
 * sandbox-int.h - what the parts of the namespace sandbox share:
 * sandbox.c (parent side: spawn, kill, reap), sandbox-clone.c (the clone
 * itself), sandbox-child.c (the code between clone and the exec of the
 * init), init/scq-init.c (PID 1, embedded by init-image.S and served by
 * sandbox-image.c), sandbox-nspool.c (namespaces made ahead of time),
 * sandbox-cgroup.c (limits and accounting) and sandbox-code.c (the tree
 * copy that fills /code).
 * Not part of the library's interface.
 *
 * Exports (sandbox-clone.c): sandbox_clone, sandbox_stack_put,
 * sandbox_runner_dumpable.
 * Exports (sandbox-nspool.c): sandbox_pool_take, sandbox_pool_release,
 * sandbox_pool_dispose, sandbox_pool_disable.
 * Exports (sandbox-image.c): sandbox_init_image.
 * Exports (sandbox-cgroup.c): sandbox_cgroup_plan, sandbox_cgroup_create,
 * sandbox_cgroup_finish, sandbox_cgroup_doctor.
 * Exports (sandbox-code.c): sandbox_tree_copy.
 * Exports (sandbox-trace.c): sandbox_trace_enable, sandbox_trace,
 * sandbox_trace2, sandbox_trace_take.
 */
#ifndef SCQ_SANDBOX_INT_H
#define SCQ_SANDBOX_INT_H

#include "base/compat.h"
#include <linux/filter.h>
#include <sys/resource.h>
#include "base/buf.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox-msg.h"

#define SANDBOX_MAX_RLIMITS 8
/* cgroup.procs files a job joins (v2, or v1 memory, pids, cpuacct) */
#define SANDBOX_MAX_JOIN_FDS 4

/* Everything the child needs, prepared by the parent before clone and
 * owned by it until the reap: the child may still be reading it after
 * sandbox_spawn_async returned and the caller freed its spec. */
struct child_args {
	const struct mount_plan *plan;
	int stdout_fd, stderr_fd;   /* the caller's; the child has its own copies */
	char *const *envp;          /* the job's environment (a copy) */
	struct sock_fprog prog;
	int sock;                   /* child end of the socketpair */
	int parent_sock;            /* closed in the child */
	int init_fd;                /* the sealed init program (sandbox-image.c) */
	char *const *init_argv;     /* its orders (sandbox-msg.h) */
	int nrlimits;
	int rl_resource[SANDBOX_MAX_RLIMITS];
	rlim_t rl_value[SANDBOX_MAX_RLIMITS];
};

/* Runs in the cloned child (CLONE_VM: see sandbox-child.c); never
 * returns.  Async-signal-safe only. */
SCQ_NORETURN void sandbox_child_main(const struct child_args *a);

/* Clone the sandbox child (sandbox-clone.c): CLONE_VM, all signals
 * blocked, pooled network/IPC namespaces when ready.  *stack receives the
 * child's stack: give it back with sandbox_stack_put once the child has
 * exec'd or died (never before: it runs on it). */
pid_t sandbox_clone(int network, struct child_args *a, void **stack, struct buf *err);
void sandbox_stack_put(void *stack);
/* The runner's dumpable flag before any sandbox child changed it (a child
 * sharing our memory makes it undumpable by changing credentials). */
int sandbox_runner_dumpable(void);
/* How to get user namespaces, for error messages. */
extern const char sandbox_hint_userns[];

/* Fresh network and IPC namespaces made ahead of time (sandbox-nspool.c):
 * descriptors of /proc/.../ns/net and ipc. */
struct sandbox_ns_pair {
	int net, ipc;
};
/* 0 and a never-used pair (close it with sandbox_pool_release), or -1
 * when none is ready: clone must then create them.  The first call
 * starts the pool's background thread. */
int sandbox_pool_take(struct sandbox_ns_pair *p);
void sandbox_pool_release(struct sandbox_ns_pair *p);
/* Close *fd (a finished job's namespace) in the pool's thread, or here
 * when there is none; *fd becomes -1. */
void sandbox_pool_dispose(int *fd);
/* No pool in this process from now on (tests; the bench's comparison). */
void sandbox_pool_disable(void);

/* The embedded sandbox init as an executable, sealed, close-on-exec
 * memfd, made on first use and kept for the life of the process. */
int sandbox_init_image(struct buf *err);

/* cgroup set of one job: v2 (delegated) or v1 memory/pids/cpuacct. */
struct sandbox_cgroup {
	int version;             /* 0 none, 1, 2 */
	char *mem, *pids, *cpu;  /* v1 directories (NULL if unused) */
	char *v2;                /* v2 directory */
	int memory_applied, pids_applied;
	int procs[SANDBOX_MAX_JOIN_FDS]; /* cgroup.procs of v2, mem, pids, cpu,
				    opened by create, sent to the child (JOIN),
				    which writes itself into them */
};

/* Before clone: which cgroups the job will get and which limits they
 * will carry (memory_applied, pids_applied), from what this host offers.
 * Creates nothing and never fails: without controllers the caller falls
 * back to rlimits. */
void sandbox_cgroup_plan(struct sandbox_cgroup *cg, const char *job_id,
			 const struct sandbox_limits *l);
/* After clone (while the child builds its root): make the planned
 * cgroups, write the planned limits and open their cgroup.procs (procs[],
 * for the child to join); -1 (err set) if any of it fails, since the
 * job's record already claims them. */
int sandbox_cgroup_create(struct sandbox_cgroup *cg, const struct sandbox_limits *l,
			  struct buf *err);
/* Read accounting (values stay -1 when unknown) and remove the cgroups. */
void sandbox_cgroup_finish(struct sandbox_cgroup *cg, int *oom, double *cpu,
			   long long *peak);
/* Human summary of the machine's cgroup support (for doctor). */
void sandbox_cgroup_doctor(struct buf *json);

/* Copy a tree between two directory fds without following links (fills
 * the job's /code); returns the number of entries skipped or -1. */
long long sandbox_tree_copy(int src_fd, int dst_fd, struct buf *err);

/* Timing of the spawn/reap path (sandbox-trace.c), for bench/ only: off
 * until enabled, never prints.  sandbox_trace is async-signal-safe and
 * records from the runner, the sandbox child and its init alike. */
struct sandbox_trace_ev {
	char what[40];
	pid_t pid;        /* who recorded it (getpid in the caller's PID ns) */
	double ms;        /* CLOCK_MONOTONIC */
	double cpu_ms;    /* CLOCK_THREAD_CPUTIME_ID of the recorder */
	long faults;      /* minor + major page faults of the recorder */
};
int sandbox_trace_enable(void);
void sandbox_trace(const char *what);
void sandbox_trace2(const char *what, const char *detail);
/* Copy out and clear the events recorded so far. */
size_t sandbox_trace_take(struct sandbox_trace_ev *ev, size_t max);

#endif
