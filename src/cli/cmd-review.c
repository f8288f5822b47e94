/*
 * cmd-review.c - scq review: what the data owner reads before deciding.
 *
 * The job's metadata, its files, then run.sh in full and the start of
 * every other file, each shown as it is: TABs, backslashes and lines are
 * the exact bytes, and only what would act on the terminal is a marker
 * (doc/protocol.md, "Showing submitter text").  Files with Windows line
 * endings get a warning line: bash misreads them.  --raw writes the exact
 * bytes of one file, for a pipe or a file, never to a terminal.
 */
#include "cli.h"
#include <getopt.h>
#include <jansson.h>

#define PREVIEW_LINES 40
#define PREVIEW_BYTES 8192

/* Where the preview of a file other than run.sh ends: after 40 lines or
 * 8 KiB, whichever comes first, never inside a UTF-8 sequence. */
static size_t preview_end(const char *data, size_t len)
{
	size_t i, lines = 0, end = len < PREVIEW_BYTES ? len : PREVIEW_BYTES;
	for (i = 0; i < end; i++)
		if (data[i] == '\n' && ++lines == PREVIEW_LINES)
			return i + 1;
	if (end == len)
		return len;
	while (end > PREVIEW_BYTES - 3 && ((unsigned char)data[end] & 0xc0) == 0x80)
		end--;
	return end;
}

static void warn_crlf(const char *path, const char *data, size_t len)
{
	if (!memmem(data, len, "\r\n", 2))
		return;
	printf("warning: ");
	cli_put(stdout, path);
	printf(" has Windows (CRLF) line endings: bash and most tools read a CR "
	       "(\u27e8CR\u27e9) at the end of each line, so 'set -e' and file names break\n");
}

static void print_file(scq *h, const char *uid, const char *path, int full)
{
	char *data = NULL;
	size_t len = 0, shown;
	int r = scq_job_read_file(h, uid, path, (size_t)1 << 20, &data, &len);
	printf("\n----- ");
	cli_put(stdout, path);
	printf(" -----\n");
	if (r) {
		printf("(");
		cli_put_msg(stdout, scq_errmsg(h), strlen(scq_errmsg(h)));
		printf(")\n");
		return;
	}
	if (memchr(data, '\0', len)) {
		printf("(binary file, %zu bytes, not shown)\n", len);
		free(data);
		return;
	}
	warn_crlf(path, data, len);
	shown = full ? len : preview_end(data, len);
	cli_put_text(stdout, data, shown);
	if (shown && data[shown - 1] != '\n')
		printf("\n");
	if (shown < len)
		printf("... (%zu more bytes; scq review shows the first %d lines of files other "
		       "than run.sh)\n", len - shown, PREVIEW_LINES);
	free(data);
}

static void print_review(scq *h, const char *uid, const scq_job *j, const char *files)
{
	json_t *fl = json_loads(files, 0, NULL), *e;
	size_t i;
	cli_show_job(j);
	printf("\nFiles (path, size, mode):\n");
	json_array_foreach(fl, i, e) {
		printf("  ");
		cli_put(stdout, json_string_value(json_object_get(e, "path")));
		printf("  %lld bytes  %s\n", (long long)json_integer_value(json_object_get(e, "size")),
		       json_string_value(json_object_get(e, "mode")));
	}
	print_file(h, uid, "run.sh", 1);
	json_array_foreach(fl, i, e) {
		const char *path = json_string_value(json_object_get(e, "path"));
		if (strcmp(path, "run.sh"))
			print_file(h, uid, path, 0);
	}
	json_decref(fl);
	printf("\nApprove: scq approve %.8s [-r REASON]    Reject: scq reject %.8s -r REASON\n", uid, uid);
}

/* --raw: the exact bytes of one code file (up to the 256 MiB job limit). */
static int print_raw(scq *h, const char *uid, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int r = scq_job_read_file(h, uid, path, (size_t)256 << 20, &data, &len);
	r = r ? cli_fail(h, r) : cli_write_raw(data, len);
	free(data);
	return r;
}

struct review_args {
	int json, raw;
	const char *id, *path;
};

static int parse(int argc, char **argv, struct review_args *a)
{
	static const struct option opts[] = { { "json", 0, 0, 'j' }, { "raw", 0, 0, 'R' },
					      { 0, 0, 0, 0 } };
	int c;
	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			a->json = 1;
		else if (c == 'R')
			a->raw = 1;
		else
			return cli_usage_error("unknown option");
	}
	if (a->json && a->raw)
		return cli_usage_error("--json and --raw do not go together");
	if (optind != argc - 1 && !(a->raw && optind == argc - 2))
		return cli_usage_error(a->raw ? "expected a job ID and at most one PATH" :
				       "expected one job ID");
	a->id = argv[optind];
	a->path = optind == argc - 2 ? argv[optind + 1] : "run.sh";
	return a->raw ? cli_raw_refused("review", a->id) : 0;
}

int cmd_review(int argc, char **argv)
{
	struct review_args a;
	scq *h;
	scq_job *j = NULL;
	char *uid, *files = NULL;
	int r = parse(argc, argv, &a);
	if (r)
		return r;
	h = cli_open();
	uid = cli_resolve_owner(h, a.id, "review", &r);
	if (uid && a.raw)
		r = print_raw(h, uid, a.path);
	else if (uid)
		r = scq_find(h, uid, SCQ_AS_OWNER, &j) || scq_job_files(h, uid, &files) ?
		    cli_fail(h, SCQ_ENOTFOUND) : 0;
	if (uid && !r && !a.raw && a.json) {
		char *js = scq_job_to_json(j);
		printf("{\"job\":%s,\"files\":%s}\n", js, files);
		free(js);
	} else if (uid && !r && !a.raw) {
		print_review(h, uid, j, files);
	}
	free(files);
	free(uid);
	scq_job_free(j);
	scq_close(h);
	return r;
}
