/*
 * runner.h - one approved job's run, from claim to final state.
 *
 * runner.c owns the loop (claim, capacity, recovery, clean-up); run-job.c
 * owns one job's flow: claim it, check its approval, hand it to an
 * executor (executor.h) and record the result.  Neither knows how or
 * where the job runs.
 *
 * One job: run_claim -> run_start -> { run_wait_fds, poll(2), run_poll }
 * until run_poll says it ended (run_stop when the runner stops) ->
 * run_finish.  run_recover fails the jobs a dead runner left in running/.
 *
 * Exports (run-job.c): run_claim, run_start, run_abandon, run_wait_fds,
 * run_poll, run_stop, run_detach, run_finish, run_recover.
 * Exports (runner.c): runner_cycle.
 * Exports (runner-ingest.c): ingest_child_init, ingest_child_start,
 * ingest_child_service, ingest_child_finish.
 */
#ifndef SCQ_RUNNER_H
#define SCQ_RUNNER_H

#include "store/handle.h"
#include "exec/executor.h"
#include "queue/record.h"

struct run_slot {
	const struct executor *ex; /* executor_local unless a test says */
	struct exec_job job;      /* uid, folder, limits; the executor's report */
	int lockfd;               /* the job's folder, flocked: our claim */
	double started;           /* wall clock: started_at, for people */
	struct job_record rec;    /* job.json */
	struct decision approval; /* approved.json */
	int approved;             /* approved.json was read */
	int final_status;         /* set by run_finish */
	int undelivered;          /* run_finish: results not (all) published */
};

/* Claim uid (approved -> running).  Returns 1 if claimed (the slot is
 * then in use, possibly already failed), 0 if someone else has it. */
int run_claim(scq *h, struct commit *c, const char *uid, struct run_slot *s);
/* Check the approval and start the claimed job (prepare, start).  Call
 * only once the claim is durable, so that a crash can never make a
 * started job look unstarted. */
void run_start(scq *h, struct run_slot *s);
/* A claimed job that must not start (why: the message). */
void run_abandon(struct run_slot *s, const char *why);
/* The fds to wait on for the job (at most EXEC_MAX_FDS), maybe none. */
int run_wait_fds(struct run_slot *s, struct pollfd *p);
/* After the poll: cancel requests, the executor's poll; 1 once the job
 * has ended.  p/n: what run_wait_fds gave, with revents; now: time_mono(). */
int run_poll(scq *h, struct run_slot *s, const struct pollfd *p, int n, double now);
/* The runner stops: stop the job (recorded as runner_restart). */
void run_stop(scq *h, struct run_slot *s);
/* The runner stops, with an executor that adopts (a batch system keeps
 * running the job): leave the job in running/ to the next runner;
 * releases the slot. */
void run_detach(scq *h, struct run_slot *s);
/* Finalize, record the result, clean up, finish; releases the slot. */
int run_finish(scq *h, struct commit *commit, struct run_slot *s);
/* running/<uid> with no live runner -> failed (runner restart); never
 * started again.  Unless the executor adopts it (a batch system still
 * has it): then it takes a free slot of slots/used (used 1, *nused
 * counts it) and the loop follows it like its own. */
int run_recover(scq *h, const struct executor *ex, unsigned *recovered,
		struct run_slot *slots, int *used, int nslots, int *nused);
/* scq_run_cycle with the executor ex (tests drive a fake one). */
int runner_cycle(scq *h, const struct executor *ex, struct scq_run_stats *st);

/* The loop's ingest in a forked child (runner-ingest.c): no inbox entry,
 * however large, delays a running job's deadline.  start: 0, or -1 when
 * no child could be made (then ingest in-process); service: after a poll,
 * 1 once the child has ended (its notices and error reported through
 * scq_log, the first error kept in *code/msg); finish: wait for it. */
struct ingest_child {
	pid_t pid;
	int pidfd, pipe;
	struct buf out;
};
void ingest_child_init(struct ingest_child *c);
int ingest_child_start(scq *h, struct ingest_child *c);
int ingest_child_service(scq *h, struct ingest_child *c, int *code, struct buf *msg);
void ingest_child_finish(scq *h, struct ingest_child *c, int *code, struct buf *msg);

#endif
