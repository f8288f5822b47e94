/*
 * signed.c - what the owner signs for its requesters (signed.h): each
 * status.json it publishes in an outbox, and its runner's heartbeat.
 *
 * A requester's copy of status.json came through the sync server, which
 * could have written it (SyftBox's dev mode trusts a user= parameter).  So
 * the owner signs the document with the key of its public/did.json, and
 * the requester checks it against that key, pinned like a requester's key
 * (trust on first use: pinned at the requester's first submit to the
 * owner).  The signature is a member of the document itself, so a file
 * that arrives whole arrives with its signature: no second file can lag.
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/sign.h"
#include "queue/identity.h"
#include "queue/signed.h"
#include "base/banned.h"

void signed_add(scq *h, json_t *doc, const char *context)
{
	unsigned char sk[SIGN_SK_BYTES], sig[SIGN_SIG_BYTES];
	char fpr[SIGN_FPR_LEN + 1];
	struct buf m = BUF_INIT, s = BUF_INIT;
	int e = errno;
	json_object_del(doc, "signature");
	/* no key (a workspace from before keys) or an unreadable one: the
	 * document goes unsigned, which its reader is told; a publication
	 * never fails for want of a signature */
	if (identity_secret(h, sk) != 0)
		goto out;
	if (sign_doc_message(&m, context, h->email, doc) == 0) {
		sign_detached(sk, m.ptr, m.len, sig);
		sign_fingerprint(sk + 32, fpr);
		sign_b64url(sig, sizeof(sig), &s);
		json_object_set_new(doc, "signature",
				    json_pack("{s:s,s:s,s:s,s:s}", "alg", "Ed25519", "signer",
					      h->email, "key_fingerprint", fpr, "value", s.ptr));
	}
out:
	sodium_memzero(sk, sizeof(sk));
	buf_release(&m);
	buf_release(&s);
	errno = e;
}

int signed_status_write(scq *h, int fd, json_t *obj, unsigned fsflags)
{
	json_t *doc = json_copy(obj); /* the members are shared, not changed */
	int r;
	signed_add(h, doc, SIGNED_STATUS);
	r = json_write_at(fd, "status.json", doc, fsflags);
	json_decref(doc);
	return r;
}

static json_t *verdict(const char *state, const char *fpr, const char *detail)
{
	json_t *o = json_pack("{s:s}", "state", state);
	if (fpr)
		json_object_set_new(o, "key_fingerprint", json_string(fpr));
	if (detail)
		json_object_set_new(o, "detail", json_name(detail));
	return o;
}

/* identity_key_of, through keys (signer -> {k, pk, why}) when given: a
 * listing of many jobs from one owner reads its key files once. */
static int key_of(scq *h, const char *signer, unsigned char pk[SIGN_PK_BYTES], struct buf *why,
		  json_t *keys)
{
	json_t *c = keys ? json_object_get(keys, signer) : NULL;
	struct buf b = BUF_INIT;
	int k;
	if (c) {
		k = (int)json_integer_value(json_object_get(c, "k"));
		buf_setf(why, "%s", json_string_value(json_object_get(c, "why")));
		if (k != IDKEY_NONE &&
		    sign_unb64url(json_string_value(json_object_get(c, "pk")), pk, SIGN_PK_BYTES) < 0)
			k = IDKEY_NONE;
		return k;
	}
	k = identity_key_of(h, signer, pk, why);
	if (keys && k >= 0) {
		sign_b64url(pk, SIGN_PK_BYTES, &b);
		json_object_set_new(keys, signer, json_pack("{s:i,s:s,s:s}", "k", k, "pk",
							    k == IDKEY_NONE ? "" : b.ptr, "why",
							    why->ptr ? why->ptr : ""));
	}
	buf_release(&b);
	return k;
}

json_t *signed_check(scq *h, json_t *doc, const char *context, const char *signer, json_t *keys)
{
	unsigned char pk[SIGN_PK_BYTES], sig[SIGN_SIG_BYTES];
	char fpr[SIGN_FPR_LEN + 1];
	struct buf m = BUF_INIT, why = BUF_INIT;
	json_t *s = json_incref(json_object_get(doc, "signature")), *v = NULL;
	const char *by = json_string_value(json_object_get(s, "signer"));
	const char *alg = json_string_value(json_object_get(s, "alg"));
	int k;
	json_object_del(doc, "signature");
	if (!s) { /* a downgrade, unless the owner has no key to sign with */
		k = key_of(h, signer, pk, &why, keys);
		if (k < 0 || k == IDKEY_NONE) {
			v = verdict("unsigned", NULL, "the owner did not sign it");
		} else {
			sign_fingerprint(pk, fpr);
			v = verdict("bad", fpr, "it carries no signature, but the owner signs "
				    "with a key: whoever wrote it removed the signature or "
				    "had not the owner's key");
		}
		goto out;
	}
	if (!alg || strcmp(alg, "Ed25519") || !by || strcmp(by, signer) ||
	    sign_unb64url(json_string_value(json_object_get(s, "value")), sig, sizeof(sig)) < 0) {
		v = verdict("bad", NULL, "its signature is malformed or names another signer");
		goto out;
	}
	k = key_of(h, signer, pk, &why, keys);
	if (k < 0 || k == IDKEY_NONE) {
		v = verdict("unknown-key", NULL, k < 0 ? scq_errmsg(h) : why.ptr);
		goto out;
	}
	sign_fingerprint(pk, fpr);
	if (sign_doc_message(&m, context, signer, doc) < 0 ||
	    sign_verify(pk, m.ptr, m.len, sig) < 0)
		v = verdict("bad", fpr, k == IDKEY_CHANGED ? why.ptr :
			    "the signature does not match the document: it was changed "
			    "after the owner signed it, or not signed by the owner");
	else
		v = verdict("verified", fpr, k == IDKEY_FIRST ? "with the key the owner publishes "
			    "(not pinned yet: it is pinned at your next submit to this owner)" :
			    k == IDKEY_CHANGED ? why.ptr : NULL);
out:
	json_decref(s);
	buf_release(&m);
	buf_release(&why);
	return v;
}
