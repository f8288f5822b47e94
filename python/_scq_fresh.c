/*
 * _scq_fresh.c - the reads of the package, each after the scq_refresh the
 * package has always given them (see below).  Plain C over scq.h: the
 * Handle methods of _scq.c call these with the GIL released and the
 * handle locked.
 */
#include "_scq.h"
#include <time.h>
#include "scq.h"

/*
 * The library's reads never write.  The package has always relied on its
 * listings, lookups, waits and status bringing the queue up to date (the
 * reads used to ingest and expire), so these entry points refresh first:
 * the owner's view with ingest and expiry, a list of my submissions with
 * the clean-up of the abandoned ones (it walks them all anyway), and my
 * view of my jobs with my notify_command told of their new statuses
 * (nothing is read while the setting is off).
 */
#define OWNER_REFRESH (SCQ_REFRESH_INGEST | SCQ_REFRESH_EXPIRE) /* cost: the inbox */

static unsigned refresh_for(int role)
{
	return ((role & SCQ_AS_OWNER) ? OWNER_REFRESH : 0) |
	       ((role & SCQ_AS_REQUESTER) ? SCQ_REFRESH_NOTIFY : 0);
}

/* A list of my submissions walks them all anyway: clean up too. */
static unsigned list_refresh(int role)
{
	return refresh_for(role) | ((role & SCQ_AS_REQUESTER) ? SCQ_REFRESH_SUBMISSIONS : 0);
}

/* The list as JSON text, in *json. */
int list_fresh(scq *h, int role, int status, char **json)
{
	scq_job_list *l = NULL;
	int r = scq_refresh(h, list_refresh(role));
	if (!r && !(r = scq_list(h, role, status, &l)))
		*json = scq_job_list_to_json(l);
	scq_job_list_free(l);
	return r;
}

int list_each_fresh(scq *h, int role, int status, scq_job_fn *fn, void *ctx)
{
	int r = scq_refresh(h, list_refresh(role));
	return r ? r : scq_list_each(h, role, status, fn, ctx);
}

/* The job as JSON text, in *json. */
int find_fresh(scq *h, const char *id, int role, char **json)
{
	scq_job *j = NULL;
	int r = scq_refresh(h, refresh_for(role));
	if (!r && !(r = scq_find(h, id, role, &j)))
		*json = scq_job_to_json(j);
	scq_job_free(j);
	return r;
}

int status_fresh(scq *h, char **json)
{
	int r = scq_refresh(h, SCQ_REFRESH_READS);
	return r ? r : scq_status_json(h, json);
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* scq_wait in slices of a second with a refresh before each: a job of
 * mine that expires is seen to end, as when every poll ingested.  On
 * SCQ_ETIMEOUT the caller words the message (it names one slice). */
int wait_fresh(scq *h, const char *uid, double timeout, int *st)
{
	double end = mono() + timeout, left = timeout;
	int r;
	for (;;) {
		if ((r = scq_refresh(h, OWNER_REFRESH)) != 0)
			return r;
		r = scq_wait(h, uid, timeout > 0 && left < 1 ? left : 1, st);
		left = end - mono();
		if (r != SCQ_ETIMEOUT || (timeout > 0 && left <= 0))
			return r;
	}
}

/* The copies owners share with me for review (owner NULL: every owner),
 * as JSON text in *json.  A read of other datasites: nothing to refresh. */
int review_list_json(scq *h, const char *owner, char **json)
{
	scq_job_list *l = NULL;
	int r = scq_review_list(h, owner, &l);
	if (!r)
		*json = scq_job_list_to_json(l);
	scq_job_list_free(l);
	return r;
}
