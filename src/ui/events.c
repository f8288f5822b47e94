/*
 * events.c - Server-Sent Events (GET /api/events) and what keeps the
 * indexes current (ui-index.h).
 *
 * The owner's store: every state change is one line of the audit log,
 * written after the move (lifecycle.c), so the loop's tick (main.c, every
 * 0.25 s) stats the log, reads only the bytes it gained, and looks each
 * named job up again: an approval by the CLI, the runner or another tab
 * reaches every stream within a tick, and a quiet store costs one stat.
 * The requester's jobs live in owners' outboxes, which no log of mine
 * follows: while a stream is open and a page has listed them, they are
 * listed again every 0.5 s and compared.
 *
 * A stream is an MHD response whose reader hands out what was queued for
 * it, and suspends the connection when there is nothing; a broadcast
 * resumes it.  Nothing is replayed after a reconnect: the page reloads.
 */
#include "ui.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ui-index.h"

#define STREAMS_MAX 32
#define PING_SECONDS 15.0
#define REQUESTER_POLL 0.5
#define OUT_MAX ((size_t)4 << 20) /* a stream that reads nothing is dropped */
#define AUDIT_READ_MAX ((size_t)8 << 20)

struct stream {
	struct ui *u;
	struct MHD_Connection *conn;
	struct jw out;
	size_t sent;
	int suspended, dead;
	struct stream *next;
};

struct events {
	struct stream *streams;
	int n;
	/* the audit log as last read */
	dev_t dev;
	ino_t ino;
	off_t off;
	int have_log;
	double last_ping, last_poll;
	int ino_fd; /* inotify on the log's folder; -1: the tick's stat only */
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Where the log is now: its identity and size (0 if none). */
static void log_mark(struct ui *u, struct events *ev)
{
	struct stat st;
	const char *p = scq_audit_path(u->h);
	ev->have_log = p && stat(p, &st) == 0;
	ev->dev = ev->have_log ? st.st_dev : 0;
	ev->ino = ev->have_log ? st.st_ino : 0;
	ev->off = ev->have_log ? st.st_size : 0;
}

/* Wake the loop when the log's folder changes (the log grows, or is
 * made or replaced), so an event goes out at once rather than at the
 * next tick.  The folder, not the file: it may not exist yet. */
static int watch_log(struct ui *u)
{
	const char *p = scq_audit_path(u->h);
	char *copy = p ? strdup(p) : NULL;
	int fd = copy ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
	if (fd >= 0 && inotify_add_watch(fd, dirname(copy), IN_MODIFY | IN_CREATE | IN_MOVED_TO |
					 IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(fd);
		fd = -1;
	}
	free(copy);
	return fd;
}

struct events *events_new(struct ui *u)
{
	struct events *ev = calloc(1, sizeof *ev);
	if (!ev)
		abort();
	log_mark(u, ev);
	ev->last_ping = ev->last_poll = now();
	ev->ino_fd = watch_log(u);
	return ev;
}

void events_end(struct ui *u)
{
	struct stream *s;
	for (s = u->ev ? u->ev->streams : NULL; s; s = s->next) {
		s->dead = 1;
		if (s->suspended) {
			s->suspended = 0;
			MHD_resume_connection(s->conn);
		}
	}
}

int events_fd(struct ui *u)
{
	return u->ev->ino_fd;
}

void events_drain(struct ui *u)
{
	char b[4096];
	while (read(u->ev->ino_fd, b, sizeof b) > 0)
		;
}

void events_free(struct events *ev)
{
	struct stream *s;
	if (!ev)
		return;
	if (ev->ino_fd >= 0)
		close(ev->ino_fd);
	for (s = ev->streams; s; s = s->next)
		s->u = NULL; /* the daemon is stopped first; streams freed with it */
	free(ev);
}

/* ---- streams ---------------------------------------------------------- */

static void queue_text(struct stream *s, const char *text, size_t n)
{
	if (s->dead)
		return;
	if (s->out.len - s->sent + n > OUT_MAX) {
		s->dead = 1; /* a reader that stopped reading: end its stream */
	} else {
		if (s->sent == s->out.len) {
			s->out.len = s->sent = 0;
		}
		jw_append(&s->out, text, n);
	}
	if (s->suspended) {
		s->suspended = 0;
		MHD_resume_connection(s->conn);
	}
}

static void broadcast(struct ui *u, const char *event, const char *data)
{
	struct stream *s;
	char *msg = NULL;
	int n = asprintf(&msg, "event: %s\ndata: %s\n\n", event, data);
	if (n < 0)
		abort();
	for (s = u->ev->streams; s; s = s->next)
		queue_text(s, msg, (size_t)n);
	free(msg);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n = s->out.len - s->sent;
	(void)pos;
	if (n == 0) {
		if (s->dead || !s->u)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->suspended = 1;
		MHD_suspend_connection(s->conn);
		return 0;
	}
	if (n > max)
		n = max;
	memcpy(buf, s->out.buf + s->sent, n);
	s->sent += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls, **p;
	if (s->u) {
		for (p = &s->u->ev->streams; *p; p = &(*p)->next)
			if (*p == s) {
				*p = s->next;
				s->u->ev->n--;
				break;
			}
	}
	jw_free(&s->out);
	free(s);
}

enum MHD_Result events_open(struct ui *u, struct MHD_Connection *conn, struct reply *r)
{
	struct events *ev = u->ev;
	struct stream *s;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct jw j;
	char *hello;
	if (ev->n >= STREAMS_MAX) {
		reply_error(r, 503, "busy", "too many open event streams (at most %d)", STREAMS_MAX);
		return MHD_YES;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->u = u;
	s->conn = conn;
	jw_init(&s->out);
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, "email", u->email);
	jw_kstr(&j, "role", role_name(u->role));
	jw_end(&j);
	hello = jw_take(&j, NULL);
	jw_append(&s->out, "retry: 1000\nevent: hello\ndata: ", 31);
	jw_append(&s->out, hello, strlen(hello));
	jw_append(&s->out, "\n\n", 2);
	free(hello);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, stream_free);
	if (!resp) {
		jw_free(&s->out);
		free(s);
		return MHD_NO;
	}
	s->next = ev->streams;
	ev->streams = s;
	ev->n++;
	http_secure(resp);
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- changes -------------------------------------------------------------- */

static void send_job(struct ui *u, const struct jobsum *s, int role)
{
	struct jw j;
	char *text;
	jw_init(&j);
	sum_json(&j, s, role_name(role));
	text = jw_take(&j, NULL);
	broadcast(u, "job", text);
	free(text);
}

/* The uid of one audit line, NULL if it names none. */
static char *line_uid(const char *line)
{
	scq_value *v = scq_value_parse(line, 0);
	const char *uid = scq_value_string(scq_value_get(v, "uid"));
	char *out = uid && scq_uid_valid(uid) ? strdup(uid) : NULL;
	scq_value_free(v);
	return out;
}

static void resync(struct ui *u, int role)
{
	int i = role == SCQ_AS_OWNER ? 0 : 1;
	index_free(u->idx[i]);
	u->idx[i] = NULL;
	broadcast(u, "resync", "{}");
}

/* What the audit log gained since the last look: each job it names is
 * looked up again and sent.  A log replaced or shorter: resync. */
static void follow_log(struct ui *u)
{
	struct events *ev = u->ev;
	struct stat st;
	const char *p = scq_audit_path(u->h);
	char *buf = NULL, *line, *nl;
	size_t want, got = 0;
	int fd;
	if (!p || stat(p, &st) != 0) {
		if (ev->have_log)
			resync(u, SCQ_AS_OWNER);
		ev->have_log = 0;
		ev->off = 0;
		return;
	}
	if (ev->have_log && st.st_dev == ev->dev && st.st_ino == ev->ino && st.st_size == ev->off)
		return;
	if (!ev->have_log && ev->off == 0 && st.st_size > 0 && u->idx[0] == NULL) {
		log_mark(u, ev); /* a log that appeared before any listing */
		return;
	}
	if ((ev->have_log && (st.st_dev != ev->dev || st.st_ino != ev->ino)) || st.st_size < ev->off ||
	    (size_t)(st.st_size - ev->off) > AUDIT_READ_MAX) {
		log_mark(u, ev);
		resync(u, SCQ_AS_OWNER);
		return;
	}
	want = (size_t)(st.st_size - ev->off);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf = malloc(want + 1);
	if (!buf)
		abort();
	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, ev->off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	ev->have_log = 1;
	ev->dev = st.st_dev;
	ev->ino = st.st_ino;
	for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		char *uid;
		struct jobsum *s = NULL;
		*nl = '\0';
		ev->off += (off_t)(nl - line + 1); /* only whole lines: the rest next tick */
		uid = line_uid(line);
		if (!uid)
			continue;
		if (u->idx[0])
			index_refresh_job(u->h, u->idx[0], uid, &s);
		if (s) {
			send_job(u, s, SCQ_AS_OWNER);
		} else if (!u->idx[0]) {
			scq_job *j = NULL;
			if (scq_find(u->h, uid, SCQ_AS_OWNER, &j) == 0) {
				struct jobsum tmp;
				memset(&tmp, 0, sizeof tmp);
				sum_from_job(&tmp, j);
				send_job(u, &tmp, SCQ_AS_OWNER);
				sum_free(&tmp);
				scq_job_free(j);
			}
		}
		free(uid);
	}
	free(buf);
}

static int by_uid(const void *a, const void *b)
{
	return strcmp(((const struct jobsum *)a)->uid, ((const struct jobsum *)b)->uid);
}

static int same_state(const struct jobsum *a, const struct jobsum *b)
{
	return a->status == b->status && a->held == b->held && a->bad_signature == b->bad_signature &&
	       !strcmp(a->release_state ? a->release_state : "", b->release_state ? b->release_state : "");
}

/* The requester's jobs listed again and compared with the index. */
static void poll_requester(struct ui *u)
{
	struct jobindex *old = u->idx[1], *nx = NULL;
	size_t i, k = 0;
	if (index_build(u->h, SCQ_AS_REQUESTER, &nx) != 0)
		return;
	if (old->n)
		qsort(old->v, old->n, sizeof old->v[0], by_uid);
	if (nx->n)
		qsort(nx->v, nx->n, sizeof nx->v[0], by_uid);
	for (i = 0; i < nx->n; i++) {
		int c = 1;
		while (k < old->n && (c = strcmp(old->v[k].uid, nx->v[i].uid)) < 0)
			k++;
		if (c != 0 || !same_state(&old->v[k], &nx->v[i]))
			send_job(u, &nx->v[i], SCQ_AS_REQUESTER);
	}
	index_free(old);
	nx->built = now();
	u->idx[1] = nx;
}

void events_tick(struct ui *u)
{
	struct events *ev = u->ev;
	double t = now();
	follow_log(u);
	if (u->idx[1] && ev->n > 0 && t - ev->last_poll >= REQUESTER_POLL) {
		poll_requester(u);
		ev->last_poll = t;
	}
	if (t - ev->last_ping >= PING_SECONDS) {
		struct stream *s;
		for (s = ev->streams; s; s = s->next)
			queue_text(s, ": ping\n\n", 8);
		ev->last_ping = t;
	}
}

int ui_index(struct ui *u, int role, struct jobindex **out)
{
	int i = role == SCQ_AS_OWNER ? 0 : 1, r = 0;
	/* the requester's jobs are followed only while a stream is open
	 * (poll_requester): else listed again when a second old */
	if (i == 1 && u->idx[1] && u->ev->n == 0 && now() - u->idx[1]->built > 1.0) {
		index_free(u->idx[1]);
		u->idx[1] = NULL;
	}
	if (!u->idx[i]) {
		if (i == 0)
			log_mark(u, u->ev); /* the listing sees what the log said so far */
		r = index_build(u->h, role, &u->idx[i]);
		if (u->idx[i])
			u->idx[i]->built = now();
		malloc_trim(0); /* what the listing read and freed goes back */
	}
	*out = u->idx[i];
	return r;
}
