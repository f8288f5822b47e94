/*
 * linediff.h - a unified line diff of two buffers (Myers' O(ND) greedy
 * algorithm over lines, after trimming the common head and tail).
 *
 * Exports (linediff.c): linediff.
 *
 * Bounded: at most LINEDIFF_MAX_LINES lines a side and max_edits changed
 * lines in all (the algorithm's trace is (D+1)^2 ints), else nothing is
 * emitted and LINEDIFF_TOO_BIG is returned, for the caller to say so.
 * Bytes are compared as they are; the caller escapes what it shows.
 * Debian has no diff library we can link into the static scq command
 * (libgit2's archive needs krb5, libssh2 and mbedtls; there is no
 * libxdiff), hence this one.
 */
#ifndef SCQ_LINEDIFF_H
#define SCQ_LINEDIFF_H

#include "base/compat.h"

#define LINEDIFF_MAX_LINES 200000
enum { LINEDIFF_OK = 0, LINEDIFF_TOO_BIG = 1 };

/* One line of the unified output: kind ' ' (context), '-', '+' with the
 * line's bytes (no newline); '@' with a hunk header ("@@ -1,3 +1,4 @@");
 * '\\' after a line that had no final newline.  Nonzero stops the diff
 * (returned as it is). */
typedef int linediff_fn(void *arg, char kind, const char *s, size_t len);

int linediff(const char *a, size_t alen, const char *b, size_t blen, unsigned context,
	     size_t max_edits, linediff_fn *fn, void *arg);

#endif
