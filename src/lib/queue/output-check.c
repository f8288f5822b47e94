/*
 * output-check.c - scq_output_check (scq.h, "output checking"): the
 * disclosure-risk flags of a finished job's outputs, for the owner who
 * decides on their release (doc/protocol.md §11).
 *
 * The job's held outputs are in the owner's store (jobs/<status>/<uid>/
 * output/ and execution.log, protocol §2, §7); each is read once, up to
 * CHECK_MAX_FILE_BYTES, and handed to the check/ layer with the owner's
 * thresholds.  With SCQ_CHECK_DIFFERENCING each table is also compared
 * with the table of the same name in the most recently released jobs
 * (DIFF_MAX_JOBS of them): a few rows of difference is a differencing
 * note.  A read: nothing is written.  Only the owner's store is read, so a
 * requester gets SCQ_ENOTFOUND: flags never reach the requester.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "check/check.h"
#include "check/rules.h"
#include "check/table.h"
#include "queue/job.h"
#include "queue/run-record.h"
#include "queue/output-check.h"
#include "store/queue.h"
#include "store/settings.h"
#include "base/banned.h"

/* Differencing: released jobs looked at (newest first), entries of a
 * state folder scanned for them, tables compared, bytes of a table read. */
#define DIFF_MAX_JOBS 16
#define DIFF_SCAN_MAX 10000
#define DIFF_MAX_TABLES 16
#define DIFF_MAX_BYTES ((size_t)2 << 20)
/* bytes of released tables read in all (a bound on one check's time) */
#define DIFF_BUDGET ((size_t)64 << 20)

struct scq_output_flags {
	struct check_report rep;
	char *types; /* the release_types the opts point at */
};

struct out_file {
	char *path;
	long long size;
};

struct walk {
	struct out_file *v;
	size_t n, alloc;
	size_t odd;   /* entries that are not regular files */
	int limited;  /* the walk's entry cap was reached */
};

static int on_entry(void *ctx, struct fs_walk_entry *e)
{
	struct walk *w = ctx;
	if (e->limit == FS_LIMIT_ENTRIES || e->limit == FS_LIMIT_DEPTH) {
		w->limited = 1;
		return e->limit == FS_LIMIT_ENTRIES ? -1 : FS_WALK_SKIP;
	}
	if (e->type == FS_T_DIR)
		return 0;
	if (e->type != FS_T_FILE) {
		w->odd++;
		return 0;
	}
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 16;
		w->v = xrealloc(w->v, xmul(w->alloc, sizeof(*w->v)));
	}
	w->v[w->n].path = xstrdup(e->path);
	w->v[w->n++].size = (long long)e->st.st_size;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct out_file *)a)->path, ((const struct out_file *)b)->path);
}

/* The first max bytes of the regular file path below root (no link
 * followed); -1 with errno. */
int output_read_head(int root, const char *path, size_t max, struct buf *out)
{
	int fd = fs_open_beneath(root, path, O_RDONLY | O_NONBLOCK);
	char chunk[65536];
	ssize_t n = 0;
	struct stat st;
	buf_reset(out);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errno = errno ? errno : EINVAL;
		fd_close(&fd);
		return -1;
	}
	while (out->len < max) {
		size_t want = max - out->len < sizeof(chunk) ? max - out->len : sizeof(chunk);
		n = read(fd, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(out, chunk, (size_t)n);
	}
	fd_close(&fd);
	return n < 0 ? -1 : 0;
}

static void load_opts(scq *h, struct check_opts *o, char **types)
{
	*types = setting_list(h, SET_RELEASE_TYPES);
	o->min_cell_count = setting_int(h, SET_MIN_CELL_COUNT);
	o->rounding_base = setting_int(h, SET_ROUNDING_BASE);
	o->release_types = *types;
	o->nk_n = setting_int(h, SET_DOMINANCE_N);
	o->nk_k = setting_int(h, SET_DOMINANCE_K);
	o->p_percent = setting_int(h, SET_P_PERCENT);
	o->max_rows = setting_int(h, SET_MAX_TABLE_ROWS);
}

/* Check every file of output/ (and its sidecars). */
static int check_outputs(scq *h, struct check_report *rep, const struct check_opts *o,
			 int jobfd, const char *uid)
{
	struct walk w = { NULL, 0, 0, 0, 0 };
	struct fs_walk_opts wo = { FS_WALK_SORTED, 0, 0, 0, -1 };
	struct buf data = BUF_INIT, side = BUF_INIT, sp = BUF_INIT;
	int root = fs_open_dir(jobfd, "output"), r = 0;
	size_t i;
	wo.max_entries = setting_int(h, SET_MAX_OUTPUT_FILES) + 1;
	if (root < 0 && errno == ENOENT)
		return 0; /* the run wrote no outputs */
	if (root < 0 || (fs_walk(root, &wo, on_entry, &w) < 0 && !w.limited)) {
		r = scq_fail_errno(h, "job '%s': listing its outputs", uid);
		goto out;
	}
	xqsort(w.v, w.n, sizeof(*w.v), cmp_file);
	for (i = 0; i < w.n; i++) {
		const char *path = w.v[i].path;
		struct out_file key = { NULL, 0 };
		int have_side = 0;
		if (output_read_head(root, path, CHECK_MAX_FILE_BYTES, &data) < 0) {
			r = scq_fail_errno(h, "job '%s': reading output '%s'", uid, path);
			goto out;
		}
		buf_setf(&sp, "%s%s", path, CHECK_SIDECAR_SUFFIX);
		key.path = sp.ptr;
		if (!check_is_sidecar(path) && bsearch(&key, w.v, w.n, sizeof(*w.v), cmp_file))
			have_side = output_read_head(root, sp.ptr, CHECK_MAX_FILE_BYTES, &side) == 0;
		check_file(rep, o, path, w.v[i].size, data.ptr, data.len,
			   have_side ? side.ptr : NULL, side.len, 0);
	}
	if (w.limited || w.odd)
		check_note(rep, "output/", 0, 0, "files-cut", CHECK_REVIEW, "%s%zu entries that are "
			   "not plain files were not checked", w.limited ? "more outputs than "
			   "max_output_files: only the first were checked; " : "", w.odd);
out:
	for (i = 0; i < w.n; i++)
		free(w.v[i].path);
	free(w.v);
	fd_close(&root);
	buf_release(&data);
	buf_release(&side);
	buf_release(&sp);
	return r;
}

static int check_log(scq *h, struct check_report *rep, const struct check_opts *o, int jobfd,
		     const char *uid)
{
	struct buf data = BUF_INIT;
	struct stat st;
	int r = 0;
	if (fstatat(jobfd, OUTPUT_CHECK_LOG, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : scq_fail_errno(h, "job '%s': its log", uid);
	if (output_read_head(jobfd, OUTPUT_CHECK_LOG, CHECK_MAX_FILE_BYTES, &data) < 0)
		r = scq_fail_errno(h, "job '%s': reading its log", uid);
	else
		check_file(rep, o, OUTPUT_CHECK_LOG, (long long)st.st_size, data.ptr, data.len,
			   NULL, 0, 1);
	buf_release(&data);
	return r;
}

struct candidate {
	char uid[64];
	int status;
	time_t mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	return (x->mtime < y->mtime) - (x->mtime > y->mtime);
}

/* The DIFF_MAX_JOBS newest jobs of completed/ and failed/ other than uid
 * (by their folder's mtime), into c; *cut when a folder had more than
 * DIFF_SCAN_MAX entries. */
static size_t candidates(scq *h, const char *uid, struct candidate *c, int *cut)
{
	static const int states[] = { SCQ_COMPLETED, SCQ_FAILED };
	struct candidate *all = NULL;
	size_t n = 0, alloc = 0, i, seen;
	for (i = 0; i < SCQ_NELEM(states); i++) {
		int fd = store_state_peek(h, states[i]);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		struct stat st;
		if (!d) {
			fd_close(&fd);
			continue;
		}
		for (seen = 0; (de = readdir(d)) != NULL;) {
			if (!scq_uid_valid(de->d_name) || !strcmp(de->d_name, uid))
				continue;
			if (++seen > DIFF_SCAN_MAX) {
				*cut = 1;
				break;
			}
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 64;
				all = xrealloc(all, xmul(alloc, sizeof(*all)));
			}
			/* a valid uid: 36 characters */
			memcpy(all[n].uid, de->d_name, strnlen(de->d_name, sizeof(all[n].uid) - 1));
			all[n].uid[strnlen(de->d_name, sizeof(all[n].uid) - 1)] = '\0';
			all[n].status = states[i];
			all[n++].mtime = st.st_mtime;
		}
		closedir(d);
	}
	if (n)
		xqsort(all, n, sizeof(*all), newest_first);
	n = n < DIFF_MAX_JOBS ? n : DIFF_MAX_JOBS;
	if (n)
		memcpy(c, all, n * sizeof(*c));
	free(all);
	return n;
}

/* What bounded the differencing check (said in a note). */
struct diff_cut {
	size_t big;   /* tables over DIFF_MAX_BYTES */
	size_t spent; /* bytes of released tables read */
	int budget;   /* DIFF_BUDGET reached: the rest not compared */
};

/* Compare the tables of rep with the same paths in one released job. */
static void diff_job(scq *h, struct check_report *rep, const struct candidate *c,
		     struct table **mine, size_t ntables, struct diff_cut *cut)
{
	struct run_record res = RUN_RECORD_INIT;
	struct buf data = BUF_INIT;
	json_t *view = NULL, *only = NULL; /* what the requester got: only is NULL for all */
	int jfd = queue_job_dir(h, c->status, c->uid), out = -1;
	size_t i, t = 0;
	if (jfd < 0 || !run_record_load(&res, jfd, SMALL_JSON_MAX) ||
	    job_results_held(h, jfd, c->status, &res) || (out = fs_open_dir(jfd, "output")) < 0)
		goto done;
	view = job_release_view(h, jfd, c->status, &res);
	only = job_released_only(view);
	for (i = 0; i < rep->nfiles && t < ntables; i++) {
		const struct check_file *f = &rep->files[i];
		struct table *theirs, *m;
		long long d;
		if (strcmp(f->kind, "table"))
			continue;
		m = mine[t++]; /* the tables of rep in order, NULL: too large */
		if (cut->spent >= DIFF_BUDGET) {
			cut->budget = 1;
			break;
		}
		/* a table withheld from that job was never released: no risk */
		if (!m || (only && !json_object_get(only, f->path)) ||
		    output_read_head(out, f->path, DIFF_MAX_BYTES + 1, &data) < 0)
			continue;
		cut->spent += data.len;
		if (data.len > DIFF_MAX_BYTES) {
			cut->big++;
			continue;
		}
		theirs = table_parse(data.ptr, data.len, !strcmp(f->type, "tsv") ? '\t' : ',');
		d = table_diff_rows(m, theirs);
		if (rule_differencing(d))
			check_note(rep, f->path, 0, 0, "differencing", CHECK_REVIEW, "differs by %lld "
				   "row(s) from the table of the same name released with job %.8s: "
				   "their difference may reveal a small group", d, c->uid);
		table_free(theirs);
	}
done:
	json_decref(only);
	json_decref(view);
	run_record_release(&res);
	buf_release(&data);
	fd_close(&out);
	fd_close(&jfd);
}

/* Differencing notes for the job's tables (jobfd: its folder). */
static void check_differencing(scq *h, struct check_report *rep, int jobfd, const char *uid)
{
	struct candidate c[DIFF_MAX_JOBS];
	struct table *mine[DIFF_MAX_TABLES] = { NULL };
	struct buf data = BUF_INIT;
	struct diff_cut dc = { 0, 0, 0 };
	size_t i, n = 0, ncand, tables = 0, nfiles = rep->nfiles;
	int cut = 0, root = fs_open_dir(jobfd, "output");
	for (i = 0; i < nfiles && root >= 0; i++) {
		const struct check_file *f = &rep->files[i];
		if (strcmp(f->kind, "table"))
			continue;
		if (++tables > DIFF_MAX_TABLES)
			continue;
		if (output_read_head(root, f->path, DIFF_MAX_BYTES + 1, &data) == 0 &&
		    data.len <= DIFF_MAX_BYTES)
			mine[n] = table_parse(data.ptr, data.len, !strcmp(f->type, "tsv") ? '\t' : ',');
		else
			dc.big++;
		n++;
	}
	ncand = n ? candidates(h, uid, c, &cut) : 0;
	for (i = 0; i < ncand; i++)
		diff_job(h, rep, &c[i], mine, n, &dc);
	if (tables > DIFF_MAX_TABLES || dc.big || cut || dc.budget)
		check_note(rep, "output/", 0, 0, "differencing", CHECK_REVIEW, "differencing was "
			   "checked in part: %zu of %zu tables, tables up to %zu bytes (%zu larger), "
			   "the %d newest released jobs%s%s", n, tables, DIFF_MAX_BYTES, dc.big,
			   DIFF_MAX_JOBS, cut ? " among the first scanned" : "",
			   dc.budget ? ", until 64 MiB of released tables were read" : "");
	for (i = 0; i < n; i++)
		table_free(mine[i]);
	buf_release(&data);
	fd_close(&root);
}

int output_check_job(scq *h, const char *uid, unsigned flags, struct check_report *rep,
		     char **types)
{
	struct check_opts o;
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, jobfd = -1, r = 0;
	*types = NULL;
	if (st < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found in my store (only the data "
				"owner checks outputs)", uid);
	jobfd = queue_job_dir(h, st, uid);
	if (jobfd < 0)
		return scq_fail_errno(h, "job '%s': opening its folder", uid);
	if (!fs_exists(jobfd, "result.json")) {
		r = scq_fail(h, SCQ_ESTATE, "job '%s' is %s: it has no run whose outputs could be "
			     "checked", uid, scq_status_name(st));
		goto out;
	}
	load_opts(h, &o, types);
	r = check_outputs(h, rep, &o, jobfd, uid);
	if (!r)
		r = check_log(h, rep, &o, jobfd, uid);
	if (!r && (flags & SCQ_CHECK_DIFFERENCING))
		check_differencing(h, rep, jobfd, uid);
out:
	fd_close(&jobfd);
	return r;
}

int scq_output_check(scq *h, const char *uid, unsigned flags, scq_output_flags **out)
{
	scq_output_flags *c = xcalloc(1, sizeof(*c));
	int r = output_check_job(h, uid, flags, &c->rep, &c->types);
	*out = NULL;
	if (r) {
		scq_output_flags_free(c);
		return r;
	}
	*out = c;
	return 0;
}

size_t scq_output_flags_count(const scq_output_flags *c)
{
	return c ? c->rep.nflags : 0;
}

int scq_output_flags_at(const scq_output_flags *c, size_t i, struct scq_output_flag *f)
{
	const struct check_flag *cf;
	if (!c || i >= c->rep.nflags)
		return -1;
	cf = &c->rep.flags[i];
	f->file = cf->file;
	f->row = cf->row;
	f->column = cf->col;
	f->rule = cf->rule;
	f->severity = check_severity_name(cf->severity);
	f->message = cf->message;
	return 0;
}

size_t scq_output_flags_fails(const scq_output_flags *c)
{
	size_t i, n = 0;
	for (i = 0; c && i < c->rep.nflags; i++)
		n += c->rep.flags[i].severity == CHECK_FAIL;
	return n;
}

char *scq_output_flags_json(const scq_output_flags *c)
{
	json_t *o = check_report_json(&c->rep);
	char *s;
	json_object_set_new(o, "fail", json_integer((json_int_t)scq_output_flags_fails(c)));
	json_object_set_new(o, "review", json_integer((json_int_t)(c->rep.nflags -
								  scq_output_flags_fails(c))));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

void scq_output_flags_free(scq_output_flags *c)
{
	if (!c)
		return;
	check_report_free(&c->rep);
	free(c->types);
	free(c);
}
