/*
 * cmd-release.c - the owner's decisions on a run's held results: scq
 * release (all, or --file PATH... with the rest withheld), scq withhold,
 * scq return (doc/protocol.md §6, "Release decisions").
 *
 * --withhold PATH=REASON gives one withheld output its own reason; it is
 * split at the first '=' (a path holding '=' takes --withhold-reason, the
 * default for every file not released: "withheld by the data owner").
 * --ack-flags says the owner has seen the disclosure-risk flags of what it
 * releases (scq review-output); a release of flagged outputs needs it.
 * With release_approvals_required 2 or more a release is one vote
 * ("release vote recorded, 1 of 2"), and --owner OWNER makes it a
 * delegated reviewer's vote, sent to OWNER's inbox (doc/protocol.md §6a).
 */
#include "cli.h"
#include <getopt.h>

struct release_args {
	const char *reason, *withhold_reason, *owner;
	const char **files;
	struct scq_withheld *withhold;
	size_t nfiles, nwithhold;
	int log, ack_flags;
};

static void args_free(struct release_args *a)
{
	free(a->files);
	free(a->withhold);
}

static int add_withhold(struct release_args *a, char *arg)
{
	char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return cli_usage_error("--withhold takes PATH=REASON");
	*eq = '\0';
	a->withhold = realloc(a->withhold, (a->nwithhold + 1) * sizeof(*a->withhold));
	if (!a->withhold)
		abort();
	a->withhold[a->nwithhold].path = arg;
	a->withhold[a->nwithhold++].reason = eq + 1;
	return 0;
}

/* kind 'l' release, 'w' withhold, 't' return; 0 or an exit status. */
static int parse(int argc, char **argv, int kind, struct release_args *a)
{
	static const struct option opts[] = { { "reason", 1, 0, 'r' }, { "file", 1, 0, 'f' },
		{ "log", 0, 0, 'L' }, { "withhold", 1, 0, 'W' }, { "withhold-reason", 1, 0, 'R' },
		{ "ack-flags", 0, 0, 'A' }, { "owner", 1, 0, 'O' }, { 0, 0, 0, 0 } };
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (c == 'r')
			a->reason = optarg;
		else if (c == 'f' && kind == 'l') {
			a->files = realloc(a->files, (a->nfiles + 2) * sizeof(*a->files));
			if (!a->files)
				abort();
			a->files[a->nfiles++] = optarg;
			a->files[a->nfiles] = NULL;
		} else if (c == 'L' && kind == 'l')
			a->log = 1;
		else if (c == 'W' && kind != 't') {
			if ((r = add_withhold(a, optarg)))
				return r;
		} else if (c == 'R' && kind == 'l')
			a->withhold_reason = optarg;
		else if (c == 'A' && kind == 'l')
			a->ack_flags = 1;
		else if (c == 'O' && kind == 'l')
			a->owner = optarg;
		else
			return cli_usage_error("unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("expected one job ID");
	/* --log alone releases the log and withholds every output */
	if (kind == 'l' && !a->nfiles && !a->log && (a->nwithhold || a->withhold_reason))
		return cli_usage_error("--withhold and --withhold-reason go with --file or --log "
				       "(a release of some files)");
	/* a release of everything keeps its short form; every other decision
	 * says why, and the requester reads it */
	if ((kind != 'l' || a->nfiles || a->log) && (!a->reason || !*a->reason))
		return cli_usage_error("a reason is required: -r %s", kind == 't' ? "COMMENT" :
				       "REASON");
	return 0;
}

static const char *state_said(const char *st)
{
	return !st ? "released" : !strcmp(st, "partly_released") ? "partly released" : st;
}

/* A delegated reviewer's vote: into the owner's inbox. */
static int reviewer_vote(const char *id, int k, const struct scq_release_options *o)
{
	scq *h = cli_open();
	int r = scq_release_decide(h, id, k, o);
	if (r)
		r = cli_fail(h, r);
	else
		printf("release vote for %s sent to %s: it counts when %s's scq next reads its "
		       "inbox\n", id, o->owner, o->owner);
	scq_close(h);
	return r;
}

/* What the owner's decision did: decided, or one vote of several. */
static void said(scq *h, const char *uid, int kind)
{
	scq_job *j = NULL;
	int have = 0, need = 1, decided = 1;
	if (kind == 'l' && scq_release_votes(h, uid, &have, &need, &decided) == 0 && !decided)
		printf("release vote recorded, %d of %d: %s stays held until %d more approver%s "
		       "vote%s for the same decision (scq reviewers)\n", have, need, uid,
		       need - have, need - have == 1 ? "" : "s", need - have == 1 ? "s" : "");
	else if (scq_find(h, uid, SCQ_AS_OWNER, &j) == 0)
		printf("%s %s%s\n", kind == 't' ? "returned for changes:" :
		       state_said(scq_job_release_state(j)), uid, need > 1 && kind == 'l' ?
		       " (the votes were enough)" : "");
	scq_job_free(j);
}

static int decide(int argc, char **argv, int kind)
{
	static const char *const verbs[] = { "release", "withhold", "return" };
	struct release_args a;
	struct scq_release_options o;
	char *uid = NULL;
	scq *h;
	int r, k;
	memset(&a, 0, sizeof(a));
	memset(&o, 0, sizeof(o));
	if ((r = parse(argc, argv, kind, &a))) {
		args_free(&a);
		return r;
	}
	k = kind == 'w' ? SCQ_WITHHOLD_ALL : kind == 't' ? SCQ_RETURN :
	    a.nfiles || a.log ? SCQ_RELEASE_FILES : SCQ_RELEASE_ALL;
	o.reason = a.reason ? a.reason : "results released to the requester";
	o.files = a.files;
	o.log = a.log;
	o.withhold = a.withhold;
	o.nwithhold = a.nwithhold;
	o.withhold_reason = a.withhold_reason;
	o.ack_flags = a.ack_flags;
	o.owner = a.owner;
	if (a.owner) {
		r = reviewer_vote(argv[optind], k, &o);
		args_free(&a);
		return r;
	}
	h = cli_open();
	uid = cli_resolve_owner(h, argv[optind], verbs[kind == 'w' ? 1 : kind == 't' ? 2 : 0], &r);
	if (uid && (r = scq_release_decide(h, uid, k, &o)))
		r = cli_fail(h, r);
	else if (uid)
		said(h, uid, kind);
	free(uid);
	scq_close(h);
	args_free(&a);
	return r;
}

int cmd_release(int argc, char **argv)
{
	return decide(argc, argv, 'l');
}

int cmd_withhold(int argc, char **argv)
{
	return decide(argc, argv, 'w');
}

int cmd_return(int argc, char **argv)
{
	return decide(argc, argv, 't');
}

/* One file of a decision: "  released  PATH" or "  withheld  PATH: REASON"
 * (path NULL: the log).  Paths and reasons are shown escaped, one line. */
static void show_entry(FILE *f, const scq_value *e, const char *path, const scq_value *d)
{
	const char *reason = scq_value_string(scq_value_get(e, "reason"));
	if (!reason) /* withheld for the decision's one default reason */
		reason = scq_value_string(scq_value_get(d, "withheld_reason"));
	int released = scq_value_is_true(scq_value_get(e, "released"));
	fprintf(f, "  %-12s ", released ? "released" : "withheld");
	if (path)
		cli_put(f, path);
	else
		fputs("(the log)", f);
	if (!released && reason) {
		fputs(": ", f);
		cli_put(f, reason);
	}
	fputc('\n', f);
}

void cli_withheld_notes(FILE *f, const scq_value *job)
{
	const scq_value *d = scq_value_get(job, "release_decision"), *e;
	const scq_value *files = scq_value_get(d, "files");
	size_t i, n = 0;
	for (i = 0; (e = scq_value_at(files, i, NULL)); i++)
		if (!scq_value_is_true(scq_value_get(e, "released"))) {
			if (!n++)
				fputs("scq: withheld by the data owner (never sent):\n", f);
			show_entry(f, e, scq_value_string(scq_value_get(e, "path")), d);
		}
}

void cli_show_release(const scq_value *o)
{
	const scq_value *d = scq_value_get(o, "release_decision"), *files, *e;
	const char *st = scq_value_string(scq_value_get(o, "release_state"));
	const char *by = scq_value_string(scq_value_get(d, "by"));
	const char *at = scq_value_string(scq_value_get(d, "at"));
	const char *reason = scq_value_string(scq_value_get(d, "reason"));
	size_t i;
	if (!st || !strcmp(st, "awaiting_release"))
		return; /* said on the status line */
	printf("%-14s %s", "Release:", !strcmp(st, "returned") ? "returned for changes" :
	       state_said(st));
	if (by) {
		fputs(" by ", stdout);
		cli_put(stdout, by);
	}
	if (at) {
		fputs(" at ", stdout);
		cli_put(stdout, at);
	}
	fputc('\n', stdout);
	if (reason) {
		printf("  %-12s ", !strcmp(st, "returned") ? "comment" : "reason");
		cli_put(stdout, reason);
		fputc('\n', stdout);
	}
	if ((e = scq_value_get(d, "log")) && scq_value_type(e) == SCQ_VALUE_OBJECT)
		show_entry(stdout, e, NULL, d);
	files = scq_value_get(d, "files");
	for (i = 0; (e = scq_value_at(files, i, NULL)); i++)
		show_entry(stdout, e, scq_value_string(scq_value_get(e, "path")), d);
}

/* The requester's CONTEXT.md beside the held outputs (owner's show): what
 * the tables are and which disclosure controls were applied.  Shown
 * escaped, the first 40 lines (scq review ID --file CONTEXT.md: whole). */
void cli_show_context(scq *h, const scq_job *j)
{
	scq_job_code *c = NULL;
	char *data = NULL;
	size_t len = 0, n = 0, i;
	const char *st = scq_job_release_state(j);
	int r;
	if (!st || !scq_job_target(j) || strcmp(scq_job_target(j), scq_email(h)))
		return;
	if ((r = scq_job_code_open(h, scq_job_uid(j), &c)) == 0)
		r = scq_job_code_read(h, c, "CONTEXT.md", 0, &data, &len);
	if (r) {
		printf("%-14s %s\n", "Context:", r == SCQ_ENOTFOUND ? "none (the requester sent "
		       "no CONTEXT.md)" : "CONTEXT.md cannot be shown here: scq review ID --file "
		       "CONTEXT.md");
		scq_job_code_close(c);
		return;
	}
	for (i = 0; i < len && i < 8192 && n < 40; i++)
		n += data[i] == '\n';
	printf("%-14s the requester's CONTEXT.md%s:\n", "Context:",
	       i < len ? " (the start; scq review ID --file CONTEXT.md shows it whole)" : "");
	cli_put_text(stdout, data, i);
	if (i && data[i - 1] != '\n')
		fputc('\n', stdout);
	free(data);
	scq_job_code_close(c);
}
