/*
 * timeit.c - run a command N times (fork, exec, wait) and print the median
 * and 90th percentile wall time in ms.  Used by bench/run.sh so that the
 * timer itself costs nothing measurable (no `date` processes).
 *   timeit N CMD [ARGS...]      stdout/stderr of CMD go to /dev/null
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, i, st, bad = 0;
	double *t;
	if (n <= 0) {
		fprintf(stderr, "usage: timeit N CMD [ARGS...]\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	for (i = 0; i < n; i++) {
		struct timespec a, b;
		pid_t pid;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.2f %.2f %d\n", t[n / 2], t[(n * 9) / 10], bad);
	return 0;
}
