/*
 * audit-verify.c - checking the audit log (audit.c): the hash chain line
 * by line, the two anchored heads (audit.head.json in the store,
 * audit-head.json in the app folder: a cut or re-chained log no longer
 * matches them), and the store against the log: every job folder's state
 * must be explained by an event for its uid, the events that can put a job
 * in a state coming from state.c's table; and each uid's events must come
 * in an order the table allows (check_order).
 */
#include "base/compat.h"
#include <dirent.h>
#include <sys/file.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "store/handle.h"
#include "store/queue.h"
#include "store/state.h"
#include "store/audit.h"
#include "base/banned.h"

static int verify_line(scq *h, json_t *o, unsigned long n, char prev[65])
{
	json_t *copy;
	struct audit_entry e;
	const char *hash, *p;
	char want[65], *s;
	audit_entry_at(o, &e);
	hash = e.hash;
	p = e.prev;
	if (!hash || !p || strcmp(p, prev) || e.seq != (long long)n)
		return scq_fail(h, SCQ_EINVAL, "audit log line %lu: chain broken "
				"(previous entry removed, reordered or edited)", n);
	copy = json_deep_copy(o);
	json_object_del(copy, "hash");
	s = json_compact(copy);
	sha256_hex(s, strlen(s), want);
	free(s);
	json_decref(copy);
	if (strcmp(want, hash))
		return scq_fail(h, SCQ_EINVAL, "audit log line %lu: content edited "
				"(hash mismatch)", n);
	snprintf(prev, 65, "%s", hash);
	return 0;
}

/* The events that can put a job in `status`, as " a b c ": those of the
 * moves into it (state.c's table), "ingest-recovered" for a pending job
 * whose ingest finished after a crash (ingest.c), and for any state
 * "republish" and "recovered", which stands in, visibly, for an event lost
 * in a crash between a rename and its append (doc/protocol.md, Known gap
 * 1), or for a folder placed by hand. */
static void state_events(int status, struct buf *out)
{
	size_t n, i;
	const struct state_row *t = state_table(&n);
	struct buf w = BUF_INIT;
	buf_setf(out, " ");
	for (i = 0; i < n; i++) {
		buf_setf(&w, " %s ", t[i].event);
		if (t[i].to == status && strcmp(t[i].event, "republish") && !strstr(out->ptr, w.ptr))
			buf_addf(out, "%s ", t[i].event);
	}
	buf_addf(out, "%srepublish recovered ", status == SCQ_PENDING ? "ingest-recovered " : "");
	buf_release(&w);
}

struct verify {
	scq *h;
	json_t *seen;              /* uid -> " event event ... " */
	json_t *votes;             /* uid -> {requester, digest, by: {email: 1}} */
	struct buf bad;            /* the votes out of order, one clause each */
	unsigned long nbad;
	struct head {
		const char *file;
		long long seq;
		char hash[65], at_seq[65]; /* at_seq: the log's hash at seq */
	} heads[2];
};

static void vote_bad(struct verify *v, const char *uid, const char *what)
{
	v->bad.max = 4096; /* past it, the count still tells */
	buf_addf(&v->bad, "; job '%s' %s", uid, what);
	v->nbad++;
}

/* The voters a decision names ("2 of 2 votes (a b)", votes.c and
 * release-votes.c): distinct, never the requester, at least as many as it
 * needed, and (need_at_least, from the votes before it) as many as the
 * setting demanded when they were cast.  what: "approved", "released". */
static void check_approval(struct verify *v, const char *uid, const char *reason,
			   const char *requester, const char *what, int need_at_least)
{
	int have = 0, need = 0, n = 0, off = 0;
	const char *p;
	json_t *seen = json_object();
	char who[256];
	struct buf msg = BUF_INIT;
	if (!reason || sscanf(reason, "%d of %d votes (%n", &have, &need, &off) != 2 || !off) {
		buf_setf(&msg, "was %s without the votes it had", what);
		goto out;
	}
	for (p = reason + off; *p && *p != ')'; p += strspn(p, " ")) {
		size_t len = strcspn(p, " )");
		snprintf(who, sizeof(who), "%.*s", (int)len, p);
		if (json_object_get(seen, who) || (requester && !strcmp(who, requester))) {
			buf_setf(&msg, "was %s by a repeated vote or its requester's", what);
			goto out;
		}
		json_object_set_new(seen, who, json_true());
		p += len;
		n++;
	}
	if (n != have || n < need || need < 1 || n < need_at_least)
		buf_setf(&msg, "was %s with fewer votes than it needed", what);
out:
	if (msg.len)
		vote_bad(v, uid, msg.ptr);
	buf_release(&msg);
	json_decref(seen);
}

/* A release vote (release-votes.c): never the requester's, never a second
 * one of the same identity for the same decision (digest); a voter may
 * change its vote to another decision.  "1 of 2: ..." says the need. */
static void check_release_vote(struct verify *v, const struct audit_entry *e, json_t *j,
			       const char *req)
{
	json_t *rby = json_object_get(j, "rby");
	const char *had;
	int have = 0, need = 0;
	if (!rby) {
		rby = json_object();
		json_object_set_new(j, "rby", rby);
	}
	had = json_string_value(json_object_get(rby, e->actor));
	if (req && !strcmp(req, e->actor))
		vote_bad(v, e->uid, "has a release vote by its own requester");
	else if (had && e->code_sha256 && !strcmp(had, e->code_sha256))
		vote_bad(v, e->uid, "has two release votes by one identity for one decision");
	json_object_set_new(rby, e->actor, json_string(e->code_sha256 ? e->code_sha256 : ""));
	if (e->reason && sscanf(e->reason, "%d of %d", &have, &need) == 2 && need > 1)
		json_object_set_new(j, "rneed", json_integer(need));
}

/* The two-person rule's events, in the order they came (votes.c): a vote
 * is never the requester's nor a second one of the same identity for the
 * same code, and an approval after votes names enough distinct voters. */
static void check_vote(struct verify *v, const struct audit_entry *e)
{
	json_t *j = json_object_get(v->votes, e->uid), *by;
	const char *ev = e->event, *req;
	if (!j) {
		j = json_pack("{s:o}", "by", json_object());
		json_object_set_new(v->votes, e->uid, j);
	}
	req = json_string_value(json_object_get(j, "requester"));
	by = json_object_get(j, "by");
	if (!strcmp(ev, "ingest") || !strcmp(ev, "ingest-recovered")) {
		if (e->actor)
			json_object_set_new(j, "requester", json_string(e->actor));
	} else if (!strcmp(ev, "vote-reset")) {
		json_object_clear(by);
		json_object_del(j, "rby");
	} else if (!strcmp(ev, "release-vote") && e->actor) {
		check_release_vote(v, e, j, req);
	} else if ((!strcmp(ev, "release") || !strcmp(ev, "release-partial")) &&
		   (json_object_get(j, "rneed") || (e->reason && strstr(e->reason, " votes (")))) {
		check_approval(v, e->uid, e->reason, req, "released",
			       (int)json_integer_value(json_object_get(j, "rneed")));
	} else if (!strcmp(ev, "vote") && e->actor) {
		const char *d = json_string_value(json_object_get(j, "digest"));
		if (d && e->code_sha256 && strcmp(d, e->code_sha256))
			json_object_clear(by); /* other code: a reset whose line was lost */
		if (e->code_sha256)
			json_object_set_new(j, "digest", json_string(e->code_sha256));
		if (req && !strcmp(req, e->actor))
			vote_bad(v, e->uid, "has a vote by its own requester");
		else if (json_object_get(by, e->actor))
			vote_bad(v, e->uid, "has two votes by one identity");
		json_object_set_new(by, e->actor, json_true());
		json_object_set_new(j, "voted", json_true());
	} else if (!strcmp(ev, "approve") &&
		   (json_object_get(j, "voted") || (e->reason && strstr(e->reason, " votes (")))) {
		check_approval(v, e->uid, e->reason, req, "approved", 0);
	}
}

static void note_event(struct verify *v, json_t *o)
{
	struct audit_entry e;
	const char *uid, *ev, *had;
	struct buf b = BUF_INIT;
	audit_entry_at(o, &e);
	uid = e.uid;
	ev = e.event;
	if (!uid || !ev || !scq_uid_valid(uid))
		return;
	if (v->votes)
		check_vote(v, &e);
	had = json_string_value(json_object_get(v->seen, uid));
	buf_addf(&b, "%s%s ", had ? had : " ", ev);
	json_object_set_new(v->seen, uid, json_stringn(b.ptr, b.len));
	buf_release(&b);
}

static int load_head(struct verify *v, int dirfd, const char *file, struct head *hd)
{
	struct buf err = BUF_INIT;
	json_t *o = json_load_file_at(dirfd, file, SMALL_JSON_MAX, &err);
	struct audit_entry e;
	const char *hash;
	int r = 0;
	audit_entry_at(o, &e);
	hash = e.hash;
	hd->file = file;
	hd->seq = -1;
	if (!o && errno != ENOENT)
		r = scq_fail(v->h, SCQ_EINVAL, "audit head '%s': %s", file, err.ptr);
	else if (o && (!hash || strlen(hash) != 64 || e.seq < 1))
		r = scq_fail(v->h, SCQ_EINVAL, "audit head '%s': field 'seq' or 'hash' invalid", file);
	else if (o) {
		hd->seq = e.seq;
		snprintf(hd->hash, sizeof(hd->hash), "%s", hash);
	}
	json_decref(o);
	buf_release(&err);
	return r;
}

static int check_heads(struct verify *v, unsigned long n)
{
	size_t i;
	if (n && v->heads[0].seq < 0)
		return scq_fail(v->h, SCQ_EINVAL, "audit head '%s' is missing: the end of "
				"the log cannot be checked for cut entries", HEAD_STORE);
	for (i = 0; i < 2; i++) {
		struct head *hd = &v->heads[i];
		if (hd->seq < 0)
			continue;
		if ((unsigned long)hd->seq > n)
			return scq_fail(v->h, SCQ_EINVAL, "audit log ends at entry %lu but its "
					"head '%s' names entry %lld: the last %lld entries were cut",
					n, hd->file, hd->seq, hd->seq - (long long)n);
		if (strcmp(hd->at_seq, hd->hash))
			return scq_fail(v->h, SCQ_EINVAL, "audit log entry %lld differs from its "
					"head '%s': the log was rewritten from that entry or "
					"before", hd->seq, hd->file);
	}
	return 0;
}

int audit_explains(json_t *events, const char *uid, int status)
{
	const char *had = json_string_value(json_object_get(events, uid)), *p;
	struct buf want = BUF_INIT;
	int found = 0;
	state_events(status, &want);
	p = want.ptr;
	while (had && !found && (p = strchr(p, ' ')) && p[1]) {
		const char *q = strchr(p + 1, ' ');
		struct buf w = BUF_INIT;
		buf_add(&w, p, (size_t)(q - p) + 1);
		found = strstr(had, w.ptr) != NULL;
		buf_release(&w);
		p = q;
	}
	buf_release(&want);
	return found;
}

/* Each uid's events must be in an order the table allows: a "start" comes
 * after an "approve" (or "recovered", which stands in, visibly, for an
 * approval lost in a crash: Known gap 1), and a job starts at most once
 * (no row of state.c's table leads back to approved).  A job folder moved
 * by hand back to approved/, or from pending/, is caught here even when
 * its current state looks explained. */
/* Whether word w (" name ") occurs in had before the position end. */
static int occurs_before(const char *had, const char *w, const char *end)
{
	const char *p = strstr(had, w);
	return p && p < end;
}

/* How many release decisions (the events of the rows out of
 * awaiting_release) a job's events hold: one per run (state_decide_at). */
static int decisions_in(const char *had)
{
	size_t n, i;
	const struct state_row *t = state_table(&n);
	struct buf w = BUF_INIT;
	int count = 0;
	const char *p;
	for (i = 0; i < n; i++) {
		if (t[i].from != STATE_AWAITING_RELEASE)
			continue;
		buf_setf(&w, " %s ", t[i].event);
		for (p = had; (p = strstr(p, w.ptr)); p += w.len - 1)
			count++;
	}
	buf_release(&w);
	return count;
}

static int check_order(struct verify *v)
{
	const char *uid;
	json_t *ev;
	struct buf bad = BUF_INIT; /* the jobs out of order, one clause each */
	unsigned long nbad = 0;
	int r = 0;
	bad.max = 4096; /* past it, the count still tells */
	json_object_foreach(v->seen, uid, ev) {
		const char *had = json_string_value(ev), *start = strstr(had, " start ");
		if (decisions_in(had) > 1) {
			buf_addf(&bad, "; job '%s' had its results decided on more than once", uid);
			nbad++;
		}
		if (!start)
			continue;
		if (!occurs_before(had, " approve ", start) &&
		    !occurs_before(had, " rerun ", start) &&
		    !occurs_before(had, " recovered ", start)) {
			buf_addf(&bad, "; job '%s' was started without an approval", uid);
			nbad++;
		} else if (strstr(start + 1, " start ")) {
			buf_addf(&bad, "; job '%s' was started more than once", uid);
			nbad++;
		}
	}
	if (v->nbad) /* the two-person rule's (check_vote) */
		buf_addf(&bad, "%s", v->bad.ptr);
	nbad += v->nbad;
	if (nbad)
		r = scq_fail(v->h, SCQ_EINVAL, "audit log: %lu job%s out of order%s", nbad,
			     nbad == 1 ? "" : "s", bad.ptr);
	buf_release(&bad);
	return r;
}

/* A job's release decision (released.json) must be explained too: by
 * its row's event, or by "republish"/"recovered" after a crash between
 * the record and its audit line.  0 when there is none or it is. */
static int check_decision(struct verify *v, int dirfd_, const char *uid)
{
	struct buf err = BUF_INIT, want = BUF_INIT, rel = BUF_INIT;
	json_t *d;
	int st, r = 0;
	buf_addf(&rel, "%s/released.json", uid);
	d = json_load_file_at(dirfd_, rel.ptr, SMALL_JSON_MAX, &err);
	if (d) {
		st = state_decided(json_string_value(json_object_get(d, "decision")));
		if (st < 0)
			r = scq_fail(v->h, SCQ_EINVAL, "job '%s': released.json names no known "
				     "decision", uid);
		else if (!audit_explains(v->seen, uid, st)) {
			state_events(st, &want);
			r = scq_fail(v->h, SCQ_EINVAL, "audit log has no event for the release "
				     "decision of job '%s', which is %s in the store (expected one "
				     "of:%s)", uid, state_name(st), want.ptr);
		}
	}
	json_decref(d);
	buf_release(&err);
	buf_release(&want);
	buf_release(&rel);
	return r;
}

/* Every job folder in the store must be explained by an audit event. */
static int check_store(struct verify *v)
{
	int s, r = 0;
	for (s = 0; s < SCQ_STATUS_COUNT && r == 0; s++) {
		int fd = store_state_peek(v->h, s); /* verifying writes nothing */
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		while (d && r == 0 && (e = readdir(d)))
			if (scq_uid_valid(e->d_name) && !audit_explains(v->seen, e->d_name, s)) {
				struct buf want = BUF_INIT;
				state_events(s, &want);
				r = scq_fail(v->h, SCQ_EINVAL, "audit log has no event for job '%s', "
					     "which is %s in the store (expected one of:%s)",
					     e->d_name, scq_status_name(s), want.ptr);
				buf_release(&want);
			} else if (scq_uid_valid(e->d_name) && s >= SCQ_COMPLETED)
				r = check_decision(v, dirfd(d), e->d_name);
		if (d)
			closedir(d);
		else
			fd_close(&fd);
	}
	return r;
}

static int read_log(struct verify *v, FILE *f, unsigned long *count)
{
	char prev[65] = GENESIS, *line = NULL;
	size_t cap = 0, i;
	unsigned long n = 0;
	int r = 0;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		n++;
		r = o ? verify_line(v->h, o, n, prev) :
			scq_fail(v->h, SCQ_EINVAL, "audit log line %lu: not valid JSON", n);
		if (r == 0) {
			note_event(v, o);
			for (i = 0; i < 2; i++)
				if (v->heads[i].seq == (long long)n)
					snprintf(v->heads[i].at_seq, 65, "%s", prev);
		}
		json_decref(o);
	}
	free(line);
	*count = n;
	return r;
}

/* Read and verify the chain of the log into v (no log: 0 entries). */
static int load_log(struct verify *v, int sfd, unsigned long *n)
{
	FILE *f = NULL;
	int fd = openat(sfd, "audit.jsonl", O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;
	*n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 :
			scq_fail_errno(v->h, "opening audit log '%s'", scq_audit_path(v->h));
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return scq_fail_errno(v->h, "reading audit log '%s'", scq_audit_path(v->h));
	}
	r = read_log(v, f, n);
	fclose(f);
	return r;
}

json_t *audit_events_by_uid(scq *h)
{
	struct verify v = { h, json_object(), NULL, BUF_INIT, 0, { { 0 }, { 0 } } };
	unsigned long n;
	int sfd = store_peek(h);
	v.heads[0].seq = v.heads[1].seq = -1;
	if (sfd < 0 || load_log(&v, sfd, &n) < 0) {
		json_decref(v.seen);
		return NULL;
	}
	return v.seen;
}

int scq_audit_verify(scq *h, unsigned long *entries)
{
	struct verify v = { h, json_object(), json_object(), BUF_INIT, 0, { { 0 }, { 0 } } };
	int sfd = store_peek(h), afd = -1, r; /* verifying creates no store */
	unsigned long n = 0;
	char *app = app_dir_of(h, h->email);
	if (sfd < 0 && sfd != SCQ_ENOTFOUND) {
		r = sfd;
		goto out;
	}
	afd = open(app, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	v.heads[0].seq = -1; /* no store: an empty log, checked against the published head */
	r = sfd >= 0 ? load_head(&v, sfd, HEAD_STORE, &v.heads[0]) : 0;
	if (r == 0)
		r = afd >= 0 ? load_head(&v, afd, HEAD_PUBLISHED, &v.heads[1]) :
			(v.heads[1].seq = -1, 0);
	if (r == 0 && sfd >= 0)
		r = load_log(&v, sfd, &n);
	if (r == 0)
		r = check_heads(&v, n);
	if (r == 0)
		r = check_order(&v);
	if (r == 0 && sfd >= 0)
		r = check_store(&v);
out:
	fd_close(&afd);
	if (entries)
		*entries = n;
	json_decref(v.seen);
	json_decref(v.votes);
	buf_release(&v.bad);
	free(app);
	return r;
}

