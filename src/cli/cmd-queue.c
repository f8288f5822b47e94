/*
 * cmd-queue.c - scq pending, list, jobs, show: reading the queue.
 * scq pending also lists the jobs other owners share with me for my vote
 * as their delegated reviewer (--owner OWNER: only those of OWNER).
 */
#include "cli.h"
#include <getopt.h>

struct list_args {
	int json, status, held;
	const char *id, *owner;
};

static int parse(int argc, char **argv, struct list_args *a, int want_id, int allow_status)
{
	static const struct option opts[] = { { "json", 0, 0, 'j' }, { "status", 1, 0, 's' },
		{ "held", 0, 0, 'H' }, { "owner", 1, 0, 'O' }, { 0, 0, 0, 0 } };
	int c;
	a->json = a->held = 0;
	a->status = -1;
	a->id = a->owner = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c == 'j')
			a->json = 1;
		else if (c == 'O' && want_id < 0)
			a->owner = optarg;
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
	if (want_id > 0 && optind != argc - 1)
		return cli_usage_error("expected one job ID");
	if (want_id <= 0 && optind != argc)
		return cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (want_id > 0)
		a->id = argv[optind];
	return 0;
}

struct printer {
	int json, role, only_held;
	unsigned long n, held, bad;
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
		p->bad += cli_table_row(j, p->role);
	}
	p->n++;
	return 0;
}

static int count_job(const scq_job *j, void *ctx)
{
	(void)j;
	++*(unsigned long *)ctx;
	return 0;
}

/* Nothing matched: say so truly, with how many jobs there are at all. */
static void print_none(scq *h, int role, int status, int forced, const char *empty)
{
	unsigned long total = 0;
	if (forced || status < 0 || scq_list_each(h, role, -1, count_job, &total) || !total)
		printf("%s\n", empty);
	else
		printf("No jobs with status %s (%lu job%s %s you in total).\n", scq_status_name(status),
		       total, total == 1 ? "" : "s", role == SCQ_AS_OWNER ? "submitted to" : "submitted by");
}

/* The copies shared with me for review (owner NULL: by anyone); with
 * owner, the whole answer (said when empty), else a section after my
 * own pending jobs when there are any. */
static int list_review(scq *h, const char *owner, int json)
{
	scq_job_list *l = NULL;
	size_t i;
	int r = scq_review_list(h, owner, &l);
	if (r == 0 && json) {
		cli_print_json(scq_job_list_to_json(l));
	} else if (r == 0 && scq_job_list_count(l)) {
		printf("%sShared with you for review (vote: scq approve ID --owner OWNER; read: "
		       "scq review ID --owner OWNER):\n", owner ? "" : "\n");
		cli_table_header(CLI_AS_REVIEWER);
		for (i = 0; i < scq_job_list_count(l); i++)
			cli_table_row(scq_job_list_at(l, i), CLI_AS_REVIEWER);
	} else if (r == 0 && owner) {
		printf("No jobs of %s are shared with you for review.\n", owner);
	}
	scq_job_list_free(l);
	return r;
}

static int list_common(int argc, char **argv, int role, int force_status, const char *empty)
{
	struct list_args a;
	struct printer p = { 0, role, 0, 0, 0, 0 };
	scq *h;
	int r = parse(argc, argv, &a, force_status == SCQ_PENDING ? -1 : 0, force_status < 0);
	if (r)
		return r;
	if (a.owner) {
		h = cli_open();
		r = list_review(h, a.owner, a.json);
		cli_print_ingest_notices(h);
		r = r ? cli_fail(h, r) : 0;
		scq_close(h);
		return r;
	}
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
		print_none(h, role, a.status, force_status >= 0, empty);
	else if (!r && p.held)
		printf("\n(held): %s\n", role == SCQ_AS_OWNER ?
		       "log and outputs wait for your review (scq logs ID, scq output ID), then scq release "
		       "ID [--file PATH...], scq withhold ID or scq return ID, with -r REASON" :
		       "the owner holds the log and outputs for review; they arrive once released");
	if (!r && p.bad)
		printf("\n(BAD SIGNATURE): the owner's signature does not verify this status: it was "
		       "changed on the way; do not trust it (scq show ID)\n");
	if (!r && !p.json && force_status == SCQ_PENDING)
		r = list_review(h, NULL, 0);
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

/* The description keeps its lines, each under the value column. */
static void show_description(const char *d, int width)
{
	const char *nl;
	printf("%s:%*s", "Description", width - 11 + 2, "");
	while ((nl = strchr(d, '\n'))) {
		cli_put_text(stdout, d, (size_t)(nl - d) + 1);
		printf("%*s", width + 3, "");
		d = nl + 1;
	}
	cli_put_text(stdout, d, strlen(d));
	printf("\n");
}

/* The run record without what the job object shows already. */
static void trim_run(scq_value *o)
{
	static const char *const dup[] = { "completed_at", "started_at", "error_kind",
		"error_message", "exit_code" };
	scq_value *run = (scq_value *)scq_value_get(o, "run");
	scq_value *out = (scq_value *)scq_value_get(run, "output");
	size_t i;
	if (scq_value_type(run) != SCQ_VALUE_OBJECT)
		return;
	for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++)
		scq_value_remove(run, dup[i]);
	if (scq_value_equal(scq_value_get(run, "run_error_kind"), scq_value_get(o, "error_kind")))
		scq_value_remove(run, "run_error_kind");
	if (scq_value_equal(scq_value_get(run, "run_error_message"),
			    scq_value_get(o, "error_message")))
		scq_value_remove(run, "run_error_message");
	scq_value_remove(out, "not_copied_from_sandbox"); /* always 0: kept for old readers */
}

/* A requester's job: did its owner sign the status it came from? */
static void show_signature(const scq_value *s)
{
	const char *st = scq_value_string(scq_value_get(s, "state"));
	const char *fpr = scq_value_string(scq_value_get(s, "key_fingerprint"));
	const char *d = scq_value_string(scq_value_get(s, "detail"));
	if (!st)
		return;
	if (!strcmp(st, "verified"))
		printf("%-14s verified (the owner's key %s)", "Owner-signed:", fpr ? fpr : "?");
	else if (!strcmp(st, "unsigned"))
		printf("%-14s unsigned (this status cannot be told from one the sync server "
		       "wrote)", "Owner-signed:");
	else if (!strcmp(st, "bad"))
		printf("%-14s BAD SIGNATURE: do not trust this status", "Owner-signed:");
	else
		printf("%-14s cannot be checked", "Owner-signed:");
	if (d && strcmp(st, "unsigned")) {
		printf("\n%-14s ", "");
		cli_put_msg(stdout, d, strlen(d));
	}
	printf("\n");
}

void cli_show_job(const scq_job *j)
{
	static const char *const f[][2] = {
		{ "ID", "uid" }, { "Name", "name" }, { "Status", "status" }, { "From", "requester_email" },
		{ "To", "target_email" }, { "Description", "description" }, { "Tags", "tags" },
		{ "Created", "created_at" }, { "Submitted", "submitted_at" },
		{ "Approved", "approved_at" }, { "Approved by", "approved_by" },
		{ "Decided by", "decided_by" }, { "Started", "started_at" },
		{ "Slurm job", "slurm_job_id" }, { "Slurm node", "slurm_node" },
		{ "Completed", "completed_at" }, { "Exit code", "exit_code" },
		{ "Error kind", "error_kind" }, { "Error", "error_message" }, { "Reason", "reason" },
		{ "Code SHA-256", "code_sha256" }, { "Approval wait", "timeout_seconds" },
		{ "Network", "allow_network" }, { "Results held", "results_held" }, { "Run", "run" } };
	/* a copy of the job's object, to take away what has been shown */
	char *js = scq_job_to_json(j);
	scq_value *o = scq_value_parse(js, 0);
	const scq_value *v;
	const char *k;
	size_t i;
	int ran;
	cli_output_notes(stdout, o); /* what of the outputs was cut or left out */
	/* a decision's reason is its error message too: say it once */
	if (scq_value_equal(scq_value_get(o, "error_message"), scq_value_get(o, "reason")))
		scq_value_remove(o, "error_message");
	trim_run(o);
	ran = scq_value_type(scq_value_get(o, "started_at")) == SCQ_VALUE_STRING;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		int t;
		v = scq_value_get(o, f[i][1]);
		t = scq_value_type(v);
		if (!strcmp(f[i][1], "status") && scq_job_results_held(j))
			printf("%-14s %s, awaiting release (log and outputs held for the data "
			       "owner's review)\n", "Status:", scq_status_name(scq_job_status(j)));
		else if (!strcmp(f[i][1], "results_held") && scq_job_status(j) < SCQ_COMPLETED)
			; /* only a finished run's results are held or not: none yet */
		else if (t == SCQ_VALUE_STRING && !strcmp(f[i][1], "description"))
			show_description(scq_value_string(v), 12);
		else if (t == SCQ_VALUE_INT && !strcmp(f[i][1], "timeout_seconds"))
			printf("%-14s %lld s (how long it may wait for a decision)\n", "Approval wait:",
			       scq_value_int(v));
		else if (t != SCQ_VALUE_NULL)
			/* a job that never ran (rejected, timed out, cancelled
			 * while waiting) ended; it did not complete */
			cli_print_field(!strcmp(f[i][1], "completed_at") && !ran ? "Ended" :
					f[i][0], 12, v, 0);
		if (!strcmp(f[i][1], "status"))
			show_signature(scq_value_get(o, "status_signature"));
		scq_value_remove(o, f[i][1]);
	}
	scq_value_remove(o, "status_signature");
	cli_show_release(o); /* which files were released, which withheld, why */
	scq_value_remove(o, "release_decision");
	scq_value_remove(o, "release_state");
	/* whatever else the job object carries, under its own key */
	scq_value_remove(o, "logs");
	scq_value_remove(o, "updated_at");
	for (i = 0; (v = scq_value_at(o, i, &k)); i++)
		if (scq_value_type(v) != SCQ_VALUE_NULL) {
			char *e = scq_escape_terminal(k, strlen(k));
			cli_print_field(e, 12, v, 0);
			free(e);
		}
	scq_value_free(o);
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
	else {
		cli_show_job(j);
		cli_show_context(h, j);
	}
	scq_job_free(j);
	scq_close(h);
	return r;
}
