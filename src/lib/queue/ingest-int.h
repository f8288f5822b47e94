/*
 * ingest-int.h - what ingest.c shares with ingest-records.c, inside the
 * queue layer only: one pass's state (struct ingest) and its verdicts on
 * an inbox entry.
 *
 * Exports (ingest-records.c): ingest_quarantine, ingest_incomplete,
 * ingest_entry_age, ingest_is_record, ingest_record.
 */
#ifndef SCQ_INGEST_INT_H
#define SCQ_INGEST_INT_H

#include "store/handle.h"
#include "queue/inflow.h"

/* A job staged in tmp/, committed to pending/ by commit_staged. */
struct staged {
	char *uid, *req, *digest, *revises; /* revises: resubmit_of, or NULL */
	json_t *rec;     /* its store record, as written: published from it */
	double deadline; /* its approval deadline, for the folder's mark */
	int has_deadline;
};

struct ingest {
	scq *h;
	struct scq_ingest_stats *st;
	struct staged *staged; /* nstaged of them, this requester's pass */
	size_t nstaged, astaged;
	int inbox;      /* fd of my inbox/ */
	int tmp;        /* fd of the store's tmp/, -1 until a job is staged */
	struct inflow flow; /* per-requester caps (inflow.h) */
	double until;   /* monotonic end of this pass's work, 0: none */
	double budget;  /* its length in seconds, for the notice */
	int reviewers;  /* pending jobs are shared with reviewers (votes.h) */
};

/* Quarantine an inbox entry and count it (quarantine.c does the work). */
int ingest_quarantine(struct ingest *in, int parent, const char *req, const char *name,
		      const char *reason);
/* An entry not all there yet: counted as waiting within the grace
 * (ingest_grace_seconds), then quarantined; detail: what is missing. */
int ingest_incomplete(struct ingest *in, int parent, const char *req, const char *name,
		      const char *detail);
/* Seconds since the entry name of parent was created (its birth time). */
double ingest_entry_age(int parent, const char *name);

/* 1 if n names an inbox record besides job folders: a cancel request, a
 * vote record, or the signature of one. */
int ingest_is_record(const char *n);
/* Take one such record of req's folder reqfd: 0, or h's error. */
int ingest_record(struct ingest *in, int reqfd, const char *req, const char *name);

#endif
