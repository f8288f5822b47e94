/*
 * _scq_module.c - the _scq module itself: the exception classes that the
 * SCQ_E* codes map to, the module-level functions and PyInit__scq.
 */
#include "_scq.h"
#include <string.h>
#include "scq.h"

/* ---- exceptions --------------------------------------------------------- */

static PyObject *Error, *JobNotFound, *NotAllowed, *InvalidState, *InvalidJob,
	*ConfigError, *SandboxError, *Timeout, *ResultsIncomplete;

static PyObject *exc_for(int code)
{
	switch (code) {
	case SCQ_ENOTFOUND: return JobNotFound;
	case SCQ_EPERM: return NotAllowed;
	case SCQ_ESTATE: return InvalidState;
	case SCQ_EINVAL: /* fall through */
	case SCQ_EAMBIGUOUS: return InvalidJob;
	case SCQ_ECONFIG: return ConfigError;
	case SCQ_ESANDBOX: return SandboxError;
	case SCQ_ETIMEOUT: return Timeout;
	case SCQ_EINCOMPLETE: return ResultsIncomplete;
	default: return Error;
	}
}

/* Set o.code and o.code_name: an exception class's defaults, or the
 * actual code of one instance.  -1 with a Python error set on failure. */
static int set_code(PyObject *o, int code)
{
	PyObject *c = PyLong_FromLong(code), *n = PyUnicode_FromString(scq_strerror(code));
	int r = -1;
	if (c && n && PyObject_SetAttrString(o, "code", c) == 0 &&
	    PyObject_SetAttrString(o, "code_name", n) == 0)
		r = 0;
	Py_XDECREF(c);
	Py_XDECREF(n);
	return r;
}

/* Raise the exception of `code` with message msg; returns NULL. */
PyObject *raise_code(int code, const char *msg)
{
	PyObject *type = exc_for(code), *m, *exc;
	m = PyUnicode_DecodeUTF8(msg ? msg : "", msg ? (Py_ssize_t)strlen(msg) : 0, "replace");
	if (!m)
		return NULL;
	exc = PyObject_CallOneArg(type, m);
	Py_DECREF(m);
	if (!exc)
		return NULL;
	if (set_code(exc, code) < 0) {
		Py_DECREF(exc);
		return NULL;
	}
	PyErr_SetObject(type, exc);
	Py_DECREF(exc);
	return NULL;
}

/* ---- module functions --------------------------------------------------- */

static PyObject *m_strerror(PyObject *m, PyObject *args)
{
	int code;
	(void)m;
	if (!PyArg_ParseTuple(args, "i:strerror", &code))
		return NULL;
	return PyUnicode_FromString(scq_strerror(code));
}

static PyObject *m_statuses(PyObject *m, PyObject *u)
{
	PyObject *t = PyTuple_New(SCQ_STATUS_COUNT);
	int i;
	(void)m;
	(void)u;
	for (i = 0; t && i < SCQ_STATUS_COUNT; i++) {
		PyObject *s = PyUnicode_FromString(scq_status_name(i));
		if (!s) {
			Py_DECREF(t);
			return NULL;
		}
		PyTuple_SET_ITEM(t, i, s);
	}
	return t;
}

static PyObject *m_config_keys(PyObject *m, PyObject *u)
{
	const char *const *k = scq_config_keys();
	PyObject *l = PyList_New(0);
	(void)m;
	(void)u;
	for (; l && *k; k++) {
		PyObject *s = PyUnicode_FromString(*k);
		if (!s || PyList_Append(l, s) < 0) {
			Py_XDECREF(s);
			Py_DECREF(l);
			return NULL;
		}
		Py_DECREF(s);
	}
	return l;
}

static PyObject *m_uid_valid(PyObject *m, PyObject *args)
{
	const char *s;
	(void)m;
	if (!PyArg_ParseTuple(args, "s:uid_valid", &s))
		return NULL;
	return PyBool_FromLong(scq_uid_valid(s));
}

static PyObject *m_raise_code(PyObject *m, PyObject *args)
{
	int code;
	const char *msg;
	(void)m;
	if (!PyArg_ParseTuple(args, "is:raise_code", &code, &msg))
		return NULL;
	return raise_code(code, msg);
}

/* escape_text(data, multiline=True) -> (str, markers): the library's one
 * way to show submitter text (scq_escape_text), so every Python view shows
 * exactly what scq shows.  The caller passes pieces well under the
 * library's buffer cap (a marker is at most 10 bytes per input byte). */
static PyObject *m_escape_text(PyObject *m, PyObject *args)
{
	Py_buffer data;
	int multiline = 1;
	size_t markers = 0;
	char *s;
	PyObject *res;
	(void)m;
	if (!PyArg_ParseTuple(args, "y*|p:escape_text", &data, &multiline))
		return NULL;
	s = scq_escape_text(data.buf, (size_t)data.len, multiline ? SCQ_SHOW_MULTILINE : 0,
			    &markers);
	PyBuffer_Release(&data);
	if (!s)
		return PyErr_NoMemory();
	res = Py_BuildValue("(s#n)", s, (Py_ssize_t)strlen(s), (Py_ssize_t)markers);
	free(s);
	return res;
}

/* text_flaws(data) -> (nul, invalid): what a text view could hide
 * (scq_text_flaws), so Python's review warns about the same files as scq. */
static PyObject *m_text_flaws(PyObject *m, PyObject *args)
{
	Py_buffer data;
	size_t nul = 0, invalid = 0;
	(void)m;
	if (!PyArg_ParseTuple(args, "y*:text_flaws", &data))
		return NULL;
	scq_text_flaws(data.buf, (size_t)data.len, &nul, &invalid);
	PyBuffer_Release(&data);
	return Py_BuildValue("(nn)", (Py_ssize_t)nul, (Py_ssize_t)invalid);
}

/* The library's one list of bidi/invisible format characters, so Python
 * views escape exactly what the CLI escapes. */
static PyObject *m_format_char_ranges(PyObject *self, PyObject *args)
{
	size_t n, i;
	const uint32_t (*r)[2] = scq_format_char_ranges(&n);
	PyObject *list = PyList_New((Py_ssize_t)n);
	(void)self;
	(void)args;
	for (i = 0; list && i < n; i++) {
		PyObject *t = Py_BuildValue("(kk)", (unsigned long)r[i][0], (unsigned long)r[i][1]);
		if (!t) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, (Py_ssize_t)i, t);
	}
	return list;
}

/* How many listings this process made (Handle.list, Handle.listing): the
 * tests check a collection lists once. */
static PyObject *m_listing_count(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	return PyLong_FromUnsignedLong(scq_py_listings);
}

static PyMethodDef module_methods[] = {
	{ "escape_text", m_escape_text, METH_VARARGS,
	  "escape_text(data: bytes, multiline=True) -> (str, markers), as scq shows text" },
	{ "text_flaws", m_text_flaws, METH_VARARGS,
	  "text_flaws(data: bytes) -> (nul, invalid) bytes a text view could hide" },
	{ "format_char_ranges", m_format_char_ranges, METH_NOARGS,
	  "format_char_ranges() -> [(first, last)] code points every view shows escaped" },
	{ "strerror", m_strerror, METH_VARARGS, "strerror(code) -> name of a result code" },
	{ "statuses", m_statuses, METH_NOARGS, "statuses() -> the status names in order" },
	{ "config_keys", m_config_keys, METH_NOARGS, "config_keys() -> the setting names" },
	{ "uid_valid", m_uid_valid, METH_VARARGS, "uid_valid(s) -> bool" },
	{ "raise_code", m_raise_code, METH_VARARGS,
	  "raise_code(code, message): raise the exception for an SCQ_E* code" },
	{ "listing_count", m_listing_count, METH_NOARGS,
	  "listing_count() -> how many listings this process made (for tests)" },
	{ NULL, NULL, 0, NULL }
};

static struct PyModuleDef moduledef = {
	PyModuleDef_HEAD_INIT, "_scq", "libscq binding (include/scq.h)", -1, module_methods,
	NULL, NULL, NULL, NULL
};

static int add_exc(PyObject *m, PyObject **slot, const char *name, PyObject *bases,
		   const char *doc, int code)
{
	char full[128];
	snprintf(full, sizeof(full), "syft_code_queue.%s", name);
	*slot = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
	if (!*slot)
		return -1;
	/* class defaults; raise_code sets the actual code on each instance */
	if (set_code(*slot, code) < 0)
		return -1;
	Py_INCREF(*slot);
	if (PyModule_AddObject(m, name, *slot) < 0) {
		Py_DECREF(*slot);
		return -1;
	}
	return 0;
}

static int add_sub(PyObject *m, PyObject **slot, const char *name, PyObject *extra,
		   const char *doc, int code)
{
	PyObject *bases = extra ? PyTuple_Pack(2, Error, extra) : PyTuple_Pack(1, Error);
	int r;
	if (!bases)
		return -1;
	r = add_exc(m, slot, name, bases, doc, code);
	Py_DECREF(bases);
	return r;
}

/* The exception classes below Error: name, an extra base, doc, code. */
static const struct subclass {
	PyObject **slot;
	const char *name;
	PyObject **extra;
	const char *doc;
	int code;
} subclasses[] = {
	{ &JobNotFound, "JobNotFound", &PyExc_LookupError,
	  "No such job, file or key (SCQ_ENOTFOUND).", SCQ_ENOTFOUND },
	{ &NotAllowed, "NotAllowed", NULL, "Not allowed for this identity (SCQ_EPERM).", SCQ_EPERM },
	{ &InvalidState, "InvalidState", NULL,
	  "The job is in the wrong state for this (SCQ_ESTATE).", SCQ_ESTATE },
	{ &InvalidJob, "InvalidJob", &PyExc_ValueError,
	  "Invalid job, argument or input, or an ambiguous id (SCQ_EINVAL, SCQ_EAMBIGUOUS).",
	  SCQ_EINVAL },
	{ &ConfigError, "ConfigError", NULL,
	  "No identity or workspace, or a bad setting (SCQ_ECONFIG).", SCQ_ECONFIG },
	{ &SandboxError, "SandboxError", NULL, "Isolation could not be set up (SCQ_ESANDBOX).",
	  SCQ_ESANDBOX },
	{ &Timeout, "Timeout", &PyExc_TimeoutError, "A wait ran out of time (SCQ_ETIMEOUT).",
	  SCQ_ETIMEOUT },
	{ &ResultsIncomplete, "ResultsIncomplete", NULL,
	  "A job's log or outputs are not all there as published: not fully "
	  "synced yet, or not delivered by the owner (SCQ_EINCOMPLETE).", SCQ_EINCOMPLETE },
};

/* The module's int constants: roles, refresh flags, result codes. */
static const struct int_constant {
	const char *name;
	int value;
} int_constants[] = {
	{ "AS_OWNER", SCQ_AS_OWNER },
	{ "AS_REQUESTER", SCQ_AS_REQUESTER },
	{ "AS_ANY", SCQ_AS_ANY },
	{ "REFRESH_INGEST", SCQ_REFRESH_INGEST },
	{ "REFRESH_EXPIRE", SCQ_REFRESH_EXPIRE },
	{ "REFRESH_RECONCILE", SCQ_REFRESH_RECONCILE },
	{ "REFRESH_SUBMISSIONS", SCQ_REFRESH_SUBMISSIONS },
	{ "REFRESH_NOTIFY", SCQ_REFRESH_NOTIFY },
	{ "REFRESH_READS", SCQ_REFRESH_READS },
	{ "REFRESH_ALL", SCQ_REFRESH_ALL },
	{ "RELEASE_ALL", SCQ_RELEASE_ALL },
	{ "RELEASE_FILES", SCQ_RELEASE_FILES },
	{ "WITHHOLD_ALL", SCQ_WITHHOLD_ALL },
	{ "RETURN", SCQ_RETURN },
	{ "OK", SCQ_OK },
	{ "ENOTFOUND", SCQ_ENOTFOUND },
	{ "EPERM", SCQ_EPERM },
	{ "ESTATE", SCQ_ESTATE },
	{ "EINVAL", SCQ_EINVAL },
	{ "ECONFIG", SCQ_ECONFIG },
	{ "ESANDBOX", SCQ_ESANDBOX },
	{ "EIO", SCQ_EIO },
	{ "EAMBIGUOUS", SCQ_EAMBIGUOUS },
	{ "ETIMEOUT", SCQ_ETIMEOUT },
	{ "EBUSY", SCQ_EBUSY },
	{ "EINCOMPLETE", SCQ_EINCOMPLETE },
	{ "PROTOCOL_VERSION", SCQ_PROTOCOL_VERSION },
};

PyMODINIT_FUNC PyInit__scq(void); /* the one exported symbol */

PyMODINIT_FUNC PyInit__scq(void)
{
	PyObject *m = PyModule_Create(&moduledef);
	size_t i;
	if (!m)
		return NULL;
	if (PyType_Ready(&HandleType) < 0 || PyType_Ready(&ListingType) < 0)
		goto fail;
	Py_INCREF(&HandleType);
	if (PyModule_AddObject(m, "Handle", (PyObject *)&HandleType) < 0) {
		Py_DECREF(&HandleType);
		goto fail;
	}
	Py_INCREF(&ListingType);
	if (PyModule_AddObject(m, "Listing", (PyObject *)&ListingType) < 0) {
		Py_DECREF(&ListingType);
		goto fail;
	}
	if (add_exc(m, &Error, "Error", NULL, "Base class of every syft_code_queue error.", SCQ_EIO) < 0)
		goto fail;
	for (i = 0; i < sizeof(subclasses) / sizeof(subclasses[0]); i++) {
		const struct subclass *c = &subclasses[i];
		if (add_sub(m, c->slot, c->name, c->extra ? *c->extra : NULL, c->doc, c->code) < 0)
			goto fail;
	}
	for (i = 0; i < sizeof(int_constants) / sizeof(int_constants[0]); i++)
		if (PyModule_AddIntConstant(m, int_constants[i].name, int_constants[i].value) < 0)
			goto fail;
	if (PyModule_AddStringConstant(m, "VERSION", SCQ_VERSION) < 0)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
