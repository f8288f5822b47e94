/*
 * votes.c - the two-person rule (doc/protocol.md §5a, votes.h): with
 * approvals_required N > 1, an approval is a vote bound to the job's code
 * digest, and the N-th distinct approver's vote approves.
 *
 * Why votes live in the job folder (votes.json, a pending -> pending row
 * of state.c's table) and not only in the audit log: the count must be read
 * on every vote, and the folder is what the job's lock covers.  The final
 * approval copies every vote into approved.json and names the voters in its
 * audit line ("2 of 2 votes (a b)"), so the approval is its own proof: an
 * audit line lost in a crash between a vote's write and its append (Known
 * gap 1) cannot make `scq audit --verify` doubt a rightful approval, and a
 * vote counted twice is impossible (one identity, one entry).
 *
 * A vote is taken under an flock on the job's folder: the owner's scq and
 * ingest (a reviewer's vote from the inbox) may vote at the same moment,
 * and of two read-modify-writes of votes.json one would be lost.
 */
#include "base/compat.h"
#include <sys/file.h>
#include <sodium.h>
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/names.h"
#include "queue/identity.h"
#include "queue/lifecycle.h"
#include "queue/manifest.h"
#include "queue/record.h"
#include "queue/votes.h"
#include "store/audit.h"
#include "store/queue.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/banned.h"

int vote_needed(scq *h, int jobfd)
{
	return setting_int(h, SET_APPROVALS_REQUIRED) > 1 || fs_exists(jobfd, "votes.json");
}

/* The votes of a record ({code_sha256, votes:[{by, ...}]}) still bound to
 * digest, as a new array; *dropped counts the others.  Entries without a
 * valid e-mail in "by" (a hand edit) count for nothing. */
static json_t *votes_for(json_t *rec, const char *digest, int *dropped)
{
	json_t *out = json_array(), *v;
	const char *d = json_string_value(json_object_get(rec, "code_sha256"));
	size_t i;
	*dropped = 0;
	json_array_foreach(json_object_get(rec, "votes"), i, v) {
		const char *by = json_string_value(json_object_get(v, "by"));
		if (d && !strcmp(d, digest) && by && email_valid(by))
			json_array_append(out, v);
		else
			(*dropped)++;
	}
	return out;
}

int vote_by(json_t *votes, const char *who)
{
	json_t *v;
	size_t i;
	json_array_foreach(votes, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "by")), who))
			return 1;
	return 0;
}

/* The audit reason of a vote: "1 of 2", then the voter's reason. */
void vote_reason(struct buf *b, int have, int need, const char *reason)
{
	buf_setf(b, "%d of %d", have, need);
	if (reason && *reason)
		buf_addf(b, ": %s", reason);
}

/* The audit reason of the approval: "2 of 2 votes (a b)", which
 * audit-verify.c reads back, then the last voter's reason. */
void vote_approve_reason(struct buf *b, json_t *votes, int need, const char *reason)
{
	json_t *v;
	size_t i;
	buf_setf(b, "%zu of %d votes (", json_array_size(votes), need);
	json_array_foreach(votes, i, v)
		buf_addf(b, "%s%s", i ? " " : "", json_string_value(json_object_get(v, "by")));
	buf_adds(b, ")");
	if (reason && *reason)
		buf_addf(b, ": %s", reason);
}

/* Network is granted only if every vote allows it and the owner itself
 * is among them: a delegated reviewer approves code, it never opens the
 * owner's network on its own word. */
static int network_granted(json_t *votes, const char *owner)
{
	json_t *v;
	size_t i;
	int by_owner = 0;
	json_array_foreach(votes, i, v) {
		const char *by = json_string_value(json_object_get(v, "by"));
		if (!json_is_true(json_object_get(v, "allow_network")))
			return 0;
		by_owner |= by && !strcmp(by, owner);
	}
	return by_owner;
}

static json_t *new_vote(const char *voter, const char *reason, int allow_network)
{
	json_t *v = decision_record(voter, reason);
	json_object_set_new(v, "allow_network", json_boolean(allow_network));
	return v;
}

/* The job's code digest as its manifest gives it, checked against the one
 * job.json records (the runner runs only when both agree). */
static int current_digest(scq *h, int fd, const struct job_record *rec, const char *uid,
			  char out[65])
{
	struct buf err = BUF_INIT;
	json_t *m = json_load_file_at(fd, "manifest.json", JOB_JSON_MAX, &err);
	int r = 0;
	if (!m || manifest_validate(json_object_get(m, "files"), &err) < 0)
		r = scq_fail(h, SCQ_EIO, "job '%s': manifest.json: %s", uid, err.ptr);
	else {
		manifest_digest(json_object_get(m, "files"), out);
		if (!rec->code_sha256 || strcmp(rec->code_sha256, out))
			r = scq_fail(h, SCQ_EIO, "job '%s': its manifest and job.json name "
				     "different code; no vote is taken", uid);
	}
	json_decref(m);
	buf_release(&err);
	return r;
}

static int refuse(struct vote_count *vc, enum vote_refusal why, int code)
{
	vc->refusal = why;
	return code;
}

/* Who may vote: the owner and its delegated reviewers, never the job's
 * requester (even when delegated). */
int vote_check_voter(scq *h, const struct job_record *rec, const char *voter,
		       const char *uid, struct vote_count *vc)
{
	if (rec->requester && !strcmp(rec->requester, voter))
		return refuse(vc, VOTE_SELF, scq_fail(h, SCQ_EPERM, "%s submitted job '%s': "
			      "its requester may never approve it (two-person rule)", voter, uid));
	if (!reviewer_is(h, voter))
		return refuse(vc, VOTE_NOT_APPROVER, scq_fail(h, SCQ_EPERM, "%s is not an "
			      "approver of %s's queue (the owner adds one with 'scq reviewers "
			      "add')", voter, h->email));
	return 0;
}

/* Enough votes: pending -> approved, every vote in approved.json. */
static int approve(scq *h, unsigned by, const char *voter, const char *uid,
		   const char *digest, json_t *votes, int need, const char *reason)
{
	json_t *d = decision_record(voter, reason);
	struct buf why = BUF_INIT;
	int r;
	json_object_set_new(d, "code_sha256", json_string(digest));
	json_object_set_new(d, "allow_network", json_boolean(network_granted(votes, h->email)));
	json_object_set_new(d, "uid", json_string(uid));
	json_object_set_new(d, "approvals_required", json_integer(need));
	json_object_set(d, "votes", votes);
	vote_approve_reason(&why, votes, need, reason);
	r = job_transition(h, NULL, by, uid, SCQ_PENDING, SCQ_APPROVED, d, voter, why.ptr);
	json_decref(d);
	buf_release(&why);
	return r;
}

/* Fewer than need: the votes so far, in place (pending -> pending). */
static int record_votes(scq *h, unsigned by, const char *voter, const char *uid,
			const char *digest, json_t *votes, int need, const char *reason)
{
	json_t *rec = json_pack("{s:s, s:i, s:O}", "code_sha256", digest,
				"approvals_required", need, "votes", votes);
	struct buf why = BUF_INIT;
	int r;
	vote_reason(&why, (int)json_array_size(votes), need, reason);
	r = job_transition(h, NULL, by, uid, SCQ_PENDING, SCQ_PENDING, rec, voter, why.ptr);
	json_decref(rec);
	buf_release(&why);
	return r;
}

/* The vote itself, with the job's folder locked and its records read. */
static int cast_locked(scq *h, int fd, unsigned by, const char *voter, const char *uid,
		       const char *digest, const char *reason, int allow_network,
		       struct vote_count *vc)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	json_t *old = fs_exists(fd, "votes.json") ?
		      json_load_file_at(fd, "votes.json", SMALL_JSON_MAX, &err) : NULL;
	json_t *votes = votes_for(old, digest, &vc->reset);
	int r = 0;
	if (vc->reset) { /* the content changed since: those votes were for other code */
		buf_setf(&msg, "code changed: %d vote%s for other content discarded",
			 vc->reset, vc->reset == 1 ? "" : "s");
		if ((r = audit_append(h, NULL, "vote-reset", uid, "scq", msg.ptr, digest)))
			goto out;
	}
	vc->have = (int)json_array_size(votes);
	if (vote_by(votes, voter) && vc->have < vc->need) {
		r = refuse(vc, VOTE_AGAIN, scq_fail(h, SCQ_EPERM, "%s already voted to "
			   "approve job '%s' (%d of %d): the next approval must come from "
			   "another approver", voter, uid, vc->have, vc->need));
		goto out;
	}
	if (!vote_by(votes, voter)) /* else: enough already (the setting was lowered,
				   * or a crash came before the approval) */
		json_array_append_new(votes, new_vote(voter, reason, allow_network));
	vc->have = (int)json_array_size(votes);
	vc->approved = vc->have >= vc->need;
	r = vc->approved ? approve(h, by, voter, uid, digest, votes, vc->need, reason) :
	    record_votes(h, by, voter, uid, digest, votes, vc->need, reason);
out:
	json_decref(old);
	json_decref(votes);
	buf_release(&err);
	buf_release(&msg);
	return r;
}

int vote_cast(scq *h, unsigned by, const char *voter, const char *uid, const char *seen,
	      const char *reason, int allow_network, struct vote_count *vc)
{
	struct job_record rec = RECORD_INIT;
	struct buf err = BUF_INIT;
	char digest[65];
	int fd = queue_job_dir(h, SCQ_PENDING, uid), r, st;
	memset(vc, 0, sizeof(*vc));
	vc->need = (int)setting_int(h, SET_APPROVALS_REQUIRED);
	if (fd < 0) {
		st = queue_locate(h, uid);
		r = st < 0 ? scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid) :
		    scq_fail(h, SCQ_ESTATE, "job '%s' is %s; only pending jobs can be "
			     "approved", uid, scq_status_name(st));
		return refuse(vc, VOTE_STATE, r);
	}
	if (fs_flock(fd, LOCK_EX) < 0) {
		r = scq_fail_errno(h, "locking job '%s'", uid);
		goto out;
	}
	if (record_load_at(&rec, fd, "job.json", SMALL_JSON_MAX, &err) < 0) {
		r = scq_fail(h, SCQ_EIO, "job '%s': job.json: %s", uid, err.ptr);
		goto out;
	}
	if ((r = job_expire(h, uid, &rec, time_now(), &st)) || st != SCQ_PENDING) {
		r = r ? r : refuse(vc, VOTE_STATE, scq_fail(h, SCQ_ESTATE, "job '%s' is %s; "
				   "only pending jobs can be approved", uid, scq_status_name(st)));
		goto out;
	}
	if ((r = vote_check_voter(h, &rec, voter, uid, vc)) || (r = current_digest(h, fd, &rec, uid,
									       digest)))
		goto out;
	if (seen && strcmp(seen, digest)) {
		r = refuse(vc, VOTE_STALE, scq_fail(h, SCQ_ESTATE, "the vote of %s was for code "
			   "%.12s, but job '%s' now has code %.12s: review it again", voter, seen,
			   uid, digest));
		goto out;
	}
	r = cast_locked(h, fd, by, voter, uid, digest, reason, allow_network, vc);
out:
	fd_close(&fd); /* and its lock */
	record_release(&rec);
	buf_release(&err);
	return r;
}

/* ---- the outputs a release vote is bound to (release-votes.c) -------- */

/* The canonical list of the outputs (manifest.h's form), and where the
 * files being walked sit ("output/" or ""). */
struct canon {
	struct buf list;
	const char *prefix;
};

static int hash_entry(void *ctx, struct fs_walk_entry *e)
{
	struct canon *c = ctx;
	crypto_hash_sha256_state st;
	uint64_t n;
	char hex[65];
	int fd;
	if (e->type != FS_T_FILE)
		return e->type == FS_T_DIR ? 0 : (errno = EINVAL, -1);
	fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	crypto_hash_sha256_init(&st);
	if (fs_copy_fd(fd, -1, UINT64_MAX, sha256_chunk, &st, &n) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	sha256_chunk_hex(&st, hex);
	buf_addf(&c->list, "%s%s", c->prefix, e->path);
	buf_add(&c->list, "", 1);
	buf_addf(&c->list, "%llu", (unsigned long long)n);
	buf_add(&c->list, "", 1);
	buf_addf(&c->list, "%s\n", hex);
	return 0;
}

int vote_outputs_digest(int jobfd, char out[65])
{
	return vote_outputs_digest_log(jobfd, "execution.log", out);
}

int vote_outputs_digest_log(int jobfd, const char *logname, char out[65])
{
	struct fs_walk_opts o = { FS_WALK_SORTED, 0, 0, 0, -1 };
	struct canon c = { BUF_INIT, "" };
	struct fs_walk_entry log = { .dirfd = jobfd, .name = logname,
				     .path = "execution.log", .type = FS_T_FILE };
	int fd = -1, r = 0;
	/* the log is an output like any other */
	if (fs_exists(jobfd, logname))
		r = hash_entry(&c, &log);
	c.prefix = "output/";
	fd = r == 0 ? openat(jobfd, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd >= 0)
		r = fs_walk(fd, &o, hash_entry, &c);
	fd_close(&fd);
	if (r == 0)
		sha256_hex(c.list.len ? c.list.ptr : "", c.list.len, out);
	buf_release(&c.list);
	return r;
}

int vote_drop(scq *h, int reqfd, const char *name, const char *what, const char *req,
	      const char *uid)
{
	buf_addf(&h->notices, "%s of %s for job %s not counted: %s\n", what, req, uid,
		 scq_errmsg(h));
	audit_append(h, NULL, "vote-refused", uid, req, scq_errmsg(h), NULL);
	return vote_consumed(h, reqfd, req, name);
}

int vote_consumed(scq *h, int reqfd, const char *req, const char *name)
{
	return identity_remove_record(reqfd, name) < 0 ?
	       scq_fail_errno(h, "removing vote record '%s/%s'", req, name) : 0;
}

int vote_text_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max && utf8_valid(s, strlen(s)) && !has_control(s, 0);
}

int vote_verdict(int v)
{
	/* VERIFY_LOCAL: h holds the message of our store's failure */
	return v == VERIFY_INCOMPLETE ? VOTE_WAIT : v == VERIFY_LOCAL ? SCQ_EIO : 0;
}

int vote_record_open(scq *h, int reqfd, const char *name, const char *req, const char *uid,
		     const char *what, const char *const *keys, const char *digest, json_t **out,
		     struct buf *why)
{
	json_t *o, *v;
	const char *k, *by, *d;
	const char *const *kk;
	/* the bytes parsed are the bytes whose signature was checked */
	int r = identity_read_record(h, reqfd, name, req, uid, VOTE_JSON_MAX, &o, why);
	*out = NULL;
	if (r != VERIFY_OK)
		return r;
	if (why->len) /* unsigned, taken under unsigned_jobs: said */
		buf_addf(&h->notices, "%s\n", why->ptr);
	buf_reset(why);
	if (!json_is_object(o)) {
		buf_setf(why, "%s: not a JSON object", what);
		goto bad;
	}
	json_object_foreach(o, k, v) {
		for (kk = keys; *kk && strcmp(*kk, k); kk++)
			;
		if (!*kk) {
			buf_setf(why, "%s: unknown field", what);
			goto bad;
		}
	}
	by = json_string_value(json_object_get(o, "by"));
	d = json_string_value(json_object_get(o, digest));
	if (!json_is_string(json_object_get(o, "uid")) ||
	    strcmp(json_string_value(json_object_get(o, "uid")), uid))
		buf_setf(why, "%s: 'uid' is not the job its name says", what);
	else if (!by || strcmp(by, req))
		buf_setf(why, "%s: spoofed identity ('by' is not the inbox folder it came from)",
			 what);
	else if (!d || strlen(d) != 64 || strspn(d, "0123456789abcdef") != 64)
		buf_setf(why, "%s: '%s' is not 64 lower-case hex digits", what, digest);
	else if ((v = json_object_get(o, "at")) && (!json_is_string(v) ||
		 !vote_text_ok(json_string_value(v), JOB_CREATED_AT_MAX)))
		buf_setf(why, "%s: 'at' is not a short string", what);
	else {
		*out = o;
		return VERIFY_OK;
	}
bad:
	json_decref(o);
	return VERIFY_BAD;
}
