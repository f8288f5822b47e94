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
 *   identity_pin_first  pin email's published key if none is pinned (an
 *                       owner at my first submit, a reviewer when delegated)
 *   identity_write_record  an inbox record of mine besides jobs (a vote,
 *                       a release vote, a cancel request), signed:
 *                       <name>.sig.json beside <name>
 *   identity_read_record   the owner's reading of such a record: its exact
 *                       bytes checked as identity_check_job checks a job
 *   identity_remove_record the record consumed, then its signature
 *   identity_sig_name   "<uid>.vote.json" -> "<uid>.vote.sig.json"
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
/* Trust on first use, asked for: pins what email publishes when nothing is
 * pinned (submit: the owner's key; scq reviewers add: the owner names whom
 * it trusts, so a server cannot forge the first vote with a did.json of its
 * own); 0 also when there is nothing to pin, or email is mine. */
int identity_pin_first(scq *h, const char *email);
/* The signature of inbox record <base>.json is <base>.sig.json. */
#define IDENTITY_SIG_SUFFIX ".sig.json"
void identity_sig_name(const char *name, struct buf *out);
/* name (its suffix gives the kind the signature binds) in dir, my record
 * for job uid of owner target: rec serialised once, those bytes signed
 * (the signature written first), then written.  0 or h's error. */
int identity_write_record(scq *h, int dir, const char *name, const char *uid,
			  const char *target, json_t *rec);
/* req's record name in dir (my inbox), for job uid, at most max bytes:
 * VERIFY_OK with *obj its parsed bytes (why may hold a notice: unsigned,
 * taken), else a verdict as identity_check_job's (VERIFY_INCOMPLETE also
 * for a record cut short: it may still be arriving). */
int identity_read_record(scq *h, int dir, const char *name, const char *req, const char *uid,
			 size_t max, json_t **obj, struct buf *why);
/* 0, or -1 with errno. */
int identity_remove_record(int dir, const char *name);

#endif
