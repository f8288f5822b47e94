/*
 * _scq_listing.c - a listing of jobs held compactly, for the package's
 * collections (model/collection.py): each job's JSON text one after the
 * other in one buffer, and per job where its text is and its status.
 * The Python layer makes a CodeJob of one item when it is first looked
 * at, so listing 10,000 jobs costs their text (about 600 bytes a job),
 * not 10,000 parsed objects, and len() costs nothing.
 *
 * The listing is built with scq_list_each (one job in memory at a time)
 * with the GIL released, after the refresh the package's listings have
 * always had, then sorted newest first as scq_list sorts (created_at,
 * then uid).  Its content is a snapshot: it never changes once made.
 */
#include "_scq.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "scq.h"

/* Texts are kept in chunks that never move (no realloc copy: the peak is
 * what is held); a text larger than a chunk gets its own. */
#define CHUNK ((size_t)256 << 10)
#define KEY_MAX 255 /* sort keys compare on at most this many bytes */

struct item {
	const char *text;      /* the job's JSON text, NUL-terminated, in a chunk */
	uint32_t len;
	uint8_t status, held;
};

/* An item's sort keys, made once the walk is over (its memory is free
 * again by then): created_at and uid, c_len and u_len bytes. */
struct key {
	const char *c, *u;
	uint8_t c_len, u_len;
	struct item it;
};

struct listing {
	char **chunks;
	size_t nchunks, chunks_alloc, room; /* room: bytes left in the last */
	size_t bytes;                      /* in all chunks (__sizeof__) */
	struct item *v;
	size_t n, alloc;
	const struct listing_query *q; /* while building */
};

/* Listings made in this process: the tests count them (listing_count()). */
unsigned long scq_py_listings;

static void *xgrow(void *p, size_t *alloc, size_t need, size_t size)
{
	size_t a = *alloc ? *alloc : 64;
	void *np;
	if (need <= *alloc)
		return p;
	while (a < need)
		a *= 2;
	np = realloc(p, a * size);
	if (!np)
		abort(); /* the library's policy too: nothing fails for lack of memory */
	*alloc = a;
	return np;
}

/* Room for n bytes that stay where they are. */
static char *take(struct listing *l, size_t n)
{
	char *c;
	if (n > l->room) {
		size_t sz = n > CHUNK ? n : CHUNK;
		if (!(c = malloc(sz)))
			abort();
		l->chunks = xgrow(l->chunks, &l->chunks_alloc, l->nchunks + 1, sizeof(*l->chunks));
		l->chunks[l->nchunks++] = c;
		l->room = sz;
		l->bytes += sz;
	}
	c = l->chunks[l->nchunks - 1] + (n > CHUNK ? 0 : CHUNK - l->room);
	l->room -= n;
	return c;
}

/*
 * Where the string value of the top-level member `key` is in the compact
 * JSON object text s (as scq_job_to_json makes it): its offset and length.
 * -1 when it is not found so (absent, not a string, escaped, or the text
 * is spaced): the caller then asks the library, which parses the job.
 * Found like this, a listing never parses the pre-rendered pending jobs.
 */
static int top_string(const char *s, size_t len, const char *key, size_t *at, size_t *n)
{
	size_t klen = strlen(key), i, start, e;
	int depth = 0, want_key = 0, esc;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (c == '{' || c == '[')
			want_key = ++depth == 1 && c == '{';
		else if (c == '}' || c == ']')
			depth--;
		else if (c == ',')
			want_key = depth == 1;
		if (c != '"')
			continue;
		for (start = ++i, esc = 0; i < len && s[i] != '"'; i++)
			if (s[i] == '\\')
				esc = 1, i++;
		if (i >= len)
			return -1;
		if (!want_key)
			continue;
		want_key = 0;
		if (esc || i - start != klen || memcmp(s + start, key, klen))
			continue;
		if (i + 2 >= len || s[i + 1] != ':' || s[i + 2] != '"')
			return -1;
		for (e = i + 3; e < len && s[e] != '"' && s[e] != '\\'; e++)
			;
		if (e >= len || s[e] == '\\')
			return -1;
		*at = i + 3;
		*n = e - (i + 3);
		return 0;
	}
	return -1;
}

/* The job's approver, from its object (NULL if none). */
static const char *approved_by(const scq_job *j)
{
	return scq_value_string(scq_value_get(scq_job_value(j), "approved_by"));
}

static int keep(const struct listing_query *q, const scq_job *j)
{
	int st = scq_job_status(j);
	if (q->mask && (st < 0 || st >= 32 || !(q->mask & (1u << st))))
		return 0;
	if (q->held && !scq_job_results_held(j))
		return 0;
	if (q->approved_by) {
		const char *a = approved_by(j);
		return a && !strcmp(a, q->approved_by);
	}
	return 1;
}

/* A sort key of one job: found in its text, else from the text parsed
 * (copied into a chunk), else empty. */
static void sort_key(struct listing *l, const struct item *it, const char *name,
		     const char **k, uint8_t *klen)
{
	size_t at, n = 0;
	scq_value *o;
	const char *v;
	char *c;
	*k = it->text;
	if (top_string(it->text, it->len, name, &at, &n) == 0) {
		*k = it->text + at;
	} else if ((o = scq_value_parse(it->text, 0))) {
		if ((v = scq_value_string(scq_value_get(o, name)))) {
			n = strnlen(v, KEY_MAX);
			*k = c = take(l, n ? n : 1);
			memcpy(c, v, n);
		}
		scq_value_free(o);
	}
	*klen = (uint8_t)(n > KEY_MAX ? KEY_MAX : n);
}

static int add_job(const scq_job *j, void *ctx)
{
	struct listing *l = ctx;
	char *js, *t;
	size_t len;
	struct item *it;
	if (!keep(l->q, j))
		return 0;
	js = scq_job_to_json(j);
	len = strlen(js);
	t = take(l, len + 1);
	memcpy(t, js, len + 1);
	free(js);
	l->v = xgrow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	it = &l->v[l->n++];
	it->text = t;
	it->len = (uint32_t)len; /* job files are capped at 1 MiB */
	it->status = (uint8_t)scq_job_status(j);
	it->held = (uint8_t)scq_job_results_held(j);
	return 0;
}

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* scq_list's order: newest created_at first, then uid (as strcmp). */
static int newest_first(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int c = key_cmp(b->c, b->c_len, a->c, a->c_len);
	return c ? c : key_cmp(a->u, a->u_len, b->u, b->u_len);
}

static void sort_newest(struct listing *l)
{
	struct key *k = calloc(l->n, sizeof(*k));
	size_t i;
	if (!k)
		abort();
	for (i = 0; i < l->n; i++) {
		k[i].it = l->v[i];
		sort_key(l, &l->v[i], "created_at", &k[i].c, &k[i].c_len);
		sort_key(l, &l->v[i], "uid", &k[i].u, &k[i].u_len);
	}
	qsort(k, l->n, sizeof(*k), newest_first);
	for (i = 0; i < l->n; i++)
		l->v[i] = k[i].it;
	free(k);
}

void listing_free(struct listing *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->nchunks; i++)
		free(l->chunks[i]);
	free(l->chunks);
	free(l->v);
	free(l);
}

int listing_fresh(scq *h, const struct listing_query *q, struct listing **out)
{
	struct listing *l = calloc(1, sizeof(*l));
	int r;
	if (!l)
		abort();
	l->q = q;
	/* one status goes to the library: it then reads that state's folder only */
	r = list_each_fresh(h, q->role, q->status, add_job, l);
	if (r) {
		listing_free(l);
		return r;
	}
	if (l->n > 1)
		sort_newest(l);
	l->q = NULL;
	*out = l;
	return 0;
}

/* ---- the Python type ---------------------------------------------------- */

typedef struct {
	PyObject_HEAD
	struct listing *l;
} Listing;

static void Listing_dealloc(Listing *self)
{
	listing_free(self->l);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

PyObject *listing_wrap(struct listing *l)
{
	Listing *o = PyObject_New(Listing, &ListingType);
	if (!o) {
		listing_free(l);
		return NULL;
	}
	o->l = l;
	return (PyObject *)o;
}

static Py_ssize_t Listing_len(Listing *self)
{
	return (Py_ssize_t)self->l->n;
}

static int index_ok(Listing *self, Py_ssize_t i)
{
	if (i < 0 || (size_t)i >= self->l->n) {
		PyErr_SetString(PyExc_IndexError, "listing index out of range");
		return 0;
	}
	return 1;
}

/* listing[i]: the i-th job's JSON text (negative i counts from the end). */
static PyObject *Listing_item(Listing *self, Py_ssize_t i)
{
	const struct item *it;
	if (!index_ok(self, i))
		return NULL;
	it = &self->l->v[i];
	return PyUnicode_DecodeUTF8(it->text, (Py_ssize_t)it->len, "replace");
}

static PyObject *Listing_status(Listing *self, PyObject *arg)
{
	Py_ssize_t i = PyNumber_AsSsize_t(arg, PyExc_IndexError);
	if (i == -1 && PyErr_Occurred())
		return NULL;
	if (i < 0)
		i += (Py_ssize_t)self->l->n;
	if (!index_ok(self, i))
		return NULL;
	return PyLong_FromLong(self->l->v[i].status);
}

/* Every job's status, one byte each (the index of scq_status_name). */
static PyObject *Listing_statuses(Listing *self, PyObject *u)
{
	PyObject *b = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)self->l->n);
	char *p;
	size_t i;
	(void)u;
	if (!b)
		return NULL;
	p = PyBytes_AS_STRING(b);
	for (i = 0; i < self->l->n; i++)
		p[i] = (char)self->l->v[i].status;
	return b;
}

static PyObject *Listing_sizeof(Listing *self, PyObject *u)
{
	(void)u;
	return PyLong_FromSize_t(sizeof(*self) + sizeof(*self->l) + self->l->bytes +
				 self->l->alloc * sizeof(*self->l->v) +
				 self->l->chunks_alloc * sizeof(char *));
}

static PySequenceMethods Listing_seq = {
	.sq_length = (lenfunc)Listing_len,
	.sq_item = (ssizeargfunc)Listing_item,
};

static PyMethodDef Listing_methods[] = {
	{ "status", (PyCFunction)Listing_status, METH_O, "status(i) -> the i-th job's status (int)" },
	{ "statuses", (PyCFunction)Listing_statuses, METH_NOARGS,
	  "statuses() -> bytes: every job's status, one byte each" },
	{ "__sizeof__", (PyCFunction)Listing_sizeof, METH_NOARGS, "bytes held" },
	{ NULL, NULL, 0, NULL }
};

PyTypeObject ListingType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "syft_code_queue._scq.Listing",
	.tp_basicsize = sizeof(Listing),
	.tp_dealloc = (destructor)Listing_dealloc,
	/* made by Handle.listing only (a Listing() would hold nothing) */
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
	.tp_doc = "A listing of jobs (Handle.listing): len(), [i] the i-th job's JSON text, "
		  "status(i), statuses()",
	.tp_as_sequence = &Listing_seq,
	.tp_methods = Listing_methods,
};
