/*
 * rules.h - the output-checking rules as small pure functions: a value,
 * a header or a few figures in, a verdict out (0: nothing to flag).  The
 * source and the default of each rule are in its comment in rules.c;
 * check.c applies them to the cells of a table or the lines of a text.
 *
 * Exports (rules.c):
 *   header_words          a header as lower-case words ("Patient ID" ->
 *                         "patient_id"), into a buffer
 *   rule_redacted         a cell a job already suppressed ("[redacted]")
 *   rule_small_count      0 < count < min_cell_count
 *   rule_unrounded        a count not a multiple of rounding_base
 *   rule_zero             a zero count
 *   rule_full_percent     100 % (or a proportion of 1) in a share column
 *   rule_id_header        a header named like an identifier
 *   rule_minmax_header    a header naming a minimum or maximum
 *   rule_birth_header     a header naming a date of birth
 *   rule_share_header     a percentage (2) or proportion (1) column
 *   rule_key_header       a header naming a key or calendar column
 *   rule_not_count_header a header naming a figure that is not a count
 *   rule_email            text holding an e-mail address
 *   rule_nhs_number       text holding an NHS-number-like 10 digits
 *   rule_full_date        a date to the day
 *   rule_id_like          a value shaped like a record identifier
 *   rule_unique           n values, all distinct (sorts a copy of the array)
 *   rule_nk_dominance     the (n, k) rule on a cell's contributors
 *   rule_p_percent        the p % rule on a cell's contributors
 *   rule_row_cap          more data rows than the cap
 *   rule_type_allowed     a type in the owner's release_types
 *   rule_differencing     a table that differs from a released one by few rows
 */
#ifndef SCQ_CHECK_RULES_H
#define SCQ_CHECK_RULES_H

#include "base/compat.h"

#define HEADER_WORDS_MAX 64

void header_words(const char *header, char out[HEADER_WORDS_MAX]);
int rule_redacted(const char *cell);
int rule_small_count(double v, long long min_cell_count);
int rule_unrounded(double v, long long rounding_base);
int rule_zero(double v);
int rule_full_percent(double v, int share);
int rule_id_header(const char *words);
int rule_minmax_header(const char *words);
int rule_birth_header(const char *words);
int rule_share_header(const char *header, const char *words);
int rule_key_header(const char *words);
int rule_not_count_header(const char *words);
int rule_email(const char *s, size_t len);
int rule_nhs_number(const char *s, size_t len);
int rule_full_date(const char *cell);
int rule_id_like(const char *cell);
int rule_unique(const char **values, size_t n);
/* Dominance: contributors' figures of one cell.  top[0..ntop) the largest
 * contributions, largest first; sum the cell's total; negative how many
 * contributions are negative.  Return 0 (pass), CHECK_FAIL, or
 * CHECK_REVIEW when the rule is undefined (negatives, too few tops). */
int rule_nk_dominance(const double *top, size_t ntop, double sum, long long negative,
		      long long n, long long k_percent);
int rule_p_percent(const double *top, size_t ntop, double sum, long long negative,
		   long long p_percent);
int rule_row_cap(long long rows, long long cap);
int rule_type_allowed(const char *release_types, const char *type);
/* The most rows two tables may differ by and still be a differencing risk. */
#define DIFFERENCING_MAX_ROWS 3
int rule_differencing(long long differing_rows);

#endif
