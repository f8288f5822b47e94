/*
 * util.c - shared helpers of the scq command: opening the handle, errors,
 * showing submitter text, tables.  Every string that came from a submitter
 * is printed through cli_put (one line) or cli_put_text (files, logs),
 * which show it as it is except for what would act on the terminal
 * (scq_escape_text; doc/protocol.md "Showing submitter text").  Markers
 * shown are counted, and cli_markers_notice says so once, on stderr.
 */
#include "cli.h"
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

static size_t markers_shown;
unsigned cli_refresh_flags;
int cli_no_refresh;

scq *cli_open(void)
{
	scq *h = NULL;
	int r;
	if (scq_open(&h, &cli_opts) != 0) {
		fputs("scq: ", stderr);
		cli_put_msg(stderr, scq_errmsg(h), strlen(scq_errmsg(h)));
		fputc('\n', stderr);
		scq_close(h);
		exit(EXIT_FAIL);
	}
	/* once per command: after its arguments were checked (a usage error
	 * stays one), before its first read */
	r = scq_refresh(h, cli_refresh_flags);
	cli_refresh_flags = 0;
	if (r) {
		cli_print_ingest_notices(h);
		cli_fail(h, r);
		scq_close(h);
		exit(EXIT_FAIL);
	}
	return h;
}

/* cli_fail with a message kept from an earlier call. */
static int fail_with(const char *m, int code)
{
	const char *nl;
	/* one line, but keep the candidate list of an ambiguous id on lines */
	fputs("scq: ", stderr);
	while (code == SCQ_EAMBIGUOUS && (nl = strchr(m, '\n'))) {
		cli_put_msg(stderr, m, (size_t)(nl - m));
		fputc('\n', stderr);
		m = nl + 1;
	}
	cli_put_msg(stderr, m, strlen(m));
	fputc('\n', stderr);
	return code == 0 ? 0 : EXIT_FAIL;
}

int cli_fail(scq *h, int code)
{
	return fail_with(scq_errmsg(h), code);
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
	const char *const *k;
	size_t col = 0;
	printf("usage: scq %s %s\n\n%s\n", cli_current->name, cli_current->usage, cli_current->help);
	if (!strcmp(cli_current->name, "config")) { /* the keys, so no one guesses */
		printf("\nKeys (scq config list shows their values):\n ");
		for (k = scq_config_keys(); *k; k++) {
			if (col + strlen(*k) > 72)
				printf("\n "), col = 0;
			col += (size_t)printf(" %s", *k);
		}
		printf("\n");
	}
	printf("\nGlobal options: --email E, --data-dir D, --config FILE\n");
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

static void put_shown(FILE *f, const char *s, size_t len, unsigned flags)
{
	size_t n = 0;
	char *e = scq_escape_text(s, len, flags, &n);
	markers_shown += n;
	fputs(e, f);
	free(e);
}

void cli_put_n(FILE *f, const char *s, size_t len)
{
	put_shown(f, s, len, 0);
}

void cli_put(FILE *f, const char *s)
{
	if (s)
		put_shown(f, s, strlen(s), 0);
}

void cli_put_text(FILE *f, const char *s, size_t len)
{
	put_shown(f, s, len, SCQ_SHOW_MULTILINE);
}

void cli_put_msg(FILE *f, const char *s, size_t len)
{
	put_shown(f, s, len, SCQ_SHOW_MARKED);
}

int cli_raw_refused(const char *cmd, const char *id)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	fprintf(stderr, "scq: --raw writes the exact bytes, which could act on this terminal; "
		"send them to a file or a pipe: scq %s ", cmd);
	cli_put(stderr, id);
	fprintf(stderr, " --raw > FILE\n");
	return EXIT_USAGE;
}

int cli_write_raw(const char *data, size_t len)
{
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "scq: writing to standard output: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

void cli_markers_notice(void)
{
	if (markers_shown)
		fprintf(stderr, "scq: note: %zu character%s shown as markers such as \u27e8ESC\u27e9, "
			"\u27e8U+202E\u27e9 or \u27e8""0xFF\u27e9: as they are, they would act on "
			"the terminal (controls, bidi or invisible characters, bytes that are not "
			"UTF-8); review and logs give the exact bytes with --raw\n",
			markers_shown, markers_shown == 1 ? "" : "s");
}

/* The end of every resolve: the job, or NULL with the error told (msg). */
static scq_job *found(const char *msg, int r, scq_job *j, int *rc)
{
	if (r) {
		*rc = r == SCQ_EINVAL ? (fail_with(msg, r), EXIT_USAGE) : fail_with(msg, r);
		return NULL;
	}
	*rc = 0;
	return j;
}

/* The uid of j (caller frees), which is freed; NULL for NULL. */
static char *uid_of(scq_job *j)
{
	char *uid = j ? strdup(scq_job_uid(j)) : NULL;
	scq_job_free(j);
	return uid;
}

char *cli_resolve(scq *h, const char *id, int role, int *rc)
{
	scq_job *j = NULL;
	int r = scq_find(h, id, role, &j);
	return uid_of(found(scq_errmsg(h), r, j, rc));
}

scq_job *cli_find_owner(scq *h, const char *id, const char *verb, int *rc)
{
	scq_job *j = NULL;
	char *msg;
	int r = scq_find(h, id, SCQ_AS_OWNER, &j);
	if (r != SCQ_ENOTFOUND)
		return found(scq_errmsg(h), r, j, rc);
	/* one of the jobs I sent? say who may act rather than "not found";
	 * else the owner search's message (kept: the next find replaces it) */
	msg = strdup(scq_errmsg(h));
	if (scq_find(h, id, SCQ_AS_REQUESTER, &j) == 0) {
		fprintf(stderr, "scq: job %s is not yours to %s: only its data owner ", scq_job_uid(j), verb);
		cli_put(stderr, scq_job_target(j));
		fprintf(stderr, " may %s it; you (%s) are its requester\n", verb, scq_email(h));
		scq_job_free(j);
		*rc = EXIT_FAIL;
	} else if (scq_review_find(h, NULL, id, &j) == 0) {
		/* a copy another owner shares with me: say how to reach it */
		fprintf(stderr, "scq: job %s is not in your queue: ", scq_job_uid(j));
		cli_put(stderr, scq_job_target(j));
		fprintf(stderr, " shares it with you for review (scq review %.8s --owner ",
			scq_job_uid(j));
		cli_put(stderr, scq_job_target(j));
		fprintf(stderr, "; scq approve %.8s --owner ", scq_job_uid(j));
		cli_put(stderr, scq_job_target(j));
		fprintf(stderr, ")\n");
		scq_job_free(j);
		*rc = EXIT_FAIL;
	} else {
		found(msg ? msg : "job not found", r, NULL, rc);
	}
	free(msg);
	return NULL;
}

char *cli_resolve_owner(scq *h, const char *id, const char *verb, int *rc)
{
	return uid_of(cli_find_owner(h, id, verb, rc));
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
	while (line && *line) { /* they name submitters' files and folders */
		const char *nl = strchr(line, '\n');
		fputs("scq: ", stderr);
		cli_put_msg(stderr, line, nl ? (size_t)(nl - line) : strlen(line));
		fputc('\n', stderr);
		line = nl ? nl + 1 : NULL;
	}
}

static const char *status_color(int st)
{
	static const char *c[] = { "33", "36", "34", "32", "31", "31", "35", "90" };
	return st >= 0 && st < SCQ_STATUS_COUNT ? c[st] : "0";
}

/* Display columns of one character: libc's wcwidth under C.UTF-8 (wide
 * CJK and emoji 2, combining marks 0); without that locale, 1 each. */
static int char_width(const char *s, size_t len, size_t *used)
{
	static locale_t utf8;
	static int tried;
	locale_t old;
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w = 1;
	if (!tried) {
		tried = 1;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (!utf8) { /* count code points: skip continuation bytes */
		for (n = 1; n < len && ((unsigned char)s[n] & 0xc0) == 0x80; n++)
			;
		*used = n;
		return 1;
	}
	old = uselocale(utf8);
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
		n = 1; /* cannot happen: shown text is valid UTF-8 without NUL */
	else
		w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
	uselocale(old);
	*used = n;
	return w;
}

/*
 * A table cell of `width` display columns: shown text (one line), cut on a
 * character boundary and never inside a marker, with `more` ("…" or "")
 * when cut.
 */
static void cell(const char *s, int width, const char *more)
{
	size_t nm = 0, len, i = 0, n, cut = 0;
	char *e = scq_escape_text(s ? s : "", strlen(s ? s : ""), 0, &nm);
	int cols = 0, cut_cols = 0, in_marker = 0;
	markers_shown += nm;
	len = strlen(e);
	while (i < len) {
		int w = char_width(e + i, len - i, &n);
		if (n == 3 && !memcmp(e + i, "\u27e8", 3))
			in_marker = 1;
		else if (n == 3 && !memcmp(e + i, "\u27e9", 3))
			in_marker = 0;
		cols += w;
		i += n;
		if (!in_marker && cols <= width - (*more ? 1 : 0)) { /* room for `more` */
			cut = i;
			cut_cols = cols;
		}
	}
	if (cols <= width)
		printf("%s%*s ", e, width - cols, "");
	else
		printf("%.*s%s%*s ", (int)cut, e, more, width - (*more ? 1 : 0) - cut_cols, "");
	free(e);
}

static void tags_and_created(const scq_job *j, int tags)
{
	size_t i;
	if (!tags)
		cell(scq_job_created_at(j), 16, ""); /* to the minute */
	for (i = 0; tags && i < scq_job_tag_count(j); i++) {
		if (i)
			printf(", ");
		if (i == 3) {
			printf("...");
			break;
		}
		cli_put(stdout, scq_job_tag(j, i));
	}
}

void cli_table_header(int role)
{
	if (role == CLI_AS_REVIEWER) {
		printf("%-8s %-30s %-28s %-28s %-16s %s\n", "ID", "NAME", "FROM", "OWNER",
		       "CREATED (UTC)", "TAGS");
		return;
	}
	printf("%-8s %-30s %-28s %-20s %-16s %s\n", "ID", "NAME",
	       role == SCQ_AS_OWNER ? "FROM" : "TO", "STATUS", "CREATED (UTC)", "TAGS");
}

int cli_table_row(const scq_job *j, int role)
{
	int st = scq_job_status(j);
	const char *rs = scq_job_release_state(j), *sig = scq_job_signature(j);
	int bad = sig && !strcmp(sig, "bad");
	char label[56]; /* a status, whether its results wait for release, its signature */
	/* the release decision, when one kept something back */
	snprintf(label, sizeof(label), "%s%s%s", scq_status_name(st),
		 !rs || !strcmp(rs, "released") ? "" : !strcmp(rs, "awaiting_release") ? " (held)" :
		 !strcmp(rs, "partly_released") ? " (partly)" : !strcmp(rs, "withheld") ?
		 " (withheld)" : !strcmp(rs, "returned") ? " (returned)" : " (?)",
		 bad ? " (BAD SIGNATURE)" : "");
	printf("%.8s ", scq_job_uid(j));
	cell(scq_job_name(j), 30, "\u2026");
	if (role == CLI_AS_REVIEWER) { /* a copy shared for review: always pending */
		cell(scq_job_requester(j), 28, "\u2026");
		cell(scq_job_target(j), 28, "\u2026");
		tags_and_created(j, 0);
		tags_and_created(j, 1);
		printf("\n");
		return 0;
	}
	cell(role == SCQ_AS_OWNER ? scq_job_requester(j) : scq_job_target(j), 28, "\u2026");
	if (cli_color())
		printf("\033[%sm%-20s\033[0m ", status_color(st), label);
	else
		printf("%-20s ", label);
	tags_and_created(j, 0);
	tags_and_created(j, 1);
	printf("\n");
	return bad;
}
