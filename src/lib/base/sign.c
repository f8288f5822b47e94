/*
 * sign.c - Ed25519 signatures, base64url and the DID document (sign.h).
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/hash.h"
#include "base/sign.h"
#include "base/banned.h"

#define DID_PREFIX "did:web:syftbox.net:"

void sign_b64url(const unsigned char *in, size_t n, struct buf *out)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *s = xmalloc(len);
	sodium_bin2base64(s, len, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	buf_adds(out, s);
	free(s);
}

int sign_unb64url(const char *s, unsigned char *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;
	if (!s || sodium_base642bin(out, n, s, strlen(s), NULL, &got, &end,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	return got == n && end && *end == '\0' ? 0 : -1;
}

void sign_job_message(struct buf *m, const char *uid, const char *requester,
		      const char *target, const char *job_sha256)
{
	buf_addf(m, "scq-job-signature-v1\n%s\n%s\n%s\n%s\n", uid, requester, target, job_sha256);
}

int sign_doc_message(struct buf *m, const char *context, const char *signer, json_t *doc)
{
	json_t *body = json_deep_copy(doc);
	char *text, hex[65];
	json_object_del(body, "signature");
	/* ASCII, sorted, compact: the same bytes from any copy of the same
	 * document, however its file was spaced or its keys ordered */
	text = body ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
	json_decref(body);
	if (!text)
		return -1;
	sha256_hex(text, strlen(text), hex);
	free(text);
	buf_addf(m, "scq-signed-json-v1\n%s\n%s\n%s\n", context, signer, hex);
	return 0;
}

void sign_record_message(struct buf *m, const char *kind, const char *uid, const char *by,
			 const char *target, const char *record_sha256)
{
	buf_addf(m, "scq-record-signature-v1\n%s\n%s\n%s\n%s\n%s\n", kind, uid, by, target,
		 record_sha256);
}

void sign_fingerprint(const unsigned char pk[SIGN_PK_BYTES], char out[SIGN_FPR_LEN + 1])
{
	char hex[65];
	sha256_hex(pk, SIGN_PK_BYTES, hex);
	memcpy(out, hex, SIGN_FPR_LEN);
	out[SIGN_FPR_LEN] = '\0';
}

void sign_detached(const unsigned char sk[SIGN_SK_BYTES], const void *m, size_t n,
		   unsigned char sig[SIGN_SIG_BYTES])
{
	crypto_sign_detached(sig, NULL, m, n, sk);
}

int sign_verify(const unsigned char pk[SIGN_PK_BYTES], const void *m, size_t n,
		const unsigned char sig[SIGN_SIG_BYTES])
{
	return crypto_sign_verify_detached(sig, m, n, pk) == 0 ? 0 : -1;
}

/* did:web:syftbox.net:<email, percent-encoded but for RFC 3986 unreserved> */
static void did_id(struct buf *b, const char *email)
{
	const unsigned char *p;
	buf_adds(b, DID_PREFIX);
	for (p = (const unsigned char *)email; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			buf_addc(b, (char)*p);
		else
			buf_addf(b, "%%%02X", *p);
	}
}

static json_t *jwk(const char *crv, const unsigned char *x, const char *kid, const char *use)
{
	struct buf b = BUF_INIT;
	json_t *o;
	sign_b64url(x, 32, &b);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "OKP", "crv", crv, "x", b.ptr, "kid", kid,
		      "use", use);
	buf_release(&b);
	return o;
}

/* syft_crypto's layout: the signed prekey's signature sits in its JWK */
json_t *sign_did_build(const char *email, const unsigned char pk[SIGN_PK_BYTES],
		       const unsigned char xpk[32], const unsigned char xsig[SIGN_SIG_BYTES])
{
	struct buf id = BUF_INIT, ik = BUF_INIT, spk = BUF_INIT, sig = BUF_INIT;
	json_t *o, *x = jwk("X25519", xpk, "signed-prekey", "enc");
	did_id(&id, email);
	buf_addf(&ik, "%s#identity-key", id.ptr);
	buf_addf(&spk, "%s#signed-prekey", id.ptr);
	sign_b64url(xsig, SIGN_SIG_BYTES, &sig);
	json_object_set_new(x, "signature", json_string(sig.ptr));
	o = json_pack("{s:[s,s,s],s:s,s:[{s:s,s:s,s:s,s:o}],s:[{s:s,s:s,s:s,s:o}]}",
		      "@context", "https://www.w3.org/ns/did/v1",
		      "https://w3id.org/security/suites/ed25519-2020/v1",
		      "https://w3id.org/security/suites/x25519-2020/v1",
		      "id", id.ptr,
		      "verificationMethod", "id", ik.ptr, "type", "Ed25519VerificationKey2020",
		      "controller", id.ptr, "publicKeyJwk", jwk("Ed25519", pk, "identity-key", "sig"),
		      "keyAgreement", "id", spk.ptr, "type", "X25519KeyAgreementKey2020",
		      "controller", id.ptr, "publicKeyJwk", x);
	buf_release(&id);
	buf_release(&ik);
	buf_release(&spk);
	buf_release(&sig);
	return o;
}

static int str_is(json_t *v, const char *want)
{
	return json_is_string(v) && !strcmp(json_string_value(v), want);
}

int sign_did_key(json_t *did, const char *email, unsigned char pk[SIGN_PK_BYTES],
		 struct buf *err)
{
	struct buf id = BUF_INIT, ik = BUF_INIT;
	json_t *vm = json_object_get(did, "verificationMethod"), *m;
	size_t i;
	int r = -1;
	did_id(&id, email);
	buf_addf(&ik, "%s#identity-key", id.ptr);
	if (!json_is_object(did) || !json_is_string(json_object_get(did, "id")) ||
	    strcmp(json_string_value(json_object_get(did, "id")), id.ptr)) {
		buf_setf(err, "did.json is not the DID document of %s (id is not '%s')", email,
			 id.ptr);
		goto out;
	}
	json_array_foreach(vm, i, m) {
		json_t *k = json_object_get(m, "publicKeyJwk");
		const char *mid = json_string_value(json_object_get(m, "id"));
		if (!mid || (strcmp(mid, ik.ptr) && strcmp(mid, "#identity-key")))
			continue;
		if (!json_is_object(k) || !str_is(json_object_get(k, "kty"), "OKP") ||
		    !str_is(json_object_get(k, "crv"), "Ed25519") ||
		    sign_unb64url(json_string_value(json_object_get(k, "x")), pk, SIGN_PK_BYTES) < 0)
			break;
		r = 0;
		goto out;
	}
	buf_setf(err, "did.json of %s has no Ed25519 identity key (verificationMethod "
		 "#identity-key, an OKP JWK)", email);
out:
	buf_release(&id);
	buf_release(&ik);
	return r;
}
