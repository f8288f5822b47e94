/*
 * api-job.c - the reads of one job (GET /api/jobs/UID[/...], doc/ui-api.md):
 * its record, timeline and audit lines, code files, the diff against the
 * version it revises, the log a page at a time, and the outputs with
 * their disclosure-risk flags.  None of them writes.
 *
 * What came from the requester goes out as data only: JSON strings
 * through jsonw.c, file and log bytes as text/plain (nosniff), outputs
 * typed by their content, never by their name, and only the four raster
 * image types ever inline.
 */
#include "ui.h"
#include "ui-index.h"

#define FILE_MAX ((size_t)4 << 20)
#define PAGE_DEFAULT 262144
#define PAGE_MAX ((long long)1 << 20)

static const char *job_uid(struct call *c)
{
	const char *uid = c->seg[1];
	if (!uid_ok(uid)) {
		reply_error(c->r, 404, "not_found", "not a job id (a full uid is 36 characters)");
		return NULL;
	}
	return uid;
}

/* ---- the job -------------------------------------------------------------- */

/* The requester's timeline: the record's *_at fields in time order. */
static void timeline_fields(struct jw *j, const scq_value *job)
{
	const char *keys[32], *k;
	size_t i, n = 0, a, b;
	for (i = 0; i < scq_value_size(job) && n < 32; i++) {
		const scq_value *v = scq_value_at(job, i, &k);
		size_t l = k ? strlen(k) : 0;
		if (l > 3 && !strcmp(k + l - 3, "_at") && scq_value_string(v) && strcmp(k, "updated_at"))
			keys[n++] = k;
	}
	for (a = 1; a < n; a++) /* few: insertion sort by time */
		for (b = a; b > 0 && strcmp(scq_value_string(scq_value_get(job, keys[b - 1])),
					   scq_value_string(scq_value_get(job, keys[b]))) > 0; b--) {
			k = keys[b];
			keys[b] = keys[b - 1];
			keys[b - 1] = k;
		}
	jw_arr(j);
	for (i = 0; i < n; i++) {
		char ev[64];
		snprintf(ev, sizeof ev, "%.*s", (int)(strlen(keys[i]) - 3), keys[i]);
		jw_obj(j);
		jw_kstr(j, "at", scq_value_string(scq_value_get(job, keys[i])));
		jw_kstr(j, "event", ev);
		jw_end(j);
	}
	jw_end_arr(j);
}

static void job_detail(struct call *c, const char *uid, int role)
{
	scq *h = c->u->h;
	scq_job *job = NULL;
	struct jobsum s;
	char *json = NULL;
	int r = scq_find(h, uid, role, &job), have, need, decided;
	struct jw j;
	if (r) {
		reply_scq(c->r, h, r);
		return;
	}
	memset(&s, 0, sizeof s);
	sum_from_job(&s, job);
	jw_init(&j);
	jw_obj(&j);
	jw_key(&j, "job");
	jw_value(&j, scq_job_value(job));
	jw_key(&j, "summary");
	sum_json(&j, &s, NULL);
	if (role == SCQ_AS_OWNER) {
		jw_key(&j, "timeline");
		audit_entries(&j, h, uid, 1);
		jw_key(&j, "audit");
		audit_entries(&j, h, uid, 0);
		jw_key(&j, "votes");
		if (scq_job_votes(h, uid, &json) == 0)
			jw_doc(&j, json);
		else
			jw_null(&j);
		free(json);
	} else {
		jw_key(&j, "timeline");
		timeline_fields(&j, scq_job_value(job));
		jw_key(&j, "audit");
		jw_arr(&j);
		jw_end_arr(&j);
		jw_key(&j, "votes");
		jw_null(&j);
	}
	jw_key(&j, "release");
	if (scq_job_release_state(job)) {
		jw_obj(&j);
		jw_kstr(&j, "state", scq_job_release_state(job));
		if (role == SCQ_AS_OWNER && scq_release_votes(h, uid, &have, &need, &decided) == 0) {
			jw_kint(&j, "have", have);
			jw_kint(&j, "need", need);
			jw_kbool(&j, "decided", decided);
		}
		jw_end(&j);
	} else {
		jw_null(&j);
	}
	jw_end(&j);
	sum_free(&s);
	scq_job_free(job);
	reply_json(c->r, &j);
}

/* ---- code ----------------------------------------------------------------- */

static void job_files(struct call *c, const char *uid)
{
	char *json = NULL;
	int r = scq_job_files(c->u->h, uid, &json);
	struct jw j;
	if (r) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, "uid", uid);
	jw_key(&j, "files");
	jw_doc(&j, json);
	jw_end(&j);
	free(json);
	reply_json(c->r, &j);
}

static size_t count_crlf(const char *s, size_t n)
{
	size_t i, k = 0;
	for (i = 0; i + 1 < n; i++)
		k += s[i] == '\r' && s[i + 1] == '\n';
	return k;
}

static void job_file(struct call *c, const char *uid)
{
	scq *h = c->u->h;
	const char *path = call_arg(c, "path"), *p;
	scq_job_code *code = NULL;
	long long size = -1, sz;
	size_t i, n, len = 0, nul = 0, bad = 0;
	char *data = NULL;
	int r;
	if (!path || !*path) {
		reply_error(c->r, 400, "bad_request", "path is required");
		return;
	}
	if ((r = scq_job_code_open(h, uid, &code)) != 0) {
		reply_scq(c->r, h, r);
		return;
	}
	for (i = 0, n = scq_job_code_count(code); i < n; i++)
		if (scq_job_code_at(code, i, &p, &sz, NULL) == 0 && !strcmp(p, path))
			size = sz;
	if (size > (long long)FILE_MAX) {
		reply_error(c->r, 413, "too_large", "the file is %lld bytes; the dashboard shows "
			    "files up to %zu bytes (scq review %s --file PATH shows it whole)",
			    size, FILE_MAX, uid);
	} else if ((r = scq_job_code_read(h, code, path, FILE_MAX, &data, &len)) != 0) {
		reply_scq(c->r, h, r);
	} else {
		scq_text_flaws(data, len, &nul, &bad);
		reply_text(c->r, data, len);
		reply_header(c->r, "X-SCQ-Size", "%zu", len);
		reply_header(c->r, "X-SCQ-Flaws", "nul=%zu,invalid=%zu,crlf=%zu", nul, bad,
			     count_crlf(data, len));
	}
	free(data);
	scq_job_code_close(code);
}

static void job_diff(struct call *c, const char *uid)
{
	char *text = NULL, *base = NULL;
	int r = scq_job_diff(c->u->h, uid, &text, &base);
	struct jw j;
	if (r) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, "uid", uid);
	jw_kstr(&j, "base_uid", base);
	jw_kstr(&j, "text", text);
	jw_end(&j);
	free(text);
	free(base);
	reply_json(c->r, &j);
}

/* ---- results -------------------------------------------------------------- */

/* Cut a page at UTF-8 character boundaries: skip continuation bytes at
 * its start (unless it starts the file), drop an incomplete character at
 * its end (unless it ends the file). */
static void utf8_trim(const char *d, size_t *start, size_t *end, int at_start, int at_eof)
{
	const unsigned char *u = (const unsigned char *)d;
	size_t s = *start, e = *end, k;
	while (!at_start && s < e && s < 3 && (u[s] & 0xc0) == 0x80)
		s++;
	if (!at_eof) {
		for (k = 0; k < 4 && e > s; k++) {
			unsigned char b = u[e - 1 - k];
			size_t need;
			if ((b & 0xc0) == 0x80)
				continue;
			need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
			if (k + 1 < need)
				e = e - 1 - k;
			break;
		}
	}
	*start = s;
	*end = e;
}

/* One page of a result file: the log (path NULL) or an output. */
static int read_page(struct call *c, const char *uid, const char *path, int trim,
		     char **data, size_t *start, size_t *end, long long *off, long long *size)
{
	scq *h = c->u->h;
	long long lim;
	size_t len = 0;
	int r;
	if (call_num(c, "offset", 0, -(1LL << 50), 1LL << 50, off) ||
	    call_num(c, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &lim))
		return -1;
	if (*off < 0) { /* from the end: the size first */
		if ((r = scq_job_result_read(h, uid, path, 0, 0, data, &len, size)) != 0) {
			reply_scq(c->r, h, r);
			return -1;
		}
		free(*data);
		*off = *size + *off < 0 ? 0 : *size + *off;
	}
	if ((r = scq_job_result_read(h, uid, path, *off, (size_t)lim, data, &len, size)) != 0) {
		reply_scq(c->r, h, r);
		return -1;
	}
	*start = 0;
	*end = len;
	if (trim)
		utf8_trim(*data, start, end, *off == 0, *off + (long long)len >= *size);
	return 0;
}

static void page_headers(struct reply *r, long long off, size_t start, size_t end, long long size)
{
	reply_header(r, "X-SCQ-Log-Size", "%lld", size);
	reply_header(r, "X-SCQ-Offset", "%lld", off + (long long)start);
	reply_header(r, "X-SCQ-Next-Offset", "%lld", off + (long long)end);
}

static void job_log(struct call *c, const char *uid)
{
	char *data = NULL;
	size_t start, end;
	long long off, size;
	if (read_page(c, uid, NULL, 1, &data, &start, &end, &off, &size))
		return;
	reply_text(c->r, data + start, end - start);
	page_headers(c->r, off, start, end, size);
	free(data);
}

static void job_outputs(struct call *c, const char *uid, int role)
{
	scq *h = c->u->h;
	scq_output_flags *f = NULL;
	char *json = NULL;
	scq_job *job = NULL;
	struct jw j;
	int r = role == SCQ_AS_OWNER ? scq_output_check(h, uid, 0, &f)
				     : scq_job_output_files(h, uid, &json);
	if (r || (r = scq_find(h, uid, role, &job)) != 0) {
		reply_scq(c->r, h, r);
		goto out;
	}
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, "uid", uid);
	jw_key(&j, "release");
	if (scq_job_release_state(job)) {
		jw_obj(&j);
		jw_kstr(&j, "state", scq_job_release_state(job));
		jw_key(&j, "decision");
		jw_value(&j, scq_value_get(scq_job_value(job), "release_decision"));
		jw_end(&j);
	} else {
		jw_null(&j);
	}
	if (f) {
		scq_value *v;
		size_t i;
		const char *k;
		free(json);
		json = scq_output_flags_json(f);
		v = scq_value_parse(json, 0);
		for (i = 0; i < scq_value_size(v); i++) { /* files, flags, fail, review, ... */
			const scq_value *m = scq_value_at(v, i, &k);
			jw_key(&j, k ? k : "");
			jw_value(&j, m);
		}
		scq_value_free(v);
	} else {
		jw_key(&j, "files");
		jw_doc(&j, json);
		jw_key(&j, "flags");
		jw_arr(&j);
		jw_end_arr(&j);
		jw_kint(&j, "fail", 0);
		jw_kint(&j, "review", 0);
		jw_kint(&j, "flags_dropped", 0);
	}
	jw_end(&j);
	reply_json(c->r, &j);
out:
	free(json);
	scq_output_flags_free(f);
	scq_job_free(job);
}

/* The type of an output from its first bytes: the four raster types, text
 * (no NUL, and not markup a browser would render: SVG, HTML, XML), or
 * bytes.  Never from its name. */
static const char *sniff(const unsigned char *d, size_t n, int *raster, int *text)
{
	size_t i = 0;
	*raster = *text = 0;
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return *raster = 1, "image/png";
	if (n >= 3 && !memcmp(d, "\xff\xd8\xff", 3))
		return *raster = 1, "image/jpeg";
	if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return *raster = 1, "image/gif";
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return *raster = 1, "image/webp";
	if (memchr(d, 0, n))
		return "application/octet-stream";
	if (n >= 3 && !memcmp(d, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < n && strchr(" \t\r\n", d[i]))
		i++;
	if (i < n && d[i] == '<')
		return "application/octet-stream"; /* SVG, HTML, XML: never rendered */
	*text = 1;
	return "text/plain; charset=utf-8";
}

/* attachment; filename*=UTF-8''<the last part of path, percent-encoded> */
static void disposition(struct reply *r, const char *path, int inline_)
{
	const char *base = strrchr(path, '/');
	char enc[3 * 255 + 1];
	size_t i, k = 0;
	base = base ? base + 1 : path;
	for (i = 0; base[i] && k + 4 < sizeof enc; i++) {
		unsigned char ch = (unsigned char)base[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr(".-_", ch))
			enc[k++] = (char)ch;
		else
			k += (size_t)snprintf(enc + k, 4, "%%%02X", ch);
	}
	enc[k] = '\0';
	reply_header(r, "Content-Disposition", "%s; filename*=UTF-8''%s",
		     inline_ ? "inline" : "attachment", k ? enc : "output");
}

static void job_output(struct call *c, const char *uid)
{
	const char *path = call_arg(c, "path"), *type, *in = call_arg(c, "inline");
	int paged = call_arg(c, "offset") || call_arg(c, "limit"), raster, text;
	char *data = NULL, *head = NULL;
	size_t start = 0, end, hlen = 0;
	long long off = 0, size = 0;
	int r;
	if (!path || !*path) {
		reply_error(c->r, 400, "bad_request", "path is required");
		return;
	}
	if ((r = scq_job_result_read(c->u->h, uid, path, 0, 512, &head, &hlen, &size)) != 0) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	type = sniff((const unsigned char *)head, hlen, &raster, &text);
	free(head);
	if (paged) {
		if (read_page(c, uid, path, text, &data, &start, &end, &off, &size))
			return; /* text at character boundaries, bytes where asked */
	} else if (size > (long long)FILE_MAX) {
		reply_error(c->r, 413, "too_large", "the output is %lld bytes; the dashboard "
			    "serves at most %zu bytes at once (page it with offset and limit)",
			    size, FILE_MAX);
		return;
	} else if ((r = scq_job_result_read(c->u->h, uid, path, 0, FILE_MAX, &data, &end, &size))) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	reply_text(c->r, data + start, end - start);
	c->r->type = type;
	disposition(c->r, path, in && !strcmp(in, "1") && (raster || text));
	if (paged)
		page_headers(c->r, off, start, end, size);
	free(data);
}

void api_job(struct call *c)
{
	const char *uid = job_uid(c), *sub = c->nseg > 2 ? c->seg[2] : NULL;
	int role = role_arg(c);
	if (!uid || role < 0)
		return;
	if (!sub)
		job_detail(c, uid, role);
	else if (!strcmp(sub, "files"))
		job_files(c, uid);
	else if (!strcmp(sub, "file"))
		job_file(c, uid);
	else if (!strcmp(sub, "diff"))
		job_diff(c, uid);
	else if (!strcmp(sub, "log"))
		job_log(c, uid);
	else if (!strcmp(sub, "outputs"))
		job_outputs(c, uid, role);
	else if (!strcmp(sub, "output"))
		job_output(c, uid);
	else
		reply_error(c->r, 404, "not_found", "no such route");
}
