/*
 * record.c - job.json as a struct: its JSON forms and its one validator.
 *
 * Submit and ingest used to check a job each with its own copy of the
 * rules and of their limits; both now call record_validate, which walks
 * the rules of doc/protocol.md §3 in one order.  Only the wording of the
 * messages differs, because tests and users read them: the submitter is
 * told about the option it gave, the owner's quarantine names the field.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "queue/manifest.h"
#include "queue/record.h"
#include "queue/requirements.h"
#include "base/banned.h"

static char *dup_string(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? xstrdup(s) : NULL;
}

static long long integer(json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

static json_t *ref(json_t *v)
{
	return v ? json_incref(v) : NULL;
}

static void tags_from_json(struct job_record *r, json_t *tags)
{
	size_t i;
	json_t *t;
	if (!json_is_array(tags)) {
		r->bad |= RECORD_BAD_TAGS;
		return;
	}
	r->ntags = json_array_size(tags);
	r->tags = xcalloc(r->ntags ? r->ntags : 1, sizeof(*r->tags));
	json_array_foreach(tags, i, t)
		r->tags[i] = json_is_string(t) ? xstrdup(json_string_value(t)) : NULL;
}

void record_from_json(struct job_record *r, json_t *obj)
{
	json_t *d = json_object_get(obj, "description");
	r->version = integer(obj, "version");
	r->uid = dup_string(obj, "uid");
	r->name = dup_string(obj, "name");
	r->description = dup_string(obj, "description");
	if (d && !json_is_null(d) && !json_is_string(d))
		r->bad |= RECORD_BAD_DESCRIPTION;
	r->requester = dup_string(obj, "requester_email");
	r->target = dup_string(obj, "target_email");
	r->created_at = dup_string(obj, "created_at");
	r->submitted_at = dup_string(obj, "submitted_at");
	r->code_sha256 = dup_string(obj, "code_sha256");
	r->resubmit_of = dup_string(obj, "resubmit_of");
	if (json_object_get(obj, "resubmit_of") && !r->resubmit_of)
		r->bad |= RECORD_BAD_RESUBMIT;
	r->rerun_of = dup_string(obj, "rerun_of");
	r->runtime = dup_string(obj, "runtime");
	if (json_object_get(obj, "runtime") && !r->runtime)
		r->bad |= RECORD_BAD_RUNTIME;
	tags_from_json(r, json_object_get(obj, "tags"));
	r->timeout_seconds = integer(obj, "timeout_seconds");
	r->files = ref(json_object_get(obj, "files"));
	r->skipped = ref(json_object_get(obj, "skipped_files"));
}

void record_release(struct job_record *r)
{
	size_t i;
	char **s[] = { &r->uid, &r->name, &r->description, &r->requester, &r->target,
		&r->created_at, &r->submitted_at, &r->code_sha256, &r->resubmit_of, &r->rerun_of,
		&r->runtime };
	for (i = 0; i < SCQ_NELEM(s); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
	for (i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	r->tags = NULL;
	r->ntags = 0;
	json_decref(r->files);
	json_decref(r->skipped);
	r->files = r->skipped = NULL;
	r->bad = 0;
}

int record_load_at(struct job_record *r, int dirfd, const char *path, size_t max,
		   struct buf *err)
{
	json_t *o = json_load_file_at(dirfd, path, max, err);
	if (!o)
		return -1;
	record_from_json(r, o);
	json_decref(o);
	return 0;
}

int record_deadline(const struct job_record *r, double *deadline)
{
	double created;
	if (!r->created_at || time_parse_iso(r->created_at, &created) < 0)
		return -1;
	*deadline = created + (double)r->timeout_seconds;
	return 0;
}

void decision_from_json(struct decision *d, json_t *obj)
{
	d->at = dup_string(obj, "at");
	d->by = dup_string(obj, "by");
	d->reason = dup_string(obj, "reason");
	d->from = dup_string(obj, "from");
	d->code_sha256 = dup_string(obj, "code_sha256");
	d->uid = dup_string(obj, "uid");
	if (!d->uid && json_object_get(obj, "uid")) /* present, not a string: names no job */
		d->uid = xstrdup("");
	d->allow_network = json_is_true(json_object_get(obj, "allow_network"));
}

void decision_release(struct decision *d)
{
	free(d->at);
	free(d->by);
	free(d->reason);
	free(d->from);
	free(d->code_sha256);
	free(d->uid);
	memset(d, 0, sizeof(*d));
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

/* The key order of each form is the order it was always written in (a
 * listing prints the requester's copy as it is). */
json_t *record_to_json(const struct job_record *r, enum record_form form)
{
	json_t *o = json_object(), *tags = json_array();
	size_t i;
	for (i = 0; i < r->ntags; i++)
		json_array_append_new(tags, string_or_null(r->tags[i]));
	if (form != RECORD_SUBMITTED)
		set(o, "version", json_integer(r->version));
	set(o, "uid", string_or_null(r->uid));
	set(o, "name", string_or_null(r->name));
	set(o, "description", string_or_null(r->description));
	set(o, "tags", tags);
	set(o, "requester_email", string_or_null(r->requester));
	set(o, "target_email", string_or_null(r->target));
	if (form != RECORD_STORE)
		set(o, "created_at", string_or_null(r->created_at));
	set(o, "timeout_seconds", json_integer(r->timeout_seconds));
	set(o, "code_sha256", string_or_null(r->code_sha256));
	if (r->resubmit_of) /* only when set: older records keep their bytes */
		set(o, "resubmit_of", json_string(r->resubmit_of));
	if (form == RECORD_STORE && r->rerun_of) /* the owner's own, never the inbox's */
		set(o, "rerun_of", json_string(r->rerun_of));
	if (r->runtime) /* only when set, as resubmit_of */
		set(o, "runtime", json_string(r->runtime));
	if (form == RECORD_STORE) {
		set(o, "submitted_at", string_or_null(r->submitted_at));
		set(o, "created_at", string_or_null(r->created_at));
	}
	if (form == RECORD_INBOX && r->files)
		json_object_set(o, "files", r->files);
	if (form != RECORD_STORE && json_array_size(r->skipped))
		json_object_set(o, "skipped_files", r->skipped);
	if (form == RECORD_SUBMITTED)
		set(o, "status", json_string("pending"));
	return o;
}

/* ---- the rules ------------------------------------------------------- */

/* A text field's failure, worded for the caller: the submitter reads
 * "name is empty"-style messages about its option (label), an ingest
 * quarantine names the field (key). */
static int text_fail(enum record_check how, const char *key, const char *label,
		     const char *what, struct buf *err)
{
	if (how == RECORD_CHECK_INGEST)
		buf_setf(err, "field '%s' %s", key, what);
	else
		buf_setf(err, "%s %s", label, what);
	return -1;
}

/* One text field: present, non-empty, short, printable. */
static int check_text(enum record_check how, const char *key, const char *label,
		      const char *s, size_t max, int multiline, struct buf *err)
{
	int in = how == RECORD_CHECK_INGEST;
	char what[64];
	if (!s && in)
		return text_fail(how, key, label, "must be a string", err);
	if (!s || !*s)
		return text_fail(how, key, label, in ? "is empty" : "must not be empty", err);
	if (strlen(s) > max) {
		snprintf(what, sizeof(what), "is longer than %zu bytes", max);
		return text_fail(how, key, label, what, err);
	}
	if (has_control(s, multiline))
		return text_fail(how, key, label, "contains control characters", err);
	/* jansson refuses invalid UTF-8 when it parses, so only a submitter's
	 * own option can fail here */
	if (!utf8_valid(s, strlen(s)))
		return text_fail(how, key, label, "is not valid UTF-8", err);
	return 0;
}

static int check_tags(const struct job_record *r, enum record_check how, struct buf *err)
{
	size_t i;
	if (how == RECORD_CHECK_INGEST && ((r->bad & RECORD_BAD_TAGS) || r->ntags > JOB_TAGS_MAX))
		return buf_setf(err, "field 'tags' must be an array of at most %d strings",
				JOB_TAGS_MAX), -1;
	for (i = 0; i < r->ntags; i++) {
		struct buf why = BUF_INIT;
		int bad;
		if (i >= JOB_TAGS_MAX)
			return buf_setf(err, "more than %d tags", JOB_TAGS_MAX), -1;
		bad = check_text(how, "tags", "tag", r->tags[i], JOB_TAG_MAX, 0, &why);
		if (bad && how == RECORD_CHECK_INGEST)
			buf_setf(err, "field 'tags' entry %zu is not a short printable string", i);
		else if (bad)
			buf_setf(err, "%s", why.ptr);
		buf_release(&why);
		if (bad)
			return -1;
	}
	return 0;
}

static int check_fields(const struct job_record *r, enum record_check how, struct buf *err)
{
	if (check_text(how, "name", "name", r->name, JOB_NAME_MAX, 0, err))
		return -1;
	if (r->bad & RECORD_BAD_DESCRIPTION)
		return buf_setf(err, "field 'description' must be a string"), -1;
	if (r->description && *r->description &&
	    check_text(how, "description", "description", r->description,
		       JOB_DESCRIPTION_MAX, 1, err))
		return -1;
	if (how == RECORD_CHECK_INGEST &&
	    check_text(how, "created_at", "created_at", r->created_at, JOB_CREATED_AT_MAX, 0, err))
		return -1;
	if (check_tags(r, how, err))
		return -1;
	if ((r->bad & RECORD_BAD_RESUBMIT) || (r->resubmit_of && !scq_uid_valid(r->resubmit_of)))
		return buf_setf(err, how == RECORD_CHECK_INGEST ? "field 'resubmit_of' must be a "
				"job uid" : "resubmit: '%s' is not a full job uid",
				r->resubmit_of ? r->resubmit_of : ""), -1;
	if ((r->bad & RECORD_BAD_RUNTIME) || (r->runtime && !runtime_name_valid(r->runtime))) {
		if (how == RECORD_CHECK_INGEST)
			return buf_setf(err, "field 'runtime' must be 1-16 lower-case letters "
					"and digits"), -1;
		/* the name as given, escaped: it is the submitter's own bytes */
		buf_setf(err, "runtime name '");
		buf_add_escaped(err, r->runtime ? r->runtime : "", r->runtime ?
				strlen(r->runtime) : 0);
		buf_adds(err, "' must be 1-16 lower-case letters and digits, not 'none'");
		return -1;
	}
	if (how == RECORD_CHECK_SUBMIT &&
	    (r->timeout_seconds < 1 || r->timeout_seconds > JOB_TIMEOUT_MAX))
		return buf_setf(err, "timeout must be between 1 and %lld seconds",
				JOB_TIMEOUT_MAX), -1;
	if (how == RECORD_CHECK_INGEST && r->timeout_seconds < 1)
		return buf_setf(err, "field 'timeout_seconds' must be a positive integer"), -1;
	return 0;
}

static int check_identity(const struct job_record *r, const struct record_expect *x,
			  struct buf *err)
{
	if (r->version != SCQ_PROTOCOL_VERSION)
		return buf_setf(err, "field 'version' must be %d", SCQ_PROTOCOL_VERSION), -1;
	if (!r->uid || strcmp(r->uid, x->uid))
		return buf_setf(err, "field 'uid' does not match its folder name"), -1;
	if (!r->requester || strcmp(r->requester, x->requester))
		return buf_setf(err, "field 'requester_email' is not the inbox folder's "
				"owner '%s' (spoofed identity)", x->requester), -1;
	if (!r->target || strcmp(r->target, x->target))
		return buf_setf(err, "field 'target_email' is not this datasite"), -1;
	return 0;
}

static int check_code(const struct job_record *r, const struct record_expect *x,
		      struct buf *err)
{
	char digest[65];
	if (manifest_validate(r->files, err) < 0)
		return -1;
	if ((long long)json_array_size(r->files) > x->max_files)
		return buf_setf(err, "the job lists %zu files; this owner takes at most %lld "
				"per job (max_files_per_job)", json_array_size(r->files),
				x->max_files), -1;
	if (!manifest_find(r->files, "run.sh"))
		return buf_setf(err, "the job has no run.sh"), -1;
	manifest_digest(r->files, digest);
	if (!r->code_sha256 || strcmp(r->code_sha256, digest))
		return buf_setf(err, "field 'code_sha256' does not match the manifest"), -1;
	return 0;
}

int record_validate(const struct job_record *r, enum record_check how,
		    const struct record_expect *x, struct buf *err)
{
	if (how == RECORD_CHECK_SUBMIT) {
		if (!r->target || !email_valid(r->target))
			return buf_setf(err, "invalid target email '%s'",
					r->target ? r->target : ""), -1;
		return check_fields(r, how, err);
	}
	if (check_identity(r, x, err) || check_fields(r, how, err) || check_code(r, x, err))
		return -1;
	return 0;
}
