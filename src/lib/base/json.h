/*
 * json.h - JSON records on disk, and untrusted text into JSON.
 *
 * Exports (json.c):
 *   json_load_file_at (json_load_file_keep: and the bytes it parsed), json_write_at
 *   (json_serialise: its bytes), json_compact
 *                     strict parse with a size cap; atomic sorted write
 *   utf8_sanitize, json_text, json_name, json_set_name
 *                     the only ways bytes a submitter or a job chose reach
 *                     a JSON string (rule: doc/protocol.md "Text that is not
 *                     UTF-8"): jansson refuses bytes that are not UTF-8 and
 *                     returns NULL; these always return a JSON string.
 * jansson allocates through alloc.h (set up by a constructor here), so a
 * jansson constructor returns NULL only for bad input, never for memory.
 */
#ifndef SCQ_JSON_H
#define SCQ_JSON_H

#include "base/compat.h"
#include <jansson.h>
#include "base/buf.h"

/* Parse strictly (duplicate keys rejected), at most max bytes; NULL with
 * the reason in err and errno ENODATA when the text ends before the JSON
 * does (a file SyftBox is still delivering, or a cut one: callers that
 * read from the inbox wait for it within a grace), else another errno. */
json_t *json_load_file_at(int dirfd, const char *name, size_t max,
			  struct buf *err);
json_t *json_load_file_keep(int dirfd, const char *name, size_t max, struct buf *err,
			    struct buf *bytes);
/* Serialise (sorted keys, indented, a final LF) and write atomically
 * (fs.h fsflags); json_serialise: the same bytes appended to out. */
int json_serialise(json_t *obj, struct buf *out);
int json_write_at(int dirfd, const char *name, json_t *obj, unsigned fsflags);
char *json_compact(json_t *obj); /* caller frees */

/* utf8_valid and utf8_boundary (the largest cut that splits no character)
 * are in buf.h. */
/* Append s[0..n) to dst with each byte that does not begin a well-formed
 * character, and each NUL, replaced by U+FFFD; returns how many (dst's cap
 * must allow 3 * n more bytes). */
size_t utf8_sanitize(struct buf *dst, const char *s, size_t n);
/* Free text (a log): each byte that does not begin a well-formed character,
 * and each NUL, becomes U+FFFD; *replaced (may be NULL) counts them. */
json_t *json_text(const char *s, size_t n, size_t *replaced);
/* A name, or a message naming one: as is if UTF-8, else escaped so that it
 * stays distinct: backslash doubled, each byte not UTF-8 as \xHH. */
json_t *json_name(const char *s);
/* o[key] = json_name(s), and when s is not UTF-8 also o[key_hex] = its raw
 * bytes in hex: nothing of the name is lost. */
void json_set_name(json_t *o, const char *key, const char *s);

#endif
