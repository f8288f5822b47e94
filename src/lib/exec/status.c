/*
 * status.c - the owner's overview: jobs per state for both roles, results
 * that wait for delivery or release, and the doctor (what this machine
 * can isolate, with the policy in force).
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "queue/job.h"
#include "exec/republish.h"
#include "queue/run-record.h"
#include "sandbox/sandbox.h"
#include "store/settings.h"
#include "exec/slurm.h"
#include "base/banned.h"

/* What scq status counts, one walk of the store: each state folder read
 * once, each finished job's folder opened and its result.json parsed once
 * for both questions asked of it. */
struct tally {
	json_t *per_state;   /* state name -> jobs */
	json_t *undelivered; /* uids whose results were not delivered */
	json_int_t held;     /* runs whose results wait for `scq release` */
};

static void tally_finished(scq *h, int dir, const char *uid, int status, struct tally *t)
{
	int fd = openat(dir, uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), have;
	struct run_record res = RUN_RECORD_INIT;
	if (fd < 0)
		return;
	have = run_record_load(&res, fd, JOB_JSON_MAX);
	t->held += job_results_held(h, fd, status, have ? &res : NULL);
	if (republish_undelivered(fd, have ? &res : NULL))
		json_array_append_new(t->undelivered, json_string(uid));
	run_record_release(&res);
	close(fd);
}

static void tally_state(scq *h, int status, struct tally *t)
{
	int fd = store_state_peek(h, status); /* a read: creates nothing */
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	json_int_t n = 0;
	while (d && (e = readdir(d))) {
		if (!scq_uid_valid(e->d_name))
			continue;
		n++;
		if (status >= SCQ_COMPLETED)
			tally_finished(h, dirfd(d), e->d_name, status, t);
	}
	if (d)
		closedir(d);
	else
		fd_close(&fd);
	json_object_set_new(t->per_state, scq_status_name(status), json_integer(n));
}

int scq_status_json(scq *h, char **json_out)
{
	struct tally t = { json_object(), json_array(), 0 };
	json_t *o = json_object(), *mine = json_object(), *held = json_object();
	/* did the owners sign what they published of my jobs? */
	json_t *sigs = json_pack("{s:i,s:i,s:i,s:[]}", "verified", 0, "unsigned", 0,
				 "unknown-key", 0, "bad");
	json_int_t held_mine = 0;
	scq_job_list *l = NULL;
	int s, r = 0;
	size_t i;
	/* a read: the counts of the store as it is (scq_refresh brings it up
	 * to date); a missing data folder is still an error */
	if ((s = store_peek(h)) < 0 && s != SCQ_ENOTFOUND)
		r = s;
	for (s = 0; r == 0 && s < SCQ_STATUS_COUNT; s++) {
		tally_state(h, s, &t);
		json_object_set_new(mine, scq_status_name(s), json_integer(0));
	}
	if (r == 0)
		r = scq_list(h, SCQ_AS_REQUESTER, -1, &l);
	for (i = 0; r == 0 && i < l->n; i++) {
		const char *name = scq_status_name(l->v[i]->status);
		json_object_set_new(mine, name, json_integer(json_integer_value(
			json_object_get(mine, name)) + 1));
		held_mine += scq_job_results_held(l->v[i]);
		name = scq_job_signature(l->v[i]);
		if (name && !strcmp(name, "bad"))
			json_array_append_new(json_object_get(sigs, "bad"),
					      json_string(scq_job_uid(l->v[i])));
		else if (name && json_object_get(sigs, name))
			json_object_set_new(sigs, name, json_integer(json_integer_value(
				json_object_get(sigs, name)) + 1));
	}
	json_object_set_new(o, "status_signatures", sigs);
	/* runs whose results could not be collected or published */
	json_object_set_new(o, "undelivered", t.undelivered);
	/* finished jobs whose log and outputs wait for `scq release` (§6) */
	json_object_set_new(held, "as_owner", json_integer(t.held));
	json_object_set_new(held, "as_requester", json_integer(held_mine));
	json_object_set_new(o, "awaiting_release", held);
	json_object_set_new(o, "email", json_string(h->email));
	json_object_set_new(o, "as_owner", t.per_state);
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
	/* the Slurm backend: only when it is chosen (its checks call the
	 * cluster's tools, which a local owner may not have) */
	if (!strcmp(setting_str(h, SET_EXECUTOR), "slurm"))
		json_object_set_new(o, "slurm", slurm_doctor(h));
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	free(c);
	buf_release(&b);
	return 0;
}
