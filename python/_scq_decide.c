/*
 * _scq_decide.c - Handle methods for the decisions on a job and the data
 * scientist's loop: approve and the two-person rule's votes, release
 * decisions and release votes, output checks and the ACRO export,
 * versions (diff, rerun), mock data and try.  Split from _scq.c, which
 * keeps the type and the method table (_scq_handle.h).
 */
#include "_scq.h"
#include "_scq_handle.h"

/* The output checks of a job as JSON text (scq_output_flags_json). */
static int output_check_json(scq *h, const char *uid, unsigned flags, char **json)
{
	scq_output_flags *f = NULL;
	int r = scq_output_check(h, uid, flags, &f);
	if (!r)
		*json = scq_output_flags_json(f);
	scq_output_flags_free(f);
	return r;
}

/* output_check(uid, differencing=True) -> JSON text (owner only) */
PyObject *Handle_output_check(Handle *self, PyObject *args)
{
	const char *uid;
	char *json = NULL;
	int diff = 1, r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s|p:output_check", &uid, &diff))
		return NULL;
	CALL(self, r, output_check_json(self->h, uid, diff ? SCQ_CHECK_DIFFERENCING : 0, &json));
	if (r)
		return fail(self, r);
	return take_str(json);
}

/* export_acro(uid, dir) -> None */
PyObject *Handle_export_acro(Handle *self, PyObject *args)
{
	const char *uid, *dir;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "ss:export_acro", &uid, &dir))
		return NULL;
	CALL(self, r, scq_export_acro(self->h, uid, dir));
	if (r)
		return fail(self, r);
	Py_RETURN_NONE;
}

PyObject *Handle_approve(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "uid", "reason", "allow_network", NULL };
	const char *uid, *reason = NULL;
	int net = 0, r;
	if (check_open(self) ||
	    !PyArg_ParseTupleAndKeywords(args, kw, "s|zp:approve", kwlist, &uid, &reason, &net))
		return NULL;
	CALL(self, r, scq_approve(self->h, uid, reason, net ? SCQ_ALLOW_NETWORK : 0));
	return none_or_fail(self, r);
}

/* job_diff(uid) -> (text, base uid or None): scq_job_diff's text, shown
 * with markers already (valid UTF-8). */
PyObject *Handle_job_diff(Handle *self, PyObject *args)
{
	const char *uid;
	char *text = NULL, *base = NULL;
	PyObject *res;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s:job_diff", &uid))
		return NULL;
	CALL(self, r, scq_job_diff(self->h, uid, &text, &base));
	res = r ? fail(self, r) : Py_BuildValue("(sz)", text, base);
	free(text);
	free(base);
	return res;
}

/* rerun(uid, reason=None) -> the new job's uid */
PyObject *Handle_rerun(Handle *self, PyObject *args)
{
	const char *uid, *reason = NULL;
	char *nu = NULL;
	PyObject *res;
	int r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s|z:rerun", &uid, &reason))
		return NULL;
	CALL(self, r, scq_rerun(self->h, uid, reason, &nu));
	res = r ? fail(self, r) : PyUnicode_FromString(nu);
	free(nu);
	return res;
}

/* dataset_publish(name, path, mock, description=None, readers=None) */
PyObject *Handle_dataset_publish(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", "path", "mock", "description", "readers", NULL };
	struct scq_mock_options o = { NULL, NULL, NULL };
	PyObject *path = NULL, *mock = NULL;
	const char *name;
	int r;
	if (check_open(self) ||
	    !PyArg_ParseTupleAndKeywords(args, kw, "sO&O&|zz:dataset_publish", kwlist, &name,
					 fspath_arg, &path, fspath_arg, &mock, &o.description,
					 &o.readers))
		return NULL;
	o.mock = mock ? PyBytes_AS_STRING(mock) : NULL;
	CALL(self, r, scq_dataset_publish(self->h, name, path ? PyBytes_AS_STRING(path) : "", &o));
	Py_XDECREF(path);
	Py_XDECREF(mock);
	return none_or_fail(self, r);
}

/* try_job(folder, owner, out_dir=None, name=None) -> JSON report */
PyObject *Handle_try_job(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "folder", "owner", "out_dir", "name", NULL };
	struct scq_try_options o = { NULL, NULL, NULL, NULL };
	PyObject *folder = NULL, *out = NULL;
	char *json = NULL;
	int r;
	if (check_open(self) ||
	    !PyArg_ParseTupleAndKeywords(args, kw, "O&s|O&z:try_job", kwlist, fspath_arg, &folder,
					 &o.owner, fspath_arg, &out, &o.name))
		return NULL;
	o.folder = folder ? PyBytes_AS_STRING(folder) : NULL;
	o.out_dir = out ? PyBytes_AS_STRING(out) : NULL;
	CALL(self, r, scq_try(self->h, &o, &json));
	Py_XDECREF(folder);
	Py_XDECREF(out);
	return str_or_fail(self, r, json);
}

/* vote(uid, owner=None, reason=None, allow_network=False) -> (have, need):
 * the two-person rule (scq_vote); have is -1 for a reviewer's vote sent to
 * another owner's inbox. */
PyObject *Handle_vote(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "uid", "owner", "reason", "allow_network", NULL };
	const char *uid, *owner = NULL, *reason = NULL;
	int net = 0, r, have = 0, need = 0;
	if (check_open(self) ||
	    !PyArg_ParseTupleAndKeywords(args, kw, "s|zzp:vote", kwlist, &uid, &owner, &reason,
					 &net))
		return NULL;
	CALL(self, r, scq_vote(self->h, uid, owner, reason, net ? SCQ_ALLOW_NETWORK : 0, &have,
			       &need));
	if (r)
		return fail(self, r);
	return Py_BuildValue("(ii)", have, need);
}

/* withhold: {path: reason} -> scq_withheld pairs, strings borrowed from
 * the items list kept in *keep (a copy: the dict may change meanwhile). */
static int withheld_pairs(PyObject *d, PyObject **keep, struct scq_withheld **out, size_t *n)
{
	Py_ssize_t i, len;
	*out = NULL;
	*n = 0;
	*keep = NULL;
	if (!d || d == Py_None)
		return 0;
	if (!PyDict_Check(d))
		return PyErr_SetString(PyExc_TypeError, "withhold: expected a dict of "
				       "{path: reason}"), -1;
	if (!(*keep = PyDict_Items(d)))
		return -1;
	len = PyList_GET_SIZE(*keep);
	if (!(*out = PyMem_Calloc((size_t)len + 1, sizeof(**out))))
		return PyErr_NoMemory(), -1;
	for (i = 0; i < len; i++) {
		PyObject *it = PyList_GET_ITEM(*keep, i);
		PyObject *k = PyTuple_GET_ITEM(it, 0), *v = PyTuple_GET_ITEM(it, 1);
		if (!PyUnicode_Check(k) || !PyUnicode_Check(v))
			return PyErr_SetString(PyExc_TypeError, "withhold: paths and reasons "
					       "must be str"), -1;
		if (!((*out)[i].path = PyUnicode_AsUTF8(k)) ||
		    !((*out)[i].reason = PyUnicode_AsUTF8(v)))
			return -1;
	}
	*n = (size_t)len;
	return 0;
}

/* release_decide(uid, kind, reason, files=None, log=False, withhold=None,
 *                withhold_reason=None, ack_flags=False, owner=None) */
PyObject *Handle_release_decide(Handle *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "uid", "kind", "reason", "files", "log", "withhold",
				  "withhold_reason", "ack_flags", "owner", NULL };
	const char *uid, *reason;
	PyObject *files = Py_None, *wh = Py_None, *files_keep = NULL, *wh_keep = NULL, *res = NULL;
	const char **filev = NULL;
	struct scq_release_options o;
	struct scq_withheld *pairs = NULL;
	int kind, log = 0, ack = 0, r;
	memset(&o, 0, sizeof(o));
	if (check_open(self) ||
	    !PyArg_ParseTupleAndKeywords(args, kw, "sis|OpOzpz:release_decide", kwlist, &uid,
					 &kind, &reason, &files, &log, &wh, &o.withhold_reason, &ack,
					 &o.owner))
		return NULL;
	if (str_array(files, &files_keep, &filev) < 0 ||
	    withheld_pairs(wh, &wh_keep, &pairs, &o.nwithhold) < 0)
		goto out;
	o.reason = reason;
	o.files = filev;
	o.log = log;
	o.withhold = pairs;
	o.ack_flags = ack;
	CALL(self, r, scq_release_decide(self->h, uid, kind, &o));
	res = none_or_fail(self, r);
out:
	PyMem_Free(filev);
	PyMem_Free(pairs);
	Py_XDECREF(files_keep);
	Py_XDECREF(wh_keep);
	return res;
}

/* release_votes(uid) -> (have, need, decided) (scq_release_votes) */
PyObject *Handle_release_votes(Handle *self, PyObject *args)
{
	const char *uid;
	int have = 0, need = 0, decided = 0, r;
	if (check_open(self) || !PyArg_ParseTuple(args, "s:release_votes", &uid))
		return NULL;
	CALL(self, r, scq_release_votes(self->h, uid, &have, &need, &decided));
	if (r)
		return none_or_fail(self, r);
	return Py_BuildValue("(iiO)", have, need, decided ? Py_True : Py_False);
}
