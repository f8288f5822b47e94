/*
 * runner-ingest.c - the run loop's ingest, in a forked child.
 *
 * Why: copying one large inbox entry into the store takes seconds and
 * cannot be cut in the middle; done inside the poll loop it delayed every
 * running job's deadline by that much.  In a child, the loop keeps polling
 * (timeouts, output caps, cancels) while the pass runs as long as it needs.
 * Ingest is crash-safe (a child killed at any step leaves the entry in the
 * inbox, t0400), and one pass at a time holds the store's ingest lock.
 *
 * The child writes what the owner must hear to a pipe, one line each:
 * "N <notice>" for ingest notices, "E <code> <message>" for an error;
 * the parent reports them through scq_log when the child has ended.
 */
#include "base/compat.h"
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "exec/runner.h"
#include "queue/ingest.h"
#include "queue/refresh.h"
#include "store/notify.h"
#include "base/banned.h"

void ingest_child_init(struct ingest_child *c)
{
	c->pid = -1;
	c->pidfd = c->pipe = -1;
	buf_init(&c->out, 16 << 20); /* notices, and a note per job moved */
}

static void child_write(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The moves of the pass, due for notification, go up as "V <note>" lines
 * (one compact JSON object each: no newline): the parent tells them
 * without waiting, where the child would have held the next pass. */
static void notes_up(scq *h, struct buf *out)
{
	json_t *due = notify_take(h), *n;
	size_t i;
	json_array_foreach(due, i, n) {
		char *text = json_dumps(n, JSON_COMPACT);
		if (text)
			buf_addf(out, "V %s\n", text);
		free(text);
	}
	json_decref(due);
}

/* The child's whole life: one pass and expiry, its report, _exit. */
static void child_main(scq *h, int fd)
{
	struct buf out = BUF_INIT;
	const char *p, *nl;
	int r = ingest_bounded(h, INGEST_RUNNER_BUDGET);
	for (p = scq_ingest_notices(h); *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		buf_addf(&out, "N %.*s\n", (int)(nl - p), p);
		if (!*nl)
			break;
	}
	if (r == 0)
		r = refresh_steps(h, SCQ_REFRESH_EXPIRE); /* the tick's maintenance */
	if (r < 0)
		buf_addf(&out, "E %d %s\n", r, h->err.ptr);
	notes_up(h, &out);
	child_write(fd, out.ptr, out.len);
	_exit(0); /* no atexit handlers, no stdio flush: the parent owns them */
}

int ingest_child_start(scq *h, struct ingest_child *c)
{
	int p[2];
	pid_t pid;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* the parent's hooks and due notes are the parent's to tell */
		h->hooks = (struct spawn_set)SPAWN_SET_INIT;
		h->notify_due = NULL;
		close(p[0]);
		fcntl(p[1], F_SETFL, 0); /* the child may block on a full pipe */
		child_main(h, p[1]);
	}
	close(p[1]);
	h->ingest_rotor++; /* the child's increment stays in the child */
	c->pid = pid;
	c->pipe = p[0];
	c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	buf_reset(&c->out);
	return 0;
}

/* Read what the child wrote so far (the pipe must not fill up). */
static void drain(struct ingest_child *c)
{
	char chunk[4096];
	ssize_t n;
	while (c->pipe >= 0 && (n = read(c->pipe, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close(c->pipe), c->pipe = -1;
			return;
		}
		buf_add(&c->out, chunk, (size_t)n);
	}
	if (c->pipe >= 0) /* EOF */
		close(c->pipe), c->pipe = -1;
}

/* A note the child sent up: due here (the loop tells it). */
static void note_down(scq *h, const char *text)
{
	json_t *n = json_loads(text, 0, NULL);
	if (!json_is_object(n)) {
		json_decref(n);
		return;
	}
	if (!h->notify_due)
		h->notify_due = json_array();
	json_array_append_new(h->notify_due, n);
}

/* Report the finished child's lines; its first error goes to *code/msg. */
static void report(scq *h, struct ingest_child *c, int *code, struct buf *msg)
{
	char *line = c->out.ptr, *nl;
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (line[0] == 'N' && line[1] == ' ')
			scq_log(h, "%s", line + 2);
		else if (line[0] == 'V' && line[1] == ' ')
			note_down(h, line + 2);
		else if (line[0] == 'E' && line[1] == ' ') {
			char *end;
			long e = strtol(line + 2, &end, 10);
			scq_log(h, "ingest: %s (the runner goes on)", *end ? end + 1 : "");
			if (!*code && e < 0) {
				*code = (int)e;
				buf_setf(msg, "%s", *end ? end + 1 : "");
			}
		}
	}
	buf_reset(&c->out);
}

int ingest_child_service(scq *h, struct ingest_child *c, int *code, struct buf *msg)
{
	int status;
	pid_t w;
	if (c->pid < 0)
		return 0;
	drain(c);
	while ((w = waitpid(c->pid, &status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (w == 0)
		return 0;
	drain(c);
	if (w == c->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		scq_log(h, "ingest: the ingest process ended abnormally (status %d); the next "
			"pass retries", status);
	report(h, c, code, msg);
	fd_close(&c->pipe);
	fd_close(&c->pidfd);
	c->pid = -1;
	c->pipe = c->pidfd = -1;
	return 1;
}

void ingest_child_finish(scq *h, struct ingest_child *c, int *code, struct buf *msg)
{
	while (c->pid >= 0) {
		struct pollfd p[2] = { { c->pipe, POLLIN, 0 }, { c->pidfd, POLLIN, 0 } };
		poll(p, 2, 100);
		ingest_child_service(h, c, code, msg);
	}
	buf_release(&c->out);
}
