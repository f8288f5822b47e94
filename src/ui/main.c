/*
 * main.c - scq-ui, the dashboard server (`scq ui` runs it): options, the
 * handle, the token, and the loop.
 *
 * One thread: the loop waits in poll(2) on the daemon's epoll descriptor
 * and on the store's inotify (events_fd), at most a tick (0.25 s), runs
 * the daemon (MHD_run), then follows the store (events_tick).  One request at a
 * time is plenty for one person's browser, keeps the handle to one
 * thread (scq.h: a handle is not thread-safe) and the process small.
 */
#include "ui.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include "ui-index.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(FILE *f, int code)
{
	fputs("usage: scq ui [--port N] [--role owner|requester]\n"
	      "  [--email E] [--data-dir D] [--config FILE]\n\n"
	      "The dashboard: an HTTP server on 127.0.0.1 (port: --port, else\n"
	      "SYFTBOX_ASSIGNED_PORT, else a free one).  Open the address it prints;\n"
	      "its token is the only way in.  Stop it with Ctrl-C.\n", f);
	return code;
}

static int port_of(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The token (random) and the CSRF value (a keyed hash of it: the pages
 * get it from /api/session, and it says nothing of the token). */
static void make_secrets(struct ui *u)
{
	unsigned char t[32], c[32];
	randombytes_buf(t, sizeof t);
	crypto_generichash(c, sizeof c, (const unsigned char *)"scq-ui csrf", 11, t, sizeof t);
	hex(t, sizeof t, u->token);
	hex(c, sizeof c, u->csrf);
	sodium_memzero(t, sizeof t);
}

static int any_job(const scq_job *j, void *ctx)
{
	(void)j; (void)ctx;
	return 1;
}

int main(int argc, char **argv)
{
	struct scq_open_options o = { 0 };
	struct ui u;
	unsigned port = 0;
	const char *env = getenv("SYFTBOX_ASSIGNED_PORT"), *role = NULL;
	struct sigaction sa;
	int i, any, rc = 1;
	memset(&u, 0, sizeof u);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage(stdout, 0);
		if (!v)
			return usage(stderr, 2);
		if (!strcmp(a, "--port")) {
			if (port_of(v, &port))
				return fprintf(stderr, "scq ui: --port takes 0-65535\n"), 2;
			env = NULL;
		} else if (!strcmp(a, "--role")) {
			role = v;
		} else if (!strcmp(a, "--email")) {
			o.email = v;
		} else if (!strcmp(a, "--data-dir")) {
			o.data_dir = v;
		} else if (!strcmp(a, "--config")) {
			o.config_path = v;
		} else {
			return usage(stderr, 2);
		}
		i++;
	}
	if (env && *env && port_of(env, &port)) {
		fprintf(stderr, "scq ui: SYFTBOX_ASSIGNED_PORT is not a port number\n");
		return 2;
	}
	if (role && strcmp(role, "owner") && strcmp(role, "requester"))
		return fprintf(stderr, "scq ui: --role is owner or requester\n"), 2;
	if (sodium_init() < 0)
		return fprintf(stderr, "scq ui: libsodium did not start\n"), 1;
	/* the first read also checks the data folder: a typo in it is refused
	 * here, as every command refuses it, not served as an empty queue */
	if (scq_open(&u.h, &o) != 0 ||
	    (any = scq_list_each(u.h, SCQ_AS_OWNER, -1, any_job, NULL)) < 0) {
		char *m = scq_escape_terminal(scq_errmsg(u.h), strlen(scq_errmsg(u.h)));
		fprintf(stderr, "scq ui: %s\n", m);
		free(m);
		goto out;
	}
	u.email = scq_email(u.h);
	if (role)
		u.role = !strcmp(role, "owner") ? SCQ_AS_OWNER : SCQ_AS_REQUESTER;
	else
		u.role = any == 1 ? SCQ_AS_OWNER : SCQ_AS_REQUESTER;
	make_secrets(&u);
	u.ev = events_new(&u);
	if (http_start(&u, port) != 0) {
		fprintf(stderr, "scq ui: cannot listen on 127.0.0.1:%u: %s\n", port, strerror(errno));
		goto out;
	}
	snprintf(u.origin[0], sizeof u.origin[0], "http://127.0.0.1:%u", u.port);
	snprintf(u.origin[1], sizeof u.origin[1], "http://localhost:%u", u.port);
	snprintf(u.host[0], sizeof u.host[0], "127.0.0.1:%u", u.port);
	snprintf(u.host[1], sizeof u.host[1], "localhost:%u", u.port);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("http://127.0.0.1:%u/?token=%s\n", u.port, u.token);
	fflush(stdout);
	while (!stop) {
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(u.daemon, MHD_DAEMON_INFO_EPOLL_FD);
		struct pollfd p[2] = { { di ? di->epoll_fd : -1, POLLIN, 0 }, { events_fd(&u), POLLIN, 0 } };
		MHD_UNSIGNED_LONG_LONG to;
		int ms = 250;
		if (MHD_get_timeout(u.daemon, &to) == MHD_YES && to < (MHD_UNSIGNED_LONG_LONG)ms)
			ms = (int)to;
		if (poll(p, 2, ms) > 0 && (p[1].revents & POLLIN))
			events_drain(&u);
		MHD_run(u.daemon);
		events_tick(&u);
	}
	rc = 0;
out:
	http_stop(&u);
	events_free(u.ev);
	index_free(u.idx[0]);
	index_free(u.idx[1]);
	scq_close(u.h);
	return rc;
}
