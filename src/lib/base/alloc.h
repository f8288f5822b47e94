/*
 * alloc.h - the one allocation policy of libscq.
 *
 * Every allocation in the library and its programs goes through these
 * wrappers.  They never return NULL: on exhaustion they call the OOM hook
 * (scq_set_oom_handler in scq.h), which by default prints one line and
 * aborts.  Callers therefore never check for NULL.
 *
 * Exports (alloc.c): xmalloc, xcalloc, xrealloc, xstrdup, xstrndup, xmul,
 * xqsort.
 */
#ifndef SCQ_ALLOC_H
#define SCQ_ALLOC_H

#include "base/compat.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Overflow-checked nmemb * size, aborting through the OOM hook on overflow. */
size_t xmul(size_t nmemb, size_t size);
/* qsort for our arrays, which are NULL while empty: qsort(NULL, 0, ...) is
 * undefined behaviour (UBSan stops on it), so n < 2 sorts nothing.  Plain
 * qsort is banned (banned.h). */
void xqsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
