/*
 * cmd-try.c - scq datasets OWNER (what an owner publishes for jobs: mock
 * data, its schema, the limits of a run) and scq try FOLDER --to OWNER (a
 * dry run on that mock data, on my machine, as the owner's runner would
 * run it).  Everything shown of the owner's datasite is the owner's bytes:
 * shown with markers (cli_put).
 */
#include "cli.h"
#include <getopt.h>

static void print_dataset(const scq_value *d)
{
	const scq_value *schema = scq_value_get(d, "schema");
	size_t i, c;
	printf("\n");
	cli_put(stdout, scq_value_string(scq_value_get(d, "name")));
	printf(": ");
	cli_put(stdout, scq_value_string(scq_value_get(d, "description")));
	if (scq_value_int(scq_value_get(d, "description_cut")))
		printf(" (%lld more bytes not shown)",
		       scq_value_int(scq_value_get(d, "description_cut")));
	printf("\n  mock at /data/");
	cli_put(stdout, scq_value_string(scq_value_get(d, "name")));
	printf(" (%zu files", scq_value_size(scq_value_get(d, "files")));
	if (scq_value_size(scq_value_get(d, "skipped")))
		printf(", %zu left out: SyftBox never syncs them",
		       scq_value_size(scq_value_get(d, "skipped")));
	printf(")\n");
	if (scq_value_string(scq_value_get(d, "error"))) {
		printf("  (no description yet: ");
		cli_put(stdout, scq_value_string(scq_value_get(d, "error")));
		printf(")\n");
	}
	for (i = 0; i < scq_value_size(schema); i++) {
		const scq_value *t = scq_value_at(schema, i, NULL), *cols = scq_value_get(t, "columns");
		printf("  ");
		cli_put(stdout, scq_value_string(scq_value_get(t, "path")));
		printf(" (%lld rows read%s):\n", scq_value_int(scq_value_get(t, "rows_scanned")),
		       scq_value_is_true(scq_value_get(t, "partial")) ? ", types from the first part" : "");
		for (c = 0; c < scq_value_size(cols); c++) {
			const scq_value *col = scq_value_at(cols, c, NULL);
			const char *type = scq_value_string(scq_value_get(col, "type"));
			/* the library keeps only its five types; escaped all the same */
			printf("    ");
			cli_put(stdout, type ? type : "?");
			printf("%*s ", (int)(6 - strlen(type ? type : "?")), "");
			cli_put(stdout, scq_value_string(scq_value_get(col, "name")));
			printf("\n");
		}
		if (scq_value_int(scq_value_get(t, "columns_cut")))
			printf("    (%lld more columns not described)\n",
			       scq_value_int(scq_value_get(t, "columns_cut")));
	}
	if (scq_value_int(scq_value_get(d, "schema_cut")))
		printf("  (%lld more tables not described)\n",
		       scq_value_int(scq_value_get(d, "schema_cut")));
	if (scq_value_int(scq_value_get(d, "dropped")))
		printf("  (%lld entries of its dataset.json refused: not of the published form)\n",
		       scq_value_int(scq_value_get(d, "dropped")));
}

/* The entries of the owner's limits.json a try does not apply. */
static void print_refused(const scq_value *refused, long long more)
{
	size_t i;
	if (!scq_value_size(refused) && !more)
		return;
	printf("Refused in the owner's limits.json (not a known limit, or not a valid value; "
	       "a try uses the default):");
	for (i = 0; i < scq_value_size(refused); i++) {
		printf(" ");
		cli_put(stdout, scq_value_string(scq_value_at(refused, i, NULL)));
	}
	if (more)
		printf(" (and %lld more)", more);
	printf("\n");
}

int cmd_datasets(int argc, char **argv)
{
	scq *h;
	scq_value *v;
	char *js = NULL;
	int r, json = argc == 3 && !strcmp(argv[2], "--json");
	size_t i;
	if (argc != 2 && !json)
		return cli_usage_error("expected: datasets OWNER [--json]");
	h = cli_open();
	r = scq_datasets_of(h, argv[1], &js);
	if (r) {
		r = cli_fail(h, r);
		scq_close(h);
		return r;
	}
	if (json) {
		cli_print_json(js);
		scq_close(h);
		return 0;
	}
	v = scq_value_parse(js, 0);
	printf("Datasets of ");
	cli_put(stdout, scq_value_string(scq_value_get(v, "owner")));
	printf(" with mock data: %zu\n", scq_value_size(scq_value_get(v, "datasets")));
	for (i = 0; i < scq_value_size(scq_value_get(v, "datasets")); i++)
		print_dataset(scq_value_at(scq_value_get(v, "datasets"), i, NULL));
	if (scq_value_int(scq_value_get(v, "cut")))
		printf("(%lld more datasets not listed)\n", scq_value_int(scq_value_get(v, "cut")));
	if (scq_value_type(scq_value_get(v, "limits")) == SCQ_VALUE_OBJECT) {
		printf("\nLimits of a run (scq try applies them):\n");
		cli_print_object(scq_value_get(v, "limits"), 2);
	} else {
		printf("\nNo limits published yet: scq try uses the defaults.\n");
	}
	print_refused(scq_value_get(v, "limits_refused"),
		      scq_value_int(scq_value_get(v, "limits_refused_cut")));
	scq_value_free(v);
	free(js);
	scq_close(h);
	return 0;
}

static void print_flags(const scq_value *flags)
{
	const scq_value *list = scq_value_get(flags, "flags");
	size_t i;
	printf("\nOutput checks (as the owner's): %lld fail, %lld review\n",
	       scq_value_int(scq_value_get(flags, "fail")),
	       scq_value_int(scq_value_get(flags, "review")));
	for (i = 0; i < scq_value_size(list); i++) {
		const scq_value *f = scq_value_at(list, i, NULL);
		printf("  %-7s", !strcmp(scq_value_string(scq_value_get(f, "severity")), "fail") ?
		       "FAIL" : "REVIEW");
		cli_put(stdout, scq_value_string(scq_value_get(f, "file")));
		printf("  row %lld, column %lld  %-14s ", scq_value_int(scq_value_get(f, "row")),
		       scq_value_int(scq_value_get(f, "column")),
		       scq_value_string(scq_value_get(f, "rule")));
		cli_put(stdout, scq_value_string(scq_value_get(f, "message")));
		printf("\n");
	}
}

/* The log, the outputs and the flags, as a real run shows them. */
static int show(const char *js)
{
	scq_value *v = scq_value_parse(js, 0);
	const scq_value *outs = scq_value_get(v, "outputs");
	const char *dir = scq_value_string(scq_value_get(v, "out_dir"));
	const char *status = scq_value_string(scq_value_get(v, "status"));
	char *log = NULL, *path = NULL;
	size_t len = 0, i;
	FILE *f;
	if (asprintf(&path, "%s/execution.log", dir) > 0 && (f = fopen(path, "rb"))) {
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			char *grown = realloc(log, len + n);
			if (!grown)
				break;
			log = grown;
			memcpy(log + len, chunk, n);
			len += n;
		}
		fclose(f);
	}
	if (scq_value_string(scq_value_get(v, "requirements"))) {
		const char *req = scq_value_string(scq_value_get(v, "requirements"));
		cli_put_text(stdout, req, strlen(req));
		printf("\n");
	}
	cli_put_text(stdout, log ? log : "", len);
	printf("\nOutputs (%zu):\n", scq_value_size(outs));
	for (i = 0; i < scq_value_size(outs); i++) {
		const scq_value *o = scq_value_at(outs, i, NULL);
		printf("  ");
		cli_put(stdout, scq_value_string(scq_value_get(o, "path")));
		printf("  %lld bytes\n", scq_value_int(scq_value_get(o, "size")));
	}
	if (scq_value_type(scq_value_get(v, "flags")) == SCQ_VALUE_OBJECT)
		print_flags(scq_value_get(v, "flags"));
	printf("\nTry %s (limits: %s; mock data:%s", status ? status : "?",
	       scq_value_string(scq_value_get(v, "limits")),
	       scq_value_size(scq_value_get(v, "datasets")) ? "" : " none");
	for (i = 0; i < scq_value_size(scq_value_get(v, "datasets")); i++) {
		printf(" /data/");
		cli_put(stdout, scq_value_string(scq_value_at(scq_value_get(v, "datasets"), i, NULL)));
	}
	printf(")\n");
	print_refused(scq_value_get(v, "limits_refused"), 0);
	for (i = 0; i < scq_value_size(scq_value_get(v, "datasets_left_out")); i++) {
		printf("Left out: mock ");
		cli_put(stdout, scq_value_string(scq_value_at(scq_value_get(v, "datasets_left_out"),
							      i, NULL)));
		printf(" (not a synced folder yet, or not a dataset name)\n");
	}
	printf("Results in ");
	cli_put(stdout, dir);
	printf("\n");
	i = status && !strcmp(status, "completed") ? 0 : EXIT_FAIL;
	free(log);
	free(path);
	scq_value_free(v);
	return (int)i;
}

/* --json: the report as it is, and the exit status show gives. */
static int print_report(const char *js)
{
	scq_value *v = scq_value_parse(js, 0);
	const char *status = scq_value_string(scq_value_get(v, "status"));
	int r = status && !strcmp(status, "completed") ? 0 : EXIT_FAIL;
	printf("%s\n", js);
	scq_value_free(v);
	return r;
}

int cmd_try(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", 1, 0, 't' }, { "out", 1, 0, 'o' }, { "name", 1, 0, 'n' },
		{ "json", 0, 0, 'j' }, { 0, 0, 0, 0 } };
	struct scq_try_options o = { NULL, NULL, NULL, NULL };
	char *js = NULL;
	int c, json = 0, r;
	scq *h;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:o:n:", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.owner = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'n': o.name = optarg; break;
		case 'j': json = 1; break;
		case ':': return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1 || !o.owner)
		return cli_usage_error("expected: try FOLDER --to OWNER [--out DIR] [--json]");
	o.folder = argv[optind];
	h = cli_open();
	r = scq_try(h, &o, &js);
	if (r)
		r = cli_fail(h, r);
	else if (json)
		r = print_report(js);
	else
		r = show(js);
	free(js);
	scq_close(h);
	return r;
}
