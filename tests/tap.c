/*
 * tap.c - implementation of the TAP harness in tap.h.
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/buf.h"
#include "scq.h"
#include "tap.h"

static int tap_count, tap_failed;

static int report(int cond, const char *file, int line, const char *fmt, va_list ap)
{
	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(cond, file, line, fmt, ap);
	va_end(ap);
	return cond;
}

int tap_is_int(long long got, long long want, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;
	int c = got == want;
	va_start(ap, fmt);
	report(c, file, line, fmt, ap);
	va_end(ap);
	if (!c)
		printf("#   got %lld, want %lld\n", got, want);
	return c;
}

int tap_is_str(const char *got, const char *want, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;
	int c = got && want ? !strcmp(got, want) : got == want;
	va_start(ap, fmt);
	report(c, file, line, fmt, ap);
	va_end(ap);
	if (!c)
		printf("#   got '%s'\n#  want '%s'\n", got ? got : "(null)",
		       want ? want : "(null)");
	return c;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed > 254 ? 254 : tap_failed;
}

char *tap_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p = NULL;
	if (asprintf(&p, "%s/scq-unit-XXXXXX", base ? base : "/tmp") < 0 || !mkdtemp(p)) {
		perror("tap_tempdir");
		exit(255);
	}
	return p;
}

struct scq *tap_open_as(const char *email, const char *dir)
{
	struct scq_open_options o = { email, dir, NULL };
	scq *h = NULL;
	if (scq_open(&h, &o) != 0 || scq_init_datasite(h) != 0)
		tap_diag("cannot open %s in %s: %s", email, dir, h ? scq_errmsg(h) : "?");
	return h;
}

void tap_rmtree(const char *path)
{
	char *cmd = NULL;
	if (asprintf(&cmd, "rm -rf '%s'", path) >= 0 && system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", path);
	free(cmd);
}

void tap_read_path(const char *path, struct buf *out)
{
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	buf_reset(out);
	while (fd >= 0 && (n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(out, chunk, (size_t)n);
	if (fd >= 0)
		close(fd);
}
