/*
 * cmd-decide.c - scq approve (and its votes), reject, cancel, reviewers, keys,
 * votes (release: cmd-release.c).
 */
#include "cli.h"
#include <getopt.h>

/* What a cancel did: at once (pending, approved) or asked of whoever runs
 * the job (the owner's runner; the owner's scq for a requester). */
static void print_cancelled(scq *h, const char *uid)
{
	scq_job *j = NULL;
	int st = scq_find(h, uid, SCQ_AS_ANY, &j) ? -1 : scq_job_status(j);
	if (st == SCQ_CANCELLED)
		printf("cancelled %s\n", uid);
	else if (j && scq_job_requester(j) && scq_job_target(j) &&
		 !strcmp(scq_job_requester(j), scq_email(h)) && strcmp(scq_job_target(j), scq_email(h)))
		printf("cancel requested for %s: the data owner's scq cancels it when it next "
		       "reads its inbox\n", uid);
	else
		printf("cancel requested for %s: the runner stops it\n", uid);
	scq_job_free(j);
}

/* A delegated reviewer's vote: written to the owner's inbox (counted when
 * the owner's scq reads it).  id: a uid or a prefix of one of the copies
 * the owner shares with me for review. */
static int vote_as_reviewer(scq *h, const char *id, const char *owner, const char *reason,
			    unsigned flags)
{
	scq_job *j = NULL;
	int r = scq_review_find(h, owner, id, &j);
	const char *uid = j ? scq_job_uid(j) : NULL;
	if (!r) /* the copy names its owner as the datasites do (lower case) */
		owner = scq_job_target(j) ? scq_job_target(j) : owner;
	if (!r)
		r = scq_vote(h, uid, owner, reason, flags, NULL, NULL);
	if (r)
		r = cli_fail(h, r);
	else
		printf("vote for %s sent to %s: it counts when %s's scq next reads its inbox\n",
		       uid, owner, owner);
	scq_job_free(j);
	scq_close(h);
	return r;
}

/* The owner's approval: at once, or one vote of approvals_required. */
static int approve_at_store(scq *h, const char *id, const char *reason, unsigned flags)
{
	int r, have = 0, need = 0;
	char *uid = cli_resolve_owner(h, id, "approve", &r);
	if (uid && (r = scq_vote(h, uid, NULL, reason, flags, &have, &need)) != 0)
		r = cli_fail(h, r);
	else if (uid && need > 1 && have < need)
		printf("vote recorded, %d of %d: %s stays pending until %d more approver%s "
		       "vote%s (scq reviewers)\n", have, need, uid, need - have,
		       need - have == 1 ? "" : "s", need - have == 1 ? "s" : "");
	else if (uid && need > 1)
		printf("approved %s (%d of %d votes)\n", uid, have, need);
	else if (uid)
		printf("approved %s\n", uid);
	free(uid);
	scq_close(h);
	return r;
}

static int decide(int argc, char **argv, int kind)
{
	static const struct option opts[] = { { "reason", 1, 0, 'r' }, { "allow-network", 0, 0, 'N' },
					      { "owner", 1, 0, 'O' }, { 0, 0, 0, 0 } };
	const char *reason = NULL, *owner = NULL;
	unsigned flags = 0;
	char *uid;
	scq *h;
	int c, r;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (c == 'r')
			reason = optarg;
		else if (c == 'N' && kind == 'a')
			flags |= SCQ_ALLOW_NETWORK;
		else if (c == 'O' && kind == 'a')
			owner = optarg;
		else
			return cli_usage_error("unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("expected one job ID");
	if (kind == 'r' && (!reason || !*reason))
		return cli_usage_error("a reason is required: -r REASON");
	h = cli_open();
	if (kind == 'a' && owner && strcmp(owner, scq_email(h)))
		return vote_as_reviewer(h, argv[optind], owner, reason, flags);
	if (kind == 'a')
		return approve_at_store(h, argv[optind], reason, flags);
	uid = kind == 'c' ? cli_resolve(h, argv[optind], SCQ_AS_ANY, &r) :
	      cli_resolve_owner(h, argv[optind], kind == 'a' ? "approve" : "reject", &r);
	if (uid) {
		r = kind == 'a' ? scq_approve(h, uid, reason, flags) :
		    kind == 'r' ? scq_reject(h, uid, reason) : scq_cancel(h, uid);
		if (r)
			r = cli_fail(h, r);
		else if (kind == 'c')
			print_cancelled(h, uid);
		else
			printf("%s %s\n", kind == 'a' ? "approved" : "rejected", uid);
	}
	free(uid);
	scq_close(h);
	return r;
}

int cmd_approve(int argc, char **argv)
{
	return decide(argc, argv, 'a');
}

int cmd_reject(int argc, char **argv)
{
	return decide(argc, argv, 'r');
}

int cmd_cancel(int argc, char **argv)
{
	return decide(argc, argv, 'c');
}

/* scq reviewers add EMAIL | remove EMAIL | list [--json] */
int cmd_reviewers(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r, json = argc == 3 && !strcmp(argv[2], "--json");
	if (argc < 2 || (!strcmp(argv[1], "add") && argc != 3) ||
	    (!strcmp(argv[1], "remove") && argc != 3) ||
	    (!strcmp(argv[1], "list") && argc != 2 + json) ||
	    (strcmp(argv[1], "add") && strcmp(argv[1], "remove") && strcmp(argv[1], "list")))
		return cli_usage_error("expected: reviewers add EMAIL | reviewers remove EMAIL | "
				       "reviewers list [--json]");
	h = cli_open();
	if (!strcmp(argv[1], "add"))
		r = scq_reviewer_add(h, argv[2]);
	else if (!strcmp(argv[1], "remove"))
		r = scq_reviewer_remove(h, argv[2]);
	else
		r = scq_reviewer_list(h, &js);
	if (r == 0 && js && json) {
		printf("%s\n", js);
	} else if (r == 0 && js) {
		scq_value *v = scq_value_parse(js, 0);
		size_t i;
		for (i = 0; i < scq_value_size(v); i++)
			printf("%s\n", scq_value_string(scq_value_at(v, i, NULL)));
		if (!scq_value_size(v))
			printf("No reviewers: only the owner approves (scq reviewers add EMAIL).\n");
		scq_value_free(v);
	} else if (r == 0) {
		printf("%s %s\n", !strcmp(argv[1], "add") ? "added reviewer" : "removed reviewer",
		       argv[2]);
	}
	free(js);
	if (r)
		r = cli_fail(h, r);
	scq_close(h);
	return r;
}

/* scq votes ID [--json]: the approvals a job has, of how many. */
int cmd_votes(int argc, char **argv)
{
	scq *h;
	char *js = NULL, *uid;
	int r, json = argc == 3 && !strcmp(argv[2], "--json");
	if (argc != 2 + json)
		return cli_usage_error("expected: votes ID [--json]");
	h = cli_open();
	uid = cli_resolve_owner(h, argv[1], "see the votes of", &r);
	if (uid && (r = scq_job_votes(h, uid, &js)) != 0)
		r = cli_fail(h, r);
	else if (uid && json)
		printf("%s\n", js);
	else if (uid) {
		scq_value *v = scq_value_parse(js, 0);
		const scq_value *votes = scq_value_get(v, "votes");
		size_t i;
		printf("%zu of %lld approvals\n", scq_value_size(votes),
		       scq_value_int(scq_value_get(v, "required")));
		for (i = 0; i < scq_value_size(votes); i++) {
			const scq_value *e = scq_value_at(votes, i, NULL);
			const char *why = scq_value_string(scq_value_get(e, "reason"));
			char *shown = scq_escape_terminal(why ? why : "", why ? strlen(why) : 0);
			printf("  %s  %s  %s\n", scq_value_string(scq_value_get(e, "at")),
			       scq_value_string(scq_value_get(e, "by")), shown);
			free(shown);
		}
		scq_value_free(v);
	}
	free(js);
	free(uid);
	scq_close(h);
	return r;
}

/* scq keys list | keys accept EMAIL [FINGERPRINT]: the requesters' signing keys I pinned
 * at ingest (trust on first use), and accepting a changed one.  keys sign
 * FOLDER signs a job folder made by hand (tests, repair) as submit would,
 * keys sign RECORD an inbox record of mine (a vote, a cancel request). */
int cmd_keys(int argc, char **argv)
{
	scq *h;
	char *text = NULL;
	int r;
	if (argc < 2 || (!strcmp(argv[1], "accept") && argc != 3 && argc != 4) ||
	    (!strcmp(argv[1], "sign") && argc != 3) || (!strcmp(argv[1], "list") && argc != 2) ||
	    (strcmp(argv[1], "accept") && strcmp(argv[1], "list") && strcmp(argv[1], "sign")))
		return cli_usage_error("expected: keys list | keys accept EMAIL [FINGERPRINT] | "
				       "keys sign FOLDER|RECORD");
	h = cli_open();
	if (!strcmp(argv[1], "sign")) {
		r = scq_sign_job_folder(h, argv[2]);
		if (!r)
			printf("signed %s as %s\n", argv[2], scq_email(h));
	} else if (!strcmp(argv[1], "accept")) {
		r = scq_keys_accept(h, argv[2], argc == 4 ? argv[3] : NULL);
		if (!r) /* valid: an e-mail address, and hex */
			printf("accepted the key %s publishes%s%s: its jobs are checked against "
			       "it from now on\n", argv[2],
			       argc == 4 ? ", " : "", argc == 4 ? argv[3] : "");
	} else {
		r = scq_keys_list(h, &text);
		if (!r && text && *text) {
			char *safe = scq_escape_text(text, strlen(text), SCQ_SHOW_MULTILINE, NULL);
			fputs(safe, stdout);
			free(safe);
		} else if (!r) {
			printf("No pinned keys yet: a requester's key is pinned with its first "
			       "signed job.\n");
		}
	}
	free(text);
	if (r)
		r = cli_fail(h, r);
	scq_close(h);
	return r;
}
