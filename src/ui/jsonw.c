/*
 * jsonw.c - the JSON writer of the dashboard (ui.h, struct jw).  Every
 * string it writes is valid JSON whatever bytes it was given, and holds
 * no character a browser could take for markup if the body were ever
 * sniffed (<, >, & and the JavaScript line separators are escaped): the
 * pages put submitter text in the DOM as text, and this is the layer
 * below that, so one mistake above is not enough.
 */
#include "ui.h"
#include <stdint.h>

void jw_init(struct jw *j)
{
	memset(j, 0, sizeof *j);
	j->first[0] = 1;
}

static void grow(struct jw *j, size_t n)
{
	if (j->len + n + 1 <= j->cap)
		return;
	size_t cap = j->cap ? j->cap : 256;
	while (cap < j->len + n + 1)
		cap *= 2;
	char *p = realloc(j->buf, cap);
	if (!p)
		abort(); /* as the library does on OOM (scq.h) */
	j->buf = p;
	j->cap = cap;
}

void jw_append(struct jw *j, const char *s, size_t n)
{
	grow(j, n);
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void put(struct jw *j, const char *s)
{
	jw_append(j, s, strlen(s));
}

char *jw_take(struct jw *j, size_t *len)
{
	char *b = j->buf;
	if (!b) {
		b = strdup("");
		if (!b)
			abort();
	}
	if (len)
		*len = j->len;
	jw_init(j);
	return b;
}

void jw_free(struct jw *j)
{
	free(j->buf);
	jw_init(j);
}

/* Before a value or a key: the comma, unless first at this level or the
 * value of a key just written. */
static void sep(struct jw *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		put(j, ",");
	j->first[j->depth] = 0;
}

static void open_(struct jw *j, const char *c)
{
	sep(j);
	put(j, c);
	if (j->depth + 1 < JW_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

void jw_obj(struct jw *j) { open_(j, "{"); }
void jw_arr(struct jw *j) { open_(j, "["); }

void jw_end(struct jw *j)
{
	put(j, "}");
	if (j->depth > 0)
		j->depth--;
}

void jw_end_arr(struct jw *j)
{
	put(j, "]");
	if (j->depth > 0)
		j->depth--;
}

/* Length of the valid UTF-8 character at s (n bytes left), 0 if none
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len, i;
	uint32_t min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; c &= 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; c &= 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void jw_strn(struct jw *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start;
	char esc[16];
	sep(j);
	put(j, "\"");
	while (i < n) {
		uint32_t cp;
		size_t l = utf8_len(p + i, n - i, &cp);
		start = i;
		if (l == 0) {
			put(j, "\\ufffd");
			i++;
			continue;
		}
		i += l;
		switch (cp) {
		case '"': put(j, "\\\""); continue;
		case '\\': put(j, "\\\\"); continue;
		case '\n': put(j, "\\n"); continue;
		case '\t': put(j, "\\t"); continue;
		case '\r': put(j, "\\r"); continue;
		default: break;
		}
		if (cp < 0x20 || cp == 0x7f || cp == '<' || cp == '>' || cp == '&' ||
		    cp == 0x2028 || cp == 0x2029) {
			snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
			put(j, esc);
			continue;
		}
		jw_append(j, s + start, l);
	}
	put(j, "\"");
}

void jw_str(struct jw *j, const char *s)
{
	if (!s)
		jw_null(j);
	else
		jw_strn(j, s, strlen(s));
}

void jw_key(struct jw *j, const char *k)
{
	jw_str(j, k);
	put(j, ":");
	j->after_key = 1;
}

void jw_int(struct jw *j, long long v)
{
	char b[32];
	sep(j);
	snprintf(b, sizeof b, "%lld", v);
	put(j, b);
}

void jw_bool(struct jw *j, int v)
{
	sep(j);
	put(j, v ? "true" : "false");
}

void jw_null(struct jw *j)
{
	sep(j);
	put(j, "null");
}

void jw_raw(struct jw *j, const char *json)
{
	sep(j);
	put(j, json ? json : "null");
}

void jw_kstr(struct jw *j, const char *k, const char *s) { jw_key(j, k); jw_str(j, s); }
void jw_kint(struct jw *j, const char *k, long long v) { jw_key(j, k); jw_int(j, v); }
void jw_kbool(struct jw *j, const char *k, int v) { jw_key(j, k); jw_bool(j, v); }

void jw_value(struct jw *j, const scq_value *v)
{
	size_t i, n;
	const char *k;
	char b[40];
	switch (scq_value_type(v)) {
	case SCQ_VALUE_BOOL: jw_bool(j, scq_value_is_true(v)); break;
	case SCQ_VALUE_INT: jw_int(j, scq_value_int(v)); break;
	case SCQ_VALUE_REAL:
		sep(j);
		snprintf(b, sizeof b, "%.17g", scq_value_real(v));
		put(j, b);
		break;
	case SCQ_VALUE_STRING: jw_str(j, scq_value_string(v)); break;
	case SCQ_VALUE_ARRAY:
		jw_arr(j);
		for (i = 0, n = scq_value_size(v); i < n; i++)
			jw_value(j, scq_value_at(v, i, NULL));
		jw_end_arr(j);
		break;
	case SCQ_VALUE_OBJECT:
		jw_obj(j);
		for (i = 0, n = scq_value_size(v); i < n; i++) {
			const scq_value *m = scq_value_at(v, i, &k);
			jw_key(j, k ? k : "");
			jw_value(j, m);
		}
		jw_end(j);
		break;
	default: jw_null(j); break;
	}
}

int jw_doc(struct jw *j, const char *json)
{
	scq_value *v = json ? scq_value_parse(json, 0) : NULL;
	if (!v) {
		jw_null(j);
		return -1;
	}
	jw_value(j, v);
	scq_value_free(v);
	return 0;
}
