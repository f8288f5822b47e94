/*
 * sandbox-clone.c - how the sandbox child comes to exist: clone() with
 * CLONE_VM (no copy of the runner's page tables, like posix_spawn), on a
 * stack of its own, with every signal blocked across the call, inheriting
 * pooled network and IPC namespaces when the pool has a pair ready
 * (sandbox-nspool.c), else asking clone for new ones.
 * Guarantees: the child never runs a handler of the runner's; the calling
 * thread is back in its own namespaces when sandbox_clone returns (or the
 * child is killed and the call fails); a stack is reused only once the
 * child that ran on it has exec'd or died (sandbox_stack_put).
 */
#include "base/compat.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "sandbox/sandbox-int.h"
#include "base/fs.h"
#include "base/banned.h"

/* What to do when user namespaces are refused (here, where clone() meets
 * the refusal; sandbox.c names it too). */
const char sandbox_hint_userns[] =
	"enable user namespaces (sysctl -w user.max_user_namespaces=15000; "
	"on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0; "
	"in a container allow unshare, e.g. docker --security-opt seccomp=unconfined) "
	"or knowingly set 'scq config set isolation none'";

/* The child never unwinds its stack (it execs), so under AddressSanitizer
 * the redzones of its frames stay poisoned: clear them before the memory
 * is reused or unmapped, or the next user starts with false errors. */
#if defined(__SANITIZE_ADDRESS__)
#define STACK_UNPOISON 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STACK_UNPOISON 1
#endif
#endif
#ifdef STACK_UNPOISON
#include <sanitizer/asan_interface.h>
#define stack_unpoison(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define stack_unpoison(p, n) ((void)(p), (void)(n))
#endif

#define CHILD_STACK (64 * 1024)
#define GUARD 4096
#define STACK_CACHE 4

/* Stacks whose child is done with them: mapping, guarding and faulting
 * in a fresh one for every job cost more than the rest of the clone. */
static pthread_mutex_t stack_lock = PTHREAD_MUTEX_INITIALIZER;
static void *stack_cache[STACK_CACHE];
static int stack_cached;

static void *stack_get(struct buf *err)
{
	void *m = NULL;
	pthread_mutex_lock(&stack_lock);
	if (stack_cached > 0)
		m = stack_cache[--stack_cached];
	pthread_mutex_unlock(&stack_lock);
	if (m)
		return m;
	/* below the stack a guard page: an overflow faults instead of
	 * writing into the runner's memory, which the child shares */
	m = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		return buf_setf(err, "sandbox stack: %s", strerror(errno)), NULL;
	if (mprotect(m, GUARD, PROT_NONE) < 0) {
		buf_setf(err, "sandbox stack guard: %s", strerror(errno));
		munmap(m, CHILD_STACK);
		return NULL;
	}
	return m;
}

void sandbox_stack_put(void *stack)
{
	if (!stack)
		return;
	stack_unpoison((char *)stack + GUARD, CHILD_STACK - GUARD);
	pthread_mutex_lock(&stack_lock);
	if (stack_cached < STACK_CACHE) {
		stack_cache[stack_cached++] = stack;
		stack = NULL;
	}
	pthread_mutex_unlock(&stack_lock);
	if (stack)
		munmap(stack, CHILD_STACK);
}

/* Enter a pooled pair for the clone only, saving where we were.  Side
 * effect of entering an IPC namespace: this thread's SysV semaphore undo
 * list is detached (the runner uses no SysV semaphores). */
static int enter_pair(const struct sandbox_ns_pair *pair, int use_net, int saved[2])
{
	saved[0] = use_net ? open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
	saved[1] = open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC);
	if ((use_net && (saved[0] < 0 || setns(pair->net, CLONE_NEWNET) < 0)) ||
	    saved[1] < 0 || setns(pair->ipc, CLONE_NEWIPC) < 0)
		return -1;
	return 0;
}

static int leave_pair(int saved[2])
{
	int r = 0, i;
	if (saved[0] >= 0 && setns(saved[0], CLONE_NEWNET) < 0)
		r = -1;
	if (saved[1] >= 0 && setns(saved[1], CLONE_NEWIPC) < 0)
		r = -1;
	for (i = 0; i < 2; i++)
		fd_close(&saved[i]);
	return r;
}

static int child_entry(void *arg)
{
	sandbox_child_main(arg);
}

static pid_t clone_on(void *stack, int flags, struct child_args *a, struct buf *err)
{
	pid_t pid = clone(child_entry, (char *)stack + CHILD_STACK, flags | SIGCHLD, a);
	if (pid < 0)
		buf_setf(err, "cannot create the job's namespaces (clone: %s); %s",
			 strerror(errno), sandbox_hint_userns);
	return pid;
}

pid_t sandbox_clone(int network, struct child_args *a, void **stack, struct buf *err)
{
	int flags = CLONE_VM | CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
		    CLONE_NEWUTS | (network ? 0 : CLONE_NEWNET);
	struct sandbox_ns_pair pair;
	int saved[2] = { -1, -1 }, pooled;
	sigset_t all, old;
	pid_t pid;
	if (!(*stack = stack_get(err)))
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pooled = sandbox_pool_take(&pair) == 0;
	if (pooled && enter_pair(&pair, !network, saved) == 0)
		flags &= ~(CLONE_NEWIPC | CLONE_NEWNET);
	pid = clone_on(*stack, flags, a, err);
	if (pooled && leave_pair(saved) < 0) {
		buf_setf(err, "cannot return to the runner's namespaces: %s", strerror(errno));
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		pid = -1;
	}
	if (pooled)
		sandbox_pool_release(&pair);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pid;
}

int sandbox_runner_dumpable(void)
{
	static int dumpable = -1;
	int d = __atomic_load_n(&dumpable, __ATOMIC_RELAXED);
	if (d < 0) {
		d = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		__atomic_store_n(&dumpable, d, __ATOMIC_RELAXED);
	}
	return d;
}
