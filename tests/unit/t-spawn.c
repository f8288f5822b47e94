/*
 * t-spawn.c - base/spawn.c: a program run beside us with a deadline (the
 * notification hook).  Its stdin holds the bytes given, its exit status is
 * reported, a missing program fails at the start, one past its deadline
 * is killed with its whole process group, and one that never reads its
 * stdin does not block us.
 */
#include "base/compat.h"
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "base/buf.h"
#include "base/fs.h"
#include "base/spawn.h"
#include "tap.h"

struct seen {
	int n, status, late;
	char label[64];
};

static void record(void *ctx, const char *label, int st, int late)
{
	struct seen *s = ctx;
	s->n++;
	s->status = st;
	s->late = late;
	snprintf(s->label, sizeof(s->label), "%s", label);
}

static char *script(const char *dir, const char *name, const char *body)
{
	struct buf p = BUF_INIT;
	FILE *f;
	buf_addf(&p, "%s/%s", dir, name);
	f = fopen(p.ptr, "w");
	if (!f || fprintf(f, "#!/bin/sh\n%s\n", body) < 0 || fclose(f) != 0)
		tap_diag("cannot write %s", p.ptr);
	chmod(p.ptr, 0755);
	return buf_detach(&p, NULL);
}

int main(void)
{
	char *d = tap_tempdir(), *copy, *fail, *hang, *deaf;
	struct spawn_set s = SPAWN_SET_INIT;
	struct seen seen = { 0 };
	struct buf got = BUF_INIT, p = BUF_INIT, pids = BUF_INIT;
	static char big[1 << 20];
	struct stat st;
	buf_addf(&p, "%s/got", d);
	copy = script(d, "copy", "cat > \"$(dirname \"$0\")/got\"");
	fail = script(d, "fail", "exit 3");
	hang = script(d, "hang", "sleep 300 & echo $! > \"$(dirname \"$0\")/pids\"; sleep 300");
	deaf = script(d, "deaf", "exit 0");

	ok(spawn_start(&s, copy, "{\"a\":1}\n", 8, 10, "one copy") == 0, "a program starts");
	is_int((long long)spawn_reap(&s, 0, record, &seen), 0, "waited for: none left");
	ok(seen.n == 1 && WIFEXITED(seen.status) && WEXITSTATUS(seen.status) == 0 && !seen.late,
	   "its exit status 0 is reported");
	is_str(seen.label, "one copy", "with the caller's label");
	tap_read_path(p.ptr, &got);
	is_str(got.ptr, "{\"a\":1}\n", "its stdin held exactly the bytes given");

	{ /* an fd of ours without O_CLOEXEC stays ours */
		char *fds = script(d, "fds", "exec ls /proc/self/fd > \"$(dirname \"$0\")/got\"");
		int leak = open(d, O_RDONLY | O_DIRECTORY);
		struct buf want = BUF_INIT;
		memset(&seen, 0, sizeof(seen));
		ok(spawn_start(&s, fds, "", 0, 10, "fds") == 0 && spawn_reap(&s, 0, record, &seen) == 0,
		   "a program that lists its fds");
		buf_reset(&got);
		tap_read_path(p.ptr, &got);
		buf_addf(&want, "0\n1\n2\n3\n"); /* 3: the folder ls reads */
		is_str(got.ptr, want.ptr, "it has stdin, stdout, stderr, and not our fd %d", leak);
		if (leak >= 0)
			close(leak);
		buf_release(&want);
		free(fds);
	}
	memset(&seen, 0, sizeof(seen));
	ok(spawn_start(&s, fail, "x", 1, 10, "f") == 0 && spawn_reap(&s, 0, record, &seen) == 0 &&
	   seen.n == 1 && WIFEXITED(seen.status) && WEXITSTATUS(seen.status) == 3,
	   "a program that fails: its status 3 is reported");

	errno = 0;
	ok(spawn_start(&s, "/nonexistent/hook", "x", 1, 10, "m") < 0 && errno == ENOENT &&
	   s.n == 0, "a missing program fails at the start (ENOENT), nothing runs");
	chmod(deaf, 0644);
	errno = 0;
	ok(spawn_start(&s, deaf, "x", 1, 10, "n") < 0 && errno == EACCES,
	   "a program that is not executable fails at the start (EACCES)");
	chmod(deaf, 0755);

	memset(big, 'x', sizeof(big));
	memset(&seen, 0, sizeof(seen));
	ok(spawn_start(&s, deaf, big, sizeof(big), 10, "deaf") == 0,
	   "a program that never reads 1 MiB of stdin: started at once (no pipe to fill)");
	ok(spawn_reap(&s, 0, record, &seen) == 0 && seen.n == 1 && WIFEXITED(seen.status),
	   "and reaped, with no SIGPIPE here");

	memset(&seen, 0, sizeof(seen));
	buf_setf(&p, "%s/pids", d);
	ok(spawn_start(&s, hang, "x", 1, 2, "h") == 0, "a program that hangs");
	for (int i = 0; i < 250 && (stat(p.ptr, &st) < 0 || st.st_size == 0); i++)
		usleep(20000); /* until its child runs (a loaded machine: slowly) */
	is_int((long long)spawn_reap(&s, SPAWN_NOWAIT, record, &seen), 1, "a look without waiting: it runs");
	is_int((long long)spawn_reap(&s, 0, record, &seen), 0, "waited for: killed at its deadline");
	ok(seen.n == 1 && seen.late && WIFSIGNALED(seen.status) && WTERMSIG(seen.status) == SIGKILL,
	   "reported as late, killed by SIGKILL");
	tap_read_path(p.ptr, &pids);
	{
		pid_t child = (pid_t)atoi(pids.ptr);
		int i, gone = 0;
		/* the orphan is reaped by init a moment after the kill */
		for (i = 0; i < 100 && !gone; i++) {
			gone = child > 0 && kill(child, 0) < 0;
			if (!gone)
				usleep(100000);
		}
		ok(gone, "the child it left in its process group was killed too");
	}

	ok(spawn_start(&s, hang, "x", 1, 60, "r") == 0, "another that hangs");
	spawn_set_release(&s);
	ok(s.n == 0 && s.v == NULL, "released: killed and reaped, nothing left");

	free(copy);
	free(fail);
	free(hang);
	free(deaf);
	buf_release(&got);
	buf_release(&p);
	buf_release(&pids);
	tap_rmtree(d);
	free(d);
	return done_testing();
}
