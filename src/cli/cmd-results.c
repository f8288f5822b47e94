/*
 * cmd-results.c - scq logs, output, wait, status, republish.
 *
 * Results are never shown as whole when they are not: the library checks
 * synced files against what was published (exit 1 until complete), and
 * these commands say on stderr what was cut or left out (output limits,
 * exclusions, truncated log, undelivered results).
 */
#include "cli.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static int one_id(int argc, char **argv, const char *shortopts, const struct option *opts,
		  int (*opt)(int c, void *ctx), void *ctx, const char **id)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1)
		if (opt(c, ctx))
			return cli_usage_error("unknown option or bad value");
	if (optind != argc - 1)
		return cli_usage_error("expected one job ID");
	*id = argv[optind];
	return 0;
}

static int no_opts(int c, void *ctx)
{
	(void)c;
	(void)ctx;
	return 1;
}

static int raw_opt(int c, void *ctx)
{
	if (c != 'R')
		return 1;
	*(int *)ctx = 1;
	return 0;
}

/* The job as I see it (caller frees with scq_job_free), or NULL. */
static scq_job *find_job(scq *h, const char *uid)
{
	scq_job *j = NULL;
	if (scq_find(h, uid, SCQ_AS_ANY, &j) != 0) {
		scq_job_free(j);
		return NULL;
	}
	return j;
}

#define MAX_NOTES 20

static int is_true(const scq_value *o, const char *key)
{
	return scq_value_is_true(scq_value_get(o, key));
}

/* Say on f what of the outputs was cut or left out, and why. */
void cli_output_notes(FILE *f, const scq_value *job)
{
	const scq_value *out = scq_value_get(scq_value_get(job, "run"), "output"), *e;
	const scq_value *excluded = scq_value_get(out, "excluded");
	const char *kind = scq_value_string(scq_value_get(job, "error_kind")), *path;
	size_t i;
	if (kind && (!strcmp(kind, "output_limit") || !strcmp(kind, "collect_error") ||
		     !strcmp(kind, "publish_error"))) {
		fprintf(f, "WARNING: outputs are incomplete (%s): ", kind);
		cli_put(f, scq_value_string(scq_value_get(job, "error_message")));
		fprintf(f, "\n");
	} else if (is_true(out, "limit_reached")) {
		fprintf(f, "WARNING: outputs are incomplete: a limit (max_output_bytes, "
			"max_output_files) cut or left out files\n");
	}
	if (is_true(out, "source_full"))
		fprintf(f, "WARNING: the job's output folder was full: files written last may be cut\n");
	for (i = 0; scq_value_type(excluded) == SCQ_VALUE_ARRAY &&
		    (e = scq_value_at(excluded, i, NULL)); i++) {
		if (i == MAX_NOTES) {
			fprintf(f, "left out: ... %zu more (see `scq show ID --json`, run.output.excluded)\n",
				scq_value_size(excluded) - i);
			break;
		}
		fprintf(f, "left out: ");
		/* stored as shown (collect.c): markers already, never twice */
		path = scq_value_string(scq_value_get(e, "path"));
		cli_put_msg(f, path ? path : "", strlen(path ? path : ""));
		fprintf(f, " (");
		cli_put(f, scq_value_string(scq_value_get(e, "reason")));
		fprintf(f, ")\n");
	}
}

/* A command taking one job ID and no options: the handle (*h, NULL on a
 * usage error) and the resolved uid, or NULL with *rc set. */
static char *just_one_job(int argc, char **argv, scq **h, int *rc)
{
	static const struct option opts[] = { { 0, 0, 0, 0 } };
	const char *id = NULL;
	*h = NULL;
	if ((*rc = one_id(argc, argv, "", opts, no_opts, NULL, &id)) != 0)
		return NULL;
	*h = cli_open();
	return cli_resolve(*h, id, SCQ_AS_ANY, rc);
}

int cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = { { "raw", 0, 0, 'R' }, { 0, 0, 0, 0 } };
	const char *id = NULL;
	char *uid, *text = NULL;
	size_t len;
	scq *h;
	int raw = 0, r = one_id(argc, argv, "", opts, raw_opt, &raw, &id);
	if (r)
		return r;
	if (raw && (r = cli_raw_refused("logs", id)))
		return r;
	h = cli_open();
	uid = cli_resolve(h, id, SCQ_AS_ANY, &r);
	if (uid && (r = scq_job_logs(h, uid, &text, &len)) != 0)
		r = cli_fail(h, r);
	else if (uid && raw)
		r = cli_write_raw(text, len);
	else if (uid) {
		/* job output is hostile: shown as it is, markers for what acts */
		cli_put_text(stdout, text, len);
		if (len && text[len - 1] != '\n')
			printf("\n");
		scq_job *j = find_job(h, uid);
		const scq_value *o = j ? scq_job_value(j) : NULL;
		if (is_true(scq_value_get(o, "log"), "truncated") ||
		    is_true(scq_value_get(o, "run"), "log_truncated"))
			fprintf(stderr, "note: the job's output reached max_output_bytes; the log "
				"was cut there\n");
		scq_job_free(j);
	}
	free(text);
	free(uid);
	scq_close(h);
	return r;
}

struct output_opts {
	const char *to;
	int json, wait;
	double timeout;
};

static int output_opt(int c, void *ctx)
{
	struct output_opts *o = ctx;
	char *end;
	if (c == 't')
		o->to = optarg;
	else if (c == 'j')
		o->json = 1;
	else if (c == 'w')
		o->wait = 1;
	else if (c == 'T') {
		errno = 0;
		o->timeout = strtod(optarg, &end);
		return errno || *end || o->timeout < 0;
	} else
		return 1;
	return 0;
}

/* Copy or locate the outputs; with --wait, again until all have synced. */
static int get_outputs(scq *h, const char *uid, struct output_opts *o, char **dir)
{
	struct timespec t0, now;
	int r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = o->to ? scq_job_output_copy(h, uid, o->to) : scq_job_output_dir(h, uid, dir);
		if (r != SCQ_EINCOMPLETE || !o->wait)
			return r;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o->timeout > 0 && (double)(now.tv_sec - t0.tv_sec) +
		    (now.tv_nsec - t0.tv_nsec) / 1e9 >= o->timeout)
			return r;
		usleep(500 * 1000);
	}
}

static void list_dir(const char *root, const char *rel, int json, int *first)
{
	char path[8300];
	DIR *d;
	struct dirent *e;
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char sub[4096];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			list_dir(root, sub, json, first);
		} else if (json) {
			char *q = scq_json_string(sub), *esc = NULL;
			if (!q) { /* not UTF-8: listed escaped, never as "?" */
				esc = scq_escape_terminal(sub, strlen(sub));
				q = scq_json_string(esc);
			}
			printf("%s{\"path\":%s,\"size\":%lld}", *first ? "" : ",", q ? q : "\"?\"",
			       (long long)st.st_size);
			*first = 0;
			free(q);
			free(esc);
		} else {
			printf("%10lld  ", (long long)st.st_size);
			cli_put(stdout, sub);
			printf("\n");
		}
	}
	closedir(d);
}

int cmd_output(int argc, char **argv)
{
	static const struct option opts[] = { { "to", 1, 0, 't' }, { "json", 0, 0, 'j' },
		{ "wait", 0, 0, 'w' }, { "timeout", 1, 0, 'T' }, { 0, 0, 0, 0 } };
	struct output_opts o = { NULL, 0, 0, 600 };
	const char *id = NULL;
	char *uid, *dir = NULL;
	scq *h;
	scq_job *job;
	int r = one_id(argc, argv, "", opts, output_opt, &o, &id), first = 1;
	if (r)
		return r;
	h = cli_open();
	uid = cli_resolve(h, id, SCQ_AS_ANY, &r);
	if (uid)
		r = get_outputs(h, uid, &o, &dir);
	if (uid && r)
		r = cli_fail(h, r);
	else if (uid && o.to)
		printf("outputs of %s copied to %s\n", uid, o.to);
	else if (uid) {
		if (o.json)
			printf("[");
		list_dir(dir, "", o.json, &first);
		if (o.json)
			printf("]\n");
	}
	if (uid && (job = find_job(h, uid))) {
		cli_output_notes(stderr, scq_job_value(job));
		cli_withheld_notes(stderr, scq_job_value(job));
		scq_job_free(job);
	}
	free(dir);
	free(uid);
	scq_close(h);
	return r;
}

int cmd_republish(int argc, char **argv)
{
	scq *h;
	int r;
	char *uid = just_one_job(argc, argv, &h, &r);
	if (!h)
		return r;
	if (uid && (r = scq_republish(h, uid)) != 0)
		r = cli_fail(h, r);
	else if (uid)
		printf("results of %s published\n", uid);
	free(uid);
	scq_close(h);
	return r;
}

struct wait_opts {
	double timeout;
	int json;
};

static int wait_opt(int c, void *ctx)
{
	struct wait_opts *o = ctx;
	char *end;
	if (c == 'j') {
		o->json = 1;
		return 0;
	}
	if (c != 'T')
		return 1;
	errno = 0;
	o->timeout = strtod(optarg, &end);
	return errno || *end || o->timeout < 0;
}

/* A finished job whose results wait for the owner's release: the status
 * is still the truth (exit 0 if completed), stderr says what is missing. */
static int wait_held(scq *h, const char *uid, int st)
{
	scq_job *j = NULL;
	int held = scq_find(h, uid, SCQ_AS_ANY, &j) == 0 && scq_job_results_held(j);
	if (held && !strcmp(scq_job_target(j) ? scq_job_target(j) : "", scq_email(h)))
		fprintf(stderr, "scq: job %s %s; its log and outputs wait for your review: "
			"scq release %.8s sends them to the requester\n", uid, scq_status_name(st), uid);
	else if (held)
		fprintf(stderr, "scq: job %s %s; results held for the owner's review "
			"(scq logs/output available after release)\n", uid, scq_status_name(st));
	else if (j && scq_job_release_state(j) && strcmp(scq_job_release_state(j), "released"))
		/* the owner kept something back: what and why is in scq show */
		fprintf(stderr, "scq: job %s %s; the data owner's decision on its results: %s "
			"(scq show %.8s says which files and why)\n", uid, scq_status_name(st),
			scq_job_release_state(j), uid);
	scq_job_free(j);
	return held;
}

/* 1 if I am the data owner of uid (its target). */
static int mine_to_run(scq *h, const char *uid)
{
	scq_job *j = NULL;
	int mine = scq_find(h, uid, SCQ_AS_ANY, &j) == 0 && scq_job_target(j) &&
		   !strcmp(scq_job_target(j), scq_email(h));
	scq_job_free(j);
	return mine;
}

/*
 * scq_wait only reads.  My own job changes state through maintenance too
 * (it expires waiting for approval; a cancel request arrives), which no
 * one may be running: wait in slices of a second with a refresh between
 * them.  A job of another owner changes only by what that owner publishes.
 */
static int wait_job(scq *h, const char *uid, double timeout, int *st)
{
	struct timespec t0, now;
	int mine = !cli_no_refresh && mine_to_run(h, uid), r;
	double left = timeout;
	if (!mine)
		return scq_wait(h, uid, timeout, st);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = scq_wait(h, uid, timeout > 0 && left < 1 ? left : 1, st);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout - (double)(now.tv_sec - t0.tv_sec) - (now.tv_nsec - t0.tv_nsec) / 1e9;
		if (r != SCQ_ETIMEOUT)
			return r;
		if (timeout > 0 && left <= 0)
			return r; /* the caller says so, with the whole timeout */
		if ((r = scq_refresh(h, RUN_REFRESH)) != 0)
			return r;
	}
}

/* A requester's job whose status.json the owner's key does not verify: its
 * "completed" may be a sync server's word, so wait does not end in success
 * on it (protocol.md §6, "Signed status": never silently trusted). */
static int forged(scq *h, const char *uid)
{
	scq_job *j = find_job(h, uid);
	const char *sig = j ? scq_job_signature(j) : NULL;
	int bad = sig && !strcmp(sig, "bad");
	if (bad) {
		fprintf(stderr, "scq: job '%s': BAD SIGNATURE on the status.json ", uid);
		cli_put(stderr, scq_job_target(j));
		fprintf(stderr, " published: do not trust its status (scq show %s)\n", uid);
	}
	scq_job_free(j);
	return bad;
}

int cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = { { "timeout", 1, 0, 'T' }, { "json", 0, 0, 'j' }, { 0, 0, 0, 0 } };
	struct wait_opts o = { 600, 0 };
	const char *id = NULL;
	char *uid;
	scq *h;
	int r = one_id(argc, argv, "", opts, wait_opt, &o, &id), st = -1;
	if (r)
		return r;
	h = cli_open();
	uid = cli_resolve(h, id, SCQ_AS_ANY, &r);
	if (uid) {
		r = wait_job(h, uid, o.timeout, &st);
		/* what the wait saw, told to my notify_command */
		if (!cli_no_refresh && (r == 0 || r == SCQ_ETIMEOUT))
			scq_refresh(h, SCQ_REFRESH_NOTIFY);
		if (r == SCQ_ETIMEOUT) /* scq_wait's words, with the whole timeout */
			fprintf(stderr, "scq: job '%s' is still %s after %.0f seconds\n", uid,
				st >= SCQ_COMPLETED ? "awaiting the owner's release of its results" :
				scq_status_name(st), o.timeout);
		if (r)
			r = r == SCQ_ETIMEOUT ? EXIT_FAIL : cli_fail(h, r);
		else if (forged(h, uid))
			r = EXIT_FAIL; /* nothing on stdout: no status to trust */
		else if (o.json)
			printf("{\"uid\":\"%s\",\"status\":\"%s\",\"results_held\":%s}\n", uid,
			       scq_status_name(st), wait_held(h, uid, st) ? "true" : "false");
		else {
			printf("%s %s\n", uid, scq_status_name(st));
			wait_held(h, uid, st);
		}
		if (!r && st != SCQ_COMPLETED)
			r = EXIT_FAIL;
		scq_job *job = r == SCQ_OK || r == EXIT_FAIL ? find_job(h, uid) : NULL;
		const char *kind = job ? scq_job_error_kind(job) : NULL;
		if (kind && st >= SCQ_COMPLETED) {
			fprintf(stderr, "%s: ", kind);
			cli_put(stderr, scq_job_error_message(job));
			fprintf(stderr, "\n");
		}
		if (kind && !strcmp(kind, "publish_error"))
			r = EXIT_FAIL; /* not a usable completion */
		scq_job_free(job);
	}
	free(uid);
	scq_close(h);
	return r;
}

static long long count_of(const scq_value *o, const char *group, const char *key)
{
	return scq_value_int(scq_value_get(scq_value_get(o, group), key));
}

/* Whether the owners signed the statuses of my jobs (protocol.md §6). */
static void print_signatures(const scq_value *s)
{
	const scq_value *bad = scq_value_get(s, "bad");
	long long un = scq_value_int(scq_value_get(s, "unsigned")),
		  unk = scq_value_int(scq_value_get(s, "unknown-key"));
	size_t i;
	if (!s || !(un + unk + scq_value_int(scq_value_get(s, "verified")) + (long long)scq_value_size(bad)))
		return; /* no job of mine published yet */
	printf("\nOwner signatures on my jobs' statuses: %lld verified, %lld unsigned, "
	       "%lld cannot be checked, %zu BAD\n", scq_value_int(scq_value_get(s, "verified")),
	       un, unk, scq_value_size(bad));
	for (i = 0; i < scq_value_size(bad); i++)
		printf("  BAD SIGNATURE: %s (do not trust its status: scq show ID)\n",
		       scq_value_string(scq_value_at(bad, i, NULL)));
}

static void print_status(scq *h, const scq_value *o)
{
	const char *iso = scq_value_string(scq_value_get(o, "isolation")), *k;
	const scq_value *u = scq_value_get(o, "undelivered"), *owner = scq_value_get(o, "as_owner");
	size_t i;
	printf("Email:      %s\nIsolation:  %s%s\nNetwork:    %s\n\n%-12s %8s %12s\n",
	       scq_email(h), iso, strcmp(iso, "none") ? "" :
	       "  (WARNING: jobs run without a sandbox)",
	       is_true(o, "network") ? "on" : "off", "STATUS", "AS OWNER", "AS REQUESTER");
	for (i = 0; scq_value_type(owner) == SCQ_VALUE_OBJECT && scq_value_at(owner, i, &k); i++)
		printf("%-12s %8lld %12lld\n", k, count_of(o, "as_owner", k),
		       count_of(o, "as_requester", k));
	printf("%-12s %8lld %12lld   (finished, results held for review)\n", "held",
	       count_of(o, "awaiting_release", "as_owner"),
	       count_of(o, "awaiting_release", "as_requester"));
	if (scq_value_type(u) == SCQ_VALUE_ARRAY && scq_value_size(u))
		printf("\nWARNING: results of %zu job(s) could not be collected or published "
		       "(disk full?); free space, then `scq republish ID`:\n", scq_value_size(u));
	for (i = 0; scq_value_type(u) == SCQ_VALUE_ARRAY && i < scq_value_size(u); i++)
		printf("  %s\n", scq_value_string(scq_value_at(u, i, NULL)));
	print_signatures(scq_value_get(o, "status_signatures"));
}

int cmd_status(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json"), r;
	char *js = NULL;
	scq *h;
	scq_value *o;
	if (argc > 1 && !json)
		return cli_usage_error("unexpected argument '%s'", argv[1]);
	h = cli_open();
	r = scq_status_json(h, &js);
	cli_print_ingest_notices(h);
	if (r) {
		r = cli_fail(h, r);
	} else if (json) {
		cli_print_json(js);
		js = NULL;
	} else if ((o = scq_value_parse(js, 0))) {
		print_status(h, o);
		scq_value_free(o);
	}
	free(js);
	scq_close(h);
	return r;
}
