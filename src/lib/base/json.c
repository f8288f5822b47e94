/*
 * json.c - JSON records on disk, and untrusted text into JSON (json.h).
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/banned.h"

/* The state at the end of a JSON text: inside a string, an unfinished
 * escape (a backslash, \u and fewer than 4 hex digits, or a high surrogate
 * still waiting for its pair), the start of the trailing token. */
struct json_tail {
	int in_str, esc, hex, hi;
	size_t tok;
};

static void json_tail_scan(const char *s, size_t n, struct json_tail *t)
{
	size_t i;
	unsigned u = 0;
	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (t->hex) {
			u = u * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
			if (--t->hex == 0)
				t->hi = u >= 0xd800 && u <= 0xdbff;
		} else if (t->esc) {
			t->esc = 0;
			t->hex = c == 'u' ? 4 : 0;
			t->hi = t->hi && c == 'u';
			u = 0;
		} else if (t->in_str) {
			t->esc = c == '\\';
			t->in_str = c != '"';
			t->hi = t->hi && c == '\\';
		} else if (c == '"') {
			t->in_str = 1;
		}
		if (!t->in_str && strchr(" \t\r\n{}[],:\"", c))
			t->tok = i + 1;
	}
}

/* jansson names the token a text was cut inside ("invalid token near
 * 'nu'", "invalid escape", a UTF-8 sequence it cannot decode), not the end
 * of input: such a text is still cut short when its end could grow into a
 * valid token (a literal's prefix, a number ending in a sign, point or
 * exponent, an unfinished escape or UTF-8 sequence).  SyftBox delivers
 * files in parts; the simulator's truncated delivery cut job.json inside
 * "null" and the job was quarantined, so lost (tests/sim/props.py). */
static int json_cut_in_token(const char *s, size_t n, const json_error_t *je)
{
	static const char *const lits[] = { "null", "true", "false" };
	enum json_error_code code = json_error_code(je);
	struct json_tail t;
	size_t i, k, len;
	if ((code != json_error_invalid_syntax && code != json_error_invalid_utf8) ||
	    je->position < 0 || (size_t)je->position + 4 < n)
		return 0;
	for (k = 0, i = n; k < 3 && i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80; k++)
		i--;
	if (i > 0 && (unsigned char)s[i - 1] >= 0xc0) { /* a lead byte, cut */
		unsigned char c = (unsigned char)s[i - 1];
		if (n - (i - 1) < (size_t)(c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2))
			return 1;
	}
	json_tail_scan(s, n, &t);
	if (t.in_str)
		return t.esc || t.hex || t.hi;
	len = n - t.tok;
	for (k = 0; len && k < 3; k++)
		if (len < strlen(lits[k]) && !memcmp(s + t.tok, lits[k], len))
			return 1;
	if (!len || !strchr("-.eE+", s[n - 1]) || !strchr("-0123456789", s[t.tok]))
		return 0;
	return strspn(s + t.tok, "0123456789-+.eE") == len;
}

json_t *json_load_file_at(int dirfd, const char *name, size_t max, struct buf *err)
{
	return json_load_file_keep(dirfd, name, max, err, NULL);
}

json_t *json_load_file_keep(int dirfd, const char *name, size_t max, struct buf *err,
			    struct buf *bytes)
{
	struct buf data = BUF_INIT;
	json_error_t je;
	json_t *root = NULL;
	if (fs_read_file(dirfd, name, max, &data) < 0) {
		if (errno == EFBIG)
			buf_setf(err, "larger than %zu bytes", max);
		else if (errno == EINVAL)
			buf_setf(err, "not a regular file");
		else
			buf_setf(err, "%s", strerror(errno));
		goto out;
	}
	root = json_loadb(data.ptr, data.len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		buf_setf(err, "invalid JSON at line %d column %d: %s", je.line,
			 je.column, je.text);
		errno = json_error_code(&je) == json_error_premature_end_of_input ||
				json_cut_in_token(data.ptr, data.len, &je) ? ENODATA : EINVAL;
	} else if (!json_is_object(root)) {
		buf_setf(err, "not a JSON object");
		json_decref(root);
		root = NULL;
		errno = EINVAL;
	}
out:
	if (bytes && root) { /* the very bytes parsed, for a signature */
		buf_release(bytes);
		*bytes = data;
	} else {
		buf_release(&data);
	}
	return root;
}

int json_serialise(json_t *obj, struct buf *out)
{
	char *s = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	if (!s) { /* a refused constructor upstream: never write "nothing" */
		errno = EINVAL;
		return -1;
	}
	buf_adds(out, s);
	buf_addc(out, '\n');
	free(s);
	return 0;
}

int json_write_at(int dirfd, const char *name, json_t *obj, unsigned fsflags)
{
	struct buf b = BUF_INIT;
	int r;
	if (json_serialise(obj, &b) < 0)
		return -1;
	r = fs_write_atomic(dirfd, name, b.ptr, b.len, fsflags);
	buf_release(&b);
	return r;
}

char *json_compact(json_t *obj)
{
	return json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
}

/* jansson allocates through alloc.h: a constructor given valid input then
 * never returns NULL (exhaustion goes to the one OOM hook). */
__attribute__((constructor)) static void json_use_xmalloc(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

size_t utf8_sanitize(struct buf *dst, const char *s, size_t n)
{
	size_t i = 0, run = 0, k, bad = 0;
	while (i < n) {
		k = s[i] ? utf8_char_len(s + i, n - i, NULL) : 0;
		if (k) {
			i += k;
			continue;
		}
		buf_add(dst, s + run, i - run);
		buf_add(dst, "\xef\xbf\xbd", 3); /* U+FFFD */
		bad++;
		run = ++i;
	}
	buf_add(dst, s + run, n - run);
	return bad;
}

json_t *json_text(const char *s, size_t n, size_t *replaced)
{
	struct buf b;
	size_t bad;
	json_t *v;
	if (utf8_valid(s, n)) {
		if (replaced)
			*replaced = 0;
		return json_stringn(s, n);
	}
	buf_init(&b, xmul(n, 3) + 1);
	bad = utf8_sanitize(&b, s, n);
	v = json_stringn(b.ptr, b.len); /* UTF-8 now: cannot be refused */
	buf_release(&b);
	if (replaced)
		*replaced = bad;
	return v;
}

json_t *json_name(const char *s)
{
	size_t n = strlen(s), i = 0, k;
	struct buf b = BUF_INIT;
	json_t *v;
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	while (i < n) {
		k = utf8_char_len(s + i, n - i, NULL);
		if (k == 1 && s[i] == '\\')
			buf_add(&b, "\\\\", 2);
		else if (k)
			buf_add(&b, s + i, k);
		else
			buf_addf(&b, "\\x%02x", (unsigned char)s[i]);
		i += k ? k : 1;
	}
	v = json_stringn(b.ptr, b.len);
	buf_release(&b);
	return v;
}

void json_set_name(json_t *o, const char *key, const char *s)
{
	size_t n = strlen(s);
	struct buf k = BUF_INIT;
	char *hex;
	json_object_set_new(o, key, json_name(s));
	if (utf8_valid(s, n))
		return;
	hex = xmalloc(xmul(n, 2) + 1);
	sodium_bin2hex(hex, n * 2 + 1, (const unsigned char *)s, n);
	buf_addf(&k, "%s_hex", key);
	json_object_set_new(o, k.ptr, json_string(hex)); /* hex digits */
	free(hex);
	buf_release(&k);
}

