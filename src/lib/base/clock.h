/*
 * clock.h - the two clocks, never mixed (doc/protocol.md §7).
 *
 * Exports (clock.c):
 *   time_now   wall clock (CLOCK_REALTIME): only for timestamps shown to
 *              people or stored in records (created_at, ...), and for ages
 *              of things that carry a wall-clock time themselves (file
 *              ctimes, a record's created_at + timeout_seconds).
 *   time_mono  CLOCK_BOOTTIME: every deadline and duration inside a process
 *              (job_timeout, kill grace, set-up limit, wall_seconds, waits,
 *              throttles).  The owner's clock may be stepped at any moment
 *              (NTP, by hand); these must not jump with it.
 *   time_now_iso, time_format_iso, time_parse_iso
 *              UTC ISO-8601 with microseconds and 'Z', and back.
 */
#ifndef SCQ_CLOCK_H
#define SCQ_CLOCK_H

#define ISO_LEN 80

void time_now_iso(char out[ISO_LEN]);
double time_now(void);
double time_mono(void);
int time_parse_iso(const char *s, double *t);
void time_format_iso(double t, char out[ISO_LEN]);

#endif
