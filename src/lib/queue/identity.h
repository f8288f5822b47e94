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
 *   identity_secret     my secret key, if I have one (never made here)
 *   identity_key_of     the key to check email's signed documents with:
 *                       pinned, or published and not pinned yet (a read)
 *   identity_pin_first  pin email's published key if none is pinned
 * scq_keys_list and scq_keys_accept (scq.h) are here too.
 */
#ifndef SCQ_IDENTITY_H
#define SCQ_IDENTITY_H

#include "store/handle.h"
#include "base/sign.h"

int identity_ensure(scq *h);
int identity_sign_job(scq *h, int dir, const char *uid, const char *target,
		      const char *job, size_t len, unsigned fsflags);
/* VERIFY_OK (why may hold a notice: an unsigned job taken), VERIFY_BAD
 * (why: the reason to quarantine), VERIFY_INCOMPLETE (why: what it waits
 * for), VERIFY_LOCAL (h's message: our own store failed). */
int identity_check_job(scq *h, int dir, const char *req, const char *uid,
		       const char *target, const struct buf *job, struct buf *why);

/* 0 sk filled, 1 no key of mine, <0 h's message. */
int identity_secret(scq *h, unsigned char sk[SIGN_SK_BYTES]);
/* identity_key_of: <0 h's message (my store failed), else one of these;
 * why says what is wrong for CHANGED (pk: the pinned key) and NONE (or
 * what is wrong with the did.json). */
enum { IDKEY_PINNED, IDKEY_FIRST, IDKEY_CHANGED, IDKEY_NONE };
int identity_key_of(scq *h, const char *email, unsigned char pk[SIGN_PK_BYTES], struct buf *why);
/* Trust on first use for an owner's key (submit): pins what email
 * publishes when nothing is pinned; 0 also when there is nothing to pin. */
int identity_pin_first(scq *h, const char *email);

#endif
