/*
 * t-linediff.c - the unified line diff (base/linediff.c): exact output
 * for small cases (hunk headers, context, joined hunks, no final
 * newline), its caps, and two properties over random inputs checked
 * against a naive model: the diff rebuilds both sides (context and '-'
 * lines are a, context and '+' lines are b), and it is minimal (its
 * changed lines are n + m - 2 * LCS, the LCS by plain dynamic
 * programming).
 */
#include "base/compat.h"
#include "base/buf.h"
#include "base/linediff.h"
#include "tap.h"

static int to_text(void *arg, char kind, const char *s, size_t len)
{
	struct buf *b = arg;
	if (kind == '@' || kind == '\\')
		buf_addf(b, "%s%.*s\n", kind == '\\' ? "\\ " : "", (int)len, s);
	else
		buf_addf(b, "%c%.*s\n", kind, (int)len, s);
	return 0;
}

static void diff_is(const char *a, const char *b, unsigned ctx, const char *want,
		    const char *name)
{
	struct buf out = BUF_INIT;
	int r = linediff(a, strlen(a), b, strlen(b), ctx, 1000, to_text, &out);
	is_int(r, LINEDIFF_OK, "%s: diffed", name);
	is_str(out.ptr, want, "%s", name);
	buf_release(&out);
}

/* The model: a and b rebuilt from a full-context diff, and the edits. */
struct rebuild {
	struct buf a, b;
	size_t edits;
	char last;
};

static void chop(struct buf *b)
{
	if (b->len && b->ptr[b->len - 1] == '\n')
		buf_truncate(b, b->len - 1);
}

static int rebuild(void *arg, char kind, const char *s, size_t len)
{
	struct rebuild *r = arg;
	if (kind == '\\') { /* the line before had no newline */
		if (r->last != '+')
			chop(&r->a);
		if (r->last != '-')
			chop(&r->b);
		return 0;
	}
	if (kind == '@')
		return 0;
	if (kind != '+') {
		buf_add(&r->a, s, len);
		buf_addc(&r->a, '\n');
	}
	if (kind != '-') {
		buf_add(&r->b, s, len);
		buf_addc(&r->b, '\n');
	}
	r->edits += kind != ' ';
	r->last = kind;
	return 0;
}

/* Lines of s (no newlines kept) for the LCS; n of them. */
static size_t lines(const char *s, const char **v, size_t *len)
{
	size_t n = 0;
	while (*s) {
		const char *e = strchr(s, '\n');
		v[n] = s;
		len[n] = e ? (size_t)(e - s) + 1 : strlen(s);
		s += len[n++];
	}
	return n;
}

static size_t lcs(const char *a, const char *b)
{
	static size_t t[64][64];
	const char *va[64], *vb[64];
	size_t la[64], lb[64], n = lines(a, va, la), m = lines(b, vb, lb), i, j;
	for (i = 0; i <= n; i++)
		for (j = 0; j <= m; j++)
			t[i][j] = !i || !j ? 0 :
				  la[i - 1] == lb[j - 1] && !memcmp(va[i - 1], vb[j - 1], la[i - 1]) ?
				  t[i - 1][j - 1] + 1 :
				  t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1];
	return t[n][m];
}

static void random_text(char *s, unsigned *seed)
{
	size_t n = (size_t)(rand_r(seed) % 14), i, k = 0;
	for (i = 0; i < n; i++) {
		s[k++] = "xyzw"[rand_r(seed) % 4];
		s[k++] = '\n';
	}
	if (k && rand_r(seed) % 4 == 0)
		k--; /* no final newline */
	s[k] = '\0';
}

static void properties(void)
{
	unsigned seed = 13, i, bad_a = 0, bad_b = 0, not_min = 0;
	char a[64], b[64];
	const char *v[64];
	size_t l[64];
	for (i = 0; i < 2000; i++) {
		struct rebuild r = { BUF_INIT, BUF_INIT, 0, 0 };
		size_t n, m;
		random_text(a, &seed);
		random_text(b, &seed);
		n = lines(a, v, l);
		m = lines(b, v, l);
		linediff(a, strlen(a), b, strlen(b), 100000, 1000, rebuild, &r);
		if (strcmp(a, r.a.ptr) && (r.edits || strcmp(a, b)))
			bad_a++;
		if (strcmp(b, r.b.ptr) && (r.edits || strcmp(a, b)))
			bad_b++;
		if (r.edits != n + m - 2 * lcs(a, b))
			not_min++;
		buf_release(&r.a);
		buf_release(&r.b);
	}
	is_int(bad_a, 0, "2000 random pairs: context and '-' lines rebuild the old side");
	is_int(bad_b, 0, "... context and '+' lines rebuild the new side");
	is_int(not_min, 0, "... and the diff is minimal (n + m - 2 LCS changed lines)");
}

int main(void)
{
	struct buf out = BUF_INIT;
	char *big;
	size_t i;
	diff_is("a\nb\nc\n", "a\nb\nc\n", 3, "", "identical: no output");
	diff_is("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n", 3,
		"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n", "one line changed, 3 of context");
	diff_is("", "new\n", 3, "@@ -0,0 +1,1 @@\n+new\n", "added to an empty file");
	diff_is("gone\n", "", 3, "@@ -1,1 +0,0 @@\n-gone\n", "all removed");
	diff_is("a\nb", "a\nc", 1, "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n"
		"\\ No newline at end of file\n", "no final newline is said");
	diff_is("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n", 1,
		"@@ -1,2 +1,2 @@\n-1\n+X\n 2\n@@ -11,2 +11,2 @@\n 11\n-12\n+Y\n", "two hunks apart");
	diff_is("1\n2\n3\n4\n", "X\n2\n3\nY\n", 1, "@@ -1,4 +1,4 @@\n-1\n+X\n 2\n 3\n-4\n+Y\n",
		"close changes: one hunk");
	linediff("a\0b\nc\n", 6, "a\0B\nc\n", 6, 0, 1000, to_text, &out);
	/* "@@ -1,1 +1,1 @@" and two lines, cut at the NUL by to_text's %.*s */
	is_int((int)out.len, 22, "bytes are compared as they are (NUL inside a line): a hunk");
	buf_reset(&out);
	/* the caps: too many changed lines, too many lines */
	big = malloc(4 * 3000 + 1);
	for (i = 0; i < 3000; i++)
		memcpy(big + 4 * i, "abc\n", 4);
	big[4 * 3000] = '\0';
	is_int(linediff("", 0, big, 4 * 3000, 3, 1000, to_text, &out), LINEDIFF_TOO_BIG,
	       "3000 changed lines with a cap of 1000: too big, said");
	is_int((int)out.len, 0, "... and nothing emitted");
	is_int(linediff(big, 4 * 3000, big, 4 * 3000, 3, 1000, to_text, &out), LINEDIFF_OK,
	       "3000 equal lines: no change, under the cap");
	free(big);
	big = malloc(2 * (LINEDIFF_MAX_LINES + 1));
	memset(big, '\n', 2 * (LINEDIFF_MAX_LINES + 1));
	is_int(linediff(big, LINEDIFF_MAX_LINES + 1, "", 0, 3, 1000, to_text, &out),
	       LINEDIFF_TOO_BIG, "over LINEDIFF_MAX_LINES lines: too big, said");
	free(big);
	buf_release(&out);
	properties();
	return done_testing();
}
