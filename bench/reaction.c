/*
 * reaction.c - how soon a watcher reacts to a folder appearing (bench/run.sh).
 *
 *   reaction FROM TO -- CMD...         run CMD; time from the first entry
 *                                      that appears in FROM to the same
 *                                      name appearing in TO
 *   reaction --relay FROM TO -- CMD... the same, with a bare inotify relay
 *                                      (FROM/x -> TO/x by rename) started
 *                                      first: the floor of any watcher
 *
 * Prints "<from->to ms> <CMD returned->to ms>" (the second may be negative:
 * the watcher can react before CMD has finished its own book-keeping).
 * The appearances are seen through inotify by this process, so its own
 * delay is the same for both ends and cancels out.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The relay: the least a watcher can do, inotify wake + one rename. */
static void relay(const char *from, const char *to, int ready)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd = inotify_init1(0);
	if (fd < 0 || inotify_add_watch(fd, from, IN_MOVED_TO | IN_CREATE) < 0)
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf)), off;
		for (off = 0; n > 0 && off < n;) {
			struct inotify_event *ev = (struct inotify_event *)(buf + off);
			char a[PATH_MAX], b[PATH_MAX];
			if (ev->len) {
				snprintf(a, sizeof(a), "%s/%s", from, ev->name);
				snprintf(b, sizeof(b), "%s/%s", to, ev->name);
				rename(a, b);
			}
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
}

int main(int argc, char **argv)
{
	char buf[65536] __attribute__((aligned(8)));
	char name[NAME_MAX + 1] = "";
	int fd, wa, wb, pidfd, i = 1, is_relay = 0, status;
	double ta = -1, tb = -1, tret = -1;
	pid_t rpid = -1, pid;
	if (argc > 1 && !strcmp(argv[1], "--relay"))
		is_relay = 1, i++;
	if (argc < i + 4 || strcmp(argv[i + 2], "--")) {
		fprintf(stderr, "usage: reaction [--relay] FROM TO -- CMD...\n");
		return 2;
	}
	fd = inotify_init1(IN_NONBLOCK);
	wa = inotify_add_watch(fd, argv[i], IN_MOVED_TO | IN_CREATE);
	wb = inotify_add_watch(fd, argv[i + 1], IN_MOVED_TO | IN_CREATE);
	if (fd < 0 || wa < 0 || wb < 0) {
		perror("inotify");
		return 1;
	}
	if (is_relay) {
		int p[2];
		char c;
		if (pipe(p) < 0)
			return 1;
		rpid = fork();
		if (rpid == 0)
			relay(argv[i], argv[i + 1], p[1]);
		if (read(p[0], &c, 1) != 1)
			return 1;
	}
	pid = fork();
	if (pid == 0) { /* its output is not ours to print */
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[i + 3], argv + i + 3);
		_exit(127);
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	while (tb < 0 || tret < 0) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		if (poll(p, tret < 0 ? 2 : 1, 30000) == 0) {
			fprintf(stderr, "reaction: nothing after 30 s\n");
			break;
		}
		if (p[1].revents && tret < 0) {
			tret = now();
			waitpid(pid, &status, 0);
		}
		ssize_t n = read(fd, buf, sizeof(buf)), off;
		double t = now();
		for (off = 0; n > 0 && off < n;) {
			struct inotify_event *ev = (struct inotify_event *)(buf + off);
			if (ev->len && ev->name[0] != '.') {
				if (ev->wd == wa && !name[0]) {
					snprintf(name, sizeof(name), "%s", ev->name);
					ta = t;
				} else if (ev->wd == wb && name[0] && !strcmp(ev->name, name) && tb < 0)
					tb = t;
			}
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
	if (rpid > 0)
		kill(rpid, SIGKILL);
	if (tb < 0 || ta < 0 || tret < 0)
		return 1;
	printf("%.3f %.3f\n", (tb - ta) * 1e3, (tb - tret) * 1e3);
	return 0;
}
