/*
 * buf.c - growable, capped, always NUL-terminated byte buffer.
 *
 * Guarantees the invariants of buf.h.  Growth is geometric; the cap check
 * happens before any allocation, so a hostile length costs nothing.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "scq.h"
#include "base/banned.h"

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
	{ 0x00ad, 0x00ad },   /* soft hyphen */
	{ 0x034f, 0x034f },   /* combining grapheme joiner */
	{ 0x061c, 0x061c },   /* Arabic letter mark (bidi) */
	{ 0x115f, 0x1160 },   /* Hangul fillers */
	{ 0x17b4, 0x17b5 },   /* Khmer inherent vowels (invisible) */
	{ 0x180b, 0x180f },   /* Mongolian variation selectors, vowel separator */
	{ 0x200b, 0x200f },   /* zero-width space/joiners, LRM, RLM */
	{ 0x2028, 0x202e },   /* line/paragraph separators; LRE RLE PDF LRO RLO */
	{ 0x2060, 0x2064 },   /* word joiner, invisible operators */
	{ 0x2066, 0x206f },   /* LRI RLI FSI PDI, deprecated format characters */
	{ 0x3164, 0x3164 },   /* Hangul filler */
	{ 0xfe00, 0xfe0f },   /* variation selectors */
	{ 0xfeff, 0xfeff },   /* zero-width no-break space (BOM) */
	{ 0xffa0, 0xffa0 },   /* halfwidth Hangul filler */
	{ 0xfff9, 0xfffb },   /* interlinear annotation controls */
	{ 0xe0000, 0xe007f }, /* tag characters (invisible text) */
	{ 0xe0100, 0xe01ef }, /* variation selectors supplement */
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

int scq_text_flaws(const char *s, size_t len, size_t *nul, size_t *invalid)
{
	size_t i = 0, n, z = 0, bad = 0;
	while (i < len) {
		z += s[i] == '\0';
		if (!(n = utf8_char_len(s + i, len - i, NULL)))
			bad++, n = 1;
		i += n;
	}
	if (nul)
		*nul = z;
	if (invalid)
		*invalid = bad;
	return z || bad;
}

int utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;
	while (i < len) {
		if (!s[i] || !(n = utf8_char_len(s + i, len - i, NULL)))
			return 0;
		i += n;
	}
	return 1;
}

size_t utf8_boundary(const char *s, size_t len, size_t at)
{
	size_t back = 0;
	if (at >= len)
		return len;
	/* a sequence is at most 4 bytes: back over up to 3 continuation bytes */
	while (at > 0 && back < 3 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--, back++;
	return at;
}

/* C0 control names (ASCII, ECMA-48), shown instead of the byte itself. */
static const char c0_names[32][4] = {
	"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT",
	"FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
	"CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"
};

/* The marker brackets, U+27E8 and U+27E9.  A literal U+27E8 in the text is
 * itself shown as a marker, so every opening bracket on screen starts one. */
#define MARK_OPEN "\xe2\x9f\xa8"
#define MARK_CLOSE "\xe2\x9f\xa9"
#define MARK_OPEN_CP 0x27e8

/* 1 if the code point cp (or, when n == 0, the byte that starts no valid
 * sequence) must be shown as a marker. */
static int needs_marker(size_t n, uint32_t cp, unsigned flags)
{
	if (n == 0)
		return 1;
	if ((cp == '\n' || cp == '\t') && (flags & BUF_SHOW_MULTILINE))
		return 0;
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       scq_is_format_char(cp) || (cp == MARK_OPEN_CP && !(flags & BUF_SHOW_MARKED));
}

static int add_marker(struct buf *b, unsigned char byte, size_t n, uint32_t cp)
{
	if (n == 0)
		return buf_addf(b, MARK_OPEN "0x%02X" MARK_CLOSE, byte);
	if (cp < 0x20 || cp == 0x7f)
		return buf_addf(b, MARK_OPEN "%s" MARK_CLOSE, cp == 0x7f ? "DEL" : c0_names[cp]);
	return buf_addf(b, MARK_OPEN "U+%04X" MARK_CLOSE, (unsigned)cp);
}

long buf_add_shown(struct buf *b, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, run = 0;
	long markers = 0;
	uint32_t cp = 0;
	/* plain text is copied in runs, one append per run */
	while (i < len) {
		n = utf8_char_len((const char *)p + i, len - i, &cp);
		if (!needs_marker(n, cp, flags)) {
			markers += n && cp == MARK_OPEN_CP; /* a marker made before */
			i += n;
			continue;
		}
		if (buf_add(b, p + run, i - run) < 0 || add_marker(b, p[i], n, cp) < 0)
			return -1;
		markers++;
		i += n ? n : 1;
		run = i;
	}
	return buf_add(b, p + run, i - run) < 0 ? -1 : markers;
}

int buf_add_escaped(struct buf *b, const char *s, size_t len)
{
	return buf_add_shown(b, s, len, 0) < 0 ? -1 : 0;
}
