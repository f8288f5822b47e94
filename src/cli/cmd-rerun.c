/*
 * cmd-rerun.c - scq rerun: the owner runs an approved, finished job again
 * as a new job of the same code (scq_rerun; doc/protocol.md §5).
 */
#include "cli.h"
#include <getopt.h>

int cmd_rerun(int argc, char **argv)
{
	static const struct option opts[] = { { "reason", 1, 0, 'r' }, { 0, 0, 0, 0 } };
	const char *reason = NULL;
	char *uid, *nu = NULL;
	scq *h;
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (c == 'r')
			reason = optarg;
		else
			return cli_usage_error("unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("expected one job ID");
	h = cli_open();
	uid = cli_resolve_owner(h, argv[optind], "rerun", &r);
	if (uid) {
		r = scq_rerun(h, uid, reason, &nu);
		if (r)
			r = cli_fail(h, r);
		else
			printf("rerun of %s approved as job %s: the runner runs it next\n", uid, nu);
	}
	free(nu);
	free(uid);
	scq_close(h);
	return r;
}
