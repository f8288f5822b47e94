/*
 * names.h - untrusted names: validation, and text escaped for a person.
 *
 * Exports (names.c):
 *   email_valid, component_valid, has_control, ascii_lower
 *                     the narrow rules every name from a submitter passes
 *                     before it becomes part of a path
 *   scq_uid_valid, scq_uuid4, scq_escape_text, scq_escape_terminal,
 *   scq_status_name, scq_status_parse
 *                     (public, declared in scq.h)
 * E-mails are lower-cased at every entry point (identity, submit target) and
 * job ids before lookup, with ascii_lower; email_valid accepts lower case
 * only.
 */
#ifndef SCQ_NAMES_H
#define SCQ_NAMES_H

#include "base/compat.h"

/* A copy of s with A-Z lowered (caller frees). */
/* A lower-case copy of s (ASCII letters only); the caller frees it. */
__attribute__((warn_unused_result)) char *ascii_lower(const char *s);
/* local@domain.tld, lowercase ASCII, no path characters, <= 254 bytes. */
int email_valid(const char *s);
/* One path component of at most maxlen bytes: not empty, ".", ".." nor
 * containing '/' or a control character. */
int component_valid(const char *s, size_t maxlen);
/* Any C0 control or DEL in s (TAB and LF allowed when allow_newline_tab)? */
int has_control(const char *s, int allow_newline_tab);

#endif
