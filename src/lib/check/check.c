/*
 * check.c - apply the output-checking rules (rules.c) to one output: its
 * type and size, then the cells of a table or the lines of a text.
 *
 * Conventions a checker needs to read the flags:
 *   - rows and columns count from 1 as a spreadsheet shows them; the
 *     header is record 1 when the first record holds any text; row 0 is
 *     the whole column, column 0 the whole row or file;
 *   - the first column of a table holds its row labels (as ACRO writes its
 *     tables: the index first), so it is never taken for counts;
 *   - a count column: every value a whole number >= 0 (or a redaction
 *     marker), its header no statistic, key or share; a share column: a
 *     percentage or proportion by its header; a magnitude column: any
 *     other column of numbers;
 *   - dominance (n, k) and the p % rule need each cell's contributors,
 *     which only the job knows: it may write them beside the table as
 *     <table>.contributors.csv (doc/protocol.md §11); without them a table
 *     with magnitude columns gets one "review" flag per rule.
 * Every loop is bounded by the table's caps (table.h) and the flag caps
 * (check.h); what a cap cut is itself a flag.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "check/check.h"
#include "check/rules.h"
#include "check/table.h"
#include "base/banned.h"

struct ctx {
	struct check_report *rep;
	const struct check_opts *o;
	size_t file;    /* index of the file in rep->files */
	size_t dropped; /* this file's flags past CHECK_MAX_FILE_FLAGS */
};

const char *check_severity_name(int severity)
{
	return severity == CHECK_FAIL ? "fail" : "review";
}

int check_is_sidecar(const char *path)
{
	size_t n = strlen(path), s = strlen(CHECK_SIDECAR_SUFFIX);
	return n > s && !strcmp(path + n - s, CHECK_SIDECAR_SUFFIX);
}

static void add_flag(struct check_report *rep, const char *path, long long row, long long col,
		     const char *rule, int severity, const char *fmt, va_list ap)
{
	struct check_flag *f;
	struct buf msg = BUF_INIT;
	if (rep->nflags >= CHECK_MAX_FLAGS) {
		rep->dropped++;
		return;
	}
	if (rep->nflags == rep->falloc) {
		rep->falloc = rep->falloc ? 2 * rep->falloc : 32;
		rep->flags = xrealloc(rep->flags, xmul(rep->falloc, sizeof(*rep->flags)));
	}
	buf_vaddf(&msg, fmt, ap);
	f = &rep->flags[rep->nflags++];
	f->file = xstrdup(path);
	f->row = row;
	f->col = col;
	f->rule = rule;
	f->severity = severity;
	f->message = buf_detach(&msg, NULL);
}

void check_note(struct check_report *rep, const char *path, long long row, long long col,
		const char *rule, int severity, const char *fmt, ...)
{
	va_list ap;
	size_t i;
	va_start(ap, fmt);
	add_flag(rep, path, row, col, rule, severity, fmt, ap);
	va_end(ap);
	for (i = 0; i < rep->nfiles; i++)
		if (!strcmp(rep->files[i].path, path))
			rep->files[i].flags++;
}

/* A flag of the file being checked, within its cap. */
static void SCQ_PRINTF(6, 7) flag(struct ctx *x, long long row, long long col, const char *rule,
				  int severity, const char *fmt, ...)
{
	struct check_file *f = &x->rep->files[x->file];
	va_list ap;
	if (!severity)
		return;
	if (f->flags >= CHECK_MAX_FILE_FLAGS - 1) { /* the last slot: flags-cut */
		x->dropped++;
		return;
	}
	va_start(ap, fmt);
	add_flag(x->rep, f->path, row, col, rule, severity, fmt, ap);
	va_end(ap);
	f->flags++;
}

static size_t file_add(struct check_report *rep, const char *path, long long size)
{
	struct check_file *f;
	if (rep->nfiles == rep->filealloc) {
		rep->filealloc = rep->filealloc ? 2 * rep->filealloc : 16;
		rep->files = xrealloc(rep->files, xmul(rep->filealloc, sizeof(*rep->files)));
	}
	f = &rep->files[rep->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->size = size;
	f->rows = f->cols = -1;
	return rep->nfiles++;
}

/* Text outputs (and the log): identifiers in any line.  The log's first
 * lines are the runner's own (protocol §7: Job, Requester, ..., then a line
 * of 80 dashes): the requester's e-mail there is no data. */
static void check_lines(struct ctx *x, const char *data, size_t len, int is_log)
{
	const char *p = data, *end = data + len, *nl;
	long long line = 1;
	int header = is_log;
	for (; p < end; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (header) {
			/* at most its 6 lines: a log without them is checked whole */
			header = !(nl - p == 80 && p[0] == '-' && p[79] == '-') && line < 6;
			continue;
		}
		flag(x, line, 0, "email", rule_email(p, (size_t)(nl - p)),
		     "an e-mail address in line %lld (a record identifier)", line);
		flag(x, line, 0, "nhs-number", rule_nhs_number(p, (size_t)(nl - p)),
		     "10 digits with a valid NHS-number check digit in line %lld", line);
	}
}

struct column {
	char words[HEADER_WORDS_MAX];
	const char *header;
	int share;            /* rule_share_header */
	size_t numbers, whole, other; /* numeric cells, whole >= 0 ones, text */
	int count, magnitude;
};

static void classify(const struct table *t, size_t c, size_t first, struct column *col)
{
	size_t r;
	memset(col, 0, sizeof(*col));
	col->header = t->has_header ? table_cell(t, 0, c) : "";
	header_words(col->header, col->words);
	col->share = rule_share_header(col->header, col->words);
	for (r = first; r < t->nrows; r++) {
		const char *s = table_cell(t, r, c);
		double v;
		int integer;
		if (rule_redacted(s))
			continue;
		if (!table_number(s, &v, &integer))
			col->other++;
		else if (col->numbers++, integer && v >= 0)
			col->whole++;
	}
	/* a column of numbers with a few text cells ("see note", "n/a") is
	 * still a column of numbers: one stray cell must not switch the
	 * count rules off for the rest (hostile trial); mostly text is text */
	if (!col->numbers || col->other * 2 > col->numbers)
		return;
	col->count = (c > 0 || t->ncols == 1) && col->whole == col->numbers && !col->share &&
		     !rule_not_count_header(col->words) && !rule_id_header(col->words);
	col->magnitude = !col->count && !col->share && !rule_key_header(col->words);
}

/* The cells of one column: identifiers everywhere, counts and shares by
 * the column's class. */
static void check_cells(struct ctx *x, const struct table *t, size_t c, size_t first,
			const struct column *col)
{
	const struct check_opts *o = x->o;
	int birth = rule_birth_header(col->words);
	long long cn = (long long)c + 1, rn;
	size_t r;
	for (r = first; r < t->nrows; r++) {
		const char *s = table_cell(t, r, c);
		double v;
		int integer;
		rn = (long long)r + 1;
		flag(x, rn, cn, "email", rule_email(s, strlen(s)), "an e-mail address (a record identifier)");
		flag(x, rn, cn, "nhs-number", rule_nhs_number(s, strlen(s)),
		     "10 digits with a valid NHS-number check digit");
		flag(x, rn, cn, "date-of-birth", birth && rule_full_date(s) ? CHECK_FAIL : 0,
		     "a date to the day in a birth column (a date of birth)");
		if (rule_redacted(s) || !table_number(s, &v, &integer))
			continue;
		if (col->count) {
			flag(x, rn, cn, "small-count", rule_small_count(v, o->min_cell_count),
			     "a count below %lld (min_cell_count)", o->min_cell_count);
			flag(x, rn, cn, "unrounded", rule_unrounded(v, o->rounding_base),
			     "a count not rounded to a multiple of %lld (rounding_base)",
			     o->rounding_base);
			flag(x, rn, cn, "zero", rule_zero(v),
			     "a zero count (nobody in the group: class disclosure)");
		}
		flag(x, rn, cn, "full-percent", rule_full_percent(v, col->share),
		     "100 %% of a group share the attribute (class disclosure)");
	}
}

/* Whole columns: headers that name identifiers or extremes, and values
 * unique per row. */
static void check_column(struct ctx *x, const struct table *t, size_t c, size_t first,
			 const struct column *col)
{
	const char **vals = xmalloc(xmul(t->nrows + 1, sizeof(*vals)));
	long long cn = (long long)c + 1;
	size_t r, n = 0, idlike = 0;
	flag(x, 0, cn, "id-column", rule_id_header(col->words),
	     "column %lld is named like a record identifier", cn);
	flag(x, 0, cn, "mixed-column", (col->count || col->magnitude) && col->other ?
	     CHECK_REVIEW : 0, "column %lld mixes %zu number(s) with %zu cell(s) of text: the "
	     "numbers were checked, the text was not", cn, col->numbers, col->other);
	flag(x, 0, cn, "min-max", rule_minmax_header(col->words),
	     "column %lld holds a minimum or maximum (a single record's value)", cn);
	for (r = first; r < t->nrows; r++) {
		const char *s = table_cell(t, r, c);
		if (rule_redacted(s))
			continue;
		idlike += rule_id_like(s);
		vals[n++] = s;
	}
	flag(x, 0, cn, "unique-id", n && idlike == n && rule_unique(vals, n) ? CHECK_REVIEW : 0,
	     "column %lld has a different identifier-like value in each of its %zu rows", cn, n);
	free(vals);
}

/* The sidecar <table>.contributors.csv: one record per cell, with the
 * header row,column,count,sum,num_negative,top1,top2[,top3...] (ACRO's
 * interim figures: count, sum, num_negative; max = top1, top_2_sum =
 * top1 + top2, top_n_sum = top1 + ... + topn).  row and column name the
 * cell as flags do (the table's header is row 1). */
/* Is record f (row, column, count, sum, num_negative) with its ntop
 * largest contributions top[] one that can describe a cell of table t?
 * The job writes it, so it is hostile: a cell outside the table, counts
 * that are not whole or negative, contributions not in order or larger
 * than the sum would switch the rules off (or put a flag where no cell
 * is); such a record is flagged for review instead. */
static int sidecar_record_ok(const struct table *t, const double f[5], const double *top,
			     size_t ntop)
{
	size_t i;
	if (f[0] < (t->has_header ? 2 : 1) || f[0] > (double)t->nrows || f[1] < 1 || f[1] > (double)t->ncols ||
	    f[0] != (double)(long long)f[0] || f[1] != (double)(long long)f[1])
		return 0; /* inside the table, past its header */
	if (f[2] < 0 || f[2] > 1e12 || f[2] != (double)(long long)f[2] || f[4] < 0 ||
	    f[4] > f[2] || f[4] != (double)(long long)f[4] || (double)ntop > f[2])
		return 0;
	for (i = 0; i < ntop; i++)
		if (top[i] < 0 || (i && top[i] > top[i - 1]) || (f[4] == 0 && top[i] > f[3]))
			return 0;
	return 1;
}

static void check_dominance(struct ctx *x, const struct table *t, const char *sidecar,
			    size_t len)
{
	struct table *s = table_parse(sidecar, len, ',');
	const struct check_opts *o = x->o;
	size_t r, i;
	for (r = s->has_header ? 1 : 0; r < s->nrows; r++) {
		double f[5], top[64];
		size_t ntop = 0;
		int ok = 1;
		for (i = 0; i < 5; i++)
			ok &= table_number(table_cell(s, r, i), &f[i], NULL);
		for (i = 5; i < s->widths[r] && ntop < SCQ_NELEM(top); i++)
			if (table_number(table_cell(s, r, i), &top[ntop], NULL))
				ntop++;
		if (!ok || !sidecar_record_ok(t, f, top, ntop)) {
			flag(x, 0, 0, "contributors", CHECK_REVIEW, "record %zu of the contributor "
			     "statistics is not row,column,count,sum,num_negative,top1,... for a "
			     "cell of the table (whole counts, contributions in order)", r + 1);
			continue;
		}
		flag(x, (long long)f[0], (long long)f[1], "dominance",
		     rule_nk_dominance(top, ntop, f[3], (long long)f[4], o->nk_n, o->nk_k),
		     "the %lld largest contributors hold %lld %% or more of the cell "
		     "(n, k rule), or it is undefined (negative contributions, fewer than n listed)",
		     o->nk_n, o->nk_k);
		flag(x, (long long)f[0], (long long)f[1], "p-percent",
		     rule_p_percent(top, ntop, f[3], (long long)f[4], o->p_percent),
		     "the second largest contributor can estimate the largest within %lld %% "
		     "(p %% rule), or it is undefined", o->p_percent);
	}
	table_free(s);
}

static void check_table(struct ctx *x, const char *data, size_t len, char sep,
			const char *sidecar, size_t sidecar_len)
{
	struct check_file *f = &x->rep->files[x->file];
	struct table *t = table_parse(data, len, sep);
	size_t c, first = t->has_header ? 1 : 0;
	long long rows = (long long)(t->nrows - first) + (long long)t->cut_rows;
	int magnitude = 0;
	struct column col;
	f->rows = rows;
	f->cols = (long long)t->ncols;
	flag(x, 0, 0, "row-cap", rule_row_cap(rows, x->o->max_rows),
	     "%lld data rows, more than %lld (max_table_rows)", rows, x->o->max_rows);
	flag(x, 0, 0, "parse", t->parse_error ? CHECK_REVIEW : 0,
	     "the table could not be read whole (an unclosed quote?): checked as far as read");
	flag(x, 0, 0, "table-cut", t->cut_rows || t->cut_cols || t->cut_cells ? CHECK_REVIEW : 0,
	     "checked in part: %zu rows past %d rows or %d cells, the cells of %zu rows past "
	     "%d columns, and %zu cells past %d bytes were not checked", t->cut_rows,
	     TABLE_MAX_ROWS, TABLE_MAX_CELLS, t->cut_cols, TABLE_MAX_COLS, t->cut_cells,
	     TABLE_MAX_CELL);
	for (c = 0; c < t->ncols; c++) {
		classify(t, c, first, &col);
		magnitude |= col.magnitude;
		check_column(x, t, c, first, &col);
		check_cells(x, t, c, first, &col);
	}
	if (sidecar)
		check_dominance(x, t, sidecar, sidecar_len);
	else if (magnitude) {
		flag(x, 0, 0, "dominance", CHECK_REVIEW, "columns of magnitudes without contributor "
		     "statistics (" CHECK_SIDECAR_SUFFIX "): the (n, k) rule cannot be checked");
		flag(x, 0, 0, "p-percent", CHECK_REVIEW, "columns of magnitudes without contributor "
		     "statistics (" CHECK_SIDECAR_SUFFIX "): the p %% rule cannot be checked");
	}
	table_free(t);
}

void check_file(struct check_report *rep, const struct check_opts *o, const char *path,
		long long size, const char *data, size_t len, const char *sidecar,
		size_t sidecar_len, int is_log)
{
	struct ctx x = { rep, o, file_add(rep, path, size), 0 };
	struct check_file *f = &rep->files[x.file];
	const char *kind = "binary";
	int mismatch = check_sniff(path, data, len, f->type, &kind);
	f->kind = kind;
	f->cut = (long long)len < size;
	f->is_log = is_log;
	if (check_is_sidecar(path)) {
		flag(&x, 0, 0, "contributors", CHECK_FAIL, "contributor statistics for the dominance "
		     "rules: they describe single contributors and are never to be released");
		return;
	}
	flag(&x, 0, 0, "size", size > (long long)CHECK_MAX_FILE_BYTES ? CHECK_FAIL : 0,
	     "%lld bytes, more than %zu: only the first %zu were checked", size,
	     CHECK_MAX_FILE_BYTES, len);
	if (!is_log) {
		flag(&x, 0, 0, "type", mismatch ? CHECK_FAIL : 0,
		     "the content is %s, not what the file's name says", f->type);
		flag(&x, 0, 0, "type", !mismatch && !rule_type_allowed(o->release_types, f->type) ?
		     CHECK_FAIL : 0, "type '%s' is not in release_types (%s)",
		     f->type[0] ? f->type : "none", o->release_types);
	}
	if (!strcmp(kind, "text") && (!strcmp(f->type, "csv") || !strcmp(f->type, "tsv"))) {
		f->kind = "table";
		check_table(&x, data, len, !strcmp(f->type, "tsv") ? '\t' : ',', sidecar, sidecar_len);
	} else if (!strcmp(kind, "text")) {
		check_lines(&x, data, len, is_log);
	}
	if (x.dropped)
		check_note(rep, path, 0, 0, "flags-cut", CHECK_REVIEW, "%zu more flags of this "
			   "file are not listed (at most %d a file)", x.dropped, CHECK_MAX_FILE_FLAGS);
}

json_t *check_report_json(const struct check_report *rep)
{
	json_t *o = json_object(), *files = json_array(), *flags = json_array(), *e;
	size_t i;
	for (i = 0; i < rep->nfiles; i++) {
		const struct check_file *f = &rep->files[i];
		e = json_object();
		json_set_name(e, "path", f->path);
		json_object_set_new(e, "size", json_integer(f->size));
		json_object_set_new(e, "type", json_string(f->type));
		json_object_set_new(e, "kind", json_string(f->kind));
		json_object_set_new(e, "rows", f->rows >= 0 ? json_integer(f->rows) : json_null());
		json_object_set_new(e, "columns", f->cols >= 0 ? json_integer(f->cols) : json_null());
		json_object_set_new(e, "flags", json_integer(f->flags));
		json_object_set_new(e, "cut", json_boolean(f->cut));
		json_array_append_new(files, e);
	}
	for (i = 0; i < rep->nflags; i++) {
		const struct check_flag *f = &rep->flags[i];
		e = json_object();
		json_set_name(e, "file", f->file);
		json_object_set_new(e, "row", json_integer(f->row));
		json_object_set_new(e, "column", json_integer(f->col));
		json_object_set_new(e, "rule", json_string(f->rule));
		json_object_set_new(e, "severity", json_string(check_severity_name(f->severity)));
		json_object_set_new(e, "message", json_text(f->message, strlen(f->message), NULL));
		json_array_append_new(flags, e);
	}
	json_object_set_new(o, "files", files);
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "flags_dropped", json_integer((json_int_t)rep->dropped));
	return o;
}

void check_report_free(struct check_report *rep)
{
	size_t i;
	for (i = 0; i < rep->nflags; i++) {
		free(rep->flags[i].file);
		free(rep->flags[i].message);
	}
	for (i = 0; i < rep->nfiles; i++)
		free(rep->files[i].path);
	free(rep->flags);
	free(rep->files);
	memset(rep, 0, sizeof(*rep));
}
