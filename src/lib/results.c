/*
 * results.c - waiting for a job, the requester's cancel request, queue
 * summaries and the doctor (where a job's folder is: job.c; reading the
 * log and outputs: results-read.c).
 *
 * Each reader works for both roles: the owner reads the private store, the
 * requester reads what the owner published to outbox/<requester>/.
 */
#include "compat.h"
#include <dirent.h>
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "lifecycle.h"
#include "manifest.h"
#include "queue.h"
#include "sandbox.h"
#include "banned.h"

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
