/*
 * buf.c - growable, capped, always NUL-terminated byte buffer.
 *
 * Guarantees the invariants of buf.h.  Growth is geometric; the cap check
 * happens before any allocation, so a hostile length costs nothing.
 */
#include "compat.h"
#include "alloc.h"
#include "buf.h"
#include "scq.h"
#include "banned.h"

char buf_empty[1];

void buf_init(struct buf *b, size_t max)
{
	b->ptr = buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_MAX_DEFAULT;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->ptr);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->cap ? b->ptr : xstrdup("");
	if (len)
		*len = b->len;
	buf_init(b, b->max);
	return p;
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t want, ncap;
	if (extra > b->max || b->len > b->max - extra) {
		errno = EFBIG;
		return -1;
	}
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	if (b->cap) {
		b->ptr = xrealloc(b->ptr, ncap);
	} else {
		b->ptr = xmalloc(ncap);
		b->ptr[0] = '\0';
	}
	b->cap = ncap;
	return 0;
}

int buf_reserve(struct buf *b, size_t extra)
{
	return buf_grow(b, extra);
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_setf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;
	buf_reset(b);
	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

/* The one list of format characters (scq.h): every view escapes these. */
static const uint32_t format_chars[][2] = {
	{ 0x200b, 0x200f }, /* zero-width space/joiners, LRM, RLM */
	{ 0x202a, 0x202e }, /* LRE RLE PDF LRO RLO */
	{ 0x2060, 0x2064 }, /* word joiner, invisible operators */
	{ 0x2066, 0x2069 }, /* LRI RLI FSI PDI */
	{ 0xfeff, 0xfeff }, /* zero-width no-break space (BOM) */
};

int scq_is_format_char(uint32_t cp)
{
	size_t i;
	for (i = 0; i < sizeof(format_chars) / sizeof(format_chars[0]); i++)
		if (cp >= format_chars[i][0] && cp <= format_chars[i][1])
			return 1;
	return 0;
}

const uint32_t (*scq_format_char_ranges(size_t *count))[2]
{
	*count = sizeof(format_chars) / sizeof(format_chars[0]);
	return format_chars;
}

size_t utf8_char_len(const char *str, size_t n, uint32_t *cp_out)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t need, i;
	uint32_t cp;
	if (n && s[0] < 0x80) {
		if (cp_out)
			*cp_out = s[0];
		return 1;
	}
	if (!n || s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	need = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (need > n)
		return 0;
	cp = s[0] & (0x7f >> need);
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp_out)
		*cp_out = cp;
	return need;
}

/* Length of the multi-byte character at s that a terminal may show as is, or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	uint32_t cp = 0;
	size_t need = utf8_char_len((const char *)s, n, &cp);
	/* C1 controls and format characters can also rewrite a terminal line. */
	if (need < 2 || (cp >= 0x80 && cp <= 0x9f) || scq_is_format_char(cp))
		return 0;
	return need;
}

int buf_add_escaped(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	int r = 0;
	while (i < len && r == 0) {
		unsigned char c = p[i];
		if (c == '\\')
			r = buf_add(b, "\\\\", 2);
		else if (c == '\n')
			r = buf_add(b, "\\n", 2);
		else if (c == '\t')
			r = buf_add(b, "\\t", 2);
		else if (c == '\r')
			r = buf_add(b, "\\r", 2);
		else if (c >= 0x20 && c < 0x7f)
			r = buf_addc(b, (char)c);
		else if (c >= 0x80 && (n = utf8_seq_len(p + i, len - i))) {
			r = buf_add(b, p + i, n);
			i += n;
			continue;
		} else
			r = buf_addf(b, "\\x%02x", c);
		i++;
	}
	return r;
}
