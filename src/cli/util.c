/*
 * util.c - shared helpers of the scq command: opening the handle, errors,
 * escaping, tables.  Every string that came from a submitter is printed
 * through cli_put, which escapes control characters.
 */
#include "cli.h"
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

scq *cli_open(void)
{
	scq *h = NULL;
	if (scq_open(&h, &cli_opts) != 0) {
		fprintf(stderr, "scq: %s\n", scq_errmsg(h));
		scq_close(h);
		exit(EXIT_FAIL);
	}
	return h;
}

int cli_fail(scq *h, int code)
{
	char *m = scq_escape_terminal(scq_errmsg(h), strlen(scq_errmsg(h)));
	/* keep the candidate list of an ambiguous id on separate lines */
	char *p;
	while (code == SCQ_EAMBIGUOUS && (p = strstr(m, "\\n")))
		memmove(p + 1, p + 2, strlen(p + 2) + 1), *p = '\n';
	fprintf(stderr, "scq: %s\n", m);
	free(m);
	return code == 0 ? 0 : EXIT_FAIL;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "scq: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cli_current)
		fprintf(stderr, "\nusage: scq %s %s\n", cli_current->name, cli_current->usage);
	else
		fprintf(stderr, "\n");
	return EXIT_USAGE;
}

int cli_help(void)
{
	printf("usage: scq %s %s\n\n%s\n\nGlobal options: --email E, --data-dir D, --config FILE\n",
	       cli_current->name, cli_current->usage, cli_current->help);
	return 0;
}

int cli_wants_help(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

void cli_put(FILE *f, const char *s)
{
	char *e;
	if (!s)
		return;
	e = scq_escape_terminal(s, strlen(s));
	fputs(e, f);
	free(e);
}

char *cli_resolve(scq *h, const char *id, int role, int *rc)
{
	scq_job *j = NULL;
	char *uid;
	int r = scq_find(h, id, role, &j);
	if (r) {
		*rc = r == SCQ_EINVAL ? (cli_fail(h, r), EXIT_USAGE) : cli_fail(h, r);
		return NULL;
	}
	uid = strdup(scq_job_uid(j));
	scq_job_free(j);
	*rc = 0;
	return uid;
}

void cli_print_json(char *json)
{
	if (json)
		printf("%s\n", json);
	free(json);
}

int cli_color(void)
{
	return isatty(1) && !getenv("NO_COLOR");
}

void cli_print_ingest_notices(scq *h)
{
	const char *n = scq_notices(h);
	const char *line = n;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		fprintf(stderr, "scq: %.*s\n", (int)(nl ? nl - line : (long)strlen(line)), line);
		line = nl ? nl + 1 : NULL;
	}
}

static const char *status_color(int st)
{
	static const char *c[] = { "33", "36", "34", "32", "31", "31", "35", "90" };
	return st >= 0 && st < SCQ_STATUS_COUNT ? c[st] : "0";
}

/* Width-limited, escaped cell (display width ~ bytes for ASCII). */
static void cell(const char *s, int width)
{
	char *e = scq_escape_terminal(s ? s : "", strlen(s ? s : ""));
	int n = (int)strlen(e);
	if (n > width)
		printf("%.*s… ", width - 1, e);
	else
		printf("%-*s ", width, e);
	free(e);
}

static void tags_and_created(const scq_job *j, int tags)
{
	char *js = scq_job_to_json(j);
	json_t *o = json_loads(js, 0, NULL), *t;
	size_t i;
	if (!tags) {
		const char *c = json_string_value(json_object_get(o, "created_at"));
		printf("%-16.16s ", c ? c : "");
	}
	json_array_foreach(tags ? json_object_get(o, "tags") : NULL, i, t) {
		if (i)
			printf(", ");
		if (i == 3) {
			printf("...");
			break;
		}
		cli_put(stdout, json_string_value(t));
	}
	json_decref(o);
	free(js);
}

void cli_table_header(int role)
{
	printf("%-8s %-30s %-28s %-16s %-16s %s\n", "ID", "NAME",
	       role == SCQ_AS_OWNER ? "FROM" : "TO", "STATUS", "CREATED (UTC)", "TAGS");
}

void cli_table_row(const scq_job *j, int role)
{
	int st = scq_job_status(j);
	char label[32]; /* a status and whether its results wait for release */
	snprintf(label, sizeof(label), "%s%s", scq_status_name(st),
		 scq_job_results_held(j) ? " (held)" : "");
	printf("%.8s ", scq_job_uid(j));
	cell(scq_job_name(j), 30);
	cell(role == SCQ_AS_OWNER ? scq_job_requester(j) : scq_job_target(j), 28);
	if (cli_color())
		printf("\033[%sm%-16s\033[0m ", status_color(st), label);
	else
		printf("%-16s ", label);
	tags_and_created(j, 0);
	tags_and_created(j, 1);
	printf("\n");
}
