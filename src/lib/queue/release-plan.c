/*
 * release-plan.c - what a release decision is (release.h): the record a
 * release, withholding or return of the outputs makes (files, log,
 * reasons), the flags check of what it releases, and the digest a release
 * vote is bound to.  No store moves here: release.c decides, and
 * release-votes.c counts votes; both reviewers' and the owner's sides
 * plan with the same code, so a vote means the same decision to both.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "base/hash.h"
#include "queue/job.h"
#include "queue/output-check.h"
#include "queue/release.h"
#include "store/limits.h"
#include "store/queue.h"
#include "store/state.h"
#include "base/banned.h"

#define WITHHELD_DEFAULT "withheld by the data owner"
#define RETURNED_REASON "returned to the requester for changes"

/* fs_walk's callback: the run's output files, path -> null (undecided). */
static int list_output(void *ctx, struct fs_walk_entry *e)
{
	if (e->type == FS_T_UNKNOWN || e->error)
		return errno = e->error ? e->error : EIO, -1;
	if (e->type == FS_T_FILE)
		json_object_set_new(ctx, e->path, json_null());
	return 0;
}

/* The run's output files (collect.c wrote only files and folders, within
 * max_output_files); a run without output/ has none.  NULL on error. */
static json_t *output_paths(scq *h, int jobfd, const char *uid, int *r)
{
	struct fs_walk_opts o = { FS_WALK_SORTED, 0, 0, 0, -1 };
	json_t *paths = json_object();
	int fd = openat(jobfd, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return paths;
	if (fd < 0 || fs_walk(fd, &o, list_output, paths) < 0) {
		*r = scq_fail_errno(h, "job '%s': listing its outputs", uid);
		json_decref(paths);
		paths = NULL;
	}
	fd_close(&fd);
	return paths;
}

/* A path the owner named must be an output of the run, named once. */
static int named_output(scq *h, const char *uid, json_t *paths, const char *path)
{
	struct buf shown = BUF_INIT;
	json_t *v = path ? json_object_get(paths, path) : NULL;
	int r = 0;
	if (v && json_is_null(v))
		return 0;
	buf_add_shown(&shown, path ? path : "", path ? strlen(path) : 0, 0);
	r = scq_fail(h, SCQ_EINVAL, v ? "job '%s': output '%s' is named twice" :
		     "job '%s' has no output file '%s' (scq output ID lists them)", uid, shown.ptr);
	buf_release(&shown);
	return r;
}

/* decide_reason_ok's rule, not its call: decide.c reaches ingest, which
 * reads reviewers' release votes planned here (check-layers.py: no cycle) */
int release_reason_given(scq *h, const char *reason, const char *what)
{
	if (!reason || !*reason)
		return scq_fail(h, SCQ_EINVAL, "%s needs a reason", what);
	if (strlen(reason) > DECISION_REASON_MAX)
		return scq_fail(h, SCQ_EINVAL, "reason is longer than %d bytes", DECISION_REASON_MAX);
	if (!utf8_valid(reason, strlen(reason)))
		return scq_fail(h, SCQ_EINVAL, "reason is not valid UTF-8");
	return 0;
}

static json_t *entry(const char *path, const char *reason)
{
	json_t *e = json_pack("{s:b,s:s?}", "released", reason == NULL, "reason", reason);
	if (path)
		json_object_set_new(e, "path", json_string(path));
	return e;
}

/*
 * paths: every output, path -> null.  Mark what o names (released: true;
 * withheld: its reason), then every other output released (SCQ_RELEASE_ALL)
 * or withheld for the decision's default reason (false).
 */
static int mark_files(scq *h, const char *uid, int kind, const struct scq_release_options *o,
		      json_t *paths)
{
	const char *const *f;
	const char *key;
	json_t *v;
	size_t i;
	int r = 0;
	if (o->nwithhold && (kind == SCQ_RELEASE_ALL || kind == SCQ_RETURN))
		return scq_fail(h, SCQ_EINVAL, "a release of everything or a return withholds "
				"no single file: name withheld files with a release of some files");
	for (f = kind == SCQ_RELEASE_FILES ? o->files : NULL; f && *f && !r; f++)
		if (!(r = named_output(h, uid, paths, *f)))
			json_object_set_new(paths, *f, json_true());
	for (i = 0; i < o->nwithhold && !r; i++)
		if (!(r = named_output(h, uid, paths, o->withhold[i].path)) &&
		    !(r = release_reason_given(h, o->withhold[i].reason, "a withheld file")))
			json_object_set_new(paths, o->withhold[i].path,
					    json_string(o->withhold[i].reason));
	/* the rest: false, withheld for the decision's withheld_reason, which
	 * the record holds once (a thousand outputs do not repeat it) */
	json_object_foreach(paths, key, v)
		if (json_is_null(v))
			json_object_set_new(paths, key, json_boolean(kind == SCQ_RELEASE_ALL));
	return r;
}

/* The record's "files": [{path, released, reason}] (reason null: released,
 * or withheld for the decision's withheld_reason); *withheld counts. */
static json_t *files_list(json_t *paths, int *withheld)
{
	json_t *a = json_array(), *v, *e;
	const char *key;
	json_object_foreach(paths, key, v) {
		*withheld += !json_is_true(v);
		e = entry(key, json_is_string(v) ? json_string_value(v) : NULL);
		json_object_set_new(e, "released", json_boolean(json_is_true(v)));
		json_array_append_new(a, e);
	}
	return a;
}

/* The check of output path (is_log: the run's log) in rep, NULL: none. */
static const struct check_file *checked(const struct check_report *rep, const char *path,
					int is_log)
{
	size_t i;
	for (i = 0; i < rep->nfiles; i++)
		if (rep->files[i].is_log == is_log && !strcmp(rep->files[i].path, path))
			return &rep->files[i];
	return NULL;
}

/* What releasing one output needs acknowledged: its flags (counted, so
 * flags past the report's caps count too), or 1 when it was not checked
 * at all or only in part (over a cap): unseen is not clean.  *first: its
 * first listed flag, if any and none yet. */
static size_t unacked(const struct check_report *rep, const char *path, int is_log,
		      const struct check_flag **first)
{
	const struct check_file *f = checked(rep, path, is_log);
	size_t i;
	if (!f)
		return 1;
	for (i = 0; i < rep->nflags && !*first; i++)
		if (!strcmp(rep->flags[i].file, path))
			*first = &rep->flags[i];
	return (size_t)(f->flags > 0 ? f->flags : 0) + (f->cut && f->flags <= 0);
}

/*
 * The disclosure-risk flags (src/lib/check/, `scq review-output`) of the
 * outputs decision d ({files: [{path, released}], log: {released}})
 * releases: releasing a flagged output needs ack_flags, so no flag leaves
 * unseen (issue 12 §2); withholding needs none.  The check fails closed:
 * a release whose outputs cannot be checked is refused, and an output
 * left unchecked or checked only in part (a cap) counts as flagged.  The
 * differencing scan is in: the owner saw its note in review-output, and a
 * release must not pass what the owner was shown as a flag (its cost is
 * bounded: output-check.c, DIFF_MAX_JOBS).
 */
int release_check_flags(scq *h, const char *uid, json_t *d, int ack_flags)
{
	struct check_report rep = { 0 };
	const struct check_flag *first = NULL;
	const char *what = NULL;
	char *types = NULL;
	json_t *e;
	size_t i, n = 0, k;
	int r;
	if (ack_flags)
		return 0;
	if ((r = output_check_job(h, uid, SCQ_CHECK_DIFFERENCING, &rep, &types)))
		goto out;
	json_array_foreach(json_object_get(d, "files"), i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (p && json_is_true(json_object_get(e, "released")) &&
		    (k = unacked(&rep, p, 0, &first)) > 0) {
			n += k;
			what = what ? what : p;
		}
	}
	if (json_is_true(json_object_get(json_object_get(d, "log"), "released")) &&
	    (k = unacked(&rep, OUTPUT_CHECK_LOG, 1, &first)) > 0) {
		n += k;
		what = what ? what : OUTPUT_CHECK_LOG;
	}
	if (n)
		r = scq_fail(h, SCQ_EPERM, "job '%s': the outputs to release carry %zu "
			     "disclosure-risk flag(s) or unchecked part(s), the first %s%s%s in "
			     "'%s': check them (scq review-output %.8s; Python job.output_flags), "
			     "then release saying so (--ack-flags; Python ack_flags=True)", uid, n,
			     first ? "'" : "", first ? first->rule : "past the report's caps",
			     first ? "'" : "", first ? first->file : what, uid);
out:
	check_report_free(&rep);
	free(types);
	return r;
}

/* The decision record, and the row it takes (*to). */
static json_t *decision(scq *h, const char *uid, int kind, const struct scq_release_options *o,
			json_t *paths, int *to, int *r)
{
	const char *rest = kind == SCQ_RETURN ? RETURNED_REASON :
			   kind == SCQ_WITHHOLD_ALL ? o->reason :
			   o->withhold_reason ? o->withhold_reason : WITHHELD_DEFAULT;
	int log = kind == SCQ_RELEASE_ALL || (kind == SCQ_RELEASE_FILES && o->log), withheld = 0;
	json_t *d;
	if ((*r = mark_files(h, uid, kind, o, paths)) != 0)
		return NULL;
	d = decision_record(h->email, o->reason);
	json_object_set_new(d, "withheld_reason", kind == SCQ_RELEASE_ALL ? json_null() :
			    json_string(rest));
	json_object_set_new(d, "files", files_list(paths, &withheld));
	json_object_set_new(d, "log", entry(NULL, log ? NULL : rest));
	withheld += !log;
	*to = kind == SCQ_RETURN ? STATE_RETURNED : kind == SCQ_WITHHOLD_ALL ? STATE_WITHHELD :
	      withheld ? STATE_PARTLY_RELEASED : STATE_RELEASED;
	return d;
}

/* The decision is read back by every view of the job and published in
 * the requester's status.json, which stays small (protocol §6): a record
 * past RELEASE_RECORD_MAX is refused before it is written, never cut. */
static int record_fits(scq *h, const char *uid, json_t *d)
{
	char *s = json_dumps(d, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t n = s ? strlen(s) : SIZE_MAX;
	free(s);
	if (n <= RELEASE_RECORD_MAX)
		return 0;
	return scq_fail(h, SCQ_EINVAL, "job '%s': the decision would take more than %zu bytes "
			"(its files and reasons): give fewer files their own reason (the "
			"default reason covers the rest)", uid, (size_t)RELEASE_RECORD_MAX);
}

/* The job must be finished with its results held: what else could be
 * decided on gets a message saying what is true. */
int release_held(scq *h, const char *uid, int st, int fd)
{
	struct buf err = BUF_INIT;
	scq_job *j;
	int held;
	if (st != SCQ_COMPLETED && st != SCQ_FAILED && st != SCQ_CANCELLED)
		return scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only results of finished runs "
				"can be released or withheld", uid, scq_status_name(st));
	j = job_load_store(h, fd, st, &err);
	held = j && scq_job_results_held(j);
	scq_job_free(j);
	buf_release(&err);
	if (!held) /* no audit line for nothing */
		return scq_fail(h, SCQ_ESTATE, "job '%s': nothing to release or withhold (its results "
				"were not held, or were decided on already)", uid);
	return 0;
}

json_t *release_plan(scq *h, int dirfd, const char *uid, int kind,
		     const struct scq_release_options *o, int *to, int *r)
{
	json_t *paths = output_paths(h, dirfd, uid, r), *d = NULL;
	const struct state_row *row;
	if (!paths || !(d = decision(h, uid, kind, o, paths, to, r)))
		goto out;
	row = state_find(STATE_AWAITING_RELEASE, *to);
	json_object_set_new(d, "decision", json_string(row->event));
	if ((*r = record_fits(h, uid, d))) {
		json_decref(d);
		d = NULL;
	}
out:
	json_decref(paths);
	return d;
}


void release_digest(const char *outputs, json_t *d, char out[65])
{
	struct buf b = BUF_INIT;
	json_t *e;
	size_t i;
	buf_addf(&b, "scq-release-vote 1\n%s\nlog %d\n", outputs,
		 json_is_true(json_object_get(json_object_get(d, "log"), "released")));
	json_array_foreach(json_object_get(d, "files"), i, e)
		if (json_is_true(json_object_get(e, "released"))) {
			const char *p = json_string_value(json_object_get(e, "path"));
			buf_adds(&b, p ? p : "");
			buf_add(&b, "", 1); /* a path holds no NUL: the list is unambiguous */
		}
	sha256_hex(b.ptr, b.len, out);
	buf_release(&b);
}

