/*
 * ingest.c - take verified jobs from my inbox into my private store.
 *
 * The inbox folder a job sits in (inbox/<requester>/<uid>/) is the only
 * identity we trust: the app ACL lets each user write only under their
 * own email.  A job is taken once every manifest file is present and
 * verified; it is copied (hashed while copied) into the private store,
 * committed by rename, and only then removed from the inbox, so a crash
 * at any point loses nothing and a leftover inbox copy of a job already
 * in the store is recognised by its digest and dropped, never taken twice.
 * Anything hostile is moved to quarantine/ with its reason, never deleted.
 */
#include "base/compat.h"
#include <dirent.h>
#include <sys/file.h>
#include "base/alloc.h"
#include "store/commit.h"
#include "base/fs.h"
#include "queue/inflow.h"
#include "queue/identity.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "queue/manifest.h"
#include "store/queue.h"
#include "queue/record.h"
#include "store/state.h"
#include "store/settings.h"
#include "store/audit.h"
#include "queue/ingest.h"
#include "queue/ingest-int.h"
#include "queue/outbox.h"
#include "queue/quarantine.h"
#include "queue/votes.h"
#include "queue/notify.h"
#include "base/banned.h"

/* The runner's pass has used its time: the rest waits for the next tick. */
static int out_of_time(const struct ingest *in)
{
	return in->until > 0 && time_mono() >= in->until;
}

const char *scq_ingest_notices(const scq *h)
{
	return h->notices.ptr;
}

const char *scq_notices(const scq *h)
{
	return h->notices.ptr;
}

static int is_ignored_name(const char *n)
{
	return n[0] == '.' || strstr(n, ".rejected.") || strstr(n, ".conflict.") ||
	       strstr(n, "syftrejected") || strstr(n, "syftconflict") || strstr(n, ".tmp");
}

/* The rules of job.json are record.c's, shared with submit. */
/* A revision (resubmit_of, from scq submit --revises) is only a claim of
 * the submitter: it may name no job of mine (one cleaned up, or not here
 * yet), but never the job itself nor another requester's job, whose code
 * the owner's review would then show as this one's "earlier version". */
static int revises_ok(scq *h, const struct job_record *r, const char *req, const char *uid,
		      struct buf *err)
{
	struct job_record of = RECORD_INIT;
	struct buf e = BUF_INIT;
	int st, fd, bad = 0;
	if (!r->resubmit_of)
		return 0;
	if (!strcmp(r->resubmit_of, uid))
		return buf_setf(err, "field 'resubmit_of' names the job itself"), -1;
	st = queue_locate(h, r->resubmit_of);
	fd = st >= 0 ? queue_job_dir(h, st, r->resubmit_of) : -1;
	if (fd >= 0 && record_load_at(&of, fd, "job.json", JOB_JSON_MAX, &e) == 0)
		bad = !of.requester || strcmp(of.requester, req);
	if (bad)
		buf_setf(err, "field 'resubmit_of' names job '%s' of another requester",
			 r->resubmit_of);
	fd_close(&fd);
	record_release(&of);
	buf_release(&e);
	return bad ? -1 : 0;
}

static int validate_record(scq *h, const struct job_record *r, const char *req,
			   const char *uid, struct buf *err)
{
	struct record_expect x = { uid, req, h->email, setting_int(h, SET_MAX_FILES_PER_JOB) };
	return record_validate(r, RECORD_CHECK_INGEST, &x, err) < 0 ? -1 :
	       revises_ok(h, r, req, uid, err);
}

/* The store's own job.json: the submitted record minus the manifest, with
 * the owner's receive time as created_at (the submitter's claim is kept as
 * submitted_at) and the approval wait clamped to the owner's maximum.
 * *deadline: that record's approval deadline. */
static json_t *store_record(scq *h, const struct job_record *in, double *deadline, int *has)
{
	struct job_record r = *in; /* a view (only known keys: nothing else of the
				    * submitter's); its strings stay in's */
	long long max = setting_int(h, SET_MAX_TIMEOUT_SECONDS);
	char now[ISO_LEN];
	time_now_iso(now);
	r.submitted_at = in->created_at;
	r.created_at = now;
	r.rerun_of = NULL; /* only scq rerun says a job runs another again */
	if (r.timeout_seconds > max)
		r.timeout_seconds = max;
	*has = record_deadline(&r, deadline) == 0;
	return record_to_json(&r, RECORD_STORE);
}

/* job.json (store form) and manifest.json in a staging folder. */
static int write_store_records(scq *h, int dir, const struct job_record *rec, const char *uid,
			       struct staged *s, struct buf *err)
{
	json_t *srec = store_record(h, rec, &s->deadline, &s->has_deadline);
	json_t *man = json_pack("{s:O}", "files", rec->files);
	json_t *pub = job_public_json(h, -1, SCQ_PENDING, srec);
	char *text = json_dumps(pub, JSON_COMPACT);
	int v = VERIFY_OK;
	/* public.json: the listing's pre-rendered view while the job is pending */
	if (json_write_at(dir, "manifest.json", man, FS_DEFER_SYNC | FS_STAGED) < 0 ||
	    json_write_at(dir, "job.json", srec, FS_DEFER_SYNC | FS_STAGED) < 0 ||
	    fs_write_atomic(dir, "public.json", text, strlen(text), FS_DEFER_SYNC | FS_STAGED) < 0) {
		buf_setf(err, "staging job '%s' in the private store: %s", uid, strerror(errno));
		v = VERIFY_LOCAL;
	}
	free(text);
	json_decref(pub);
	s->rec = srec; /* the publication's source (commit_staged) */
	json_decref(man);
	return v;
}

static int stage(struct ingest *in, int src, const struct job_record *rec, const char *uid,
		 struct staged *s, struct buf *err)
{
	scq *h = in->h;
	int tmp = in->tmp >= 0 ? in->tmp : (in->tmp = store_subdir(h, "tmp")), dir = -1, code = -1;
	int v = VERIFY_LOCAL;
	if (tmp < 0) {
		buf_setf(err, "%s", h->err.ptr);
		return VERIFY_LOCAL;
	}
	if (fs_remove_tree(tmp, uid) < 0 || fs_mkdir(tmp, uid, 0700) < 0 ||
	    (dir = openat(tmp, uid, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fs_mkdir(dir, "code", 0755) < 0 || (code = openat(dir, "code", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		buf_setf(err, "staging job '%s' in the private store: %s", uid, strerror(errno));
		goto out;
	}
	v = manifest_copy_verified(src, code, rec->files, err);
	if (v != VERIFY_OK)
		goto out;
	v = write_store_records(h, dir, rec, uid, s, err);
out:
	if (v != VERIFY_OK)
		fs_remove_tree(tmp, uid);
	fd_close(&code);
	fd_close(&dir);
	return v;
}


static int check_root(int dir, int *code, struct buf *err);

/* A crash leftover is exactly the entry that was taken: job.json and the
 * manifest's files, nothing more (a replay with additions is hostile). */
static int exact_leftover(int parent, const char *uid, const struct job_record *rec)
{
	struct buf err = BUF_INIT;
	int dir = openat(parent, uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), code = -1;
	int v = dir < 0 ? VERIFY_BAD : check_root(dir, &code, &err);
	if (v == VERIFY_OK && code >= 0)
		v = manifest_check_tree(code, rec->files, NULL, &err);
	fd_close(&code);
	fd_close(&dir);
	buf_release(&err);
	return v != VERIFY_BAD;
}

/* The requester was told of the job already (its outbox status exists). */
static int published(scq *h, const char *req, const char *uid)
{
	char *app = app_dir_of(h, h->email);
	struct buf p = BUF_INIT;
	struct stat st;
	int r;
	buf_addf(&p, "%s/outbox/%s/%s/status.json", app, req, uid);
	r = lstat(p.ptr, &st) == 0;
	buf_release(&p);
	free(app);
	return r;
}

/* The job is already in my store (a crash hit between commit and inbox
 * removal, or the submitter replayed it). */
static int already_taken(struct ingest *in, int parent, const char *req,
			 const char *uid, const struct job_record *rec)
{
	scq *h = in->h;
	int st = queue_locate(h, uid), fd = queue_job_dir(h, st, uid);
	struct buf err = BUF_INIT;
	struct job_record have = RECORD_INIT;
	const char *a, *b = rec->code_sha256, *who;
	int r = 0;
	if (fd >= 0)
		record_load_at(&have, fd, "job.json", SMALL_JSON_MAX, &err);
	a = have.code_sha256;
	who = have.requester;
	if (a && b && !strcmp(a, b) && who && !strcmp(who, req) && !exact_leftover(parent, uid, rec)) {
		r = ingest_quarantine(in, parent, req, uid, "a replay of a job already taken, with "
			       "entries that job did not have");
	} else if (a && b && !strcmp(a, b) && who && !strcmp(who, req)) {
		/* a crash hit after the commit: finish what ingest would have
		 * done (once: a replay of a published job changes nothing) */
		if (st == SCQ_PENDING && !published(h, req, uid) &&
		    outbox_publish(h, NULL, uid, st, 0) == 0)
			audit_append(h, NULL, "ingest-recovered", uid, req, NULL, a);
		/* never an error that stops the owner: what cannot be removed
		 * (a hostile tree) is quarantined by rename */
		if (fs_remove_tree(parent, uid) < 0) {
			struct buf why = BUF_INIT;
			buf_addf(&why, "leftover copy of an ingested job that could not be removed: %s",
				 strerror(errno));
			r = ingest_quarantine(in, parent, req, uid, why.ptr);
			buf_release(&why);
		}
	} else {
		r = ingest_quarantine(in, parent, req, uid, "uid already used by another job");
	}
	fd_close(&fd);
	record_release(&have);
	buf_release(&err);
	return r;
}

/* The job folder holds job.json, signature.json and code/ only (code/ may still be
 * missing while sync delivers, or absent for a job of empty files). */
static int check_root(int dir, int *code, struct buf *err)
{
	DIR *d = fdopendir(dup(dir));
	struct dirent *e;
	int v = VERIFY_OK;
	if (d)
		rewinddir(d); /* a dup shares its offset with earlier walks of dir */
	while (d && v != VERIFY_BAD && (e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "job.json") || !strcmp(e->d_name, "signature.json"))
			continue;
		if (!strcmp(e->d_name, "code") && fstatat(dirfd(d), "code", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			continue;
		if (strstr(e->d_name, ".tmp")) {
			v = VERIFY_INCOMPLETE;
			continue;
		}
		buf_setf(err, "unexpected entry '%s' in the job folder (only job.json, signature.json and code/)",
			 e->d_name);
		v = VERIFY_BAD;
	}
	if (d)
		closedir(d);
	if (v == VERIFY_BAD)
		return v;
	*code = openat(dir, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return *code < 0 ? VERIFY_INCOMPLETE : v;
}

static int all_files_empty(json_t *files)
{
	struct manifest_entry me;
	size_t i;
	json_t *e;
	json_array_foreach(files, i, e) {
		manifest_entry_at(e, &me);
		if (me.size != 0)
			return 0;
	}
	return 1;
}

/* The rest of a job REQ's already in my store, without its job.json: sync
 * brought a file of the entry back after ingest removed it (it had taken a
 * cut version of it, and the whole one followed), so it is a leftover, not
 * a job still arriving (the simulator's truncated delivery left such an
 * entry in the inbox, to be quarantined a day later: tests/sim/props.py). */
static int leftover_of_taken(scq *h, const char *req, const char *uid)
{
	struct buf err = BUF_INIT;
	struct job_record have = RECORD_INIT;
	int fd = queue_job_dir(h, queue_locate(h, uid), uid), r = 0;
	if (fd >= 0 && record_load_at(&have, fd, "job.json", SMALL_JSON_MAX, &err) == 0)
		r = have.requester && !strcmp(have.requester, req);
	fd_close(&fd);
	record_release(&have);
	buf_release(&err);
	return r;
}

static int ingest_job(struct ingest *in, int parent, int dir, const char *req, const char *uid)
{
	struct buf err = BUF_INIT, why0 = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	struct buf text = BUF_INIT, sig = BUF_INIT; /* job.json's bytes; the signature's verdict */
	struct staged s = { NULL, NULL, NULL, NULL, NULL, 0, 0 };
	json_t *o;
	int r = 0, v, code = -1;
	if (!fs_exists(dir, "job.json") && queue_locate(in->h, uid) >= 0 &&
	    leftover_of_taken(in->h, req, uid)) {
		if (fs_remove_tree(parent, uid) < 0)
			r = ingest_quarantine(in, parent, req, uid, "leftover files of an ingested job "
				       "that could not be removed");
		goto out;
	}
	if (!fs_exists(dir, "job.json")) {
		r = ingest_incomplete(in, parent, req, uid, NULL);
		goto out;
	}
	o = json_load_file_keep(dir, "job.json", JOB_JSON_MAX, &err, &text);
	if (!o && errno == ENODATA) {
		/* cut short: SyftBox may deliver a file in parts (the simulator's
		 * truncated delivery quarantined, and so lost, real jobs): it
		 * waits like missing code files, within ingest_grace_seconds */
		buf_addf(&why0, "job.json cut short (%s)", err.ptr);
		r = ingest_incomplete(in, parent, req, uid, why0.ptr);
		goto out;
	}
	if (o) /* the record of exactly the bytes the signature is checked on */
		record_from_json(&rec, o);
	json_decref(o);
	if (!o || validate_record(in->h, &rec, req, uid, &err) < 0) {
		struct buf why = BUF_INIT;
		buf_addf(&why, "job.json: %s", err.ptr);
		r = ingest_quarantine(in, parent, req, uid, why.ptr);
		buf_release(&why);
		goto out;
	}
	if (strcmp(req, in->h->email) && submitted_by_me(in->h, uid)) {
		r = ingest_quarantine(in, parent, req, uid, "uid already used by a job you submitted");
		goto out;
	}
	if (queue_locate(in->h, uid) >= 0) {
		r = already_taken(in, parent, req, uid, &rec);
		goto out;
	}
	if (job_removed(in->h, uid)) { /* its signature may be good: a replay all the same */
		r = ingest_quarantine(in, parent, req, uid, "a replay of a job already taken, and "
			       "cleaned up since (removed/<uid>.json)");
		goto out;
	}
	v = check_root(dir, &code, &err);
	if (v == VERIFY_INCOMPLETE && code < 0 && all_files_empty(rec.files))
		v = VERIFY_OK; /* SyftBox never syncs empty files: such a job has no code/ */
	else if (v == VERIFY_OK)
		v = manifest_check_tree(code, rec.files, NULL, &err);
	/* complete: is it signed by its requester (identity.c)? */
	if (v == VERIFY_OK) {
		v = identity_check_job(in->h, dir, req, uid, rec.target, &text, &sig);
		if (v == VERIFY_BAD)
			buf_setf(&err, "%s", sig.ptr);
		else if (v == VERIFY_LOCAL)
			buf_setf(&err, "%s", in->h->err.ptr);
		else if (v == VERIFY_OK && sig.len) /* an unsigned job taken: say so */
			buf_addf(&in->h->notices, "%s\n", sig.ptr);
	}
	/* a fresh copy that only the owner owns, each manifest entry read once
	 * and hashed while copied: the submitter's inodes (and any descriptor
	 * it holds on them) never enter the store, nor anything unlisted */
	if (v == VERIFY_OK && inflow_may_take(&in->flow, req, &err)) {
		inflow_tell_waiting(&in->flow, req, uid, err.ptr);
		in->st->deferred++;
		goto out; /* complete, but over a cap: it waits in the inbox */
	}
	if (v == VERIFY_OK)
		v = stage(in, code, &rec, uid, &s, &err);
	if (v == VERIFY_LOCAL) /* our disk, not the submitter: keep it in the inbox */
		r = scq_fail(in->h, SCQ_EIO, "ingest of inbox/%s/%s: %s", req, uid, err.ptr);
	else if (v == VERIFY_BAD)
		r = ingest_quarantine(in, parent, req, uid, err.ptr);
	else if (v == VERIFY_INCOMPLETE)
		r = ingest_incomplete(in, parent, req, uid, sig.len ? sig.ptr : NULL);
	if (v != VERIFY_OK) {
		json_decref(s.rec);
	} else {
		if (in->nstaged == in->astaged) {
			in->astaged = in->astaged ? in->astaged * 2 : 16;
			in->staged = xrealloc(in->staged, xmul(in->astaged, sizeof(*in->staged)));
		}
		s.uid = xstrdup(uid);
		s.req = xstrdup(req);
		s.digest = xstrdup(rec.code_sha256); /* validated: present */
		s.revises = rec.resubmit_of ? xstrdup(rec.resubmit_of) : NULL;
		in->staged[in->nstaged++] = s;
		inflow_took(&in->flow, req, uid);
	}
out:
	fd_close(&code);
	record_release(&rec);
	buf_release(&err);
	buf_release(&text);
	buf_release(&sig);
	buf_release(&why0);
	return r;
}

static int ingest_entry(struct ingest *in, int reqfd, const char *req, const char *name)
{
	struct stat st;
	int dir, r;
	if (fstatat(reqfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* vanished (sync) */
	if (!S_ISDIR(st.st_mode))
		return ingest_quarantine(in, reqfd, req, name, S_ISLNK(st.st_mode) ?
				  "a symlink in the inbox" : "not a job folder");
	if (!scq_uid_valid(name))
		return ingest_quarantine(in, reqfd, req, name, "folder name is not a lowercase UUIDv4");
	dir = openat(reqfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return 0;
	r = ingest_job(in, reqfd, dir, req, name);
	close(dir);
	return r;
}

static void staged_clear(struct ingest *in)
{
	size_t i;
	for (i = 0; i < in->nstaged; i++) {
		free(in->staged[i].uid);
		free(in->staged[i].req);
		free(in->staged[i].digest);
		free(in->staged[i].revises);
		json_decref(in->staged[i].rec);
	}
	in->nstaged = 0;
}

static int commit_staged(struct ingest *in)
{
	scq *h = in->h;
	int tmp = -1, pend = -1, out = -1, r = 0;
	size_t i;
	struct commit c;
	if (!in->nstaged)
		return 0;
	commit_begin(h, &c);
	tmp = store_subdir(h, "tmp");
	pend = queue_status_dir(h, SCQ_PENDING);
	/* every job moved into pending is in the requester's index first */
	if (tmp >= 0 && pend >= 0 && inflow_index_save(&in->flow, FS_DEFER_SYNC) < 0) {
		r = scq_fail_errno(h, "writing the store's pending index");
		goto out;
	}
	if (tmp < 0 || pend < 0 || fs_syncfs(tmp) < 0) {
		r = tmp < 0 || pend < 0 ? SCQ_EIO : scq_fail_errno(h, "syncing the store");
		goto out;
	}
	for (i = 0; i < in->nstaged; i++) {
		const struct staged *e = &in->staged[i];
		if ((r = state_move_at(h, &c, STATE_BY_INGEST, tmp, pend, e->uid, STATE_STAGED,
				       SCQ_PENDING, NULL)) != 0)
			goto out;
		if (e->has_deadline) /* a lost mark only means the slow path */
			job_mark_deadline(pend, e->uid, e->deadline);
	}
	/* the jobs are durable in pending/ before anything tells of them */
	if (fs_fsync_dir(pend) < 0 || fs_fsync_dir(tmp) < 0) {
		r = scq_fail_errno(h, "syncing the store");
		goto out;
	}
	for (i = 0; i < in->nstaged; i++) {
		const struct staged *e = &in->staged[i];
		struct buf why = BUF_INIT; /* the version link, in the audit log */
		if (e->revises)
			buf_addf(&why, "revises %s", e->revises);
		audit_append(h, &c, "ingest", e->uid, e->req, e->revises ? why.ptr : NULL,
			     e->digest);
		buf_release(&why);
		if (i && strcmp(e->req, in->staged[i - 1].req)) /* a batch is one requester's; if not */
			fd_close(&out);
		outbox_publish_ingested(h, &c, &out, e->uid, e->rec);
		in->st->ingested++;
	}
	r = commit_end(&c);
	for (i = 0; r == 0 && in->reviewers && i < in->nstaged; i++)
		review_share(h, in->staged[i].uid); /* two-person rule: shown to reviewers */
	/* Only now, with the store durable, may the inbox copies go. */
	for (i = 0; i < in->nstaged; i++) {
		struct buf rel = BUF_INIT;
		buf_addf(&rel, "%s/%s", in->staged[i].req, in->staged[i].uid);
		fs_remove_tree(in->inbox, rel.ptr);
		buf_release(&rel);
	}
out:
	if (c.h) /* left before the commit: nothing told of the moves yet */
		commit_end(&c);
	fd_close(&out);
	fd_close(&tmp);
	fd_close(&pend);
	return r;
}

/* Inbox entries one requester may have examined per pass. */
#define INGEST_SHARE 256

/* The entries of one requester folder worth a look (names any bytes,
 * carried raw): sync temporaries and ignored names are left out, so they
 * cost no share of the pass; cancel requests go to *cancels. */
static json_t *entries(DIR *d, json_t *cancels)
{
	json_t *names = json_array();
	struct dirent *e;
	while ((e = readdir(d))) {
		if (ingest_is_record(e->d_name) && utf8_valid(e->d_name, strlen(e->d_name)))
			json_array_append_new(cancels, json_string(e->d_name));
		else if (!is_ignored_name(e->d_name))
			json_array_append_new(names, json_stringn_nocheck(e->d_name, strlen(e->d_name)));
	}
	return names;
}

static int ingest_requester(struct ingest *in, const char *req)
{
	int reqfd = openat(in->inbox, req, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	DIR *d;
	json_t *cancels = json_array(), *names = NULL, *c;
	size_t i = 0, n, start, ci;
	if (reqfd < 0) {
		json_decref(cancels);
		return ingest_quarantine(in, in->inbox, req, req, "inbox entry is not a folder");
	}
	if (!email_valid(req)) {
		close(reqfd);
		json_decref(cancels);
		return ingest_quarantine(in, in->inbox, req, req, "inbox folder name is not a valid email");
	}
	d = fdopendir(reqfd);
	names = d ? entries(d, cancels) : json_array();
	/* fairness: a bounded share of entries per requester per pass, from a
	 * place that rotates between passes (entries that keep waiting never
	 * hide the ones after them), and the runner's time budget */
	n = json_array_size(names);
	start = n ? (size_t)in->h->ingest_rotor * INGEST_SHARE % n : 0;
	for (i = 0; i < n && (i < INGEST_SHARE || !in->until) && r == 0 && !out_of_time(in); i++) {
		const char *name = json_string_value(json_array_get(names, (start + i) % n));
		r = ingest_is_record(name) ? /* not UTF-8 */
		    ingest_quarantine(in, dirfd(d), req, name, "request for an invalid uid") :
		    ingest_entry(in, dirfd(d), req, name);
	}
	if (r == 0 && i < n) /* no limit in silence: say what waits */
		buf_addf(&in->h->notices, "ingest: %zu of %zu inbox entries of %s wait for the next "
			 "pass (a pass takes at most %d per requester and %.1f s)\n", n - i, n, req,
			 INGEST_SHARE, in->budget);
	if (r == 0)
		r = commit_staged(in);
	staged_clear(in);
	json_array_foreach(cancels, ci, c)
		if (r == 0 && d)
			r = ingest_record(in, dirfd(d), req, json_string_value(c));
	if (d)
		closedir(d);
	json_decref(names);
	json_decref(cancels);
	return r;
}

/* The requester folders, in an order that rotates at every pass, so a
 * pass cut short by its budget never starves the same requesters. */
static json_t *requesters(scq *h, int inbox)
{
	json_t *all = json_array(), *out = json_array();
	DIR *d = fdopendir(dup(inbox));
	struct dirent *e;
	size_t i, n;
	if (d)
		rewinddir(d);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') /* any bytes: carried raw, never as JSON text */
			json_array_append_new(all, json_stringn_nocheck(e->d_name, strlen(e->d_name)));
	if (d)
		closedir(d);
	n = json_array_size(all);
	for (i = 0; i < n; i++)
		json_array_append(out, json_array_get(all, (i + h->ingest_rotor) % n));
	h->ingest_rotor++;
	json_decref(all);
	return out;
}

static int ingest_pass(scq *h, struct scq_ingest_stats *st, double budget)
{
	struct scq_ingest_stats local = { 0 };
	struct ingest in = { .h = h, .st = st ? st : &local, .inbox = -1, .tmp = -1 };
	char *app = app_dir_of(h, h->email), *inbox = path_join(app, "inbox");
	json_t *reqs = NULL, *q;
	size_t i;
	int r = 0, lock = -1;
	buf_reset(&h->notices);
	if (st)
		memset(st, 0, sizeof(*st));
	in.until = budget > 0 ? time_mono() + budget : 0;
	in.budget = budget;
	/* one ingest at a time per store: the runner, bots and the owner's
	 * commands all ingest, and a job must be taken exactly once */
	lock = store_open(h) < 0 ? -1 :
	       openat(h->store_fd, "ingest.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || fs_flock(lock, LOCK_EX) < 0) {
		r = scq_fail_errno(h, "locking the inbox of %s", h->email);
		goto out;
	}
	in.inbox = open(inbox, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (in.inbox < 0) {
		r = errno == ENOENT ? 0 : scq_fail_errno(h, "opening inbox '%s'", inbox);
		goto out;
	}
	inflow_open(&in.flow, h);
	if (setting_int(h, SET_APPROVALS_REQUIRED) > 1) {
		json_t *revs = reviewers_load(h);
		in.reviewers = json_array_size(revs) > 0;
		json_decref(revs);
	}
	reqs = requesters(h, in.inbox);
	json_array_foreach(reqs, i, q)
		if (r == 0 && !out_of_time(&in))
			r = ingest_requester(&in, json_string_value(q));
	inflow_close(&in.flow);
out:
	json_decref(reqs);
	fd_close(&in.inbox);
	fd_close(&in.tmp);
	fd_close(&lock);
	staged_clear(&in);
	free(in.staged);
	free(app);
	free(inbox);
	return r;
}

int scq_ingest(scq *h, struct scq_ingest_stats *st)
{
	int r = ingest_pass(h, st, 0);
	notify_flush(h); /* the jobs taken, told once the lock is let go */
	return r;
}

int ingest_bounded(scq *h, double seconds)
{
	return ingest_pass(h, NULL, seconds);
}
