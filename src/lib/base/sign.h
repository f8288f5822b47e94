/*
 * sign.h - Ed25519 signatures (libsodium) as the protocol spells them:
 * the bytes a job signature covers, base64url keys and signatures, the
 * syft_crypto DID document that publishes a public key.  No handle, no
 * files: queue/identity.c keeps the keys and checks the jobs.
 *
 * Exports (sign.c): sign_b64url, sign_unb64url, sign_job_message,
 * sign_doc_message, sign_record_message, sign_fingerprint, sign_detached,
 * sign_verify, sign_did_build, sign_did_key.
 */
#ifndef SCQ_SIGN_H
#define SCQ_SIGN_H

#include "base/compat.h"
#include <jansson.h>
#include "base/buf.h"

#define SIGN_PK_BYTES 32
#define SIGN_SK_BYTES 64
#define SIGN_SIG_BYTES 64
#define SIGN_FPR_LEN 16 /* hex characters of a key's fingerprint */

/* base64url without padding (RFC 4648 §5, as JWK "x" and syft_crypto). */
void sign_b64url(const unsigned char *in, size_t n, struct buf *out);
/* Decode exactly n bytes; -1 on anything else (bad text, other length). */
int sign_unb64url(const char *s, unsigned char *out, size_t n);
/* The bytes a job signature covers (protocol.md §4, "Signed submissions"): a fixed context
 * line, then uid, requester, target and the SHA-256 of job.json's exact
 * bytes, each on its own line. */
void sign_job_message(struct buf *m, const char *uid, const char *requester,
		      const char *target, const char *job_sha256);
/* The bytes a signed JSON document's signature covers (protocol.md §6,
 * "Signed status"): a fixed line, the context (what kind of document),
 * the signer, and the SHA-256 of the document without its "signature"
 * member, dumped compact, sorted and ASCII.  -1 if doc is no object. */
int sign_doc_message(struct buf *m, const char *context, const char *signer, json_t *doc);
/* The same for an inbox record other than a job (protocol.md §4, "Signed
 * records"): its own context line, then the kind (vote, release-vote,
 * cancel), uid, writer, target and the SHA-256 of the record's exact bytes:
 * no signature of one kind, job or owner verifies as another's. */
void sign_record_message(struct buf *m, const char *kind, const char *uid, const char *by,
			 const char *target, const char *record_sha256);
/* First SIGN_FPR_LEN hex characters of SHA-256(pk), NUL-terminated. */
void sign_fingerprint(const unsigned char pk[SIGN_PK_BYTES], char out[SIGN_FPR_LEN + 1]);
void sign_detached(const unsigned char sk[SIGN_SK_BYTES], const void *m, size_t n,
		   unsigned char sig[SIGN_SIG_BYTES]);
/* 0 when sig is pk's signature of m, else -1. */
int sign_verify(const unsigned char pk[SIGN_PK_BYTES], const void *m, size_t n,
		const unsigned char sig[SIGN_SIG_BYTES]);
/* The DID document of syftbox.md §6 (syft_crypto): the Ed25519 identity
 * key, and the X25519 signed prekey signed by it. */
json_t *sign_did_build(const char *email, const unsigned char pk[SIGN_PK_BYTES],
		       const unsigned char xpk[32], const unsigned char xsig[SIGN_SIG_BYTES]);
/* The identity key of email's DID document; -1 with err set if the
 * document is not one for email or holds no Ed25519 identity key. */
int sign_did_key(json_t *did, const char *email, unsigned char pk[SIGN_PK_BYTES],
		 struct buf *err);

#endif
