/*
 * cmd-admin.c - scq init, run, config, dataset, audit, doctor.
 */
#include "cli.h"
#include <getopt.h>
#include <signal.h>
#include <sys/file.h>
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

int cmd_run(int argc, char **argv)
{
	int watch = 0, json = 0, i, r;
	struct scq_run_stats st;
	scq *h;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--watch"))
			watch = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return cli_usage_error("unknown option '%s'", argv[i]);
	}
	h = cli_open();
	if ((r = scq_init_datasite(h)))
		return simple(h, r);
	if (watch) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
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

int cmd_config(int argc, char **argv)
{
	scq *h;
	char *v = NULL;
	int r;
	if (argc < 2 || (!strcmp(argv[1], "get") && argc != 3) ||
	    (!strcmp(argv[1], "set") && argc != 4) || (!strcmp(argv[1], "list") && argc != 2) ||
	    (strcmp(argv[1], "get") && strcmp(argv[1], "set") && strcmp(argv[1], "list")))
		return cli_usage_error("expected: config get KEY | config set KEY VALUE | config list");
	h = cli_open();
	if (!strcmp(argv[1], "get")) {
		r = scq_config_get(h, argv[2], &v);
		if (!r)
			printf("%s\n", v);
	} else if (!strcmp(argv[1], "set")) {
		r = scq_config_set(h, argv[2], argv[3]);
	} else {
		r = scq_config_json(h, &v);
		if (!r)
			printf("%s\n", v);
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

int cmd_dataset(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r;
	if (argc < 2 || (!strcmp(argv[1], "add") && argc != 4) ||
	    (!strcmp(argv[1], "remove") && argc != 3) || (!strcmp(argv[1], "list") && argc != 2) ||
	    (strcmp(argv[1], "add") && strcmp(argv[1], "remove") && strcmp(argv[1], "list")))
		return cli_usage_error("expected: dataset add NAME PATH | dataset remove NAME | dataset list");
	h = cli_open();
	if (!strcmp(argv[1], "add"))
		r = scq_dataset_add(h, argv[2], argv[3]);
	else if (!strcmp(argv[1], "remove"))
		r = scq_dataset_remove(h, argv[2]);
	else {
		r = scq_dataset_list(h, &js);
		if (!r)
			printf("%s\n", js);
	}
	free(js);
	return simple(h, r);
}

int cmd_audit(int argc, char **argv)
{
	unsigned long n = 0;
	scq *h;
	int r = 0;
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--verify")))
		return cli_usage_error("expected: audit [--verify]");
	h = cli_open();
	if (argc == 2) {
		r = scq_audit_verify(h, &n);
		if (!r)
			printf("audit log intact: %lu entries, hash chain verified\n", n);
	} else {
		FILE *f = fopen(scq_audit_path(h), "r");
		char line[65536];
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			cli_put(stdout, line);
			printf("\n");
		}
		if (f)
			fclose(f);
	}
	return simple(h, r);
}

int cmd_doctor(int argc, char **argv)
{
	scq *h;
	char *js = NULL;
	int r;
	(void)argv;
	if (argc > 2)
		return cli_usage_error("expected: doctor [--json]");
	h = cli_open();
	r = scq_doctor_json(h, &js);
	if (!r)
		printf("%s\n", js);
	free(js);
	return simple(h, r);
}
