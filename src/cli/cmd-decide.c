/*
 * cmd-decide.c - scq approve, reject, cancel.
 */
#include "cli.h"
#include <getopt.h>

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
	uid = cli_resolve(h, argv[optind], kind == 'c' ? SCQ_AS_ANY : SCQ_AS_OWNER, &r);
	if (uid) {
		r = kind == 'a' ? scq_approve(h, uid, reason, flags) :
		    kind == 'r' ? scq_reject(h, uid, reason) :
		    kind == 'l' ? scq_release(h, uid) : scq_cancel(h, uid);
		if (r)
			r = cli_fail(h, r);
		else
			printf("%s %s\n", kind == 'a' ? "approved" : kind == 'r' ? "rejected" :
			       kind == 'l' ? "released results of" : "cancel requested for", uid);
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

int cmd_release(int argc, char **argv)
{
	return decide(argc, argv, 'l');
}
