/*
 * cmd-queue.c - scq pending, list, jobs, show, review: reading the queue.
 */
#include "cli.h"
#include <getopt.h>
#include <jansson.h>

struct list_args {
	int json, status, held;
	const char *id;
};

static int parse(int argc, char **argv, struct list_args *a, int want_id, int allow_status)
{
	static const struct option opts[] = { { "json", 0, 0, 'j' }, { "status", 1, 0, 's' },
		{ "held", 0, 0, 'H' }, { 0, 0, 0, 0 } };
	int c;
	a->json = a->held = 0;
	a->status = -1;
	a->id = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c == 'j')
			a->json = 1;
		else if (c == 'H' && allow_status)
			a->held = 1;
		else if (c == 's' && allow_status) {
			a->status = scq_status_parse(optarg);
			if (a->status < 0)
				return cli_usage_error("unknown status '%s' (pending, approved, running, "
						       "completed, failed, rejected, timedout, cancelled)", optarg);
		} else
			return cli_usage_error("unknown option");
	}
	if (want_id && optind != argc - 1)
		return cli_usage_error("expected one job ID");
	if (!want_id && optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (want_id)
		a->id = argv[optind];
	return 0;
}

struct printer {
	int json, role, only_held;
	unsigned long n, held;
};

/* Streams each job as it is loaded: memory stays flat for any queue size. */
static int print_job(const scq_job *j, void *ctx)
{
	struct printer *p = ctx;
	if (p->only_held && !scq_job_results_held(j))
		return 0;
	p->held += scq_job_results_held(j);
	if (p->json) {
		char *js = scq_job_to_json(j);
		printf("%s%s", p->n ? ",\n" : "[\n", js);
		free(js);
	} else {
		if (!p->n)
			cli_table_header(p->role);
		cli_table_row(j, p->role);
	}
	p->n++;
	return 0;
}

static int list_common(int argc, char **argv, int role, int force_status, const char *empty)
{
	struct list_args a;
	struct printer p = { 0, role, 0, 0, 0 };
	scq *h;
	int r = parse(argc, argv, &a, 0, force_status < 0);
	if (r)
		return r;
	if (force_status >= 0)
		a.status = force_status;
	p.json = a.json;
	p.only_held = a.held;
	if (a.held) /* results are held only for finished runs */
		empty = role == SCQ_AS_OWNER ? "No results are waiting for your release." :
			"None of your jobs has results held for the owner's review.";
	h = cli_open();
	r = scq_list_each(h, role, a.status, print_job, &p);
	if (p.json)
		printf(p.n ? "\n]\n" : "[]\n");
	else if (!r && !p.n)
		printf("%s\n", empty);
	else if (!r && p.held)
		printf("\n(held): %s\n", role == SCQ_AS_OWNER ?
		       "log and outputs wait for your review (scq logs ID, scq output ID), then scq release ID" :
		       "the owner holds the log and outputs for review; they arrive once released");
	cli_print_ingest_notices(h);
	if (r)
		r = cli_fail(h, r);
	scq_close(h);
	return r;
}

int cmd_pending(int argc, char **argv)
{
	return list_common(argc, argv, SCQ_AS_OWNER, SCQ_PENDING, "No jobs waiting for your approval.");
}

int cmd_list(int argc, char **argv)
{
	return list_common(argc, argv, SCQ_AS_OWNER, -1, "No jobs submitted to you.");
}

int cmd_jobs(int argc, char **argv)
{
	return list_common(argc, argv, SCQ_AS_REQUESTER, -1, "You have not submitted any jobs.");
}

static void show_value(const char *label, json_t *v)
{
	char *t;
	if (!v || json_is_null(v))
		return;
	printf("%-14s ", label);
	if (json_is_string(v))
		cli_put(stdout, json_string_value(v));
	else {
		t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
		cli_put(stdout, t);
		free(t);
	}
	printf("\n");
}

static void show_human(const scq_job *j)
{
	char *js = scq_job_to_json(j);
	json_t *o = json_loads(js, 0, NULL);
	static const char *const f[][2] = {
		{ "ID", "uid" }, { "Name", "name" }, { "Status", "status" }, { "From", "requester_email" },
		{ "To", "target_email" }, { "Description", "description" }, { "Tags", "tags" },
		{ "Created", "created_at" }, { "Approved", "approved_at" }, { "Approved by", "approved_by" },
		{ "Started", "started_at" }, { "Completed", "completed_at" }, { "Exit code", "exit_code" },
		{ "Error kind", "error_kind" }, { "Error", "error_message" }, { "Reason", "reason" },
		{ "Code SHA-256", "code_sha256" }, { "Timeout (s)", "timeout_seconds" },
		{ "Network", "allow_network" }, { "Run", "run" } };
	size_t i;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!strcmp(f[i][1], "status") && scq_job_results_held(j))
			printf("%-14s %s, awaiting release (log and outputs held for the data "
			       "owner's review)\n", f[i][0], scq_status_name(scq_job_status(j)));
		else
			show_value(f[i][0], json_object_get(o, f[i][1]));
	}
	json_decref(o);
	free(js);
}

int cmd_show(int argc, char **argv)
{
	struct list_args a;
	scq_job *j = NULL;
	scq *h;
	int r = parse(argc, argv, &a, 1, 0);
	if (r)
		return r;
	h = cli_open();
	r = scq_find(h, a.id, SCQ_AS_ANY, &j);
	if (r)
		r = r == SCQ_EINVAL ? (cli_fail(h, r), EXIT_USAGE) : cli_fail(h, r);
	else if (a.json)
		cli_print_json(scq_job_to_json(j));
	else
		show_human(j);
	scq_job_free(j);
	scq_close(h);
	return r;
}

static void print_file(scq *h, const char *uid, const char *path, int full)
{
	char *data = NULL;
	size_t len = 0, i, lines = 0;
	int r = scq_job_read_file(h, uid, path, (size_t)1 << 20, &data, &len);
	printf("\n----- ");
	cli_put(stdout, path);
	printf(" -----\n");
	if (r) {
		printf("(");
		cli_put(stdout, scq_errmsg(h));
		printf(")\n");
		return;
	}
	if (memchr(data, '\0', len)) {
		printf("(binary file, %zu bytes, not shown)\n", len);
		free(data);
		return;
	}
	for (i = 0; i < len && (full || lines < 40) && (full || i < 8192); i++) {
		if (data[i] == '\n') {
			lines++;
			putchar('\n');
		} else {
			char *e = scq_escape_terminal(data + i, 1);
			if (data[i] & 0x80) { /* keep UTF-8 sequences together */
				size_t k = 1;
				while (i + k < len && ((unsigned char)data[i + k] & 0xc0) == 0x80)
					k++;
				free(e);
				e = scq_escape_terminal(data + i, k);
				i += k - 1;
			}
			fputs(e, stdout);
			free(e);
		}
	}
	if (i < len)
		printf("... (%zu more bytes; scq review shows the first 40 lines of other files)\n", len - i);
	if (len && data[len - 1] != '\n')
		printf("\n");
	free(data);
}

int cmd_review(int argc, char **argv)
{
	struct list_args a;
	scq *h;
	scq_job *j = NULL;
	char *uid, *files = NULL;
	int r = parse(argc, argv, &a, 1, 0);
	if (r)
		return r;
	h = cli_open();
	uid = cli_resolve(h, a.id, SCQ_AS_OWNER, &r);
	if (uid)
		r = scq_find(h, uid, SCQ_AS_OWNER, &j) || scq_job_files(h, uid, &files) ? cli_fail(h, SCQ_ENOTFOUND) : 0;
	if (uid && !r && a.json) {
		char *js = scq_job_to_json(j);
		printf("{\"job\":%s,\"files\":%s}\n", js, files);
		free(js);
	} else if (uid && !r) {
		json_t *fl = json_loads(files, 0, NULL), *e;
		size_t i;
		show_human(j);
		printf("\nFiles (path, size, mode):\n");
		json_array_foreach(fl, i, e) {
			printf("  ");
			cli_put(stdout, json_string_value(json_object_get(e, "path")));
			printf("  %lld bytes  %s\n", (long long)json_integer_value(json_object_get(e, "size")),
			       json_string_value(json_object_get(e, "mode")));
		}
		print_file(h, uid, "run.sh", 1);
		json_array_foreach(fl, i, e) {
			const char *path = json_string_value(json_object_get(e, "path"));
			if (strcmp(path, "run.sh"))
				print_file(h, uid, path, 0);
		}
		json_decref(fl);
		printf("\nApprove: scq approve %.8s [-r REASON]    Reject: scq reject %.8s -r REASON\n", uid, uid);
	}
	free(files);
	free(uid);
	scq_job_free(j);
	scq_close(h);
	return r;
}
