/*
 * api-decide.c - the owner's decisions (POST /api/jobs/UID/approve,
 * reject, cancel, release; POST /api/jobs/batch), each one library call:
 * the state machine refuses what is stale (a job another tab or the CLI
 * decided already is SCQ_ESTATE, a 409 with the library's message), and
 * nothing here changes a job any other way.
 */
#include "ui.h"
#include "ui-index.h"

#define BATCH_MAX 500

/* The job as it is now, for the answer (and the index, so the queue
 * shows it at once; the audit log's event follows). */
static void answer_job(struct jw *j, struct ui *u, const char *uid)
{
	struct jobsum *s = NULL;
	index_free(u->idx[1]); /* a requester's cancel: my jobs listed again */
	u->idx[1] = NULL;
	if (u->idx[0] && index_refresh_job(u->h, u->idx[0], uid, &s) == 0 && s) {
		sum_json(j, s, NULL);
		return;
	}
	scq_job *job = NULL;
	if (scq_find(u->h, uid, SCQ_AS_ANY, &job) == 0) { /* a requester's cancel too */
		struct jobsum t;
		memset(&t, 0, sizeof t);
		sum_from_job(&t, job);
		sum_json(j, &t, NULL);
		sum_free(&t);
	} else {
		jw_null(j);
	}
	scq_job_free(job);
}

/* A reason: required or not; -1 with a 400 when wrong. */
static int reason_of(struct call *c, int required, const char **out)
{
	const scq_value *v = scq_value_get(c->body, "reason");
	*out = scq_value_string(v);
	if (v && !*out && scq_value_type(v) != SCQ_VALUE_NULL) {
		reply_error(c->r, 400, "bad_request", "reason must be a string");
		return -1;
	}
	if (*out && !**out)
		*out = NULL;
	if (required && !*out) {
		reply_error(c->r, 400, "bad_request", "a reason is required");
		return -1;
	}
	return 0;
}

static int decide_one(struct ui *u, const char *action, const char *uid, const char *reason,
		      unsigned flags)
{
	if (!strcmp(action, "approve"))
		return scq_approve(u->h, uid, reason, flags);
	if (!strcmp(action, "reject"))
		return scq_reject(u->h, uid, reason);
	return scq_cancel(u->h, uid);
}

static void decided(struct call *c, const char *uid)
{
	struct jw j;
	char *votes = NULL;
	jw_init(&j);
	jw_obj(&j);
	jw_kbool(&j, "ok", 1);
	jw_key(&j, "job");
	answer_job(&j, c->u, uid);
	if (scq_job_votes(c->u->h, uid, &votes) == 0) {
		jw_key(&j, "votes");
		jw_doc(&j, votes);
	}
	free(votes);
	jw_end(&j);
	reply_json(c->r, &j);
}

static void batch(struct call *c)
{
	const char *action = body_str(c, "action"), *reason;
	const scq_value *uids = scq_value_get(c->body, "uids");
	size_t i, n = scq_value_size(uids), done = 0;
	struct jw j;
	if (!action || (strcmp(action, "approve") && strcmp(action, "reject"))) {
		reply_error(c->r, 400, "bad_request", "action must be approve or reject");
		return;
	}
	if (reason_of(c, !strcmp(action, "reject"), &reason))
		return;
	if (scq_value_type(uids) != SCQ_VALUE_ARRAY || n == 0 || n > BATCH_MAX) {
		reply_error(c->r, 400, "bad_request", "uids must be an array of 1 to %d job uids",
			    BATCH_MAX);
		return;
	}
	for (i = 0; i < n; i++)
		if (!uid_ok(scq_value_string(scq_value_at(uids, i, NULL)))) {
			reply_error(c->r, 400, "bad_request", "uids[%zu] is not a full job uid", i);
			return;
		}
	jw_init(&j);
	jw_obj(&j);
	jw_key(&j, "results");
	jw_arr(&j);
	for (i = 0; i < n; i++) {
		const char *uid = scq_value_string(scq_value_at(uids, i, NULL));
		int r = decide_one(c->u, action, uid, reason, 0);
		jw_obj(&j);
		jw_kstr(&j, "uid", uid);
		jw_kbool(&j, "ok", r == 0);
		if (r) {
			jw_key(&j, "error");
			error_object(&j, c->u->h, r);
		} else {
			struct jobsum *s;
			if (c->u->idx[0]) /* the queue shows it at once */
				index_refresh_job(c->u->h, c->u->idx[0], uid, &s);
		}
		jw_end(&j);
		done += r == 0;
	}
	jw_end_arr(&j);
	jw_kbool(&j, "ok", done == n);
	jw_kint(&j, "done", (long long)done);
	jw_kint(&j, "failed", (long long)(n - done));
	jw_end(&j);
	reply_json(c->r, &j);
}

/* Strings of an array member: a NULL-terminated vector (caller frees the
 * vector, not the strings); -1 with a 400 when not all strings. */
static int strings(struct call *c, const char *key, const char ***out)
{
	const scq_value *a = scq_value_get(c->body, key);
	size_t i, n = scq_value_size(a);
	*out = NULL;
	if (!a || scq_value_type(a) == SCQ_VALUE_NULL)
		return 0;
	if (scq_value_type(a) != SCQ_VALUE_ARRAY || n > 100000) {
		reply_error(c->r, 400, "bad_request", "%s must be an array of strings", key);
		return -1;
	}
	*out = calloc(n + 1, sizeof **out);
	if (!*out)
		abort();
	for (i = 0; i < n; i++)
		if (!((*out)[i] = scq_value_string(scq_value_at(a, i, NULL)))) {
			free(*out);
			*out = NULL;
			reply_error(c->r, 400, "bad_request", "%s must be an array of strings", key);
			return -1;
		}
	return 0;
}

static void release(struct call *c, const char *uid)
{
	static const char *const kinds[] = { "all", "files", "withhold", "return", NULL };
	const char *kind = body_str(c, "kind");
	const scq_value *wh = scq_value_get(c->body, "withhold");
	struct scq_release_options o;
	struct scq_withheld *w = NULL;
	int k, r;
	size_t i, n = scq_value_size(wh);
	memset(&o, 0, sizeof o);
	for (k = 0; kind && kinds[k] && strcmp(kinds[k], kind); k++)
		;
	if (!kind || !kinds[k]) {
		reply_error(c->r, 400, "bad_request", "kind must be all, files, withhold or return");
		return;
	}
	if (reason_of(c, 1, &o.reason) || strings(c, "files", (const char ***)&o.files))
		return;
	if (wh && scq_value_type(wh) != SCQ_VALUE_NULL && scq_value_type(wh) != SCQ_VALUE_ARRAY) {
		reply_error(c->r, 400, "bad_request", "withhold must be an array of {path, reason}");
		goto out;
	}
	w = n ? calloc(n, sizeof *w) : NULL;
	for (i = 0; i < n; i++) {
		const scq_value *e = scq_value_at(wh, i, NULL);
		w[i].path = scq_value_string(scq_value_get(e, "path"));
		w[i].reason = scq_value_string(scq_value_get(e, "reason"));
		if (!w[i].path || !w[i].reason) {
			reply_error(c->r, 400, "bad_request", "withhold[%zu] needs path and reason", i);
			goto out;
		}
	}
	o.withhold = w;
	o.nwithhold = n;
	o.log = scq_value_is_true(scq_value_get(c->body, "log"));
	o.withhold_reason = body_str(c, "withhold_reason");
	o.ack_flags = scq_value_is_true(scq_value_get(c->body, "ack_flags"));
	r = scq_release_decide(c->u->h, uid, k == 0 ? SCQ_RELEASE_ALL : k == 1 ? SCQ_RELEASE_FILES
					     : k == 2 ? SCQ_WITHHOLD_ALL : SCQ_RETURN, &o);
	if (r)
		reply_scq(c->r, c->u->h, r);
	else
		decided(c, uid);
out:
	free((void *)o.files);
	free(w);
}

void api_job_post(struct call *c)
{
	const char *uid = c->seg[1], *action = c->nseg > 2 ? c->seg[2] : "", *reason;
	int r;
	if (!strcmp(uid, "batch")) {
		batch(c);
		return;
	}
	if (!uid_ok(uid)) {
		reply_error(c->r, 404, "not_found", "not a job id (a full uid is 36 characters)");
		return;
	}
	if (!strcmp(action, "release")) {
		release(c, uid);
		return;
	}
	if (reason_of(c, !strcmp(action, "reject"), &reason))
		return;
	r = decide_one(c->u, action, uid, reason,
		       scq_value_is_true(scq_value_get(c->body, "allow_network")) ? SCQ_ALLOW_NETWORK : 0);
	if (r)
		reply_scq(c->r, c->u->h, r);
	else
		decided(c, uid);
}
