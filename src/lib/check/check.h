/*
 * check.h - output checking (statistical disclosure control): the flags a
 * job's outputs raise before the owner releases them (doc/protocol.md §11).
 *
 * The layer knows nothing of jobs, stores or handles: it takes a file's
 * name and bytes (already read, with the caller's cap) and the owner's
 * thresholds, and appends flags and per-file statistics to a report.  Every
 * rule is a small pure function in rules.c with its source and default in
 * its comment; flags are never a decision, only what a checker looks at.
 *
 * Exports (check.c):
 *   struct check_opts     the owner's thresholds (settings.h: min_cell_count,
 *                         rounding_base, release_types, dominance_n,
 *                         dominance_k, p_percent, max_table_rows)
 *   struct check_report   flags and files; check_report_free
 *   check_file            check one output (path, bytes, whether the read cut
 *                         it, its contributor sidecar if any)
 *   check_note            append a flag the caller found (differencing)
 *   check_is_sidecar      is this path a contributor-statistics sidecar
 *   check_severity_name   "fail" / "review"
 *   check_report_json     {files: [...], flags: [...]} (new reference)
 * Exports (sniff.c): check_sniff (type and kind by content and name).
 * Exports (table.c): see table.h.
 * Exports (rules.c): see rules.h.
 *
 * Messages are the library's own words and numbers (thresholds, counts):
 * no byte of any cell, header or other content of an output is ever put in
 * a flag, so a flag can be shown or exported without showing data.  The
 * file path is the job's name for the output (escape it when shown).
 */
#ifndef SCQ_CHECK_H
#define SCQ_CHECK_H

#include "base/compat.h"
#include "base/json.h"

enum check_severity { CHECK_REVIEW = 1, CHECK_FAIL = 2 };

struct check_flag {
	char *file;          /* the output's path, as the job named it */
	long long row, col;  /* 1-based record (the header is record 1) and
			      * column; 0: the whole column / the whole file */
	const char *rule;    /* the rule's id, a constant ("small-count") */
	int severity;        /* enum check_severity */
	char *message;       /* the library's words: never a byte of the file */
};

struct check_file {
	char *path;
	long long size;       /* bytes on disk */
	char type[17];        /* "csv", "png", ...: by content, else the name */
	const char *kind;     /* "table", "text", "image", "binary" */
	long long rows, cols; /* tables: data records and columns, else -1 */
	long long flags;      /* flags of this file */
	int cut;              /* only the first part was read and checked */
	int is_log;           /* the run's log, not an output file */
};

struct check_report {
	struct check_flag *flags;
	size_t nflags, falloc;
	struct check_file *files;
	size_t nfiles, filealloc;
	size_t dropped; /* flags past the caps, counted, not kept */
};

struct check_opts {
	long long min_cell_count; /* cells below it are small counts */
	long long rounding_base;  /* counts must be multiples of it (<= 1: off) */
	const char *release_types; /* "csv,tsv,txt,..." */
	long long nk_n, nk_k;      /* dominance: top n hold >= k % of the total */
	long long p_percent;       /* p % rule */
	long long max_rows;        /* row cap of a table */
};

/* Caps: a file shows at most CHECK_MAX_FILE_FLAGS flags (then one saying
 * how many more); a report keeps at most CHECK_MAX_FLAGS. */
#define CHECK_MAX_FILE_FLAGS 200
#define CHECK_MAX_FLAGS 20000
/* The most bytes of one output read for its content checks (OpenSAFELY's
 * release limit is 16 MiB a file). */
#define CHECK_MAX_FILE_BYTES ((size_t)16 << 20)
/* The suffix of a contributor-statistics sidecar: <table>.contributors.csv */
#define CHECK_SIDECAR_SUFFIX ".contributors.csv"

/* Check one output: path (as the job named it), size on disk, data[0..len)
 * the bytes read (len < size when cut), sidecar (may be NULL) the bytes of
 * its <path>.contributors.csv.  is_log: the run's log (not an output file:
 * no type rule).  Appends to rep; never fails. */
void check_file(struct check_report *rep, const struct check_opts *o, const char *path,
		long long size, const char *data, size_t len, const char *sidecar,
		size_t sidecar_len, int is_log);
/* Append a flag found by the caller (message: the library's words). */
void check_note(struct check_report *rep, const char *path, long long row, long long col,
		const char *rule, int severity, const char *fmt, ...) SCQ_PRINTF(7, 8);
int check_is_sidecar(const char *path);
const char *check_severity_name(int severity);
json_t *check_report_json(const struct check_report *rep);
void check_report_free(struct check_report *rep);

/* sniff.c: the type of data[0..len) named path: its magic bytes first,
 * else, for text, its extension (lower case, at most 16 letters and
 * digits; "" when it has none) into type[17]; *kind "text", "image" or
 * "binary".  Returns 1 when the content contradicts the name's extension
 * (a PNG named .csv, binary bytes named .txt). */
int check_sniff(const char *path, const char *data, size_t len, char type[17],
		const char **kind);

#endif
