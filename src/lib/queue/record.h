/*
 * record.h - the job record (job.json) as a C struct, its JSON forms and
 * the one set of rules every job.json must pass (doc/protocol.md §3).
 *
 * Exports:
 *   struct job_record     typed fields of job.json; files stays the
 *                         manifest's JSON array (manifest.h reads it)
 *   record_from_json      fill a record from a parsed job.json (any form)
 *   record_to_json        the inbox, store or submitted form, keys in the
 *                         order the protocol has always written them
 *   record_validate       the rules, for submit (the submitter's own
 *                         options) and for ingest (a job from the inbox),
 *                         with each caller's messages
 *   record_release        free the fields
 *   record_load_at        read and parse a job.json (any form) into a record
 *   record_deadline       the end of a pending job's approval wait
 *   struct decision       the fields of a decision record (approved.json,
 *                         rejected.json, cancelled.json, timedout.json,
 *                         cancel-request.json), read by decision_from_json;
 *                         store/queue.c's decision_record writes them
 *
 * The limits are in store/limits.h.  jansson stays the disk format: only the
 * modules that read or write job.json convert.
 */
#ifndef SCQ_RECORD_H
#define SCQ_RECORD_H

#include "store/handle.h"

struct job_record {
	long long version;         /* 0: absent or not an integer */
	char *uid, *name, *description, *requester, *target;
	char *created_at;          /* inbox: the submitter's time; store: receipt */
	char *submitted_at;        /* store form only: the submitter's created_at */
	char *code_sha256;
	char *resubmit_of;         /* optional: the uid of the job this replaces */
	char *rerun_of;            /* store form only: the job scq rerun ran again */
	char **tags;               /* ntags entries; an entry NULL: not a string */
	size_t ntags;
	long long timeout_seconds; /* the approval wait; 0: absent or not an integer */
	json_t *files;             /* the manifest (a reference), or NULL */
	json_t *skipped;           /* names left out at submit (a reference), or NULL */
	unsigned bad;              /* RECORD_BAD_*: present with the wrong JSON type */
};
#define RECORD_INIT { 0 }
enum record_bad { RECORD_BAD_DESCRIPTION = 1, RECORD_BAD_TAGS = 2, RECORD_BAD_RESUBMIT = 4 };

/* Fill r (RECORD_INIT, or released) from obj; never fails: what is missing
 * or of the wrong type is left NULL/0 (or flagged) for record_validate. */
void record_from_json(struct job_record *r, json_t *obj);
void record_release(struct job_record *r);
/* Read dirfd/path (at most max bytes) into r: 0, or -1 with the reason in
 * err (r left empty). */
int record_load_at(struct job_record *r, int dirfd, const char *path, size_t max,
		   struct buf *err);
/* The approval deadline (created_at + timeout_seconds) of a store record:
 * 0, or -1 when created_at is not a time. */
int record_deadline(const struct job_record *r, double *deadline);

enum record_form {
	RECORD_INBOX,     /* what submit writes into the owner's inbox */
	RECORD_STORE,     /* the store's job.json: no files, submitted_at */
	RECORD_SUBMITTED  /* the requester's private copy: no files or version,
			   * status "pending" */
};
/* A new object (caller decrefs). */
json_t *record_to_json(const struct job_record *r, enum record_form form);

/* Who validates: the messages differ (the submitter is told about its
 * options, "name is longer than ..."; an ingested job's quarantine reason
 * names the field, "field 'name' is longer than ...").  The rules of both
 * are the same table. */
enum record_check { RECORD_CHECK_SUBMIT, RECORD_CHECK_INGEST };
struct record_expect {
	const char *uid;       /* ingest: the folder's name */
	const char *requester; /* ingest: the inbox folder's owner */
	const char *target;    /* ingest: this datasite's owner */
	long long max_files;   /* ingest: the owner's max_files_per_job */
};
/* 0, or -1 with the message in err.  Submit checks a record without files
 * (before the folder is copied); x may then be NULL. */
int record_validate(const struct job_record *r, enum record_check how,
		    const struct record_expect *x, struct buf *err);

/* A decision record as read (strings NULL when absent or not strings). */
struct decision {
	char *at, *by, *reason;
	char *from;        /* cancelled.json: the state the job left */
	char *code_sha256; /* approved.json: the digest approved */
	char *uid;         /* approved.json: the job approved (absent before
	                    * approvals named it) */
	int allow_network; /* approved.json: the owner allowed the network */
};
#define DECISION_INIT { 0 }
void decision_from_json(struct decision *d, json_t *obj);
void decision_release(struct decision *d);

#endif
