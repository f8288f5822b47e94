/*
 * sandbox-trace.c - timestamps of the spawn/reap path, for the benchmark.
 *
 * Off unless a program calls sandbox_trace_enable() (bench/sandbox-bench.c
 * does, under SCQ_SANDBOX_TRACE=1).  The events live in a MAP_SHARED page
 * so that the cloned sandbox child and its init record into the same
 * array as the runner.  Recording is async-signal-safe (clock_gettime is
 * a vDSO call, the slot index an atomic add) and prints nothing: the
 * program reads the events back with sandbox_trace_take().
 */
#include "base/compat.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include "sandbox/sandbox-int.h"
#include "base/banned.h"

#define TRACE_MAX 256

struct trace_page {
	unsigned n;
	struct sandbox_trace_ev ev[TRACE_MAX];
};

static struct trace_page *page;

int sandbox_trace_enable(void)
{
	void *p;
	if (page)
		return 0;
	p = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return -1;
	page = p;
	return 0;
}

void sandbox_trace2(const char *what, const char *detail)
{
	struct timespec t, c;
	struct rusage ru;
	unsigned i;
	size_t k = 0;
	if (!page)
		return;
	getrusage(RUSAGE_THREAD, &ru);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
	clock_gettime(CLOCK_MONOTONIC, &t);
	i = __atomic_fetch_add(&page->n, 1, __ATOMIC_RELAXED);
	if (i >= TRACE_MAX)
		return;
	for (; what && *what && k + 1 < sizeof(page->ev[i].what); what++)
		page->ev[i].what[k++] = *what;
	for (; detail && *detail && k + 1 < sizeof(page->ev[i].what); detail++)
		page->ev[i].what[k++] = *detail;
	page->ev[i].what[k] = '\0';
	page->ev[i].pid = getpid();
	page->ev[i].ms = (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
	page->ev[i].cpu_ms = (double)c.tv_sec * 1e3 + (double)c.tv_nsec / 1e6;
	page->ev[i].faults = ru.ru_minflt + ru.ru_majflt;
}

void sandbox_trace(const char *what)
{
	sandbox_trace2(what, NULL);
}

size_t sandbox_trace_take(struct sandbox_trace_ev *ev, size_t max)
{
	size_t n;
	if (!page)
		return 0;
	n = __atomic_exchange_n(&page->n, 0, __ATOMIC_ACQ_REL);
	if (n > TRACE_MAX)
		n = TRACE_MAX;
	if (n > max)
		n = max;
	memcpy(ev, page->ev, n * sizeof(*ev));
	return n;
}
