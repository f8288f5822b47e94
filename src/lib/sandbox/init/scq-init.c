/*
 * scq-init.c - PID 1 of a job's sandbox.
 *
 * It starts the job, reaps every zombie of the PID namespace, forwards
 * termination signals to every process in it, sends the job's wait
 * status to the runner and exits with the job's main process, which
 * makes the kernel kill whatever is left (nothing survives a setsid or a
 * double fork).  Orders and messages: sandbox-msg.h.
 *
 * Why a program of its own: the sandbox child is cloned sharing the
 * runner's memory (no page tables to copy, however big the runner), so
 * it must exec before anything can outlive the set-up; exec'ing this
 * program from a sealed memfd (sandbox-image.c) gives PID 1 an address
 * space of a few pages.  It links no C library (raw-syscall.h) and is
 * built static (Makefile), then embedded in libscq (init-image.S).
 * It runs already confined: job uid, no capabilities, no_new_privs and
 * the job's seccomp filter.  Signals are taken with rt_sigtimedwait, so
 * there is no handler: a blocked signal reaches PID 1 even from outside
 * its namespace, which a default disposition would not.
 */
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include "raw-syscall.h"
#include "../sandbox-msg.h"

/* Signal numbers and rt_sigprocmask's "how": the same on x86_64 and
 * aarch64 (the kernel's generic values). */
enum { S_HUP = 1, S_INT = 2, S_QUIT = 3, S_KILL = 9, S_USR1 = 10, S_USR2 = 12,
       S_TERM = 15, S_CHLD = 17 };
enum { MASK_BLOCK = 0, MASK_SET = 2 };
#define SIGBIT(s) (1UL << ((s) - 1))
#define FORWARDED (SIGBIT(S_HUP) | SIGBIT(S_INT) | SIGBIT(S_QUIT) | \
		   SIGBIT(S_USR1) | SIGBIT(S_USR2) | SIGBIT(S_TERM))
#define MSG_NOSIGNAL_ 0x4000

struct kernel_rlimit {
	unsigned long long cur, max;
};

/* The compiler may emit calls to these for structure copies. */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
void *memset(void *d, int c, unsigned long n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}
void *memcpy(void *d, const void *s, unsigned long n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

static __attribute__((noreturn)) void leave(int code)
{
	for (;;)
		raw1(__NR_exit_group, code);
}

static void send_msg(char type, int err, const char *a, const char *b)
{
	struct child_msg m;
	unsigned long i = 0;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.err = err;
	for (; a && *a && i + 1 < sizeof(m.text); a++)
		m.text[i++] = *a;
	for (; b && *b && i + 1 < sizeof(m.text); b++)
		m.text[i++] = *b;
	raw6(__NR_sendto, SANDBOX_INIT_SOCK, (long)&m, sizeof(m), MSG_NOSIGNAL_, 0, 0);
}

/* "123" -> 123; anything else -> -1. */
static long long parse_num(const char *s, char end)
{
	long long v = 0;
	if (!s || *s == end)
		return -1;
	for (; *s != end; s++) {
		if (*s < '0' || *s > '9' || v > (1LL << 56))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static const char *after_colon(const char *s)
{
	while (*s && *s != ':')
		s++;
	return *s ? s + 1 : 0;
}

struct job_orders {
	char **argv, **envp;
	int nrl;
	int err; /* set by the job's process when it cannot exec */
};

/* The job's process: its own session, the owner's rlimits, then exec.
 * It shares our memory and stack region until the exec (CLONE_VM |
 * CLONE_VFORK: no page tables to copy, and we sleep meanwhile), runs on
 * job_stack, and reports a failure in o->err. */
static void job_main(void *arg)
{
	struct job_orders *o = arg;
	char **argv = o->argv;
	unsigned long none = 0;
	long r;
	int i;
	raw2(__NR_prctl, PR_SET_PDEATHSIG, S_KILL);
	raw0(__NR_setsid);
	raw4(__NR_rt_sigprocmask, MASK_SET, &none, 0, sizeof(none));
	r = raw1(__NR_chdir, argv[1]);
	for (i = 0; r == 0 && i < o->nrl; i++) {
		const char *v = after_colon(argv[3 + i]);
		struct kernel_rlimit rl;
		long long res = parse_num(argv[3 + i], ':');
		long long val = v ? parse_num(v, '\0') : -1;
		if (res < 0 || val < 0) {
			r = -22; /* EINVAL */
			break;
		}
		rl.cur = rl.max = (unsigned long long)val;
		r = raw4(__NR_prlimit64, 0, res, &rl, 0);
	}
	if (r == 0)
		r = raw3(__NR_execve, argv[3 + o->nrl], &argv[3 + o->nrl], o->envp);
	o->err = (int)-r;
	leave(127);
}

static char job_stack[32 * 1024] __attribute__((aligned(16)));

/* PID 1 from here on: reap, forward, and leave with the job. */
static __attribute__((noreturn)) void reap_loop(long job, unsigned long set)
{
	unsigned char info[128];
	int st;
	for (;;) {
		long r, sig;
		while ((r = raw4(__NR_wait4, -1, &st, WNOHANG | __WALL, 0)) > 0) {
			if (r != job)
				continue;
			send_msg(CM_STATUS, st, 0, 0);
			leave((st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f));
		}
		if (r < 0 && r != -4 /* EINTR */)
			leave(125); /* no child left: cannot happen while the job runs */
		sig = raw4(__NR_rt_sigtimedwait, &set, info, 0, sizeof(set));
		if (sig > 0 && sig != S_CHLD)
			raw2(__NR_kill, -1, sig); /* from PID 1: all others in the namespace */
	}
}

__attribute__((used)) static void init_main(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	struct job_orders o = { argv, argv + argc + 1, -1, 0 };
	unsigned long set = FORWARDED | SIGBIT(S_CHLD);
	long job;
	raw2(__NR_prctl, PR_SET_DUMPABLE, 0); /* exec made us dumpable again */
	raw2(__NR_prctl, PR_SET_PDEATHSIG, S_KILL);
	o.nrl = argc > 3 ? (int)parse_num(argv[2], '\0') : -1;
	if (o.nrl < 0 || 3 + o.nrl >= argc) {
		send_msg(CM_ERROR, 22, "sandbox init: bad arguments", 0);
		leave(126);
	}
	/* blocked before the job exists, so no signal of it is ever lost */
	raw4(__NR_rt_sigprocmask, MASK_BLOCK, &set, 0, sizeof(set));
	raw3(__NR_fcntl, SANDBOX_INIT_SOCK, F_SETFD, FD_CLOEXEC);
	job = raw_clone_fn(CLONE_VM | CLONE_VFORK | S_CHLD, job_stack + sizeof(job_stack),
			   job_main, &o);
	if (job < 0) {
		send_msg(CM_ERROR, (int)-job, "starting the job", 0);
		leave(126);
	}
	if (o.err) /* the job's process has exited, or exec'd: we were asleep */
		send_msg(CM_ERROR, o.err, "cannot start ", argv[3 + o.nrl]);
	else
		send_msg(CM_READY, 0, 0, 0);
	/* PID 1 keeps nothing but its socket */
	raw3(__NR_close_range, 0, SANDBOX_INIT_SOCK - 1, 0);
	raw3(__NR_close_range, SANDBOX_INIT_SOCK + 1, ~0U, 0);
	reap_loop(job, set);
}

RAW_CLONE_FN;
RAW_ENTRY(init_main);
