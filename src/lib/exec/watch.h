/*
 * watch.h - what wakes `scq run --watch` (watch.c): inotify on the folders
 * where its work appears, so an idle runner sleeps until there is some.
 *
 * Synopsis
 *   watch_open      watch jobs/approved, jobs/pending and the inbox tree;
 *                   -1 (said once through scq_log): no inotify, poll
 *   watch_read      after poll(2) said the fd is readable: what changed
 *                   (WATCH_* bits); new requester and entry folders are
 *                   watched on the way
 *   watch_clock     after poll(2) said w.clock is readable: WATCH_CLOCK
 *                   (the sleep until a wall-clock deadline is measured
 *                   again; a clock stepped forward wakes the runner)
 *   watch_rescan    watch the inbox tree again (after an overflow)
 *   inbox_left      whether the inbox still holds entries (a pass left
 *                   them: incomplete, over a cap, or cut by its budget)
 *   watch_close
 *
 * Watched: jobs/approved (an approval: a job folder moved in), jobs/pending
 * (a job came: its deadline may be the next one), inbox/, inbox/<req>/
 * (new entries and cancel requests, the submitter's final rename) and the
 * folders of each entry down to WATCH_DEPTH (SyftBox sync writes a temp
 * file, then renames it into place, folders first).  Files deeper than
 * that, or past the watch limit, are found by the runner's retry of an
 * inbox that still holds entries (runner.c).
 */
#ifndef SCQ_WATCH_H
#define SCQ_WATCH_H

#include "store/handle.h"

enum {
	WATCH_INBOX = 1,    /* something arrived in the inbox tree */
	WATCH_APPROVED = 2, /* a job was approved */
	WATCH_PENDING = 4,  /* a job became pending */
	WATCH_RESCAN = 8,   /* events were lost (queue overflow): look at all */
	WATCH_GONE = 16,    /* an entry left the inbox (ingested, quarantined) */
	WATCH_CLOCK = 32    /* the wall clock was set: deadlines moved */
};

struct watch_dir;

struct watch {
	int fd;                 /* inotify; -1: not watching (poll) */
	int clock;              /* timerfd: readable when the wall clock is set */
	int approved, pending;  /* their watch descriptors */
	struct watch_dir *dirs; /* the inbox tree's watches */
	size_t ndirs, cap;
	int partial;            /* some inbox folder is not watched */
	char *inbox;            /* path of my inbox/ */
};

int watch_open(scq *h, struct watch *w);
unsigned watch_read(scq *h, struct watch *w);
unsigned watch_clock(struct watch *w);
void watch_rescan(scq *h, struct watch *w);
int inbox_left(scq *h);
void watch_close(struct watch *w);

#endif
