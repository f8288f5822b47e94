/*
 * identity.h - my signing key, the requesters' pinned keys, and the
 * signature of an inbox job (protocol.md §4, "Signed submissions").
 *
 * Exports (identity.c)
 *   identity_ensure     my Ed25519 key pair in the private store
 *                       (keys/identity.json, 0600; made once), published
 *                       as datasites/<me>/public/did.json
 *   identity_sign_job   signature.json for a job folder, over job.json's
 *                       exact bytes
 *   identity_check_job  the owner's verdict on an inbox job: its
 *                       signature against the requester's pinned (or
 *                       published, then pinned: trust on first use) key
 * scq_keys_list and scq_keys_accept (scq.h) are here too.
 */
#ifndef SCQ_IDENTITY_H
#define SCQ_IDENTITY_H

#include "store/handle.h"

int identity_ensure(scq *h);
int identity_sign_job(scq *h, int dir, const char *uid, const char *target,
		      const char *job, size_t len, unsigned fsflags);
/* VERIFY_OK (why may hold a notice: an unsigned job taken), VERIFY_BAD
 * (why: the reason to quarantine), VERIFY_INCOMPLETE (why: what it waits
 * for), VERIFY_LOCAL (h's message: our own store failed). */
int identity_check_job(scq *h, int dir, const char *req, const char *uid,
		       const char *target, const struct buf *job, struct buf *why);

#endif
