/*
 * release-review.c - a delegated reviewer's release vote (doc/protocol.md
 * §6a, release.h), both sides: the reviewer's scq writes it from the copy
 * the owner shared with it (release-share.c), the owner's ingest reads it.
 *
 * The vote travels as an approval vote does (vote-inbox.c): a record
 * inbox/<reviewer>/<uid>.release.vote.json in the owner's datasite, the
 * folder being the authenticated voter; the owner's ingest reads it as
 * hostile input (malformed or spoofed: quarantined with its reason; one
 * that lost a race: dropped with a notice and "vote-refused").
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "queue/decide.h"
#include "queue/identity.h"
#include "queue/manifest.h"
#include "queue/output-check.h"
#include "queue/release.h"
#include "queue/votes.h"
#include "store/audit.h"
#include "store/limits.h"
#include "store/queue.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/banned.h"

/* A record names at most this many files (more: a release of all). */
#define RVOTE_FILES_MAX 4096

/* ---- the reviewer's side ------------------------------------------------ */

/* What releasing one output needs acknowledged, as release-plan.c counts
 * it in the store: its flags, or 1 when it was not checked or only in
 * part (a cap).  files: flags.json's "files" [{path, flags, cut}], where
 * the log is "execution.log" too: an output of that name counts with it,
 * the safe side. */
static size_t unacked(json_t *files, const char *path)
{
	json_t *f;
	size_t i, n = 0;
	json_int_t k;
	int seen = 0;
	json_array_foreach(files, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		if (!p || strcmp(p, path))
			continue;
		seen = 1;
		k = json_integer_value(json_object_get(f, "flags"));
		n += (size_t)(k > 0 ? k : 0) + (json_is_true(json_object_get(f, "cut")) && k <= 0);
	}
	return seen ? n : 1;
}

/* The flags of the shared copy: --ack-flags is every voter's to give
 * (the owner's ingest checks again against the store). */
static int shared_flags_ok(scq *h, int dir, const char *uid, json_t *d, int ack)
{
	struct buf err = BUF_INIT;
	json_t *f = ack ? NULL : json_load_file_at(dir, "flags.json", SMALL_JSON_MAX, &err), *e;
	json_t *files = json_object_get(f, "files");
	size_t i, n = 0;
	int r = 0;
	if (ack)
		return 0;
	if (!f)
		r = scq_fail(h, SCQ_EIO, "the release review copy of job '%s': flags.json: %s",
			     uid, err.ptr);
	json_array_foreach(json_object_get(d, "files"), i, e)
		if (json_is_true(json_object_get(e, "released")) &&
		    json_is_string(json_object_get(e, "path")))
			n += unacked(files, json_string_value(json_object_get(e, "path")));
	if (json_is_true(json_object_get(json_object_get(d, "log"), "released")))
		n += unacked(files, OUTPUT_CHECK_LOG);
	if (!r && n)
		r = scq_fail(h, SCQ_EPERM, "job '%s': the outputs to release carry %zu "
			     "disclosure-risk flag(s) or unchecked part(s) (flags.json of the copy "
			     "shared with you): check them, then vote with --ack-flags", uid, n);
	json_decref(f);
	buf_release(&err);
	return r;
}

static json_t *vote_json(scq *h, const char *uid, const char *digest, int kind,
			 const struct scq_release_options *o)
{
	char at[ISO_LEN];
	json_t *rec, *files = json_array();
	const char *const *f;
	time_now_iso(at);
	for (f = kind == SCQ_RELEASE_FILES ? o->files : NULL; f && *f; f++)
		json_array_append_new(files, json_string(*f));
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "uid", uid, "by", h->email,
			"at", at, "release_sha256", digest, "reason", o->reason,
			"log", kind == SCQ_RELEASE_ALL || o->log, "ack_flags", !!o->ack_flags);
	if (kind == SCQ_RELEASE_FILES)
		json_object_set(rec, "files", files);
	json_decref(files);
	return rec;
}

int release_vote_send(scq *h, const char *uid, int kind, const struct scq_release_options *o)
{
	char outs[65], digest[65], *app = NULL;
	struct buf p = BUF_INIT, name = BUF_INIT;
	json_t *d = NULL, *rec = NULL;
	int dir = -1, fd = -1, r = 0, to;
	if (!email_valid(o->owner))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a valid owner e-mail", o->owner);
	if (!scq_uid_valid(uid))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not a full job uid", uid);
	if (o->nwithhold)
		return scq_fail(h, SCQ_EINVAL, "a reviewer's vote names the files it releases; "
				"the reasons of the withheld ones are the owner's");
	dir = release_review_dir(h, o->owner, h->email, 0);
	fd = dir < 0 ? -1 : openat(dir, uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' has not been shared with you for release "
			     "review by %s (the owner shares held results with its reviewers when "
			     "release_approvals_required is 2 or more)", uid, o->owner);
		goto out;
	}
	if (!(d = release_plan(h, fd, uid, kind, o, &to, &r)) ||
	    (r = shared_flags_ok(h, fd, uid, d, o->ack_flags)))
		goto out;
	if (vote_outputs_digest_log(fd, "execution.txt", outs) < 0) {
		r = scq_fail_errno(h, "reading the release review copy of job '%s'", uid);
		goto out;
	}
	release_digest(outs, d, digest);
	rec = vote_json(h, uid, digest, kind, o);
	app = app_dir_of(h, o->owner);
	buf_addf(&p, "%s/inbox/%s", app, h->email);
	buf_addf(&name, "%s%s", uid, RELEASE_VOTE_SUFFIX);
	fd_close(&fd);
	fd = fs_mkdir_p(p.ptr, 0755) < 0 ? -1 : open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		r = scq_fail_errno(h, "writing release vote record to '%s'", p.ptr);
	else /* signed, as a vote (vote-inbox.c) */
		r = identity_write_record(h, fd, name.ptr, uid, o->owner, rec);
out:
	fd_close(&fd);
	fd_close(&dir);
	json_decref(d);
	json_decref(rec);
	free(app);
	buf_release(&p);
	buf_release(&name);
	return r;
}

/* ---- the owner's ingest ------------------------------------------------- */

static const char *bad_files(json_t *files)
{
	json_t *f;
	size_t i;
	if (!files || json_is_null(files))
		return NULL;
	if (!json_is_array(files) || !json_array_size(files) ||
	    json_array_size(files) > RVOTE_FILES_MAX)
		return "'files' is not a list of 1 to 4096 paths";
	json_array_foreach(files, i, f)
		if (!json_is_string(f) || !vote_text_ok(json_string_value(f), 4096))
			return "'files' holds something that is not a path";
	return NULL;
}

/* The record, its signature and fields checked: VERIFY_OK with *out, else
 * a verdict of vote_record_open with *why. */
static int parse(scq *h, int reqfd, const char *name, const char *req, const char *uid,
		 json_t **out, struct buf *why)
{
	static const char *const keys[] = { "uid", "by", "at", "release_sha256", "reason",
		"files", "log", "ack_flags", NULL };
	json_t *o, *v;
	const char *reason, *bad;
	int r = vote_record_open(h, reqfd, name, req, uid, "release vote record", keys,
				 "release_sha256", &o, why);
	if (r != VERIFY_OK)
		return r;
	reason = json_string_value(json_object_get(o, "reason"));
	if (!reason || !*reason || !vote_text_ok(reason, DECISION_REASON_MAX))
		buf_setf(why, "release vote record: 'reason' is not one line of UTF-8 within "
			 "%d bytes", DECISION_REASON_MAX);
	else if ((bad = bad_files(json_object_get(o, "files"))))
		buf_setf(why, "release vote record: %s", bad);
	else if (!json_is_boolean(json_object_get(o, "log")) ||
		 ((v = json_object_get(o, "ack_flags")) && !json_is_boolean(v)))
		buf_setf(why, "release vote record: 'log' or 'ack_flags' is not a boolean");
	else
		return *out = o, VERIFY_OK;
	json_decref(o);
	return VERIFY_BAD;
}

/* The vote, as the owner's store counts it; refusals in vc. */
static int count(scq *h, const char *req, const char *uid, json_t *o, struct vote_count *vc)
{
	struct scq_release_options opt;
	json_t *files = json_object_get(o, "files"), *d = NULL, *f;
	const char **list = NULL;
	size_t i;
	int st = queue_locate(h, uid), fd, to, kind, r;
	memset(&opt, 0, sizeof(opt));
	memset(vc, 0, sizeof(*vc));
	if ((fd = st < 0 ? -1 : queue_job_dir(h, st, uid)) < 0) {
		vc->refusal = VOTE_STATE;
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	}
	kind = json_is_array(files) ? SCQ_RELEASE_FILES : SCQ_RELEASE_ALL;
	list = xcalloc(json_array_size(files) + 1, sizeof(*list));
	json_array_foreach(files, i, f)
		list[i] = json_string_value(f);
	opt.files = list;
	opt.reason = json_string_value(json_object_get(o, "reason"));
	opt.log = json_is_true(json_object_get(o, "log"));
	opt.ack_flags = json_is_true(json_object_get(o, "ack_flags"));
	if ((r = release_held(h, uid, st, fd))) {
		vc->refusal = VOTE_STATE;
	} else if (!(d = release_plan(h, fd, uid, kind, &opt, &to, &r)) ||
		   (r = release_check_flags(h, uid, d, opt.ack_flags))) {
		vc->refusal = VOTE_STALE; /* names no output the job has, or flags unseen */
	} else {
		json_object_set_new(d, "by", json_string(req));
		r = release_vote_cast(h, STATE_BY_REVIEWER, fd, st, uid, req, d, to,
				      json_string_value(json_object_get(o, "release_sha256")), vc);
	}
	json_decref(d);
	free(list);
	fd_close(&fd);
	return r;
}

int release_vote_request(scq *h, int reqfd, const char *req, const char *name,
			 struct buf *why)
{
	char uid[64];
	struct vote_count vc;
	json_t *o;
	int r;
	snprintf(uid, sizeof(uid), "%.*s", (int)(strlen(name) - strlen(RELEASE_VOTE_SUFFIX)),
		 name);
	if (!scq_uid_valid(uid))
		return buf_setf(why, "release vote record for an invalid uid"), 0;
	if ((r = parse(h, reqfd, name, req, uid, &o, why)) != VERIFY_OK)
		return vote_verdict(r);
	r = count(h, req, uid, o, &vc);
	json_decref(o);
	if (r == 0) {
		buf_addf(&h->notices, "release vote of %s for job %s: %s\n", req, uid,
			 vc.approved ? "decided" : "recorded");
		return vote_consumed(h, reqfd, req, name);
	}
	if (vc.refusal == VOTE_NOT_APPROVER || vc.refusal == VOTE_SELF)
		return buf_setf(why, "%s", scq_errmsg(h)), 0;
	if (vc.refusal != VOTE_OK)
		return vote_drop(h, reqfd, name, "release vote", req, uid);
	return r; /* a local error: the record stays for the next pass */
}
