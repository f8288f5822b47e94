/*
 * linediff.c - unified line diff (see linediff.h).
 *
 * Lines are hashed once (FNV-1a) so the inner loop compares integers;
 * equal hashes are confirmed byte for byte.  Myers' forward search keeps
 * each round's furthest-reaching points (round d: 2d+1 of them), which
 * the backtrack reads to recover the edit script.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/linediff.h"
#include "base/banned.h"

struct line {
	const char *s;
	size_t len; /* with its newline, if any */
	uint64_t hash;
};

struct side {
	struct line *v;
	size_t n;
};

/* One step of the script: '=', '-' or '+', with the line on each side. */
struct op {
	char t;
	size_t a, b;
};

struct script {
	struct op *v;
	size_t n;
};

static int split(const char *s, size_t len, struct side *out)
{
	size_t i, start = 0, n = 0;
	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	n += len && s[len - 1] != '\n';
	if (n > LINEDIFF_MAX_LINES)
		return -1;
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	out->n = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		struct line *l = &out->v[out->n++];
		uint64_t hh = 1469598103934665603ULL;
		size_t k;
		l->s = s + start;
		l->len = (i < len ? i + 1 : i) - start;
		for (k = 0; k < l->len; k++)
			hh = (hh ^ (unsigned char)l->s[k]) * 1099511628211ULL;
		l->hash = hh;
		start = i + 1;
	}
	return 0;
}

static int same(const struct line *x, const struct line *y)
{
	return x->hash == y->hash && x->len == y->len && !memcmp(x->s, y->s, x->len);
}

static void push(struct script *sc, char t, size_t a, size_t b)
{
	sc->v[sc->n].t = t;
	sc->v[sc->n].a = a;
	sc->v[sc->n++].b = b;
}

/*
 * Myers over a[lo..lo+n) and b[lo2..lo2+m): appends the middle's script
 * to sc (in order).  -1 when more than max edits are needed.
 */
static int myers(const struct side *A, size_t alo, size_t n, const struct side *B,
		 size_t blo, size_t m, size_t max, struct script *sc)
{
	long D = (long)(n + m < max ? n + m : max), d, k, x, y, off = D + 1;
	long *V = xcalloc((size_t)(2 * D + 3), sizeof(long));
	long *trace = xcalloc((size_t)((D + 1) * (D + 1)), sizeof(long));
	struct op *rev = xcalloc(n + m + 1, sizeof(*rev));
	size_t nrev = 0, i;
	int r = -1;
	for (d = 0; d <= D && r < 0; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && V[off + k - 1] < V[off + k + 1]))
				x = V[off + k + 1];
			else
				x = V[off + k - 1] + 1;
			y = x - k;
			while (x < (long)n && y < (long)m &&
			       same(&A->v[alo + (size_t)x], &B->v[blo + (size_t)y]))
				x++, y++;
			V[off + k] = x;
			if (x >= (long)n && y >= (long)m)
				r = 0;
		}
		memcpy(trace + d * d, V + off - d, (size_t)(2 * d + 1) * sizeof(long));
	}
	if (r < 0)
		goto out;
	/* back from (n, m): each round one edit, then its snake */
	x = (long)n;
	y = (long)m;
	for (d = d - 1; d >= 0; d--) {
		long px = 0, py = 0, pk, mx, my;
		k = x - y;
		if (d > 0) {
			const long *P = trace + (d - 1) * (d - 1) + (d - 1); /* P[k]: round d-1 */
			pk = (k == -d || (k != d && P[k - 1] < P[k + 1])) ? k + 1 : k - 1;
			px = P[pk];
			py = px - pk;
			mx = pk == k + 1 ? px : px + 1;
			my = pk == k + 1 ? py + 1 : py;
		} else {
			mx = my = 0;
		}
		while (x > mx && y > my) {
			x--, y--;
			rev[nrev++] = (struct op){ '=', alo + (size_t)x, blo + (size_t)y };
		}
		if (d > 0) {
			if (mx == px) /* down: a line of b inserted */
				rev[nrev++] = (struct op){ '+', alo + (size_t)px, blo + (size_t)py };
			else
				rev[nrev++] = (struct op){ '-', alo + (size_t)px, blo + (size_t)py };
			x = px;
			y = py;
		}
	}
	for (i = nrev; i > 0; i--)
		sc->v[sc->n++] = rev[i - 1];
out:
	free(V);
	free(trace);
	free(rev);
	return r;
}

static int emit_line(linediff_fn *fn, void *arg, char t, const struct line *l)
{
	int nl = l->len && l->s[l->len - 1] == '\n', r;
	if ((r = fn(arg, t, l->s, l->len - (size_t)nl)) != 0 || nl)
		return r;
	return fn(arg, '\\', "No newline at end of file", 25);
}

/* The hunks: changes with `ctx` lines around them, joined when closer
 * than 2*ctx.  pa[i], pb[i]: lines of each side before op i. */
static int hunks(const struct side *A, const struct side *B, const struct script *sc,
		 size_t ctx, linediff_fn *fn, void *arg)
{
	size_t *pa = xcalloc(sc->n + 1, sizeof(size_t)), *pb = xcalloc(sc->n + 1, sizeof(size_t));
	size_t i = 0, s, e, j;
	char hdr[96];
	int r = 0;
	for (j = 0; j < sc->n; j++) {
		pa[j + 1] = pa[j] + (sc->v[j].t != '+');
		pb[j + 1] = pb[j] + (sc->v[j].t != '-');
	}
	while (r == 0) {
		while (i < sc->n && sc->v[i].t == '=')
			i++;
		if (i == sc->n)
			break;
		s = i > ctx ? i - ctx : 0;
		e = i;
		for (j = i; j < sc->n && j <= e + 2 * ctx + 1; j++) /* a gap of 2*ctx joins */
			if (sc->v[j].t != '=')
				e = j;
		e = e + 1 + ctx < sc->n ? e + 1 + ctx : sc->n;
		snprintf(hdr, sizeof(hdr), "@@ -%zu,%zu +%zu,%zu @@",
			 pa[e] - pa[s] ? pa[s] + 1 : pa[s], pa[e] - pa[s],
			 pb[e] - pb[s] ? pb[s] + 1 : pb[s], pb[e] - pb[s]);
		r = fn(arg, '@', hdr, strlen(hdr));
		for (j = s; j < e && r == 0; j++) {
			const struct op *o = &sc->v[j];
			r = emit_line(fn, arg, o->t == '=' ? ' ' : o->t,
				      o->t == '+' ? &B->v[o->b] : &A->v[o->a]);
		}
		i = e;
	}
	free(pa);
	free(pb);
	return r;
}

int linediff(const char *a, size_t alen, const char *b, size_t blen, unsigned context,
	     size_t max_edits, linediff_fn *fn, void *arg)
{
	struct side A = { NULL, 0 }, B = { NULL, 0 };
	struct script sc = { NULL, 0 };
	size_t head = 0, tail = 0, i;
	int r = LINEDIFF_TOO_BIG;
	if (split(a, alen, &A) < 0 || split(b, blen, &B) < 0)
		goto out;
	while (head < A.n && head < B.n && same(&A.v[head], &B.v[head]))
		head++;
	while (tail < A.n - head && tail < B.n - head &&
	       same(&A.v[A.n - 1 - tail], &B.v[B.n - 1 - tail]))
		tail++;
	sc.v = xcalloc(A.n + B.n + 1, sizeof(*sc.v));
	for (i = 0; i < head; i++)
		push(&sc, '=', i, i);
	if (myers(&A, head, A.n - head - tail, &B, head, B.n - head - tail, max_edits, &sc) < 0)
		goto out;
	for (i = tail; i > 0; i--)
		push(&sc, '=', A.n - i, B.n - i);
	r = hunks(&A, &B, &sc, context, fn, arg);
out:
	free(A.v);
	free(B.v);
	free(sc.v);
	return r;
}
