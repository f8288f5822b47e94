/*
 * t-record.c - unit tests of the job record (record.c): its JSON forms
 * round-trip with the key order the protocol always wrote, and the one
 * validator refuses each rule of doc/protocol.md §3 with the message
 * submit and ingest gave before they shared it.  Also the run record
 * (run-record.c: result.json read and written again is the same bytes,
 * absent and null keys stay so; the release rule), decision records, the
 * approval deadline and manifest entries.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "store/handle.h"
#include "queue/manifest.h"
#include "queue/record.h"
#include "queue/run-record.h"
#include "store/audit.h"
#include "store/commit.h"
#include "tap.h"

#define UID "0b8c1a52-3c7e-4f0a-9d2b-6e5f4a3b2c1d"
#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* A valid inbox job.json, with its digest filled in. */
static json_t *valid_inbox(void)
{
	char digest[65];
	json_t *files = json_pack("[{s:s,s:i,s:s,s:s}]", "path", "run.sh", "size", 8,
				  "mode", "0755", "sha256", SHA);
	json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:[s,s],s:s,s:s,s:s,s:i}", "version", 1,
			      "uid", UID, "name", "count rows", "description", "line 1\n\tline 2",
			      "tags", "a", "b", "requester_email", "ds@example.org",
			      "target_email", "do@example.org", "created_at",
			      "2026-11-30T10:00:00.000000Z", "timeout_seconds", 86400);
	manifest_digest(files, digest);
	json_object_set_new(o, "code_sha256", json_string(digest));
	json_object_set_new(o, "files", files);
	return o;
}

static void round_trip(void)
{
	static const char inbox[] =
		"{\"version\":1,\"uid\":\"" UID "\",\"name\":\"n\",\"description\":null,"
		"\"tags\":[\"t\"],\"requester_email\":\"ds@x.org\",\"target_email\":\"do@x.org\","
		"\"created_at\":\"2026-11-30T10:00:00Z\",\"timeout_seconds\":60,"
		"\"code_sha256\":\"" SHA "\",\"files\":[],\"skipped_files\":[\".DS_Store\"]}";
	struct job_record r = RECORD_INIT;
	json_t *in = json_loads(inbox, 0, NULL), *out;
	char *s;
	record_from_json(&r, in);
	is_str(r.uid, UID, "uid read");
	is_str(r.requester, "ds@x.org", "requester read");
	ok(r.description == NULL, "a null description reads as NULL");
	is_int((long long)r.ntags, 1, "one tag");
	is_int(r.timeout_seconds, 60, "timeout read");
	is_int(r.version, 1, "version read");
	out = record_to_json(&r, RECORD_INBOX);
	s = json_dumps(out, JSON_COMPACT);
	is_str(s, inbox, "inbox form round-trips byte for byte");
	free(s);
	json_decref(out);
	out = record_to_json(&r, RECORD_SUBMITTED);
	s = json_dumps(out, JSON_COMPACT);
	is_str(s, "{\"uid\":\"" UID "\",\"name\":\"n\",\"description\":null,\"tags\":[\"t\"],"
	       "\"requester_email\":\"ds@x.org\",\"target_email\":\"do@x.org\","
	       "\"created_at\":\"2026-11-30T10:00:00Z\",\"timeout_seconds\":60,"
	       "\"code_sha256\":\"" SHA "\",\"skipped_files\":[\".DS_Store\"],"
	       "\"status\":\"pending\"}", "submitted form: no files or version, status last");
	free(s);
	json_decref(out);
	r.submitted_at = r.created_at;
	r.created_at = xstrdup("2026-11-30T11:00:00Z");
	out = record_to_json(&r, RECORD_STORE);
	s = json_dumps(out, JSON_COMPACT);
	is_str(s, "{\"version\":1,\"uid\":\"" UID "\",\"name\":\"n\",\"description\":null,"
	       "\"tags\":[\"t\"],\"requester_email\":\"ds@x.org\",\"target_email\":\"do@x.org\","
	       "\"timeout_seconds\":60,\"code_sha256\":\"" SHA "\","
	       "\"submitted_at\":\"2026-11-30T10:00:00Z\",\"created_at\":\"2026-11-30T11:00:00Z\"}",
	       "store form: no files, the submitter's time as submitted_at");
	free(s);
	json_decref(out);
	record_release(&r);
	record_release(&r); /* twice is harmless */
	json_decref(in);
}

/* Change one field of a valid inbox record (v NULL: remove it) and return
 * ingest's message ("" when it passes). */
static char *ingest_msg(const char *key, json_t *v)
{
	struct record_expect x = { UID, "ds@example.org", "do@example.org", 10000 };
	struct job_record r = RECORD_INIT;
	struct buf err = BUF_INIT;
	json_t *o = valid_inbox();
	if (key && v)
		json_object_set_new(o, key, v);
	else if (key)
		json_object_del(o, key);
	record_from_json(&r, o);
	if (record_validate(&r, RECORD_CHECK_INGEST, &x, &err) == 0)
		buf_setf(&err, "%s", "");
	record_release(&r);
	json_decref(o);
	return buf_detach(&err, NULL);
}

static json_t *strings(size_t n, const char *s)
{
	json_t *a = json_array();
	while (n--)
		json_array_append_new(a, json_string(s));
	return a;
}

#define INGEST(key, v, want, name) do { \
		char *m_ = ingest_msg(key, v); \
		is_str(m_, want, "ingest: %s", name); \
		free(m_); \
	} while (0)

static void ingest_rules(void)
{
	char long_name[JOB_NAME_MAX + 2], long_tag[JOB_TAG_MAX + 2];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	memset(long_tag, 't', sizeof(long_tag) - 1);
	long_tag[sizeof(long_tag) - 1] = 0;
	INGEST(NULL, NULL, "", "a valid record passes");
	INGEST("version", json_integer(2), "field 'version' must be 1", "version 2");
	INGEST("version", json_string("1"), "field 'version' must be 1", "version a string");
	INGEST("uid", json_string("0b8c1a52-3c7e-4f0a-9d2b-6e5f4a3b2c1e"),
	       "field 'uid' does not match its folder name", "bad uid");
	INGEST("requester_email", json_string("boss@example.org"),
	       "field 'requester_email' is not the inbox folder's owner 'ds@example.org' "
	       "(spoofed identity)", "spoofed requester");
	INGEST("target_email", json_string("other@example.org"),
	       "field 'target_email' is not this datasite", "another target");
	INGEST("name", NULL, "field 'name' must be a string", "no name");
	INGEST("name", json_integer(3), "field 'name' must be a string", "a number as name");
	INGEST("name", json_string(""), "field 'name' is empty", "empty name");
	INGEST("name", json_string(long_name), "field 'name' is longer than 200 bytes",
	       "long name");
	INGEST("name", json_string("a\033[2Jb"), "field 'name' contains control characters",
	       "control characters in the name");
	INGEST("name", json_string("two\nlines"), "field 'name' contains control characters",
	       "a newline in the name");
	INGEST("runtime", json_string("sci2"), "", "a runtime name");
	INGEST("runtime", json_string("../etc"), "field 'runtime' must be 1-16 lower-case "
	       "letters and digits", "a runtime name with a path");
	INGEST("runtime", json_string("none"), "field 'runtime' must be 1-16 lower-case "
	       "letters and digits", "the runtime 'none'");
	INGEST("runtime", json_integer(1), "field 'runtime' must be 1-16 lower-case "
	       "letters and digits", "a runtime that is not a string");
	INGEST("description", NULL, "", "no description");
	INGEST("description", json_null(), "", "a null description");
	INGEST("description", json_true(), "field 'description' must be a string",
	       "a boolean description");
	INGEST("description", json_string("a\rb"),
	       "field 'description' contains control characters", "CR in the description");
	INGEST("created_at", json_string(long_name), "field 'created_at' is longer than 64 bytes",
	       "long created_at");
	INGEST("tags", json_string("a"), "field 'tags' must be an array of at most 32 strings",
	       "tags not an array");
	INGEST("tags", strings(33, "t"), "field 'tags' must be an array of at most 32 strings",
	       "33 tags");
	INGEST("tags", strings(32, "t"), "", "32 tags");
	INGEST("tags", json_pack("[s,s]", "a", ""),
	       "field 'tags' entry 1 is not a short printable string", "an empty tag");
	INGEST("tags", strings(1, long_tag),
	       "field 'tags' entry 0 is not a short printable string", "a 65-byte tag");
	INGEST("tags", json_pack("[i]", 1),
	       "field 'tags' entry 0 is not a short printable string", "a number as tag");
	INGEST("timeout_seconds", json_integer(0),
	       "field 'timeout_seconds' must be a positive integer", "timeout 0");
	INGEST("timeout_seconds", json_real(5.0),
	       "field 'timeout_seconds' must be a positive integer", "timeout a real");
	INGEST("files", NULL, "field 'files' must be an array", "no files");
	INGEST("files", json_pack("[{s:s,s:i,s:s,s:s}]", "path", "main.py", "size", 1, "mode",
				  "0644", "sha256", SHA), "the job has no run.sh", "missing run.sh");
	INGEST("code_sha256", json_string(SHA),
	       "field 'code_sha256' does not match the manifest", "wrong digest");
}

static void max_files(void)
{
	struct record_expect x = { UID, "ds@example.org", "do@example.org", 0 };
	struct job_record r = RECORD_INIT;
	struct buf err = BUF_INIT;
	json_t *o = valid_inbox();
	record_from_json(&r, o);
	ok(record_validate(&r, RECORD_CHECK_INGEST, &x, &err) < 0, "over max_files_per_job");
	is_str(err.ptr, "the job lists 1 files; this owner takes at most 0 per job "
	       "(max_files_per_job)", "and the message names the setting");
	record_release(&r);
	json_decref(o);
	buf_release(&err);
}

/* The submitter's options as a record (what submit.c builds). */
static char *submit_msg(const char *name, const char *target, const char *const *tags,
			long long timeout, const char *description)
{
	struct job_record r = RECORD_INIT;
	struct buf err = BUF_INIT;
	size_t n = 0;
	while (tags && tags[n])
		n++;
	r.name = (char *)name;
	r.target = (char *)target;
	r.description = (char *)description;
	r.tags = (char **)tags;
	r.ntags = n;
	r.timeout_seconds = timeout;
	if (record_validate(&r, RECORD_CHECK_SUBMIT, NULL, &err) == 0)
		buf_setf(&err, "%s", "");
	return buf_detach(&err, NULL);
}

#define SUBMIT(want, label, ...) do { \
		char *m_ = submit_msg(__VA_ARGS__); \
		is_str(m_, want, "submit: %s", label); \
		free(m_); \
	} while (0)

static void submit_rules(void)
{
	const char *many[34], *one_long[2] = { NULL, NULL }, *empty[2] = { "", NULL };
	char long_name[JOB_NAME_MAX + 2], long_desc[JOB_DESCRIPTION_MAX + 2], tag[JOB_TAG_MAX + 2];
	size_t i;
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	memset(long_desc, 'd', sizeof(long_desc) - 1);
	long_desc[sizeof(long_desc) - 1] = 0;
	memset(tag, 't', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = 0;
	one_long[0] = tag;
	for (i = 0; i < 33; i++)
		many[i] = "t";
	many[33] = NULL;
	SUBMIT("", "valid options pass", "n", "do@example.org", NULL, 60, NULL);
	SUBMIT("invalid target email 'Not an email'", "a bad target", "n", "Not an email",
	       NULL, 60, NULL);
	SUBMIT("invalid target email ''", "no target", "n", NULL, NULL, 60, NULL);
	SUBMIT("name must not be empty", "no name", NULL, "do@example.org", NULL, 60, NULL);
	SUBMIT("name must not be empty", "empty name", "", "do@example.org", NULL, 60, NULL);
	SUBMIT("name is longer than 200 bytes", "long name", long_name, "do@example.org",
	       NULL, 60, NULL);
	SUBMIT("name contains control characters", "ESC in the name", "a\033b",
	       "do@example.org", NULL, 60, NULL);
	SUBMIT("name is not valid UTF-8", "Latin-1 in the name", "caf\xe9", "do@example.org",
	       NULL, 60, NULL);
	SUBMIT("", "tabs and newlines in a description", "n", "do@example.org", NULL, 60,
	       "a\n\tb");
	SUBMIT("description is longer than 4096 bytes", "long description", "n",
	       "do@example.org", NULL, 60, long_desc);
	SUBMIT("more than 32 tags", "33 tags", "n", "do@example.org", many, 60, NULL);
	SUBMIT("tag is longer than 64 bytes", "a long tag", "n", "do@example.org", one_long,
	       60, NULL);
	SUBMIT("tag must not be empty", "an empty tag", "n", "do@example.org", empty, 60, NULL);
	SUBMIT("timeout must be between 1 and 315360000 seconds", "a negative timeout", "n",
	       "do@example.org", NULL, -1, NULL);
	SUBMIT("timeout must be between 1 and 315360000 seconds", "a timeout over 10 years",
	       "n", "do@example.org", NULL, JOB_TIMEOUT_MAX + 1, NULL);
	SUBMIT("", "the longest timeout", "n", "do@example.org", NULL, JOB_TIMEOUT_MAX, NULL);
}

/* ---- the run record (result.json) ------------------------------------ */

/* A result.json as the runner wrote it, with a key of a later version and
 * a known key of another type (both kept as read). */
static const char run_text[] =
	"{\"cancel\":{\"at\":\"2026-11-30T10:00:05.000000Z\",\"by\":\"do@x.org\","
	"\"from\":\"running\",\"reason\":\"cancelled\"},"
	"\"completed_at\":\"2026-11-30T10:00:06.123456Z\",\"cpu_seconds\":0.25,"
	"\"error_kind\":\"cancelled\",\"error_message\":\"Execution failed: 'caf\\\\xe9.csv'\","
	"\"exit_code\":null,\"future_key\":[1,2],\"limits_applied\":{\"memory_bytes\":1073741824},"
	"\"log_bytes\":\"many\",\"log_truncated\":false,"
	"\"output\":{\"files\":2,\"limit_reached\":false},\"peak_memory_bytes\":1048576,"
	"\"release\":\"review\",\"run_error_kind\":\"cancelled\",\"run_error_message\":null,"
	"\"signal\":15,\"started_at\":\"2026-11-30T10:00:00.000000Z\",\"wall_seconds\":6.125}";

static char *dump(json_t *o, size_t flags)
{
	char *s = json_dumps(o, flags);
	json_decref(o);
	return s;
}

static void run_round_trip(void)
{
	struct run_record r = RUN_RECORD_INIT;
	json_t *in = json_loads(run_text, 0, NULL);
	char *disk = json_dumps(in, JSON_INDENT(2) | JSON_SORT_KEYS), *again, *compact;
	json_t *parsed = json_loads(disk, 0, NULL);
	run_record_from_json(&r, parsed);
	is_str(r.error_kind, "cancelled", "run: error_kind read");
	ok((r.has & RUN_BIT(RUN_EXIT_CODE)) && !run_has(&r, RUN_EXIT_CODE),
	   "run: a null exit_code is present and null");
	is_int(r.signal, 15, "run: signal read");
	ok(!(r.has & RUN_BIT(RUN_LOG_BYTES)), "run: a log_bytes of another type is not taken");
	is_str(r.release, "review", "run: release read");
	again = dump(run_record_to_json(&r), JSON_INDENT(2) | JSON_SORT_KEYS);
	is_str(again, disk, "run: result.json read and written again is the same bytes");
	compact = dump(run_record_to_json(&r), JSON_COMPACT);
	is_str(compact, run_text, "run: its keys come in sorted order (the public \"run\")");
	free(again);
	free(compact);
	free(disk);
	run_record_release(&r);
	run_record_release(&r); /* twice is harmless */
	/* reals as the runner measures them: the same double prints the same */
	json_decref(parsed);
	parsed = json_pack("{s:f,s:f}", "cpu_seconds", 0.1, "wall_seconds", 6.123456789);
	disk = json_dumps(parsed, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(parsed);
	parsed = json_loads(disk, 0, NULL);
	run_record_from_json(&r, parsed);
	again = dump(run_record_to_json(&r), JSON_INDENT(2) | JSON_SORT_KEYS);
	is_str(again, disk, "run: measured reals come back the same bytes");
	free(again);
	free(disk);
	run_record_release(&r);
	json_decref(parsed);
	json_decref(in);
}

/* A record from before "release" and "run_error_*" were written keeps
 * their absence; the release rule then falls back to the setting. */
static void run_older_record(void)
{
	static const char old[] = "{\"completed_at\":\"2026-11-30T10:00:06Z\",\"error_kind\":null,"
		"\"exit_code\":0,\"started_at\":\"2026-11-30T10:00:00Z\"}";
	struct run_record r = RUN_RECORD_INIT;
	json_t *in = json_loads(old, 0, NULL), *v;
	char *s;
	run_record_from_json(&r, in);
	ok(!(r.has & RUN_BIT(RUN_RELEASE)) && !run_has(&r, RUN_RUN_ERROR_KIND),
	   "run: absent keys read as absent");
	ok(run_has(&r, RUN_EXIT_CODE) && r.exit_code == 0, "run: exit code 0 is a value");
	s = dump(run_record_to_json(&r), JSON_COMPACT);
	is_str(s, old, "run: absent stays absent, null stays null");
	free(s);
	v = run_record_get(&r, RUN_ERROR_KIND);
	ok(json_is_null(v), "run: get of a null key is null");
	json_decref(v);
	ok(run_record_get(&r, RUN_RELEASE) == NULL, "run: get of an absent key is NULL");
	run_record_release(&r);
	json_decref(in);
}

/* What the runner builds (run-job.c): the setters' JSON. */
static void run_setters(void)
{
	struct run_record r = RUN_RECORD_INIT;
	char *s;
	run_set_str(&r, RUN_STARTED_AT, "2026-11-30T10:00:00Z");
	run_set_int(&r, RUN_EXIT_CODE, 1, 7);  /* killed: no exit code */
	run_set_int(&r, RUN_SIGNAL, 0, 9);
	run_set_real(&r, RUN_WALL_SECONDS, 1.5);
	run_set_bool(&r, RUN_LOG_TRUNCATED, 1);
	run_set_json(&r, RUN_OUTPUT, NULL);
	run_set_name(&r, RUN_ERROR_MESSAGE, "output 'caf\xe9'");
	run_set_str(&r, RUN_ERROR_KIND, "signal");
	run_set_str(&r, RUN_ERROR_KIND, NULL); /* set again: null */
	s = dump(run_record_to_json(&r), JSON_COMPACT);
	is_str(s, "{\"error_kind\":null,\"error_message\":\"output 'caf\\\\xe9'\","
	       "\"exit_code\":null,\"log_truncated\":true,\"output\":null,\"signal\":9,"
	       "\"started_at\":\"2026-11-30T10:00:00Z\",\"wall_seconds\":1.5}",
	       "run: the setters' record (a name not UTF-8 escaped, nulls kept)");
	free(s);
	run_record_release(&r);
}

/* Audit lines read as struct audit_entry; events deferred in a commit are
 * chained at its end, each line's prev the hash of the line before. */
static void audit_entries(scq *h)
{
	struct commit c;
	struct audit_entry e, first;
	struct buf log = BUF_INIT;
	json_t *l1, *l2;
	char *path = xstrdup(scq_audit_path(h)), *nl;
	unsigned long n = 0, before = 0;
	ok(scq_refresh(h, SCQ_REFRESH_ALL) == 0 && scq_audit_verify(h, &before) == 0,
	   "audit: a store with its folders, its log verifies");
	ok(audit_append(h, NULL, "approve", UID, "do@x.org", "fine", SHA) == 0,
	   "audit: an event appended");
	commit_begin(h, &c);
	audit_append(h, &c, "start", UID, "do@x.org", NULL, SHA);
	audit_append(h, &c, "complete", UID, "do@x.org", NULL, NULL);
	ok(commit_end(&c) == 0, "audit: two events chained at the commit's end");
	if (!ok(scq_audit_verify(h, &n) == 0 && n == before + 3, "audit: the chain verifies"))
		tap_diag("%s (%lu lines)", scq_errmsg(h), n);
	tap_read_path(path, &log);
	for (nl = log.ptr; before--; nl++) /* the first of ours */
		nl = strchr(nl, '\n');
	l1 = json_loads(nl, JSON_DISABLE_EOF_CHECK, NULL);
	nl = strchr(nl, '\n');
	l2 = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
	audit_entry_at(l1, &first);
	audit_entry_at(l2, &e);
	ok(first.seq == (long long)n - 2 && !strcmp(first.event, "approve") && !strcmp(first.reason, "fine") &&
	   !strcmp(first.code_sha256, SHA) && strlen(first.prev) == 64,
	   "audit: the first line's fields");
	ok(e.seq == first.seq + 1 && !strcmp(e.event, "start") && e.reason == NULL &&
	   !strcmp(e.prev, first.hash), "audit: a deferred line chains to the one before");
	json_decref(l1);
	json_decref(l2);
	buf_release(&log);
	free(path);
}

/* One release rule for the runner (the mode it records) and the job view
 * (results held). */
static void release_rule(void)
{
	char *d = tap_tempdir();
	struct scq_open_options o = { "owner@record.example", d, NULL };
	struct run_record r = RUN_RECORD_INIT;
	scq *h = NULL;
	ok(scq_open(&h, &o) == 0 && scq_init_datasite(h) == 0, "release: a workspace");
	is_str(run_release_mode(h, SCQ_COMPLETED), "auto", "release: auto by default");
	is_str(run_release_mode(h, SCQ_CANCELLED), "review",
	       "release: a cancelled run's results always wait");
	ok(!run_results_held(h, NULL, SCQ_COMPLETED, 0), "release: no run, nothing held");
	ok(!run_results_held(h, &r, SCQ_COMPLETED, 0),
	   "release: an old record follows the setting (auto)");
	ok(run_results_held(h, &r, SCQ_CANCELLED, 0), "release: an old cancelled record is held");
	ok(scq_config_set(h, "release", "review") == 0, "release: set to review");
	is_str(run_release_mode(h, SCQ_FAILED), "review", "release: review from the setting");
	ok(run_results_held(h, &r, SCQ_COMPLETED, 0), "release: an old record is then held");
	run_set_str(&r, RUN_RELEASE, "auto");
	ok(!run_results_held(h, &r, SCQ_COMPLETED, 0),
	   "release: the mode recorded at the finish wins over today's setting");
	run_set_str(&r, RUN_RELEASE, "review");
	ok(run_results_held(h, &r, SCQ_COMPLETED, 0), "release: recorded review: held");
	ok(!run_results_held(h, &r, SCQ_COMPLETED, 1), "release: released.json ends the wait");
	run_record_release(&r);
	audit_entries(h);
	scq_close(h);
	tap_rmtree(d);
	free(d);
}

/* ---- decisions, the deadline, manifest entries ----------------------- */

static void decisions(void)
{
	struct decision d = DECISION_INIT;
	json_t *o = json_pack("{s:s,s:s,s:n,s:i,s:s,s:b}", "at", "2026-11-30T10:00:00Z",
			      "by", "do@x.org", "reason", "from", 3, "code_sha256", SHA,
			      "allow_network", 1);
	decision_from_json(&d, o);
	is_str(d.by, "do@x.org", "decision: by");
	ok(d.reason == NULL && d.from == NULL, "decision: null or not a string reads NULL");
	is_str(d.code_sha256, SHA, "decision: the approved digest");
	ok(d.allow_network, "decision: allow_network");
	decision_release(&d);
	decision_release(&d);
	json_decref(o);
}

static void deadline(void)
{
	struct job_record r = RECORD_INIT;
	double t = 0, created = 0;
	ok(record_deadline(&r, &t) < 0, "deadline: none without created_at");
	r.created_at = xstrdup("2026-11-30T10:00:00.500000Z");
	r.timeout_seconds = 60;
	time_parse_iso(r.created_at, &created);
	ok(record_deadline(&r, &t) == 0 && t == created + 60, "deadline: created_at + timeout");
	record_release(&r);
}

static void manifest_entries(void)
{
	json_t *m = json_pack("[{s:s,s:i,s:s,s:s},{s:s,s:i,s:s,s:s}]",
			      "path", "main.py", "size", 3, "mode", "0644", "sha256", SHA,
			      "path", "run.sh", "size", 8, "mode", "0755", "sha256", SHA);
	struct manifest_entry e;
	json_t *run = manifest_find(m, "run.sh"), *empty = json_object();
	ok(run == json_array_get(m, 1), "manifest: run.sh found");
	ok(manifest_find(m, "run") == NULL, "manifest: a prefix is not a path");
	manifest_entry_at(run, &e);
	ok(e.exec && e.size == 8 && !strcmp(e.path, "run.sh") && !strcmp(e.sha256, SHA),
	   "manifest: run.sh's entry, executable");
	manifest_entry_at(json_array_get(m, 0), &e);
	ok(!e.exec && e.size == 3, "manifest: main.py's entry, not executable");
	manifest_entry_at(empty, &e);
	ok(!e.path && !e.exec, "manifest: an empty entry reads as nothing");
	json_decref(empty);
	json_decref(m);
}

int main(void)
{
	round_trip();
	ingest_rules();
	max_files();
	submit_rules();
	run_round_trip();
	run_older_record();
	run_setters();
	release_rule();
	decisions();
	deadline();
	manifest_entries();
	return done_testing();
}
