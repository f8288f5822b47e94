/*
 * _scq_handle.h - the Handle type of the _scq extension, shared by the
 * files that hold its methods: _scq.c (the type, submitting, reading,
 * running; the method table) and _scq_decide.c (approval and the two-
 * person rule's votes, release decisions and votes, output checks and
 * the ACRO export, versions, mock data and try).
 *
 * Exports (_scq.c): fail, check_open, none_or_fail, str_or_fail.
 * Exports (_scq_decide.c, _scq_code.c): the Handle_* methods declared
 * below.
 */
#ifndef SCQ_PY_HANDLE_H
#define SCQ_PY_HANDLE_H

#include <pythread.h>
#include <stdlib.h>
#include <string.h>
#include "scq.h"

typedef struct {
	PyObject_HEAD
	scq *h;
	PyThread_type_lock lock;
	char *err; /* copy of the last error message (under lock) */
} Handle;

/* Run STMT with the GIL released and the handle locked; r holds its result.
 * On failure the message is copied to self->err before unlocking. */
#define CALL(self, r, STMT)                                                     \
	do {                                                                    \
		Py_BEGIN_ALLOW_THREADS                                          \
		PyThread_acquire_lock((self)->lock, WAIT_LOCK);                 \
		r = (STMT);                                                     \
		if (r) {                                                        \
			free((self)->err);                                      \
			(self)->err = strdup(scq_errmsg((self)->h));            \
		}                                                               \
		PyThread_release_lock((self)->lock);                            \
		Py_END_ALLOW_THREADS                                            \
	} while (0)

/* raise the handle's last error (code r) */
PyObject *fail(Handle *self, int r);
/* 0, or -1 with the exception set when the handle is closed */
int check_open(Handle *self);
/* None, or r's exception */
PyObject *none_or_fail(Handle *self, int r);
/* the malloc'ed s as str (freed), or r's exception (s freed too) */
PyObject *str_or_fail(Handle *self, int r, char *s);

PyObject *Handle_read_file(Handle *self, PyObject *args);
PyObject *Handle_read_code(Handle *self, PyObject *args);
PyObject *Handle_output_check(Handle *self, PyObject *args);
PyObject *Handle_export_acro(Handle *self, PyObject *args);
PyObject *Handle_approve(Handle *self, PyObject *args, PyObject *kw);
PyObject *Handle_job_diff(Handle *self, PyObject *args);
PyObject *Handle_rerun(Handle *self, PyObject *args);
PyObject *Handle_dataset_publish(Handle *self, PyObject *args, PyObject *kw);
PyObject *Handle_try_job(Handle *self, PyObject *args, PyObject *kw);
PyObject *Handle_vote(Handle *self, PyObject *args, PyObject *kw);
PyObject *Handle_release_decide(Handle *self, PyObject *args, PyObject *kw);
PyObject *Handle_release_votes(Handle *self, PyObject *args);

#endif
