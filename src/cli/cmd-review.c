/*
 * cmd-review.c - scq review: what the data owner reads before deciding.
 *
 * The job's metadata, its files, then run.sh in full and the start of
 * every other file, each shown as it is: TABs, backslashes and lines are
 * the exact bytes, and only what would act on the terminal is a marker
 * (doc/protocol.md, "Showing submitter text").  Rule: every byte that can
 * run can be reviewed.  NUL bytes and bytes that are not UTF-8 are shown
 * as markers, never hidden, with a loud warning when the file can run
 * (run.sh, a file with the exec bit, a file run.sh names); every file
 * shown in part is listed at the end with how to see it whole (--full,
 * --file PATH).  A revision (submit --revises) is shown by default as
 * what changed against its earlier version (scq_job_diff); --full shows
 * it whole, as any other job.  Files with Windows line endings get a warning line: bash
 * misreads them.  --raw writes the exact bytes of one file, for a pipe or
 * a file, never to a terminal.
 */
#include "cli.h"
#include <getopt.h>

#define PREVIEW_LINES 40
#define PREVIEW_BYTES 8192

/* " --owner OWNER" when reviewing a copy an owner shared with me (§5a),
 * else "": every hint this view prints names the same job. */
static char owner_opt[320];

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

/* Bytes bash would run although no text view could show them as text. */
static void warn_not_text(const char *path, const char *data, size_t len, int can_run)
{
	size_t nul, bad;
	if (!scq_text_flaws(data, len, &nul, &bad))
		return;
	printf("%s: ", can_run ? "WARNING (this file can run)" : "note");
	cli_put(stdout, path);
	printf(" is not plain text (%zu NUL byte(s), %zu byte(s) that are not UTF-8): every "
	       "byte is shown below, with markers such as \u27e8NUL\u27e9 and \u27e80xFF\u27e9%s\n",
	       nul, bad,
	       can_run ? "; bash reads and runs past them" : "");
}

/* The files shown in part, listed at the end. */
struct shown_part {
	struct part_entry {
		char *path;          /* raw bytes, as the owner may have typed it */
		long long shown, size; /* size -1: could not be read */
	} *v;
	size_t n;
};

static void part_add(struct shown_part *part, const char *path, long long shown,
		     long long size)
{
	struct part_entry *v = realloc(part->v, (part->n + 1) * sizeof(*v));
	if (!v)
		return; /* only the closing list is shorter */
	part->v = v;
	v[part->n].path = strdup(path);
	if (!v[part->n].path)
		return;
	v[part->n].shown = shown;
	v[part->n++].size = size;
}

static void part_release(struct shown_part *part)
{
	size_t i;
	for (i = 0; i < part->n; i++)
		free(part->v[i].path);
	free(part->v);
}

/* Show one file as read (r: the read's result, its message on h); -1 if
 * it could not be read (said, and listed in part).  A path may be any
 * bytes (the owner's --file): carried raw. */
static int show_file(scq *h, const char *uid, const char *path, int r, const char *data,
		     size_t len, int full, int can_run, struct shown_part *part)
{
	size_t shown;
	printf("\n----- ");
	cli_put(stdout, path);
	printf(" -----\n");
	if (r) {
		printf("(");
		cli_put_msg(stdout, scq_errmsg(h), strlen(scq_errmsg(h)));
		printf(")\n");
		part_add(part, path, 0, -1);
		return -1;
	}
	warn_not_text(path, data, len, can_run);
	warn_crlf(path, data, len);
	shown = full ? len : preview_end(data, len);
	cli_put_text(stdout, data, shown);
	if (shown && data[shown - 1] != '\n')
		printf("\n");
	if (shown < len) {
		printf("... (%zu more bytes not shown: scq review %.8s%s --file ", len - shown, uid,
		       owner_opt);
		cli_put(stdout, path);
		printf(")\n");
		part_add(part, path, (long long)shown, (long long)len);
	}
	return 0;
}

/* Read one file from the open code and show it. */
static int print_file(scq *h, const scq_job_code *code, const char *uid, const char *path,
		      int full, int can_run, struct shown_part *part)
{
	char *data = NULL;
	size_t len = 0;
	int r = scq_job_code_read(h, code, path, full ? SCQ_CODE_MAX_BYTES : (size_t)1 << 20,
			      &data, &len);
	r = show_file(h, uid, path, r, data, len, full, can_run, part);
	free(data);
	return r;
}

/* A file run.sh may run: executable, or named in run.sh's text. */
static int can_run(const char *path, const char *mode, const char *runsh, size_t runsh_len)
{
	return !strcmp(path, "run.sh") || (mode && !strcmp(mode, "0755")) ||
	       (runsh && memmem(runsh, runsh_len, path, strlen(path)));
}

static void print_left_out(const char *uid, struct shown_part *part)
{
	size_t i;
	if (!part->n)
		return;
	printf("\nShown in part (%zu file(s)); see every byte with `scq review %.8s%s --full`, "
	       "or one file with `scq review %.8s%s --file PATH`:\n", part->n, uid, owner_opt, uid,
	       owner_opt);
	for (i = 0; i < part->n; i++) {
		printf("  ");
		cli_put(stdout, part->v[i].path);
		if (part->v[i].size < 0)
			printf("  (could not be read)\n");
		else
			printf("  (%lld of %lld bytes shown)\n", part->v[i].shown, part->v[i].size);
	}
}

/* requirements.txt against the runtime the job will run on, as the
 * requester saw it at submit (the report is printable ASCII). */
static void print_requirements(scq *h, const scq_job *j, const scq_job_code *code)
{
	const char *rt = scq_value_string(scq_value_get(scq_job_value(j), "runtime"));
	char *text = NULL, *report = NULL;
	size_t len = 0;
	int problems = 0;
	if (scq_job_code_read(h, code, "requirements.txt", SCQ_CODE_MAX_BYTES, &text, &len))
		return; /* none (or unreadable: shown with the files) */
	if (scq_requirements_check(h, NULL, rt, text, len, &report, &problems) == 0)
		printf("\n%s", report);
	else
		cli_fail(h, 1);
	free(text);
	free(report);
}

static void print_review(scq *h, const char *uid, const scq_job *j, const scq_job_code *code,
			 int full)
{
	struct shown_part part = { NULL, 0 };
	const char *path, *mode;
	long long size;
	char *runsh = NULL;
	size_t i, runsh_len = 0;
	int r;
	cli_show_job(j);
	printf("\nFiles (path, size, mode):\n");
	for (i = 0; scq_job_code_at(code, i, &path, &size, &mode) == 0; i++) {
		printf("  ");
		cli_put(stdout, path);
		printf("  %lld bytes  %s\n", size, mode);
	}
	print_requirements(h, j, code);
	/* run.sh is read once: shown whole, and searched for the names of the
	 * files it may run */
	r = scq_job_code_read(h, code, "run.sh", SCQ_CODE_MAX_BYTES, &runsh, &runsh_len);
	show_file(h, uid, "run.sh", r, runsh, runsh_len, 1, 1, &part);
	for (i = 0; scq_job_code_at(code, i, &path, NULL, &mode) == 0; i++)
		if (strcmp(path, "run.sh"))
			print_file(h, code, uid, path, full, can_run(path, mode, runsh, runsh_len),
				   &part);
	print_left_out(uid, &part);
	part_release(&part);
	free(runsh);
	if (*owner_opt)
		printf("\nVote to approve: scq approve %.8s%s [-r REASON]\n", uid, owner_opt);
	else
		printf("\nApprove: scq approve %.8s [-r REASON]    Reject: scq reject %.8s -r "
		       "REASON\n", uid, uid);
}

/* The code to review: my store's, or the copy owner shared with me. */
static int code_open(scq *h, const char *owner, const char *uid, scq_job_code **code)
{
	return owner ? scq_review_code_open(h, owner, uid, code) : scq_job_code_open(h, uid, code);
}

/* A revision (submit --revises): what changed against the earlier version
 * (scq_job_diff), or 1 when the job revises nothing here and is reviewed
 * whole.  The text is shown as the library made it: the submitter's bytes
 * in it are markers already (scq.h), so printing it raw is the escaping. */
static int print_diff(scq *h, const char *uid, const scq_job *j, int *rc)
{
	char *text = NULL, *base = NULL;
	scq_job_code *code = NULL;
	int r = scq_job_diff(h, uid, &text, &base);
	if (r == 0 && base) {
		cli_show_job(j);
		/* the check the full review shows, in the diff too */
		if (scq_job_code_open(h, uid, &code) == 0)
			print_requirements(h, j, code);
		scq_job_code_close(code);
		printf("\n");
		fputs(text, stdout);
		printf("\nEvery file whole: scq review %.8s --full\n", uid);
		printf("Approve: scq approve %.8s [-r REASON]    Reject: scq reject %.8s -r REASON\n",
		       uid, uid);
	} else if (r) {
		*rc = cli_fail(h, r);
	}
	free(text);
	free(base);
	return r == 0 && !base;
}

/* --file PATH: one code file whole, shown as it is (markers). */
static int print_one(scq *h, const char *owner, const char *uid, const char *path)
{
	struct shown_part part = { NULL, 0 };
	scq_job_code *code = NULL;
	const char *mode = NULL, *p, *m;
	size_t i;
	int r = code_open(h, owner, uid, &code);
	for (i = 0; r == 0 && scq_job_code_at(code, i, &p, NULL, &m) == 0; i++)
		if (!strcmp(p, path))
			mode = m;
	r = r ? show_file(h, uid, path, r, NULL, 0, 1, 0, &part) :
		print_file(h, code, uid, path, 1, can_run(path, mode, NULL, 0), &part);
	part_release(&part);
	scq_job_code_close(code);
	return r ? EXIT_FAIL : 0; /* the reason is in the view already */
}

/* --raw: the exact bytes of one code file (up to the job limit, 256 MiB). */
static int print_raw(scq *h, const char *uid, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int r = scq_job_read_file(h, uid, path, SCQ_CODE_MAX_BYTES, &data, &len);
	r = r ? cli_fail(h, r) : cli_write_raw(data, len);
	free(data);
	return r;
}

struct review_args {
	int json, raw, full;
	const char *id, *path, *file, *owner;
};

static int parse(int argc, char **argv, struct review_args *a)
{
	static const struct option opts[] = { { "json", 0, 0, 'j' }, { "raw", 0, 0, 'R' },
					      { "full", 0, 0, 'F' }, { "file", 1, 0, 'f' },
					      { "owner", 1, 0, 'O' }, { 0, 0, 0, 0 } };
	int c;
	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			a->json = 1;
		else if (c == 'R')
			a->raw = 1;
		else if (c == 'F')
			a->full = 1;
		else if (c == 'f')
			a->file = optarg;
		else if (c == 'O')
			a->owner = optarg;
		else
			return cli_usage_error("unknown option");
	}
	if (a->owner && (a->json || a->raw))
		return cli_usage_error("--owner reviews a shared copy as text: not with --json "
				       "or --raw");
	if (a->json + a->raw + a->full + !!a->file > 1)
		return cli_usage_error("--json, --raw, --full and --file do not go together");
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
	scq_job *j;
	scq_job_code *code = NULL;
	const char *uid;
	char *files = NULL;
	int r = parse(argc, argv, &a);
	if (r)
		return r;
	h = cli_open();
	if (a.owner && !strcmp(a.owner, scq_email(h)))
		a.owner = NULL; /* my own queue */
	if (a.owner) {
		snprintf(owner_opt, sizeof(owner_opt), " --owner %s", a.owner);
		if ((r = scq_review_find(h, a.owner, a.id, &j)))
			r = cli_fail(h, r);
	} else /* one find: the job shown is the one read */
		j = cli_find_owner(h, a.id, "review", &r);
	uid = j ? scq_job_uid(j) : NULL;
	if (uid && a.raw) {
		r = print_raw(h, uid, a.path);
	} else if (uid && a.file) {
		r = print_one(h, a.owner, uid, a.file);
	} else if (uid && a.json) { /* the library's text of the files as it is */
		r = scq_job_files(h, uid, &files) ? cli_fail(h, SCQ_ENOTFOUND) : 0;
		if (!r) {
			char *js = scq_job_to_json(j);
			printf("{\"job\":%s,\"files\":%s}\n", js, files);
			free(js);
		}
	} else if (uid && (a.owner || a.full || !scq_job_resubmit_of(j) ||
			   print_diff(h, uid, j, &r))) { /* a reviewer's copy: no history here */
		r = code_open(h, a.owner, uid, &code);
		r = r ? cli_fail(h, a.owner ? r : SCQ_ENOTFOUND) : 0;
		if (!r)
			print_review(h, uid, j, code, a.full);
	}
	scq_job_code_close(code);
	free(files);
	scq_job_free(j);
	scq_close(h);
	return r;
}
