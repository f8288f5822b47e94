/*
 * table.h - a CSV or TSV output parsed into cells, for the output checks.
 *
 * Exports (table.c):
 *   struct table     rows x columns of cells (record 0 is the header when
 *                    has_header); each cell a NUL-terminated copy of its
 *                    bytes, quotes removed
 *   table_parse      parse with libcsv (quoting, embedded separators and
 *                    line breaks); bounded: at most TABLE_MAX_ROWS records,
 *                    TABLE_MAX_COLS columns, TABLE_MAX_CELL bytes a cell
 *                    and TABLE_MAX_CELLS cells in all,
 *                    each cut said in the table (cut_rows, cut_cols,
 *                    cut_cells), never silent
 *   table_cell       the cell at (record, column), "" past a short record
 *   table_free       accepts NULL
 *   table_diff_rows  how many rows two tables with the same header differ
 *                    by (rows keyed by their first cell: a key in one only,
 *                    or a row that changed); -1 when the headers differ
 *   table_number     a cell that is a number ("12", "-3.5", "1e3", " 7 "):
 *                    1 and its value; *integer when it has no fraction,
 *                    point or exponent
 *   table_column_type  a column's type from its data cells: "int",
 *                    "float", "date" (YYYY-MM-DD), "text", or "empty"
 *                    (no cell has a value; empty cells are ignored)
 *
 * Records are numbered from 0 here; flags (check.h) count them from 1, as
 * a spreadsheet shows them.  The parser knows nothing of jobs or files.
 */
#ifndef SCQ_CHECK_TABLE_H
#define SCQ_CHECK_TABLE_H

#include "base/compat.h"

/* Parse caps: a table past them is still checked, on what was kept. */
#define TABLE_MAX_ROWS 200000
#define TABLE_MAX_COLS 1000
#define TABLE_MAX_CELL 4096
/* cells kept in all (about 40 MiB): records past it are cut as rows */
#define TABLE_MAX_CELLS 1000000

struct table {
	size_t nrows, ncols;   /* records kept; widest record kept */
	size_t ncells;         /* cells kept */
	char ***rows;          /* rows[r][c], c < widths[r] */
	size_t *widths;
	size_t alloc;
	int has_header;        /* record 0 holds names, not data */
	size_t cut_rows;       /* records past TABLE_MAX_ROWS or TABLE_MAX_CELLS */
	size_t cut_cols;       /* records that had more than TABLE_MAX_COLS cells */
	size_t cut_cells;      /* cells cut at TABLE_MAX_CELL bytes */
	int parse_error;       /* libcsv refused the text (an unclosed quote) */
};

/* Parse data[0..len) with sep (',' or '\t').  Never fails: a text libcsv
 * refuses keeps the records read so far and sets parse_error. */
struct table *table_parse(const char *data, size_t len, char sep);
const char *table_cell(const struct table *t, size_t row, size_t col);
void table_free(struct table *t);
int table_number(const char *s, double *v, int *integer);
long long table_diff_rows(const struct table *a, const struct table *b);
const char *table_column_type(const struct table *t, size_t col);

#endif
