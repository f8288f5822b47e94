/*
 * slurm.h - what the Slurm backend's files share: running the Slurm
 * command-line tools (never a shell, never libslurm: its soname changes
 * with every release), the one squeue table of a tick, the staged folder's
 * names, and the node's side.
 *
 * Exports (executor-slurm.c): executor_slurm (in executor.h).
 * Exports (slurm-submit.c): slurm_prepare, slurm_start, slurm_wait_fds,
 * slurm_submit.
 * Exports (slurm-cmd.c): slurm_job_new, slurm_staged_open, slurm_cmd, slurm_table_refresh, slurm_table_find,
 * slurm_state_ended, slurm_shared_open, slurm_tool_found, slurm_ready,
 * slurm_doctor.
 * Exports (slurm-node.c): (scq_exec_node, in scq.h).
 *
 * The staged folder of a job, <slurm_shared_dir>/<uid>/, mode 0700:
 *   spec.json    what the node needs (written by the runner, read once)
 *   job.sh       the batch script: exec scq exec-node <that folder>
 *   code/        the approved code (verified again on the node)
 *   node-started made O_EXCL by the node: a second start refuses to run
 *   stdout, stderr  the job's capped log (written by the node)
 *   out/         the job's outputs (collected on the node from /out)
 *   status.json  the node's report, written last (temp + rename)
 *   slurm.out, slurm.err  the batch script's own output (Slurm's -o/-e)
 */
#ifndef SCQ_SLURM_H
#define SCQ_SLURM_H

#include "store/handle.h"
#include "exec/executor.h"

#define SLURM_TICK 1.0 /* seconds between squeue calls, whatever the job count */

/* Run argv (argv[0] found in PATH; no shell), stdin /dev/null, its stdout
 * into out and stderr into err (each capped at 1 MiB), killed after
 * timeout seconds.  Its exit status, or -1 (err says why).  err is one line:
 * the tool's lines joined with "; ". */
int slurm_cmd(const char *const *argv, struct buf *out, struct buf *err, double timeout);

struct slurm_row {
	long id;
	char state[24];
	char name[48];
};

/* Our jobs as Slurm knows them, from one squeue call per tick. */
struct slurm_table {
	struct slurm_row *rows;
	size_t n;
	double at;        /* time_mono() of the call; 0: never */
	int ok;           /* the last call worked */
	unsigned long calls;
	struct buf err;   /* why the last call failed */
};

/* The process's table (one runner per process): refreshed when older
 * than SLURM_TICK, or now with force. */
struct slurm_table *slurm_table_refresh(int force);
/* The row of job id (id > 0) or, with id 0, of the job named name. */
const struct slurm_row *slurm_table_find(const struct slurm_table *t, long id, const char *name);
/* 1 if state is one Slurm ends a job in (COMPLETED, FAILED, ...). */
int slurm_state_ended(const char *state);

/* slurm_shared_dir, opened, if it is an absolute folder owned by us with
 * no access for group or others; else -1 with the reason in err. */
int slurm_shared_open(scq *h, struct buf *err);
/* 1 if name is an executable in PATH (not run). */
int slurm_tool_found(const char *name);
/* executor_slurm's ready: the shared folder as slurm_shared_open wants it
 * and sbatch in PATH; -1 with err saying what to fix. */
int slurm_ready(scq *h, struct buf *err);

/* The Slurm backend's state of one job (exec_job.priv). */
struct slurm_job {
	int dirfd;         /* the staged folder; -1 */
	long id;           /* Slurm's job id; 0: not known (yet) */
	int failed;        /* start failed: nothing runs */
	int scancelled;    /* scancel worked */
	int adopted;       /* adopt() took it; the runner did not submit it */
	int submit_later;  /* sbatch found no controller: try again */
	double since;      /* time_mono() of sbatch or adoption */
	char state[24];    /* Slurm's last word on it */
	json_t *report;    /* the node's status.json, once read */
	double report_at;  /* time_mono() it was first read; 0: not yet */
};

struct slurm_job *slurm_job_new(void);
/* The staged folder, <slurm_shared_dir>/<uid>, opened (-1: gone). */
int slurm_staged_open(scq *h, const struct exec_job *j);
/* slurm-submit.c: staging and submission (executor.h's prepare, start and
 * wait_fds of the Slurm backend) */
int slurm_prepare(scq *h, struct exec_job *j);
int slurm_start(scq *h, struct exec_job *j);
int slurm_wait_fds(struct exec_job *j, struct pollfd *p);
/* sbatch the staged job: 0 submitted (p->id), 1 slurmctld did not answer
 * (p->submit_later), -1 refused (st.error says why). */
int slurm_submit(scq *h, struct exec_job *j, struct slurm_job *p);

/* scq doctor's "slurm" object: the tools, the controller, the
 * partition's limits, the shared folder. */
json_t *slurm_doctor(scq *h);

#endif
