/*
 * _scq.h - what the files of the _scq extension share: the Handle type
 * (_scq.c), the exception mapping (_scq_module.c), the conversions of
 * arguments and results (_scq_convert.c) and the reads that refresh first
 * (_scq_fresh.c).
 */
#ifndef SCQ_PY_H
#define SCQ_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The Python type wrapping `scq *` (defined in _scq.c). */
extern PyTypeObject HandleType;
/* Raise the exception class of an SCQ_E* code with msg; returns NULL. */
PyObject *raise_code(int code, const char *msg);

/* _scq_convert.c: Python objects <-> C strings. */
/* PyArg "O&" converter: a str or os.PathLike as UTF-8 bytes in *keep
 * (None -> NULL); an embedded NUL is a ValueError. */
int fspath_arg(PyObject *o, PyObject **keep);
/* s as str (invalid UTF-8 replaced), or None for NULL. */
PyObject *str_or_none(const char *s);
/* The same for a malloc'ed s, which it frees. */
PyObject *take_str(char *s);
/* A sequence of str -> NULL-terminated array; strings borrowed from the
 * items of the list held in *keep.  NULL/None -> NULL array.  -1 with a
 * Python error set on failure (the caller still frees *out and *keep). */
int str_array(PyObject *seq, PyObject **keep, const char ***out);

/* _scq_fresh.c: reads that refresh first, as the package always has; on
 * success *json is malloc'ed JSON text.  struct scq is scq.h's handle. */
struct scq;
int list_fresh(struct scq *h, int role, int status, char **json);
/* scq_list_each after the same refresh as list_fresh. */
struct scq_job;
int list_each_fresh(struct scq *h, int role, int status,
		    int (*fn)(const struct scq_job *, void *), void *ctx);
int find_fresh(struct scq *h, const char *id, int role, char **json);
int status_fresh(struct scq *h, char **json);
/* scq_review_list as JSON text (no refresh: other owners' datasites). */
int review_list_json(struct scq *h, const char *owner, char **json);
/* scq_wait, refreshing every second; *st the last status seen. */
int wait_fresh(struct scq *h, const char *uid, double timeout, int *st);

/* _scq_listing.c: a listing held compactly (the Listing type).  What to
 * list: role, one status (-1: all) or a mask of statuses (bit 1 << status;
 * 0: all), only jobs whose results are held, only jobs approved by one
 * identity (NULL: anyone). */
struct listing_query {
	int role, status;
	unsigned mask;
	int held;
	const char *approved_by;
};
struct listing;
extern PyTypeObject ListingType;
/* Listings made in this process (Handle.list and Handle.listing). */
extern unsigned long scq_py_listings;
/* Refresh, then list into *out (free with listing_free).  No GIL needed. */
int listing_fresh(struct scq *h, const struct listing_query *q, struct listing **out);
void listing_free(struct listing *l);
/* A Listing object owning l (freed on failure). */
PyObject *listing_wrap(struct listing *l);

#endif
