/*
 * spawn.c - a program run beside us with a deadline (see spawn.h).
 *
 * posix_spawn, not fork: the caller may be a threaded program (Python),
 * where a forked child may only exec; glibc's posix_spawn reports an exec
 * failure (a missing or not executable program) as its return value.
 */
#include "base/compat.h"
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/spawn.h"
#include "base/banned.h"

extern char **environ;

/* stdin: an unlinked file holding data, at offset 0. */
static int stdin_file(const char *data, size_t len)
{
	int fd = memfd_create("scq-notify", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t w;
	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fd_close(&fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		fd_close(&fd);
	return fd;
}

static int start(const char *path, int in, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	char *argv[2] = { (char *)path, NULL };
	int e;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* nothing else of ours: not a job's lock, not the store (what a
	 * caller forgot to open O_CLOEXEC would otherwise go along) */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* its own group, so a timeout kills what it started too; the signal
	 * mask and handlers of the caller (the runner blocks SIGTERM around
	 * its poll) are not the program's */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	e = posix_spawn(pid, path, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return e;
}

int spawn_start(struct spawn_set *s, const char *path, const char *data, size_t len,
		double timeout, const char *label)
{
	int in = stdin_file(data, len), e;
	pid_t pid;
	struct spawn_proc *p;
	if (in < 0)
		return -1;
	e = start(path, in, &pid);
	fd_close(&in);
	if (e) {
		errno = e;
		return -1;
	}
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 4;
		s->v = xrealloc(s->v, xmul(s->alloc, sizeof(*s->v)));
	}
	p = &s->v[s->n++];
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	p->deadline = time_mono() + timeout;
	p->label = xstrdup(label);
	return 0;
}

static void forget(struct spawn_set *s, size_t i)
{
	fd_close(&s->v[i].pidfd);
	free(s->v[i].label);
	s->v[i] = s->v[--s->n];
}

/* Reap s->v[i] if it ended, or kill and reap it past its deadline: 1 if
 * it is gone (reported). */
static int reap_one(struct spawn_set *s, size_t i, double now, spawn_report_fn *fn,
		    void *ctx)
{
	struct spawn_proc *p = &s->v[i];
	int st = 0, late = 0;
	pid_t w;
	while ((w = waitpid(p->pid, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (w == 0 && now < p->deadline)
		return 0;
	if (w == 0) { /* late: the whole group, then the leader's status */
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		while ((w = waitpid(p->pid, &st, 0)) < 0 && errno == EINTR)
			;
		late = 1;
	}
	if (fn)
		fn(ctx, p->label, w < 0 ? -1 : st, late);
	forget(s, i);
	return 1;
}

/* Sleep until a program ends or the first deadline. */
static void wait_some(struct spawn_set *s, double now)
{
	struct pollfd p[64];
	double first = s->v[0].deadline;
	size_t i, n = 0;
	int ms;
	for (i = 0; i < s->n; i++) {
		if (s->v[i].deadline < first)
			first = s->v[i].deadline;
		if (s->v[i].pidfd >= 0 && n < SCQ_NELEM(p))
			p[n++] = (struct pollfd){ s->v[i].pidfd, POLLIN, 0 };
	}
	ms = (int)((first - now) * 1000) + 1;
	if (n < s->n && ms > 10) /* one without a pidfd: look again soon */
		ms = 10;
	poll(p, (nfds_t)n, ms < 0 ? 0 : ms);
}

size_t spawn_reap(struct spawn_set *s, size_t most, spawn_report_fn *fn, void *ctx)
{
	size_t i;
	double now;
	for (;;) {
		now = time_mono();
		for (i = s->n; i-- > 0;)
			reap_one(s, i, now, fn, ctx);
		if (s->n <= most)
			return s->n;
		wait_some(s, now);
	}
}

void spawn_set_release(struct spawn_set *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		s->v[i].deadline = 0; /* past: killed */
	spawn_reap(s, 0, NULL, NULL);
	free(s->v);
	s->v = NULL;
	s->alloc = 0;
}
