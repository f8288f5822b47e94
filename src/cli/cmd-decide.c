/*
 * cmd-decide.c - scq approve, reject, cancel (release: cmd-release.c).
 */
#include "cli.h"
#include <getopt.h>

/* What a cancel did: at once (pending, approved) or asked of whoever runs
 * the job (the owner's runner; the owner's scq for a requester). */
static void print_cancelled(scq *h, const char *uid)
{
	scq_job *j = NULL;
	int st = scq_find(h, uid, SCQ_AS_ANY, &j) ? -1 : scq_job_status(j);
	if (st == SCQ_CANCELLED)
		printf("cancelled %s\n", uid);
	else if (j && scq_job_requester(j) && scq_job_target(j) &&
		 !strcmp(scq_job_requester(j), scq_email(h)) && strcmp(scq_job_target(j), scq_email(h)))
		printf("cancel requested for %s: the data owner's scq cancels it when it next "
		       "reads its inbox\n", uid);
	else
		printf("cancel requested for %s: the runner stops it\n", uid);
	scq_job_free(j);
}

static int decide(int argc, char **argv, int kind)
{
	static const struct option opts[] = { { "reason", 1, 0, 'r' }, { "allow-network", 0, 0, 'N' },
					      { 0, 0, 0, 0 } };
	const char *reason = NULL;
	unsigned flags = 0;
	char *uid;
	scq *h;
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (c == 'r')
			reason = optarg;
		else if (c == 'N' && kind == 'a')
			flags |= SCQ_ALLOW_NETWORK;
		else
			return cli_usage_error("unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("expected one job ID");
	if (kind == 'r' && (!reason || !*reason))
		return cli_usage_error("a reason is required: -r REASON");
	h = cli_open();
	uid = kind == 'c' ? cli_resolve(h, argv[optind], SCQ_AS_ANY, &r) :
	      cli_resolve_owner(h, argv[optind], kind == 'a' ? "approve" : "reject", &r);
	if (uid) {
		r = kind == 'a' ? scq_approve(h, uid, reason, flags) :
		    kind == 'r' ? scq_reject(h, uid, reason) : scq_cancel(h, uid);
		if (r)
			r = cli_fail(h, r);
		else if (kind == 'c')
			print_cancelled(h, uid);
		else
			printf("%s %s\n", kind == 'a' ? "approved" : "rejected", uid);
	}
	free(uid);
	scq_close(h);
	return r;
}

int cmd_approve(int argc, char **argv)
{
	return decide(argc, argv, 'a');
}

int cmd_reject(int argc, char **argv)
{
	return decide(argc, argv, 'r');
}

int cmd_cancel(int argc, char **argv)
{
	return decide(argc, argv, 'c');
}
