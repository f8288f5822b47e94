/*
 * cmd-demo.c - scq demo: the whole workflow with two identities in a
 * throwaway workspace, printed step by step.  Uses only the public API,
 * exactly as a bot would.
 */
#include "cli.h"
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#define DS "ds@university.example"
#define DO "owner@hospital.example"

static int step_fail(scq *h, const char *what)
{
	fprintf(stderr, "scq demo: %s failed: %s\n", what, scq_errmsg(h));
	return EXIT_FAIL;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return -1;
	return 0;
}

static int make_inputs(const char *ws, char *code, char *data)
{
	snprintf(code, 4096, "%s/my_analysis", ws);
	snprintf(data, 4096, "%s/patients", ws);
	char mock[4200];
	snprintf(mock, sizeof(mock), "%s-mock", data);
	if (mkdir(code, 0755) < 0 || mkdir(data, 0755) < 0 || mkdir(mock, 0755) < 0)
		return -1;
	return write_file(data, "ages.csv", "age\n34\n51\n67\n45\n")
	    || write_file(mock, "ages.csv", "age\n20\n30\n")
	    || write_file(code, "run.sh", "#!/bin/bash\nset -e\npython3 analyze.py\n")
	    || write_file(code, "analyze.py",
		"import csv, os, json\n"
		"rows = list(csv.DictReader(open(os.path.join(os.environ['DATA_DIR'], 'patients', 'ages.csv'))))\n"
		"ages = [int(r['age']) for r in rows]\n"
		"res = {'count': len(ages), 'mean_age': sum(ages) / len(ages)}\n"
		"json.dump(res, open(os.path.join(os.environ['OUTPUT_DIR'], 'result.json'), 'w'))\n"
		"print('aggregate written:', res)\n");
}

static void show_logs(scq *h, const char *uid)
{
	char *text = NULL;
	size_t len;
	size_t i, start = 0;
	if (scq_job_logs(h, uid, &text, &len) == 0)
		for (i = 0; i <= len; i++)
			if (i == len || text[i] == '\n') {
				char *e = scq_escape_text(text + start, i - start, SCQ_SHOW_MULTILINE, NULL);
				printf("   %s\n", e);
				free(e);
				start = i + 1;
			}
	free(text);
}

/* Step 8: the requester revises the job (submit --revises); the owner's
 * review shows only what changed, approves and runs the new version. */
static int demo_revision(scq *ds, scq *own, const char *code, const char *first)
{
	struct scq_submit_options so;
	struct scq_run_stats st;
	char *uid = NULL, *diff = NULL, *base = NULL;
	int r = EXIT_FAIL, status = -1;
	if (write_file(code, "analyze.py",
		"import csv, os, json\n"
		"rows = list(csv.DictReader(open(os.path.join(os.environ['DATA_DIR'], 'patients', 'ages.csv'))))\n"
		"ages = [int(r['age']) for r in rows]\n"
		"res = {'count': len(ages), 'mean_age': round(sum(ages) / len(ages), 1)}\n"
		"json.dump(res, open(os.path.join(os.environ['OUTPUT_DIR'], 'result.json'), 'w'))\n"
		"print('aggregate written:', res)\n") < 0) {
		fprintf(stderr, "scq demo: cannot write the revision: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	memset(&so, 0, sizeof(so));
	so.to = DO;
	so.folder = code;
	so.name = "Mean age, rounded";
	so.resubmit_of = first;
	if (scq_submit(ds, &so, &uid))
		return step_fail(ds, "submit --revises");
	printf("== 8. %s revises it (submit --revises): job %s\n", DS, uid);
	if (scq_refresh(own, SCQ_REFRESH_READS) || scq_job_diff(own, uid, &diff, &base)) {
		r = step_fail(own, "review of the revision");
		goto out;
	}
	printf("== 9. %s's review shows only what changed:\n%s", DO, diff);
	if (scq_approve(own, uid, "rounding only: fine", 0) || scq_run_cycle(own, &st) ||
	    scq_wait(ds, uid, 30, &status)) {
		r = step_fail(own, "approve and run of the revision");
		goto out;
	}
	printf("== 10. approved and run: %s sees status '%s'\n", DS, scq_status_name(status));
	r = status == SCQ_COMPLETED ? 0 : EXIT_FAIL;
out:
	free(uid);
	free(diff);
	free(base);
	return r;
}

int cmd_demo(int argc, char **argv)
{
	/* mkdtemp template: the X's become a unique name (under $TMPDIR) */
	char ws[2048], code[4096], data[4096], *uid = NULL, *js = NULL;
	struct scq_open_options o_ds = { DS, ws, NULL }, o_do = { DO, ws, NULL };
	struct scq_run_stats st;
	struct scq_submit_options so;
	scq_job_list *l = NULL;
	scq *ds = NULL, *own = NULL;
	int keep = argc > 1 && !strcmp(argv[1], "--keep"), r = EXIT_FAIL, status = -1;
	const char *tags[] = { "statistics", NULL };
	const char *tmpdir = getenv("TMPDIR");
	char mock[4200], tried[2100];
	struct scq_mock_options mo = { mock, "ages, synthetic", NULL };
	struct scq_try_options to = { code, DO, tried, "Mean age" };
	if (argc > 2 || (argc == 2 && !keep)) /* --kep is no --keep: refuse it */
		return cli_usage_error("unexpected argument '%s'", argv[argc - 1]);
	snprintf(ws, sizeof(ws), "%s/scq-demo-XXXXXX", tmpdir && *tmpdir == '/' ? tmpdir : "/tmp");
	if (!mkdtemp(ws) || make_inputs(ws, code, data) < 0) {
		fprintf(stderr, "scq demo: cannot set up a workspace: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	printf("== workspace %s (identities %s and %s)\n", ws, DS, DO);
	if (scq_open(&ds, &o_ds) || scq_open(&own, &o_do) || scq_init_datasite(ds) || scq_init_datasite(own)) {
		r = step_fail(ds && *scq_errmsg(ds) ? ds : own, "init");
		goto out;
	}
	snprintf(mock, sizeof(mock), "%s-mock", data);
	if (scq_dataset_publish(own, "patients", data, &mo)) {
		r = step_fail(own, "dataset add");
		goto out;
	}
	printf("== 1. %s exposes dataset 'patients' (read-only to jobs) and publishes mock data\n", DO);
	snprintf(tried, sizeof(tried), "%s/try", ws);
	if (scq_try(ds, &to, &js)) {
		r = step_fail(ds, "try");
		goto out;
	}
	{
		scq_value *rep = scq_value_parse(js, 0);
		printf("== 1b. %s tries the job on the mock, on its own machine (scq try): %s, "
		       "%zu output(s)\n", DS, scq_value_string(scq_value_get(rep, "status")),
		       scq_value_size(scq_value_get(rep, "outputs")));
		scq_value_free(rep);
	}
	free(js);
	js = NULL;
	memset(&so, 0, sizeof(so));
	so.to = DO;
	so.folder = code;
	so.name = "Mean age";
	so.description = "Average age of the cohort";
	so.tags = tags;
	if (scq_submit(ds, &so, &uid)) {
		r = step_fail(ds, "submit");
		goto out;
	}
	printf("== 2. %s submits job %s\n", DS, uid);
	/* listing only reads: the owner takes the job from the inbox first */
	if (scq_refresh(own, SCQ_REFRESH_READS) || scq_list(own, SCQ_AS_OWNER, SCQ_PENDING, &l)) {
		r = step_fail(own, "pending");
		goto out;
	}
	printf("== 3. %s sees %zu pending job(s); reviews the files:\n", DO, scq_job_list_count(l));
	if (scq_job_files(own, uid, &js) == 0)
		printf("   %s\n", js);
	if (scq_approve(own, uid, "aggregate only: fine", 0)) {
		r = step_fail(own, "approve");
		goto out;
	}
	printf("== 4. %s approves it\n", DO);
	memset(&st, 0, sizeof(st));
	if (scq_run_cycle(own, &st)) {
		r = step_fail(own, "run");
		goto out;
	}
	printf("== 5. the runner ran %u job(s): %u completed, %u failed\n", st.started, st.completed, st.failed);
	if (scq_wait(ds, uid, 30, &status)) {
		r = step_fail(ds, "wait");
		goto out;
	}
	printf("== 6. %s sees status '%s'; the log:\n", DS, scq_status_name(status));
	show_logs(ds, uid);
	printf("== 7. audit log: ");
	{
		unsigned long n = 0;
		if (scq_audit_verify(own, &n) == 0)
			printf("%lu entries, hash chain intact\n", n);
		else
			printf("%s\n", scq_errmsg(own));
	}
	r = status == SCQ_COMPLETED ? demo_revision(ds, own, code, uid) : EXIT_FAIL;
	printf("== demo %s\n", r ? "FAILED (see the log above; 'scq doctor' tells what the sandbox needs)" : "succeeded");
out:
	scq_job_list_free(l);
	free(js);
	free(uid);
	scq_close(ds);
	scq_close(own);
	if (!keep) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ws);
		if (system(cmd) != 0)
			fprintf(stderr, "scq demo: could not remove %s\n", ws);
	} else
		printf("workspace kept: %s\n", ws);
	return r;
}
