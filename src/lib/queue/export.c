/*
 * export.c - scq_export_acro (scq.h, "output checking"): a held or released job as
 * an ACRO results folder, so an owner who checks outputs with the SACRO
 * tools opens it in SACRO-Viewer (doc/protocol.md §11).
 *
 * The format is ACRO's results.json, checked against ACRO's source
 * (AI-SDC/ACRO acro/record.py, Records.finalise_json, v0.4.12 and v1.0.1)
 * and SACRO-Viewer's reader (sacro/models.py ACROOutputs: version >= 0.4,
 * results -> files -> name, sdc.cells as [row, column] pairs, checksums
 * in checksums/NAME.txt beside it).  Written by us, not copied:
 *   {"version": "0.4.12",
 *    "results": {"output_0": {uid, status (pass|fail|review), type (table
 *       or custom), properties, files: [{name, sdc: {summary, cells}}],
 *       outcome, command, summary, timestamp, comments, exception}}}
 * One ACRO output per file (SACRO-Viewer decides per output), and only
 * for what the requester was sent: a withheld file or log is left out.  A cell is
 * [row, column] as ACRO numbers a table's data: rows from 0 after the
 * header, columns from 0 after the first (index) column, which is how
 * SACRO-Viewer highlights them (tr:nth-child(row + 1), td:nth-child(col +
 * 2)); a flag in the label column is column -1.  ACRO's names stand for
 * our rules where they are the same check (threshold = small-count,
 * nk-rule = dominance, p-ratio = p-percent); the others keep our names.
 * The copies go under files/, so no output can take the name results.json
 * or checksums/.
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/hash.h"
#include "check/check.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "queue/output-check.h"
#include "queue/run-record.h"
#include "store/queue.h"
#include "base/banned.h"

#define ACRO_VERSION "0.4.12"
#define EXPORT_FILES "files/"

static const char *acro_name(const char *rule)
{
	return !strcmp(rule, "small-count") ? "threshold" : !strcmp(rule, "dominance") ?
	       "nk-rule" : !strcmp(rule, "p-percent") ? "p-ratio" : rule;
}

/* ACRO's sdc of one file: every ACRO 0.4 key present (0 and []), then
 * ours as they occur. */
static json_t *sdc_of(const struct check_report *rep, const struct check_file *f)
{
	static const char *const acro[] = { "negative", "missing", "threshold", "p-ratio",
					    "nk-rule", "all-values-are-same" };
	json_t *sdc = json_object(), *sum = json_object(), *cells = json_object(), *a;
	size_t i;
	json_object_set_new(sum, "suppressed", json_false());
	for (i = 0; i < SCQ_NELEM(acro); i++) {
		json_object_set_new(sum, acro[i], json_integer(0));
		json_object_set_new(cells, acro[i], json_array());
	}
	for (i = 0; i < rep->nflags; i++) {
		const struct check_flag *fl = &rep->flags[i];
		const char *name = acro_name(fl->rule);
		if (strcmp(fl->file, f->path))
			continue;
		json_object_set_new(sum, name, json_integer(json_integer_value(
					json_object_get(sum, name)) + 1));
		if (!(a = json_object_get(cells, name)))
			json_object_set_new(cells, name, a = json_array());
		if (!strcmp(f->kind, "table") && fl->row >= 2 && fl->col >= 1)
			json_array_append_new(a, json_pack("[II]", (json_int_t)(fl->row - 2),
							   (json_int_t)(fl->col - 2)));
	}
	json_object_set_new(sdc, "summary", sum);
	json_object_set_new(sdc, "cells", cells);
	return sdc;
}

static void where(struct buf *b, long long row, long long col)
{
	if (row > 0 && col > 0)
		buf_addf(b, "row %lld, column %lld", row, col);
	else if (row > 0)
		buf_addf(b, "line %lld", row);
	else if (col > 0)
		buf_addf(b, "column %lld", col);
	else
		buf_adds(b, "whole file");
}

/* status, summary, outcome and comments of one file from its flags. */
static void describe(const struct check_report *rep, const struct check_file *f, json_t *o)
{
	json_t *comments = json_array(), *outcome = json_object(), *col;
	struct buf sum = BUF_INIT, c = BUF_INIT, key = BUF_INIT;
	int worst = 0;
	size_t i, listed = 0;
	for (i = 0; i < rep->nflags; i++) {
		const struct check_flag *fl = &rep->flags[i];
		if (strcmp(fl->file, f->path))
			continue;
		listed++;
		worst = fl->severity > worst ? fl->severity : worst;
		buf_reset(&c);
		buf_addf(&c, "%s ", fl->severity == CHECK_FAIL ? "FAIL" : "REVIEW");
		where(&c, fl->row, fl->col);
		buf_addf(&c, ", %s: %s", fl->rule, fl->message);
		json_array_append_new(comments, json_text(c.ptr, c.len, NULL));
		if (!strstr(sum.ptr, fl->rule))
			buf_addf(&sum, "%s%s", sum.len ? ", " : "", fl->rule);
		if (fl->row > 0 && fl->col > 0) { /* by numbers: no label or value */
			buf_setf(&key, "column %lld", fl->col);
			if (!(col = json_object_get(outcome, key.ptr)))
				json_object_set_new(outcome, key.ptr, col = json_object());
			buf_setf(&key, "row %lld", fl->row);
			buf_setf(&c, "%s%s%s", json_string_value(json_object_get(col, key.ptr)) ?
				 json_string_value(json_object_get(col, key.ptr)) : "",
				 json_object_get(col, key.ptr) ? "; " : "", acro_name(fl->rule));
			json_object_set_new(col, key.ptr, json_string(c.ptr));
		}
	}
	/* flags past the report's caps, or a file checked only in part: what
	 * nobody saw is never a pass */
	if (f->flags > (long long)listed || f->cut) {
		worst = worst > CHECK_REVIEW ? worst : CHECK_REVIEW;
		buf_setf(&c, "REVIEW %s", f->cut ? "only the first part of the file was checked" :
			 "more flags than the report holds (its caps): see scq review-output");
		json_array_append_new(comments, json_string(c.ptr));
	}
	buf_setf(&c, "%s%s%s", worst == CHECK_FAIL ? "fail" : worst ? "review" : "pass",
		 sum.len ? "; " : "", sum.ptr);
	json_object_set_new(o, "status", json_string(worst == CHECK_FAIL ? "fail" :
						   worst ? "review" : "pass"));
	json_object_set_new(o, "summary", json_string(c.ptr));
	json_object_set_new(o, "outcome", outcome);
	json_object_set_new(o, "comments", comments);
	buf_release(&sum);
	buf_release(&c);
	buf_release(&key);
}

static json_t *properties(const char *uid, const struct check_file *f, const char *sha)
{
	json_t *p = json_object();
	json_object_set_new(p, "method", json_string("scq"));
	json_object_set_new(p, "job", json_string(uid));
	json_set_name(p, "path", f->path);
	json_object_set_new(p, "size", json_integer(f->size));
	json_object_set_new(p, "sha256", json_string(sha));
	json_object_set_new(p, "file_type", json_string(f->type));
	json_object_set_new(p, "kind", json_string(f->kind));
	if (f->rows >= 0) {
		json_object_set_new(p, "rows", json_integer(f->rows));
		json_object_set_new(p, "columns", json_integer(f->cols));
	}
	return p;
}

/* Copy src/path to dst/files/path and write checksums/files/path.txt;
 * sha gets the copy's SHA-256. */
static int copy_out(int src, const char *path, int dst, char sha[65], struct buf *err)
{
	crypto_hash_sha256_state hs;
	struct buf name = BUF_INIT;
	struct fs_copy c;
	const char *base;
	int pd = -1, r = -1;
	memset(&c, 0, sizeof(c));
	c.max = (uint64_t)1 << 40;
	c.flags = FS_COPY_BENEATH | FS_COPY_EXACT;
	c.fn = sha256_chunk;
	c.ctx = &hs;
	crypto_hash_sha256_init(&hs);
	buf_addf(&name, EXPORT_FILES "%s", path);
	if ((pd = manifest_open_parent(dst, name.ptr, 1, &base)) < 0 ||
	    fs_copy_file(src, path, pd, base, &c) < 0) {
		buf_addf(err, "copying '%s': %s", path, strerror(errno));
		goto out;
	}
	sha256_chunk_hex(&hs, sha);
	fd_close(&pd);
	buf_setf(&name, "checksums/" EXPORT_FILES "%s.txt", path);
	if ((pd = manifest_open_parent(dst, name.ptr, 1, &base)) < 0 ||
	    fs_write_atomic(pd, base, sha, 64, 0) < 0) {
		buf_addf(err, "writing the checksum of '%s': %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	fd_close(&pd);
	buf_release(&name);
	return r;
}

/* The job's folder (*jobfd) and its release view (*view, job.h: its
 * results_held says the owner has not decided yet). */
static int release_view(scq *h, const char *uid, int *jobfd, json_t **view)
{
	struct run_record res = RUN_RECORD_INIT;
	int st = queue_locate(h, uid), have;
	*jobfd = st >= 0 ? queue_job_dir(h, st, uid) : -1;
	if (*jobfd < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found in my store", uid);
	have = run_record_load(&res, *jobfd, SMALL_JSON_MAX);
	*view = job_release_view(h, *jobfd, st, have ? &res : NULL);
	run_record_release(&res);
	return 0;
}

/*
 * Does output f go into the export?  While the results are held, all of
 * them: the owner exports to decide in SACRO-Viewer, on its own machine.
 * Once decided, only what the requester was sent (only:
 * job_released_only): a withheld file or log never leaves through an
 * export either.
 */
static int exported(const struct check_file *f, json_t *view, json_t *only)
{
	if (json_is_true(json_object_get(view, "results_held")))
		return 1;
	if (f->is_log)
		return !job_log_withheld(view);
	return !only || json_object_get(only, f->path);
}

static int export_files(scq *h, const char *uid, const struct check_report *rep, int jobfd,
			int dst, json_t *view, json_t *results)
{
	json_t *only = job_released_only(view);
	struct buf err = BUF_INIT, name = BUF_INIT, ts = BUF_INIT;
	char sha[65], now[ISO_LEN];
	int out = fs_open_dir(jobfd, "output"), r = 0;
	size_t i;
	time_now_iso(now);
	for (i = 0; i < rep->nfiles && !r; i++) {
		const struct check_file *f = &rep->files[i];
		int is_log = f->is_log;
		json_t *o, *file, *files;
		if (!exported(f, view, only))
			continue;
		o = json_object(), file = json_object(), files = json_array();
		if (copy_out(is_log ? jobfd : out, f->path, dst, sha, &err) < 0)
			r = scq_fail(h, SCQ_EIO, "exporting job '%s': %s", uid, err.ptr);
		buf_setf(&name, "output_%zu", i);
		buf_setf(&ts, EXPORT_FILES "%s", f->path);
		json_object_set_new(o, "uid", json_string(name.ptr));
		json_object_set_new(o, "type", json_string(strcmp(f->kind, "table") ? "custom" :
							  "table"));
		json_object_set_new(o, "properties", properties(uid, f, sha));
		json_set_name(file, "name", ts.ptr);
		json_object_set_new(file, "sdc", sdc_of(rep, f));
		json_array_append_new(files, file);
		json_object_set_new(o, "files", files);
		describe(rep, f, o);
		buf_setf(&ts, "scq job %s", uid);
		json_object_set_new(o, "command", json_string(ts.ptr));
		json_object_set_new(o, "timestamp", json_string(now));
		json_object_set_new(o, "exception", json_string(""));
		json_object_set_new(results, name.ptr, o);
	}
	json_decref(only);
	fd_close(&out);
	buf_release(&err);
	buf_release(&name);
	buf_release(&ts);
	return r;
}

int scq_export_acro(scq *h, const char *uid, const char *dir)
{
	struct check_report rep = { 0 };
	char *types = NULL;
	json_t *doc = NULL, *view = NULL, *results = json_object();
	int jobfd = -1, dst = -1, r;
	if ((r = output_check_job(h, uid, SCQ_CHECK_DIFFERENCING, &rep, &types)) ||
	    (r = release_view(h, uid, &jobfd, &view)))
		goto out;
	if (fs_mkdir_p(dir, 0755) < 0 || (dst = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "exporting to '%s'", dir);
		goto out;
	}
	if (fs_exists(dst, "results.json")) {
		r = scq_fail(h, SCQ_EPERM, "'%s/results.json' already exists; not overwritten", dir);
		goto out;
	}
	if ((r = export_files(h, uid, &rep, jobfd, dst, view, results)))
		goto out;
	if (json_object_size(results) == 0) { /* withheld or returned whole */
		r = scq_fail(h, SCQ_ESTATE, "nothing of job '%s' was released to its requester "
			     "(decision: %s): nothing to export", uid,
			     json_string_value(json_object_get(view, "release_state")) ?
			     json_string_value(json_object_get(view, "release_state")) : "none");
		goto out;
	}
	doc = json_pack("{s:s, s:O}", "version", ACRO_VERSION, "results", results);
	if (json_write_at(dst, "results.json", doc, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/results.json'", dir);
out:
	json_decref(doc);
	json_decref(view);
	json_decref(results);
	check_report_free(&rep);
	free(types);
	fd_close(&jobfd);
	fd_close(&dst);
	return r;
}
