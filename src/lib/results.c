/*
 * results.c - where a job's results are, waiting for a job, the
 * requester's cancel request, queue summaries and the owner's datasets
 * (reading the log and outputs: results-read.c).
 *
 * Each reader works for both roles: the owner reads the private store, the
 * requester reads what the owner published to outbox/<requester>/.
 */
#include "compat.h"
#include <dirent.h>
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "manifest.h"
#include "queue.h"
#include "sandbox.h"
#include "banned.h"

/* outbox/<me>/<uid> at whichever owner has it (p is consumed). */
static char *find_in_outboxes(scq *h, const char *uid, struct buf *p)
{
	DIR *sites = opendir(h->datasites);
	struct dirent *s;
	char *found = NULL;
	while (sites && !found && (s = readdir(sites))) {
		char *app;
		struct stat st;
		if (!email_valid(s->d_name))
			continue;
		app = app_dir_of(h, s->d_name);
		buf_setf(p, "%s/outbox/%s/%s", app, h->email, uid);
		if (lstat(p->ptr, &st) == 0 && S_ISDIR(st.st_mode))
			found = buf_detach(p, NULL);
		free(app);
	}
	if (sites)
		closedir(sites);
	buf_release(p);
	return found;
}

char *job_folder_of(scq *h, const char *uid, int *owner_view)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, fd;
	json_t *rec = NULL;
	*owner_view = st >= 0;
	if (st >= 0) {
		buf_addf(&p, "%s/jobs/%s/%s", h->store, scq_status_name(st), uid);
		return buf_detach(&p, NULL);
	}
	fd = store_subdir_peek(h, "submitted");
	buf_addf(&p, "%s.json", uid);
	if (fd >= 0 && scq_uid_valid(uid))
		rec = json_load_file_at(fd, p.ptr, SMALL_JSON_MAX, &err);
	if (fd >= 0)
		close(fd);
	buf_reset(&p);
	if (rec) {
		char *app = app_dir_of(h, json_string_value(json_object_get(rec, "target_email")));
		buf_addf(&p, "%s/outbox/%s/%s", app, h->email, uid);
		free(app);
	}
	json_decref(rec);
	buf_release(&err);
	if (!rec && scq_uid_valid(uid)) /* no local record: look in the owners' outboxes */
		return find_in_outboxes(h, uid, &p);
	return rec ? buf_detach(&p, NULL) : (buf_release(&p), NULL);
}

static int is_terminal(int st)
{
	return st >= SCQ_COMPLETED;
}

/* A read like scq_find: it sees what others change (the runner, the owner's
 * scq_refresh, an owner publishing to my outbox), and changes nothing. */
int scq_wait(scq *h, const char *uid, double timeout, int *final_status)
{
	double end = time_mono() + timeout;
	for (;;) {
		scq_job *j = NULL;
		int r = scq_find(h, uid, SCQ_AS_ANY, &j), st;
		if (r)
			return r;
		st = j->status;
		scq_job_free(j);
		if (final_status)
			*final_status = st;
		if (is_terminal(st))
			return 0;
		if (timeout > 0 && time_mono() >= end)
			return scq_fail(h, SCQ_ETIMEOUT, "job '%s' is still %s after %.0f seconds",
					uid, scq_status_name(st), timeout);
		usleep(200 * 1000);
	}
}

int scq_cancel(scq *h, const char *uid)
{
	int owner, fd, r = 0;
	char *dir = job_folder_of(h, uid, &owner), *app;
	struct buf name = BUF_INIT, p = BUF_INIT;
	scq_job *j = NULL;
	json_t *req;
	if (!dir)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	free(dir);
	if (owner)
		return job_cancel(h, uid, h->email);
	/* requester: ask the owner through my inbox folder at the owner, unless
	 * the job is over already (then there is nothing to ask) */
	if ((r = scq_find(h, uid, SCQ_AS_REQUESTER, &j)))
		return r;
	if (is_terminal(j->status)) {
		r = scq_fail(h, SCQ_ESTATE, "job '%s' already finished (status %s): nothing to "
			     "cancel", uid, scq_status_name(j->status));
		goto out;
	}
	app = app_dir_of(h, scq_job_target(j));
	buf_addf(&p, "%s/inbox/%s", app, h->email);
	free(app);
	buf_setf(&name, "%s.cancel.json", uid);
	req = decision_record(h->email, "cancelled by requester");
	json_object_set_new(req, "uid", json_string(uid));
	fd = fs_mkdir_p(p.ptr, 0755) < 0 ? -1 : open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || json_write_at(fd, name.ptr, req, 0) < 0)
		r = scq_fail_errno(h, "writing cancel request to '%s'", p.ptr);
	if (fd >= 0)
		close(fd);
	json_decref(req);
out:
	scq_job_free(j);
	buf_release(&name);
	buf_release(&p);
	return r;
}

static long count_entries(scq *h, int status)
{
	int fd = store_state_peek(h, status);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	long n = 0;
	while (d && (e = readdir(d)))
		n += scq_uid_valid(e->d_name);
	if (d)
		closedir(d);
	return n;
}

int scq_status_json(scq *h, char **json_out)
{
	json_t *o = json_object(), *own = json_object(), *mine = json_object(), *held = json_object();
	json_int_t held_own = 0, held_mine = 0;
	scq_job_list *l = NULL;
	int s, r = 0;
	size_t i;
	/* a read: the counts of the store as it is (scq_refresh brings it up
	 * to date); a missing data folder is still an error */
	if ((s = store_peek(h)) < 0 && s != SCQ_ENOTFOUND)
		r = s;
	for (s = 0; r == 0 && s < SCQ_STATUS_COUNT; s++) {
		json_object_set_new(own, scq_status_name(s), json_integer(count_entries(h, s)));
		json_object_set_new(mine, scq_status_name(s), json_integer(0));
	}
	if (r == 0)
		r = scq_list(h, SCQ_AS_REQUESTER, -1, &l);
	for (i = 0; r == 0 && i < l->n; i++) {
		const char *name = scq_status_name(l->v[i]->status);
		json_object_set_new(mine, name, json_integer(json_integer_value(
			json_object_get(mine, name)) + 1));
		held_mine += scq_job_results_held(l->v[i]);
	}
	/* runs whose results could not be collected or published */
	json_object_set_new(o, "undelivered", republish_needed(h));
	for (s = SCQ_COMPLETED; r == 0 && s < SCQ_STATUS_COUNT; s++)
		held_own += job_count_held(h, s);
	/* finished jobs whose log and outputs wait for `scq release` (§6) */
	json_object_set_new(held, "as_owner", json_integer(held_own));
	json_object_set_new(held, "as_requester", json_integer(held_mine));
	json_object_set_new(o, "awaiting_release", held);
	json_object_set_new(o, "email", json_string(h->email));
	json_object_set_new(o, "as_owner", own);
	json_object_set_new(o, "as_requester", mine);
	json_object_set_new(o, "isolation", json_string(setting_str(h, SET_ISOLATION)));
	json_object_set_new(o, "network", json_boolean(setting_bool(h, SET_NETWORK)));
	*json_out = r ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	scq_job_list_free(l);
	return r;
}

int scq_doctor_json(scq *h, char **json_out)
{
	struct buf b = BUF_INIT;
	json_t *o, *cfg;
	char *c = NULL;
	sandbox_doctor(&b);
	o = json_loads(b.ptr, 0, NULL);
	if (!o)
		o = json_object();
	scq_config_json(h, &c);
	cfg = c ? json_loads(c, 0, NULL) : json_object();
	json_object_set_new(o, "policy", cfg);
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	free(c);
	buf_release(&b);
	return 0;
}
