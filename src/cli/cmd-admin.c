/*
 * cmd-admin.c - scq init, run, config, dataset, audit, doctor.
 */
#include <time.h>
#include "cli.h"
#include <getopt.h>
#include <signal.h>
#include <sys/file.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static int simple(scq *h, int r)
{
	if (r)
		r = cli_fail(h, r);
	scq_close(h);
	return r;
}

int cmd_init(int argc, char **argv)
{
	scq *h;
	int r;
	(void)argv;
	if (argc != 1)
		return cli_usage_error("init takes no arguments");
	h = cli_open();
	r = scq_init_datasite(h);
	if (!r)
		printf("datasite of %s ready under %s\n", scq_email(h), scq_data_dir(h));
	return simple(h, r);
}

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* scq_set_log hook of `run --watch`: one stamped line on stderr.  The
 * library's lines show submitter names with markers already: shown as
 * they are (SCQ_SHOW_MARKED), never escaped twice. */
static void log_line(const char *line, void *ctx)
{
	char *safe = scq_escape_text(line, strlen(line), SCQ_SHOW_MARKED, NULL);
	time_t now = time(NULL);
	struct tm tm;
	char at[32];
	(void)ctx;
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(stderr, "scq run: %s %s\n", at, safe);
	free(safe);
}

/* --lock FILE: one runner per lock.  The lock is held by this process on a
 * close-on-exec fd, so no job inherits it and a SIGTERM to this process
 * (not to a wrapper such as flock(1), which would not pass it on) ends
 * runner and lock together.  0, or exit status 1 when another holds it. */
static int take_run_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "scq: lock file '%s': %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "scq: another runner holds '%s'%s\n", path,
			errno == EWOULDBLOCK ? "" : ": cannot lock it");
		close(fd);
		return EXIT_FAIL;
	}
	return 0; /* fd stays open (and locked) for the life of the process */
}

int cmd_run(int argc, char **argv)
{
	int watch = 0, json = 0, i, r;
	const char *lock = NULL;
	struct scq_run_stats st;
	scq *h;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--watch"))
			watch = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--lock") && i + 1 < argc)
			lock = argv[++i];
		else
			return cli_usage_error("unknown option '%s'", argv[i]);
	}
	if (lock && (r = take_run_lock(lock)))
		return r;
	h = cli_open();
	if ((r = scq_init_datasite(h)))
		return simple(h, r);
	if (watch) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		scq_set_log(h, log_line, NULL);
		/* one line at start: a quiet service still says it is up */
		log_line("watching for jobs (approvals, the inbox, deadlines); SIGTERM or Ctrl-C stops",
			 NULL);
		r = scq_run_watch(h, &stop_flag);
		return simple(h, r);
	}
	memset(&st, 0, sizeof(st));
	r = scq_run_cycle(h, &st);
	cli_print_ingest_notices(h);
	if (!r && json)
		printf("{\"started\":%u,\"completed\":%u,\"failed\":%u,\"cancelled\":%u,"
		       "\"recovered\":%u,\"cleaned\":%u,\"undelivered\":%u}\n", st.started, st.completed,
		       st.failed, st.cancelled, st.recovered, st.cleaned, st.undelivered);
	else if (!r)
		printf("ran %u job(s): %u completed, %u failed, %u cancelled; %u recovered, "
		       "%u cleaned up\n", st.started, st.completed, st.failed, st.cancelled,
		       st.recovered, st.cleaned);
	if (!r && st.undelivered)
		fprintf(stderr, "scq: the results of %u job(s) could not be collected or "
			"published (disk full?); see `scq status`, then `scq republish ID`\n",
			st.undelivered);
	return simple(h, r);
}

/* Pull a trailing "--json" out of argv: 1 if it was there. */
static int take_json(int *argc, char **argv)
{
	int i, found = 0, j = 0;
	for (i = 0; i < *argc; i++)
		if (i > 0 && !strcmp(argv[i], "--json"))
			found = 1;
		else
			argv[j++] = argv[i];
	argv[j] = NULL;
	*argc = j;
	return found;
}

/* A JSON object from the library: as JSON, or as aligned readable lines
 * (empty: the `none` line). */
static void print_object_json(char *js, int json, const char *none)
{
	scq_value *o = json ? NULL : scq_value_parse(js, 0);
	if (json)
		printf("%s\n", js);
	else if (scq_value_type(o) == SCQ_VALUE_OBJECT && scq_value_size(o))
		cli_print_object(o, 0);
	else
		printf("%s\n", none);
	scq_value_free(o);
}

/* default_runtime may name a runtime added later; say so now, not when a
 * job fails for it. */
static void warn_unknown_runtime(scq *h, const char *name)
{
	char *js = NULL;
	scq_value *v;
	if (!strcmp(name, "none") || scq_runtime_list(h, &js))
		return;
	v = scq_value_parse(js, 0);
	if (!scq_value_get(v, name)) {
		fprintf(stderr, "scq: warning: no runtime named '");
		cli_put(stderr, name);
		fprintf(stderr, "' yet: jobs that use the default fail until `scq runtime add` "
			"registers it\n");
	}
	scq_value_free(v);
	free(js);
}

int cmd_config(int argc, char **argv)
{
	scq *h;
	char *v = NULL;
	int r, json = take_json(&argc, argv);
	if (argc < 2 || (!strcmp(argv[1], "get") && argc != 3) ||
	    (!strcmp(argv[1], "set") && argc != 4) || (!strcmp(argv[1], "list") && argc != 2) ||
	    (strcmp(argv[1], "get") && strcmp(argv[1], "set") && strcmp(argv[1], "list")) ||
	    (json && strcmp(argv[1], "list")))
		return cli_usage_error("expected: config get KEY | config set KEY VALUE | config list [--json]");
	h = cli_open();
	if (!strcmp(argv[1], "get")) {
		r = scq_config_get(h, argv[2], &v);
		if (!r)
			printf("%s\n", v);
	} else if (!strcmp(argv[1], "set")) {
		r = scq_config_set(h, argv[2], argv[3]);
		/* requesters read the default from the publication */
		if (!r && !strcmp(argv[2], "default_runtime")) {
			warn_unknown_runtime(h, argv[3]);
			r = scq_runtime_publish(h);
		}
	} else {
		r = scq_config_json(h, &v);
		if (!r)
			print_object_json(v, json, "(no settings)");
	}
	free(v);
	if (r == SCQ_ENOTFOUND) {
		const char *const *k = scq_config_keys();
		cli_fail(h, r);
		fprintf(stderr, "known settings:");
		for (; *k; k++)
			fprintf(stderr, " %s", *k);
		fprintf(stderr, "\n");
		scq_close(h);
		return EXIT_USAGE;
	}
	return simple(h, r);
}

/* dataset add NAME PATH [--mock DIR [--description TEXT] [--mock-readers LIST]] */
static int dataset_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mock", 1, 0, 'm' }, { "description", 1, 0, 'd' }, { "mock-readers", 1, 0, 'r' },
		{ 0, 0, 0, 0 } };
	struct scq_mock_options o = { NULL, NULL, NULL };
	int c;
	scq *h;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o.mock = optarg; break;
		case 'd': o.description = optarg; break;
		case 'r': o.readers = optarg; break;
		case ':': return cli_usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 2)
		return cli_usage_error("expected: dataset add NAME PATH [--mock DIR "
				       "[--description TEXT] [--mock-readers A,B]]");
	if (!o.mock && (o.description || o.readers))
		return cli_usage_error("--description and --mock-readers describe a mock: "
				       "give --mock DIR");
	h = cli_open();
	return simple(h, o.mock ? scq_dataset_publish(h, argv[optind], argv[optind + 1], &o) :
		      scq_dataset_add(h, argv[optind], argv[optind + 1]));
}

int cmd_dataset(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r, json;
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return dataset_add(argc - 1, argv + 1);
	json = take_json(&argc, argv);
	if (argc < 2 || (!strcmp(argv[1], "remove") && argc != 3) ||
	    (!strcmp(argv[1], "list") && argc != 2) ||
	    (strcmp(argv[1], "remove") && strcmp(argv[1], "list")) ||
	    (json && strcmp(argv[1], "list")))
		return cli_usage_error("expected: dataset add NAME PATH [--mock DIR [--description "
				       "TEXT] [--mock-readers A,B]] | dataset remove NAME | "
				       "dataset list [--json]");
	h = cli_open();
	if (!strcmp(argv[1], "remove"))
		r = scq_dataset_remove(h, argv[2]);
	else {
		r = scq_dataset_list(h, &js);
		if (!r)
			print_object_json(js, json, "No datasets (scq dataset add NAME PATH).");
	}
	free(js);
	return simple(h, r);
}

/* An audit field, shown on one line, padded to width (a tampered log may
 * hold anything). */
/* Wide enough for most e-mails; a longer one pushes its reason right (it
 * is never cut). */
#define AUDIT_ACTOR_WIDTH 26

static void audit_field(const char *v, int width)
{
	char *e = scq_escape_terminal(v ? v : "-", strlen(v ? v : "-"));
	printf("%-*s  ", width, e);
	free(e);
}

/* One audit entry for people: seq, time, event, job, actor, reason. */
static void audit_human(const char *line, unsigned long n)
{
	scq_value *o = scq_value_parse(line, SCQ_VALUE_NO_DUPLICATES);
	const char *uid = scq_value_string(scq_value_get(o, "uid"));
	const char *reason = scq_value_string(scq_value_get(o, "reason"));
	char short_uid[9];
	if (n == 1)
		printf("%5s  %-27s  %-14s  %-8s  %-*s  %s\n", "SEQ", "AT (UTC)", "EVENT", "JOB",
		       AUDIT_ACTOR_WIDTH, "ACTOR", "REASON");
	if (scq_value_type(o) != SCQ_VALUE_OBJECT) {
		printf("%5lu  (line %lu is not an audit entry: ", n, n);
		cli_put(stdout, line);
		printf(")\n");
		scq_value_free(o);
		return;
	}
	if (uid && scq_uid_valid(uid)) /* the table shows uids as prefixes */
		uid = memcpy(short_uid, uid, 8), short_uid[8] = '\0', short_uid;
	printf("%5lld  ", scq_value_int(scq_value_get(o, "seq")));
	audit_field(scq_value_string(scq_value_get(o, "at")), 27);
	audit_field(scq_value_string(scq_value_get(o, "event")), 14);
	audit_field(uid, 8);
	if (!reason) { /* the last column: no padding after it */
		cli_put(stdout, scq_value_string(scq_value_get(o, "actor")));
	} else {
		audit_field(scq_value_string(scq_value_get(o, "actor")), AUDIT_ACTOR_WIDTH);
		/* stored as shown: quarantine reasons hold the library's markers */
		cli_put_msg(stdout, reason, strlen(reason));
	}
	printf("\n");
	scq_value_free(o);
}

static int audit_print(scq *h, int json)
{
	FILE *f = fopen(scq_audit_path(h), "r");
	char line[65536];
	unsigned long n = 0;
	int r = 0;
	if (json)
		printf("[");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		n++;
		if (!json) {
			audit_human(line, n);
			continue;
		}
		scq_value *o = scq_value_parse(line, SCQ_VALUE_NO_DUPLICATES);
		char *c = o ? scq_value_dump(o, SCQ_VALUE_SORT_KEYS) : NULL;
		if (!c) {
			fprintf(stderr, "scq: line %lu of the audit log is not JSON "
				"(scq audit --verify checks it)\n", n);
			r = EXIT_FAIL;
		}
		printf("%s%s", n > 1 ? ",\n" : "\n", c ? c : "null");
		free(c);
		scq_value_free(o);
	}
	if (json)
		printf(n ? "\n]\n" : "]\n");
	else if (!n)
		printf("The audit log is empty.\n");
	if (f)
		fclose(f);
	return r;
}

int cmd_audit(int argc, char **argv)
{
	unsigned long n = 0;
	scq *h;
	int r = 0, json = take_json(&argc, argv);
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--verify")))
		return cli_usage_error("expected: audit [--verify] [--json]");
	h = cli_open();
	if (argc == 2) {
		r = scq_audit_verify(h, &n);
		if (!r && json)
			printf("{\"intact\":true,\"entries\":%lu}\n", n);
		else if (!r)
			printf("audit log intact: %lu entries, hash chain verified\n", n);
	} else {
		r = audit_print(h, json);
		scq_close(h);
		return r;
	}
	return simple(h, r);
}

int cmd_doctor(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r, json = take_json(&argc, argv);
	if (argc > 1)
		return cli_usage_error("expected: doctor [--json]");
	h = cli_open();
	r = scq_doctor_json(h, &js);
	if (!r)
		print_object_json(js, json, "(no report)");
	free(js);
	return simple(h, r);
}

/* scq exec-node DIR: the batch script of the Slurm backend runs this on
 * the node (hidden from the command list: people never call it).  Exit 0
 * once DIR/status.json is written, 1 when nothing ran. */
int cmd_exec_node(int argc, char **argv)
{
	char *msg = NULL;
	int r;
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: scq exec-node /ABSOLUTE/STAGED/FOLDER\n\nrun one job the Slurm "
		       "executor staged there, on this node, in the sandbox (the batch script's "
		       "command, not for people: README, Running on a Slurm cluster)\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] != '/')
		return cli_usage_error("expected: exec-node /ABSOLUTE/STAGED/FOLDER");
	r = scq_exec_node(argv[1], &msg);
	if (msg)
		fprintf(stderr, "scq exec-node: %s\n", msg);
	free(msg);
	return r ? 1 : 0;
}
