/*
 * _scq_listing.c - a listing of jobs held compactly, for the package's
 * collections (model/collection.py): each job's JSON text one after the
 * other in chunks, its member names coded (below), and per job where its
 * text is and its status.  The Python layer makes a CodeJob of one item
 * when it is first looked at, so listing 10,000 jobs costs their text
 * (about 350 bytes a pending job), not 10,000 parsed objects, and len()
 * costs nothing.
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
	const char *text;      /* the job's JSON text, names coded, in a chunk */
	uint32_t len;
	uint8_t status, held;
	uint8_t plain;         /* the text is as the library gave it (not coded) */
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
 * Texts are held with the names of the job's top-level members coded, one
 * byte each ("uid": as 0x01, ...): a third of a pending job's text is
 * names.  JSON text holds no raw byte below 0x20 but whitespace (tab,
 * newline, return), so the other 28 are the codes and cannot be misread;
 * a text holding one anyway is kept as it is (item.plain).
 */
static const char *const names[] = {
	"uid", "name", "description", "tags", "requester_email", "target_email",
	"created_at", "submitted_at", "updated_at", "timeout_seconds", "code_sha256", "status",
	"results_held", "started_at", "completed_at", "exit_code", "error_message",
	"error_kind", "reason", "approved_at", "approved_by", "decided_by", "allow_network",
	"run", "log", "output_files", "output_error", "skipped_files",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static char code_of(size_t i)
{
	return (char)(i < 8 ? i + 1 : i < 10 ? i + 3 : i + 4); /* skip \t \n, \r */
}

/* The name a byte codes for, or -1. */
static int name_of_code(unsigned char b)
{
	int i = b >= 1 && b <= 8 ? b - 1 : b == 11 || b == 12 ? b - 3 : b >= 14 && b < 32 ? b - 4 : -1;
	return i >= 0 && (size_t)i < NNAMES ? i : -1;
}

static int name_index(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < NNAMES; i++)
		if (strlen(names[i]) == n && !memcmp(names[i], p, n))
			return (int)i;
	return -1;
}

/* The closing quote of the string opening at s[i] (len if none); *esc:
 * whether it holds an escape. */
static size_t string_end(const char *s, size_t len, size_t i, int *esc)
{
	for (*esc = 0, i++; i < len && s[i] != '"'; i++)
		if (s[i] == '\\')
			*esc = 1, i++;
	return i < len ? i : len;
}

/*
 * Walk the compact JSON object text s, coded or not: each top-level member
 * name (a code, or a string followed by ':') is handed to fn with where
 * its value starts; out, when not NULL, gets the text with the names it
 * knows coded (never longer).  fn returns non-zero to stop.  Returns the
 * length written to out.
 */
typedef int member_fn(int name, const char *key, size_t klen, size_t value, void *ctx);
static size_t walk(const char *s, size_t len, char *out, member_fn *fn, void *ctx)
{
	size_t i = 0, o = 0, e;
	int depth = 0, want_key = 0, esc, k;
	while (i < len) {
		char c = s[i];
		if (want_key && (k = name_of_code((unsigned char)c)) >= 0) {
			want_key = 0;
			if (fn && fn(k, names[k], strlen(names[k]), i + 1, ctx))
				break;
			if (out)
				out[o++] = c;
			i++;
			continue;
		}
		if (c == '"') {
			e = string_end(s, len, i, &esc);
			k = -2;
			if (want_key && e + 1 < len && s[e + 1] == ':') {
				k = esc ? -1 : name_index(s + i + 1, e - i - 1);
				if (fn && fn(k, s + i + 1, e - i - 1, e + 2, ctx))
					break;
			}
			want_key = 0;
			if (out && k >= 0) {
				out[o++] = code_of((size_t)k);
				i = e + 2;
				continue;
			}
			e = e < len ? e + 1 : len;
			if (out)
				memmove(out + o, s + i, e - i); /* out may be s */
			o += e - i;
			i = e;
			continue;
		}
		if (c == '{' || c == '[')
			want_key = ++depth == 1 && c == '{';
		else if (c == '}' || c == ']')
			depth--;
		else if (c == ',')
			want_key = depth == 1;
		if (out)
			out[o] = c;
		o++;
		i++;
	}
	return o;
}

/* The text of an item as the library gave it (caller frees). */
static char *decode(const struct item *it)
{
	size_t i, n = it->len, o = 0;
	char *out;
	int k;
	for (i = 0; !it->plain && i < it->len; i++)
		if ((k = name_of_code((unsigned char)it->text[i])) >= 0)
			n += strlen(names[k]) + 2; /* "name": for the code byte */
	if (!(out = malloc(n + 1)))
		abort();
	for (i = 0; i < it->len; i++) {
		k = it->plain ? -1 : name_of_code((unsigned char)it->text[i]);
		if (k < 0) {
			out[o++] = it->text[i];
			continue;
		}
		out[o++] = '"';
		memcpy(out + o, names[k], strlen(names[k]));
		o += strlen(names[k]);
		out[o++] = '"';
		out[o++] = ':';
	}
	out[o] = '\0';
	return out;
}

struct find {
	const char *key, *s;
	size_t len, at, n;
	int found;
};

static int find_member(int name, const char *key, size_t klen, size_t value, void *ctx)
{
	struct find *f = ctx;
	size_t e;
	(void)name;
	if (klen != strlen(f->key) || memcmp(key, f->key, klen))
		return 0;
	if (value < f->len && f->s[value] == '"') {
		for (e = value + 1; e < f->len && f->s[e] != '"' && f->s[e] != '\\'; e++)
			;
		if (e < f->len && f->s[e] == '"') {
			f->at = value + 1;
			f->n = e - value - 1;
			f->found = 1;
		}
	}
	return 1;
}

/* Where the string value of the top-level member key is in the item's
 * text: 0 and its offset and length, or -1 (absent, not a plain string:
 * the caller parses). */
static int top_string(const struct item *it, const char *key, size_t *at, size_t *n)
{
	struct find f = { key, it->text, it->len, 0, 0, 0 };
	if (it->plain)
		return -1;
	walk(it->text, it->len, NULL, find_member, &f);
	*at = f.at;
	*n = f.n;
	return f.found ? 0 : -1;
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
	char *c, *text;
	*k = it->text;
	if (top_string(it, name, &at, &n) == 0) {
		*k = it->text + at;
	} else {
		text = decode(it);
		if ((o = scq_value_parse(text, 0)) && (v = scq_value_string(scq_value_get(o, name)))) {
			n = strnlen(v, KEY_MAX);
			*k = c = take(l, n ? n : 1);
			memcpy(c, v, n);
		}
		scq_value_free(o);
		free(text);
	}
	*klen = (uint8_t)(n > KEY_MAX ? KEY_MAX : n);
}

static int has_control(const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return 1;
	return 0;
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
	l->v = xgrow(l->v, &l->alloc, l->n + 1, sizeof(*l->v));
	it = &l->v[l->n++];
	it->plain = (uint8_t)has_control(js, len);
	if (!it->plain) /* coded, it is shorter: the room taken is what it needs */
		len = walk(js, len, js, NULL, NULL);
	t = take(l, len);
	memcpy(t, js, len);
	free(js);
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
	struct key *k;
	size_t i;
	if (l->n < 2) /* nothing to sort; calloc(0) may be NULL, qsort(NULL) is UB */
		return;
	k = calloc(l->n, sizeof(*k));
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
	char *text;
	PyObject *s;
	if (!index_ok(self, i))
		return NULL;
	text = decode(&self->l->v[i]);
	s = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "replace");
	free(text);
	return s;
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
