/*
 * runtime-env.h - what a job's environment gets from the owner's runtimes
 * (protocol.md §10): the runtime mounted read-only at /runtime/<name>, its
 * bin first on PATH, a python that always resolves (python3 when nothing
 * else provides it) and a pip that installs nothing but checks the job's
 * requirements.txt against the runtime (no network in the job).
 *
 * Exports (runtime-env.c): run_env_prepare, run_env_release.
 *
 * With isolation full the shims are files of the sandbox's own root
 * (/opt/scq/bin before the runtime on PATH, /opt/scq/fallback after
 * /usr/bin).  With isolation none nothing is mounted: PATH names the
 * runtime's host folder itself, and the shims are written into the job's
 * work/ folder, which the job could change (it runs as the owner there
 * anyway).
 */
#ifndef SCQ_RUNTIME_ENV_H
#define SCQ_RUNTIME_ENV_H

#include "store/handle.h"
#include "sandbox/sandbox.h"

struct run_env {
	char *name;                  /* the runtime, or NULL (the sandbox's /usr) */
	struct sandbox_dataset mount; /* full: name + host path (nmounts 1) */
	size_t nmounts;
	struct buf vars;             /* NUL-separated K=V: PATH, PYTHONPATH?,
					SCQ_RUNTIME? */
	struct sandbox_file files[4];
	size_t nfiles;
	char *pip, *report;          /* the files' contents */
};

/*
 * Fill e for a job: choice is the job's runtime (NULL: default_runtime),
 * jobfd its folder (code/requirements.txt is read from it), code the
 * job's code folder as the job sees it, full the isolation; with isolation
 * none, workfd is the job's work/ folder at host path work.  0, or -1 with
 * the reason in err (a runtime that is not registered).
 */
int run_env_prepare(scq *h, const char *choice, int jobfd, const char *code, int full,
		    int workfd, const char *work, struct run_env *e, struct buf *err);
void run_env_release(struct run_env *e);

#endif
