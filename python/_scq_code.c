/*
 * _scq_code.c - reading a job's code from Python: one file's bytes
 * (read_file) and every file of its manifest (read_code), each capped and
 * checked against the manifest by the library.  Split from _scq.c.
 */
#include "_scq.h"
#include "_scq_handle.h"
#include <pythread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "scq.h"

/* The size the manifest lists for path (at least 1; 1 if not listed:
 * the read then says so). */
static size_t listed_size(const scq_job_code *c, const char *path)
{
	const char *p;
	long long size;
	size_t i;
	for (i = 0; scq_job_code_at(c, i, &p, &size, NULL) == 0; i++)
		if (!strcmp(p, path))
			return size > 0 ? (size_t)size : 1;
	return 1;
}

/* One code file, the manifest read once; max < 0: the listed size. */
static int read_one(scq *h, const char *uid, const char *path, Py_ssize_t max, char **data,
		    size_t *len)
{
	scq_job_code *c = NULL;
	int r = scq_job_code_open(h, uid, &c);
	if (r == 0)
		r = scq_job_code_read(h, c, path, max < 0 ? listed_size(c, path) : (size_t)max,
				      data, len);
	scq_job_code_close(c);
	return r;
}

/* read_file(uid, path, max=-1) -> bytes: max -1 reads the whole file (the
 * size its manifest lists), 0 up to 1 MiB, else up to max bytes. */
PyObject *Handle_read_file(Handle *self, PyObject *args)
{
	const char *uid, *path;
	Py_ssize_t max = -1;
	char *data = NULL;
	size_t len = 0;
	PyObject *res;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "ss|n:read_file", &uid, &path, &max))
		return NULL;
	CALL(self, r, read_one(self->h, uid, path, max, &data, &len));
	if (r)
		return fail(self, r);
	res = PyBytes_FromStringAndSize(data ? data : "", (Py_ssize_t)len);
	free(data);
	return res;
}

/* The exception of a failed call as a value, not raised: one item of a
 * list of results may fail on its own. */
static PyObject *error_value(Handle *self, int r)
{
	PyObject *t, *v, *tb;
	fail(self, r);
	PyErr_Fetch(&t, &v, &tb);
	PyErr_NormalizeException(&t, &v, &tb);
	Py_XDECREF(t);
	Py_XDECREF(tb);
	return v;
}

/* One item of read_code: (path, size, mode, bytes or the exception). */
static PyObject *code_item(Handle *self, const scq_job_code *c, size_t i)
{
	const char *path, *mode;
	long long size;
	char *data = NULL;
	size_t len = 0;
	PyObject *d;
	int r;
	scq_job_code_at(c, i, &path, &size, &mode);
	CALL(self, r, scq_job_code_read(self->h, c, path, size > 0 ? (size_t)size : 1, &data, &len));
	d = r ? error_value(self, r) : PyBytes_FromStringAndSize(data ? data : "", (Py_ssize_t)len);
	free(data);
	return d ? Py_BuildValue("(sLsN)", path, size, mode, d) : NULL;
}

/* read_code(uid) -> [(path, size, mode, bytes or the exception)]: every
 * code file whole, the job found and its manifest read once. */
PyObject *Handle_read_code(Handle *self, PyObject *args)
{
	const char *uid;
	scq_job_code *c = NULL;
	PyObject *res, *item;
	size_t i, n;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s:read_code", &uid))
		return NULL;
	CALL(self, r, scq_job_code_open(self->h, uid, &c));
	if (r)
		return fail(self, r);
	n = scq_job_code_count(c);
	res = PyList_New((Py_ssize_t)n);
	for (i = 0; res && i < n; i++) {
		if (!(item = code_item(self, c, i)))
			Py_CLEAR(res);
		else
			PyList_SET_ITEM(res, (Py_ssize_t)i, item);
	}
	scq_job_code_close(c);
	return res;
}
