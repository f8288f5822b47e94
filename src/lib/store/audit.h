/*
 * audit.h - the owner's append-only, hash-chained audit log (audit.c).
 *
 * Exports: audit_append (one event; fields may be NULL), audit_flush,
 * audit_entry_at (a line's fields) and the public scq_audit_path
 * (audit.c); audit_events_by_uid / audit_explains
 * (does the intact log explain a job being in a state?  built from
 * state.c's table) and the public scq_audit_verify (audit-verify.c).
 */
#ifndef SCQ_AUDIT_H
#define SCQ_AUDIT_H

#include "store/handle.h"

/* The prev of the first line. */
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
/* The anchored heads {seq, hash, at}: in the store, and in the app folder
 * (published: SyftBox uploads it). */
#define HEAD_STORE "audit.head.json"
#define HEAD_PUBLISHED "audit-head.json"

/* One line of the log, or an anchored head ({seq, hash, at}), read in
 * place: the strings belong to o (NULL when absent or not strings). */
struct audit_entry {
	long long seq;
	const char *at, *event, *uid, *actor, *reason, *code_sha256, *prev, *hash;
};
void audit_entry_at(json_t *o, struct audit_entry *e);

/* Append one event.  Fields may be NULL.  Under a commit (commit.h) the
 * event waits in it and is chained at commit_end; with c NULL it is durable
 * when the call returns. */
int audit_append(scq *h, struct commit *c, const char *event, const char *uid,
		 const char *actor, const char *reason, const char *digest);
/* Chain and append the deferred events of `pending` (commit_end), with
 * one write and one fsync; pending is emptied. */
int audit_flush(scq *h, struct buf *pending);
/* The events of the intact log as uid -> " event event ... " (caller
 * decrefs), or NULL when the log cannot be read or is broken; and whether
 * they explain a job being in `status` (audit.c, from state.c's table). */
json_t *audit_events_by_uid(scq *h);
int audit_explains(json_t *events, const char *uid, int status);

#endif
