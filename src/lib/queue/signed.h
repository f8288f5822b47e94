/*
 * signed.h - documents the owner signs for its requesters: the status.json
 * of each job in an outbox and the runner's heartbeat (protocol.md §6,
 * "Signed status"; §7, "Heartbeat").
 *
 * Exports (signed.c)
 *   signed_add           sign a JSON object with my key: its "signature"
 *                        member (nothing when I have no key)
 *   signed_status_write  a job's status.json, signed, written atomically
 *   signed_check         a requester's verdict on a signed object
 * Exports (heartbeat.c)
 *   heartbeat_publish    the runner's heartbeat, at most every
 *                        heartbeat_seconds
 *   heartbeat_state      a requester's verdict on an owner's heartbeat
 * scq_ping (scq.h) is there too.
 */
#ifndef SCQ_SIGNED_H
#define SCQ_SIGNED_H

#include "store/handle.h"

#define SIGNED_STATUS "status"       /* the contexts a signature names */
#define SIGNED_HEARTBEAT "heartbeat"

void signed_add(scq *h, json_t *doc, const char *context);
int signed_status_write(scq *h, int fd, json_t *obj, unsigned fsflags);
/* Removes doc's "signature" member and returns the verdict (caller frees):
 * {state: verified | unsigned | bad | unknown-key, key_fingerprint?,
 * detail?}.  A read: pins nothing.  keys: NULL, or an object the caller
 * keeps over many checks (the signers' keys, read once each). */
json_t *signed_check(scq *h, json_t *doc, const char *context, const char *signer,
		     json_t *keys);

/* Write public/code-queue/heartbeat.json unless the one there is younger
 * than heartbeat_seconds; 0 also when my datasite does not exist. */
int heartbeat_publish(scq *h);
/* {owner, state: alive | stale | never | future | unreadable |
 * bad-signature, seen_at?, age_seconds?, interval_seconds?,
 * stale_after_seconds?, signature: verdict or null, detail: one line}
 * (caller frees; owner: a valid, lower-case e-mail). */
json_t *heartbeat_state(scq *h, const char *owner);

#endif
