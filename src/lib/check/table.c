/*
 * table.c - CSV and TSV outputs parsed with libcsv (Debian's libcsv-dev),
 * for the output checks (check.c).
 *
 * libcsv handles quoting, doubled quotes, separators and line breaks
 * inside quotes; we only collect its fields.  It allocates through our
 * xrealloc (so exhaustion reaches the one OOM hook).  Its own field buffer
 * grows with the longest field, so the input size (the caller's read cap)
 * bounds it; what we keep is bounded here: records, columns and bytes a
 * cell, each cut counted in the table so the report can say what was cut.
 */
#include "base/compat.h"
#include <csv.h>
#include "base/alloc.h"
#include "check/table.h"
#include "base/banned.h"

struct parse {
	struct table *t;
	char **cur;      /* the record being read */
	size_t n, alloc; /* its cells */
	int wide;        /* it had more than TABLE_MAX_COLS cells */
};

static void *csv_xrealloc(void *p, size_t n)
{
	return xrealloc(p, n);
}

/* libcsv: one field of the current record. */
static void on_field(void *data, size_t len, void *ctx)
{
	struct parse *p = ctx;
	if (p->t->nrows >= TABLE_MAX_ROWS || p->t->ncells + p->n >= TABLE_MAX_CELLS)
		return; /* counted at the end of the record */
	if (p->n >= TABLE_MAX_COLS) {
		p->wide = 1;
		return;
	}
	if (len > TABLE_MAX_CELL) {
		len = TABLE_MAX_CELL;
		p->t->cut_cells++;
	}
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 8;
		p->cur = xrealloc(p->cur, xmul(p->alloc, sizeof(*p->cur)));
	}
	p->cur[p->n++] = xstrndup(data ? data : "", data ? len : 0);
}

/* libcsv: the end of a record. */
static void on_record(int term, void *ctx)
{
	struct parse *p = ctx;
	struct table *t = p->t;
	size_t i;
	(void)term;
	if (t->nrows >= TABLE_MAX_ROWS || t->ncells + p->n >= TABLE_MAX_CELLS) {
		for (i = 0; i < p->n; i++) /* a record cut by the cell cap */
			free(p->cur[i]);
		p->n = 0;
		p->wide = 0;
		t->cut_rows++;
		return;
	}
	if (t->nrows == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 64;
		t->rows = xrealloc(t->rows, xmul(t->alloc, sizeof(*t->rows)));
		t->widths = xrealloc(t->widths, xmul(t->alloc, sizeof(*t->widths)));
	}
	t->cut_cols += p->wide;
	t->rows[t->nrows] = p->cur;
	t->ncells += p->n;
	t->widths[t->nrows++] = p->n;
	if (p->n > t->ncols)
		t->ncols = p->n;
	p->cur = NULL;
	p->n = p->alloc = 0;
	p->wide = 0;
}

int table_number(const char *s, double *v, int *integer)
{
	char *end;
	const char *p;
	double x;
	while (*s == ' ')
		s++;
	if (!*s || strchr("+-.0123456789", *s) == NULL)
		return 0; /* strtod would take "inf", "nan", hex */
	errno = 0;
	x = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return 0;
	while (*end == ' ')
		end++;
	if (*end)
		return 0;
	for (p = s; p < end && !strchr(".eE", *p); p++)
		;
	if (v)
		*v = x;
	if (integer)
		*integer = p == end;
	return 1;
}

/* The first record names the columns unless every cell of it is a number
 * (or empty): a table of numbers with no header is read as all data. */
static int first_is_header(const struct table *t)
{
	size_t c;
	if (!t->nrows)
		return 0;
	for (c = 0; c < t->widths[0]; c++)
		if (t->rows[0][c][0] && !table_number(t->rows[0][c], NULL, NULL))
			return 1;
	return 0;
}

struct table *table_parse(const char *data, size_t len, char sep)
{
	struct table *t = xcalloc(1, sizeof(*t));
	struct parse p = { t, NULL, 0, 0, 0 };
	struct csv_parser cp;
	size_t i;
	/* strict: a quote left open swallows the rest of the file into one
	 * cell, and a lenient parser would hide those rows from every rule;
	 * strict makes it a parse error, which the checks flag for review */
	if (csv_init(&cp, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
		t->parse_error = 1;
		return t;
	}
	csv_set_realloc_func(&cp, csv_xrealloc);
	csv_set_free_func(&cp, free);
	csv_set_delim(&cp, (unsigned char)sep);
	if (csv_parse(&cp, data, len, on_field, on_record, &p) != len)
		t->parse_error = 1;
	if (csv_fini(&cp, on_field, on_record, &p) != 0)
		t->parse_error = 1;
	csv_free(&cp);
	for (i = 0; i < p.n; i++) /* a record libcsv never ended */
		free(p.cur[i]);
	free(p.cur);
	t->has_header = first_is_header(t);
	return t;
}

const char *table_cell(const struct table *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->widths[row])
		return "";
	return t->rows[row][col];
}

void table_free(struct table *t)
{
	size_t r, c;
	if (!t)
		return;
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->widths[r]; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t->widths);
	free(t);
}

/* Two records the same, cell for cell. */
static int same_record(const struct table *a, size_t ra, const struct table *b, size_t rb)
{
	size_t c, n = a->widths[ra] > b->widths[rb] ? a->widths[ra] : b->widths[rb];
	for (c = 0; c < n; c++)
		if (strcmp(table_cell(a, ra, c), table_cell(b, rb, c)))
			return 0;
	return 1;
}

struct keyed {
	const struct table *t;
	size_t row;
};

static int cmp_keyed(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	int d = strcmp(table_cell(a->t, a->row, 0), table_cell(b->t, b->row, 0));
	return d ? d : (a->row > b->row) - (a->row < b->row);
}

static struct keyed *sorted_rows(const struct table *t, size_t *n)
{
	struct keyed *k;
	size_t r;
	*n = t->nrows - 1;
	k = xmalloc(xmul(*n + 1, sizeof(*k)));
	for (r = 1; r < t->nrows; r++)
		k[r - 1] = (struct keyed){ t, r };
	xqsort(k, *n, sizeof(*k), cmp_keyed);
	return k;
}

long long table_diff_rows(const struct table *a, const struct table *b)
{
	struct keyed *ka, *kb;
	size_t na, nb, i = 0, j = 0;
	long long diff = 0;
	if (!a->has_header || !b->has_header || !same_record(a, 0, b, 0))
		return -1;
	ka = sorted_rows(a, &na);
	kb = sorted_rows(b, &nb);
	while (i < na || j < nb) { /* a merge of the two sorted key lists */
		int d = i == na ? 1 : j == nb ? -1 :
			strcmp(table_cell(a, ka[i].row, 0), table_cell(b, kb[j].row, 0));
		if (d == 0)
			diff += !same_record(a, ka[i++].row, b, kb[j++].row);
		else if (d < 0)
			diff++, i++;
		else
			diff++, j++;
	}
	free(ka);
	free(kb);
	return diff;
}
