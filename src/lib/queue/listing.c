/*
 * listing.c - listing and finding jobs, for the owner and the requester.
 *
 * Every function here only reads: nothing is ingested, expired, removed
 * or created, so a store that does not exist yet lists empty and stays
 * absent.  Bringing the store up to date is one explicit step before,
 * scq_refresh (refresh.c).
 * Owner views read the private store.  They stream: jobs are ordered by
 * the time their folder last changed (a stat per job, no read), then
 * loaded and handed to the caller one at a time, so memory stays flat
 * whatever the queue holds.
 * Requester views read what owners published to outbox/<me>/ plus my own
 * record of what I submitted, so a job is visible from the moment it is
 * submitted.  Finding by prefix matches folder names before loading.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/lifecycle.h"
#include "store/queue.h"
#include "store/state.h"
#include "queue/record.h"
#include "queue/signed.h"
#include "base/banned.h"

struct entry {
	double t;        /* last change (ctime): the order of listings */
	double deadline; /* pending with the deadline mark: mtime, else 0 */
	int status;
	char uid[40];
};

struct entries {
	struct entry *v;
	size_t n, alloc;
};

static void entries_add(struct entries *e, int status, const char *uid, double t,
			double deadline)
{
	if (e->n == e->alloc) {
		e->alloc = e->alloc ? 2 * e->alloc : 256;
		e->v = xrealloc(e->v, xmul(e->alloc, sizeof(*e->v)));
	}
	e->v[e->n].t = t;
	e->v[e->n].deadline = deadline;
	e->v[e->n].status = status;
	snprintf(e->v[e->n].uid, sizeof(e->v[e->n].uid), "%.39s", uid);
	e->n++;
}

/* uids of one state folder (matching prefix, if any) with change times. */
static int scan_status(scq *h, int dirfd_, int status, const char *prefix, struct entries *e)
{
	int fd = dup(dirfd_);
	size_t plen = prefix ? strlen(prefix) : 0;
	DIR *d;
	struct dirent *de;
	if (fd < 0)
		return scq_fail_errno(h, "reading %s jobs", scq_status_name(status));
	d = fdopendir(fd);
	if (d)
		rewinddir(d);
	if (!d) {
		close(fd);
		return scq_fail_errno(h, "reading %s jobs", scq_status_name(status));
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!scq_uid_valid(de->d_name) || (plen && strncmp(de->d_name, prefix, plen)))
			continue;
		/* (a full uid never comes here: see scan_uid) */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			entries_add(e, status, de->d_name,
				    (double)st.st_ctim.tv_sec + st.st_ctim.tv_nsec / 1e9,
				    status == SCQ_PENDING && st.st_mtim.tv_nsec == DEADLINE_MARK_NSEC ?
				    (double)st.st_mtim.tv_sec : 0);
	}
	closedir(d);
	return 0;
}

/* A full uid: one lookup in the state folder, whatever the store holds
 * (single-job commands cost the same at 10 jobs and at 100,000). */
static int scan_uid(int dirfd_, int status, const char *uid, struct entries *e)
{
	struct stat st;
	if (fstatat(dirfd_, uid, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		entries_add(e, status, uid, (double)st.st_ctim.tv_sec + st.st_ctim.tv_nsec / 1e9,
			    status == SCQ_PENDING && st.st_mtim.tv_nsec == DEADLINE_MARK_NSEC ?
			    (double)st.st_mtim.tv_sec : 0);
	return 0;
}

static int newest_entry_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? 1 : -1;
	return strcmp(x->uid, y->uid);
}

/* Load one store job; NULL if it moved away.  dirs[] holds the open state
 * folders, so each job costs two lookups.  A pending job past its deadline
 * is shown pending: expiring it is a write, scq_refresh's. */
static scq_job *load_entry(scq *h, const int *dirs, struct entry *e, double now)
{
	struct buf err = BUF_INIT, rel = BUF_INIT;
	int fd = -1, st = e->status;
	json_t *rec;
	scq_job *j = NULL;
	if (st == SCQ_PENDING && e->deadline > now) { /* the fast path, see job.h */
		struct buf text = BUF_INIT;
		buf_addf(&rel, "%s/public.json", e->uid);
		if (fs_read_file(dirs[st], rel.ptr, SMALL_JSON_MAX, &text) == 0 && text.len) {
			buf_release(&rel);
			return job_from_raw(buf_detach(&text, NULL));
		}
		buf_release(&text);
		buf_reset(&rel);
	}
	buf_addf(&rel, "%s/job.json", e->uid);
	rec = json_load_file_at(dirs[st], rel.ptr, SMALL_JSON_MAX, &err);
	if (rec && st == SCQ_PENDING) /* a pending job has no other records */
		j = job_from_json(job_public_json(h, -1, st, rec));
	else if (rec && st >= 0 && (fd = openat(dirs[st], e->uid,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
		j = job_from_json(job_public_json(h, fd, st, rec));
	if (j && fd >= 0 && st >= SCQ_RUNNING && st <= SCQ_FAILED)
		job_add_slurm(job_obj(j), fd); /* the owner's view only: never published */
	else if (j && fd >= 0 && st == SCQ_CANCELLED && json_object_get(job_obj(j), "started_at"))
		job_add_slurm(job_obj(j), fd);
	json_decref(rec);
	fd_close(&fd);
	buf_release(&err);
	buf_release(&rel);
	return j;
}

static int each_owner(scq *h, int status, const char *prefix, scq_job_fn *fn, void *ctx)
{
	struct entries e = { NULL, 0, 0 };
	double now = time_now();
	size_t i;
	int s, r = 0, dirs[SCQ_STATUS_COUNT];
	/* a read: nothing is ingested, expired or created (scq_refresh) */
	for (s = 0; s < SCQ_STATUS_COUNT; s++)
		dirs[s] = store_state_peek(h, s);
	for (s = 0; r == 0 && s < SCQ_STATUS_COUNT; s++)
		if (dirs[s] < 0 && dirs[s] != SCQ_ENOTFOUND) /* no folder: no job in that state */
			r = dirs[s];
	for (s = 0; r == 0 && s < SCQ_STATUS_COUNT; s++)
		if (dirs[s] >= 0 && (status < 0 || status == s))
			r = prefix && scq_uid_valid(prefix) ? scan_uid(dirs[s], s, prefix, &e) :
			    scan_status(h, dirs[s], s, prefix, &e);
	if (r == 0 && e.n > 1)
		xqsort(e.v, e.n, sizeof(*e.v), newest_entry_first);
	for (i = 0; r == 0 && i < e.n; i++) {
		scq_job *j = load_entry(h, dirs, &e.v[i], now);
		if (j && (status < 0 || j->status == status))
			r = fn(j, ctx);
		scq_job_free(j);
	}
	for (s = 0; s < SCQ_STATUS_COUNT; s++)
		fd_close(&dirs[s]);
	free(e.v);
	return r;
}

/*
 * Published status of one of my jobs at an owner: 0 with *out NULL when
 * there is none yet.  Rule: one that exists but cannot be read (over the
 * cap, not JSON) is an error naming the file, never replaced by an older
 * state (the local record says "pending" forever).
 */
static int published_status(scq *h, const char *owner, const char *uid, json_t **out,
			    json_t *keys)
{
	char *app = app_dir_of(h, owner);
	struct buf rel = BUF_INIT, err = BUF_INIT;
	struct stat st;
	int r = 0;
	buf_addf(&rel, "%s/outbox/%s/%s/status.json", app, h->email, uid);
	*out = json_load_file_at(AT_FDCWD, rel.ptr, SMALL_JSON_MAX, &err);
	if (!*out && fstatat(AT_FDCWD, rel.ptr, &st, AT_SYMLINK_NOFOLLOW) == 0)
		r = scq_fail(h, SCQ_EIO, "job '%s': cannot read '%s': %s", uid, rel.ptr, err.ptr);
	if (json_is_object(*out)) /* my verdict replaces whatever the file says */
		json_object_set_new(*out, "status_signature",
				    signed_check(h, *out, SIGNED_STATUS, owner, keys));
	buf_release(&rel);
	buf_release(&err);
	free(app);
	return r;
}

/*
 * A record whose job is still in its staging folder (.<uid>.tmp) and not in
 * the inbox: the submit crashed before publishing it, or is still running.
 * Listings hide it; scq_refresh (SCQ_REFRESH_SUBMISSIONS) removes it and
 * the record once it is clearly abandoned.
 */
char *submission_staging(scq *h, const struct job_record *rec, double *age)
{
	const char *owner = rec->target, *uid = rec->uid;
	struct buf p = BUF_INIT, stage = BUF_INIT;
	struct stat st;
	char *app, *r = NULL;
	if (!owner || !uid || !email_valid(owner) || !scq_uid_valid(uid))
		return NULL;
	app = app_dir_of(h, owner);
	buf_addf(&p, "%s/inbox/%s/%s", app, h->email, uid);
	buf_addf(&stage, "%s/inbox/%s/.%s.tmp", app, h->email, uid);
	if (lstat(p.ptr, &st) < 0 && lstat(stage.ptr, &st) == 0) {
		r = buf_detach(&stage, NULL);
		if (age)
			*age = time_now() - (double)st.st_mtim.tv_sec;
	}
	free(app);
	buf_release(&p);
	buf_release(&stage);
	return r;
}

static int same(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

/* A status one owner published in outbox/<me>/<uid>/, if it is well formed
 * and names me and that owner (only that owner can write there). */
static scq_job *discovered(scq *h, const char *owner, const char *uid, int *r, json_t *keys)
{
	json_t *pub = NULL;
	scq_job *j;
	*r = published_status(h, owner, uid, &pub, keys);
	if (!pub)
		return NULL;
	j = job_from_json(pub); /* read through the job's accessors */
	if (j->status < 0 || !same(scq_job_uid(j), uid) || !same(scq_job_requester(j), h->email) ||
	    !same(scq_job_target(j), owner)) {
		scq_job_free(j);
		return NULL;
	}
	return j;
}

/*
 * Jobs of mine that owners published but I have no record of (submitted
 * from another machine with the same identity, or a record lost in a
 * crash): the private record is a cache, the outboxes are the truth.
 */
/* Names in folder d that match prefix; a full uid is looked up, not
 * listed.  Appends to names (raw strings). */
static void matching_names(int dirfd_, const char *prefix, const char *suffix, json_t *names)
{
	size_t plen = prefix ? strlen(prefix) : 0;
	int fd;
	DIR *d;
	struct dirent *e;
	if (prefix && scq_uid_valid(prefix)) {
		struct buf n = BUF_INIT;
		struct stat st;
		buf_addf(&n, "%s%s", prefix, suffix);
		if (fstatat(dirfd_, n.ptr, &st, AT_SYMLINK_NOFOLLOW) == 0)
			json_array_append_new(names, json_string(n.ptr));
		buf_release(&n);
		return;
	}
	fd = dup(dirfd_);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		fd_close(&fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && (!plen || !strncmp(e->d_name, prefix, plen)))
			json_array_append_new(names, json_stringn_nocheck(e->d_name, strlen(e->d_name)));
	closedir(d);
}

static int discover_published(scq *h, int status, const char *prefix, json_t *seen,
			      scq_job_list *l, json_t *keys)
{
	DIR *sites = opendir(h->datasites);
	struct dirent *s;
	int r = 0;
	while (sites && r == 0 && (s = readdir(sites))) {
		char *app;
		struct buf p = BUF_INIT;
		json_t *names = json_array(), *n;
		size_t i;
		int d;
		if (!email_valid(s->d_name)) {
			json_decref(names);
			continue;
		}
		app = app_dir_of(h, s->d_name);
		buf_addf(&p, "%s/outbox/%s", app, h->email);
		d = open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d >= 0)
			matching_names(d, prefix, "", names);
		json_array_foreach(names, i, n) {
			const char *uid = json_string_value(n);
			scq_job *j;
			if (r || !scq_uid_valid(uid) || json_object_get(seen, uid))
				continue;
			j = discovered(h, s->d_name, uid, &r, keys);
			if (j && (status < 0 || j->status == status))
				job_list_add(l, j);
			else
				scq_job_free(j);
		}
		fd_close(&d);
		json_decref(names);
		buf_release(&p);
		free(app);
	}
	if (sites)
		closedir(sites);
	return r;
}

/* My submissions (prefix: only uids starting with it; a full uid costs
 * one lookup per place, not a walk of every job). */
static int list_requester(scq *h, int status, const char *prefix, scq_job_list *l)
{
	int fd = store_subdir_peek(h, "submitted");
	struct buf err = BUF_INIT;
	json_t *seen = json_object(), *names = json_array(), *n;
	json_t *keys = json_object(); /* the owners' keys, read once each */
	size_t i;
	int r = 0;
	if (fd < 0 && fd != SCQ_ENOTFOUND) { /* none yet: only what owners published */
		json_decref(keys);
		json_decref(seen);
		json_decref(names);
		return fd;
	}
	if (fd >= 0)
		matching_names(fd, prefix, ".json", names);
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		struct job_record rr = RECORD_INIT;
		json_t *rec, *pub = NULL;
		char *stage;
		scq_job *j;
		if (r || !(rec = json_load_file_at(fd, name, SMALL_JSON_MAX, &err)))
			continue;
		record_from_json(&rr, rec);
		if (rr.uid)
			json_object_set_new(seen, rr.uid, json_true());
		r = published_status(h, rr.target, rr.uid, &pub, keys);
		if (!r && !pub && (stage = submission_staging(h, &rr, NULL))) {
			free(stage);
			json_decref(rec);
			record_release(&rr);
			continue;
		}
		if (r) {
			json_decref(rec);
			record_release(&rr);
			continue;
		}
		if (pub && json_equal(json_object_get(pub, "uid"), json_object_get(rec, "uid"))) {
			/* my record's time: the owner's is its receipt */
			json_object_set(pub, "created_at", json_object_get(rec, "created_at"));
			j = job_from_json(pub);
			json_decref(rec);
		} else {
			json_decref(pub);
			j = job_from_json(rec);
		}
		record_release(&rr);
		if (status < 0 || j->status == status)
			job_list_add(l, j);
		else
			scq_job_free(j);
	}
	fd_close(&fd);
	if (r == 0)
		r = discover_published(h, status, prefix, seen, l, keys);
	json_decref(names);
	json_decref(seen);
	json_decref(keys);
	buf_release(&err);
	return r;
}

static int add_to_list(const scq_job *j, void *ctx)
{
	job_list_add(ctx, job_from_json(json_incref(job_obj(j))));
	return 0;
}

int scq_list_each(scq *h, int role, int status, scq_job_fn *fn, void *ctx)
{
	int r = 0;
	size_t i;
	if (role & SCQ_AS_OWNER)
		r = each_owner(h, status, NULL, fn, ctx);
	if (r == 0 && (role & SCQ_AS_REQUESTER)) {
		scq_job_list *l = job_list_new();
		r = list_requester(h, status, NULL, l);
		job_list_sort_newest(l);
		for (i = 0; r == 0 && i < l->n; i++)
			r = fn(l->v[i], ctx);
		scq_job_list_free(l);
	}
	return r;
}

int scq_list(scq *h, int role, int status, scq_job_list **out)
{
	scq_job_list *l = job_list_new();
	int r = scq_list_each(h, role, status, add_to_list, l);
	if (r) {
		scq_job_list_free(l);
		return r;
	}
	job_list_sort_newest(l);
	*out = l;
	return 0;
}

struct finder {
	const char *prefix;
	scq_job *found;
	int n;
	struct buf cands;
};

static int same_str(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* One job seen twice (I submitted it to myself): same uid, requester and
 * owner.  A job submitted to me by someone else under the uid of one I
 * submitted elsewhere is another job, never merged with mine. */
static int same_job(const scq_job *a, const scq_job *b)
{
	return same_str(scq_job_uid(a), scq_job_uid(b)) &&
	       same_str(scq_job_requester(a), scq_job_requester(b)) &&
	       same_str(scq_job_target(a), scq_job_target(b));
}

static int match(const scq_job *j, void *ctx)
{
	struct finder *f = ctx;
	const char *uid = scq_job_uid(j);
	if (!uid || strncmp(uid, f->prefix, strlen(f->prefix)))
		return 0;
	if (f->found && same_job(f->found, j))
		return 0; /* the same job seen as owner and as requester */
	f->n++;
	/* the full uid: a submitter chooses its uid, so prefixes can collide
	 * on purpose; the name is the submitter's text (shown with markers) */
	buf_addf(&f->cands, "\n  %s  ", uid);
	if (scq_job_name(j))
		buf_add_escaped(&f->cands, scq_job_name(j), strlen(scq_job_name(j)));
	if (!f->found)
		f->found = job_from_json(json_incref(job_obj(j)));
	return 0;
}

int scq_find(scq *h, const char *id_in, int role, scq_job **out)
{
	char *id = ascii_lower(id_in); /* uids are lower case; accept a prefix in any */
	struct finder f = { id, NULL, 0, BUF_INIT };
	int r = 0;
	size_t i;
	if (strlen(id) < 4 || strlen(id) > 36 || strspn(id, "0123456789abcdef-") != strlen(id)) {
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not a job id (a uid or a prefix "
			     "of at least 4 characters)", id_in);
		free(id);
		return r;
	}
	if (role & SCQ_AS_OWNER)
		r = each_owner(h, -1, id, match, &f);
	if (r == 0 && (role & SCQ_AS_REQUESTER)) {
		scq_job_list *l = job_list_new();
		r = list_requester(h, -1, id, l);
		for (i = 0; r == 0 && i < l->n; i++)
			match(l->v[i], &f);
		scq_job_list_free(l);
	}
	if (r == 0 && f.n == 0)
		r = scq_fail(h, SCQ_ENOTFOUND, "no job found with id '%s' submitted %s %s", id,
			     role == SCQ_AS_OWNER ? "to" : role == SCQ_AS_REQUESTER ? "by" :
			     "to or by", h->email);
	else if (r == 0 && f.n > 1 && strlen(id) == 36)
		r = scq_fail(h, SCQ_EAMBIGUOUS, "uid '%s' names %d jobs, one submitted to you "
			     "and one you submitted:%s\nsay which role you ask in: as the data "
			     "owner (scq list, scq pending, approve, reject, release) or as its "
			     "requester (scq jobs)", id, f.n, f.cands.ptr);
	else if (r == 0 && f.n > 1)
		r = scq_fail(h, SCQ_EAMBIGUOUS, "id '%s' matches %d jobs; be more specific:%s",
			     id, f.n, f.cands.ptr);
	if (r)
		scq_job_free(f.found);
	else
		*out = f.found;
	buf_release(&f.cands);
	free(id);
	return r;
}

/* A read like scq_find: it sees what others change (the runner, the owner's
 * scq_refresh, an owner publishing to my outbox), and changes nothing. */
int scq_wait(scq *h, const char *uid, double timeout, int *final_status)
{
	double end = time_mono() + timeout;
	for (;;) {
		scq_job *j = NULL;
		int r = scq_find(h, uid, SCQ_AS_ANY, &j), st, held;
		if (r)
			return r;
		st = j->status;
		/* a run whose results wait for the owner's release has not
		 * ended for its requester: `scq wait && scq output` must work
		 * (the owner, whose decision it waits for, is not kept waiting) */
		held = scq_job_results_held(j) && (!scq_job_target(j) ||
						    strcmp(scq_job_target(j), h->email));
		scq_job_free(j);
		if (final_status)
			*final_status = st;
		if (state_finished(st) && !held)
			return 0;
		if (timeout > 0 && time_mono() >= end)
			return scq_fail(h, SCQ_ETIMEOUT, "job '%s' is still %s after %.0f seconds",
					uid, held ? "awaiting the owner's release of its results" :
					scq_status_name(st), timeout);
		usleep(200 * 1000);
	}
}
