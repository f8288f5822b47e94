/*
 * cmd-submit.c - scq submit, submit-python, submit-bash (the data scientist).
 */
#include "cli.h"
#include <errno.h>
#include <getopt.h>
#include <unistd.h>

struct submit_args {
	struct scq_submit_options o;
	const char *tags[SCQ_TAGS_MAX + 1];
	const char *reqs[64];
	int ntags, nreqs;
	const char *path;
	int json;
};

/* allow_req: 1 submit-python, 0 submit-bash, -1 submit (a folder). */
static int parse(int argc, char **argv, struct submit_args *a, int allow_req)
{
	static const struct option opts[] = {
		{ "to", 1, 0, 't' }, { "name", 1, 0, 'n' }, { "description", 1, 0, 'd' },
		{ "tag", 1, 0, 'g' }, { "timeout", 1, 0, 'T' }, { "requirement", 1, 0, 'R' },
		{ "json", 0, 0, 'j' }, { "convert-crlf", 0, 0, 'C' }, { "context", 1, 0, 'X' },
		{ "revises", 1, 0, 'S' }, { "resubmit", 1, 0, 'S' }, { 0, 0, 0, 0 } };
	int c;
	char *end;
	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0; /* our messages name the option and show the usage */
	while ((c = getopt_long(argc, argv, ":t:n:d:g:T:R:", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->o.to = optarg; break;
		case 'n': a->o.name = optarg; break;
		case 'd': a->o.description = optarg; break;
		case 'j': a->json = 1; break;
		case 'C': a->o.convert_crlf = 1; break;
		case 'X': a->o.context = optarg; break;
		case 'S': a->o.resubmit_of = optarg; break;
		case 'g':
			if (a->ntags >= SCQ_TAGS_MAX)
				return cli_usage_error("at most %d tags", SCQ_TAGS_MAX);
			a->tags[a->ntags++] = optarg;
			break;
		case 'R':
			/* a folder's own run.sh installs what it needs: a requirement
			 * we would not install must not be taken and dropped */
			if (allow_req < 0)
				return cli_usage_error("--requirement is only for submit-python; a "
						       "submitted folder's run.sh installs what it needs");
			if (!allow_req)
				return cli_usage_error("--requirement is only for submit-python");
			if (a->nreqs >= 63)
				return cli_usage_error("too many requirements");
			a->reqs[a->nreqs++] = optarg;
			break;
		case 'T':
			errno = 0;
			a->o.timeout_seconds = strtoll(optarg, &end, 10);
			if (errno || *end || a->o.timeout_seconds <= 0)
				return cli_usage_error("--timeout takes a positive number of seconds");
			break;
		case ':':
			return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: /* optopt: an unknown short option; 0 for a long one */
			if (optopt)
				return cli_usage_error("unknown option '-%c'", optopt);
			return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("expected exactly one %s", allow_req >= 0 ? "FILE or -" : "FOLDER");
	a->path = argv[optind];
	if (!a->o.to || !a->o.name)
		return cli_usage_error("--to and --name are required");
	a->o.tags = a->tags;
	return 0;
}

/*
 * The exit status says whether the job was submitted, and then its uid is
 * always printed: a failure to read it back for --json must not look like
 * a failed submission, or a script would submit it again.
 */
static int done(scq *h, int r, char *uid, int json)
{
	scq_job *j = NULL;
	cli_print_ingest_notices(h);
	if (r) {
		cli_fail(h, r);
		scq_close(h);
		return EXIT_FAIL;
	}
	if (!json) {
		printf("%s\n", uid);
	} else if (scq_find(h, uid, SCQ_AS_REQUESTER, &j) == 0) {
		cli_print_json(scq_job_to_json(j)); /* the job object, as show --json */
	} else { /* a uid is [0-9a-f-]: no JSON escaping needed */
		fprintf(stderr, "scq: job %s was submitted, but reading it back failed: ", uid);
		cli_put_msg(stderr, scq_errmsg(h), strlen(scq_errmsg(h)));
		fputc('\n', stderr);
		printf("{\"uid\":\"%s\"}\n", uid);
	}
	scq_job_free(j);
	free(uid);
	scq_close(h);
	return 0;
}

/* The job a new version revises: one of mine, found as show finds it.
 * Another requester's job is not found, and says so in one line. */
static char *revised_uid(scq *h, const char *id, int *rc)
{
	scq_job *j = NULL;
	char *uid = NULL;
	int r = scq_find(h, id, SCQ_AS_REQUESTER, &j);
	if (r == SCQ_ENOTFOUND) {
		fprintf(stderr, "scq: --revises: no job of yours matches '");
		cli_put(stderr, id);
		fprintf(stderr, "': a new version may revise only a job you submitted\n");
		*rc = EXIT_FAIL;
	} else if (r) {
		*rc = cli_fail(h, r);
	} else if (!(uid = strdup(scq_job_uid(j)))) {
		fprintf(stderr, "scq: out of memory\n");
		*rc = EXIT_FAIL;
	}
	scq_job_free(j);
	return uid;
}

int cmd_submit(int argc, char **argv)
{
	struct submit_args a;
	scq *h;
	char *uid = NULL, *of = NULL;
	int r = parse(argc, argv, &a, -1);
	if (r)
		return r;
	h = cli_open();
	a.o.folder = a.path;
	/* --revises (--resubmit) takes an id or prefix of a job of mine */
	if (a.o.resubmit_of && !(a.o.resubmit_of = of = revised_uid(h, a.o.resubmit_of, &r))) {
		scq_close(h);
		return r;
	}
	r = scq_submit(h, &a.o, &uid);
	free(of);
	return done(h, r, uid, a.json);
}

static char *slurp(const char *path, size_t *len, int *rc)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t cap = 0, n = 0, k;
	if (!f) {
		fprintf(stderr, "scq: cannot read '%s': %s\n", path, strerror(errno));
		*rc = EXIT_FAIL;
		return NULL;
	}
	do {
		if (n + 65536 > cap)
			buf = realloc(buf, cap = cap * 2 + 65536);
		if (!buf)
			abort();
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k > 0 && n < ((size_t)64 << 20));
	if (f != stdin)
		fclose(f);
	*len = n;
	*rc = 0;
	return buf;
}

static int submit_script(int argc, char **argv, const char *lang)
{
	struct submit_args a;
	scq *h;
	char *uid = NULL, *text;
	size_t len;
	int r = parse(argc, argv, &a, !strcmp(lang, "python"));
	if (r)
		return r;
	text = slurp(a.path, &len, &r);
	if (!text)
		return r;
	h = cli_open();
	a.reqs[a.nreqs] = NULL;
	r = scq_submit_script(h, &a.o, lang, text, len, a.nreqs ? a.reqs : NULL, &uid);
	free(text);
	return done(h, r, uid, a.json);
}

int cmd_submit_python(int argc, char **argv)
{
	return submit_script(argc, argv, "python");
}

int cmd_submit_bash(int argc, char **argv)
{
	return submit_script(argc, argv, "bash");
}
