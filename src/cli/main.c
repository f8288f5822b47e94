/*
 * main.c - the scq command: global options, the command table, dispatch.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error.  Global
 * options (--email, --data-dir, --config) are accepted anywhere before
 * "--", on every command, and so is --no-refresh.
 *
 * The library's reads never write.  A command marked RUN_REFRESH in the
 * table (the owner's queue views and decisions, and the job commands a
 * requester shares with them) gets its handle refreshed once, ingest and
 * expiry (scq_refresh), so it shows the queue up to date; `scq run` does
 * that itself on every tick, and the rest (config, dataset, audit, doctor)
 * only read.  --no-refresh turns the refresh off: the read commands then
 * write nothing at all (a read-only mount, a monitor that polls); decisions
 * are writes and still make them (and the library still applies its own
 * rules to them, e.g. no approval after the approval deadline).
 */
#include "cli.h"
#include <stdarg.h>
#include <unistd.h>

struct scq_open_options cli_opts;
const struct cmd *cli_current;

static const struct cmd commands[] = {
	{ "init", cmd_init, "", "create my datasite, app folder and private store", 0 },
	{ "submit", cmd_submit, "FOLDER --to EMAIL --name NAME [--description TEXT] [--tag TAG]... [--timeout SECONDS] [--convert-crlf] [--context TEXT] [--revises ID] [--runtime NAME] [--force] [--json]",
	  "submit a code folder (with run.sh) to a data owner (--timeout: how long it may wait "
	  "for approval, default 86400 s; how long it may run is the owner's job_timeout; "
	  "--context: CONTEXT.md for the owner's output check; --revises (alias --resubmit): this is a new version of an earlier job of "
	  "mine to the same owner, whose review shows what changed)", 0 },
	{ "submit-python", cmd_submit_python, "FILE|- --to EMAIL --name NAME [--requirement PKG]... [options of submit]",
	  "submit a Python script (run.sh is generated)", 0 },
	{ "submit-bash", cmd_submit_bash, "FILE|- --to EMAIL --name NAME [options of submit]",
	  "submit a bash script (run.sh is generated)", 0 },
	{ "jobs", cmd_jobs, "[--status S] [--held] [--json]", "the jobs I submitted, with their status", RUN_CLEAN },
	{ "pending", cmd_pending, "[--json] [--owner OWNER]", "jobs waiting for my approval, "
	  "then those other owners share with me for my vote (--owner: only OWNER's)", RUN_REFRESH },
	{ "list", cmd_list, "[--status S] [--held] [--json]",
	  "all jobs submitted to me (--held: results waiting for my release)", RUN_REFRESH },
	{ "show", cmd_show, "ID [--json]", "one job, as I may see it", RUN_REFRESH },
	{ "review", cmd_review, "ID [--full | --file PATH | --json] [--owner OWNER] | ID --raw [PATH]",
	  "the owner's review: metadata, digest, files, run.sh whole and the start of the rest "
	  "(--full: every file whole; --file: one file whole; --raw: a file's exact bytes)", RUN_REFRESH },
	{ "approve", cmd_approve, "ID [-r REASON] [--allow-network] [--owner OWNER]",
	  "approve a pending job (with approvals_required > 1: one vote; --owner: as OWNER's "
	  "delegated reviewer, through its inbox)", RUN_REFRESH },
	{ "vote", cmd_approve, "ID [-r REASON] [--allow-network] [--owner OWNER]",
	  "the same as approve", RUN_REFRESH },
	{ "votes", cmd_votes, "ID [--json]", "the approvals a job has (two-person rule)", RUN_REFRESH },
	{ "reject", cmd_reject, "ID -r REASON", "reject a pending job", RUN_REFRESH },
	{ "rerun", cmd_rerun, "ID [-r REASON]",
	  "run an approved, finished job again: a new job of the same code, approved by this "
	  "command (refused if the code changed since its approval)", RUN_REFRESH },
	{ "cancel", cmd_cancel, "ID", "cancel a job (its requester or its owner)", RUN_REFRESH },
	{ "release", cmd_release, "ID [-r REASON] | ID [--file PATH...] [--log] [--withhold PATH=REASON]... [--withhold-reason TEXT] -r REASON [--ack-flags] [--owner OWNER]",
	  "send a finished job's held log and outputs (release review): all, or only the files "
	  "named (--log: the log too, or alone: only the log), the rest withheld with a reason each (--withhold "
	  "PATH=REASON, else --withhold-reason, else a default); releasing an output that "
	  "carries a disclosure-risk flag (scq review-output) needs --ack-flags: you checked it; "
	  "with release_approvals_required 2+, one vote (--owner: a reviewer's, to OWNER)",
	  RUN_REFRESH },
	{ "withhold", cmd_withhold, "ID -r REASON [--withhold PATH=REASON]...",
	  "send none of a held job's log and outputs; the requester sees the reasons", RUN_REFRESH },
	{ "return", cmd_return, "ID -r COMMENT",
	  "return a held job to its requester for changes (nothing is sent; it may resubmit)",
	  RUN_REFRESH },
	{ "review-output", cmd_review_output, "ID [--json] | --dir DIR [--json]",
	  "the owner's output checks of a finished job: disclosure-risk flags (small and unrounded "
	  "counts, identifiers, dominance, file types, ...) per file, row and column (--dir: of a "
	  "folder holding output/ and execution.log, as scq try leaves it, with my thresholds)", RUN_REFRESH },
	{ "export", cmd_export, "ID --acro DIR",
	  "write a released job's outputs and an ACRO results.json (SACRO-Viewer) into DIR", RUN_REFRESH },
	{ "logs", cmd_logs, "ID [--raw]", "print a finished job's execution log (--raw: its exact bytes)", RUN_REFRESH },
	{ "output", cmd_output, "ID [--to DIR] [--json] [--wait [--timeout SECONDS]]",
	  "list or copy a job's outputs (exit 1 until all have synced)", RUN_REFRESH },
	{ "wait", cmd_wait, "ID [--timeout SECONDS] [--json]",
	  "wait until a job ends and, under release review, its results are decided on (exit 0 only if completed; --timeout default 600, 0 waits forever)", RUN_REFRESH },
	{ "republish", cmd_republish, "ID", "owner: finish publishing a job's results after a failure (disk full)", RUN_REFRESH },
	{ "status", cmd_status, "[--json]", "queue summary as owner and as requester",
	  RUN_REFRESH | RUN_CLEAN },
	{ "run", cmd_run, "[--watch] [--json] [--lock FILE]", "run approved jobs (one cycle, or a loop; --lock: one runner per FILE)", 0 },
	{ "config", cmd_config, "get KEY | set KEY VALUE | list [--json]", "the data owner's settings", 0 },
	{ "dataset", cmd_dataset, "add NAME PATH [--mock DIR [--description TEXT] [--mock-readers A,B]] | remove NAME | list [--json]",
	  "datasets exposed to jobs read-only (--mock: publish mock data and its schema beside it)", 0 },
	{ "runtime", cmd_runtime, "add NAME PATH | remove NAME | list [--json] | publish",
	  "runtimes jobs may run on (a venv, a conda prefix, /usr), read-only at /runtime/NAME; "
	  "published as public/code-queue/runtimes.json", 0 },
	{ "runtimes", cmd_runtimes, "OWNER [--json | --all]",
	  "what an owner's runtimes hold (python, packages), before submitting", 0 },
	{ "datasets", cmd_datasets, "OWNER [--json]",
	  "the mock data, schemas and limits an owner publishes for jobs", 0 },
	{ "try", cmd_try, "FOLDER --to OWNER [--out DIR] [--name NAME] [--json]",
	  "a dry run on my machine: the owner's sandbox, limits and mock data at /data/NAME, "
	  "the output checks; nothing reaches the owner", 0 },
	{ "reviewers", cmd_reviewers, "add EMAIL | remove EMAIL | list [--json]",
	  "identities I delegate to approve jobs (approvals_required)", 0 },
	{ "keys", cmd_keys, "list | accept EMAIL | sign FOLDER",
	  "requesters' signing keys pinned at first use; accept a changed one; sign a "
	  "hand-made job folder", 0 },
	{ "audit", cmd_audit, "[--verify] [--json]", "print or verify the hash-chained audit log", 0 },
	{ "doctor", cmd_doctor, "[--json]", "what isolation this machine supports", 0 },
	{ "ui", cmd_ui, "[--port N] [--role owner|requester]",
	  "the dashboard: a web server on 127.0.0.1 (port: --port, SYFTBOX_ASSIGNED_PORT or a "
	  "free one); open the address with its token that it prints", 0 },
	{ "demo", cmd_demo, "[--keep]", "the whole workflow, two identities, throwaway workspace", 0 },
};

static void usage(FILE *f)
{
	size_t i;
	fprintf(f, "usage: scq [--email E] [--data-dir D] [--config FILE] COMMAND [ARGS]\n\n"
		"syft-code-queue: data scientists submit code, data owners review,\n"
		"approve and run it in a sandbox, results go back to the submitter.\n\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nIdentity: --email/--data-dir, else SYFTBOX_EMAIL/SYFTBOX_DATA_DIR, else the\n"
		"SyftBox config (~/.syftbox/config.json).  'scq COMMAND --help' for details.\n"
		"--no-refresh: skip the maintenance step that commands which show or decide on\n"
		"jobs run first (taking new jobs from the inbox, expiring old ones):\n"
		"views then show the queue as stored and write nothing; decisions\n"
		"(approve, reject, cancel, release, ...) still write, and still refuse a job\n"
		"whose approval wait has ended.\n");
}

/* If a is the global option name ("--email" or "--email=VALUE", never a
 * longer word that starts with it, like --emailfoo), the slot for its
 * value, else NULL; *joined: the value when given after '='. */
static const char **global_slot(const char *a, const char *cmd, const char **joined)
{
	static const struct { const char *name; const char **slot; } g[] = {
		{ "--email", &cli_opts.email },
		{ "--data-dir", &cli_opts.data_dir },
		{ "--config", &cli_opts.config_path },
	};
	size_t i, n;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		n = strlen(g[i].name);
		if (strncmp(a, g[i].name, n) || (a[n] && a[n] != '='))
			continue;
		if (!strcmp(g[i].name, "--config") && !strcmp(cmd, "config"))
			return NULL;
		*joined = a[n] ? a + n + 1 : NULL;
		return g[i].slot;
	}
	return NULL;
}

/* Pull the global options out of argv, wherever they are. */
static int take_globals(int *argc, char **argv)
{
	int i, j = 1;
	for (i = 1; i < *argc; i++) {
		const char *a = argv[i], *val = NULL;
		const char **slot = global_slot(a, argv[1], &val);
		if (!strcmp(a, "--"))
			break;
		if (!strcmp(a, "--no-refresh")) {
			cli_no_refresh = 1;
			continue;
		}
		if (slot && val) {
			*slot = val;
		} else if (slot) {
			if (i + 1 >= *argc)
				return cli_usage_error("option '%s' needs a value", a);
			*slot = argv[++i];
		} else
			argv[j++] = argv[i];
	}
	for (; i < *argc; i++)
		argv[j++] = argv[i];
	argv[j] = NULL;
	*argc = j;
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;
	int r;
	if (take_globals(&argc, argv))
		return EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("scq %s (protocol %d)\n", SCQ_VERSION, SCQ_PROTOCOL_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		cli_current = &commands[i];
		if (cli_wants_help(argc - 1, argv + 1))
			return cli_help();
		cli_refresh_flags = cli_no_refresh ? 0 : commands[i].refresh; /* by cli_open */
		r = commands[i].fn(argc - 1, argv + 1);
		cli_markers_notice();
		return r;
	}
	fprintf(stderr, "scq: unknown %s '%s' (see 'scq --help')\n",
		argv[1][0] == '-' ? "option" : "command", argv[1]);
	return EXIT_USAGE;
}
