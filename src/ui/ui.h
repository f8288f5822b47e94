/*
 * ui.h - what the files of scq-ui, the dashboard server (`scq ui`), share.
 * The server is a program like the scq command: it includes only scq.h
 * (the Makefile checks it), so every change it makes goes through the
 * library's state machine.  Its HTTP interface is doc/ui-api.md.
 *
 *   main.c     options, the token, the daemon and its one-thread loop
 *   http.c     every request: authentication, CSRF and Origin checks, the
 *              headers every response carries, errors, routing, assets
 *   jsonw.c    a JSON writer (struct jw) whose strings are always valid
 *   index.c    the jobs in memory (struct jobsum), kept current from the
 *              audit log; the queue listing
 *   api-*.c    the /api/ routes
 *   events.c   Server-Sent Events (/api/events)
 *   static.c   the embedded static bundle (bundle.S, generated)
 */
#ifndef SCQ_UI_H
#define SCQ_UI_H

#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "scq.h"

/* ---- a JSON writer -------------------------------------------------------- */

/* Text grows in buf; commas go where they belong (a stack of "first
 * item?" per level).  Strings are escaped for any context: quotes,
 * backslash, controls, <, >, &, U+2028/9 as \u escapes, bytes that are not
 * UTF-8 as U+FFFD, so a body is valid JSON whatever the submitter wrote. */
#define JW_DEPTH 32
struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	unsigned char first[JW_DEPTH];
	int after_key;
};
void jw_init(struct jw *j);
char *jw_take(struct jw *j, size_t *len); /* the text; j is empty again */
void jw_free(struct jw *j);
void jw_obj(struct jw *j);
void jw_end(struct jw *j);  /* closes an object or array */
void jw_arr(struct jw *j);
void jw_end_arr(struct jw *j);
void jw_key(struct jw *j, const char *k);
void jw_str(struct jw *j, const char *s);   /* NULL: null */
void jw_strn(struct jw *j, const char *s, size_t n);
void jw_int(struct jw *j, long long v);
void jw_bool(struct jw *j, int v);
void jw_null(struct jw *j);
/* Trusted JSON text (ours), inserted as it is.  NULL: null. */
void jw_raw(struct jw *j, const char *json);
/* A parsed document written again through jw_str (so its strings are
 * escaped as ours are); jw_doc parses json first (null, -1 if it is not
 * JSON).  The library's documents go through these, never jw_raw. */
void jw_value(struct jw *j, const scq_value *v);
int jw_doc(struct jw *j, const char *json);
/* key then value, the common cases */
void jw_kstr(struct jw *j, const char *k, const char *s);
void jw_kint(struct jw *j, const char *k, long long v);
void jw_kbool(struct jw *j, const char *k, int v);
/* Bytes appended as they are (no comma logic): for text bodies. */
void jw_append(struct jw *j, const char *s, size_t n);

/* ---- the server -------------------------------------------------------- */

struct jobindex;
struct events;

struct ui {
	scq *h;
	const char *email;
	int role;               /* SCQ_AS_OWNER or SCQ_AS_REQUESTER: the view opened */
	unsigned port;
	char token[65];         /* 32 random bytes, hex */
	char csrf[65];          /* keyed hash of the token */
	char origin[2][64];     /* http://127.0.0.1:PORT, http://localhost:PORT */
	char host[2][48];       /* 127.0.0.1:PORT, localhost:PORT */
	struct jobindex *idx[2]; /* [0] owner, [1] requester; NULL until needed */
	struct events *ev;
	struct MHD_Daemon *daemon;
};

/* One response being built by a route. */
#define REPLY_HEADERS 8
struct reply {
	int status;
	const char *type;   /* Content-Type (static) */
	char *body;         /* malloc'd, freed by the sender */
	size_t len;
	const char *hname[REPLY_HEADERS];
	char *hval[REPLY_HEADERS]; /* malloc'd */
	int nh;
};
void reply_header(struct reply *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A JSON body taken from j (status 200 unless set). */
void reply_json(struct reply *r, struct jw *j);
/* An error: {"error": {status, code, message}}. */
void reply_error(struct reply *r, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The error of a library call that returned rc (its scq_errmsg). */
void reply_scq(struct reply *r, scq *h, int rc);
/* The same error as an object {status, code, message} in j (batches). */
void error_object(struct jw *j, scq *h, int rc);
/* A text/plain; charset=utf-8 body (copied). */
void reply_text(struct reply *r, const char *s, size_t n);

/* One API call: what the route gets. */
struct call {
	struct ui *u;
	struct MHD_Connection *conn;
	const char *method;     /* "GET" or "POST" (HEAD runs as GET) */
	const char *seg[6];     /* path segments after /api/ */
	int nseg;
	const scq_value *body;  /* POST: the parsed JSON object; GET: NULL */
	struct reply *r;
};
/* A query parameter (borrowed), NULL if absent. */
const char *call_arg(const struct call *c, const char *name);
/* A number parameter: def when absent; -1 with a 400 in c->r when it is
 * not a number in [min, max]. */
int call_num(struct call *c, const char *name, long long def, long long min,
	     long long max, long long *out);
/* A string member of the body: NULL when absent (or not a string). */
const char *body_str(const struct call *c, const char *key);

/* The routes (api-*.c).  Each fills c->r; the return value is unused. */
void api_session(struct call *c);
void api_jobs(struct call *c);
void api_job(struct call *c);         /* GET /api/jobs/UID[/...] */
void api_job_post(struct call *c);    /* POST /api/jobs/UID/ACTION, batch */
void api_audit(struct call *c);
void api_settings(struct call *c);
void api_datasets(struct call *c);
void api_submit(struct call *c);
void api_refresh(struct call *c);

/* http.c: the daemon on 127.0.0.1:port (0: a free one; u->port is set);
 * http_secure adds the headers every response carries. */
int http_start(struct ui *u, unsigned port);
void http_stop(struct ui *u);
void http_secure(struct MHD_Response *resp);

/* events.c: /api/events.  events_open answers the request (the stream, or
 * an error in r); events_tick, called by the loop about every 0.25 s,
 * reads what the audit log gained (and polls the requester's jobs while a
 * stream or its index wants them), brings the indexes up to date and
 * sends each change to every stream. */
struct events *events_new(struct ui *u);
void events_free(struct events *ev);
enum MHD_Result events_open(struct ui *u, struct MHD_Connection *conn, struct reply *r);
void events_tick(struct ui *u);
/* A descriptor that is readable when the store's log folder changed (-1:
 * none; the tick alone then), and what empties it. */
int events_fd(struct ui *u);
/* End every stream (before the daemon stops: it refuses to stop while a
 * connection is suspended). */
void events_end(struct ui *u);
void events_drain(struct ui *u);

/* static.c: the embedded file name (no leading /), NULL if none. */
const unsigned char *asset_find(const char *name, size_t *len);
const char *asset_type(const char *name);

/* util: the name of a role for JSON, and the role a ?role= asks for. */
const char *role_name(int role);
int role_arg(struct call *c);  /* -1 with a 400 in c->r */
/* 1 if s is a full uid (36 lowercase characters of a UUIDv4). */
int uid_ok(const char *s);

#endif
