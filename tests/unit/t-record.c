/*
 * t-record.c - unit tests of the job record (record.c): its JSON forms
 * round-trip with the key order the protocol always wrote, and the one
 * validator refuses each rule of doc/protocol.md §3 with the message
 * submit and ingest gave before they shared it.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "store/handle.h"
#include "queue/manifest.h"
#include "queue/record.h"
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

int main(void)
{
	round_trip();
	ingest_rules();
	max_files();
	submit_rules();
	return done_testing();
}
