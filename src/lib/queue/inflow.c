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
	prune(f);
	buf_release(&err);
}

void inflow_close(struct inflow *f)
{
	int fd = store_open(f->h);
	if (f->dirty && fd >= 0)
		json_write_at(fd, INFLOW_FILE, f->state, 0);
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

/* Pending jobs per requester: one scan of jobs/pending per pass. */
static void scan_pending(struct inflow *f)
{
	int fd = queue_status_dir(f->h, SCQ_PENDING);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	f->pending = json_object();
	while (d && (e = readdir(d))) {
		struct buf p = BUF_INIT, err = BUF_INIT;
		struct job_record rec = RECORD_INIT;
		const char *req;
		if (!scq_uid_valid(e->d_name))
			continue;
		buf_addf(&p, "%s/job.json", e->d_name);
		record_load_at(&rec, dirfd(d), p.ptr, SMALL_JSON_MAX, &err);
		req = rec.requester;
		if (req) /* a validated email: a valid key */
			json_object_set_new(f->pending, req, json_integer(
				json_integer_value(json_object_get(f->pending, req)) + 1));
		record_release(&rec);
		buf_release(&p);
		buf_release(&err);
	}
	if (d)
		closedir(d);
	else
		fd_close(&fd);
}

int inflow_may_take(struct inflow *f, const char *req, struct buf *why)
{
	char key[17];
	json_t *c = counters(f, req, key);
	long long per_hour = setting_int(f->h, SET_MAX_JOBS_PER_HOUR);
	long long max_pending = setting_int(f->h, SET_MAX_PENDING_PER_REQUESTER);
	if (json_integer_value(json_object_get(c, "taken")) >= per_hour)
		return buf_setf(why, "over max_jobs_per_hour (%lld)", per_hour), 1;
	if (!f->pending)
		scan_pending(f);
	if (json_integer_value(json_object_get(f->pending, req)) >= max_pending)
		return buf_setf(why, "over max_pending_per_requester (%lld)", max_pending), 1;
	return 0;
}

void inflow_took(struct inflow *f, const char *req)
{
	char key[17];
	bump(f, counters(f, req, key), "taken");
	if (f->pending)
		json_object_set_new(f->pending, req, json_integer(
			json_integer_value(json_object_get(f->pending, req)) + 1));
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
	json_write_at(fd, "status.json", o, 0);
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
