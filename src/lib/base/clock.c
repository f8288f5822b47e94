/*
 * clock.c - wall clock for records, CLOCK_BOOTTIME for durations (clock.h).
 */
#include "base/compat.h"
#include <math.h>
#include <sys/time.h>
#include "base/clock.h"
#include "base/banned.h"

double time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double time_mono(void)
{
	struct timespec ts;
	/* BOOTTIME: monotonic, and a job's time limit counts a suspend too */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void time_format_iso(double t, char out[ISO_LEN])
{
	time_t sec = (time_t)floor(t);
	long usec = (long)((t - (double)sec) * 1e6);
	struct tm tm;
	gmtime_r(&sec, &tm);
	snprintf(out, ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, usec > 999999 ? 999999 : usec);
}

void time_now_iso(char out[ISO_LEN])
{
	time_format_iso(time_now(), out);
}

/* Accepts YYYY-MM-DDTHH:MM:SS[.frac][Z|+00:00]; UTC only. */
int time_parse_iso(const char *s, double *t)
{
	struct tm tm;
	const char *p;
	double frac = 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p && strcmp(p, "Z") && strcmp(p, "+00:00"))
		return -1;
	*t = (double)timegm(&tm) + frac;
	return 0;
}

