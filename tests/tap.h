/*
 * tap.h - a small TAP producer for the C unit tests, run under prove.
 *
 * ok/is_int/is_str print one "ok N - name" line each and a diagnostic with
 * file:line on failure.  done_testing() prints the plan and returns the
 * exit status (the number of failures, capped at 254).
 */
#ifndef SCQ_TAP_H
#define SCQ_TAP_H

#include <stddef.h>

int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int tap_is_int(long long got, long long want, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int tap_is_str(const char *got, const char *want, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int done_testing(void);
/* A fresh empty directory under $TMPDIR (caller frees the string). */
char *tap_tempdir(void);
/* rm -rf of a test directory. */
void tap_rmtree(const char *path);
struct scq;
/* A handle as email in the data folder dir, its datasite made (scq_init_datasite);
 * a failure is a diagnostic, and the handle (or NULL) is returned all the same. */
struct scq *tap_open_as(const char *email, const char *dir);
struct buf;
/* The whole of a file into out (emptied first; stays empty if the file
 * cannot be read).  Works on /proc files, whose size reads as 0. */
void tap_read_path(const char *path, struct buf *out);

#define ok(c, ...) tap_ok(!!(c), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...) tap_is_int((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...) tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)

#endif
