/*
 * sandbox.c - spawn a job's process tree (first version: isolation "none").
 *
 * This version supports only SANDBOX_NONE: the job runs as a plain child
 * in its own session and process group, with rlimits.  SANDBOX_FULL fails
 * closed with a clear message until the namespace sandbox lands.
 */
#include "compat.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "alloc.h"
#include "sandbox.h"
#include "banned.h"

static void child_limits(const struct sandbox_limits *l)
{
	struct rlimit r;
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &r);
	if (l->cpu_seconds > 0) {
		r.rlim_cur = r.rlim_max = (rlim_t)l->cpu_seconds;
		setrlimit(RLIMIT_CPU, &r);
	}
	if (l->max_open_files > 0) {
		r.rlim_cur = r.rlim_max = (rlim_t)l->max_open_files;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	if (l->max_file_bytes > 0) {
		r.rlim_cur = r.rlim_max = (rlim_t)l->max_file_bytes;
		setrlimit(RLIMIT_FSIZE, &r);
	}
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static SCQ_NORETURN void child_exec(const struct sandbox_spec *s, int errfd)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int e;
	setsid();
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(s->stdout_fd, 1) < 0 ||
	    dup2(s->stderr_fd, 2) < 0)
		goto fail;
	if (chdir(s->cwd ? s->cwd : s->code_dir) < 0)
		goto fail;
	child_limits(&s->limits);
	execve(s->argv[0], (char *const *)s->argv, (char *const *)s->envp);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0) { /* nothing more we can do */ }
	_exit(127);
}

int sandbox_spawn(const struct sandbox_spec *s, struct sandbox_child *c,
		  struct buf *err)
{
	int pipefd[2], e = 0;
	ssize_t n;
	pid_t pid;
	if (s->isolation != SANDBOX_NONE) {
		buf_setf(err, "isolation 'full' is not available in this build; "
			 "set 'scq config set isolation none' to run without a sandbox");
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return buf_setf(err, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid < 0) {
		buf_setf(err, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(s, pipefd[1]);
	close(pipefd[1]);
	while ((n = read(pipefd[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(pipefd[0]);
	c->pid = pid;
	c->priv = NULL;
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (n == sizeof(e)) {
		buf_setf(err, "cannot start %s: %s", s->argv[0], strerror(e));
		waitpid(pid, NULL, 0);
		if (c->pidfd >= 0)
			close(c->pidfd);
		c->pidfd = -1;
		return -1;
	}
	return 0;
}

void sandbox_kill(struct sandbox_child *c)
{
	if (c->pid > 0)
		kill(-c->pid, SIGKILL);
}

int sandbox_reap(struct sandbox_child *c, struct sandbox_result *r, struct buf *err)
{
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	while (wait4(c->pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			buf_setf(err, "wait: %s", strerror(errno));
			return -1;
		}
	}
	kill(-c->pid, SIGKILL); /* the process group may outlive its leader */
	r->exited = WIFEXITED(status);
	r->exit_code = r->exited ? WEXITSTATUS(status) : -1;
	r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	r->oom_killed = 0;
	r->cpu_seconds = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r->peak_memory_bytes = (long long)ru.ru_maxrss * 1024;
	buf_reset(&r->applied);
	buf_adds(&r->applied, "{\"isolation\":\"none\",\"network\":true,"
		 "\"rlimits\":[\"core\",\"cpu\",\"nofile\",\"fsize\"]}");
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	c->pid = 0;
	return 0;
}

int sandbox_doctor(struct buf *json)
{
	return buf_adds(json, "{\"isolation_full\":false}");
}
