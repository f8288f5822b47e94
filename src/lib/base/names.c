/*
 * names.c - untrusted names: validation, and text escaped for a person.
 *
 * Every name that came from a submitter and becomes part of a path passes
 * email_valid or component_valid first; both are deliberately narrow.
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/buf.h"
#include "base/names.h"
#include "scq.h"
#include "base/banned.h"

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

/* The statuses, by number (scq.h SCQ_PENDING ...). */
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
