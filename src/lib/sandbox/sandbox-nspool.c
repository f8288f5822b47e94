/*
 * sandbox-nspool.c - fresh network and IPC namespaces, made ahead of time.
 *
 * Why: on our VMs creating a network namespace costs about 0.7 ms
 * (loopback, per-namespace sysctls) and an IPC namespace about 0.4 ms (its
 * mqueue mount), a third of a sandbox's start.  A background thread,
 * started by the first sandbox_pool_take, keeps POOL_TARGET pairs ready;
 * sandbox_spawn takes one, the spawning thread enters it just for the
 * clone (sandbox.c), and the job's namespaces are the pair's.
 * Guarantees:
 *   - a pair is handed out once and never reused: every job still gets
 *     namespaces in which no process has ever run;
 *   - the pair belongs to the host's user namespace, where the job has no
 *     capability: it cannot configure them at all (stricter than
 *     namespaces of its own user namespace, which it could not configure
 *     either once its capabilities are dropped);
 *   - an empty or failed pool only costs time: spawn then asks clone for
 *     new namespaces, as without a pool;
 *   - after fork() the child process starts with an empty pool and no
 *     thread, so two processes never share a pair.
 * The same thread lets go of a finished job's namespaces
 * (sandbox_pool_dispose): the runner holds its mount and PID namespaces
 * from the clone on, so the job's last exit does not wait for their
 * teardown (an RCU grace period each, about 0.3 ms together), and the
 * last reference is dropped here, behind the runner's back.  Nothing can
 * enter them meanwhile: their descriptors are only ever ours, and every
 * process of the job is gone once its init has been reaped.
 */
#include "base/compat.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include "sandbox/sandbox-int.h"
#include "base/fs.h"
#include "base/banned.h"

#define POOL_TARGET 2
#define DISPOSE_MAX 64 /* queued descriptors; beyond, the caller closes them */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct sandbox_ns_pair pool[POOL_TARGET];
static int pool_n;
static int pool_state; /* 0 not started, 1 running, -1 off (failed or disabled) */
static int dispose[DISPOSE_MAX]; /* descriptors to close in the thread */
static int ndispose;

void sandbox_pool_release(struct sandbox_ns_pair *p)
{
	fd_close(&p->net);
	fd_close(&p->ipc);
	p->net = p->ipc = -1;
}

/* This thread moves into a new pair each time; the descriptors keep it. */
static int pair_make(struct sandbox_ns_pair *p)
{
	p->net = p->ipc = -1;
	if (unshare(CLONE_NEWNET | CLONE_NEWIPC) < 0)
		return -1;
	p->net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	p->ipc = open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC);
	if (p->net < 0 || p->ipc < 0) {
		sandbox_pool_release(p);
		return -1;
	}
	return 0;
}

static void *pool_main(void *arg)
{
	sigset_t all;
	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	pthread_mutex_lock(&pool_lock);
	while (pool_state == 1) {
		struct sandbox_ns_pair p;
		int r;
		if (ndispose > 0) {
			int fd = dispose[--ndispose];
			pthread_mutex_unlock(&pool_lock);
			close(fd); /* the namespace's teardown waits here */
			pthread_mutex_lock(&pool_lock);
			continue;
		}
		if (pool_n >= POOL_TARGET) {
			pthread_cond_wait(&pool_cond, &pool_lock);
			continue;
		}
		pthread_mutex_unlock(&pool_lock);
		r = pair_make(&p);
		pthread_mutex_lock(&pool_lock);
		if (r < 0 || pool_state != 1) {
			sandbox_pool_release(&p);
			pool_state = -1; /* e.g. no CAP_SYS_ADMIN: clone does it */
		} else {
			pool[pool_n++] = p;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return NULL;
}

/* In the child of a fork: the pairs are the parent's, the thread is gone. */
static void pool_after_fork(void)
{
	int i;
	pthread_mutex_init(&pool_lock, NULL);
	pthread_cond_init(&pool_cond, NULL);
	for (i = 0; i < pool_n; i++)
		sandbox_pool_release(&pool[i]);
	pool_n = 0;
	while (ndispose > 0)
		close(dispose[--ndispose]);
	if (pool_state == 1)
		pool_state = 0;
}

static void pool_start_locked(void)
{
	static int atfork_done;
	pthread_attr_t attr;
	pthread_t t;
	if (!atfork_done && pthread_atfork(NULL, NULL, pool_after_fork) != 0)
		return;
	atfork_done = 1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pool_state = 1;
	if (pthread_create(&t, &attr, pool_main, NULL) != 0)
		pool_state = -1;
	pthread_attr_destroy(&attr);
}

int sandbox_pool_take(struct sandbox_ns_pair *p)
{
	int r = -1;
	p->net = p->ipc = -1;
	pthread_mutex_lock(&pool_lock);
	if (pool_state == 0)
		pool_start_locked();
	if (pool_n > 0) {
		*p = pool[--pool_n];
		pthread_cond_signal(&pool_cond);
		r = 0;
	}
	pthread_mutex_unlock(&pool_lock);
	return r;
}

void sandbox_pool_dispose(int *fd)
{
	if (*fd < 0)
		return;
	pthread_mutex_lock(&pool_lock);
	if (pool_state == 1 && ndispose < DISPOSE_MAX) {
		dispose[ndispose++] = *fd;
		*fd = -1;
		pthread_cond_signal(&pool_cond);
	}
	pthread_mutex_unlock(&pool_lock);
	fd_close(fd); /* no thread: here */
}

void sandbox_pool_disable(void)
{
	int i;
	pthread_mutex_lock(&pool_lock);
	pool_state = -1;
	for (i = 0; i < pool_n; i++)
		sandbox_pool_release(&pool[i]);
	pool_n = 0;
	while (ndispose > 0)
		close(dispose[--ndispose]);
	pthread_cond_signal(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
}
