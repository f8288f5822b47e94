/*
 * identity.c - signing keys and signed submissions (identity.h).
 *
 * The inbox folder a job sits in names its requester only as long as the
 * sync server enforces the ACL (SyftBox's dev mode trusts a user=
 * parameter).  So a requester signs each job with an Ed25519 key whose
 * public half it publishes in its own public/did.json (the syft_crypto
 * layout, syftbox.md §6), and the owner pins that key the first time it
 * verifies a job with it: a later did.json with another key (the server,
 * or anyone it let write there) is refused until the owner accepts it.
 * The private key never enters the synced tree.
 */
#include "base/compat.h"
#include <dirent.h>
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "base/sign.h"
#include "store/audit.h"
#include "store/settings.h"
#include "queue/manifest.h"
#include "queue/identity.h"
#include "base/banned.h"

#define KEYS_DIR "keys"
#define PINS_DIR "keys/pinned"
#define ID_FORMAT "scq-identity-v1"
#define KEY_NONE 2 /* requester_key: no key (beside the VERIFY_* codes) */

struct identity {
	unsigned char sk[SIGN_SK_BYTES], xsk[32];
};

static int load_identity(scq *h, struct identity *id)
{
	struct buf err = BUF_INIT;
	int fd = store_subdir(h, KEYS_DIR), r = 1;
	json_t *o = NULL;
	if (fd < 0)
		return fd;
	if (!fs_exists(fd, "identity.json"))
		goto out; /* 1: none yet */
	o = json_load_file_at(fd, "identity.json", SMALL_JSON_MAX, &err);
	if (!o || sign_unb64url(json_string_value(json_object_get(o, "ed25519")), id->sk,
				SIGN_SK_BYTES) < 0 ||
	    sign_unb64url(json_string_value(json_object_get(o, "x25519")), id->xsk, 32) < 0)
		r = scq_fail(h, SCQ_EIO, "'%s/" KEYS_DIR "/identity.json' is not a key file of "
			     "scq: %s", h->store, err.ptr ? err.ptr : "bad key");
	else
		r = 0;
out:
	json_decref(o);
	buf_release(&err);
	close(fd);
	return r;
}

static int make_identity(scq *h, struct identity *id)
{
	unsigned char pk[SIGN_PK_BYTES], xpk[32];
	struct buf a = BUF_INIT, b = BUF_INIT;
	json_t *o;
	int fd = store_subdir(h, KEYS_DIR), r = 0;
	if (fd < 0)
		return fd;
	crypto_sign_keypair(pk, id->sk);
	crypto_box_keypair(xpk, id->xsk);
	sign_b64url(id->sk, SIGN_SK_BYTES, &a);
	sign_b64url(id->xsk, 32, &b);
	o = json_pack("{s:s,s:s,s:s,s:s}", "format", ID_FORMAT, "email", h->email, "ed25519",
		      a.ptr, "x25519", b.ptr);
	/* written once, never replaced: a second init keeps the key the
	 * owners have pinned */
	if (json_write_at(fd, "identity.json", o, FS_PRIVATE | FS_NOREPLACE) < 0)
		r = errno == EEXIST ? load_identity(h, id) :
		    scq_fail_errno(h, "writing '%s/" KEYS_DIR "/identity.json'", h->store);
	else
		audit_append(h, NULL, "key-created", NULL, h->email, NULL, NULL);
	json_decref(o);
	sodium_memzero(a.ptr, a.len);
	sodium_memzero(b.ptr, b.len);
	buf_release(&a);
	buf_release(&b);
	close(fd);
	return r;
}

static int publish_did(scq *h, const struct identity *id)
{
	unsigned char xpk[32], xsig[SIGN_SIG_BYTES];
	char *site = path_join(h->datasites, h->email), *pub = path_join(site, "public");
	struct buf cur = BUF_INIT;
	json_t *did, *have = NULL;
	int fd = -1, r = 0;
	crypto_scalarmult_base(xpk, id->xsk);
	sign_detached(id->sk, xpk, sizeof(xpk), xsig); /* the prekey's signature */
	did = sign_did_build(h->email, id->sk + 32, xpk, xsig);
	if (fs_mkdir_p(pub, 0755) < 0 || (fd = open(pub, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "opening '%s'", pub);
		goto out;
	}
	if (fs_exists(fd, "did.json"))
		have = json_load_file_at(fd, "did.json", SMALL_JSON_MAX, &cur);
	if ((!have || !json_equal(have, did)) && json_write_at(fd, "did.json", did, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/did.json'", pub);
out:
	fd_close(&fd);
	json_decref(did);
	json_decref(have);
	buf_release(&cur);
	free(site);
	free(pub);
	return r;
}

static int my_identity(scq *h, struct identity *id)
{
	int r = load_identity(h, id);
	if (r == 1)
		r = make_identity(h, id);
	return r;
}

int identity_ensure(scq *h)
{
	struct identity id;
	int r = my_identity(h, &id);
	if (r == 0)
		r = publish_did(h, &id);
	sodium_memzero(&id, sizeof(id));
	return r;
}

int identity_sign_job(scq *h, int dir, const char *uid, const char *target,
		      const char *job, size_t len, unsigned fsflags)
{
	struct identity id;
	unsigned char sig[SIGN_SIG_BYTES];
	char hex[65], fpr[SIGN_FPR_LEN + 1];
	struct buf m = BUF_INIT, s = BUF_INIT;
	json_t *o = NULL;
	int r = identity_ensure(h); /* lazily, for a workspace made before keys */
	if (r || (r = my_identity(h, &id)))
		return r;
	sha256_hex(job, len, hex);
	sign_job_message(&m, uid, h->email, target, hex);
	sign_detached(id.sk, m.ptr, m.len, sig);
	sign_fingerprint(id.sk + 32, fpr);
	sign_b64url(sig, sizeof(sig), &s);
	o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "version", 1, "alg", "Ed25519", "signer",
		      h->email, "key_fingerprint", fpr, "job_sha256", hex, "signature", s.ptr);
	if (json_write_at(dir, "signature.json", o, fsflags) < 0)
		r = scq_fail_errno(h, "writing the signature of job '%s'", uid);
	sodium_memzero(&id, sizeof(id));
	json_decref(o);
	buf_release(&m);
	buf_release(&s);
	return r;
}

/* The key requester publishes: 1 with none (no did.json), 0 with one,
 * -1 with a did.json that holds no usable key (why says so). */
static int published_key(scq *h, const char *req, unsigned char pk[SIGN_PK_BYTES],
			 struct buf *why)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	json_t *o;
	int fd, r = 1;
	buf_addf(&p, "%s/%s/public", h->datasites, req);
	fd = open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !fs_exists(fd, "did.json"))
		goto out;
	o = json_load_file_at(fd, "did.json", SMALL_JSON_MAX, &err);
	r = o ? sign_did_key(o, req, pk, &err) : -1;
	if (r < 0)
		buf_setf(why, "the requester's public/did.json: %s", err.ptr ? err.ptr : "unreadable");
	json_decref(o);
out:
	fd_close(&fd);
	buf_release(&p);
	buf_release(&err);
	return r;
}

/* The key I pinned for req: 1 none, 0 pk filled, <0 h's message.  peek:
 * a read, which creates no folder. */
static int pinned_key_at(scq *h, const char *req, unsigned char pk[SIGN_PK_BYTES], int peek)
{
	struct buf name = BUF_INIT, err = BUF_INIT;
	int fd = peek ? store_subdir_peek(h, PINS_DIR) : store_subdir(h, PINS_DIR), r = 1;
	json_t *o = NULL;
	if (fd == SCQ_ENOTFOUND && peek)
		return 1;
	if (fd < 0)
		return fd;
	buf_addf(&name, "%s.json", req);
	if (fs_exists(fd, name.ptr)) {
		o = json_load_file_at(fd, name.ptr, SMALL_JSON_MAX, &err);
		r = o && sign_unb64url(json_string_value(json_object_get(o, "x")), pk,
				       SIGN_PK_BYTES) == 0 ? 0 :
		    scq_fail(h, SCQ_EIO, "pinned key '%s/" PINS_DIR "/%s' is unreadable", h->store,
			     name.ptr);
	}
	json_decref(o);
	close(fd);
	buf_release(&name);
	buf_release(&err);
	return r;
}

static int pinned_key(scq *h, const char *req, unsigned char pk[SIGN_PK_BYTES])
{
	return pinned_key_at(h, req, pk, 0);
}

static int pin_key(scq *h, const char *req, const unsigned char pk[SIGN_PK_BYTES],
		   const char *event)
{
	struct buf name = BUF_INIT, x = BUF_INIT;
	char fpr[SIGN_FPR_LEN + 1], now[ISO_LEN];
	int fd = store_subdir(h, PINS_DIR), r = 0;
	json_t *o;
	if (fd < 0)
		return fd;
	time_now_iso(now);
	sign_fingerprint(pk, fpr);
	sign_b64url(pk, SIGN_PK_BYTES, &x);
	buf_addf(&name, "%s.json", req);
	o = json_pack("{s:s,s:s,s:s,s:s}", "email", req, "x", x.ptr, "fingerprint", fpr,
		      "pinned_at", now);
	if (json_write_at(fd, name.ptr, o, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/" PINS_DIR "/%s'", h->store, name.ptr);
	else
		r = audit_append(h, NULL, event, NULL, req, fpr, NULL);
	json_decref(o);
	close(fd);
	buf_release(&name);
	buf_release(&x);
	return r;
}

/* signature.json of the job: 1 none, 0 sig filled, -1 unusable (why),
 * 2 cut short (why). */
static int job_signature(int dir, unsigned char sig[SIGN_SIG_BYTES], struct buf *why)
{
	struct buf err = BUF_INIT;
	json_t *o;
	int r;
	if (!fs_exists(dir, "signature.json"))
		return 1;
	o = json_load_file_at(dir, "signature.json", SMALL_JSON_MAX, &err);
	if (!o && errno == ENODATA) { /* cut short: sync may deliver it in parts */
		buf_setf(why, "signature.json cut short (%s)", err.ptr);
		buf_release(&err);
		return 2;
	}
	r = o && json_is_string(json_object_get(o, "alg")) &&
	    !strcmp(json_string_value(json_object_get(o, "alg")), "Ed25519") &&
	    sign_unb64url(json_string_value(json_object_get(o, "signature")), sig,
			  SIGN_SIG_BYTES) == 0 ? 0 : -1;
	if (r < 0)
		buf_setf(why, "signature.json is not an Ed25519 signature record%s%s",
			 err.ptr ? ": " : "", err.ptr ? err.ptr : "");
	json_decref(o);
	buf_release(&err);
	return r;
}

/* The key to check req's job with: the pinned one, or the published one
 * (pinned by the caller once a job verifies).  A published key that is
 * not the pinned one is refused until scq keys accept; a did.json that
 * cannot be read (still syncing?) only matters while nothing is pinned.
 * Returns a VERIFY_* code, or KEY_NONE: the requester has no key at all. */
static int requester_key(scq *h, const char *req, unsigned char pk[SIGN_PK_BYTES],
			 int *fresh, struct buf *why)
{
	unsigned char pub[SIGN_PK_BYTES];
	char a[SIGN_FPR_LEN + 1], b[SIGN_FPR_LEN + 1];
	int pin = pinned_key(h, req, pk), p = published_key(h, req, pub, why);
	*fresh = 0;
	if (pin < 0)
		return VERIFY_LOCAL;
	if (pin == 0 && p == 0 && sodium_memcmp(pk, pub, SIGN_PK_BYTES)) {
		sign_fingerprint(pk, a);
		sign_fingerprint(pub, b);
		buf_setf(why, "the requester's published key changed (pinned %s, now %s): "
			 "refused until you accept it with 'scq keys accept %s'", a, b, req);
		return VERIFY_BAD;
	}
	if (pin == 0) {
		buf_reset(why);
		return VERIFY_OK;
	}
	if (p < 0)
		return VERIFY_INCOMPLETE; /* why: what is wrong with did.json */
	if (p == 0) {
		memcpy(pk, pub, SIGN_PK_BYTES);
		*fresh = 1;
		return VERIFY_OK;
	}
	return KEY_NONE;
}

int identity_secret(scq *h, unsigned char sk[SIGN_SK_BYTES])
{
	struct identity id;
	int fd = store_subdir_peek(h, KEYS_DIR), r;
	if (fd == SCQ_ENOTFOUND)
		return 1;
	if (fd < 0)
		return fd;
	close(fd);
	r = load_identity(h, &id);
	if (r == 0)
		memcpy(sk, id.sk, SIGN_SK_BYTES);
	sodium_memzero(&id, sizeof(id));
	return r;
}

int identity_key_of(scq *h, const char *email, unsigned char pk[SIGN_PK_BYTES], struct buf *why)
{
	unsigned char pub[SIGN_PK_BYTES];
	char a[SIGN_FPR_LEN + 1], b[SIGN_FPR_LEN + 1];
	int pin = pinned_key_at(h, email, pk, 1), p = published_key(h, email, pub, why);
	if (pin < 0)
		return pin;
	if (pin == 0 && p == 0 && sodium_memcmp(pk, pub, SIGN_PK_BYTES)) {
		sign_fingerprint(pk, a);
		sign_fingerprint(pub, b);
		buf_setf(why, "%s's published key changed (pinned %s, now %s): 'scq keys accept "
			 "%s' if you trust the new one", email, a, b, email);
		return IDKEY_CHANGED;
	}
	if (pin == 0)
		return IDKEY_PINNED;
	if (p == 0) {
		memcpy(pk, pub, SIGN_PK_BYTES);
		return IDKEY_FIRST;
	}
	if (p == 1)
		buf_setf(why, "%s publishes no key (public/did.json)", email);
	return IDKEY_NONE;
}

int identity_pin_first(scq *h, const char *email)
{
	unsigned char pk[SIGN_PK_BYTES];
	struct buf why = BUF_INIT;
	int k = identity_key_of(h, email, pk, &why);
	buf_release(&why);
	if (k == IDKEY_FIRST)
		return pin_key(h, email, pk, "key-pinned");
	return k < 0 ? k : 0;
}

int identity_check_job(scq *h, int dir, const char *req, const char *uid,
		       const char *target, const struct buf *job, struct buf *why)
{
	unsigned char pk[SIGN_PK_BYTES], sig[SIGN_SIG_BYTES];
	const char *mode = setting_str(h, SET_UNSIGNED_JOBS);
	char hex[65], fpr[SIGN_FPR_LEN + 1];
	struct buf m = BUF_INIT;
	int fresh, k = requester_key(h, req, pk, &fresh, why), s, v;
	if (k == VERIFY_LOCAL || k == VERIFY_BAD || k == VERIFY_INCOMPLETE)
		return k;
	s = job_signature(dir, sig, why);
	if (s < 0)
		return VERIFY_BAD;
	if (s == 2)
		return VERIFY_INCOMPLETE;
	if (s == 1) { /* unsigned */
		if (!strcmp(mode, "accept") || (k == KEY_NONE && strcmp(mode, "refuse"))) {
			buf_setf(why, "job %s of %s is unsigned (%s): taken (unsigned_jobs = %s)",
				 uid, req, k == KEY_NONE ? "the requester publishes no key" :
				 "the requester has a key", mode);
			return VERIFY_OK;
		}
		buf_setf(why, "unsigned job (no signature.json) from a requester %s "
			 "(unsigned_jobs = %s)", k == KEY_NONE ? "who publishes no key" :
			 "who publishes a signing key", mode);
		return VERIFY_INCOMPLETE; /* signature.json may still be on its way */
	}
	if (k == KEY_NONE) {
		buf_setf(why, "signed job, but the requester publishes no key "
			 "(public/did.json) to check it with");
		return VERIFY_INCOMPLETE; /* did.json may still be on its way */
	}
	sha256_hex(job->ptr, job->len, hex);
	sign_job_message(&m, uid, req, target, hex);
	sign_fingerprint(pk, fpr);
	v = sign_verify(pk, m.ptr, m.len, sig) == 0 ? VERIFY_OK : VERIFY_BAD;
	if (v == VERIFY_BAD)
		buf_setf(why, "bad signature: signature.json does not sign this job.json with "
			 "the requester's key %s", fpr);
	else if (fresh && pin_key(h, req, pk, "key-pinned") < 0)
		v = VERIFY_LOCAL;
	buf_release(&m);
	return v;
}

int scq_keys_list(scq *h, char **text)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int fd = store_subdir(h, PINS_DIR);
	DIR *d;
	struct dirent *e;
	*text = NULL;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	while (d && (e = readdir(d))) {
		json_t *o;
		size_t n = strlen(e->d_name);
		unsigned char pub[SIGN_PK_BYTES];
		char b[SIGN_FPR_LEN + 1];
		const char *em, *fp;
		int p;
		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		o = json_load_file_at(dirfd(d), e->d_name, SMALL_JSON_MAX, &err);
		em = json_string_value(json_object_get(o, "email"));
		fp = json_string_value(json_object_get(o, "fingerprint"));
		if (em && fp && email_valid(em)) {
			struct buf why = BUF_INIT;
			p = published_key(h, em, pub, &why);
			if (p == 0)
				sign_fingerprint(pub, b);
			buf_addf(&out, "%s\t%s\t%s\n", em, fp,
				 p == 1 ? "not published now" : p < 0 ? "published key unreadable" :
				 !strcmp(b, fp) ? "pinned" : "CHANGED: scq keys accept");
			buf_release(&why);
		}
		json_decref(o);
	}
	if (d)
		closedir(d);
	buf_release(&err);
	*text = buf_detach(&out, NULL);
	return 0;
}

int scq_keys_accept(scq *h, const char *email)
{
	unsigned char pub[SIGN_PK_BYTES];
	struct buf why = BUF_INIT;
	char *req = ascii_lower(email);
	int p = published_key(h, req, pub, &why), r;
	if (!email_valid(req))
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not an email address", email);
	else if (p == 1)
		r = scq_fail(h, SCQ_ENOTFOUND, "%s publishes no key (no public/did.json under "
			     "'%s')", req, h->datasites);
	else if (p < 0)
		r = scq_fail(h, SCQ_EINVAL, "%s", why.ptr);
	else
		r = pin_key(h, req, pub, "key-accepted");
	buf_release(&why);
	free(req);
	return r;
}

/* A folder's job.json signed with my key, as submit signs it: for tests
 * that craft inbox jobs by hand, and for a job re-made by hand. */
int scq_sign_job_folder(scq *h, const char *folder)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	const char *uid, *target;
	json_t *o = NULL;
	int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;
	if (fd < 0)
		return scq_fail_errno(h, "job folder '%s'", folder);
	o = json_load_file_keep(fd, "job.json", JOB_JSON_MAX, &err, &text);
	uid = json_string_value(json_object_get(o, "uid"));
	target = json_string_value(json_object_get(o, "target_email"));
	if (!o || !uid || !target)
		r = scq_fail(h, SCQ_EINVAL, "'%s/job.json': %s", folder,
			     err.len ? err.ptr : "no uid or target_email");
	else
		r = identity_sign_job(h, fd, uid, target, text.ptr, text.len, 0);
	json_decref(o);
	buf_release(&text);
	buf_release(&err);
	close(fd);
	return r;
}
