/*
 * cmd-sites.c - scq datasites and scq ping: what the other datasites
 * publish for requesters, as synced to this machine.  Every string from
 * the documents is another datasite's bytes and shown escaped.
 */
#include "cli.h"

/* "a, b, c" of an array of names, or "-" */
static void put_names(const scq_value *a)
{
	size_t i, n = scq_value_size(a);
	if (!n)
		printf("-");
	for (i = 0; i < n; i++) {
		if (i)
			printf(", ");
		cli_put(stdout, scq_value_string(scq_value_at(a, i, NULL)));
	}
}

static void put_runner(const scq_value *r)
{
	const char *st = scq_value_string(scq_value_get(r, "state"));
	long long age = scq_value_int(scq_value_get(r, "age_seconds"));
	if (!strcmp(st, "alive") || !strcmp(st, "stale"))
		printf("%s (%lld s ago)", st, age);
	else
		printf("%s", st);
}

static void notices(const scq_value *v)
{
	const scq_value *n = scq_value_get(v, "notices");
	size_t i;
	for (i = 0; i < scq_value_size(n); i++) {
		fprintf(stderr, "notice: ");
		cli_put_msg(stderr, scq_value_string(scq_value_at(n, i, NULL)),
			    strlen(scq_value_string(scq_value_at(n, i, NULL))));
		fprintf(stderr, "\n");
	}
}

int cmd_datasites(int argc, char **argv)
{
	scq *h;
	scq_value *v;
	const scq_value *sites;
	char *js = NULL;
	int r, json = argc == 2 && !strcmp(argv[1], "--json");
	size_t i;
	if (argc != 1 && !json)
		return cli_usage_error("expected: datasites [--json]");
	h = cli_open();
	if ((r = scq_datasites(h, &js))) {
		r = cli_fail(h, r);
		scq_close(h);
		return r;
	}
	v = scq_value_parse(js, 0);
	if (json) {
		cli_print_json(js);
		js = NULL;
	} else {
		sites = scq_value_get(v, "datasites");
		printf("Datasites running syft-code-queue (as synced here): %zu\n",
		       scq_value_size(sites));
		for (i = 0; i < scq_value_size(sites); i++) {
			const scq_value *s = scq_value_at(sites, i, NULL);
			const char *def = scq_value_string(scq_value_get(s, "default_runtime"));
			printf("\n");
			cli_put(stdout, scq_value_string(scq_value_get(s, "email")));
			printf("%s\n  runner:   ", scq_value_is_true(scq_value_get(s, "is_me")) ?
			       " (me)" : "");
			put_runner(scq_value_get(s, "runner"));
			printf("\n  runtimes: ");
			put_names(scq_value_get(s, "runtimes"));
			if (def) {
				printf(" (default ");
				cli_put(stdout, def);
				printf(")");
			}
			printf("\n  datasets: ");
			put_names(scq_value_get(s, "datasets"));
			printf("\n");
		}
		if (scq_value_int(scq_value_get(v, "cut")))
			printf("(%lld more not listed)\n", scq_value_int(scq_value_get(v, "cut")));
	}
	notices(v);
	scq_value_free(v);
	free(js);
	scq_close(h);
	return 0;
}

/* Exit 0 only when the runner is alive. */
int cmd_ping(int argc, char **argv)
{
	scq *h;
	scq_value *v;
	const scq_value *sig;
	const char *st, *ss, *d;
	char *js = NULL;
	int r, json = argc == 3 && !strcmp(argv[2], "--json");
	if ((argc != 2 && !json) || argv[1][0] == '-')
		return cli_usage_error("expected: ping OWNER [--json]");
	h = cli_open();
	if ((r = scq_ping(h, argv[1], &js))) {
		r = cli_fail(h, r);
		scq_close(h);
		return r;
	}
	v = scq_value_parse(js, 0);
	st = scq_value_string(scq_value_get(v, "state"));
	sig = scq_value_get(v, "signature");
	ss = scq_value_string(scq_value_get(sig, "state"));
	if (json) {
		printf("%s\n", js);
	} else {
		cli_put(stdout, scq_value_string(scq_value_get(v, "owner")));
		printf(": %s\n  ", !strcmp(st, "bad-signature") ? "BAD SIGNATURE" : st);
		d = scq_value_string(scq_value_get(v, "detail"));
		cli_put_msg(stdout, d, strlen(d));
		printf("\n");
		if (ss && strcmp(st, "bad-signature")) {
			printf("  heartbeat signature: %s", !strcmp(ss, "verified") ? "verified" :
			       !strcmp(ss, "unsigned") ? "unsigned (the owner has no key)" :
			       "CANNOT BE CHECKED");
			d = scq_value_string(scq_value_get(sig, "detail"));
			if (d && strcmp(ss, "unsigned")) {
				printf(": ");
				cli_put_msg(stdout, d, strlen(d));
			}
			printf("\n");
		}
	}
	r = strcmp(st, "alive") ? EXIT_FAIL : 0;
	scq_value_free(v);
	free(js);
	scq_close(h);
	return r;
}
