/*
 * t-sign.c - base/sign.c: Ed25519 through libsodium against RFC 8032's
 * first test vector, the bytes a job signature covers, what verification
 * refuses (another message, key or signature), base64url in and out
 * (wrong lengths and alphabets refused), and the DID document: built in
 * the syft_crypto layout and read back, refused for another identity or
 * a key that is not Ed25519.
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/buf.h"
#include "base/hash.h"
#include "base/sign.h"
#include "tap.h"

static void hex2bin(const char *hex, unsigned char *out, size_t n)
{
	sodium_hex2bin(out, n, hex, strlen(hex), NULL, NULL, NULL);
}

static void rfc8032(void)
{
	unsigned char seed[32], pk[32], sk[64], want_pk[32], want[64], sig[64];
	hex2bin("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
	hex2bin("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", want_pk, 32);
	hex2bin("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590"
		"a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", want, 64);
	crypto_sign_seed_keypair(pk, sk, seed);
	ok(!memcmp(pk, want_pk, 32), "RFC 8032 test 1: public key");
	sign_detached(sk, "", 0, sig);
	ok(!memcmp(sig, want, 64), "RFC 8032 test 1: signature of the empty message");
	is_int(sign_verify(pk, "", 0, want), 0, "RFC 8032 test 1: verifies");
	want[63] ^= 1;
	is_int(sign_verify(pk, "", 0, want), -1, "a signature with one bit flipped is refused");
}

static void job_signature(void)
{
	unsigned char pk[32], sk[64], pk2[32], sk2[64], sig[64];
	struct buf m = BUF_INIT, m2 = BUF_INIT;
	char fpr[SIGN_FPR_LEN + 1], hex[65];
	const char *d = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	sign_job_message(&m, "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "ds@uni.example",
			 "owner@hospital.example", d);
	is_str(m.ptr, "scq-job-signature-v1\n1b4e28ba-2fa1-41d2-883f-0016d3cca427\n"
	       "ds@uni.example\nowner@hospital.example\n"
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	       "the signed bytes are the documented ones");
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	sign_detached(sk, m.ptr, m.len, sig);
	is_int(sign_verify(pk, m.ptr, m.len, sig), 0, "a job signature verifies");
	is_int(sign_verify(pk2, m.ptr, m.len, sig), -1, "not under another key");
	sign_job_message(&m2, "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "eve@evil.example",
			 "owner@hospital.example", d);
	is_int(sign_verify(pk, m2.ptr, m2.len, sig), -1, "not for another requester");
	buf_reset(&m2);
	sign_job_message(&m2, "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "ds@uni.example",
			 "owner@hospital.example",
			 "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	is_int(sign_verify(pk, m2.ptr, m2.len, sig), -1, "not for another job.json");
	sign_fingerprint(pk, fpr);
	sha256_hex(pk, 32, hex);
	ok(strlen(fpr) == SIGN_FPR_LEN && !strncmp(fpr, hex, SIGN_FPR_LEN),
	   "fingerprint: the first 16 hex characters of SHA-256(key)");
	buf_release(&m);
	buf_release(&m2);
}

/* The bytes a vote, release vote or cancel request signature covers: its
 * own context line and kind, so no signature verifies as one of a job,
 * of another kind, uid, writer or owner. */
static void record_signature(void)
{
	unsigned char pk[32], sk[64], sig[64];
	struct buf m = BUF_INIT, o = BUF_INIT;
	const char *u = "1b4e28ba-2fa1-41d2-883f-0016d3cca427", *r = "rev@lab.example";
	const char *w = "owner@hospital.example";
	const char *d = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	sign_record_message(&m, "vote", u, r, w, d);
	is_str(m.ptr, "scq-record-signature-v1\nvote\n1b4e28ba-2fa1-41d2-883f-0016d3cca427\n"
	       "rev@lab.example\nowner@hospital.example\n"
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
	       "record: the signed bytes are the documented ones");
	crypto_sign_keypair(pk, sk);
	sign_detached(sk, m.ptr, m.len, sig);
	is_int(sign_verify(pk, m.ptr, m.len, sig), 0, "a vote signature verifies");
	sign_job_message(&o, u, r, w, d);
	is_int(sign_verify(pk, o.ptr, o.len, sig), -1, "not as a job's");
	buf_reset(&o);
	sign_record_message(&o, "release-vote", u, r, w, d);
	is_int(sign_verify(pk, o.ptr, o.len, sig), -1, "not as a release vote's");
	buf_reset(&o);
	sign_record_message(&o, "cancel", u, r, w, d);
	is_int(sign_verify(pk, o.ptr, o.len, sig), -1, "not as a cancel request's");
	buf_reset(&o);
	sign_record_message(&o, "vote", u, r, "other@clinic.example", d);
	is_int(sign_verify(pk, o.ptr, o.len, sig), -1, "not for another owner");
	buf_reset(&o);
	sign_record_message(&o, "vote", "2b4e28ba-2fa1-41d2-883f-0016d3cca427", r, w, d);
	is_int(sign_verify(pk, o.ptr, o.len, sig), -1, "not for another job");
	buf_release(&m);
	buf_release(&o);
}

static void b64url(void)
{
	unsigned char in[32], out[32], sig[64];
	struct buf b = BUF_INIT;
	size_t i;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 250); /* bytes that need - and _ */
	sign_b64url(in, sizeof(in), &b);
	is_int((long long)b.len, 43, "32 bytes are 43 characters, no padding");
	ok(!strchr(b.ptr, '+') && !strchr(b.ptr, '/') && !strchr(b.ptr, '='),
	   "the URL-safe alphabet");
	is_int(sign_unb64url(b.ptr, out, sizeof(out)), 0, "decodes");
	ok(!memcmp(in, out, sizeof(in)), "round trip");
	is_int(sign_unb64url(b.ptr, sig, sizeof(sig)), -1, "a 32-byte text for 64 bytes: refused");
	buf_addc(&b, '=');
	is_int(sign_unb64url(b.ptr, out, sizeof(out)), -1, "padding refused");
	is_int(sign_unb64url("abc+def/", out, 6), -1, "the standard alphabet refused");
	is_int(sign_unb64url(NULL, out, 6), -1, "no text refused");
	/* one key, one text: no second spelling of a key or a signature */
	is_int(sign_unb64url("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", out, 32), -1,
	       "non-zero unused bits refused");
	is_int(sign_unb64url("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ", out, 32), -1,
	       "trailing white space refused");
	buf_release(&b);
}

static void did(void)
{
	unsigned char pk[32], sk[64], xpk[32], xsk[32], xsig[64], got[32];
	struct buf err = BUF_INIT;
	json_t *d, *k, *ka;
	crypto_sign_keypair(pk, sk);
	crypto_box_keypair(xpk, xsk);
	sign_detached(sk, xpk, 32, xsig);
	d = sign_did_build("ds+x@uni.example", pk, xpk, xsig);
	is_str(json_string_value(json_object_get(d, "id")),
	       "did:web:syftbox.net:ds%2Bx%40uni.example", "id: did:web with the e-mail encoded");
	k = json_object_get(json_array_get(json_object_get(d, "verificationMethod"), 0),
			    "publicKeyJwk");
	is_str(json_string_value(json_object_get(k, "crv")), "Ed25519", "identity key: Ed25519");
	ka = json_object_get(json_array_get(json_object_get(d, "keyAgreement"), 0), "publicKeyJwk");
	is_str(json_string_value(json_object_get(ka, "crv")), "X25519", "signed prekey: X25519");
	ok(sign_unb64url(json_string_value(json_object_get(ka, "signature")), xsig, 64) == 0 &&
	   sign_verify(pk, xpk, 32, xsig) == 0, "the prekey is signed by the identity key");
	is_int(sign_did_key(d, "ds+x@uni.example", got, &err), 0, "the key reads back");
	ok(!memcmp(got, pk, 32), "the same key");
	is_int(sign_did_key(d, "eve@evil.example", got, &err), -1,
	       "another identity's document is refused");
	ok(strstr(err.ptr, "not the DID document of eve@evil.example") != NULL, "and says so");
	json_object_set_new(k, "crv", json_string("X25519"));
	is_int(sign_did_key(d, "ds+x@uni.example", got, &err), -1, "an identity key not Ed25519: refused");
	json_object_set_new(k, "crv", json_string("Ed25519"));
	json_object_set_new(k, "x", json_string("c2hvcnQ"));
	is_int(sign_did_key(d, "ds+x@uni.example", got, &err), -1, "a short key: refused");
	json_object_set_new(d, "verificationMethod", json_string("#identity-key"));
	is_int(sign_did_key(d, "ds+x@uni.example", got, &err), -1,
	       "a verificationMethod that is no array: refused");
	json_object_del(d, "verificationMethod");
	is_int(sign_did_key(d, "ds+x@uni.example", got, &err), -1, "no verificationMethod: refused");
	json_decref(d);
	buf_release(&err);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	rfc8032();
	job_signature();
	record_signature();
	b64url();
	did();
	return done_testing();
}
