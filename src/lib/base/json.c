/*
 * json.c - JSON records on disk, and untrusted text into JSON (json.h).
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/banned.h"

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
		errno = json_error_code(&je) == json_error_premature_end_of_input ? ENODATA : EINVAL;
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

