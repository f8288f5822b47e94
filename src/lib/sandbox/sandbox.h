/*
 * sandbox.h - start one job's process tree under the owner's policy, and
 * take it down again.  Mechanism only: the policy (limits, network,
 * isolation level, datasets) arrives as data in struct sandbox_spec.
 *
 * Lifecycle (driven by runner.c):
 *   sandbox_spawn  -> the child runs argv; c->pidfd becomes readable when
 *                     the job's main process has exited
 *   sandbox_kill   -> (timeout, cancel, output limit) kill the whole tree
 *   sandbox_reap   -> wait, kill any survivors, fill the result, free
 *                     kernel resources (cgroups); after it nothing of the
 *                     job runs any more
 * Guarantees: with isolation SANDBOX_FULL the spawn fails (-1, message in
 * err) rather than run with less isolation than asked; the result says
 * which limits were really applied and nothing else.
 *
 * Exports (sandbox.c): sandbox_spawn, sandbox_spawn_async,
 * sandbox_setup_done, sandbox_kill, sandbox_terminate, sandbox_reap.
 * Exports (sandbox-doctor.c): sandbox_doctor.
 */
#ifndef SCQ_SANDBOX_H
#define SCQ_SANDBOX_H

#include "base/compat.h"
#include "base/buf.h"

enum sandbox_isolation { SANDBOX_NONE = 0, SANDBOX_FULL = 1 };

struct sandbox_dataset {
	const char *name;      /* appears as /data/<name> (validated name) */
	const char *host_path; /* bound read-only */
};

/* A small file the sandbox's own root holds under SANDBOX_TOOLS_DIR (made
 * read-only with the root): the runner's shims (pip, python). */
struct sandbox_file {
	const char *name;      /* "bin/pip": at most one folder, valid names */
	const char *data;      /* its content */
	int mode;              /* 0: 0644 */
};
#define SANDBOX_TOOLS_DIR "/opt/scq"

struct sandbox_limits {  /* 0 means "no limit of this kind" */
	long long cpu_seconds;
	long long memory_bytes;
	long long max_processes;
	long long max_open_files;
	long long max_file_bytes;  /* RLIMIT_FSIZE */
	long long out_bytes;       /* size cap of /out */
	long long tmp_bytes;       /* size cap of /tmp */
};

struct sandbox_spec {
	int isolation;              /* enum sandbox_isolation */
	int network;                /* 1: keep the host network (owner's choice) */
	const char *job_id;         /* uid: names cgroups, hostname */
	const char *code_dir;       /* host path: /code, read-only */
	const char *out_dir;        /* SANDBOX_NONE: host path of an empty dir, the
				       job's /out.  SANDBOX_FULL: unused (the
				       job's /out is its own tmpfs: result.out_fd) */
	const char *work_dir;       /* host path: private scratch dir for the
				       sandbox (HOME, tmp backing), may be NULL */
	const struct sandbox_dataset *datasets;
	size_t ndatasets;
	const struct sandbox_dataset *runtimes; /* /runtime/<name>, read-only */
	size_t nruntimes;
	const struct sandbox_file *files;     /* SANDBOX_TOOLS_DIR/<name> */
	size_t nfiles;
	const char *const *argv;    /* argv[0] absolute, as seen inside */
	const char *const *envp;    /* complete, scrubbed environment */
	const char *cwd;            /* as seen inside; NULL = code dir */
	int stdout_fd, stderr_fd;   /* stdin is /dev/null */
	struct sandbox_limits limits;
	/* SANDBOX_FULL: called in the caller's process on the job's private
	 * /code copy (a dirfd of the detached tmpfs: nobody else can reach
	 * it, and it is not yet read-only) before anything runs, so the bytes
	 * checked are the bytes that run.  Non-zero fails the spawn with the
	 * message in err and code_rejected set.  NULL: no check. */
	int (*check_code)(int dirfd, void *ctx, struct buf *err);
	void *check_code_ctx;
};

struct sandbox_child {
	pid_t pid;      /* the process the runner waits for */
	int pidfd;      /* readable when pid has exited */
	int setup_fd;   /* after sandbox_spawn_async: readable when
			   sandbox_setup_done has an answer; -1 once it had
			   (and always after sandbox_spawn) */
	void *priv;     /* sandbox.c's own state (cgroups, ...) */
};

struct sandbox_result {
	int exited;           /* 1: exit_code is valid; 0: killed by signal */
	int exit_code;
	int signal;
	int oom_killed;       /* the memory limit was hit */
	double cpu_seconds;   /* user + system of the whole tree */
	long long peak_memory_bytes; /* -1 if unknown */
	struct buf applied;   /* JSON object: the limits really applied,
				 isolation, network; caller releases */
	int out_fd;           /* SANDBOX_FULL: the job's /out (root of its
				 tmpfs, still hostile: read it with
				 collect_outputs); the caller closes it.  -1
				 otherwise */
};

int sandbox_spawn(const struct sandbox_spec *spec, struct sandbox_child *c,
		  struct buf *err);
/* The same, but with SANDBOX_FULL it returns as soon as the child is in
 * its namespaces and its cgroups are made (it joins them itself before
 * anything of the job runs), while the root is still being built: the
 * caller polls c->setup_fd and calls sandbox_setup_done, or just waits
 * for c->pidfd (a set-up that fails ends the child; sandbox_reap then
 * returns -1 with the reason).  Errors found before clone return -1 here. */
int sandbox_spawn_async(const struct sandbox_spec *spec, struct sandbox_child *c,
			struct buf *err);
/* 1: the job has exec'd; -1: the set-up failed (reason in err; the child
 * ends by itself, sandbox_reap it); 0: no answer yet.  Never blocks. */
int sandbox_setup_done(struct sandbox_child *c, struct buf *err);
/* Kill every process of the job (SIGKILL).  Safe to call twice. */
void sandbox_kill(struct sandbox_child *c);
/* Ask the job to stop (SIGTERM to every process of the job; with
 * SANDBOX_FULL the sandbox init forwards it).  Follow with sandbox_kill
 * after a grace period.  Safe to call after the job ended. */
void sandbox_terminate(struct sandbox_child *c);
/* Collect the result and release everything.  Blocks until the tree is
 * gone.  r->applied must be initialised (BUF_INIT) by the caller. */
int sandbox_reap(struct sandbox_child *c, struct sandbox_result *r,
		 struct buf *err);
/* What this machine supports, as a JSON object (for scq doctor). */
int sandbox_doctor(struct buf *json);

#endif
