/*
 * fuzz-names - the validators of untrusted names and the terminal escaper.
 *
 * The input is split at NUL bytes; every piece goes through email_valid,
 * component_valid, scq_uid_valid and time_parse_iso, and the whole input
 * (NULs included) through buf_add_escaped.  Invariants:
 *   - an accepted email is also a safe path component, has one '@' and
 *     only [a-z0-9@.-_+];
 *   - an accepted component has no '/', no control byte, is not . or ..;
 *   - an accepted uid is a lowercase canonical UUIDv4;
 *   - a parsed time is finite and survives format -> parse;
 *   - shown output (buf_add_shown) has no byte < 0x20 or 0x7f (TAB and
 *     LF only in multi-line form), is valid UTF-8 without C1 controls or
 *     format characters, and a capped buffer never passes its cap.
 */
#include "fuzz-common.h"
#include <math.h>
#include "base/alloc.h"

static void check_email(const char *s)
{
	const char *p;
	if (!email_valid(s))
		return;
	FUZZ_CHECK(component_valid(s, 255));
	FUZZ_CHECK(strchr(s, '@') && strchr(s, '@') == strrchr(s, '@') && s[0] != '@');
	for (p = s; *p; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			   strchr("@.-_+", *p));
}

static void check_component(const char *s)
{
	const char *p;
	if (!component_valid(s, 255))
		return;
	FUZZ_CHECK(*s && strlen(s) <= 255 && strcmp(s, ".") && strcmp(s, ".."));
	for (p = s; *p; p++)
		FUZZ_CHECK(*p != '/' && (unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_uid(const char *s)
{
	size_t i;
	if (!scq_uid_valid(s))
		return;
	FUZZ_CHECK(strlen(s) == 36 && component_valid(s, 255));
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			FUZZ_CHECK(s[i] == '-');
		else
			FUZZ_CHECK(strchr("0123456789abcdef", s[i]) && s[i]);
	}
	FUZZ_CHECK(s[14] == '4' && strchr("89ab", s[19]));
}

static void check_time(const char *s)
{
	double t, u;
	char iso[ISO_LEN];
	if (time_parse_iso(s, &t) < 0)
		return;
	FUZZ_CHECK(isfinite(t));
	time_format_iso(t, iso);
	FUZZ_CHECK(time_parse_iso(iso, &u) == 0);
	FUZZ_CHECK(fabs(t - u) < 1e-3);
}

/* Valid UTF-8 (no overlongs, surrogates or > U+10FFFF), no C0/DEL (but
 * TAB and LF when multiline), no C1 controls, no format characters. */
static void check_terminal_safe(const unsigned char *s, size_t n, int multiline)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t need, k;
		FUZZ_CHECK((c >= 0x20 && c != 0x7f) || (multiline && (c == '\t' || c == '\n')));
		if (c < 0x80) {
			i++;
			continue;
		}
		FUZZ_CHECK(c >= 0xc2 && c <= 0xf4);
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		FUZZ_CHECK(i + need <= n);
		cp = c & (0x7f >> need);
		for (k = 1; k < need; k++) {
			FUZZ_CHECK((s[i + k] & 0xc0) == 0x80);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		FUZZ_CHECK(!(need == 3 && cp < 0x800) && !(need == 4 && cp < 0x10000));
		FUZZ_CHECK(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
		FUZZ_CHECK(!(cp >= 0x80 && cp <= 0x9f));
		FUZZ_CHECK(!scq_is_format_char(cp));
		i += need;
	}
}

static void check_escape(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT, small;
	char *t;
	FUZZ_CHECK(buf_add_escaped(&b, (const char *)data, size) == 0);
	FUZZ_CHECK(b.len >= size && b.ptr[b.len] == '\0');
	check_terminal_safe((const unsigned char *)b.ptr, b.len, 0);
	t = scq_escape_terminal((const char *)data, size);
	FUZZ_CHECK(!strcmp(t, b.ptr));
	free(t);
	buf_release(&b);

	FUZZ_CHECK(buf_add_shown(&b, (const char *)data, size, BUF_SHOW_MULTILINE) >= 0);
	check_terminal_safe((const unsigned char *)b.ptr, b.len, 1);
	buf_release(&b);

	buf_init(&small, 16);
	buf_add_escaped(&small, (const char *)data, size);
	FUZZ_CHECK(small.len <= 16 && small.ptr[small.len] == '\0');
	buf_release(&small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fuzz_strndup(data, size), *p = all, *end = all + size;
	while (p <= end) {
		check_email(p);
		check_component(p);
		check_uid(p);
		check_time(p);
		p += strlen(p) + 1;
	}
	free(all);
	check_escape(data, size);
	return 0;
}
