/*
 * inflow.c - admission control for ingest (see inflow.h): per-requester
 * caps on pending jobs, jobs and refusals per hour, incomplete entries.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/inflow.h"
#include "queue/outbox.h"
#include "store/queue.h"
#include "store/settings.h"
#include "queue/record.h"
#include "queue/signed.h"
#include "base/banned.h"

#define INFLOW_FILE "inflow.json"

/* Counters of past hours count nothing: drop them, so the file stays as
 * small as the set of this hour's requesters. */
static void prune(struct inflow *f)
{
	long long hour = (long long)(time_now() / 3600);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(f->state, tmp, k, v)
		if (json_integer_value(json_object_get(v, "hour")) != hour) {
			json_object_del(f->state, k);
			f->dirty = 1;
		}
}

void inflow_open(struct inflow *f, scq *h)
{
	struct buf err = BUF_INIT;
	int fd = store_open(h);
	memset(f, 0, sizeof(*f));
	f->h = h;
	if (fd >= 0 && fs_exists(fd, INFLOW_FILE))
		f->state = json_load_file_at(fd, INFLOW_FILE, SMALL_JSON_MAX, &err);
	if (!json_is_object(f->state)) { /* missing or hand-broken: start over */
		json_decref(f->state);
		f->state = json_object();
	}
	f->incomplete = json_object();
	f->pending = json_object();
	f->index = -1;
	prune(f);
	buf_release(&err);
}

void inflow_close(struct inflow *f)
{
	int fd = store_open(f->h);
	if (f->dirty && fd >= 0)
		json_write_at(fd, INFLOW_FILE, f->state, 0);
	inflow_index_save(f, 0); /* departed uids dropped: a hint, sync now */
	fd_close(&f->index);
	json_decref(f->state);
	json_decref(f->pending);
	json_decref(f->incomplete);
	memset(f, 0, sizeof(*f));
}

/* A requester's key: a hash, since the folder name may be any bytes. */
static void req_key(const char *req, char key[17])
{
	char hex[65];
	sha256_hex(req, strlen(req), hex);
	snprintf(key, 17, "%.16s", hex);
}

/* The requester's counters for the current hour (reset when it changed). */
static json_t *counters(struct inflow *f, const char *req, char key[17])
{
	long long hour = (long long)(time_now() / 3600);
	json_t *c;
	req_key(req, key);
	c = json_object_get(f->state, key);
	if (!json_is_object(c) || json_integer_value(json_object_get(c, "hour")) != hour) {
		c = json_pack("{s:I,s:i,s:i}", "hour", (json_int_t)hour, "taken", 0, "quarantined", 0);
		json_object_set_new(f->state, key, c);
		f->dirty = 1;
	}
	return c;
}

static long long bump(struct inflow *f, json_t *c, const char *field)
{
	long long n = json_integer_value(json_object_get(c, field)) + 1;
	json_object_set_new(c, field, json_integer(n));
	f->dirty = 1;
	return n;
}

/*
 * Pending jobs per requester, at a cost that does not grow with the store
 * (an ingest pass runs before every owner command, and a job over
 * max_pending_per_requester is looked at again by each of them): the
 * store keeps INDEX_DIR/<sha256 of the requester>.json, the uids ingest
 * moved into jobs/pending for that requester.  Only ingest moves a job into
 * pending (state.c), and it writes the index before the batch's sync that
 * precedes the moves, so every pending job is listed; a listed uid that
 * left pending since (approved, rejected, cancelled, expired) is dropped
 * when seen.  Counting checks the listed uids in order and stops at the
 * cap: at most max_pending_per_requester lookups, plus each departed uid
 * once.  A store without the index (older versions) is indexed by one
 * scan of every pending record; a broken index file is rebuilt the same way.
 */
#define INDEX_DIR "pending-by"
#define INDEX_MAX ((size_t)64 << 20)

static void index_name(const char *req, char name[80])
{
	char hex[65];
	sha256_hex(req, strlen(req), hex);
	snprintf(name, 80, "%s.json", hex);
}

static int index_write(int dir, const char *req, json_t *uids, unsigned flags)
{
	char name[80];
	json_t *o = json_pack("{s:s,s:O}", "requester", req, "uids", uids);
	int r;
	index_name(req, name);
	r = json_write_at(dir, name, o, flags);
	json_decref(o);
	return r;
}

/* requester -> [uids] of every pending job, from each one's record. */
static json_t *scan_pending(struct inflow *f)
{
	int pend = queue_status_dir(f->h, SCQ_PENDING);
	DIR *d = pend >= 0 ? fdopendir(pend) : NULL;
	json_t *by = json_object();
	struct dirent *e;
	const char *req;
	if (!d) {
		fd_close(&pend);
		json_decref(by);
		return NULL;
	}
	while ((e = readdir(d))) {
		struct buf p = BUF_INIT, err = BUF_INIT;
		struct job_record rec = RECORD_INIT;
		if (scq_uid_valid(e->d_name)) {
			buf_addf(&p, "%s/job.json", e->d_name);
			record_load_at(&rec, dirfd(d), p.ptr, SMALL_JSON_MAX, &err);
			if ((req = rec.requester)) { /* a validated email */
				if (!json_object_get(by, req))
					json_object_set_new(by, req, json_array());
				json_array_append_new(json_object_get(by, req), json_string(e->d_name));
			}
		}
		record_release(&rec);
		buf_release(&p);
		buf_release(&err);
	}
	closedir(d);
	return by;
}

/* One scan of every pending record into INDEX_DIR (made whole in a
 * temporary folder, synced, then renamed into place). */
static int index_build(struct inflow *f, int store)
{
	json_t *by = scan_pending(f), *v;
	const char *req;
	int tmp = -1, r = -1;
	if (!by || fs_remove_tree(store, INDEX_DIR ".tmp") < 0 ||
	    fs_mkdir(store, INDEX_DIR ".tmp", 0700) < 0 ||
	    (tmp = fs_open_dir(store, INDEX_DIR ".tmp")) < 0)
		goto out;
	json_object_foreach(by, req, v)
		if (index_write(tmp, req, v, 0) < 0)
			goto out;
	if (fs_fsync_dir(tmp) < 0 || fs_rename(store, INDEX_DIR ".tmp", store, INDEX_DIR, 0) < 0)
		goto out;
	r = 0;
out:
	fd_close(&tmp);
	json_decref(by);
	return r;
}

/* The index folder, built first if the store has none. */
static int index_dir(struct inflow *f)
{
	int store = store_open(f->h);
	if (f->index >= 0 || store < 0)
		return f->index;
	f->index = fs_open_dir(store, INDEX_DIR);
	if (f->index < 0 && errno == ENOENT && index_build(f, store) == 0)
		f->index = fs_open_dir(store, INDEX_DIR);
	return f->index;
}

/* req's entry of f->pending: {uids: the listed uids, live: how many of
 * them were seen in pending (counting stops at cap), dirty}. */
static json_t *pending_of(struct inflow *f, const char *req, long long cap)
{
	json_t *ent = json_object_get(f->pending, req), *file = NULL, *uids, *keep;
	struct buf err = BUF_INIT;
	char name[80];
	long long live = 0;
	size_t i;
	int pend, dir, dirty = 0;
	if (ent)
		return ent;
	index_name(req, name);
	dir = index_dir(f);
	if (dir >= 0 && fs_exists(dir, name)) {
		file = json_load_file_at(dir, name, INDEX_MAX, &err);
		uids = json_object_get(file, "uids");
		if (!json_is_array(uids) || !json_is_string(json_object_get(file, "requester")) ||
		    strcmp(json_string_value(json_object_get(file, "requester")), req)) {
			/* broken: rebuild it all, once */
			json_decref(file);
			file = NULL;
			fd_close(&f->index);
			if (store_open(f->h) >= 0 && fs_remove_tree(f->h->store_fd, INDEX_DIR) == 0 &&
			    (dir = index_dir(f)) >= 0 && fs_exists(dir, name))
				file = json_load_file_at(dir, name, INDEX_MAX, &err);
		}
	}
	uids = json_object_get(file, "uids");
	keep = json_array();
	pend = queue_status_dir(f->h, SCQ_PENDING);
	for (i = 0; i < json_array_size(uids); i++) {
		const char *u = json_string_value(json_array_get(uids, i));
		struct stat st;
		if (!u || !scq_uid_valid(u)) {
			dirty = 1;
			continue;
		}
		if (live >= cap) { /* enough seen: the rest stays as listed */
			json_array_append_new(keep, json_string(u));
		} else if (pend >= 0 && fstatat(pend, u, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			json_array_append_new(keep, json_string(u));
			live++;
		} else if (pend >= 0 && errno == ENOENT) {
			dirty = 1; /* left pending since */
		} else { /* unknown: count it (never over-take) */
			json_array_append_new(keep, json_string(u));
			live++;
		}
	}
	fd_close(&pend);
	ent = json_pack("{s:o,s:I,s:b}", "uids", keep, "live", (json_int_t)live, "dirty", dirty);
	json_object_set_new(f->pending, req, ent);
	json_decref(file);
	buf_release(&err);
	return ent;
}

int inflow_index_save(struct inflow *f, unsigned fsflags)
{
	const char *req;
	json_t *ent;
	int dir = f->pending ? index_dir(f) : -1, r = 0;
	json_object_foreach(f->pending, req, ent) {
		if (!json_is_true(json_object_get(ent, "dirty")))
			continue;
		if (dir < 0 || index_write(dir, req, json_object_get(ent, "uids"), fsflags) < 0) {
			r = -1;
			continue;
		}
		json_object_set_new(ent, "dirty", json_false());
	}
	return r;
}

int inflow_may_take(struct inflow *f, const char *req, struct buf *why)
{
	char key[17];
	json_t *c = counters(f, req, key);
	long long per_hour = setting_int(f->h, SET_MAX_JOBS_PER_HOUR);
	long long max_pending = setting_int(f->h, SET_MAX_PENDING_PER_REQUESTER);
	if (json_integer_value(json_object_get(c, "taken")) >= per_hour)
		return buf_setf(why, "over max_jobs_per_hour (%lld)", per_hour), 1;
	if (json_integer_value(json_object_get(pending_of(f, req, max_pending), "live")) >= max_pending)
		return buf_setf(why, "over max_pending_per_requester (%lld)", max_pending), 1;
	return 0;
}

void inflow_took(struct inflow *f, const char *req, const char *uid)
{
	char key[17];
	json_t *ent = pending_of(f, req, setting_int(f->h, SET_MAX_PENDING_PER_REQUESTER));
	bump(f, counters(f, req, key), "taken");
	json_array_append_new(json_object_get(ent, "uids"), json_string(uid));
	json_object_set_new(ent, "live", json_integer(json_integer_value(json_object_get(ent, "live")) + 1));
	json_object_set_new(ent, "dirty", json_true());
}

void inflow_tell_waiting(struct inflow *f, const char *req, const char *uid,
			 const char *why)
{
	struct buf err = BUF_INIT, text = BUF_INIT;
	json_t *old = NULL, *o = NULL;
	int fd;
	/* req is a valid email and uid a valid uid here (checked by ingest) */
	buf_addf(&text, "%s: the owner takes it when earlier jobs are decided or the "
		 "hour is over", why);
	if ((fd = outbox_open(f->h, req, uid)) < 0)
		goto out;
	old = fs_exists(fd, "status.json") ? json_load_file_at(fd, "status.json", SMALL_JSON_MAX, &err) : NULL;
	if (old && !strcmp(json_string_value(json_object_get(old, "waiting")) ?
			   json_string_value(json_object_get(old, "waiting")) : "", text.ptr))
		goto out;
	o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "uid", uid, "requester_email", req,
		      "target_email", f->h->email, "status", "pending", "waiting", text.ptr);
	signed_status_write(f->h, fd, o, 0);
	buf_addf(&f->h->notices, "waiting inbox/%s/%s: %s\n", req, uid, why);
out:
	json_decref(old);
	json_decref(o);
	fd_close(&fd);
	buf_release(&err);
	buf_release(&text);
}

const char *inflow_quarantine_key(struct inflow *f, const char *req)
{
	char key[17], at[ISO_LEN];
	char *batch = f->batch;
	json_t *c = counters(f, req, key);
	if (bump(f, c, "quarantined") <= setting_int(f->h, SET_MAX_QUARANTINES_PER_HOUR))
		return NULL;
	time_now_iso(at);
	snprintf(batch, sizeof(f->batch), "%.13s-batch-%s", at, key);
	return batch;
}

int inflow_incomplete(struct inflow *f, const char *req)
{
	char key[17];
	long long n;
	req_key(req, key);
	n = json_integer_value(json_object_get(f->incomplete, key)) + 1;
	json_object_set_new(f->incomplete, key, json_integer(n));
	return n > setting_int(f->h, SET_MAX_INCOMPLETE_PER_REQUESTER);
}
