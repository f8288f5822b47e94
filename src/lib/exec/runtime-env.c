/*
 * runtime-env.c - the job's runtime, PATH and shims (runtime-env.h).
 *
 * The requirements are checked here, by the runner, with the same
 * function submit and review use (queue/requirements.c), against a scan
 * of the runtime the job will see; the job's pip only says the answer.
 * So `pip install -r requirements.txt` in a job is a no-op when the
 * runtime holds what it asks for, and fails with one line per missing or
 * mismatched package otherwise: nothing is downloaded, ever.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "exec/runtime-env.h"
#include "queue/requirements.h"
#include "queue/runtimes.h"
#include "base/banned.h"

/* pip, pip3: only `pip install [-q ...] -r FILE`, FILE the job's own
 * requirements.txt (the bytes the runner checked). */
static const char pip_fmt[] =
	"#!/bin/sh\n"
	"# pip in a syft-code-queue job (doc/protocol.md, runtimes): there is no network,\n"
	"# so nothing is installed.  The runner checked the job's requirements.txt\n"
	"# against the runtime before the job started; this says what it found.\n"
	"req='%s'\n"
	"report='%s'\n"
	"status=%d\n"
	"if [ \"$1\" != install ]; then\n"
	"  echo \"pip: only 'pip install -r requirements.txt' works in this job (no network);\" \\\n"
	"    \"what the runtime holds: scq runtimes OWNER\" >&2\n"
	"  exit 1\n"
	"fi\n"
	"shift\n"
	"seen=\n"
	"while [ $# -gt 0 ]; do\n"
	"  f=\n"
	"  case \"$1\" in\n"
	"  -r|--requirement) f=$2; shift ;;\n"
	"  --requirement=*) f=${1#*=} ;;\n"
	"  -r*) f=${1#-r} ;;\n"
	"  -q|--quiet|-v|--verbose|--user|--no-cache-dir|-U|--upgrade|--no-input|\\\n"
	"  --disable-pip-version-check|--break-system-packages|--no-warn-script-location)\n"
	"    shift; continue ;;\n"
	"  *) echo \"pip: '$1': only the job's requirements.txt is checked (no network in\" \\\n"
	"       \"this job); list packages there\" >&2\n"
	"     exit 1 ;;\n"
	"  esac\n"
	"  if [ ! -f \"$req\" ] || ! cmp -s -- \"$f\" \"$req\"; then\n"
	"    echo \"pip: '$f' is not the job's requirements.txt, the one file checked against\" \\\n"
	"      \"the runtime (no network in this job)\" >&2\n"
	"    exit 1\n"
	"  fi\n"
	"  seen=1\n"
	"  shift\n"
	"done\n"
	"[ -n \"$seen\" ] || { echo \"pip: nothing to check: give -r requirements.txt\" >&2; exit 1; }\n"
	"if [ \"$status\" = 0 ]; then cat \"$report\"; else cat \"$report\" >&2; fi\n"
	"exit $status\n";

/* python, when nothing before it on PATH provides one. */
static const char python_shim[] =
	"#!/bin/sh\n"
	"# 'python' in a syft-code-queue job: python3 when nothing else provides it\n"
	"exec python3 \"$@\"\n";

static void add_var(struct buf *b, const char *k, const char *v)
{
	buf_addf(b, "%s=%s", k, v);
	buf_addc(b, '\0');
}

/* The report the job's pip prints, and its status (0 satisfied). */
static int check(int jobfd, json_t *scan, const char *label, struct run_env *e)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct req_result res;
	const char *py = json_string_value(json_object_get(json_object_get(scan, "interpreter"),
							   "python"));
	json_t *pkgs = json_object_get(scan, "packages");
	int r = 0;
	if (fs_read_file(jobfd, "code/requirements.txt", REQUIREMENTS_MAX_BYTES, &text) < 0) {
		buf_addf(&out, "pip: the job's requirements.txt: %s; nothing was checked\n",
			 errno == ENOENT ? "there is none" : strerror(errno));
		r = 1;
		goto out;
	}
	requirements_check(text.ptr, text.len, pkgs, label, &out, &res);
	buf_addf(&out, "pip: requirements.txt against runtime '%s' (python %s, %zu packages): "
		 "%s\n", label, py ? py : "unknown", json_object_size(pkgs),
		 res.problems ? "NOT satisfied; nothing was installed (no network)" :
		 "already satisfied, nothing to install");
	r = res.problems ? 1 : 0;
out:
	e->report = buf_detach(&out, NULL);
	buf_release(&text);
	return r;
}

/* PYTHONPATH for a runtime without an interpreter of its own (a folder of
 * packages): its site folders, as the job sees them. */
static void python_path(json_t *scan, const char *seen_root, struct buf *vars)
{
	struct buf pp = BUF_INIT;
	json_t *v;
	size_t i;
	json_array_foreach(runtime_site_dirs(scan), i, v)
		buf_addf(&pp, "%s%s/%s", i ? ":" : "", seen_root, json_string_value(v));
	if (pp.len)
		add_var(vars, "PYTHONPATH", pp.ptr);
	buf_release(&pp);
}

/* The runtime brings an interpreter of its own (a venv, a prefix). */
static int has_python(const char *host)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int r;
	buf_addf(&p, "%s/bin/python3", host);
	r = stat(p.ptr, &st) == 0;
	buf_release(&p);
	return r;
}

static int write_tools(int workfd, struct run_env *e, struct buf *err)
{
	int tools = -1, bin = -1, fb = -1, r = -1;
	if (fs_mkdir(workfd, ".scq-tools", 0755) < 0 ||
	    (tools = fs_open_dir(workfd, ".scq-tools")) < 0 ||
	    fs_mkdir(tools, "bin", 0755) < 0 || fs_mkdir(tools, "fallback", 0755) < 0 ||
	    (bin = fs_open_dir(tools, "bin")) < 0 || (fb = fs_open_dir(tools, "fallback")) < 0) {
		buf_setf(err, "the job's tools folder: %s", strerror(errno));
		goto out;
	}
	/* scratch of this run: nothing to make durable */
	if (fs_write_atomic(bin, "pip", e->pip, strlen(e->pip), FS_EXEC | FS_DEFER_SYNC) < 0 ||
	    fs_write_atomic(bin, "pip3", e->pip, strlen(e->pip), FS_EXEC | FS_DEFER_SYNC) < 0 ||
	    fs_write_atomic(fb, "python", python_shim, strlen(python_shim),
			    FS_EXEC | FS_DEFER_SYNC) < 0 ||
	    fs_write_atomic(tools, "requirements.check", e->report, strlen(e->report),
			    FS_DEFER_SYNC) < 0) {
		buf_setf(err, "the job's tools: %s", strerror(errno));
		goto out;
	}
	r = 0;
out:
	fd_close(&fb);
	fd_close(&bin);
	fd_close(&tools);
	return r;
}

int run_env_prepare(scq *h, const char *choice, int jobfd, const char *code, int full,
		    int workfd, const char *work, struct run_env *e, struct buf *err)
{
	const char *rt = runtime_of_job(h, choice);
	char *host = NULL, *tools = NULL, *seen = NULL, *req = NULL, *rep = NULL;
	json_t *scan = NULL;
	struct buf path = BUF_INIT;
	int status, r = -1;
	memset(e, 0, sizeof(*e));
	buf_init(&e->vars, BUF_MAX_DEFAULT);
	if (rt && !(host = runtime_lookup(h, rt))) {
		buf_setf(err, "the job's runtime '%s' is not registered here (scq runtime list)", rt);
		goto out;
	}
	e->name = rt ? xstrdup(rt) : NULL;
	tools = full ? xstrdup(SANDBOX_TOOLS_DIR) : path_join(work, ".scq-tools");
	seen = !rt ? NULL : full ? path_join("/runtime", rt) : xstrdup(host);
	/* a scan reads every package's metadata: only when it is needed */
	if (fs_exists(jobfd, "code/requirements.txt") || (rt && !has_python(host)))
		scan = runtime_scan(host ? host : "/usr");
	status = check(jobfd, scan, rt ? rt : "usr", e);
	req = path_join(code, "requirements.txt");
	rep = path_join(tools, "requirements.check");
	if (strchr(req, '\'') || strchr(rep, '\'')) {
		buf_setf(err, "the job's folders hold a quote: %s", req);
		goto out;
	}
	buf_addf(&path, "%s/bin:", tools);
	if (seen)
		buf_addf(&path, "%s/bin:", seen);
	buf_addf(&path, "/usr/local/bin:/usr/bin:/bin:%s/fallback", tools);
	add_var(&e->vars, "PATH", path.ptr);
	if (seen) {
		add_var(&e->vars, "SCQ_RUNTIME", rt);
		add_var(&e->vars, "SCQ_RUNTIME_DIR", seen);
		if (!has_python(host))
			python_path(scan, seen, &e->vars);
	}
	buf_reset(&path);
	buf_addf(&path, pip_fmt, req, rep, status);
	e->pip = buf_detach(&path, NULL);
	if (full) {
		e->files[0] = (struct sandbox_file){ "bin/pip", e->pip, 0755 };
		e->files[1] = (struct sandbox_file){ "bin/pip3", e->pip, 0755 };
		e->files[2] = (struct sandbox_file){ "fallback/python", python_shim, 0755 };
		e->files[3] = (struct sandbox_file){ "requirements.check", e->report, 0644 };
		e->nfiles = 4;
		if (rt) {
			e->mount.name = e->name;
			e->mount.host_path = host;
			host = NULL; /* now owned by e->mount */
			e->nmounts = 1;
		}
	} else if (write_tools(workfd, e, err) < 0) {
		goto out;
	}
	r = 0;
out:
	json_decref(scan);
	buf_release(&path);
	free(host);
	free(tools);
	free(seen);
	free(req);
	free(rep);
	return r;
}

void run_env_release(struct run_env *e)
{
	free(e->name);
	free((char *)e->mount.host_path);
	buf_release(&e->vars);
	free(e->pip);
	free(e->report);
	memset(e, 0, sizeof(*e));
}
