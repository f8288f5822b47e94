/*
 * sandbox-bench.c - spawn overhead of the namespace sandbox.
 *
 * Payload /bin/true, three ways, interleaved in one run so machine noise
 * hits all alike: bare fork+exec+wait; sandbox_spawn(SANDBOX_FULL) +
 * wait + sandbox_reap (cgroups, seccomp, all namespaces, /out handed
 * over, as the runner gets it); and
 * bwrap with an equivalent profile.  Prints medians and ratios; asserts
 * nothing.  Usage: sandbox-bench [runs]   (root; bwrap optional)
 *
 * The fork+exec runs (bare and bwrap) are made by a launcher forked from
 * this process at start-up, so this process never forks: a fork
 * write-protects every page of the process that forks, and the sandbox
 * run after it would pay copy-on-write faults that a runner (which never
 * forks) does not.  The launcher times its own runs, so the pipe costs
 * nothing; it is this process's copy, so its forks cost the same.
 */
#include "base/compat.h"
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "base/buf.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox-int.h"

/* SCQ_SANDBOX_TRACE=1: median time between consecutive trace points of
 * the spawn/reap path (sandbox-trace.c), printed to stderr. */
#define MAX_LABELS 128
static struct {
	char what[40];
	double *d, *c, *f;
	int n;
} labels[MAX_LABELS];
static int nlabels, tracing;

static int ev_cmp(const void *a, const void *b)
{
	double x = ((const struct sandbox_trace_ev *)a)->ms;
	double y = ((const struct sandbox_trace_ev *)b)->ms;
	return x < y ? -1 : x > y;
}

static void trace_collect(int runs)
{
	struct sandbox_trace_ev ev[256];
	size_t n = sandbox_trace_take(ev, 256), i;
	int k;
	qsort(ev, n, sizeof(ev[0]), ev_cmp);
	for (i = 1; i < n; i++) {
		size_t j = i;
		while (j-- > 0 && ev[j].pid != ev[i].pid)
			;
		for (k = 0; k < nlabels && strcmp(labels[k].what, ev[i].what); k++)
			;
		if (k == nlabels) {
			if (nlabels == MAX_LABELS)
				continue;
			memcpy(labels[k].what, ev[i].what, sizeof(labels[k].what));
			labels[k].d = calloc((size_t)runs * 4, sizeof(double));
			labels[k].c = calloc((size_t)runs * 4, sizeof(double));
			labels[k].f = calloc((size_t)runs * 4, sizeof(double));
			nlabels++;
		}
		if (labels[k].n < runs * 4) {
			labels[k].c[labels[k].n] = j < i ? ev[i].cpu_ms - ev[j].cpu_ms : 0;
			labels[k].f[labels[k].n] = j < i ? (double)(ev[i].faults - ev[j].faults) : 0;
			labels[k].d[labels[k].n++] = ev[i].ms - ev[i - 1].ms;
		}
	}
}

static const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double run_argv(const char *const *argv)
{
	double t0 = now();
	int st;
	pid_t p = fork();
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		_exit(127);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? now() - t0 : -1;
}

/* The launcher: reads 'b' (bare) or 'w' (bwrap), runs it, writes the
 * time back as a double; exits at end of file. */
static SCQ_NORETURN void launcher(int cmd, int res, const char *const *bare,
				  const char *const *bwrap)
{
	char c;
	while (read(cmd, &c, 1) == 1) {
		double t = run_argv(c == 'b' ? bare : bwrap);
		if (write(res, &t, sizeof(t)) != (ssize_t)sizeof(t))
			break;
	}
	_exit(0);
}

static double launch(int cmd, int res, char what)
{
	double t = -1;
	if (write(cmd, &what, 1) != 1 || read(res, &t, sizeof(t)) != (ssize_t)sizeof(t))
		return -1;
	return t;
}

static double run_sandbox(const char *code)
{
	const char *argv[] = { "/bin/true", NULL };
	struct sandbox_spec s;
	struct sandbox_child c;
	struct sandbox_result r;
	struct buf err = BUF_INIT;
	double t0 = now(), t;
	struct pollfd pf;
	sandbox_trace("bench start");
	memset(&s, 0, sizeof(s));
	s.isolation = SANDBOX_FULL;
	s.job_id = "bench";
	s.code_dir = code;
	s.argv = argv;
	s.envp = envp;
	s.stdout_fd = s.stderr_fd = 2;
	s.limits.memory_bytes = 256 << 20;
	s.limits.max_processes = 64;
	s.limits.out_bytes = s.limits.tmp_bytes = 16 << 20;
	if (sandbox_spawn(&s, &c, &err) < 0) {
		fprintf(stderr, "sandbox: %s\n", err.ptr);
		exit(1);
	}
	pf.fd = c.pidfd;
	pf.events = POLLIN;
	poll(&pf, 1, -1);
	sandbox_trace("bench pidfd readable");
	buf_init(&r.applied, 0);
	sandbox_reap(&c, &r, &err);
	if (r.out_fd >= 0)
		close(r.out_fd);
	sandbox_trace("bench done");
	t = r.exited && r.exit_code == 0 ? now() - t0 : -1;
	buf_release(&r.applied);
	buf_release(&err);
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n ? v[n / 2] : -1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200, i, have_bwrap = access("/usr/bin/bwrap", X_OK) == 0;
	char dir[] = "/tmp/scq-bench-XXXXXX", code[64], out[64];
	double *bare = calloc((size_t)n, sizeof(double)), *sbx = calloc((size_t)n, sizeof(double));
	double *bw = calloc((size_t)n, sizeof(double)), mb, ms, mw;
	const char *bwrap[64];
	int k = 0, cmd_fd, res_fd;
	pid_t launcher_pid;
	if (!mkdtemp(dir))
		return 1;
	tracing = getenv("SCQ_SANDBOX_TRACE") && !strcmp(getenv("SCQ_SANDBOX_TRACE"), "1") &&
		  sandbox_trace_enable() == 0;
	snprintf(code, sizeof(code), "%s/code", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	mkdir(code, 0755);
	mkdir(out, 0755);
	{
		const char *a[] = { "/usr/bin/bwrap", "--unshare-all", "--unshare-user",
			"--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
			"--setenv", "PATH", "/usr/bin:/bin", "--ro-bind", "/usr", "/usr",
			"--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
			"--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
			"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", code,
			"/code", "--bind", out, "/out", "--hostname", "job", "/bin/true", NULL };
		for (k = 0; a[k]; k++)
			bwrap[k] = a[k];
		bwrap[k] = NULL;
	}
	{
		static const char *const t[] = { "/bin/true", NULL };
		int c[2], r[2];
		if (pipe(c) < 0 || pipe(r) < 0 || (launcher_pid = fork()) < 0)
			return 1;
		if (launcher_pid == 0) {
			close(c[1]);
			close(r[0]);
			launcher(c[0], r[1], t, bwrap);
		}
		close(c[0]);
		close(r[1]);
		cmd_fd = c[1];
		res_fd = r[0];
	}
	for (i = 0; i < n; i++) {
		bare[i] = launch(cmd_fd, res_fd, 'b');
		sbx[i] = run_sandbox(code);
		if (tracing)
			trace_collect(n);
		bw[i] = have_bwrap ? launch(cmd_fd, res_fd, 'w') : -1;
	}
	close(cmd_fd);
	waitpid(launcher_pid, NULL, 0);
	mb = median(bare, n);
	ms = median(sbx, n);
	mw = median(bw, n);
	printf("sandbox spawn overhead, payload /bin/true, %d interleaved runs (median ms)\n", n);
	printf("  bare fork+exec          %7.2f\n", mb);
	printf("  scq sandbox (full)      %7.2f   added %+.2f ms (target <= +1 ms over the bare floor)\n",
	       ms, ms - mb);
	if (have_bwrap && mw > 0)
		printf("  bwrap equivalent        %7.2f   bwrap/scq = %.2fx (target >= 2x)\n", mw, mw / ms);
	else
		printf("  bwrap equivalent        not available\n");
	if (tracing) {
		double sum = 0, csum = 0, fsum = 0;
		fprintf(stderr, "trace: median ms since the previous point (all processes, by "
			"time), CPU ms and page faults of the recording process since its own\n"
			"previous point\n  %7s  %7s  %6s\n", "wall", "cpu", "faults");
		for (k = 0; k < nlabels; k++) {
			double m = median(labels[k].d, labels[k].n), c = median(labels[k].c, labels[k].n);
			double f = median(labels[k].f, labels[k].n);
			sum += m;
			csum += c;
			fsum += f;
			fprintf(stderr, "  %7.3f  %7.3f  %6.0f  %-40s (x%d)\n", m, c, f, labels[k].what,
				labels[k].n);
			free(labels[k].d);
			free(labels[k].c);
			free(labels[k].f);
		}
		fprintf(stderr, "  %7.3f  %7.3f  %6.0f  sum of medians\n", sum, csum, fsum);
	}
	rmdir(code);
	rmdir(out);
	rmdir(dir);
	free(bare);
	free(sbx);
	free(bw);
	return 0;
}
