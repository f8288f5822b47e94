/*
 * executor.h - how one claimed job is run: the steps an execution backend
 * offers the runner.  Modelled on OpenSAFELY job-runner's executor API
 * (prepare, execute, finalize, terminate, cleanup, get_status).
 *
 * Synopsis
 *   struct executor        the operations of one backend (a const table)
 *   struct exec_job        one job as the runner hands it to a backend:
 *                          inputs (uid, folder, limits), the backend's
 *                          report (struct exec_status) and its state (priv)
 *   executor_local         the job is a child of the runner, in the
 *                          sandbox (executor-local.c)
 *   executor_slurm         the job is a Slurm batch job that runs the
 *                          same sandbox on a node (executor-slurm.c)
 *   exec_job_env, exec_limits, exec_datasets_load/free  the job's
 *                          environment, limits and datasets as the local
 *                          backend gives them (executor-local.c; the
 *                          Slurm backend ships the same to its node)
 *   exec_job_init/release  a job's fields and buffers
 *   run_collect            a job's outputs into its output/, the report
 *                          of result.json "output" (also for republish)
 *
 * Call order, driven by run-job.c and runner.c for each claimed job:
 *   prepare -> start -> { wait_fds, poll } until EXEC_FINISHED
 *           (cancel at any time: a cancel request, the runner stopping)
 *   -> finalize -> cleanup
 * cleanup comes before the finish transition (the job's folder leaves
 * running/ without the backend's scratch).  A job that fails before start
 * (its records, its digest, a claim not durable) skips prepare and start;
 * a job found in running/ by a restarted runner gets cancel, finalize and
 * cleanup only, unless the backend has adopt and it says the job still
 * lives there (a batch system runs it without us): then the job goes on
 * with poll, finalize and cleanup as if this runner had started it.  Both get finalize (output/ holds what the folder had)
 * and cleanup.
 *
 * Rules
 * - Run-once belongs to the queue, not here: a job reaches start only
 *   after its claim (the rename approved -> running under the job's
 *   flock) is durable, and the runner never calls start for a job it did
 *   not claim itself.  A backend needs no record of its own to stay safe.
 * - Every step is idempotent.  Called twice, or on a job this process did
 *   not start (after a crash of the runner), it does no harm: start runs
 *   the job at most once per exec_job, finalize collects once and repeats
 *   its report, cancel keeps the first reason, cleanup frees once.
 * - Nothing outside a backend may assume the job is a child process of
 *   the runner: the runner sees fds to wait on (maybe none: then it polls
 *   with a timeout) and the state poll reports, which a batch system
 *   (Slurm, issue 15) can report as well.
 * - The backend enforces the wall-clock limit (t0 + timeout) and the cap
 *   on the job's log (log_cap), and says so in exec_status.stop; a
 *   scheduler's own time limit maps onto EXEC_STOP_TIMEOUT.
 * - After finalize the job's folder holds output/ (collected) and the
 *   job's captured stdout and stderr in .stdout.tmp and .stderr.tmp (read
 *   by the job flow into execution.log); cleanup removes the backend's
 *   scratch (sandbox-out/ once collected, work/).
 */
#ifndef SCQ_EXECUTOR_H
#define SCQ_EXECUTOR_H

#include "store/handle.h"
#include "sandbox/sandbox.h"
#include <poll.h>

enum exec_state {
	EXEC_IDLE,      /* not started (or never will be) */
	EXEC_RUNNING,   /* started (its set-up included), not ended */
	EXEC_FINISHED   /* ended: exec_status says how */
};

/* Why the job was stopped before it ended by itself (the first wins). */
enum exec_stop {
	EXEC_STOP_NONE,
	EXEC_STOP_TIMEOUT,       /* the wall-clock limit */
	EXEC_STOP_OUTPUT_LIMIT,  /* its log passed log_cap */
	EXEC_STOP_CANCEL,        /* cancel(): the owner or the requester asked */
	EXEC_STOP_RUNNER         /* cancel(): the runner stops, or restarted */
};

/* What a backend reports of a job; the job flow turns it into result.json
 * and execution.log.  Filled by start, poll, cancel and finalize. */
struct exec_status {
	enum exec_state state;
	enum exec_stop stop;
	const char *error_kind;  /* the job could not run as asked:
				    "sandbox_error", "code_mismatch"; NULL */
	struct buf error;        /* its message (the job flow may set both
				    before start, then start is not called) */
	int exited;              /* 1: exit_code is valid */
	int exit_code;
	int signal;              /* the signal that ended it, 0 if none */
	int oom_killed;          /* the memory limit ended it */
	double cpu_seconds;
	long long peak_memory_bytes; /* -1: unknown */
	long long log_bytes;     /* stdout + stderr kept (<= log_cap) */
	struct buf applied;      /* JSON object: the limits really applied */
	/* set by finalize */
	int finalized;
	json_t *output;          /* result.json "output" (owned) */
	struct buf collect_error; /* set: collecting the outputs failed */
};

struct exec_job {
	/* inputs, set by the job flow before the first step, never changed */
	char uid[40];
	const char *name, *requester; /* for the job's environment */
	const char *runtime;    /* job.json "runtime" (NULL: default_runtime) */
	json_t *files;          /* manifest.json "files", read once: its digest
				   is the approved one (run-job.c); what runs
				   must be exactly this */
	int jobfd;              /* its folder, running/<uid> */
	int network;            /* the owner allowed the network */
	double t0;              /* time_mono() of the claim */
	double timeout;         /* wall-clock seconds from t0 */
	long long log_cap;      /* bytes of stdout + stderr kept */
	struct commit *commit;  /* set by the job flow before finalize: the
				   outputs are durable at commit_end(commit),
				   or at once when NULL (commit.h) */
	/* the backend's report */
	struct exec_status st;
	/* the backend's own state of this job; NULL before prepare and
	 * after cleanup */
	void *priv;
};

#define EXEC_MAX_FDS 4

struct executor {
	const char *name;
	/* Make what the job needs before it runs (folders, capture); fills
	 * st.error/error_kind on failure (start then fails the same way). */
	int (*prepare)(scq *h, struct exec_job *j);
	/* Start the job: at most once per exec_job.  -1: it did not start
	 * (st.error_kind and st.error say why; poll then reports it ended). */
	int (*start)(scq *h, struct exec_job *j);
	/* The fds the runner may wait on for this job (at most EXEC_MAX_FDS,
	 * events set; fd -1 for none): the count written to p. */
	int (*wait_fds)(struct exec_job *j, struct pollfd *p);
	/* Advance the job: p/n are the entries wait_fds gave, with the
	 * revents of the runner's poll (n 0: none); now is time_mono().
	 * Enforces the limits; returns st.state. */
	enum exec_state (*poll)(scq *h, struct exec_job *j, const struct pollfd *p,
				int n, double now);
	/* Stop the job (grace, then kill) and remember why; no-op once it
	 * ended.  Safe for a job this process never started. */
	void (*cancel)(scq *h, struct exec_job *j, enum exec_stop why);
	/* Wait for the end of whatever of the job is left, collect its
	 * outputs into output/ (st.output, st.collect_error) and its log
	 * into .stdout.tmp/.stderr.tmp.  Once: a second call repeats. */
	int (*finalize)(scq *h, struct exec_job *j);
	/* Remove the backend's scratch, free priv. */
	void (*cleanup)(scq *h, struct exec_job *j);
	/* NULL, or: a restarted runner found the job in running/; 1 if the
	 * backend still has it (running, or ended with its report kept):
	 * st.state is then EXEC_RUNNING and poll follows it; 0 if it does
	 * not (the job is failed as runner_restart, never started again). */
	int (*adopt)(scq *h, struct exec_job *j);
	/* NULL, or: can the backend run a job at all now (its settings, its
	 * tools)?  Asked before every claim, so cheap (no job, no scheduler
	 * call): -1 with err saying what to fix, and the runner claims
	 * nothing (the jobs stay approved; a claimed job could only fail). */
	int (*ready)(scq *h, struct buf *err);
};

extern const struct executor executor_local;
extern const struct executor executor_slurm;

/* The job's NUL-separated environment in env (code, out, data, home: the
 * paths the job sees; rv the runtime's variables) and the pointer array
 * over it (caller frees the array, releases env). */
const char **exec_job_env(struct buf *env, struct exec_job *j, const char *code,
			  const char *out, const char *data, const char *home,
			  const struct buf *rv);
void exec_limits(scq *h, struct sandbox_limits *l);
struct sandbox_dataset *exec_datasets_load(scq *h, size_t *n);
void exec_datasets_free(struct sandbox_dataset *ds, size_t n);

void exec_job_init(struct exec_job *j, const char *uid);
void exec_job_release(struct exec_job *j);

/* Collect outputs from src (closed) into jobfd's output/; the report for
 * result.json "output".  failure receives the message if it failed.
 * output/ is synced now with c NULL, at commit_end(c) otherwise. */
json_t *run_collect(scq *h, struct commit *c, int jobfd, int src, struct buf *failure);

#endif
