/*
 * spawn.h - a program run beside us with a deadline: the owner's
 * notification hook (queue/notify.c), never a job (that is sandbox/).
 *
 * Exports (spawn.c):
 *   struct spawn_set  the programs started and not yet reaped
 *   spawn_start()     run path (no shell, no arguments) in its own process
 *                     group, stdin a private copy of the bytes given,
 *                     stdout and stderr /dev/null, signals at their
 *                     defaults; it must end within `timeout` seconds
 *   spawn_reap()      report and forget the programs that ended; kill the
 *                     process group of those past their deadline; then
 *                     wait until at most `most` run (0: all ended, at most
 *                     the last deadline; SPAWN_NOWAIT: no wait)
 *   spawn_set_release()  kill and reap what is left, reporting nothing
 *
 * Why a file for stdin, not a pipe: we write it whole before the program
 * starts, so a program that never reads cannot block us or raise SIGPIPE
 * in our process (the runner, a notebook), and one that reads sees EOF.
 * Only the pids started here are waited for (never -1): the runner's jobs
 * and its ingest child are its own.
 */
#ifndef SCQ_SPAWN_H
#define SCQ_SPAWN_H

#include "base/compat.h"

struct spawn_proc {
	pid_t pid;
	int pidfd;       /* -1: none (old kernel); the wait then polls */
	double deadline; /* time_mono() */
	char *label;     /* the caller's, given back in the report */
};

struct spawn_set {
	struct spawn_proc *v;
	size_t n, alloc;
};
#define SPAWN_SET_INIT { NULL, 0, 0 }

/* How one run ended: its wait status, or killed past its deadline. */
typedef void spawn_report_fn(void *ctx, const char *label, int wstatus, int timed_out);

/* 0, or -1 with errno (ENOENT, EACCES, ENOEXEC: the program cannot run,
 * nothing was started). */
int spawn_start(struct spawn_set *s, const char *path, const char *data, size_t len,
		double timeout, const char *label);
#define SPAWN_NOWAIT ((size_t)-1)
/* Reap what ended (fn per run, may be NULL), then block while more than
 * `most` run.  The number still running. */
size_t spawn_reap(struct spawn_set *s, size_t most, spawn_report_fn *fn, void *ctx);
void spawn_set_release(struct spawn_set *s);

#endif
