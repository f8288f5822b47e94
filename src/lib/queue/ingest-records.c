/*
 * ingest-records.c - the ingest's verdicts on inbox entries (quarantine;
 * incomplete: wait within the grace, then quarantine) and the records of an
 * inbox folder besides jobs: a requester's cancel request, a reviewer's
 * vote, and their signatures (identity.c checks them as it checks jobs).
 * Split from ingest.c, whose pass (ingest_requester) hands each such name
 * to ingest_record after the folder's jobs are committed.
 */
#include "base/compat.h"
#include <sys/stat.h>
#include "base/fs.h"
#include "queue/identity.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "store/settings.h"
#include "queue/ingest-int.h"
#include "queue/votes.h"
#include "queue/quarantine.h"
#include "base/banned.h"

/* Quarantine an inbox entry and count it (quarantine.c does the work). */
int ingest_quarantine(struct ingest *in, int parent, const char *req, const char *name,
		      const char *reason)
{
	const char *batch = inflow_quarantine_key(&in->flow, req);
	int r = batch ? quarantine_batch(in->h, parent, req, name, reason, batch) :
			quarantine_entry(in->h, parent, req, name, reason);
	if (r == 0)
		in->st->quarantined++;
	return r;
}

/* Seconds since the entry was first seen: its folder's birth time where
 * the file system records one, else its own change time (creating job.json
 * or code/ in it).  Files delivered below never restart the grace, and
 * nothing walks the tree (a re-walk at every ingest was a way to stall the
 * owner with big incomplete entries). */
double ingest_entry_age(int parent, const char *name)
{
	struct statx sx;
	double born;
	if (statx(parent, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME, &sx) < 0)
		return 0;
	born = (sx.stx_mask & STATX_BTIME) ?
		(double)sx.stx_btime.tv_sec + sx.stx_btime.tv_nsec / 1e9 :
		(double)sx.stx_ctime.tv_sec + sx.stx_ctime.tv_nsec / 1e9;
	return time_now() - born;
}

/* detail: what is missing, for the quarantine's reason (NULL: files) */
int ingest_incomplete(struct ingest *in, int parent, const char *req, const char *name,
		      const char *detail)
{
	long long grace = setting_int(in->h, SET_INGEST_GRACE_SECONDS);
	struct buf why = BUF_INIT;
	int r = 0;
	if (ingest_entry_age(parent, name) > (double)grace) {
		buf_addf(&why, "%s%sstill incomplete after %lld seconds", detail ? detail : "",
			 detail ? "; " : "", grace);
		r = ingest_quarantine(in, parent, req, name, why.ptr);
	} else if (inflow_incomplete(&in->flow, req)) {
		buf_addf(&why, "over max_incomplete_per_requester (%lld): too many jobs "
			 "waiting for their files", setting_int(in->h, SET_MAX_INCOMPLETE_PER_REQUESTER));
		r = ingest_quarantine(in, parent, req, name, why.ptr);
	} else {
		in->st->incomplete++;
	}
	buf_release(&why);
	return r;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* inbox/<req>/<uid>.cancel.json: the requester asks to cancel its job,
 * signed as its jobs are (identity.c): a request that is not the
 * requester's waits for its signature within the grace, or is
 * quarantined; one for no job of the store is dropped unread. */
static int cancel_request(struct ingest *in, int reqfd, const char *req, const char *name)
{
	char uid[64];
	struct buf why = BUF_INIT;
	json_t *o = NULL;
	int st, r = 0, v;
	snprintf(uid, sizeof(uid), "%.*s", (int)(strlen(name) - strlen(".cancel.json")), name);
	struct stat sb;
	if (!scq_uid_valid(uid))
		return ingest_quarantine(in, reqfd, req, name, "cancel request for an invalid uid");
	/* only its name and signature count, but what it holds is hostile
	 * input all the same: a folder (or link, FIFO) is quarantined, never
	 * deleted */
	if (fstatat(reqfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode))
		return ingest_quarantine(in, reqfd, req, name, "cancel request is not a plain file");
	st = queue_locate(in->h, uid);
	if (st < 0 && fs_exists(reqfd, uid))
		return 0; /* the job itself is still arriving: keep the request */
	v = st < 0 ? VERIFY_OK : identity_read_record(in->h, reqfd, name, req, uid,
						       VOTE_JSON_MAX, &o, &why);
	json_decref(o);
	if (v == VERIFY_OK && st >= 0 && why.len) /* unsigned, taken: said */
		buf_addf(&in->h->notices, "%s\n", why.ptr);
	if (v == VERIFY_BAD)
		r = ingest_quarantine(in, reqfd, req, name, why.ptr);
	else if (v == VERIFY_INCOMPLETE)
		r = ingest_incomplete(in, reqfd, req, name, why.ptr);
	else if (v == VERIFY_LOCAL)
		r = SCQ_EIO;
	if (v != VERIFY_OK)
		goto out;
	if (st >= 0) {
		r = job_cancel(in->h, uid, req);
		if (r == 0)
			in->st->cancelled++;
		else if (r == SCQ_ESTATE || r == SCQ_EPERM)
			r = 0; /* finished meanwhile, or not theirs: nothing to do */
	}
	if (r == 0)
		identity_remove_record(reqfd, name);
out:
	buf_release(&why);
	return r;
}

/* inbox/<reviewer>/<uid>.vote.json: a delegated reviewer's vote
 * (vote-inbox.c); what it refuses as hostile is quarantined here, and
 * what is not all there yet (cut short, its signature) waits. */
static int vote_record(struct ingest *in, int reqfd, const char *req, const char *name)
{
	struct buf why = BUF_INIT;
	int r = vote_request(in->h, reqfd, req, name, &why);
	if (r == VOTE_WAIT)
		r = ingest_incomplete(in, reqfd, req, name, why.ptr);
	else if (r == 0 && why.len)
		r = ingest_quarantine(in, reqfd, req, name, why.ptr);
	buf_release(&why);
	return r;
}

/* A record's signature (<uid>.vote.sig.json ...) is read with its record;
 * alone (the record consumed or quarantined, or not there yet) it waits
 * within the grace, then is quarantined. */
static int record_signature(struct ingest *in, int reqfd, const char *req, const char *name)
{
	struct buf rec = BUF_INIT;
	long long grace = setting_int(in->h, SET_INGEST_GRACE_SECONDS);
	int r = 0;
	buf_addf(&rec, "%.*s.json", (int)(strlen(name) - strlen(IDENTITY_SIG_SUFFIX)), name);
	if (!fs_exists(reqfd, rec.ptr) && ingest_entry_age(reqfd, name) > (double)grace)
		r = ingest_quarantine(in, reqfd, req, name, "the signature of an inbox record that is "
			       "not there (consumed, quarantined or never sent)");
	buf_release(&rec);
	return r;
}

/* The names of an inbox folder that are records besides job folders. */
int ingest_is_record(const char *n)
{
	return ends_with(n, ".cancel.json") || ends_with(n, VOTE_SUFFIX) ||
	       ends_with(n, ".cancel" IDENTITY_SIG_SUFFIX) || ends_with(n, ".vote" IDENTITY_SIG_SUFFIX);
}

static int is_signature(const char *n)
{
	return ends_with(n, IDENTITY_SIG_SUFFIX);
}

int ingest_record(struct ingest *in, int reqfd, const char *req, const char *name)
{
	if (is_signature(name))
		return record_signature(in, reqfd, req, name);
	if (ends_with(name, VOTE_SUFFIX))
		return vote_record(in, reqfd, req, name);
	return cancel_request(in, reqfd, req, name);
}
