/*
 * readfloor.c - the floor for `scq pending --json`: open and read the
 * job.json of every job folder given on stdin, in a plain C loop.
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char path[4096], buf[65536];
	long total = 0, files = 0;
	while (fgets(path, sizeof(path), stdin)) {
		int fd;
		ssize_t n;
		path[strcspn(path, "\n")] = '\0';
		strncat(path, "/job.json", sizeof(path) - strlen(path) - 1);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += n;
		close(fd);
		files++;
	}
	printf("%ld files %ld bytes\n", files, total);
	return 0;
}
