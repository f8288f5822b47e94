/*
 * compat.h - the first include of every C file in libscq and its programs.
 *
 * It fixes the feature-test macros (so every file sees the same libc),
 * pulls in the headers nearly every module needs, and defines the few
 * attributes and helpers we use everywhere.  banned.h comes last so that
 * unsafe libc functions become compile errors in our own code only.
 */
#ifndef SCQ_COMPAT_H
#define SCQ_COMPAT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SCQ_UNUSED __attribute__((unused))
#define SCQ_NORETURN __attribute__((noreturn))
#define SCQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SCQ_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
