/*
 * t-check.c - the output-checking rules (src/lib/check), table-driven: a
 * clean table gives no flags, and each seeded bad cell gives exactly its
 * flag, at its row and column (the header is row 1; row 0 is a whole
 * column, column 0 a whole file or line).
 */
#include "base/compat.h"
#include "base/buf.h"
#include "check/check.h"
#include "check/rules.h"
#include "check/table.h"
#include "tap.h"

static const struct check_opts defaults = {
	.min_cell_count = 10, .rounding_base = 5,
	.release_types = "csv,tsv,txt,json,png,svg,md",
	.nk_n = 2, .nk_k = 90, .p_percent = 10, .max_rows = 5000,
};

#define CLEAN "group,count,pct\na,15,30\nb,20,40\nc,15,30\n"

static const struct tcase {
	const char *name, *path, *data, *sidecar;
	const char *want; /* "rule@row,col " for each flag, in order */
} cases[] = {
	{ "a clean table", "t.csv", CLEAN, NULL, "" },
	{ "a clean TSV", "t.tsv", "group\tcount\npa\t15\npb\t20\n", NULL, "" },
	{ "a count of 5", "t.csv", "group,count,pct\na,15,30\nb,5,40\nc,15,30\n", NULL,
	  "small-count@3,2 " },
	{ "a count of 3: small and unrounded", "t.csv", "group,count\na,15\nb,3\n", NULL,
	  "small-count@3,2 unrounded@3,2 " },
	{ "an unrounded count", "t.csv", "group,count,pct\na,15,30\nb,23,40\nc,15,30\n", NULL,
	  "unrounded@3,2 " },
	{ "a zero count", "t.csv", "group,count,pct\na,15,30\nb,20,40\nc,0,30\n", NULL,
	  "zero@4,2 " },
	{ "a 100 % cell", "t.csv", "group,count,pct\na,15,30\nb,20,100\nc,15,30\n", NULL,
	  "full-percent@3,3 " },
	{ "a proportion of 1", "t.csv", "group,count,proportion\na,15,0.5\nb,20,1\n", NULL,
	  "full-percent@3,3 " },
	{ "redaction markers are no values", "t.csv",
	  "group,count,pct\na,[redacted],30\nb,<=7,40\nc,,30\nd,NA,10\n", NULL, "" },
	{ "quoting: a separator inside quotes", "t.csv",
	  "group,count,pct\n\"a, b\",15,30\n\"c \"\"d\"\"\",5,40\n", NULL, "small-count@3,2 " },
	{ "a line break inside quotes", "t.csv",
	  "group,count\n\"a\nb\",15\nc,5\n", NULL, "small-count@3,2 " },
	{ "an identifier header", "t.csv", "patient_id,count\na,15\nb,20\n", NULL,
	  "id-column@0,1 " },
	{ "a min/max column", "t.csv", "group,count,max\na,15,20\nb,20,30\n", NULL,
	  "min-max@0,3 " },
	{ "an e-mail address", "t.csv", "group,count\nann@example.org,15\nb,20\n", NULL,
	  "email@2,1 " },
	{ "an NHS number", "t.csv", "group,count\na,15\n943 476 5919,20\n", NULL,
	  "nhs-number@3,1 " },
	{ "10 digits with a wrong check digit", "t.csv", "group,count\n9434765918,15\n", NULL,
	  "" },
	{ "a date of birth", "t.csv", "group,count,born_on\na,15,1980\nb,20,1981-02-03\n", NULL,
	  "date-of-birth@3,3 " },
	{ "a full date elsewhere", "t.csv", "week,count\n2024-01-01,15\n2024-01-08,20\n", NULL,
	  "" },
	{ "unique identifier-like values", "t.csv",
	  "ref,count\nPX01,15\nPX02,15\nPX03,15\nPX04,15\nPX05,15\nPX06,15\nPX07,15\nPX08,15\n"
	  "PX09,15\nPX10,15\n", NULL, "unique-id@0,1 " },
	{ "repeated identifier-like values", "t.csv",
	  "ref,count\nPX01,15\nPX02,15\nPX03,15\nPX04,15\nPX05,15\nPX06,15\nPX07,15\nPX08,15\n"
	  "PX09,15\nPX01,15\n", NULL, "" },
	{ "magnitudes without contributors", "t.csv", "group,mean_cost\na,12.5\nb,30.25\n", NULL,
	  "dominance@0,0 p-percent@0,0 " },
	{ "contributors: dominated (n, k) and p %", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n3,2,20,1000,0,950,20\n",
	  "dominance@3,2 p-percent@3,2 " },
	{ "contributors: n, k only", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n2,2,15,1000,0,500,450\n",
	  "dominance@2,2 " },
	{ "contributors: clean", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n2,2,15,1000,0,300,200\n", "" },
	{ "contributors: negative, both undefined", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n4,3,15,1000,1,300,200\n",
	  "dominance@4,3 p-percent@4,3 " },
	/* a stray text cell does not switch the count rules off (hostile trial) */
	{ "a count column with one text cell", "t.csv",
	  "group,count\na,15\nb,3\nc,see note\nd,20\n", NULL,
	  "mixed-column@0,2 small-count@3,2 unrounded@3,2 " },
	{ "a column of text with one number stays text", "t.csv",
	  "group,label\na,x\nb,3\nc,y\nd,z\n", NULL, "" },
	/* hostile sidecar records (hostile trial): each is flagged, not believed */
	{ "contributors: a row far outside the table", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n999999999999,2,20,1000,0,950,20\n",
	  "contributors@0,0 " },
	{ "contributors: a row of 1e300 (no cast of it)", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n1e300,2,20,1000,0,950,20\n",
	  "contributors@0,0 " },
	{ "contributors: a negative num_negative", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n3,2,20,1000,-3,950,20\n",
	  "contributors@0,0 " },
	{ "contributors: a top larger than the sum", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n3,2,2,0,0,950,20\n",
	  "contributors@0,0 " },
	{ "contributors: tops out of order", "t.csv", CLEAN,
	  "row,column,count,sum,num_negative,top1,top2\n3,2,20,1000,0,20,950\n",
	  "contributors@0,0 " },
	{ "a sidecar is never released", "t.csv" CHECK_SIDECAR_SUFFIX,
	  "row,column,count,sum,num_negative,top1,top2\n", NULL, "contributors@0,0 " },
	{ "a PNG", "plot.png", "\x89PNG\r\n\x1a\n....", NULL, "" },
	{ "a PNG named .csv", "plot.csv", "\x89PNG\r\n\x1a\n....", NULL, "type@0,0 " },
	{ "a type not allowed", "model.py", "print(1)\n", NULL, "type@0,0 " },
	{ "a SQLite database", "db.sqlite", "SQLite format 3\0....", NULL, "type@0,0 " },
	{ "text with an e-mail in line 2", "notes.txt", "fine\nwrite to x@y.org\n", NULL,
	  "email@2,0 " },
	{ "clean text", "notes.md", "# results\nall counts rounded to 5\n", NULL, "" },
};

/* The flags of rep as "rule@row,col " each. */
static void flags_of(const struct check_report *rep, struct buf *out)
{
	size_t i;
	buf_reset(out);
	for (i = 0; i < rep->nflags; i++)
		buf_addf(out, "%s@%lld,%lld ", rep->flags[i].rule, rep->flags[i].row,
			 rep->flags[i].col);
}

static void run_cases(void)
{
	struct buf got = BUF_INIT;
	size_t i;
	for (i = 0; i < SCQ_NELEM(cases); i++) {
		const struct tcase *c = &cases[i];
		struct check_report rep = { 0 };
		size_t len = strlen(c->data);
		if (!strncmp(c->data, "SQLite", 6))
			len = 20; /* holds a NUL */
		check_file(&rep, &defaults, c->path, (long long)len, c->data, len, c->sidecar,
			   c->sidecar ? strlen(c->sidecar) : 0, 0);
		flags_of(&rep, &got);
		is_str(got.ptr, c->want, "%s", c->name);
		check_report_free(&rep);
	}
	buf_release(&got);
}

static void row_cap(void)
{
	struct check_opts o = defaults;
	struct check_report rep = { 0 };
	struct buf got = BUF_INIT;
	o.max_rows = 2;
	check_file(&rep, &o, "t.csv", 0, CLEAN, strlen(CLEAN), NULL, 0, 0);
	flags_of(&rep, &got);
	is_str(got.ptr, "row-cap@0,0 ", "3 data rows over a cap of 2");
	is_int(rep.files[0].rows, 3, "the file's rows");
	is_int(rep.files[0].cols, 3, "and columns");
	is_str(rep.files[0].kind, "table", "kind table");
	check_report_free(&rep);
	buf_release(&got);
}

/* A file with more flags than a file may show: the last says how many more. */
static void flag_cap(void)
{
	struct check_report rep = { 0 };
	struct buf t = BUF_INIT;
	int i;
	buf_adds(&t, "group,count\n");
	for (i = 0; i < 1000; i++)
		buf_addf(&t, "g%d,3\n", i);
	check_file(&rep, &defaults, "t.csv", (long long)t.len, t.ptr, t.len, NULL, 0, 0);
	is_int((long long)rep.nflags, CHECK_MAX_FILE_FLAGS, "at most %d flags a file",
	       CHECK_MAX_FILE_FLAGS);
	is_str(rep.flags[rep.nflags - 1].rule, "flags-cut", "the last one says so");
	is_str(rep.flags[rep.nflags - 1].message, "1801 more flags of this file are not listed "
	       "(at most 200 a file)", "with the count left out (2000 flags, 199 listed)");
	check_report_free(&rep);
	buf_release(&t);
}

/* A cut read: the size is said, and a value never appears in a message. */
static void cut_and_no_values(void)
{
	struct check_report rep = { 0 };
	size_t i;
	int clean = 1;
	const char *data = "group,count\nsecretname@example.org,3\n";
	check_file(&rep, &defaults, "t.csv", (long long)CHECK_MAX_FILE_BYTES + 1, data,
		   strlen(data), NULL, 0, 0);
	ok(rep.files[0].cut, "a file read in part is marked cut");
	is_str(rep.flags[0].rule, "size", "and flagged for its size");
	for (i = 0; i < rep.nflags; i++)
		clean &= !strstr(rep.flags[i].message, "secretname") &&
			 !strstr(rep.flags[i].message, "3 ");
	ok(clean, "no message carries a cell's content");
	check_report_free(&rep);
}

static void rules(void)
{
	char w[HEADER_WORDS_MAX];
	double top[2] = { 90, 5 };
	header_words("Patient ID", w);
	is_str(w, "patient_id", "header words");
	ok(rule_id_header(w), "Patient ID is an identifier header");
	header_words("region_name", w);
	ok(!rule_id_header(w), "region_name is not");
	ok(rule_type_allowed("csv,tsv", "tsv") && !rule_type_allowed("csv,tsv", "cs") &&
	   !rule_type_allowed("csv,tsv", ""), "type lists match whole entries");
	is_int(rule_nk_dominance(top, 2, 100, 0, 2, 90), CHECK_FAIL, "95 of 100 by two: fails");
	is_int(rule_nk_dominance(top, 1, 100, 0, 2, 90), CHECK_REVIEW, "one top for n 2: review");
	is_int(rule_p_percent(top, 2, 100, 0, 10), CHECK_FAIL, "p %%: 5/90 < 10 %%");
	is_int(rule_small_count(9, 10), CHECK_FAIL, "9 < 10");
	is_int(rule_small_count(10, 10), 0, "10 is not below 10");
	is_int(rule_differencing(1), CHECK_REVIEW, "one row of difference: review");
	is_int(rule_differencing(0), 0, "identical tables: no differencing note");
	is_int(rule_differencing(4), 0, "four rows: not a few");
	ok(rule_redacted(" <5") && rule_redacted("[REDACTED]") && !rule_redacted("5"),
	   "redaction markers");
}

/* The parse caps: cells of a record past TABLE_MAX_COLS, and records past
 * TABLE_MAX_CELLS cells in all, are counted, not kept. */
static void caps(void)
{
	struct buf b = BUF_INIT;
	struct table *t;
	int r, c;
	for (r = 0; r < 1100; r++)
		for (c = 0; c < 1000; c++)
			buf_adds(&b, c == 999 ? "1\n" : "1,");
	t = table_parse(b.ptr, b.len, ',');
	ok(t->ncells <= TABLE_MAX_CELLS, "at most %d cells kept", TABLE_MAX_CELLS);
	is_int((long long)(t->nrows + t->cut_rows), 1100, "every record kept or counted as cut");
	ok(t->cut_rows >= 100, "the records past the cell cap are counted (%zu)", t->cut_rows);
	table_free(t);
	buf_reset(&b);
	for (c = 0; c < 1500; c++)
		buf_adds(&b, "x,");
	t = table_parse(b.ptr, b.len, ',');
	is_int((long long)t->ncols, TABLE_MAX_COLS, "a wide record keeps %d columns", TABLE_MAX_COLS);
	is_int((long long)t->cut_cols, 1, "and is counted as cut");
	table_free(t);
	buf_release(&b);
}

static void parser(void)
{
	struct table *t = table_parse("a,b\n1,\"x,y\"\n2", 14, ',');
	is_int((long long)t->nrows, 3, "three records, the last without a line end");
	is_str(table_cell(t, 1, 1), "x,y", "a quoted separator");
	is_str(table_cell(t, 2, 1), "", "a short record reads empty past its end");
	ok(t->has_header, "a text first record is the header");
	table_free(t);
	t = table_parse("1,2\n3,4\n", 8, ',');
	ok(!t->has_header, "a numeric first record is data");
	table_free(t);
	/* a quote left open hides the rows after it in one cell: an error */
	t = table_parse("g,n\nA,\"3\nB,1\nC,2\n", 17, ',');
	ok(t->parse_error, "an unclosed quote is a parse error, not one long cell");
	table_free(t);
	t = table_parse("g,n\nA,3\"x\"\n", 11, ',');
	ok(t->parse_error, "a quote inside an unquoted cell is a parse error");
	table_free(t);
	caps();
}

static long long diff(const char *a, const char *b)
{
	struct table *ta = table_parse(a, strlen(a), ','), *tb = table_parse(b, strlen(b), ',');
	long long d = table_diff_rows(ta, tb);
	table_free(ta);
	table_free(tb);
	return d;
}

static void differencing(void)
{
	is_int(diff(CLEAN, CLEAN), 0, "a table and itself: no row differs");
	is_int(diff(CLEAN, "group,count,pct\nc,15,30\nb,20,40\na,15,30\n"), 0,
	       "the same rows in another order");
	is_int(diff(CLEAN, "group,count,pct\na,15,30\nb,20,40\n"), 1, "one row left out");
	is_int(diff(CLEAN, "group,count,pct\na,15,30\nb,25,40\nc,15,30\nd,5,5\n"), 2,
	       "one row changed, one added");
	is_int(diff(CLEAN, "group,n,pct\na,15,30\n"), -1, "another header: not comparable");
}

/* A mock's schema (mock.c): each column's type from its data cells. */
static void column_types(void)
{
	static const char csv[] = "id,score,born,name,none,mixed,bad_date\n"
				  "1,2.5,1990-03-04,ann,,1,2020-13-01\n"
				  "2,3,1991-12-31,bob,,1990-01-01,2020-01-01\n"
				  "-3,1e3,,x y,,,\n";
	static const char *const want[] = { "int", "float", "date", "text", "empty", "text",
					    "text" };
	struct table *t = table_parse(csv, strlen(csv), ',');
	size_t c;
	for (c = 0; c < SCQ_NELEM(want); c++)
		is_str(table_column_type(t, c), want[c], "column %s is %s (an empty cell says nothing)",
		       table_cell(t, 0, c), want[c]);
	table_free(t);
	t = table_parse("1,2020-01-01\n2,2020-02-02\n", 26, ',');
	is_str(table_column_type(t, 0), "int", "without a header every record is data");
	is_str(table_column_type(t, 1), "date", "...a date column too");
	table_free(t);
}

int main(void)
{
	column_types();
	run_cases();
	row_cap();
	flag_cap();
	cut_and_no_values();
	rules();
	parser();
	differencing();
	return done_testing();
}
