/*
 * rules.c - the output-checking rules, one small pure function each.
 *
 * Sources (facts in shared/reference/output-checking.md):
 *   ACRO   AI-SDC/ACRO acro/default.yaml and acro/sdcchecks.py (v1.0.1):
 *          safe_threshold 10, safe_nk_n 2, safe_nk_k 0.90,
 *          safe_pratio_p 0.10, zeros_are_disclosive true, blocked .svg .gph
 *   OS     OpenSAFELY output-checking documentation and Airlock: redact
 *          counts <= 7 and round to 5, no min or max, CSV <= 5,000 rows,
 *          <= 16 MiB a file, allowed types, no patient_id-like column
 *   DS     DataSHIELD disclosure filters: nfilter.tab 3 (smallest cell)
 * A rule returns 0 when there is nothing to flag, else its severity
 * (CHECK_FAIL, CHECK_REVIEW from check.h) or 1 for a plain predicate.
 */
#include "base/compat.h"
#include <math.h>
#include "base/alloc.h"
#include "check/check.h"
#include "check/rules.h"
#include "base/banned.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A header as '_'-separated lower-case words: "Patient ID" and "patientId"
 * are not the same words, but "Patient ID", "patient-id" and "PATIENT_ID"
 * all read "patient_id".  Cut at HEADER_WORDS_MAX - 1 bytes. */
void header_words(const char *header, char out[HEADER_WORDS_MAX])
{
	size_t n = 0;
	int gap = 0;
	for (; *header && n < HEADER_WORDS_MAX - 1; header++) {
		char c = *header;
		if (is_alpha(c) || is_digit(c)) {
			if (gap && n)
				out[n++] = '_';
			if (n < HEADER_WORDS_MAX - 1)
				out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
			gap = 0;
		} else
			gap = 1;
	}
	out[n] = '\0';
}

/* Is w one of the '_'-separated words of words? */
static int has_word(const char *words, const char *w)
{
	size_t n = strlen(w);
	const char *p = words;
	while ((p = strstr(p, w)) != NULL) {
		if ((p == words || p[-1] == '_') && (p[n] == '\0' || p[n] == '_'))
			return 1;
		p++;
	}
	return 0;
}

static int any_word(const char *words, const char *const *list)
{
	for (; *list; list++)
		if (has_word(words, *list))
			return 1;
	return 0;
}

static int one_of(const char *words, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(words, *list))
			return 1;
	return 0;
}

/* OS (Airlock's CSV summary): the markers a job writes for a cell it
 * suppressed count as redacted, not as values: "redacted", "[redacted]",
 * "na", "n/a", "<=7"; also the usual "*", "-", "<5", "≤7" and empty cells. */
int rule_redacted(const char *cell)
{
	static const char *const marks[] = { "", "redacted", "[redacted]", "na", "n/a", "*", "-",
					     "suppressed", "[suppressed]", NULL };
	char w[16];
	size_t i;
	while (*cell == ' ')
		cell++;
	if (is_digit(*cell))
		return 0; /* most cells: a number is no marker */
	if (*cell == '<' || !strncmp(cell, "\u2264", 3))
		return 1;
	for (i = 0; i < sizeof(w) - 1 && cell[i] && cell[i] != ' '; i++)
		w[i] = (char)(cell[i] >= 'A' && cell[i] <= 'Z' ? cell[i] - 'A' + 'a' : cell[i]);
	w[i] = '\0';
	return (!cell[i] || cell[i] == ' ') && one_of(w, marks);
}

/* Minimum cell count.  ACRO: a cell counting fewer than safe_threshold
 * (10) people fails (MinimumThresholdCheck: count < threshold); DS: 3;
 * OS redacts <= 7.  Default min_cell_count 10, as ACRO.  Zero is the zero
 * rule's. */
int rule_small_count(double v, long long min_cell_count)
{
	return v > 0 && v < (double)min_cell_count ? CHECK_FAIL : 0;
}

/* Rounding.  OS: counts are rounded to the nearest 5 before release (30 %
 * of its rejected outputs were unrounded counts).  Default rounding_base
 * 5; a base of 0 or 1 turns the rule off. */
int rule_unrounded(double v, long long rounding_base)
{
	if (rounding_base <= 1)
		return 0;
	return fmod(fabs(v), (double)rounding_base) != 0 ? CHECK_FAIL : 0;
}

/* Zeros.  ACRO: zeros_are_disclosive true, so a zero cell fails
 * (PresenceOfZeroCheck); OS: zeros can be disclosive (nobody in the
 * group has the attribute: class disclosure). */
int rule_zero(double v)
{
	return v == 0 ? CHECK_FAIL : 0;
}

/* 100 % cells.  ACRO (all-values-are-same) and OS: a group where everyone
 * shares a value discloses it of each member.  share 2: a percentage
 * column (100), 1: a proportion column (1.0).  Review: the table may be
 * built so that 100 % is the definition (a total row). */
int rule_full_percent(double v, int share)
{
	return (share == 2 && v == 100) || (share == 1 && v == 1) ? CHECK_REVIEW : 0;
}

/* Identifier columns.  OS: no patient_id-like column leaves; ACRO's
 * tables carry no record-level keys.  Whole headers that name a person or
 * a record, and any "..._id".  Fail. */
int rule_id_header(const char *words)
{
	static const char *const names[] = {
		"id", "pid", "uid", "uuid", "guid", "identifier", "patient", "patient_id",
		"patientid", "person_id", "personid", "subject_id", "participant_id", "nhs",
		"nhs_number", "nhs_no", "nhsno", "nhsnumber", "chi", "chi_number", "mrn", "ssn",
		"email", "e_mail", "email_address", "name", "full_name", "first_name", "surname",
		"last_name", "forename", "given_name", "postcode", "post_code", "zip", "zipcode",
		"address", "phone", "telephone", "mobile", "dob", "date_of_birth", "birth_date",
		"birthdate", NULL };
	size_t n = strlen(words);
	if (one_of(words, names))
		return CHECK_FAIL;
	return n > 3 && !strcmp(words + n - 3, "_id") ? CHECK_FAIL : 0;
}

/* Extremes.  OS: do not release a minimum or a maximum, they describe one
 * person.  A header with the word min, max, minimum, maximum, lowest,
 * highest, smallest or largest.  Fail. */
int rule_minmax_header(const char *words)
{
	static const char *const w[] = { "min", "max", "minimum", "maximum", "lowest",
					 "highest", "smallest", "largest", NULL };
	return any_word(words, w) ? CHECK_FAIL : 0;
}

/* A column of birth dates: a header with birth, born or dob in it. */
int rule_birth_header(const char *words)
{
	static const char *const w[] = { "birth", "born", "dob", "birthdate", NULL };
	return any_word(words, w);
}

/* A share column: 2 a percentage ('%', pct, percent, percentage),
 * 1 a proportion (prop, proportion, fraction, share), else 0. */
int rule_share_header(const char *header, const char *words)
{
	static const char *const pct[] = { "pct", "percent", "percentage", "perc", NULL };
	static const char *const prop[] = { "prop", "proportion", "fraction", "share", NULL };
	if (strchr(header, '%') || any_word(words, pct))
		return 2;
	return any_word(words, prop) ? 1 : 0;
}

/* A key or calendar column: its whole numbers are labels (age 5, week 2,
 * year 2024), neither counts nor magnitudes. */
int rule_key_header(const char *words)
{
	static const char *const w[] = {
		"year", "yr", "age", "week", "month", "day", "date", "time", "index", "rank", "code",
		"group", "band", "category", "level", "id", "order", "version", "quarter", NULL };
	return any_word(words, w);
}

/* Whole numbers that are not counts of people: keys and statistics of a
 * distribution (a mean of 3 or an age of 5 is no small count). */
int rule_not_count_header(const char *words)
{
	static const char *const w[] = {
		"mean", "avg", "average", "median", "sd", "std", "stdev", "se", "var", "variance",
		"iqr", "q1", "q3", "quantile", "percentile", "p25", "p75", "rate", "ratio", "score",
		"sum", "total_value", "amount", "cost", "value", NULL };
	return rule_key_header(words) || any_word(words, w);
}

/* An e-mail address anywhere in s[0..len): local@domain.tld, the local
 * part of letters, digits and ._%+-, the domain of labels with a dot. */
int rule_email(const char *s, size_t len)
{
	const char *at = s, *end = s + len;
	while ((at = memchr(at, '@', (size_t)(end - at))) != NULL) {
		const char *l = at, *r = at + 1;
		int dots = 0, label = 0;
		while (l > s && (is_alpha(l[-1]) || is_digit(l[-1]) || strchr("._%+-", l[-1])))
			l--;
		for (; r < end && (is_alpha(*r) || is_digit(*r) || *r == '-' || *r == '.'); r++) {
			if (*r == '.') {
				dots += label > 0;
				label = 0;
			} else
				label++;
		}
		if (l < at && dots > 0 && label >= 2)
			return CHECK_FAIL;
		at++;
	}
	return 0;
}

/* NHS number: 10 digits (alone, or as 3 3 4 with spaces or dashes) whose
 * last digit is the modulus-11 check digit of the first nine, as NHS
 * Digital defines it.  A found one fails (OS: no record identifiers). */
static int nhs_valid(const char d[10])
{
	int i, sum = 0, check;
	for (i = 0; i < 9; i++)
		sum += (d[i] - '0') * (10 - i);
	check = 11 - sum % 11;
	check = check == 11 ? 0 : check;
	return check != 10 && check == d[9] - '0';
}

int rule_nhs_number(const char *s, size_t len)
{
	size_t i, j;
	for (i = 0; i < len; i++) {
		char d[10];
		size_t n = 0;
		if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1])))
			continue;
		for (j = i; j < len && n < 10; j++) {
			if (is_digit(s[j]))
				d[n++] = s[j];
			else if (!((s[j] == ' ' || s[j] == '-') && (n == 3 || n == 6) &&
				   j + 1 < len && is_digit(s[j + 1]) && is_digit(s[j - 1])))
				break;
		}
		if (n == 10 && (j == len || !is_digit(s[j])) && nhs_valid(d))
			return CHECK_FAIL;
	}
	return 0;
}

static int digits(const char *s, int n, int *v)
{
	int i;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* A date to the day: YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY or DD-MM-YYYY,
 * alone or followed by a time.  In a birth column it is a date of birth
 * (OS: a record-level field). */
int rule_full_date(const char *cell)
{
	int y, m, d, ok;
	while (*cell == ' ')
		cell++;
	if (strlen(cell) < 10)
		return 0;
	if (cell[4] == '-' || cell[4] == '/')
		ok = cell[7] == cell[4] && digits(cell, 4, &y) && digits(cell + 5, 2, &m) &&
		     digits(cell + 8, 2, &d);
	else
		ok = (cell[2] == '/' || cell[2] == '-') && cell[5] == cell[2] &&
		     digits(cell, 2, &d) && digits(cell + 3, 2, &m) && digits(cell + 6, 4, &y);
	(void)y;
	return ok && m >= 1 && m <= 12 && d >= 1 && d <= 31 &&
	       (!cell[10] || cell[10] == ' ' || cell[10] == 'T');
}

/* A value shaped like a record key: at least 4 characters without spaces,
 * mixing letters and digits ("P00123", a hash), or 9+ digits, or digits
 * with a leading zero ("00123"): what counts and labels rarely look like. */
int rule_id_like(const char *cell)
{
	size_t n = strlen(cell), i, nd = 0, na = 0;
	if (n < 4 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		if (is_digit(cell[i]))
			nd++;
		else if (is_alpha(cell[i]))
			na++;
		else if (!strchr("-_", cell[i]))
			return 0;
	}
	return nd && (na || nd >= 9 || cell[0] == '0');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Unique per row.  OS: a column whose values are all different names a
 * record each (a patient_id under another name).  Needs 10 values or more
 * (a short table's labels are distinct by design). */
int rule_unique(const char **values, size_t n)
{
	const char **v;
	size_t i;
	int dup = 0;
	if (n < 10)
		return 0;
	v = xmalloc(xmul(n, sizeof(*v)));
	memcpy(v, values, n * sizeof(*v));
	xqsort(v, n, sizeof(*v), cmp_str);
	for (i = 1; i < n && !dup; i++)
		dup = !strcmp(v[i - 1], v[i]);
	free(v);
	return !dup;
}

/* Dominance (n, k).  ACRO NKCheck: fails when the n largest contributions
 * hold at least k of the cell's total (top_n_sum / sum >= safe_nk_k);
 * with a negative contribution dominance is undefined: review.  Defaults
 * n 2, k 90 % (ACRO; sdcTable uses 85 %). */
int rule_nk_dominance(const double *top, size_t ntop, double sum, long long negative,
		      long long n, long long k_percent)
{
	double topn = 0;
	size_t i;
	if (negative > 0 || ntop < (size_t)n)
		return CHECK_REVIEW;
	if (sum <= 0)
		return 0; /* ACRO: nothing to dominate */
	for (i = 0; i < (size_t)n; i++)
		topn += top[i];
	return topn / sum >= (double)k_percent / 100 ? CHECK_FAIL : 0;
}

/* p % rule.  ACRO PPercentCheck: fails when (total - top1 - top2) / top1
 * < p, so the second largest contributor could estimate the largest to
 * within p %; undefined with negatives (review); top1 0 is not
 * disclosive.  Default p 10 % (ACRO safe_pratio_p 0.10). */
int rule_p_percent(const double *top, size_t ntop, double sum, long long negative,
		   long long p_percent)
{
	if (negative > 0 || ntop < 2)
		return CHECK_REVIEW;
	if (top[0] == 0)
		return 0;
	return (sum - top[0] - top[1]) / top[0] < (double)p_percent / 100 ? CHECK_FAIL : 0;
}

/* Row cap.  OS: a released CSV has at most 5,000 rows (more is record
 * level data).  Default max_table_rows 5000. */
int rule_row_cap(long long rows, long long cap)
{
	return rows > cap ? CHECK_FAIL : 0;
}

/* File types.  OS: only the allowed extensions leave (about 10 % of its
 * rejected outputs were the wrong type); ACRO blocks .svg and .gph.
 * Default release_types csv,tsv,txt,json,png,svg,md (the list;
 * drop svg to follow ACRO).  type is the type found by content. */
int rule_type_allowed(const char *release_types, const char *type)
{
	size_t n = strlen(type);
	const char *p = release_types;
	if (!n)
		return 0;
	while ((p = strstr(p, type)) != NULL) {
		if ((p == release_types || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
		p++;
	}
	return 0;
}

/* Differencing.  ACRO (PresenceOfLinkedTableCheck) and the SDC handbooks:
 * two released tables that differ by a few rows let their difference be
 * computed, revealing a small group; only a checker can judge it, so it is
 * a note for review, never a pass or fail.  Up to DIFFERENCING_MAX_ROWS
 * (3) rows. */
int rule_differencing(long long differing_rows)
{
	return differing_rows >= 1 && differing_rows <= DIFFERENCING_MAX_ROWS ? CHECK_REVIEW : 0;
}
