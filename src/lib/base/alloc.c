/*
 * alloc.c - allocation wrappers that either succeed or do not return.
 *
 * Guarantees: no wrapper returns NULL; every failure (including a size
 * overflow) goes through one hook, replaceable by the embedding program.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "scq.h"
#include "base/banned.h"

static void default_oom(size_t n)
{
	fprintf(stderr, "scq: out of memory allocating %zu bytes\n", n);
	abort();
}

static scq_oom_handler *oom_hook = default_oom;

void scq_set_oom_handler(scq_oom_handler *fn)
{
	oom_hook = fn ? fn : default_oom;
}

static SCQ_NORETURN void oom(size_t n)
{
	oom_hook(n);
	abort(); /* the hook must not return; make sure of it */
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(xmul(nmemb, size));
	return p;
}

void xqsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		(qsort)(base, n, size, cmp); /* the parentheses get past banned.h */
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t xmul(size_t nmemb, size_t size)
{
	size_t r;
	if (__builtin_mul_overflow(nmemb, size, &r))
		oom(SIZE_MAX);
	return r;
}
