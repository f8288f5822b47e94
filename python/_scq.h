/*
 * _scq.h - what the two files of the _scq extension share: the Handle type
 * (_scq.c) and the exception mapping (_scq_module.c).
 */
#ifndef SCQ_PY_H
#define SCQ_PY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The Python type wrapping `scq *` (defined in _scq.c). */
extern PyTypeObject HandleType;
/* Raise the exception class of an SCQ_E* code with msg; returns NULL. */
PyObject *raise_code(int code, const char *msg);

#endif
