/*
 * buf.h - the growable byte buffer used for every string built at run time.
 *
 * Invariants (after buf_init or BUF_INIT):
 *   - b->ptr is never NULL and b->ptr[b->len] == '\0';
 *   - b->len <= b->max: an append that would pass the cap fails with -1
 *     and leaves the buffer unchanged, so untrusted input can never grow a
 *     buffer without bound;
 *   - memory comes from alloc.h, so appends never fail for lack of memory.
 * Ownership: the buffer owns ptr until buf_detach hands it to the caller.
 *
 * Exports (buf.c): buf_init, buf_release, buf_reset, buf_detach, buf_add,
 * buf_adds, buf_addc, buf_addf, buf_vaddf, buf_setf, buf_truncate,
 * buf_reserve, utf8_char_len, buf_add_shown, buf_add_escaped, utf8_valid,
 * utf8_boundary.
 */
#ifndef SCQ_BUF_H
#define SCQ_BUF_H

#include "base/compat.h"

struct buf {
	char *ptr;
	size_t len;
	size_t cap; /* allocated bytes, 0 while ptr points at buf_empty */
	size_t max; /* largest len allowed */
};

extern char buf_empty[];
#define BUF_MAX_DEFAULT ((size_t)1 << 30)
#define BUF_INIT { buf_empty, 0, 0, BUF_MAX_DEFAULT }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Returns the string; the caller now owns it and b is empty again. */
char *buf_detach(struct buf *b, size_t *len);

int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) SCQ_PRINTF(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Replace the content with a formatted string. */
int buf_setf(struct buf *b, const char *fmt, ...) SCQ_PRINTF(2, 3);
void buf_truncate(struct buf *b, size_t len);
/* Make room for extra more bytes (within the cap) without changing len. */
int buf_reserve(struct buf *b, size_t extra);

/*
 * Length of the well-formed UTF-8 character (RFC 3629: no overlong form, no
 * surrogate, at most U+10FFFF) at s[0..n), or 0 if the bytes there are not
 * one; *cp (may be NULL) gets its code point.  An ASCII byte, NUL included,
 * is a character of length 1.
 */
size_t utf8_char_len(const char *s, size_t n, uint32_t *cp);

/*
 * Showing submitter text (doc/protocol.md, "Showing submitter text").
 * The rule: text is shown as it is.  Only what would act on a terminal
 * becomes a visible marker between U+27E8 and U+27E9, which file content
 * cannot be confused with because a literal U+27E8 is itself a marker:
 *   C0 controls and DEL by name      <ESC> <CR> <NUL> <DEL> ...
 *   C1 controls, bidi and invisible  <U+009B> <U+202E> <U+FEFF> <U+27E8>
 *   format characters (scq_is_format_char), U+27E8
 *   each byte of invalid UTF-8       <0xFF>
 * (with the angle brackets U+27E8/U+27E9 in place of < >).
 * BUF_SHOW_MULTILINE keeps TAB and LF as they are (files, logs); without
 * it (names, table cells, one-line fields) they are markers too, so one
 * field is always one line.  BUF_SHOW_MARKED is for text that holds
 * markers already (the library's messages, which show submitter names
 * through buf_add_escaped): U+27E8 passes and is counted as a marker.
 * Every place that shows submitter text goes through buf_add_shown
 * (programs: scq_escape_text).
 *
 * buf_add_shown returns the number of markers appended, or -1 when the
 * cap was reached (the buffer then holds a shown prefix of s).
 * buf_add_escaped is the one-line form, returning 0 or -1.
 */
enum buf_show_flags { BUF_SHOW_MULTILINE = 1, BUF_SHOW_MARKED = 2 };
long buf_add_shown(struct buf *b, const char *s, size_t len, unsigned flags);
int buf_add_escaped(struct buf *b, const char *s, size_t len);

/* 1 if s[0..len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF)
 * without NUL: text that fits a C string and a JSON string alike. */
int utf8_valid(const char *s, size_t len);
/* The largest cut position <= at that does not split a UTF-8 sequence. */
size_t utf8_boundary(const char *s, size_t len, size_t at);

#endif
