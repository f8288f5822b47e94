/*
 * _scq_convert.c - conversions between Python objects and the C strings
 * and string arrays that scq.h takes and returns, for the Handle methods
 * of _scq.c.  No handle, no library call.
 */
#include "_scq.h"
#include <stdlib.h>
#include <string.h>

/* A str or os.PathLike converted to a UTF-8 C string kept in *keep. */
int fspath_arg(PyObject *o, PyObject **keep)
{
	PyObject *p;
	if (o == NULL) {
		Py_CLEAR(*keep);
		return 1;
	}
	if (o == Py_None) {
		*keep = NULL;
		return 1;
	}
	p = PyOS_FSPath(o);
	if (!p)
		return 0;
	if (PyBytes_Check(p)) {
		*keep = p;
	} else {
		*keep = PyUnicode_AsUTF8String(p);
		Py_DECREF(p);
		if (!*keep)
			return 0;
	}
	if (strlen(PyBytes_AS_STRING(*keep)) != (size_t)PyBytes_GET_SIZE(*keep)) {
		Py_CLEAR(*keep);
		PyErr_SetString(PyExc_ValueError, "embedded NUL character in path");
		return 0;
	}
	return Py_CLEANUP_SUPPORTED;
}

PyObject *str_or_none(const char *s)
{
	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

/* Take ownership of a malloc'ed C string and return it as str (or None). */
PyObject *take_str(char *s)
{
	PyObject *o = str_or_none(s);
	free(s);
	return o;
}

/* A sequence of str -> NULL-terminated array; strings borrowed from the
 * items of the list held in *keep.  NULL/None -> NULL array. */
int str_array(PyObject *seq, PyObject **keep, const char ***out)
{
	Py_ssize_t i, n;
	*out = NULL;
	*keep = NULL;
	if (!seq || seq == Py_None)
		return 0;
	if (PyUnicode_Check(seq)) {
		PyErr_SetString(PyExc_TypeError, "expected a list of strings, not a str");
		return -1;
	}
	*keep = PySequence_List(seq);
	if (!*keep)
		return -1;
	n = PyList_GET_SIZE(*keep);
	*out = PyMem_Calloc((size_t)n + 1, sizeof(char *));
	if (!*out)
		return PyErr_NoMemory(), -1;
	for (i = 0; i < n; i++) {
		PyObject *it = PyList_GET_ITEM(*keep, i);
		Py_ssize_t len;
		const char *s;
		if (!PyUnicode_Check(it)) {
			PyErr_Format(PyExc_TypeError, "expected str items, got %.50s",
				     Py_TYPE(it)->tp_name);
			return -1;
		}
		s = PyUnicode_AsUTF8AndSize(it, &len);
		if (!s)
			return -1;
		if (strlen(s) != (size_t)len) {
			PyErr_SetString(PyExc_ValueError, "embedded NUL character");
			return -1;
		}
		(*out)[i] = s;
	}
	return 0;
}
