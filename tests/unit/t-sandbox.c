/*
 * t-sandbox.c - drives sandbox_spawn directly with hostile /bin/sh jobs:
 * the rows of the test matrix (../shared/reference/sandbox.md section 11)
 * that can be checked at library level.  Every job runs with small limits
 * (64 MiB, 32 processes) and a deadline this test enforces with
 * sandbox_kill.  After every job: no process of the job's host uid is
 * left.  If the machine cannot sandbox at all the first test fails
 * ("not ok"), loudly, with or without SCQ_SANDBOX_MUST_WORK=1.
 */
#include "base/compat.h"
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <sys/socket.h>
#include "base/buf.h"
#include "exec/collect.h"
#include "base/fs.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox-int.h"
#include "tap.h"

static char *base, *code, *data, *outd;
static char *path_in(const char *dir, const char *name);
static struct sandbox_dataset datasets[1];
static char job_id[64]; /* unique per run: concurrent runs must not mix */
static const char *const envp[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C", NULL };

struct run {
	int rc;                 /* sandbox_spawn */
	struct sandbox_result r;
	struct buf log;         /* stdout + stderr of the job */
	struct buf err;
	double secs;
};

static int file_is(const char *dir, const char *name, const char *want)
{
	struct buf p = BUF_INIT, c = BUF_INIT;
	int r;
	buf_addf(&p, "%s/%s", dir, name);
	tap_read_path(p.ptr, &c);
	r = !strcmp(c.ptr, want);
	buf_release(&p);
	buf_release(&c);
	return r;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void default_spec(struct sandbox_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->isolation = SANDBOX_FULL;
	s->job_id = job_id;
	s->code_dir = code;
	s->envp = envp;
	datasets[0].name = "ds";
	datasets[0].host_path = data;
	s->datasets = datasets;
	s->ndatasets = 1;
	s->limits.memory_bytes = 64 << 20;
	s->limits.max_processes = 32;
	s->limits.max_open_files = 64;
	s->limits.out_bytes = 1 << 20;
	s->limits.tmp_bytes = 1 << 20;
}

/* The job's /out, as the runner gets it: collected with the runner's own
 * collector into outd (into), or just released. */
static void take_out(struct sandbox_result *r, int into)
{
	struct collect_limits lim = { 1 << 24, 10000, 32, 255 };
	struct collect_report rep;
	struct buf err = BUF_INIT;
	int dst = into ? open(outd, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	memset(&rep, 0, sizeof(rep));
	buf_init(&rep.excluded_json, 1 << 20);
	if (r->out_fd >= 0 && dst >= 0 && collect_outputs(r->out_fd, dst, &lim, &rep, &err) < 0)
		tap_diag("collecting /out: %s", err.ptr);
	if (dst >= 0)
		close(dst);
	if (r->out_fd >= 0)
		close(r->out_fd);
	r->out_fd = -1;
	buf_release(&rep.excluded_json);
	buf_release(&err);
}

/* Processes of the job's host uid still alive anywhere on the host. */
static int leftovers(const char *id_of_job)
{
	unsigned id = policy_host_id(id_of_job);
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		struct buf st = BUF_INIT, path = BUF_INIT;
		const char *u;
		buf_addf(&path, "%s/status", e->d_name);
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
		    fs_read_file(dirfd(d), path.ptr, 65536, &st) == 0 &&
		    (u = strstr(st.ptr, "\nUid:")) && strtoul(u + 5, NULL, 10) == id) {
			tap_diag("left over: pid %s", e->d_name);
			n++;
		}
		buf_release(&st);
		buf_release(&path);
	}
	if (d)
		closedir(d);
	return n;
}

static void empty_out(void)
{
	int fd = open(base, O_RDONLY | O_DIRECTORY);
	fs_remove_tree(fd, "out");
	mkdir(outd, 0755);
	close(fd);
}

/* Run spec (argv replaced by sh -c script); kill at deadline_ms, or send
 * SIGTERM first when term_ms > 0. */
static void run_spec(struct sandbox_spec *s, const char *script, int deadline_ms,
		     int term_ms, struct run *x)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct sandbox_child c;
	int fd = open(base, O_RDONLY | O_DIRECTORY), logfd;
	double t0 = now();
	empty_out();
	memset(x, 0, sizeof(*x));
	buf_init(&x->log, 0);
	buf_init(&x->err, 0);
	buf_init(&x->r.applied, 0);
	unlinkat(fd, "log", 0);
	logfd = openat(fd, "log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	s->argv = argv;
	s->stdout_fd = s->stderr_fd = logfd;
	x->rc = sandbox_spawn(s, &c, &x->err);
	if (x->rc == 0) {
		struct pollfd p = { c.pidfd, POLLIN, 0 };
		if (term_ms > 0 && poll(&p, 1, term_ms) == 0) {
			sandbox_terminate(&c);
			deadline_ms -= term_ms;
		}
		if (poll(&p, 1, deadline_ms) == 0)
			sandbox_kill(&c);
		if (sandbox_reap(&c, &x->r, &x->err) < 0)
			tap_diag("reap: %s", x->err.ptr);
		take_out(&x->r, 1);
	} else {
		tap_diag("spawn: %s", x->err.ptr);
	}
	x->secs = now() - t0;
	close(logfd);
	fs_read_file(fd, "log", 1 << 20, &x->log);
	close(fd);
	ok(leftovers(s->job_id) == 0, "no process of the job uid survives");
}

static void run(const char *script, struct run *x)
{
	struct sandbox_spec s;
	default_spec(&s);
	run_spec(&s, script, 5000, 0, x);
}

static void run_release(struct run *x)
{
	buf_release(&x->log);
	buf_release(&x->err);
	buf_release(&x->r.applied);
}

/* Expect exit code want; show the log on failure. */
static void expect_exit(const char *script, int want, const char *name)
{
	struct run x;
	run(script, &x);
	if (!is_int(x.r.exited ? x.r.exit_code : 1000 + x.r.signal, want, "%s", name))
		tap_diag("log: %s", x.log.ptr);
	run_release(&x);
}

static void expect_log(const char *script, const char *want, const char *name)
{
	struct run x;
	run(script, &x);
	is_str(x.log.ptr, want, "%s", name);
	run_release(&x);
}

static void test_filesystem(void)
{
	expect_exit("cat /etc/shadow /etc/sudoers 2>/dev/null && exit 1; ls /root 2>/dev/null"
		    " && exit 2; exit 7", 7, "A1 no /etc/shadow, /etc/sudoers, /root");
	expect_exit("for f in /root/.ssh /home /run /var ~/.ssh ~/.netrc ~/.aws ~/.config; do"
		    " test -e $f && exit 1; done; test \"$HOME\" = /tmp || exit 2; exit 7",
		    7, "A2 no owner secrets; HOME is scratch");
	expect_log("ls /", "bin\ncode\ndata\ndev\netc\nlib\nlib32\nlib64\nout\nproc\nsbin\ntmp\nusr\n",
		   "A3 root holds only the planned entries");
	expect_log("env | sort; ls /proc/$$/fd",
		   "HOME=/tmp\nLANG=C\nPATH=/usr/bin:/bin\nPWD=/code\n0\n1\n2\n",
		   "A4 only the given environment, fds 0-2");
	expect_exit("touch /data/ds/new 2>/dev/null && exit 1; rm -f /data/ds/f.csv 2>/dev/null;"
		    " chmod 777 /data/ds/f.csv 2>/dev/null; true > /data/ds/f.csv 2>/dev/null;"
		    " test -s /data/ds/f.csv || exit 2; exit 7", 7, "A5 datasets are read-only");
	ok(file_is(data, "f.csv", "id,x\n1,2\n"), "A5 dataset unchanged on the host");
	expect_exit("echo x >> /code/run.sh 2>/dev/null && exit 1; rm /code/run.sh 2>/dev/null"
		    " && exit 2; exit 7", 7, "A6 code is read-only");
	expect_exit("for p in /x /usr/x /etc/x /code/x /out/../x /bin/x /dev/x; do"
		    " touch $p 2>/dev/null && exit 1; done; touch /out/ok /tmp/ok || exit 2; exit 7",
		    7, "A7 writes only under /out and /tmp");
}

static void test_setuid(void)
{
	struct run x;
	struct stat st;
	struct buf p = BUF_INIT;
	run("grep -E '^(NoNewPrivs|CapEff|CapPrm|CapBnd|Seccomp):' /proc/self/status; id -u;"
	    " cp /bin/sh /out/s; chmod 4755 /out/s; /out/s -c 'id -u'; su -c true 2>/dev/null;"
	    " echo su=$?", &x);
	is_str(x.log.ptr, "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
	       "CapBnd:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n1000\n1000\nsu=1\n",
	       "A9/B10 no caps, no_new_privs, seccomp, uid 1000, setuid gives nothing");
	buf_addf(&p, "%s/s", outd);
	ok(stat(p.ptr, &st) == 0 && !(st.st_mode & 07000) && st.st_uid == 0,
	   "A9 setuid bit stripped on the way out of the sandbox");
	buf_release(&p);
	run_release(&x);
	expect_log("mknod /tmp/sda b 8 0 2>/dev/null && echo mknod; ls /dev | tr '\\n' ' '",
		   "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero ",
		   "A10 no mknod; minimal /dev");
}

static void test_kernel(void)
{
	struct run x;
#if defined(__x86_64__)
	expect_log("python3 /code/probe.py ptrace keyctl bpf perf_event_open userfaultfd"
		   " io_uring_setup open_by_handle_at kexec_load init_module mount unshare"
		   " setns clone3 tiocsti",
		   "ptrace=1 keyctl=1 bpf=1 perf_event_open=1 userfaultfd=1 io_uring_setup=1"
		   " open_by_handle_at=1 kexec_load=1 init_module=1 mount=1 unshare=1 setns=1"
		   " clone3=38 tiocsti=1\n", "B3-B5/B9 denied by seccomp (EPERM; clone3 ENOSYS)");
	expect_log("python3 /code/probe.py af1 af2 af10 af16 af17 af40",
		   "af1=0 af2=97 af10=97 af16=97 af17=97 af40=97\n",
		   "B6/C1 only AF_UNIX sockets without network");
	run("python3 /code/probe.py int80 2>/dev/null; echo rc=$?", &x);
	ok(!strcmp(x.log.ptr, "rc=159\n") || !strcmp(x.log.ptr, "rc=139\n"),
	   "B8 i386 ABI: killed by SIGSYS (or SIGSEGV without IA32 emulation): %s", x.log.ptr);
	run_release(&x);
#else
	ok(1, "# SKIP B3-B9 probes are x86_64 only");
#endif
	expect_exit("unshare -Ur true 2>/dev/null && exit 1; mount -t tmpfs x /tmp 2>/dev/null"
		    " && exit 2; exit 7", 7, "B1/B2 no nested user namespace, no mount");
}

static int listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return s;
}

static void test_network(void)
{
	struct sandbox_spec s;
	struct buf script = BUF_INIT, want = BUF_INIT;
	struct run x;
	int port = 0, l = listener(&port), c;
	buf_addf(&script, "python3 /code/probe.py connect%d", port);
	buf_addf(&want, "connect%d=97\n", port);
	expect_log(script.ptr, want.ptr, "C3 host loopback unreachable without network");
	c = accept(l, NULL, NULL);
	ok(c < 0, "C3 harness saw no connection");
	if (c >= 0)
		close(c);
	expect_exit("t0=$(date +%s); python3 -c \"import socket; socket.getaddrinfo('example.com', 80)\""
		    " 2>/dev/null && exit 1; test $(( $(date +%s) - t0 )) -lt 5 || exit 2; exit 7",
		    7, "C2 DNS fails fast");
	expect_exit("for f in /run/docker.sock /run/dbus/system_bus_socket /run/user /var/run;"
		    " do test -e $f && exit 1; done; exit 7", 7, "C5 no host unix sockets");
	default_spec(&s);
	s.network = 1;
	buf_setf(&want, "connect%d=0\n", port);
	run_spec(&s, script.ptr, 5000, 0, &x);
	is_str(x.log.ptr, want.ptr, "network on: the host network is reachable (control)");
	ok(strstr(x.r.applied.ptr, "\"network\":true") != NULL, "network on is recorded");
	run_release(&x);
	close(l);
	buf_release(&script);
	buf_release(&want);
}

static void test_resources(void)
{
	struct sandbox_spec s;
	struct run x;
	struct stat st;
	struct buf p = BUF_INIT;
	expect_exit("(for i in $(seq 1 64); do sleep 3 & done) 2>/tmp/e; grep -qi fork /tmp/e"
		    " && exit 7; exit 1", 7, "D1 fork bomb stops at pids.max");
	expect_exit("python3 -c \"import threading,time,sys\nn=0\ntry:\n while n<200:\n"
		    "  threading.Thread(target=time.sleep,args=(3,),daemon=True).start(); n+=1\n"
		    "except RuntimeError: sys.exit(7 if n<40 else 2)\nsys.exit(1)\"",
		    7, "D2 threads count against pids.max");
	run("python3 -c 'b = bytearray(160 << 20)'; echo survived", &x);
	ok(x.r.oom_killed, "D3 memory hog: oom_killed");
	run_release(&x);
	run("exec python3 -c 'b = bytearray(160 << 20)'", &x);
	ok(!x.r.exited && x.r.signal == SIGKILL && x.r.oom_killed,
	   "D3 main process OOM: SIGKILL and oom_killed");
	ok(strstr(x.r.applied.ptr, "\"memory_bytes\":{\"limit\":67108864,\"via\":\"cgroup-v") != NULL,
	   "D3 memory limit recorded as a cgroup limit");
	run_release(&x);
	default_spec(&s);
	s.limits.cpu_seconds = 1;
	run_spec(&s, "while :; do :; done", 5000, 0, &x);
	ok(!x.r.exited && (x.r.signal == SIGXCPU || x.r.signal == SIGKILL) &&
	   x.r.cpu_seconds >= 0.8, "D5 cpu spin stopped at the CPU limit (%.2f s)", x.r.cpu_seconds);
	run_release(&x);
	default_spec(&s);
	run_spec(&s, "sleep 1000", 300, 0, &x);
	ok(!x.r.exited && x.r.signal == SIGKILL && x.secs < 3, "D6 sleeper killed at the deadline");
	run_release(&x);
	run_spec(&s, "trap '' TERM INT HUP; sleep 1000", 600, 200, &x);
	ok(!x.r.exited && x.r.signal == SIGKILL, "D7 TERM ignored: SIGKILL after grace");
	run_release(&x);
	run("cat /dev/zero > /out/big 2>/dev/null && exit 1; exit 7", &x);
	buf_addf(&p, "%s/big", outd);
	ok(x.r.exit_code == 7 && stat(p.ptr, &st) == 0 && st.st_size <= (1 << 20) &&
	   st.st_size > 0, "D8 /out is capped (ENOSPC) and its content is collected");
	run_release(&x);
	expect_exit("cat /dev/zero > /tmp/big 2>/dev/null && exit 1;"
		    " test $(stat -c %s /tmp/big) -le 1048576 || exit 2; exit 7", 7,
		    "D9 /tmp is capped");
	expect_exit("python3 -c \"import sys\nf=[]\ntry:\n while len(f)<1000: f.append(open('/dev/null'))\n"
		    "except OSError as e: sys.exit(7 if e.errno==24 and len(f)<64 else 2)\nsys.exit(1)\"",
		    7, "D14 fd flood stops at the open-files limit");
	expect_exit("for i in 1 2 3 4 5; do sh -c 'sleep 0.05 & exec sleep 0.2' & done; wait; exit 7",
		    7, "D15 zombies are reaped by the sandbox init");
	buf_release(&p);
}

static void test_lifetime(void)
{
	struct sandbox_spec s;
	struct run x;
	run("setsid sleep 1000 & (setsid sh -c 'sleep 1000 &' &); exit 0", &x);
	ok(x.r.exited && x.r.exit_code == 0 && x.secs < 3, "E1 job ends at once; orphans killed");
	run_release(&x);
	default_spec(&s);
	run_spec(&s, "setsid sh -c 'sleep 1000' & (sleep 1000 &); sh -c 'sleep 1000 & wait' & sleep 1000",
		 400, 0, &x);
	ok(!x.r.exited && x.r.signal == SIGKILL, "E3 tree in several sessions dies at timeout");
	run_release(&x);
	run_spec(&s, "sleep 1000; exit 0", 3000, 200, &x);
	ok(!x.r.exited && x.r.signal == SIGTERM, "E6 job is not PID 1: default SIGTERM works");
	run_release(&x);
	expect_exit("exit 3", 3, "E7 exit 3");
	expect_exit("kill -SEGV $$", 1000 + SIGSEGV, "E7 signal 11");
	run("kill -KILL $$", &x);
	ok(!x.r.exited && x.r.signal == SIGKILL && !x.r.oom_killed, "E7 signal 9, not OOM");
	run_release(&x);
}

static int helper_pipe[2], start_dumpable;
static pid_t helper_tid;

static void *helper_thread(void *arg)
{
	char c;
	(void)arg;
	__atomic_store_n(&helper_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	if (read(helper_pipe[0], &c, 1) < 0) { /* woken at the end */ }
	return NULL;
}

/* "Uid:" of one thread of ours, e.g. "0\t0\t0\t0". */
static void thread_uids(pid_t tid, struct buf *out)
{
	struct buf p = BUF_INIT, st = BUF_INIT;
	const char *u, *e;
	buf_addf(&p, "/proc/self/task/%ld/status", (long)tid);
	tap_read_path(p.ptr, &st);
	buf_reset(out);
	if ((u = strstr(st.ptr ? st.ptr : "", "\nUid:\t")) && (e = strchr(u + 6, '\n')))
		buf_add(out, u + 6, (size_t)(e - u - 6));
	buf_release(&p);
	buf_release(&st);
}

/* The child shares the runner's memory until it execs the init: nothing
 * of the runner may change (credentials of any thread, dumpability), and
 * PID 1 is the init program, undumpable. */
static void test_runner_unchanged(void)
{
	pthread_t t;
	struct buf before = BUF_INIT, after = BUF_INIT;
	if (!ok(pipe(helper_pipe) == 0 && pthread_create(&t, NULL, helper_thread, NULL) == 0,
		"a second runner thread"))
		return;
	while (!__atomic_load_n(&helper_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	thread_uids(helper_tid, &before);
	expect_log("head -c 8 /proc/1/cmdline; cat /proc/1/environ >/dev/null 2>&1 || echo ' undumpable'",
		   "scq-init undumpable\n", "PID 1 is the init program, undumpable");
	thread_uids(helper_tid, &after);
	is_str(after.ptr, before.ptr, "another runner thread keeps its uids (%s)", before.ptr);
	ok(geteuid() == 0 && getegid() == 0, "the spawning thread keeps its uids");
	is_int(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), start_dumpable,
	       "the runner keeps its dumpable flag");
	if (write(helper_pipe[1], "x", 1) < 0 || pthread_join(t, NULL) != 0)
		tap_diag("helper thread did not end");
	close(helper_pipe[0]);
	close(helper_pipe[1]);
	buf_release(&before);
	buf_release(&after);
}

struct job_ns {
	unsigned long net, ipc;
	int segments; /* SysV segments the job sees after making one */
};

static void job_namespaces(struct job_ns *ns)
{
	struct run x;
	run("echo $(readlink /proc/self/ns/net /proc/self/ns/ipc)"
	    " $(ipcmk -M 4096 >/dev/null && ipcs -m | grep -c '^0x')", &x);
	memset(ns, 0, sizeof(*ns));
	if (sscanf(x.log.ptr, "net:[%lu] ipc:[%lu] %d", &ns->net, &ns->ipc, &ns->segments) != 3)
		tap_diag("job printed: %s", x.log.ptr);
	run_release(&x);
}

static unsigned long own_ns(const char *path)
{
	char link[64] = "";
	unsigned long ino = 0;
	if (readlink(path, link, sizeof(link) - 1) < 0 ||
	    sscanf(strchr(link, '[') ? strchr(link, '[') + 1 : "", "%lu", &ino) != 1)
		tap_diag("cannot read %s", path);
	return ino;
}

/* Every job gets network and IPC namespaces of its own, from the pool or
 * from clone: never the runner's, never those of a job alive at the same
 * time (a namespace's number is reused once it is gone, so only live ones
 * can be compared), and a SysV segment of one job is not seen by another.
 * Job A lives through jobs B (pooled) and C (no pool). */
static void test_namespaces(void)
{
	struct job_ns a, b, c;
	struct sandbox_ns_pair pair;
	struct sandbox_spec s;
	struct sandbox_child ca;
	struct sandbox_result ra;
	struct buf err = BUF_INIT, log = BUF_INIT;
	char id_a[80], *alog = path_in(base, "log-a");
	const char *argv[] = { "/bin/sh", "-c", "echo $(readlink /proc/self/ns/net /proc/self/ns/ipc)"
		" $(ipcmk -M 4096 >/dev/null && ipcs -m | grep -c '^0x'); exec sleep 60", NULL };
	unsigned long net = own_ns("/proc/self/ns/net"), ipc = own_ns("/proc/self/ns/ipc");
	int fd = open(alog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), up;
	snprintf(id_a, sizeof(id_a), "%s-a", job_id);
	default_spec(&s);
	s.job_id = id_a;
	s.argv = argv;
	s.stdout_fd = s.stderr_fd = fd;
	up = sandbox_spawn(&s, &ca, &err) == 0;
	close(fd);
	for (fd = 0; up && fd < 500 && (tap_read_path(alog, &log), !strchr(log.ptr ? log.ptr : "", '\n')); fd++)
		usleep(10000); /* until A has printed */
	job_namespaces(&b);
	ok(sandbox_pool_take(&pair) == 0, "the namespace pool has a pair ready");
	sandbox_pool_release(&pair);
	sandbox_pool_disable();
	job_namespaces(&c);
	memset(&a, 0, sizeof(a));
	if (!up || sscanf(log.ptr ? log.ptr : "", "net:[%lu] ipc:[%lu] %d", &a.net, &a.ipc, &a.segments) != 3)
		tap_diag("job A: %s %s", err.ptr ? err.ptr : "", log.ptr ? log.ptr : "");
	if (up) {
		sandbox_kill(&ca);
		buf_init(&ra.applied, 0);
		sandbox_reap(&ca, &ra, &err);
		take_out(&ra, 0);
		buf_release(&ra.applied);
	}
	ok(a.net && a.ipc && a.net != net && a.ipc != ipc,
	   "job A: its own net and ipc namespaces (%lu %lu)", a.net, a.ipc);
	ok(b.net && b.net != a.net && b.ipc != a.ipc && b.net != net && b.ipc != ipc,
	   "job B (pooled), while A runs: others again (%lu %lu)", b.net, b.ipc);
	ok(c.net && c.net != a.net && c.ipc != a.ipc && c.net != net && c.ipc != ipc,
	   "job C (no pool), while A runs: others again (%lu %lu)", c.net, c.ipc);
	ok(a.segments == 1 && b.segments == 1 && c.segments == 1,
	   "each job sees only its own SysV segment, A's among them (%d %d %d)", a.segments,
	   b.segments, c.segments);
	ok(leftovers(id_a) == 0, "no process of job A survives");
	buf_release(&err);
	buf_release(&log);
	free(alog);
}

/* Spawn without waiting for the set-up, with argv and environment the
 * caller frees (and scribbles over) at once: the sandbox must own what
 * its child still reads.  Returns sandbox_reap's result. */
static int run_async(const char *prog, const char *env, struct run *x, int *setup)
{
	struct sandbox_spec s;
	struct sandbox_child c;
	char *argv0 = strdup(prog), *envv = strdup(env);
	char *argv[] = { argv0, (char *)"-c", (char *)"echo \"$MARK\" >/out/mark; echo $MARK", NULL };
	char *envs[] = { envv, (char *)"PATH=/usr/bin:/bin", NULL };
	char **heap_argv = malloc(sizeof(argv)), **heap_envp = malloc(sizeof(envs));
	int fd = open(base, O_RDONLY | O_DIRECTORY), logfd, rc = -1;
	struct pollfd p;
	default_spec(&s);
	empty_out();
	memset(x, 0, sizeof(*x));
	buf_init(&x->log, 0);
	buf_init(&x->err, 0);
	buf_init(&x->r.applied, 0);
	memcpy(heap_argv, argv, sizeof(argv));
	memcpy(heap_envp, envs, sizeof(envs));
	unlinkat(fd, "log", 0);
	logfd = openat(fd, "log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	s.argv = (const char *const *)heap_argv;
	s.envp = (const char *const *)heap_envp;
	s.stdout_fd = s.stderr_fd = logfd;
	x->rc = sandbox_spawn_async(&s, &c, &x->err);
	close(logfd); /* the caller's copies go at once, like the runner's */
	memset(argv0, 'X', strlen(argv0));
	memset(envv, 'Y', strlen(envv));
	free(argv0);
	free(envv);
	free(heap_argv);
	free(heap_envp);
	*setup = 0;
	if (x->rc == 0) {
		p.fd = c.setup_fd;
		p.events = POLLIN;
		while (*setup == 0 && c.setup_fd >= 0 && poll(&p, 1, 5000) > 0)
			*setup = sandbox_setup_done(&c, &x->err);
		p.fd = c.pidfd;
		if (poll(&p, 1, 5000) == 0)
			sandbox_kill(&c);
		rc = sandbox_reap(&c, &x->r, &x->err);
		take_out(&x->r, 1);
	}
	fs_read_file(fd, "log", 1 << 20, &x->log);
	close(fd);
	return rc;
}

static void test_async(void)
{
	struct run x;
	int setup, rc;
	rc = run_async("/bin/sh", "MARK=async-ok", &x, &setup);
	ok(x.rc == 0 && setup == 1 && rc == 0, "async spawn: set-up answered 1, reap ok (%s)",
	   x.err.ptr);
	is_str(x.log.ptr, "async-ok\n", "the job got the argv and environment given, "
	       "though the caller freed them at once");
	ok(file_is(outd, "mark", "async-ok\n"), "its /out arrived");
	run_release(&x);
	rc = run_async("/usr/bin/does-not-exist", "MARK=x", &x, &setup);
	ok(x.rc == 0 && setup == -1 && strstr(x.err.ptr, "cannot start"),
	   "async spawn of a missing program: set-up answered -1 (%s)", x.err.ptr);
	ok(rc < 0 && strstr(x.err.ptr, "cannot start") && !x.r.exited && !x.r.applied.len,
	   "its reap fails with the reason, no exit status, no limits claimed");
	run_release(&x);
	ok(leftovers(job_id) == 0, "no process of the job uid survives");
}

/* A process forked from a runner whose pool is warm starts with an empty
 * pool (never the parent's pairs) and can run jobs at once. */
static void test_fork(void)
{
	struct sandbox_ns_pair pair;
	int st = -1;
	pid_t pid;
	if (sandbox_pool_take(&pair) == 0) /* warm the pool in this process */
		sandbox_pool_release(&pair);
	usleep(20000);
	fflush(stdout);
	pid = fork();
	if (pid == 0) { /* no TAP output here: the parent reports */
		struct sandbox_ns_pair mine;
		struct sandbox_spec s;
		struct sandbox_child c;
		struct sandbox_result r;
		struct buf err = BUF_INIT;
		const char *argv[] = { "/bin/true", NULL };
		int empty = sandbox_pool_take(&mine) < 0, good = 0;
		if (!empty)
			sandbox_pool_release(&mine);
		default_spec(&s);
		s.argv = argv;
		s.stdout_fd = s.stderr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		buf_init(&r.applied, 0);
		if (sandbox_spawn(&s, &c, &err) == 0) {
			struct pollfd p = { c.pidfd, POLLIN, 0 };
			if (poll(&p, 1, 5000) == 0)
				sandbox_kill(&c);
			good = sandbox_reap(&c, &r, &err) == 0 && r.exited && r.exit_code == 0;
			take_out(&r, 0);
		}
		_exit(empty && good ? 0 : empty ? 2 : 3);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "a forked runner starts with an empty pool and runs a job (status %d)", st);
}

/* Descriptors of this process onto a mount or PID namespace. */
static int ns_fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		char link[64];
		ssize_t k = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (k > 0) {
			link[k] = '\0';
			n += !strncmp(link, "mnt:[", 5) || !strncmp(link, "pid:[", 5);
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* While the job runs, its sandbox init is in the job's own cgroup (the
 * child joined it before the job started); the runner holds the job's
 * mount and PID namespaces so their teardown is not on the job's way
 * out, and lets go of them once the job is reaped. */
static void test_cgroup_and_teardown(void)
{
	struct sandbox_spec s;
	struct sandbox_child c;
	struct sandbox_result r;
	struct buf err = BUF_INIT, cg = BUF_INIT, path = BUF_INIT;
	const char *argv[] = { "/bin/sleep", "30", NULL };
	int held = -1, left = -1, i;
	default_spec(&s);
	s.argv = argv;
	s.stdout_fd = s.stderr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	buf_init(&r.applied, 0);
	if (!ok(sandbox_spawn(&s, &c, &err) == 0, "sleeper starts (%s)", err.ptr)) {
		close(s.stdout_fd);
		return;
	}
	close(s.stdout_fd);
	buf_addf(&path, "/proc/%ld/cgroup", (long)c.pid);
	tap_read_path(path.ptr, &cg);
	if (!ok(strstr(cg.ptr, "/scq-t-sandbox-") != NULL, "the job's init is in the job's cgroup"))
		tap_diag("%s", cg.ptr);
	held = ns_fds_open();
	sandbox_kill(&c);
	sandbox_reap(&c, &r, &err);
	take_out(&r, 0);
	for (i = 0; i < 200 && (left = ns_fds_open()) > 0; i++)
		usleep(10000);
	ok(held == 2, "the runner held the job's mount and PID namespaces while it ran (%d)", held);
	ok(left == 0, "and let go of them after the reap (%d left)", left);
	buf_release(&r.applied);
	buf_release(&err);
	buf_release(&cg);
	buf_release(&path);
}

/* The child shares the spawning thread's memory, errno included, while
 * sandbox_spawn_async's caller goes on working: neither may see the
 * other's errno.  The caller hammers failing calls during each set-up
 * (read(-1) must say EBADF every time) and every set-up must succeed. */
static void test_errno_isolation(void)
{
	int i, bad = 0, failed = 0, ran = 0;
	for (i = 0; i < 20; i++) {
		struct sandbox_spec s;
		struct sandbox_child c;
		struct sandbox_result r;
		struct buf err = BUF_INIT;
		const char *argv[] = { "/bin/true", NULL };
		int setup = 0, k;
		default_spec(&s);
		s.argv = argv;
		s.stdout_fd = s.stderr_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		buf_init(&r.applied, 0);
		if (sandbox_spawn_async(&s, &c, &err) < 0) {
			failed++;
			tap_diag("spawn: %s", err.ptr);
			close(s.stdout_fd);
			continue;
		}
		close(s.stdout_fd);
		while (setup == 0) {
			struct pollfd p = { c.setup_fd, POLLIN, 0 };
			char ch;
			for (k = 0; k < 200; k++) {
				errno = 0;
				if (read(-1, &ch, 1) < 0 && errno != EBADF)
					bad++;
			}
			if (poll(&p, 1, 0) > 0 || c.setup_fd < 0)
				setup = sandbox_setup_done(&c, &err);
		}
		if (setup < 0)
			tap_diag("set-up: %s", err.ptr);
		{
			struct pollfd p = { c.pidfd, POLLIN, 0 };
			if (poll(&p, 1, 5000) == 0)
				sandbox_kill(&c);
		}
		if (sandbox_reap(&c, &r, &err) == 0 && setup > 0 && r.exited && !r.exit_code)
			ran++;
		else
			failed++;
		take_out(&r, 0);
		buf_release(&r.applied);
		buf_release(&err);
	}
	ok(bad == 0, "the caller's errno never changed under it (%d times)", bad);
	ok(ran == 20 && !failed, "every set-up succeeded while the caller worked (%d of 20)", ran);
}

static void test_errors(void)
{
	struct sandbox_spec s;
	struct sandbox_child c;
	struct buf err = BUF_INIT;
	const char *argv[] = { "/usr/bin/does-not-exist", NULL };
	int rc;
	default_spec(&s);
	s.argv = argv;
	s.stdout_fd = s.stderr_fd = 2;
	rc = sandbox_spawn(&s, &c, &err);
	ok(rc < 0 && strstr(err.ptr, "cannot start"), "exec failure is reported by spawn: %s",
	   err.ptr);
	s.code_dir = "/nonexistent/code";
	buf_reset(&err);
	rc = sandbox_spawn(&s, &c, &err);
	ok(rc < 0 && err.len, "bad code dir refused: %s", err.ptr);
	buf_release(&err);
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	struct buf p = BUF_INIT;
	int fd;
	buf_addf(&p, "%s/%s", dir, name);
	fd = open(p.ptr, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		tap_diag("cannot write %s", p.ptr);
	if (fd >= 0)
		close(fd);
	buf_release(&p);
}

static char *path_in(const char *dir, const char *name)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s", dir, name);
	return buf_detach(&p, NULL);
}

static void setup(void)
{
	struct buf p = BUF_INIT;
	base = tap_tempdir();
	chmod(base, 0700); /* the job never walks host paths */
	code = path_in(base, "code");
	data = path_in(base, "data");
	outd = path_in(base, "out");
	mkdir(code, 0755);
	mkdir(data, 0755);
	mkdir(outd, 0755);
	write_file(code, "run.sh", "#!/bin/sh\necho hi\n", 0755);
	write_file(data, "f.csv", "id,x\n1,2\n", 0644);
	tap_read_path("tests/sandbox/probe.py", &p);
	if (!p.len)
		tap_diag("tests/sandbox/probe.py not found: run from the source tree");
	write_file(code, "probe.py", p.ptr, 0644);
	buf_release(&p);
}

/* The machine must be able to sandbox; never a silent skip. */
static int can_sandbox(void)
{
	struct buf j = BUF_INIT;
	const char *must = getenv("SCQ_SANDBOX_MUST_WORK");
	int can;
	sandbox_doctor(&j);
	can = strstr(j.ptr, "\"isolation_full\":true") != NULL && geteuid() == 0;
	if (!can)
		tap_diag("THIS MACHINE CANNOT SANDBOX (SCQ_SANDBOX_MUST_WORK=%s): %s",
			 must ? must : "unset", j.ptr);
	ok(can, "machine supports isolation full (doctor: isolation_full, runner is root)");
	buf_release(&j);
	return can;
}

int main(void)
{
	snprintf(job_id, sizeof(job_id), "t-sandbox-%ld", (long)getpid());
	start_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (!can_sandbox())
		return done_testing();
	setup();
	test_errors();
	test_runner_unchanged();
	test_async();
	test_cgroup_and_teardown();
	test_fork();
	test_errno_isolation();
	test_filesystem();
	test_setuid();
	test_kernel();
	test_network();
	test_resources();
	test_lifetime();
	test_namespaces(); /* last: it turns the namespace pool off */
	tap_rmtree(base);
	free(base);
	free(code);
	free(data);
	free(outd);
	return done_testing();
}
