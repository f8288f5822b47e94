/*
 * runner.h - one approved job's run, from claim to final state.
 *
 * runner.c owns the loop (claim, capacity, timers, recovery, clean-up);
 * run-job.c owns one job: start it in the sandbox, capture its output,
 * stop it, collect its outputs and record the result.
 */
#ifndef SCQ_RUNNER_H
#define SCQ_RUNNER_H

#include "internal.h"
#include "sandbox.h"

enum stop_reason { STOP_NONE, STOP_TIMEOUT, STOP_OUTPUT_LIMIT, STOP_CANCEL, STOP_RUNNER };

struct run_slot {
	char uid[40];
	int jobfd, lockfd;
	int out_pipe, err_pipe;   /* read ends, -1 once at EOF */
	int out_file, err_file;   /* capture files in the job folder */
	struct sandbox_child child;
	int child_live;           /* spawned and not yet reaped */
	int starting;             /* the sandbox is still being set up */
	int code_rejected;        /* the sandbox's /code copy failed its check */
	long long captured, cap;
	double started;           /* wall clock: started_at, for people */
	double t0, deadline, kill_at; /* time_mono(): never the wall clock */
	enum stop_reason stop;
	json_t *rec;              /* job.json */
	json_t *approval;         /* approved.json */
	struct sandbox_result res;
	struct buf setup_error;   /* set: the job failed before it ran */
	const char *error_kind;
	struct buf collect_error; /* set: collecting the outputs failed */
	int output_limited;       /* outputs left out or cut by a limit */
	int source_full;          /* the job's output folder was full */
	int final_status;         /* set by run_finish */
	int undelivered;          /* run_finish: results not (all) published */
};

/* Claim uid (approved -> running) under c (commit.h: the caller ends it
 * before run_start).  Returns 1 if claimed (the slot is then in use,
 * possibly already failed), 0 if someone else has it. */
int run_claim(scq *h, struct commit *c, const char *uid, struct run_slot *s);
/* Verify the code and spawn the claimed job.  Call only once the claim is
 * durable, so that a crash can never make a started job look unstarted. */
void run_start(scq *h, struct run_slot *s);
/* Service the slot's fds after poll (revents of stdout, stderr, the
 * child's pidfd and its setup_fd); returns 1 when the job has ended. */
int run_service(scq *h, struct run_slot *s, const short ev[4]);
/* Check timers and cancel requests; now is time_mono(). */
void run_check(scq *h, struct run_slot *s, double now);
/* Record the result, publish (durable at once, or at commit_end(c)),
 * release the slot. */
int run_finish(scq *h, struct commit *commit, struct run_slot *s);
/* Collect outputs from src (closed) into jobfd's output/; the report for
 * result.json "output".  failure receives the message if it failed.
 * output/ is synced now with c NULL, at commit_end(c) otherwise. */
json_t *run_collect(scq *h, struct commit *c, int jobfd, int src, struct buf *failure);
/* running/<uid> with no live runner -> failed (runner restart). */
int run_recover(scq *h, unsigned *recovered);

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
