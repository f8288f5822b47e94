/*
 * sandbox-bench.c - spawn overhead of the namespace sandbox.
 *
 * Payload /bin/true, three ways, interleaved in one run so machine noise
 * hits all alike: bare fork+exec+wait; sandbox_spawn(SANDBOX_FULL) +
 * wait + sandbox_reap (cgroups, seccomp, all namespaces, /out copy); and
 * bwrap with an equivalent profile.  Prints medians and ratios; asserts
 * nothing.  Usage: sandbox-bench [runs]   (root; bwrap optional)
 */
#include "compat.h"
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "buf.h"
#include "sandbox.h"

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

static double run_sandbox(const char *code, const char *out)
{
	const char *argv[] = { "/bin/true", NULL };
	struct sandbox_spec s;
	struct sandbox_child c;
	struct sandbox_result r;
	struct buf err = BUF_INIT;
	double t0 = now(), t;
	struct pollfd pf;
	memset(&s, 0, sizeof(s));
	s.isolation = SANDBOX_FULL;
	s.job_id = "bench";
	s.code_dir = code;
	s.out_dir = out;
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
	buf_init(&r.applied, 0);
	sandbox_reap(&c, &r, &err);
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
	int k = 0;
	if (!mkdtemp(dir))
		return 1;
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
	for (i = 0; i < n; i++) {
		const char *t[] = { "/bin/true", NULL };
		bare[i] = run_argv(t);
		sbx[i] = run_sandbox(code, out);
		bw[i] = have_bwrap ? run_argv(bwrap) : -1;
	}
	mb = median(bare, n);
	ms = median(sbx, n);
	mw = median(bw, n);
	printf("sandbox spawn overhead, payload /bin/true, %d interleaved runs (median ms)\n", n);
	printf("  bare fork+exec          %7.2f\n", mb);
	printf("  scq sandbox (full)      %7.2f   added %+.2f ms (target <= 3 ms)\n", ms, ms - mb);
	if (have_bwrap && mw > 0)
		printf("  bwrap equivalent        %7.2f   bwrap/scq = %.2fx (target >= 2x)\n", mw, mw / ms);
	else
		printf("  bwrap equivalent        not available\n");
	rmdir(code);
	rmdir(out);
	rmdir(dir);
	free(bare);
	free(sbx);
	free(bw);
	return 0;
}
