/*
 * fuzz-job - the whole ingest path over a hostile job.json.
 *
 * Each input becomes inbox/<REQ>/<UID>/job.json of a throwaway owner
 * datasite, beside a fixed code/ folder (run.sh and main.py, the files of
 * the seed submission), and scq_ingest takes it through the public API.
 * Invariants checked after every run:
 *   - scq_ingest succeeds (hostile input is quarantined, not an error);
 *   - the job is exactly one of: ingested (in jobs/pending, gone from the
 *     inbox), quarantined (one quarantine entry, gone from the inbox) or
 *     incomplete (still in the inbox, nowhere else), and the counters say
 *     the same: never both ingested and quarantined;
 *   - the quarantine notice is terminal-safe.
 * The store, outbox and inbox folder are wiped between runs, so every
 * input starts from the same state.  SCQ_FUZZ_VERBOSE=1 prints each
 * outcome (to check what the seeds reach).
 */
#include "fuzz-common.h"
#include <dirent.h>
#include "base/alloc.h"
#include "store/queue.h"

#define OWNER "owner@example.org"
#define REQ "ds@example.org"
#define UID "140e1d9f-9e8e-45ae-987c-45df0b481c0c"

static char *data_dir, *app, *inbox_req, *job_dir, *code_dir;

static char *cat(const char *a, const char *b)
{
	return path_join(a, b);
}

static void setup(void)
{
	struct scq_open_options o = { OWNER, NULL, NULL };
	scq *h;
	data_dir = xstrdup(fuzz_workspace("job"));
	o.data_dir = data_dir;
	if (scq_open(&h, &o) || scq_init_datasite(h)) {
		fprintf(stderr, "fuzz-job: setup: %s\n", scq_errmsg(h));
		abort();
	}
	scq_close(h);
	app = path_join(data_dir, "datasites/" OWNER "/app_data/code-queue");
	inbox_req = cat(app, "inbox/" REQ);
	job_dir = cat(inbox_req, UID);
	code_dir = cat(job_dir, "code");
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void check_notices(const char *s)
{
	for (; *s; s++)
		FUZZ_CHECK(*s == '\n' || ((unsigned char)*s >= 0x20 && *s != 0x7f));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct scq_open_options o = { OWNER, NULL, NULL };
	struct scq_ingest_stats st;
	char *path, *qdir;
	scq *h;
	int r, loc, nq, in_inbox;
	if (!ready) {
		setup();
		ready = 1;
	}
	o.data_dir = data_dir;
	if (size > JOB_JSON_MAX)
		return -1;
	fs_mkdir_p(code_dir, 0755);
	path = cat(job_dir, "job.json");
	fuzz_write(path, data, size, 0644);
	free(path);
	path = cat(code_dir, "run.sh");
	fuzz_write(path, "#!/bin/sh\necho hello\n", 21, 0755);
	free(path);
	path = cat(code_dir, "main.py");
	fuzz_write(path, "print(1)\n", 9, 0644);
	free(path);

	FUZZ_CHECK(scq_open(&h, &o) == 0);
	r = scq_ingest(h, &st);
	if (r != 0)
		fprintf(stderr, "fuzz-job: scq_ingest: %s\n", scq_errmsg(h));
	FUZZ_CHECK(r == 0);
	check_notices(scq_ingest_notices(h));

	loc = queue_locate(h, UID);
	qdir = path_join(h->store, "quarantine");
	nq = count_entries(qdir);
	in_inbox = access(job_dir, F_OK) == 0;
	FUZZ_CHECK(st.cancelled == 0 && st.expired == 0);
	FUZZ_CHECK(st.ingested + st.quarantined + st.incomplete == 1);
	FUZZ_CHECK(!(st.ingested && st.quarantined));
	if (st.ingested)
		FUZZ_CHECK(loc == SCQ_PENDING && nq == 0 && !in_inbox);
	else if (st.quarantined)
		FUZZ_CHECK(loc < 0 && nq == 1 && !in_inbox && *scq_ingest_notices(h));
	else
		FUZZ_CHECK(loc < 0 && nq == 0 && in_inbox);
	free(qdir);
	if (getenv("SCQ_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz-job: ingested %u quarantined %u incomplete %u %s",
			st.ingested, st.quarantined, st.incomplete, *scq_ingest_notices(h) ?
			scq_ingest_notices(h) : "\n");

	/* Back to the same clean state for the next input. */
	FUZZ_CHECK(fs_remove_tree(AT_FDCWD, h->store) == 0);
	scq_close(h);
	path = cat(app, "outbox");
	FUZZ_CHECK(fs_remove_tree(AT_FDCWD, path) == 0);
	free(path);
	FUZZ_CHECK(fs_remove_tree(AT_FDCWD, inbox_req) == 0);
	return 0;
}
