/*
 * clockstep.c - an LD_PRELOAD shim that steps the wall clock, for tests of
 * "durations and deadlines never follow the wall clock" (doc/protocol.md §7).
 *
 *   CLOCKSTEP_OFFSET  seconds to add to CLOCK_REALTIME (may be negative)
 *   CLOCKSTEP_FILE    the step happens when this file exists (latched: once
 *                     seen, the offset stays), so a test steps the clock of a
 *                     running process at the moment it chooses
 *
 * Only the wall clock moves: CLOCK_REALTIME (and its _COARSE form) through
 * clock_gettime, gettimeofday and time.  CLOCK_MONOTONIC and CLOCK_BOOTTIME
 * are left alone, as when an owner's clock is stepped by NTP or by hand.
 * The scq command links glibc dynamically and glibc's vDSO fast path sits
 * behind these symbols, so a preload intercepts every reading.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int clock_fn(clockid_t, struct timespec *);

static volatile int stepped;

static long long offset(void)
{
	const char *f = getenv("CLOCKSTEP_FILE"), *o = getenv("CLOCKSTEP_OFFSET");
	if (!o || !f)
		return 0;
	if (!stepped && access(f, F_OK) == 0)
		stepped = 1; /* latched: a clock steps once, it does not flicker */
	return stepped ? strtoll(o, NULL, 10) : 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static clock_fn *real;
	int r;
	if (!real) /* (ISO C has no cast from object to function pointer) */
		*(void **)&real = dlsym(RTLD_NEXT, "clock_gettime");
	r = real(id, ts);
	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += (time_t)offset();
	return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;
	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec; /* (glibc declares tv nonnull) */
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t time(time_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
