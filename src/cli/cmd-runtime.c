/*
 * cmd-runtime.c - scq runtime (the owner's runtimes: add, remove, list,
 * publish) and scq runtimes OWNER (what an owner publishes, for the
 * requester before submitting).
 */
#include "cli.h"

static int finish(scq *h, int r)
{
	if (r)
		r = cli_fail(h, r);
	scq_close(h);
	return r;
}

static int take_flag(int *argc, char **argv, const char *flag)
{
	int i, found = 0, j = 0;
	for (i = 0; i < *argc; i++)
		if (i > 0 && !strcmp(argv[i], flag))
			found = 1;
		else
			argv[j++] = argv[i];
	argv[j] = NULL;
	*argc = j;
	return found;
}

static void list_mine(const char *js)
{
	scq_value *o = scq_value_parse(js, 0);
	const char *name;
	size_t i;
	if (!scq_value_size(o))
		printf("No runtimes (scq runtime add NAME PATH); jobs see the sandbox's /usr.\n");
	for (i = 0; i < scq_value_size(o); i++) {
		const scq_value *v = scq_value_at(o, i, &name);
		printf("%-16s ", name); /* a runtime name is [a-z0-9] */
		cli_put(stdout, scq_value_string(scq_value_get(v, "path")));
		printf("%s\n", scq_value_is_true(scq_value_get(v, "default")) ? "  (default)" : "");
	}
	scq_value_free(o);
}

int cmd_runtime(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r, json = take_flag(&argc, argv, "--json");
	const char *sub = argc > 1 ? argv[1] : "";
	if ((!strcmp(sub, "add") && argc != 4) || (!strcmp(sub, "remove") && argc != 3) ||
	    ((!strcmp(sub, "list") || !strcmp(sub, "publish")) && argc != 2) ||
	    (strcmp(sub, "add") && strcmp(sub, "remove") && strcmp(sub, "list") &&
	     strcmp(sub, "publish")) || (json && strcmp(sub, "list")))
		return cli_usage_error("expected: runtime add NAME PATH | runtime remove NAME | "
				       "runtime list [--json] | runtime publish");
	h = cli_open();
	if (!strcmp(sub, "add"))
		r = scq_runtime_add(h, argv[2], argv[3]);
	else if (!strcmp(sub, "remove"))
		r = scq_runtime_remove(h, argv[2]);
	else if (!strcmp(sub, "publish"))
		r = scq_runtime_publish(h);
	else if (!(r = scq_runtime_list(h, &js)) && json)
		printf("%s\n", js);
	else if (!r)
		list_mine(js);
	free(js);
	return finish(h, r);
}

/* Everything in the document passed the library's strict forms (names,
 * versions: printable ASCII); the owner's e-mail is shown escaped. */
static void show_published(const char *js, int all)
{
	scq_value *o = scq_value_parse(js, 0);
	const scq_value *rts = scq_value_get(o, "runtimes");
	const char *def = scq_value_string(scq_value_get(o, "default")), *name, *pkg;
	size_t i, k, n;
	printf("Runtimes of ");
	cli_put(stdout, scq_value_string(scq_value_get(o, "owner")));
	printf(" (default: %s)\n", def ? def : "none");
	for (i = 0; i < scq_value_size(rts); i++) {
		const scq_value *rt = scq_value_at(rts, i, &name), *pk = scq_value_get(rt, "packages");
		const char *py = scq_value_string(scq_value_get(scq_value_get(rt, "interpreter"),
								"python"));
		n = scq_value_size(pk);
		printf("\n%s: python %s, %zu package(s)%s\n", name, py ? py : "unknown", n,
		       scq_value_get(rt, "cut") ? " (the owner's list was cut)" : "");
		for (k = 0; k < n && (all || k < 40); k++) {
			const scq_value *v = scq_value_at(pk, k, &pkg);
			printf("  %-32s %s\n", pkg, scq_value_string(v));
		}
		if (k < n)
			printf("  ... %zu more (--all)\n", n - k);
	}
	if (!scq_value_size(rts))
		printf("(none published)\n");
	if (scq_value_int(scq_value_get(o, "dropped")))
		printf("\n%lld entr(ies) of the published file were unreadable and left out\n",
		       scq_value_int(scq_value_get(o, "dropped")));
	scq_value_free(o);
}

int cmd_runtimes(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r, json = take_flag(&argc, argv, "--json"), all = take_flag(&argc, argv, "--all");
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("expected: runtimes OWNER [--json | --all]");
	h = cli_open();
	r = scq_runtimes_of(h, argv[1], &js);
	if (!r && json)
		printf("%s\n", js);
	else if (!r)
		show_published(js, all);
	free(js);
	return finish(h, r);
}
