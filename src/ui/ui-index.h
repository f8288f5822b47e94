/*
 * ui-index.h - the jobs in memory (index.c): one summary per job, the
 * fields the queue lists, searches and sorts on.
 */
#ifndef SCQ_UI_INDEX_H
#define SCQ_UI_INDEX_H

#include "ui.h"

struct jobsum {
	char *uid, *name, *requester, *target, *created_at, *release_state, *resubmit_of;
	char **tags;
	size_t ntags;
	void *mem; /* the one block holding the above (sum_from_job) */
	int status, held;
	int bad_signature; /* a requester's job: the owner's signature does not
			      verify its status (scq_job_signature "bad") */
	unsigned long long rank; /* larger: changed more recently */
};

struct jobindex {
	int role;
	struct jobsum *v;
	size_t n, cap;
	unsigned long long clock;
	double built; /* CLOCK_MONOTONIC seconds */
};

/* List the store (role's jobs) into a new index (caller frees). */
int index_build(scq *h, int role, struct jobindex **out);
void index_free(struct jobindex *x);
struct jobsum *index_find(struct jobindex *x, const char *uid);
/* Look uid up again (scq_find) and update, add or (SCQ_ENOTFOUND) drop
 * its summary; *out is it, NULL when dropped or on error. */
int index_refresh_job(scq *h, struct jobindex *x, const char *uid, struct jobsum **out);
/* sum_free: the block of s (s itself is the caller's), s zeroed. */
void sum_free(struct jobsum *s);
void sum_from_job(struct jobsum *s, const scq_job *j);
/* role: also a "role" member (events), or NULL */
void sum_json(struct jw *j, const struct jobsum *s, const char *role);
/* api-audit.c: the audit lines of uid as an array, oldest first (timeline:
 * only at, event, actor, reason). */
void audit_entries(struct jw *j, scq *h, const char *uid, int timeline);
/* u's index of role, built on first use (events.c keeps it current). */
int ui_index(struct ui *u, int role, struct jobindex **out);

#endif
