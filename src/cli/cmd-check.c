/*
 * cmd-check.c - scq review-output (the owner's output checks of a finished
 * job) and scq export --acro (an ACRO results.json for SACRO-Viewer).
 *
 * The flags come from the library (scq_output_check); this file only shows
 * them.  A file name is the job's choice and is shown with markers
 * (cli_put: one line, "Showing submitter text" in doc/protocol.md); the
 * messages are the library's own words and carry no byte of an output, so
 * the view shows no cell value: the owner reads the cells themselves with
 * `scq output`.
 */
#include "cli.h"
#include <getopt.h>

/* "row 3, column 2", "column 2", "line 4", "whole file". */
static void print_where(const char *kind, long long row, long long col)
{
	char where[64];
	if (row > 0 && col > 0)
		snprintf(where, sizeof(where), "row %lld, column %lld", row, col);
	else if (row > 0)
		snprintf(where, sizeof(where), "%s %lld", kind && !strcmp(kind, "table") ? "row" :
			 "line", row);
	else if (col > 0)
		snprintf(where, sizeof(where), "column %lld", col);
	else
		snprintf(where, sizeof(where), "whole file");
	printf("  %-22s", where);
}

static const char *kind_of(const scq_value *files, const char *path)
{
	size_t i;
	for (i = 0; i < scq_value_size(files); i++) {
		const scq_value *f = scq_value_at(files, i, NULL);
		const char *p = scq_value_string(scq_value_get(f, "path"));
		if (p && !strcmp(p, path))
			return scq_value_string(scq_value_get(f, "kind"));
	}
	return NULL;
}

static void print_files(const scq_value *files)
{
	size_t i;
	printf("Files (path, bytes, type, kind, rows x columns, flags):\n");
	for (i = 0; i < scq_value_size(files); i++) {
		const scq_value *f = scq_value_at(files, i, NULL);
		const char *type = scq_value_string(scq_value_get(f, "type"));
		printf("  ");
		cli_put(stdout, scq_value_string(scq_value_get(f, "path")));
		printf("  %lld  %s  %s", scq_value_int(scq_value_get(f, "size")),
		       type && *type ? type : "(none)", scq_value_string(scq_value_get(f, "kind")));
		if (scq_value_type(scq_value_get(f, "rows")) == SCQ_VALUE_INT)
			printf("  %lld x %lld", scq_value_int(scq_value_get(f, "rows")),
			       scq_value_int(scq_value_get(f, "columns")));
		printf("  %lld flag(s)%s\n", scq_value_int(scq_value_get(f, "flags")),
		       scq_value_is_true(scq_value_get(f, "cut")) ? "  (checked in part)" : "");
	}
}

static void print_flags(const scq_output_flags *fl, const scq_value *files)
{
	struct scq_output_flag f;
	size_t i;
	for (i = 0; scq_output_flags_at(fl, i, &f) == 0; i++) {
		printf("%-7s", !strcmp(f.severity, "fail") ? "FAIL" : "REVIEW");
		cli_put(stdout, f.file);
		print_where(kind_of(files, f.file), f.row, f.column);
		printf("%-14s ", f.rule);
		cli_put(stdout, f.message);
		printf("\n");
	}
}

/* j: a job's outputs; NULL: the folder dir's (--dir) */
static int show(scq *h, const scq_job *j, const char *dir, int json)
{
	scq_output_flags *fl = NULL;
	scq_value *v = NULL;
	char *text = NULL;
	size_t n, fails;
	int r = j ? scq_output_check(h, scq_job_uid(j), SCQ_CHECK_DIFFERENCING, &fl) :
		scq_output_check_dir(h, dir, &fl);
	if (r)
		return cli_fail(h, r);
	text = scq_output_flags_json(fl);
	if (json) {
		cli_print_json(text);
		scq_output_flags_free(fl);
		return 0;
	}
	v = scq_value_parse(text, 0);
	n = scq_output_flags_count(fl);
	fails = scq_output_flags_fails(fl);
	if (j) {
		printf("Output checks of job %s (", scq_job_uid(j));
		cli_put(stdout, scq_job_name(j));
		printf(")");
	} else {
		printf("Output checks of ");
		cli_put(stdout, dir);
	}
	printf(": %zu fail, %zu review\n", fails, n - fails);
	print_files(scq_value_get(v, "files"));
	if (n) {
		printf("\nFlags (severity, file, where, rule, why):\n");
		print_flags(fl, scq_value_get(v, "files"));
	}
	if (scq_value_int(scq_value_get(v, "flags_dropped")))
		printf("(%lld more flags past the report's cap are not listed)\n",
		       scq_value_int(scq_value_get(v, "flags_dropped")));
	printf("\nFlags point at what to look at; they decide nothing.  Rows and columns count "
	       "from 1, the header is row 1.\n");
	if (j)
		printf("See the outputs: scq output %.8s --to DIR\n", scq_job_uid(j));
	scq_value_free(v);
	free(text);
	scq_output_flags_free(fl);
	return 0;
}

int cmd_review_output(int argc, char **argv)
{
	static const struct option opts[] = { { "json", 0, 0, 'j' }, { "dir", 1, 0, 'd' },
					      { 0, 0, 0, 0 } };
	const char *dir = NULL;
	scq_job *j = NULL;
	scq *h;
	int c, json = 0, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'd')
			dir = optarg;
		else
			return cli_usage_error("unknown option");
	}
	if (optind != argc - (dir ? 0 : 1))
		return cli_usage_error("expected one job ID, or --dir DIR");
	h = cli_open();
	if (dir)
		r = show(h, NULL, dir, json);
	else if ((j = cli_find_owner(h, argv[optind], "check the outputs of", &r)))
		r = show(h, j, NULL, json);
	scq_job_free(j);
	scq_close(h);
	return r;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = { { "acro", 1, 0, 'a' }, { 0, 0, 0, 0 } };
	const char *dir = NULL;
	char *uid;
	scq *h;
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'a')
			dir = optarg;
		else
			return cli_usage_error("unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("expected one job ID");
	if (!dir || !*dir)
		return cli_usage_error("say the format and the folder: --acro DIR");
	h = cli_open();
	uid = cli_resolve_owner(h, argv[optind], "export", &r);
	if (uid) {
		r = scq_export_acro(h, uid, dir) ? cli_fail(h, SCQ_EIO) : 0;
		if (!r) {
			printf("exported %s to ", uid);
			cli_put(stdout, dir);
			printf("/results.json (open the folder with SACRO-Viewer)\n");
		}
	}
	free(uid);
	scq_close(h);
	return r;
}
