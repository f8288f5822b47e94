/*
 * requirements.c - requirement lines checked against a runtime's packages
 * (requirements.h).  Everything here reads hostile bytes (a requester's
 * requirements.txt, an owner's published versions): nothing is shown that
 * did not pass a strict character set first.
 */
#include "base/compat.h"
#include <ctype.h>
#include "base/alloc.h"
#include "queue/requirements.h"
#include "base/banned.h"

#define NAME_MAX_LEN 128
#define VERSION_MAX_LEN 64
#define RELEASE_MAX 16

int runtime_name_valid(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 16 && strcmp(s, "none") &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int pkg_name_normalize(const char *s, size_t n, struct buf *out)
{
	size_t i;
	int sep = 0;
	if (n == 0 || n > NAME_MAX_LEN || !alnum(s[0]) || !alnum(s[n - 1]))
		return -1;
	buf_reset(out);
	for (i = 0; i < n; i++) {
		if (s[i] == '-' || s[i] == '_' || s[i] == '.') {
			sep = 1;
			continue;
		}
		if (!alnum(s[i]))
			return -1;
		if (sep)
			buf_addc(out, '-');
		sep = 0;
		buf_addc(out, (char)tolower((unsigned char)s[i]));
	}
	return 0;
}

int pkg_version_valid(const char *s, size_t n)
{
	size_t i;
	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!alnum(s[i]) && (!s[i] || !strchr(".+!_-", s[i])))
			return 0;
	return 1;
}

/* A version parsed into a key that orders as PEP 440 does, in short. */
struct ver {
	long epoch;
	long rel[RELEASE_MAX];
	int nrel;
	int phase;  /* 0 dev, 1 a, 2 b, 3 rc, 4 final, 5 post */
	long num;   /* the number after the phase */
};

static long number(const char **p)
{
	long v = 0;
	while (isdigit((unsigned char)**p)) {
		if (v < 100000000)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static void ver_parse(const char *s, struct ver *v)
{
	static const struct { const char *word; int phase; } phases[] = {
		{ "preview", 3 }, { "alpha", 1 }, { "beta", 2 }, { "post", 5 }, { "rev", 5 },
		{ "dev", 0 }, { "pre", 3 }, { "rc", 3 }, { "a", 1 }, { "b", 2 }, { "c", 3 },
		{ "r", 5 } };
	const char *p = s, *q;
	size_t i;
	memset(v, 0, sizeof(*v));
	v->phase = 4;
	if (*p == 'v' || *p == 'V')
		p++;
	q = p;
	if (isdigit((unsigned char)*q)) {
		long e = number(&q);
		if (*q == '!') {
			v->epoch = e;
			p = q + 1;
		}
	}
	while (isdigit((unsigned char)*p) && v->nrel < RELEASE_MAX) {
		v->rel[v->nrel++] = number(&p);
		if (*p != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	while (*p == '.' || *p == '-' || *p == '_')
		p++;
	for (i = 0; *p && *p != '+' && i < SCQ_NELEM(phases); i++) {
		size_t n = strlen(phases[i].word);
		if (!strncasecmp(p, phases[i].word, n)) {
			p += n;
			while (*p == '.' || *p == '-' || *p == '_')
				p++;
			v->phase = phases[i].phase;
			v->num = number(&p);
			break;
		}
	}
}

static int cmp_long(long a, long b)
{
	return a < b ? -1 : a > b;
}

static int ver_cmp(const struct ver *a, const struct ver *b)
{
	int i, n = a->nrel > b->nrel ? a->nrel : b->nrel, c;
	if ((c = cmp_long(a->epoch, b->epoch)))
		return c;
	for (i = 0; i < n; i++)
		if ((c = cmp_long(i < a->nrel ? a->rel[i] : 0, i < b->nrel ? b->rel[i] : 0)))
			return c;
	if ((c = cmp_long(a->phase, b->phase)))
		return c;
	return cmp_long(a->num, b->num);
}

int version_cmp(const char *a, const char *b)
{
	struct ver va, vb;
	ver_parse(a, &va);
	ver_parse(b, &vb);
	return ver_cmp(&va, &vb);
}

/* have's release starts with the release of prefix (1.24.2 ~ 1.24). */
static int release_prefix(const char *have, const char *prefix)
{
	struct ver h, p;
	int i;
	ver_parse(have, &h);
	ver_parse(prefix, &p);
	if (h.epoch != p.epoch)
		return 0;
	for (i = 0; i < p.nrel; i++)
		if ((i < h.nrel ? h.rel[i] : 0) != p.rel[i])
			return 0;
	return 1;
}

int version_match(const char *have, const char *op, const char *want)
{
	size_t n = strlen(want);
	int c;
	if (!strcmp(op, "==="))
		return !strcmp(have, want);
	if ((!strcmp(op, "==") || !strcmp(op, "!=")) && n >= 2 && !strcmp(want + n - 2, ".*")) {
		char *w = xstrdup(want);
		w[n - 2] = '\0';
		c = release_prefix(have, w);
		free(w);
		return op[0] == '=' ? c : !c;
	}
	c = version_cmp(have, want);
	if (!strcmp(op, "=="))
		return c == 0;
	if (!strcmp(op, "!="))
		return c != 0;
	if (!strcmp(op, ">="))
		return c >= 0;
	if (!strcmp(op, "<="))
		return c <= 0;
	if (!strcmp(op, ">"))
		return c > 0;
	if (!strcmp(op, "<"))
		return c < 0;
	if (!strcmp(op, "~=")) { /* ~=1.4.2: >=1.4.2 and ==1.4.* */
		char *w = xstrdup(want), *dot = strrchr(w, '.');
		int ok = c >= 0 && dot && (*dot = '\0', release_prefix(have, w));
		free(w);
		return ok;
	}
	return 0;
}

static int version_char(char c)
{
	return alnum(c) || (c && strchr(".*+!_-", c));
}

/* One specifier "op version" at *p into op/ver; 0, or -1 when malformed. */
static int spec_parse(const char **p, char op[4], struct buf *ver)
{
	static const char *const ops[] = { "===", "==", "!=", ">=", "<=", "~=", ">", "<" };
	const char *s = *p;
	size_t i, n;
	while (*s == ' ' || *s == '\t')
		s++;
	for (i = 0; i < SCQ_NELEM(ops); i++)
		if (!strncmp(s, ops[i], strlen(ops[i])))
			break;
	if (i == SCQ_NELEM(ops))
		return -1;
	memcpy(op, ops[i], strlen(ops[i]) + 1);
	s += strlen(ops[i]);
	while (*s == ' ' || *s == '\t')
		s++;
	for (n = 0; version_char(s[n]); n++)
		;
	if (n == 0 || n > VERSION_MAX_LEN || (strchr(s, '*') && strchr(s, '*') < s + n &&
					      strcmp(op, "==") && strcmp(op, "!=")))
		return -1;
	buf_reset(ver);
	buf_add(ver, s, n);
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	*p = s;
	return 0;
}

struct line_ctx {
	json_t *pkgs;
	const char *runtime;
	struct buf *out;
	struct req_result *res;
	size_t lineno;
};

static void problem(struct line_ctx *c, const char *what)
{
	buf_addf(c->out, "line %zu: %s\n", c->lineno, what);
	c->res->problems++;
}

/* Check the specifiers in specs (a NUL-terminated copy of the line's
 * rest) against the installed version of the package name. */
static void check_specs(struct line_ctx *c, const char *name, const char *specs)
{
	const char *have = json_string_value(json_object_get(c->pkgs, name));
	struct buf shown = BUF_INIT, ver = BUF_INIT;
	const char *p = specs;
	char op[4];
	int ok = 1;
	buf_adds(&shown, name);
	while (*p) {
		if (spec_parse(&p, op, &ver) < 0 || (*p && *p != ',')) {
			problem(c, "unreadable version specifier (expected e.g. name>=1.2)");
			goto out;
		}
		if (*p == ',')
			p++;
		buf_addf(&shown, "%s%s%s", shown.len > strlen(name) ? "," : "", op, ver.ptr);
		if (have && !version_match(have, op, ver.ptr))
			ok = 0;
	}
	c->res->checked++;
	if (!have) {
		buf_addf(c->out, "%s: not in runtime '%s'\n", shown.ptr, c->runtime);
		c->res->problems++;
	} else if (!ok) {
		buf_addf(c->out, "%s: runtime '%s' has %s\n", shown.ptr, c->runtime, have);
		c->res->problems++;
	}
out:
	buf_release(&shown);
	buf_release(&ver);
}

/* One line, without its newline, as a NUL-terminated copy. */
static void check_line(struct line_ctx *c, char *s)
{
	struct buf name = BUF_INIT;
	char *hash = strstr(s, " #"), *semi, *p;
	size_t n;
	if (s[0] == '#')
		return;
	if (hash)
		*hash = '\0';
	if ((hash = strstr(s, "\t#")))
		*hash = '\0';
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (!n)
		return;
	if (s[0] == '-') {
		problem(c, "pip options (-r, -e, --index-url, ...) are not followed: the job "
			"has no network; list the packages themselves");
		return;
	}
	if ((semi = strchr(s, ';'))) {
		*semi = '\0';
		buf_addf(c->out, "line %zu: environment marker ignored (checked as if it held)\n",
			 c->lineno);
		c->res->notes++;
	}
	for (p = s; alnum(*p) || *p == '-' || *p == '_' || *p == '.'; p++)
		;
	if (pkg_name_normalize(s, (size_t)(p - s), &name) < 0) {
		problem(c, strstr(s, "://") ? "URLs are not followed: the job has no network" :
			"unreadable requirement (expected a package name)");
		goto out;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '[') { /* extras: the base package is what must be there */
		p = strchr(p, ']');
		if (!p) {
			problem(c, "unclosed '[' of extras");
			goto out;
		}
		p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '@')
		problem(c, "URLs are not followed: the job has no network");
	else
		check_specs(c, name.ptr, p);
out:
	buf_release(&name);
}

void requirements_check(const char *text, size_t len, json_t *pkgs, const char *runtime,
			struct buf *out, struct req_result *res)
{
	struct line_ctx c = { pkgs, runtime, out, res, 0 };
	size_t off = 0;
	memset(res, 0, sizeof(*res));
	if (len > REQUIREMENTS_MAX_BYTES) {
		buf_addf(out, "requirements.txt is larger than %zu bytes: not checked\n",
			 REQUIREMENTS_MAX_BYTES);
		res->problems++;
		return;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		char *line;
		if (++c.lineno > REQUIREMENTS_MAX_LINES) {
			buf_addf(out, "more than %d lines: the rest not checked\n",
				 REQUIREMENTS_MAX_LINES);
			res->problems++;
			return;
		}
		line = xmalloc(n + 1);
		memcpy(line, text + off, n);
		line[n] = '\0';
		if (strlen(line) != n) /* a NUL byte */
			problem(&c, "unreadable requirement (a NUL byte)");
		else
			check_line(&c, line);
		free(line);
		off += n + 1;
	}
}
