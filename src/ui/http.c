/*
 * http.c - every request of the dashboard passes here (doc/ui-api.md):
 * the Host check, the token (query once, then the HttpOnly cookie), the
 * POST checks (Origin, X-CSRF-Token, JSON body) made before a byte of
 * the body is read, the headers every response carries whatever its
 * status, the error format, and the dispatch to the routes and assets.
 *
 * The daemon runs in the caller's thread (main.c's loop, MHD_run_wait):
 * one request at a time, so the one scq handle needs no lock.
 */
#include "ui.h"
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <sodium.h>

#define BODY_MAX ((size_t)1 << 20)
#define COOKIE "scq_ui"

/* What a connection's request carries between the handler's calls. */
struct rq {
	struct jw body;
	int too_big;
};

/* ---- replies ----------------------------------------------------------- */

void reply_header(struct reply *r, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *v = NULL;
	if (r->nh >= REPLY_HEADERS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		abort();
	va_end(ap);
	r->hname[r->nh] = name;
	r->hval[r->nh++] = v;
}

void reply_json(struct reply *r, struct jw *j)
{
	free(r->body);
	r->body = jw_take(j, &r->len);
	r->type = "application/json";
	if (!r->status)
		r->status = 200;
}

void reply_text(struct reply *r, const char *s, size_t n)
{
	free(r->body);
	r->body = malloc(n + 1);
	if (!r->body)
		abort();
	memcpy(r->body, s, n);
	r->body[n] = '\0';
	r->len = n;
	r->type = "text/plain; charset=utf-8";
	if (!r->status)
		r->status = 200;
}

void reply_error(struct reply *r, int status, const char *code, const char *fmt, ...)
{
	struct jw j;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	jw_init(&j);
	jw_obj(&j);
	jw_key(&j, "error");
	jw_obj(&j);
	jw_kint(&j, "status", status);
	jw_kstr(&j, "code", code);
	jw_kstr(&j, "message", msg);
	jw_end(&j);
	jw_end(&j);
	free(msg);
	r->status = status;
	reply_json(r, &j);
}

static const struct { int rc, status; const char *code; } errmap[] = {
	{ SCQ_ENOTFOUND, 404, "not_found" }, { SCQ_EPERM, 403, "perm" },
	{ SCQ_ESTATE, 409, "state" },         { SCQ_EINVAL, 400, "invalid" },
	{ SCQ_ECONFIG, 500, "config" },       { SCQ_ESANDBOX, 500, "sandbox" },
	{ SCQ_EIO, 500, "io" },               { SCQ_EAMBIGUOUS, 400, "ambiguous" },
	{ SCQ_ETIMEOUT, 504, "timeout" },     { SCQ_EBUSY, 409, "busy" },
	{ SCQ_EINCOMPLETE, 409, "incomplete" },
};

static void error_of(scq *h, int rc, int *status, const char **code, const char **msg)
{
	size_t i;
	*status = 500;
	*code = "io";
	for (i = 0; i < sizeof errmap / sizeof errmap[0]; i++)
		if (errmap[i].rc == rc) {
			*status = errmap[i].status;
			*code = errmap[i].code;
		}
	*msg = scq_errmsg(h);
	if (!*msg || !**msg)
		*msg = scq_strerror(rc);
}

void error_object(struct jw *j, scq *h, int rc)
{
	int status;
	const char *code, *msg;
	error_of(h, rc, &status, &code, &msg);
	jw_obj(j);
	jw_kint(j, "status", status);
	jw_kstr(j, "code", code);
	jw_kstr(j, "message", msg);
	jw_end(j);
}

void reply_scq(struct reply *r, scq *h, int rc)
{
	int status;
	const char *code, *msg;
	error_of(h, rc, &status, &code, &msg);
	reply_error(r, status, code, "%s", msg);
}

static void reply_clear(struct reply *r)
{
	int i;
	free(r->body);
	for (i = 0; i < r->nh; i++)
		free(r->hval[i]);
	memset(r, 0, sizeof *r);
}

/* The headers of every response (doc/ui-api.md): the pages run only our
 * own script and style, load nothing from elsewhere and cannot be framed;
 * no response is sniffed into another type, sent as a referrer, cached. */
void http_secure(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy",
		"default-src 'none'; script-src 'self'; style-src 'self'; "
		"img-src 'self' blob:; connect-src 'self'; font-src 'self'; "
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int i;
	if (!r->status)
		reply_error(r, 500, "io", "no answer");
	resp = MHD_create_response_from_buffer(r->len, r->body ? r->body : (char *)"",
					       r->body ? MHD_RESPMEM_MUST_FREE
						       : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		reply_clear(r);
		return MHD_NO;
	}
	r->body = NULL;
	http_secure(resp);
	if (r->type)
		MHD_add_response_header(resp, "Content-Type", r->type);
	for (i = 0; i < r->nh; i++)
		MHD_add_response_header(resp, r->hname[i], r->hval[i]);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	reply_clear(r);
	return ret;
}

/* ---- the checks ----------------------------------------------------------- */

static const char *hdr(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static int same(const char *given, const char *want)
{
	size_t n = strlen(want);
	return given && strlen(given) == n && sodium_memcmp(given, want, n) == 0;
}

static int host_ok(struct ui *u, struct MHD_Connection *c)
{
	const char *h = hdr(c, "Host");
	return h && (!strcmp(h, u->host[0]) || !strcmp(h, u->host[1]));
}

/* A path safe to redirect to: ours, not //elsewhere, nothing to quote. */
static const char *redirect_target(const char *url)
{
	const char *p;
	if (url[0] != '/' || url[1] == '/')
		return "/";
	for (p = url; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-", *p))
			return "/";
	return url;
}

static int is_api(const char *url)
{
	return !strncmp(url, "/api/", 5) || !strcmp(url, "/api");
}

/* A refusal before any route: JSON under /api/, short text elsewhere. */
static void refuse(struct reply *r, const char *url, int status, const char *code,
		   const char *msg)
{
	if (is_api(url)) {
		reply_error(r, status, code, "%s", msg);
	} else {
		r->status = status;
		reply_text(r, msg, strlen(msg));
	}
}

/* 0: the request may go on; else r holds the answer. */
static int authenticate(struct ui *u, struct MHD_Connection *c, const char *url,
			const char *method, struct reply *r)
{
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (!host_ok(u, c)) {
		refuse(r, url, 403, "forbidden", "forbidden: this server answers only to "
		       "127.0.0.1 and localhost");
		return -1;
	}
	if (q && !strcmp(method, "GET") && same(q, u->token)) {
		r->status = 303;
		reply_header(r, "Location", "%s", redirect_target(url));
		reply_header(r, "Set-Cookie", COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
			     u->token);
		reply_text(r, "", 0);
		return -1;
	}
	if (!same(MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE), u->token)) {
		refuse(r, url, 403, "forbidden", "forbidden: open the address scq ui printed "
		       "(with its token)");
		return -1;
	}
	return 0;
}

/* The POST checks, before the body is read: Origin, CSRF, JSON. */
static int post_checks(struct ui *u, struct MHD_Connection *c, struct reply *r)
{
	const char *o = hdr(c, "Origin"), *t = hdr(c, "Content-Type");
	const char *len = hdr(c, "Content-Length");
	if (!o || (strcmp(o, u->origin[0]) && strcmp(o, u->origin[1]))) {
		reply_error(r, 403, "origin", "refused: a change must come from this "
			    "dashboard's own page (Origin %s)", o ? "not ours" : "missing");
		return -1;
	}
	if (!same(hdr(c, "X-CSRF-Token"), u->csrf)) {
		reply_error(r, 403, "csrf", "refused: missing or wrong X-CSRF-Token "
			    "(reload the page)");
		return -1;
	}
	if (!t || strncmp(t, "application/json", 16) || (t[16] && t[16] != ';')) {
		reply_error(r, 415, "media", "a POST body must be application/json");
		return -1;
	}
	if (len && strtoull(len, NULL, 10) > BODY_MAX) {
		reply_error(r, 413, "too_large", "a request body may hold at most 1 MiB");
		return -1;
	}
	return 0;
}

/* ---- calls ------------------------------------------------------------------ */

const char *call_arg(const struct call *c, const char *name)
{
	return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
}

int call_num(struct call *c, const char *name, long long def, long long min,
	     long long max, long long *out)
{
	const char *s = call_arg(c, name);
	char *end;
	long long v;
	if (!s || !*s) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		reply_error(c->r, 400, "bad_request", "%s must be a whole number from %lld to %lld",
			    name, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

const char *body_str(const struct call *c, const char *key)
{
	return scq_value_string(scq_value_get(c->body, key));
}

const char *role_name(int role)
{
	return role == SCQ_AS_REQUESTER ? "requester" : "owner";
}

int role_arg(struct call *c)
{
	const char *s = call_arg(c, "role");
	if (!s || !*s || !strcmp(s, "owner"))
		return SCQ_AS_OWNER;
	if (!strcmp(s, "requester"))
		return SCQ_AS_REQUESTER;
	reply_error(c->r, 400, "bad_request", "role must be owner or requester");
	return -1;
}

int uid_ok(const char *s)
{
	return s && scq_uid_valid(s);
}

/* ---- routing -------------------------------------------------------------- */

static int split(const char *path, char *copy, size_t cap, const char **seg, int max)
{
	int n = 0;
	char *p, *save = NULL;
	size_t len = strlen(path);
	if (len >= cap)
		return -1;
	memcpy(copy, path, len + 1);
	for (p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = p;
	}
	return n;
}

static int seg_is(const struct call *c, int i, const char *s)
{
	return c->nseg > i && !strcmp(c->seg[i], s);
}

static void method_refused(struct call *c)
{
	reply_error(c->r, 405, "method", "%s is not allowed here", c->method);
}

/* The route of an /api/ path; methods checked. */
static void dispatch(struct call *c)
{
	int get = !strcmp(c->method, "GET");
	const char *top = c->nseg ? c->seg[0] : "";
	void (*fn)(struct call *) = NULL;
	int want_get = 1;
	if (!strcmp(top, "session") && c->nseg == 1)
		fn = api_session;
	else if (!strcmp(top, "jobs") && c->nseg == 1)
		fn = api_jobs;
	else if (!strcmp(top, "jobs") && seg_is(c, 1, "batch") && c->nseg == 2)
		fn = api_job_post, want_get = 0;
	else if (!strcmp(top, "jobs") && c->nseg >= 2 && c->nseg <= 3) {
		static const char *const posts[] = { "approve", "reject", "cancel", "release", NULL };
		const char *const *p;
		fn = api_job;
		for (p = posts; *p; p++)
			if (seg_is(c, 2, *p))
				fn = api_job_post, want_get = 0;
	} else if (!strcmp(top, "audit") && (c->nseg == 1 || (c->nseg == 2 && seg_is(c, 1, "verify"))))
		fn = api_audit;
	else if (!strcmp(top, "settings") && c->nseg == 1)
		fn = api_settings, want_get = -1;
	else if (!strcmp(top, "datasets") && c->nseg == 1)
		fn = api_datasets, want_get = -1;
	else if (!strcmp(top, "submit") && c->nseg == 1)
		fn = api_submit, want_get = 0;
	else if (!strcmp(top, "refresh") && c->nseg == 1)
		fn = api_refresh, want_get = 0;
	if (!fn) {
		reply_error(c->r, 404, "not_found", "no such route");
		return;
	}
	if (want_get >= 0 && get != want_get) {
		method_refused(c);
		return;
	}
	fn(c);
}

static void serve_asset(const char *url, struct reply *r)
{
	size_t len;
	const char *name = !strcmp(url, "/") ? "index.html" : url + 1;
	const unsigned char *data = asset_find(name, &len);
	if (!data || strstr(name, "..")) {
		refuse(r, url, 404, "not_found", "not found");
		return;
	}
	reply_text(r, (const char *)data, len);
	r->type = asset_type(name);
}

/* ---- the MHD callbacks ---------------------------------------------------- */

static enum MHD_Result run_api(struct ui *u, struct MHD_Connection *conn, const char *url,
			       const char *method, struct rq *rq, struct reply *r)
{
	char copy[512];
	struct call c;
	scq_value *body = NULL;
	memset(&c, 0, sizeof c);
	c.u = u;
	c.conn = conn;
	c.method = method;
	c.r = r;
	c.nseg = split(url + 4, copy, sizeof copy, c.seg, 6);
	if (c.nseg < 0) {
		reply_error(r, 404, "not_found", "no such route");
		return send_reply(conn, r);
	}
	if (!strcmp(method, "POST")) {
		size_t n;
		char *text = jw_take(&rq->body, &n);
		if (rq->too_big) {
			free(text);
			reply_error(r, 413, "too_large", "a request body may hold at most 1 MiB");
			return send_reply(conn, r);
		}
		body = strlen(text) == n ? scq_value_parse(text, SCQ_VALUE_NO_DUPLICATES) : NULL;
		free(text);
		if (scq_value_type(body) != SCQ_VALUE_OBJECT) {
			scq_value_free(body);
			reply_error(r, 400, "bad_request", "the body must be one JSON object");
			return send_reply(conn, r);
		}
		c.body = body;
	}
	if (c.nseg == 1 && !strcmp(c.seg[0], "events")) {
		enum MHD_Result ret;
		if (strcmp(method, "GET")) {
			method_refused(&c);
			return send_reply(conn, r);
		}
		ret = events_open(u, conn, r);
		if (r->status)
			return send_reply(conn, r);
		return ret;
	}
	dispatch(&c);
	scq_value_free(body);
	return send_reply(conn, r);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version,
			       const char *upload, size_t *upload_size, void **con_cls)
{
	struct ui *u = cls;
	struct rq *rq = *con_cls;
	struct reply r;
	const char *m = !strcmp(method, "HEAD") ? "GET" : method;
	(void)version;
	memset(&r, 0, sizeof r);
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq)
			abort();
		jw_init(&rq->body);
		*con_cls = rq;
		if (authenticate(u, conn, url, m, &r))
			return send_reply(conn, &r);
		if (strcmp(m, "GET") && strcmp(m, "POST")) {
			refuse(&r, url, 405, "method", "method not allowed");
			return send_reply(conn, &r);
		}
		if (!strcmp(m, "POST")) {
			if (!is_api(url)) {
				refuse(&r, url, 405, "method", "method not allowed");
				return send_reply(conn, &r);
			}
			if (post_checks(u, conn, &r))
				return send_reply(conn, &r);
		}
		/* the answer on the next call, once MHD has the whole request:
		 * a response queued on the first closes the connection */
		return MHD_YES;
	}
	if (*upload_size && strcmp(m, "POST")) {
		*upload_size = 0; /* a GET with a body: ignored */
		return MHD_YES;
	}
	if (!strcmp(m, "POST") && *upload_size) {
		if (rq->body.len + *upload_size > BODY_MAX)
			rq->too_big = 1;
		else
			jw_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (is_api(url))
		return run_api(u, conn, url, m, rq, &r);
	serve_asset(url, &r);
	return send_reply(conn, &r);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct rq *rq = *con_cls;
	(void)cls; (void)conn; (void)toe;
	if (rq) {
		jw_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

int http_start(struct ui *u, unsigned port)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	u->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)port,
				     NULL, NULL, handler, u,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
				     MHD_OPTION_NOTIFY_COMPLETED, completed, u,
				     MHD_OPTION_END);
	if (!u->daemon)
		return -1;
	di = MHD_get_daemon_info(u->daemon, MHD_DAEMON_INFO_BIND_PORT);
	u->port = di ? di->port : port;
	return 0;
}

void http_stop(struct ui *u)
{
	if (u->daemon) {
		events_end(u); /* resumed, they end at the next run */
		MHD_run(u->daemon);
		MHD_stop_daemon(u->daemon);
	}
	u->daemon = NULL;
}
