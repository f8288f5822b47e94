/*
 * util.c - validation of untrusted names, time, JSON and hashing helpers.
 *
 * Every name that came from a submitter and becomes part of a path passes
 * email_valid or component_valid first; both are deliberately narrow.
 * Time: time_now (wall clock) is for timestamps people read; time_mono
 * (CLOCK_BOOTTIME) for every deadline and duration (the rule: internal.h).
 */
#include "compat.h"
#include <math.h>
#include <sodium.h>
#include <sys/time.h>
#include "alloc.h"
#include "fs.h"
#include "internal.h"
#include "banned.h"

int has_control(const char *s, int allow_newline_tab)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (allow_newline_tab && (c == '\n' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

char *ascii_lower(const char *s)
{
	char *p = xstrdup(s), *q;
	for (q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

/* local@domain.tld, lowercase ASCII, no path characters, <= 254 bytes. */
int email_valid(const char *s)
{
	const char *at = strchr(s, '@'), *p;
	size_t n = strlen(s);
	if (!at || at == s || n > 254 || strchr(at + 1, '@') || s[0] == '.' || s[0] == '-')
		return 0;
	if (!strchr(at + 1, '.') || at[1] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return 0;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("@.-_+", c))
			continue;
		return 0;
	}
	return 1;
}

int component_valid(const char *s, size_t maxlen)
{
	size_t n = strlen(s);
	if (n == 0 || n > maxlen || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return !strchr(s, '/') && !has_control(s, 0);
}

int scq_uid_valid(const char *s)
{
	static const char tmpl[] = "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx";
	size_t i;
	if (strlen(s) != sizeof(tmpl) - 1)
		return 0;
	for (i = 0; i < sizeof(tmpl) - 1; i++) {
		char c = s[i], t = tmpl[i];
		int hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		if ((t == '-' || t == '4') ? c != t : t == 'V' ? !strchr("89ab", c) : !hex)
			return 0;
	}
	return 1;
}

char *scq_uuid4(void)
{
	unsigned char b[16];
	struct buf s = BUF_INIT;
	int i;
	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		buf_addf(&s, "%02x", b[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			buf_addc(&s, '-');
	}
	return buf_detach(&s, NULL);
}

char *scq_escape_text(const char *s, size_t len, unsigned flags, size_t *markers)
{
	struct buf b = BUF_INIT;
	long n = buf_add_shown(&b, s, len, (flags & SCQ_SHOW_MULTILINE ? BUF_SHOW_MULTILINE : 0) |
			       (flags & SCQ_SHOW_MARKED ? BUF_SHOW_MARKED : 0));
	if (markers)
		*markers = n > 0 ? (size_t)n : 0;
	return buf_detach(&b, NULL);
}

char *scq_escape_terminal(const char *s, size_t len)
{
	return scq_escape_text(s, len, 0, NULL);
}

double time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double time_mono(void)
{
	struct timespec ts;
	/* BOOTTIME: monotonic, and a job's time limit counts a suspend too */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void time_format_iso(double t, char out[ISO_LEN])
{
	time_t sec = (time_t)floor(t);
	long usec = (long)((t - (double)sec) * 1e6);
	struct tm tm;
	gmtime_r(&sec, &tm);
	snprintf(out, ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, usec > 999999 ? 999999 : usec);
}

void time_now_iso(char out[ISO_LEN])
{
	time_format_iso(time_now(), out);
}

/* Accepts YYYY-MM-DDTHH:MM:SS[.frac][Z|+00:00]; UTC only. */
int time_parse_iso(const char *s, double *t)
{
	struct tm tm;
	const char *p;
	double frac = 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p && strcmp(p, "Z") && strcmp(p, "+00:00"))
		return -1;
	*t = (double)timegm(&tm) + frac;
	return 0;
}

json_t *json_load_file_at(int dirfd, const char *name, size_t max, struct buf *err)
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
	if (!root)
		buf_setf(err, "invalid JSON at line %d column %d: %s", je.line,
			 je.column, je.text);
	else if (!json_is_object(root)) {
		buf_setf(err, "not a JSON object");
		json_decref(root);
		root = NULL;
	}
out:
	buf_release(&data);
	return root;
}

int json_write_at(int dirfd, const char *name, json_t *obj, unsigned fsflags)
{
	char *s = obj ? json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	struct buf b = BUF_INIT;
	int r;
	if (!s) { /* a refused constructor upstream: never write "nothing" */
		errno = EINVAL;
		return -1;
	}
	buf_adds(&b, s);
	buf_addc(&b, '\n');
	free(s);
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

void sha256_chunk(void *ctx, const void *data, size_t len)
{
	crypto_hash_sha256_update(ctx, data, len);
}

void sha256_chunk_hex(void *ctx, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(ctx, d);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(d, data, len);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

static const char *const status_names[SCQ_STATUS_COUNT] = {
	"pending", "approved", "running", "completed", "failed",
	"rejected", "timedout", "cancelled",
};

const char *scq_status_name(int status)
{
	if (status < 0 || status >= SCQ_STATUS_COUNT)
		return "unknown";
	return status_names[status];
}

int scq_status_parse(const char *name)
{
	int i;
	for (i = 0; i < SCQ_STATUS_COUNT; i++)
		if (!strcmp(name, status_names[i]))
			return i;
	return -1;
}
