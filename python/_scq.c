/*
 * _scq.c - the CPython binding of libscq (include/scq.h only): the Handle
 * type (the module and its exceptions are in _scq_module.c; the methods
 * for decisions, votes, output checks, versions and try in _scq_decide.c;
 * the type itself in _scq_handle.h).
 *
 * A thin layer: one Handle type around `scq *`, one method per library
 * call, results as Python str/bytes/int or the library's JSON text (the
 * pure-Python layer parses it).  Every failure raises the exception class
 * that matches the SCQ_E* code, with scq_errmsg() as its message and the
 * code in `.code`.
 *
 * The GIL is released around every library call; a per-handle lock keeps
 * the handle single-threaded as scq.h requires, and the error message is
 * copied while the lock is held.
 */
#include "_scq.h"
#include "_scq_handle.h"
#include <pythread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "scq.h"

/* ---- the Handle type ---------------------------------------------------- */

PyObject *fail(Handle *self, int r)
{
	return raise_code(r, self->err ? self->err : scq_strerror(r));
}

int check_open(Handle *self)
{
	if (!self->h) {
		raise_code(SCQ_EIO, "the handle is closed"); /* the base class, Error */
		return -1;
	}
	return 0;
}

/* The end of every call that returns nothing: None, or its exception. */
PyObject *none_or_fail(Handle *self, int r)
{
	if (r)
		return fail(self, r);
	Py_RETURN_NONE;
}

/* The end of every call that returns a malloc'ed string: it as str (taken
 * over and freed), or the exception. */
PyObject *str_or_fail(Handle *self, int r, char *s)
{
	if (r) {
		free(s);
		return fail(self, r);
	}
	return take_str(s);
}

static PyObject *Handle_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "email", "data_dir", "config_path", NULL };
	PyObject *email = NULL, *dir = NULL, *cfg = NULL;
	struct scq_open_options o = { NULL, NULL, NULL };
	Handle *self;
	int r;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O&O&O&:Handle", kwlist, fspath_arg, &email,
					 fspath_arg, &dir, fspath_arg, &cfg))
		return NULL;
	if (email)
		o.email = PyBytes_AS_STRING(email);
	if (dir)
		o.data_dir = PyBytes_AS_STRING(dir);
	if (cfg)
		o.config_path = PyBytes_AS_STRING(cfg);
	self = (Handle *)type->tp_alloc(type, 0);
	if (!self)
		goto out;
	self->lock = PyThread_allocate_lock();
	if (!self->lock) {
		Py_CLEAR(self);
		PyErr_NoMemory();
		goto out;
	}
	Py_BEGIN_ALLOW_THREADS
	r = scq_open(&self->h, &o);
	Py_END_ALLOW_THREADS
	if (r) {
		raise_code(r, scq_errmsg(self->h));
		Py_CLEAR(self); /* dealloc closes the message-only handle */
	}
out:
	Py_XDECREF(email);
	Py_XDECREF(dir);
	Py_XDECREF(cfg);
	return (PyObject *)self;
}

static void Handle_dealloc(Handle *self)
{
	scq_close(self->h);
	self->h = NULL;
	if (self->lock)
		PyThread_free_lock(self->lock);
	free(self->err);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Handle_close(Handle *self, PyObject *unused)
{
	(void)unused;
	if (self->h) {
		Py_BEGIN_ALLOW_THREADS
		PyThread_acquire_lock(self->lock, WAIT_LOCK);
		scq_close(self->h);
		self->h = NULL;
		PyThread_release_lock(self->lock);
		Py_END_ALLOW_THREADS
	}
	Py_RETURN_NONE;
}

static PyObject *Handle_get_email(Handle *self, void *c)
{
	(void)c;
	if (check_open(self))
		return NULL;
	return str_or_none(scq_email(self->h));
}

static PyObject *Handle_get_data_dir(Handle *self, void *c)
{
	(void)c;
	if (check_open(self))
		return NULL;
	return str_or_none(scq_data_dir(self->h));
}

static PyObject *Handle_get_closed(Handle *self, void *c)
{
	(void)c;
	return PyBool_FromLong(self->h == NULL);
}

/* A refused submission's message with the notices before it (the
 * requirement lines of the runtime check), as the scq command shows them.
 * The handle lock is taken here (CALL has released it); the threads that
 * hold it never wait for the GIL. */
static void with_notices(Handle *self, int r)
{
	const char *n;
	if (!r)
		return;
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	n = scq_notices(self->h);
	if (n && *n && self->err) {
		size_t a = strlen(n), b = strlen(self->err);
		char *m = malloc(a + b + 1);
		if (m) {
			memcpy(m, n, a);
			memcpy(m + a, self->err, b + 1);
			free(self->err);
			self->err = m;
		}
	}
	PyThread_release_lock(self->lock);
}

/* submit(to, folder, name, description=None, tags=None, timeout_seconds=0,
 *        convert_crlf=False) */
static PyObject *Handle_submit(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "to", "folder", "name", "description", "tags",
				  "timeout_seconds", "convert_crlf", "context", "resubmit_of",
				  "runtime", "force", NULL };
	int crlf = 0, force = 0;
	const char *to, *name, *desc = NULL, *context = NULL, *resubmit_of = NULL,
		   *runtime = NULL;
	PyObject *folder = NULL, *tags = Py_None, *tags_keep = NULL, *res = NULL;
	const char **tagv = NULL;
	long long timeout = 0;
	struct scq_submit_options o;
	char *uid = NULL;
	int r;
	if (check_open(self))
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "sO&s|zOLpzzzp:submit", kwlist, &to, fspath_arg,
					 &folder, &name, &desc, &tags, &timeout, &crlf, &context,
					 &resubmit_of, &runtime, &force))
		return NULL;
	if (str_array(tags, &tags_keep, &tagv) < 0)
		goto out;
	memset(&o, 0, sizeof(o));
	o.to = to;
	o.folder = PyBytes_AS_STRING(folder);
	o.name = name;
	o.description = desc;
	o.tags = tagv;
	o.timeout_seconds = timeout;
	o.convert_crlf = crlf;
	o.context = context;
	o.resubmit_of = resubmit_of;
	o.runtime = runtime;
	o.force = force;
	CALL(self, r, scq_submit(self->h, &o, &uid));
	with_notices(self, r);
	res = str_or_fail(self, r, uid);
out:
	PyMem_Free(tagv);
	Py_XDECREF(tags_keep);
	Py_XDECREF(folder);
	return res;
}

/* submit_script(to, language, script, name, description=None, tags=None,
 *               timeout_seconds=0, requirements=None) */
static PyObject *Handle_submit_script(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "to", "language", "script", "name", "description", "tags",
				  "timeout_seconds", "requirements", "runtime", "force", NULL };
	const char *to, *lang, *name, *desc = NULL, *script, *runtime = NULL;
	int force = 0;
	Py_ssize_t len;
	PyObject *tags = Py_None, *reqs = Py_None, *tags_keep = NULL, *reqs_keep = NULL,
		 *res = NULL;
	const char **tagv = NULL, **reqv = NULL;
	long long timeout = 0;
	struct scq_submit_options o;
	char *uid = NULL;
	int r;
	if (check_open(self))
		return NULL;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "sss#s|zOLOzp:submit_script", kwlist, &to,
					 &lang, &script, &len, &name, &desc, &tags, &timeout, &reqs,
					 &runtime, &force))
		return NULL;
	if (str_array(tags, &tags_keep, &tagv) < 0 || str_array(reqs, &reqs_keep, &reqv) < 0)
		goto out;
	memset(&o, 0, sizeof(o));
	o.to = to;
	o.name = name;
	o.description = desc;
	o.tags = tagv;
	o.timeout_seconds = timeout;
	o.runtime = runtime;
	o.force = force;
	CALL(self, r, scq_submit_script(self->h, &o, lang, script, (size_t)len, reqv, &uid));
	with_notices(self, r);
	res = str_or_fail(self, r, uid);
out:
	PyMem_Free(tagv);
	PyMem_Free(reqv);
	Py_XDECREF(tags_keep);
	Py_XDECREF(reqs_keep);
	return res;
}

/* refresh(flags=REFRESH_READS): scq_refresh, for bots that read a queue
 * they also maintain (list, find, wait and status_json do it already). */
static PyObject *Handle_refresh(Handle *self, PyObject *args)
{
	unsigned flags = SCQ_REFRESH_READS;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "|I:refresh", &flags))
		return NULL;
	CALL(self, r, scq_refresh(self->h, flags));
	return none_or_fail(self, r);
}

/* list(role, status=-1) -> JSON text of the list */
static PyObject *Handle_list(Handle *self, PyObject *args)
{
	int role, status = -1, r;
	char *json = NULL;
	if (check_open(self) || !PyArg_ParseTuple(args, "i|i:list", &role, &status))
		return NULL;
	scq_py_listings++;
	CALL(self, r, list_fresh(self->h, role, status, &json));
	return str_or_fail(self, r, json);
}

/* listing(role, status=-1, mask=0, held=False, approved_by=None) -> Listing:
 * the jobs held compactly (see _scq_listing.c); mask: bit 1 << status for
 * each status wanted (0: any). */
static PyObject *Handle_listing(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "role", "status", "mask", "held", "approved_by", NULL };
	struct listing_query q = { 0, -1, 0, 0, NULL };
	struct listing *l = NULL;
	int r;
	if (check_open(self) ||
	    !PyArg_ParseTupleAndKeywords(args, kw, "i|iIpz:listing", kwlist, &q.role, &q.status,
					 &q.mask, &q.held, &q.approved_by))
		return NULL;
	scq_py_listings++;
	CALL(self, r, listing_fresh(self->h, &q, &l));
	if (r)
		return fail(self, r);
	return listing_wrap(l);
}

/* find(id, role=SCQ_AS_ANY) -> JSON text of the job */
static PyObject *Handle_find(Handle *self, PyObject *args)
{
	const char *id;
	int role = SCQ_AS_ANY, r;
	char *json = NULL;
	if (check_open(self) || !PyArg_ParseTuple(args, "s|i:find", &id, &role))
		return NULL;
	CALL(self, r, find_fresh(self->h, id, role, &json));
	return str_or_fail(self, r, json);
}

/* submitted(uid) -> JSON text of the job just submitted through this
 * handle, from submit's own record (no lookup) */
static int submitted_json(scq *h, const char *uid, char **json)
{
	scq_job *j = NULL;
	int r = scq_submitted_job(h, uid, &j);
	if (!r)
		*json = scq_job_to_json(j);
	scq_job_free(j);
	return r;
}

static PyObject *Handle_submitted(Handle *self, PyObject *args)
{
	const char *uid;
	char *json = NULL;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s:submitted", &uid))
		return NULL;
	CALL(self, r, submitted_json(self->h, uid, &json));
	return str_or_fail(self, r, json);
}

static PyObject *Handle_job_files(Handle *self, PyObject *args)
{
	const char *uid;
	char *json = NULL;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s:job_files", &uid))
		return NULL;
	CALL(self, r, scq_job_files(self->h, uid, &json));
	if (r)
		return fail(self, r);
	return take_str(json);
}

/* logs(uid) -> bytes */
static PyObject *Handle_logs(Handle *self, PyObject *args)
{
	const char *uid;
	char *text = NULL;
	size_t len = 0;
	PyObject *res;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s:logs", &uid))
		return NULL;
	CALL(self, r, scq_job_logs(self->h, uid, &text, &len));
	if (r)
		return fail(self, r);
	res = PyBytes_FromStringAndSize(text ? text : "", (Py_ssize_t)len);
	free(text);
	return res;
}

/* wait(uid, timeout_seconds) -> final status (int) */
static PyObject *Handle_wait(Handle *self, PyObject *args)
{
	const char *uid;
	double timeout;
	int st = -1, r;
	if (check_open(self) || !PyArg_ParseTuple(args, "sd:wait", &uid, &timeout))
		return NULL;
	CALL(self, r, wait_fresh(self->h, uid, timeout, &st));
	if (r == SCQ_ETIMEOUT) { /* scq_wait's words, with the whole timeout */
		char msg[256];
		snprintf(msg, sizeof(msg), "job '%.80s' is still %s after %.0f seconds", uid,
			 scq_status_name(st), timeout);
		return raise_code(r, msg);
	}
	if (r)
		return fail(self, r);
	return PyLong_FromLong(st);
}

/*
 * The calls that fill a struct of counts (scq_ingest, scq_run_cycle): the
 * dict of the counts the package has always shown, in this order.
 */
struct count {
	const char *name;
	size_t off;
};
#define COUNT(type, field) { #field, offsetof(struct type, field) }

static const struct count ingest_counts[] = {
	COUNT(scq_ingest_stats, ingested), COUNT(scq_ingest_stats, quarantined),
	COUNT(scq_ingest_stats, incomplete), COUNT(scq_ingest_stats, cancelled),
	COUNT(scq_ingest_stats, expired), { NULL, 0 }
};

static const struct count run_counts[] = {
	COUNT(scq_run_stats, started), COUNT(scq_run_stats, completed),
	COUNT(scq_run_stats, failed), COUNT(scq_run_stats, cancelled),
	COUNT(scq_run_stats, recovered), COUNT(scq_run_stats, cleaned), { NULL, 0 }
};

union stats {
	struct scq_ingest_stats ingest;
	struct scq_run_stats run;
};

static int ingest_into(scq *h, union stats *st)
{
	return scq_ingest(h, &st->ingest);
}

static int run_cycle_into(scq *h, union stats *st)
{
	return scq_run_cycle(h, &st->run);
}

/* d[key] = v, taking v over; -1 (d untouched) on failure. */
static int dict_take(PyObject *d, const char *key, PyObject *v)
{
	int r = v ? PyDict_SetItemString(d, key, v) : -1;
	Py_XDECREF(v);
	return r;
}

static PyObject *counts_call(Handle *self, int (*fn)(scq *, union stats *),
			     const struct count *c)
{
	union stats st;
	PyObject *d;
	int r;
	if (check_open(self))
		return NULL;
	memset(&st, 0, sizeof(st));
	CALL(self, r, fn(self->h, &st));
	if (r)
		return fail(self, r);
	for (d = PyDict_New(); d && c->name; c++)
		if (dict_take(d, c->name,
			      PyLong_FromUnsignedLong(*(unsigned *)((char *)&st + c->off))) < 0)
			Py_CLEAR(d);
	return d;
}

static PyObject *Handle_ingest(Handle *self, PyObject *unused)
{
	PyObject *d = counts_call(self, ingest_into, ingest_counts);
	(void)unused;
	if (d && dict_take(d, "notices", str_or_none(scq_ingest_notices(self->h))) < 0)
		Py_CLEAR(d);
	return d;
}

static PyObject *Handle_run_cycle(Handle *self, PyObject *unused)
{
	(void)unused;
	return counts_call(self, run_cycle_into, run_counts);
}

/*
 * Most methods are one library call of a common shape: a helper per shape
 * parses the arguments, makes the call and converts its result, and the
 * table below names each method's shape, format and call.
 */
typedef int plain_fn(scq *);
typedef int str_fn(scq *, const char *);
typedef int str2_fn(scq *, const char *, const char *);
typedef int str_out_fn(scq *, const char *, char **);
typedef int json_fn(scq *, char **);

/* no argument, nothing back */
static PyObject *call_plain(Handle *self, PyObject *unused, plain_fn *fn)
{
	int r;
	(void)unused;
	if (check_open(self))
		return NULL;
	CALL(self, r, fn(self->h));
	return none_or_fail(self, r);
}

/* one string (format "s"), nothing back */
static PyObject *call_with_string(Handle *self, PyObject *args, const char *fmt, str_fn *fn)
{
	const char *arg;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, fmt, &arg))
		return NULL;
	CALL(self, r, fn(self->h, arg));
	return none_or_fail(self, r);
}

/* two strings (format "ss", or "s|z" where the second may be None) */
static PyObject *call_with_strings(Handle *self, PyObject *args, const char *fmt, str2_fn *fn)
{
	const char *a, *b = NULL;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, fmt, &a, &b))
		return NULL;
	CALL(self, r, fn(self->h, a, b));
	return none_or_fail(self, r);
}

/* a string and a str or os.PathLike (format "sO&") */
static PyObject *call_with_path(Handle *self, PyObject *args, const char *fmt, str2_fn *fn)
{
	const char *a;
	PyObject *path = NULL;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, fmt, &a, fspath_arg, &path))
		return NULL;
	CALL(self, r, fn(self->h, a, PyBytes_AS_STRING(path)));
	Py_DECREF(path);
	return none_or_fail(self, r);
}

/* one string in (format "s", or "|z": NULL when not given), a malloc'ed
 * string back as str */
static PyObject *string_to_str(Handle *self, PyObject *args, const char *fmt, str_out_fn *fn)
{
	const char *arg = NULL;
	char *out = NULL;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, fmt, &arg))
		return NULL;
	CALL(self, r, fn(self->h, arg, &out));
	return str_or_fail(self, r, out);
}

/* no argument, JSON text back */
static PyObject *json_call(Handle *self, PyObject *unused, json_fn *fn)
{
	char *json = NULL;
	int r;
	(void)unused;
	if (check_open(self))
		return NULL;
	CALL(self, r, fn(self->h, &json));
	return str_or_fail(self, r, json);
}

/* Handle_NAME(self, args) is SHAPE(self, args, ...) */
#define SHAPED(name, shape, ...)                                         \
	static PyObject *Handle_##name(Handle *self, PyObject *args)     \
	{                                                                \
		return shape(self, args, __VA_ARGS__);                   \
	}

SHAPED(init_datasite, call_plain, scq_init_datasite)
SHAPED(reject, call_with_strings, "s|z:reject", scq_reject)
SHAPED(cancel, call_with_string, "s:cancel", scq_cancel)
SHAPED(release, call_with_string, "s:release", scq_release)
SHAPED(output_dir, string_to_str, "s:output_dir", scq_job_output_dir)
SHAPED(output_copy, call_with_path, "sO&:output_copy", scq_job_output_copy)
SHAPED(config_get, string_to_str, "s:config_get", scq_config_get)
SHAPED(config_set, call_with_strings, "ss:config_set", scq_config_set)
SHAPED(config_json, json_call, scq_config_json)
SHAPED(dataset_add, call_with_path, "sO&:dataset_add", scq_dataset_add)
SHAPED(dataset_remove, call_with_string, "s:dataset_remove", scq_dataset_remove)
SHAPED(dataset_list, json_call, scq_dataset_list)
SHAPED(runtime_add, call_with_path, "sO&:runtime_add", scq_runtime_add)
SHAPED(runtime_remove, call_with_string, "s:runtime_remove", scq_runtime_remove)
SHAPED(runtime_list, json_call, scq_runtime_list)
SHAPED(runtime_publish, call_plain, scq_runtime_publish)
SHAPED(runtimes_of, string_to_str, "s:runtimes_of", scq_runtimes_of)
SHAPED(datasets_of, string_to_str, "s:datasets_of", scq_datasets_of)
SHAPED(datasites_json, json_call, scq_datasites)
SHAPED(ping, string_to_str, "s:ping", scq_ping)
SHAPED(keys_list, json_call, scq_keys_list)
SHAPED(keys_accept, call_with_strings, "s|z:keys_accept", scq_keys_accept)
SHAPED(job_votes, string_to_str, "s:job_votes", scq_job_votes)
SHAPED(reviewer_add, call_with_string, "s:reviewer_add", scq_reviewer_add)
SHAPED(reviewer_remove, call_with_string, "s:reviewer_remove", scq_reviewer_remove)
SHAPED(reviewer_list, json_call, scq_reviewer_list)
SHAPED(review_list, string_to_str, "|z:review_list", review_list_json)
SHAPED(status_json, json_call, status_fresh)
SHAPED(doctor_json, json_call, scq_doctor_json)

static PyObject *Handle_audit_verify(Handle *self, PyObject *u)
{
	unsigned long n = 0;
	int r;
	(void)u;
	if (check_open(self))
		return NULL;
	CALL(self, r, scq_audit_verify(self->h, &n));
	if (r)
		return fail(self, r);
	return PyLong_FromUnsignedLong(n);
}

static PyObject *Handle_audit_path(Handle *self, PyObject *u)
{
	const char *p;
	(void)u;
	if (check_open(self))
		return NULL;
	Py_BEGIN_ALLOW_THREADS
	PyThread_acquire_lock(self->lock, WAIT_LOCK);
	p = scq_audit_path(self->h);
	PyThread_release_lock(self->lock);
	Py_END_ALLOW_THREADS
	return str_or_none(p);
}

static PyMethodDef Handle_methods[] = {
	{ "close", (PyCFunction)Handle_close, METH_NOARGS, "close()" },
	{ "init_datasite", (PyCFunction)Handle_init_datasite, METH_NOARGS,
	  "init_datasite(): create my datasite, app folder, ACL and store (idempotent)" },
	{ "submit", (PyCFunction)(void (*)(void))Handle_submit, METH_VARARGS | METH_KEYWORDS,
	  "submit(to, folder, name, description=None, tags=None, timeout_seconds=0, "
	  "convert_crlf=False, context=None, resubmit_of=None, runtime=None, force=False) -> uid" },
	{ "submit_script", (PyCFunction)(void (*)(void))Handle_submit_script,
	  METH_VARARGS | METH_KEYWORDS,
	  "submit_script(to, language, script, name, description=None, tags=None, "
	  "timeout_seconds=0, requirements=None) -> uid" },
	{ "ingest", (PyCFunction)Handle_ingest, METH_NOARGS, "ingest() -> dict of counts" },
	{ "refresh", (PyCFunction)Handle_refresh, METH_VARARGS,
	  "refresh(flags=REFRESH_READS): ingest, expire, clean up (scq_refresh)" },
	{ "list", (PyCFunction)Handle_list, METH_VARARGS, "list(role, status=-1) -> JSON text" },
	{ "listing", (PyCFunction)(void (*)(void))Handle_listing, METH_VARARGS | METH_KEYWORDS,
	  "listing(role, status=-1, mask=0, held=False, approved_by=None) -> Listing" },
	{ "submitted", (PyCFunction)Handle_submitted, METH_VARARGS,
	  "submitted(uid) -> JSON text of the job just submitted (no lookup)" },
	{ "find", (PyCFunction)Handle_find, METH_VARARGS, "find(id, role=3) -> JSON text" },
	{ "job_files", (PyCFunction)Handle_job_files, METH_VARARGS, "job_files(uid) -> JSON text" },
	{ "output_check", (PyCFunction)Handle_output_check, METH_VARARGS,
	  "output_check(uid, differencing=True) -> JSON text: the owner's disclosure-risk flags" },
	{ "export_acro", (PyCFunction)Handle_export_acro, METH_VARARGS,
	  "export_acro(uid, dir): an ACRO results.json and the outputs of a released job" },
	{ "read_file", (PyCFunction)Handle_read_file, METH_VARARGS,
	  "read_file(uid, path, max=-1) -> bytes (-1: the whole file, 0: 1 MiB)" },
	{ "read_code", (PyCFunction)Handle_read_code, METH_VARARGS,
	  "read_code(uid) -> [(path, size, mode, bytes or the exception)]" },
	{ "approve", (PyCFunction)(void (*)(void))Handle_approve, METH_VARARGS | METH_KEYWORDS,
	  "approve(uid, reason=None, allow_network=False)" },
	{ "reject", (PyCFunction)Handle_reject, METH_VARARGS, "reject(uid, reason)" },
	{ "job_diff", (PyCFunction)Handle_job_diff, METH_VARARGS,
	  "job_diff(uid) -> (text, base uid or None): what a revision changed (owner)" },
	{ "rerun", (PyCFunction)Handle_rerun, METH_VARARGS,
	  "rerun(uid, reason=None) -> uid of the new job (owner)" },
	{ "cancel", (PyCFunction)Handle_cancel, METH_VARARGS, "cancel(uid)" },
	{ "release", (PyCFunction)Handle_release, METH_VARARGS,
	  "release(uid): publish a held job's log and outputs (setting release=review)" },
	{ "release_votes", (PyCFunction)Handle_release_votes, METH_VARARGS,
	  "release_votes(uid) -> (have, need, decided): the release votes of a held job "
	  "(release_approvals_required)" },
	{ "release_decide", (PyCFunction)(void (*)(void))Handle_release_decide,
	  METH_VARARGS | METH_KEYWORDS,
	  "release_decide(uid, kind, reason, files=None, log=False, withhold=None, "
	  "withhold_reason=None, ack_flags=False): RELEASE_ALL, RELEASE_FILES, WITHHOLD_ALL "
	  "or RETURN (scq_release_decide)" },
	{ "logs", (PyCFunction)Handle_logs, METH_VARARGS, "logs(uid) -> bytes" },
	{ "output_dir", (PyCFunction)Handle_output_dir, METH_VARARGS, "output_dir(uid) -> str" },
	{ "output_copy", (PyCFunction)Handle_output_copy, METH_VARARGS, "output_copy(uid, dir)" },
	{ "wait", (PyCFunction)Handle_wait, METH_VARARGS, "wait(uid, timeout) -> status int" },
	{ "run_cycle", (PyCFunction)Handle_run_cycle, METH_NOARGS, "run_cycle() -> dict" },
	{ "config_get", (PyCFunction)Handle_config_get, METH_VARARGS, "config_get(key) -> str" },
	{ "config_set", (PyCFunction)Handle_config_set, METH_VARARGS, "config_set(key, value)" },
	{ "config_json", (PyCFunction)Handle_config_json, METH_NOARGS, "config_json() -> JSON" },
	{ "dataset_add", (PyCFunction)Handle_dataset_add, METH_VARARGS, "dataset_add(name, path)" },
	{ "dataset_remove", (PyCFunction)Handle_dataset_remove, METH_VARARGS,
	  "dataset_remove(name)" },
	{ "dataset_list", (PyCFunction)Handle_dataset_list, METH_NOARGS, "dataset_list() -> JSON" },
	{ "runtime_add", (PyCFunction)Handle_runtime_add, METH_VARARGS, "runtime_add(name, path)" },
	{ "runtime_remove", (PyCFunction)Handle_runtime_remove, METH_VARARGS,
	  "runtime_remove(name)" },
	{ "runtime_list", (PyCFunction)Handle_runtime_list, METH_NOARGS, "runtime_list() -> JSON" },
	{ "runtime_publish", (PyCFunction)Handle_runtime_publish, METH_NOARGS,
	  "runtime_publish(): write public/code-queue/runtimes.json" },
	{ "runtimes_of", (PyCFunction)Handle_runtimes_of, METH_VARARGS,
	  "runtimes_of(owner) -> JSON of the owner's published runtimes" },
	{ "dataset_publish", (PyCFunction)(void (*)(void))Handle_dataset_publish,
	  METH_VARARGS | METH_KEYWORDS,
	  "dataset_publish(name, path, mock, description=None, readers=None)" },
	{ "datasets_of", (PyCFunction)Handle_datasets_of, METH_VARARGS, "datasets_of(owner) -> JSON" },
	{ "datasites_json", (PyCFunction)Handle_datasites_json, METH_NOARGS,
	  "datasites_json() -> JSON: the datasites that run the queue, as synced here" },
	{ "ping", (PyCFunction)Handle_ping, METH_VARARGS,
	  "ping(owner) -> JSON: the owner's runner heartbeat (alive, stale, never, ...)" },
	{ "keys_list", (PyCFunction)Handle_keys_list, METH_NOARGS,
	  "keys_list() -> text: email TAB fingerprint TAB state, one line per pinned key" },
	{ "keys_accept", (PyCFunction)Handle_keys_accept, METH_VARARGS,
	  "keys_accept(email): pin the key email publishes now" },
	{ "try_job", (PyCFunction)(void (*)(void))Handle_try_job, METH_VARARGS | METH_KEYWORDS,
	  "try_job(folder, owner, out_dir=None, name=None) -> JSON" },
	{ "vote", (PyCFunction)(void (*)(void))Handle_vote, METH_VARARGS | METH_KEYWORDS,
	  "vote(uid, owner=None, reason=None, allow_network=False) -> (have, need)" },
	{ "job_votes", (PyCFunction)Handle_job_votes, METH_VARARGS, "job_votes(uid) -> JSON" },
	{ "review_list", (PyCFunction)Handle_review_list, METH_VARARGS,
	  "review_list(owner=None) -> JSON: the pending jobs owners share with me for my vote" },
	{ "reviewer_add", (PyCFunction)Handle_reviewer_add, METH_VARARGS, "reviewer_add(email)" },
	{ "reviewer_remove", (PyCFunction)Handle_reviewer_remove, METH_VARARGS,
	  "reviewer_remove(email)" },
	{ "reviewer_list", (PyCFunction)Handle_reviewer_list, METH_NOARGS,
	  "reviewer_list() -> JSON" },
	{ "audit_verify", (PyCFunction)Handle_audit_verify, METH_NOARGS,
	  "audit_verify() -> number of entries" },
	{ "audit_path", (PyCFunction)Handle_audit_path, METH_NOARGS, "audit_path() -> str" },
	{ "status_json", (PyCFunction)Handle_status_json, METH_NOARGS, "status_json() -> JSON" },
	{ "doctor_json", (PyCFunction)Handle_doctor_json, METH_NOARGS, "doctor_json() -> JSON" },
	{ NULL, NULL, 0, NULL }
};

static PyGetSetDef Handle_getset[] = {
	{ "email", (getter)Handle_get_email, NULL, "my email", NULL },
	{ "data_dir", (getter)Handle_get_data_dir, NULL, "the SyftBox data folder", NULL },
	{ "closed", (getter)Handle_get_closed, NULL, "True once closed", NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

PyTypeObject HandleType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "syft_code_queue._scq.Handle",
	.tp_basicsize = sizeof(Handle),
	.tp_dealloc = (destructor)Handle_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "Handle(email=None, data_dir=None, config_path=None): an identity and workspace",
	.tp_methods = Handle_methods,
	.tp_getset = Handle_getset,
	.tp_new = Handle_new,
};

