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
#include <jansson.h>

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

/* The job as I see it (caller decrefs), or NULL. */
static json_t *job_json(scq *h, const char *uid)
{
	scq_job *j = NULL;
	char *js;
	json_t *o = NULL;
	if (scq_find(h, uid, SCQ_AS_ANY, &j) == 0 && (js = scq_job_to_json(j))) {
		o = json_loads(js, 0, NULL);
		free(js);
	}
	scq_job_free(j);
	return o;
}

#define MAX_NOTES 20

/* Say on f what of the outputs was cut or left out, and why. */
void cli_output_notes(FILE *f, json_t *job)
{
	json_t *out = json_object_get(json_object_get(job, "run"), "output"), *e;
	const char *kind = json_string_value(json_object_get(job, "error_kind"));
	size_t i;
	if (kind && (!strcmp(kind, "output_limit") || !strcmp(kind, "collect_error") ||
		     !strcmp(kind, "publish_error"))) {
		fprintf(f, "WARNING: outputs are incomplete (%s): ", kind);
		cli_put(f, json_string_value(json_object_get(job, "error_message")));
		fprintf(f, "\n");
	} else if (json_is_true(json_object_get(out, "limit_reached"))) {
		fprintf(f, "WARNING: outputs are incomplete: a limit (max_output_bytes, "
			"max_output_files) cut or left out files\n");
	}
	if (json_is_true(json_object_get(out, "source_full")))
		fprintf(f, "WARNING: the job's output folder was full: files written last may be cut\n");
	json_array_foreach(json_object_get(out, "excluded"), i, e) {
		if (i == MAX_NOTES) {
			fprintf(f, "left out: ... %zu more (see `scq show ID --json`, run.output.excluded)\n",
				json_array_size(json_object_get(out, "excluded")) - i);
			break;
		}
		fprintf(f, "left out: ");
		/* stored as shown (collect.c): markers already, never twice */
		cli_put_msg(f, json_string_value(json_object_get(e, "path")) ?
			    json_string_value(json_object_get(e, "path")) : "",
			    strlen(json_string_value(json_object_get(e, "path")) ?
				   json_string_value(json_object_get(e, "path")) : ""));
		fprintf(f, " (");
		cli_put(f, json_string_value(json_object_get(e, "reason")));
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
		json_t *o = job_json(h, uid);
		if (json_is_true(json_object_get(json_object_get(o, "log"), "truncated")) ||
		    json_is_true(json_object_get(json_object_get(o, "run"), "log_truncated")))
			fprintf(stderr, "note: the job's output reached max_output_bytes; the log "
				"was cut there\n");
		json_decref(o);
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
			json_t *s = json_string(sub);
			char *esc = s ? NULL : scq_escape_terminal(sub, strlen(sub)), *q;
			if (!s) /* not UTF-8: listed escaped, never as "?" */
				s = json_string(esc);
			q = json_dumps(s, JSON_ENCODE_ANY);
			printf("%s{\"path\":%s,\"size\":%lld}", *first ? "" : ",", q ? q : "\"?\"",
			       (long long)st.st_size);
			*first = 0;
			free(q);
			free(esc);
			json_decref(s);
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
	json_t *job;
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
	if (uid && (job = job_json(h, uid))) {
		cli_output_notes(stderr, job);
		json_decref(job);
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
		if (r == SCQ_ETIMEOUT) /* scq_wait's words, with the whole timeout */
			fprintf(stderr, "scq: job '%s' is still %s after %.0f seconds\n", uid,
				scq_status_name(st), o.timeout);
		if (r)
			r = r == SCQ_ETIMEOUT ? EXIT_FAIL : cli_fail(h, r);
		else if (o.json)
			printf("{\"uid\":\"%s\",\"status\":\"%s\",\"results_held\":%s}\n", uid,
			       scq_status_name(st), wait_held(h, uid, st) ? "true" : "false");
		else {
			printf("%s %s\n", uid, scq_status_name(st));
			wait_held(h, uid, st);
		}
		if (!r && st != SCQ_COMPLETED)
			r = EXIT_FAIL;
		json_t *job = r == SCQ_OK || r == EXIT_FAIL ? job_json(h, uid) : NULL;
		const char *kind = json_string_value(json_object_get(job, "error_kind"));
		if (kind && st >= SCQ_COMPLETED) {
			fprintf(stderr, "%s: ", kind);
			cli_put(stderr, json_string_value(json_object_get(job, "error_message")));
			fprintf(stderr, "\n");
		}
		if (kind && !strcmp(kind, "publish_error"))
			r = EXIT_FAIL; /* not a usable completion */
		json_decref(job);
	}
	free(uid);
	scq_close(h);
	return r;
}

int cmd_status(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json"), r;
	char *js = NULL;
	scq *h;
	json_t *o;
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
	} else if ((o = json_loads(js, 0, NULL))) {
		const char *k;
		json_t *v;
		printf("Email:      %s\nIsolation:  %s%s\nNetwork:    %s\n\n%-12s %8s %12s\n",
		       scq_email(h), json_string_value(json_object_get(o, "isolation")),
		       strcmp(json_string_value(json_object_get(o, "isolation")), "none") ? "" :
		       "  (WARNING: jobs run without a sandbox)",
		       json_is_true(json_object_get(o, "network")) ? "on" : "off",
		       "STATUS", "AS OWNER", "AS REQUESTER");
		json_object_foreach(json_object_get(o, "as_owner"), k, v)
			printf("%-12s %8lld %12lld\n", k, (long long)json_integer_value(v),
			       (long long)json_integer_value(json_object_get(json_object_get(o, "as_requester"), k)));
		v = json_object_get(o, "awaiting_release");
		printf("%-12s %8lld %12lld   (finished, results held for review)\n", "held",
		       (long long)json_integer_value(json_object_get(v, "as_owner")),
		       (long long)json_integer_value(json_object_get(v, "as_requester")));
		json_t *u = json_object_get(o, "undelivered");
		size_t i;
		if (json_array_size(u))
			printf("\nWARNING: results of %zu job(s) could not be collected or published "
			       "(disk full?); free space, then `scq republish ID`:\n", json_array_size(u));
		json_array_foreach(u, i, v)
			printf("  %s\n", json_string_value(v));
		json_decref(o);
	}
	free(js);
	scq_close(h);
	return r;
}
