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
#include "sandbox/sandbox.h"
#include "store/settings.h"
#include "base/banned.h"

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
