/*
 * banned.h - libc functions we never call.
 *
 * Each is unbounded, not thread-safe or has a safer replacement in our own
 * modules (buf_* for strings, fs_* for files, xqsort for sorting).  Included last by every .c
 * file of the project, so a use is a compile error, not a review comment.
 */
#ifndef SCQ_BANNED_H
#define SCQ_BANNED_H

#define SCQ_BANNED(f) sorry_##f##_is_banned_use_buf_or_fs_helpers

#undef strcpy
#define strcpy(a, b) SCQ_BANNED(strcpy)
#undef strcat
#define strcat(a, b) SCQ_BANNED(strcat)
#undef sprintf
#define sprintf(...) SCQ_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SCQ_BANNED(vsprintf)
#undef strtok
#define strtok(a, b) SCQ_BANNED(strtok)
#undef gmtime
#define gmtime(t) SCQ_BANNED(gmtime)
#undef localtime
#define localtime(t) SCQ_BANNED(localtime)
#undef mktemp
#define mktemp(t) SCQ_BANNED(mktemp)
#undef tmpnam
#define tmpnam(t) SCQ_BANNED(tmpnam)
#undef gets
#define gets(t) SCQ_BANNED(gets)
#undef qsort
#define qsort(a, n, s, c) SCQ_BANNED(qsort_use_xqsort)

#endif
