/*
 * api-audit.c - the owner's audit log (GET /api/audit, /api/audit/verify)
 * and a job's lines of it (the job page's timeline and audit entries).
 * The log is read where the library says it is (scq_audit_path), a line
 * at a time: memory stays flat however long it is.  It is checked by
 * scq_audit_verify, which names the first broken line.
 */
#include "ui.h"
#include <errno.h>
#include "ui-index.h"

#define AUDIT_PAGE_MAX 1000

static FILE *open_log(scq *h)
{
	const char *p = scq_audit_path(h);
	return p ? fopen(p, "re") : NULL;
}

/* One line as an object: every field (timeline: at, event, actor, reason). */
static void entry(struct jw *j, const scq_value *v, int timeline)
{
	static const char *const brief[] = { "at", "event", "actor", "reason", NULL };
	size_t i;
	if (!timeline) {
		jw_value(j, v);
		return;
	}
	jw_obj(j);
	for (i = 0; brief[i]; i++)
		jw_kstr(j, brief[i], scq_value_string(scq_value_get(v, brief[i])));
	jw_end(j);
}

void audit_entries(struct jw *j, scq *h, const char *uid, int timeline)
{
	FILE *f = open_log(h);
	char *line = NULL;
	size_t cap = 0;
	jw_arr(j);
	while (f && getline(&line, &cap, f) > 0) {
		scq_value *v;
		if (!strstr(line, uid))
			continue; /* most lines: no parse */
		const char *u;
		v = scq_value_parse(line, 0);
		u = scq_value_string(scq_value_get(v, "uid"));
		if (u && !strcmp(u, uid))
			entry(j, v, timeline);
		scq_value_free(v);
	}
	jw_end_arr(j);
	free(line);
	if (f)
		fclose(f);
}

static void verify(struct call *c)
{
	unsigned long n = 0;
	int r = scq_audit_verify(c->u->h, &n);
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kbool(&j, "ok", r == 0);
	jw_kint(&j, "entries", (long long)n);
	if (r)
		jw_kstr(&j, "message", scq_errmsg(c->u->h));
	jw_end(&j);
	reply_json(c->r, &j);
}

/* The log, newest first: two passes, the first counts the lines. */
void api_audit(struct call *c)
{
	const char *uid = call_arg(c, "uid");
	long long off, lim, total = 0, i = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	struct jw j;
	if (c->nseg == 2) {
		verify(c);
		return;
	}
	if (call_num(c, "offset", 0, 0, 1LL << 40, &off) ||
	    call_num(c, "limit", 100, 1, AUDIT_PAGE_MAX, &lim))
		return;
	if (uid && *uid && !uid_ok(uid)) {
		reply_error(c->r, 400, "bad_request", "uid must be a full job uid");
		return;
	}
	if (uid && !*uid)
		uid = NULL;
	f = open_log(c->u->h);
	if (!f && errno != ENOENT) {
		reply_error(c->r, 500, "io", "cannot read the audit log: %s", strerror(errno));
		return;
	}
	while (f && (n = getline(&line, &cap, f)) > 0)
		total += !uid || strstr(line, uid);
	jw_init(&j);
	jw_obj(&j);
	jw_kint(&j, "total", total);
	jw_key(&j, "entries");
	jw_arr(&j);
	/* newest first: the lines from total-off-lim to total-off, reversed */
	if (f && total > off) {
		long long first = total - off - lim < 0 ? 0 : total - off - lim, last = total - off;
		scq_value **keep = calloc((size_t)(last - first), sizeof *keep);
		if (!keep)
			abort();
		rewind(f);
		while ((n = getline(&line, &cap, f)) > 0 && i < last) {
			if (uid && !strstr(line, uid))
				continue;
			if (i >= first)
				keep[i - first] = scq_value_parse(line, 0);
			i++;
		}
		for (i = last - first - 1; i >= 0; i--) {
			entry(&j, keep[i], 0);
			scq_value_free(keep[i]);
		}
		free(keep);
	}
	jw_end_arr(&j);
	jw_end(&j);
	free(line);
	if (f)
		fclose(f);
	reply_json(c->r, &j);
}
