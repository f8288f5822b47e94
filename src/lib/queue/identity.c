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
#define PIN_FILE "key.json"
#define ID_FORMAT "scq-identity-v1"
#define KEY_NONE 2 /* requester_key: no key (beside the VERIFY_* codes) */

struct identity {
	unsigned char sk[SIGN_SK_BYTES], xsk[32];
};

/* The key file is mine alone (like ssh, a key others could read is not
 * used: it may have leaked), and its public half is its seed's (a damaged
 * one would publish a key that verifies none of my signatures). */
static int identity_sane(scq *h, int fd, const struct identity *id)
{
	unsigned char pk[SIGN_PK_BYTES], sk[SIGN_SK_BYTES];
	struct stat st;
	int bad;
	if (fstatat(fd, "identity.json", &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 077))
		return scq_fail(h, SCQ_EIO, "'%s/" KEYS_DIR "/identity.json' has mode %04o: others "
				"may read the private key; chmod 600 it (if it may have leaked, "
				"remove it and run scq init for a new key)", h->store,
				(unsigned)(st.st_mode & 07777));
	crypto_sign_seed_keypair(pk, sk, id->sk);
	bad = sodium_memcmp(sk, id->sk, SIGN_SK_BYTES) != 0;
	sodium_memzero(sk, sizeof(sk));
	return bad ? scq_fail(h, SCQ_EIO, "'%s/" KEYS_DIR "/identity.json' is damaged: its public "
			      "key is not the one of its private key (move it away, and scq init "
			      "makes a new one)", h->store) : 0;
}

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
			     "scq: %s (a lost key: move it away, and scq init makes a new one, which "
			     "each owner accepts with scq keys accept)", h->store,
			     err.ptr ? err.ptr : "bad key");
	else
		r = identity_sane(h, fd, id);
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

/* name in dir: the signature record of message m ({version, alg,
 * signer, key_fingerprint, <hexkey>: hex, signature}) of the file `of`
 * (for the error); 0 or an SCQ_E* code with h's message. */
static int sign_write(scq *h, int dir, const char *name, const struct buf *m,
		      const char *hexkey, const char *hex, unsigned fsflags, const char *of)
{
	struct identity id;
	unsigned char sig[SIGN_SIG_BYTES];
	char fpr[SIGN_FPR_LEN + 1];
	struct buf s = BUF_INIT;
	json_t *o;
	int r = identity_ensure(h); /* lazily, for a workspace made before keys */
	if (r || (r = my_identity(h, &id)))
		return r;
	sign_detached(id.sk, m->ptr, m->len, sig);
	sign_fingerprint(id.sk + 32, fpr);
	sign_b64url(sig, sizeof(sig), &s);
	o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "version", 1, "alg", "Ed25519", "signer",
		      h->email, "key_fingerprint", fpr, hexkey, hex, "signature", s.ptr);
	if (json_write_at(dir, name, o, fsflags) < 0)
		r = scq_fail_errno(h, "writing the signature of %s", of);
	sodium_memzero(&id, sizeof(id));
	json_decref(o);
	buf_release(&s);
	return r;
}

int identity_sign_job(scq *h, int dir, const char *uid, const char *target,
		      const char *job, size_t len, unsigned fsflags)
{
	char hex[65];
	struct buf m = BUF_INIT, of = BUF_INIT;
	int r;
	sha256_hex(job, len, hex);
	sign_job_message(&m, uid, h->email, target, hex);
	buf_addf(&of, "job '%s'", uid);
	r = sign_write(h, dir, "signature.json", &m, "job_sha256", hex, fsflags, of.ptr);
	buf_release(&m);
	buf_release(&of);
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

/* The pin of req: keys/pinned/<req>/key.json.  A folder per requester, as
 * its inbox folder: an address of up to 254 bytes fits as a name, where
 * "<req>.json" (and its temp name) did not and failed every ingest. */
static int pin_load(int pins, const char *req, unsigned char pk[SIGN_PK_BYTES])
{
	struct buf name = BUF_INIT, err = BUF_INIT;
	json_t *o;
	int r;
	buf_addf(&name, "%s/" PIN_FILE, req);
	o = json_load_file_at(pins, name.ptr, SMALL_JSON_MAX, &err);
	r = o && json_is_string(json_object_get(o, "email")) &&
	    !strcmp(json_string_value(json_object_get(o, "email")), req) &&
	    sign_unb64url(json_string_value(json_object_get(o, "x")), pk, SIGN_PK_BYTES) == 0 ?
	    0 : -1;
	json_decref(o);
	buf_release(&name);
	buf_release(&err);
	return r;
}

/* The key I pinned for req: 1 none, 0 pk filled, <0 h's message.  peek:
 * a read, which creates no folder. */
static int pinned_key_at(scq *h, const char *req, unsigned char pk[SIGN_PK_BYTES], int peek)
{
	struct buf name = BUF_INIT;
	int fd = peek ? store_subdir_peek(h, PINS_DIR) : store_subdir(h, PINS_DIR), r = 1;
	if (fd == SCQ_ENOTFOUND && peek)
		return 1;
	if (fd < 0)
		return fd;
	buf_addf(&name, "%s/" PIN_FILE, req);
	if (fs_exists(fd, name.ptr))
		r = pin_load(fd, req, pk) == 0 ? 0 :
		    scq_fail(h, SCQ_EIO, "pinned key '%s/" PINS_DIR "/%s' is unreadable or not "
			     "%s's (scq keys accept %s pins the published one again)", h->store,
			     name.ptr, req, req);
	close(fd);
	buf_release(&name);
	return r;
}

static int pinned_key(scq *h, const char *req, unsigned char pk[SIGN_PK_BYTES])
{
	return pinned_key_at(h, req, pk, 0);
}

static int pin_key(scq *h, const char *req, const unsigned char pk[SIGN_PK_BYTES],
		   const char *event)
{
	struct buf x = BUF_INIT;
	char fpr[SIGN_FPR_LEN + 1], now[ISO_LEN];
	int pins = store_subdir(h, PINS_DIR), fd = -1, r = 0;
	json_t *o;
	if (pins < 0)
		return pins;
	time_now_iso(now);
	sign_fingerprint(pk, fpr);
	sign_b64url(pk, SIGN_PK_BYTES, &x);
	o = json_pack("{s:s,s:s,s:s,s:s}", "email", req, "x", x.ptr, "fingerprint", fpr,
		      "pinned_at", now);
	if (fs_mkdir(pins, req, 0700) < 0 || fs_fsync_dir(pins) < 0 ||
	    (fd = fs_open_dir(pins, req)) < 0 || json_write_at(fd, PIN_FILE, o, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/" PINS_DIR "/%s/" PIN_FILE "'", h->store, req);
	else
		r = audit_append(h, NULL, event, NULL, req, fpr, NULL);
	json_decref(o);
	fd_close(&fd);
	close(pins);
	buf_release(&x);
	return r;
}

/* The signature file name in dir: 1 none, 0 sig filled, -1 unusable
 * (why), 2 cut short (why). */
static int read_signature(int dir, const char *name, unsigned char sig[SIGN_SIG_BYTES],
			  struct buf *why)
{
	struct buf err = BUF_INIT;
	json_t *o;
	int r;
	if (!fs_exists(dir, name))
		return 1;
	o = json_load_file_at(dir, name, SMALL_JSON_MAX, &err);
	if (!o && errno == ENODATA) { /* cut short: sync may deliver it in parts */
		buf_setf(why, "%s cut short (%s)", name, err.ptr);
		buf_release(&err);
		return 2;
	}
	r = o && json_is_string(json_object_get(o, "alg")) &&
	    !strcmp(json_string_value(json_object_get(o, "alg")), "Ed25519") &&
	    sign_unb64url(json_string_value(json_object_get(o, "signature")), sig,
			  SIGN_SIG_BYTES) == 0 ? 0 : -1;
	if (r < 0)
		buf_setf(why, "%s is not an Ed25519 signature record%s%s", name,
			 err.ptr ? ": " : "", err.ptr ? err.ptr : "");
	json_decref(o);
	buf_release(&err);
	return r;
}

/* The owner's own jobs (to itself) are checked with its own key: trusting
 * on first use its did.json, which the sync server can rewrite, let a job
 * forged in inbox/<me>/ pin the forger's key as mine. */
static int own_key(scq *h, unsigned char pk[SIGN_PK_BYTES])
{
	struct identity id;
	int r = my_identity(h, &id);
	if (r == 0)
		memcpy(pk, id.sk + 32, SIGN_PK_BYTES); /* libsodium: seed, then public key */
	sodium_memzero(&id, sizeof(id));
	return r == 0 ? VERIFY_OK : VERIFY_LOCAL;
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
	int pin, p;
	*fresh = 0;
	if (!strcmp(req, h->email)) /* my own jobs: my key, never a did.json to trust */
		return own_key(h, pk);
	pin = pinned_key(h, req, pk);
	p = published_key(h, req, pub, why);
	if (pin < 0)
		return VERIFY_LOCAL;
	if (pin == 0 && p == 0 && sodium_memcmp(pk, pub, SIGN_PK_BYTES)) {
		sign_fingerprint(pk, a);
		sign_fingerprint(pub, b);
		buf_setf(why, "the requester's published key changed (pinned %s, now %s): "
			 "refused until you accept it with 'scq keys accept %s %s'", a, b, req, b);
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
	int k;
	if (!strcmp(email, h->email))
		return 0; /* my own key is identity.json's, never a pin */
	k = identity_key_of(h, email, pk, &why);
	buf_release(&why);
	if (k == IDKEY_FIRST)
		return pin_key(h, email, pk, "key-pinned");
	return k < 0 ? k : 0;
}

/* A signed file of an inbox folder: what the owner checks and names. */
struct signed_file {
	int dir;          /* the folder the signature is in */
	const char *sig;  /* its name: signature.json, <uid>.vote.sig.json */
	const char *rec;  /* the signed file's name, for the reasons */
	const char *what; /* "job", "vote record", ... */
};

/* The owner's verdict on f, whose signature must sign m with req's key,
 * under the unsigned_jobs policy (identity.h: identity_check_job). */
static int check_signed(scq *h, const struct signed_file *f, const char *req,
			const char *uid, const struct buf *m, struct buf *why)
{
	unsigned char pk[SIGN_PK_BYTES], sig[SIGN_SIG_BYTES];
	const char *mode = setting_str(h, SET_UNSIGNED_JOBS);
	char fpr[SIGN_FPR_LEN + 1];
	int fresh, k, s, v;
	/* accept takes every unsigned one, whatever the requester publishes
	 * (a did.json still syncing, or changed, made it wait, then refused) */
	if (!strcmp(mode, "accept") && !fs_exists(f->dir, f->sig)) {
		buf_setf(why, "%s %s of %s is unsigned: taken (unsigned_jobs = accept)", f->what,
			 uid, req);
		return VERIFY_OK;
	}
	k = requester_key(h, req, pk, &fresh, why);
	if (k == VERIFY_LOCAL || k == VERIFY_BAD || k == VERIFY_INCOMPLETE)
		return k;
	s = read_signature(f->dir, f->sig, sig, why);
	if (s < 0)
		return VERIFY_BAD;
	if (s == 2)
		return VERIFY_INCOMPLETE;
	if (s == 1) { /* unsigned */
		if (k == KEY_NONE && strcmp(mode, "refuse")) {
			buf_setf(why, "%s %s of %s is unsigned (the requester publishes no key): "
				 "taken (unsigned_jobs = %s)", f->what, uid, req, mode);
			return VERIFY_OK;
		}
		buf_setf(why, "unsigned %s (no %s) from a requester %s (unsigned_jobs = %s)",
			 f->what, f->sig, k == KEY_NONE ? "who publishes no key" :
			 "who publishes a signing key", mode);
		return VERIFY_INCOMPLETE; /* the signature may still be on its way */
	}
	if (k == KEY_NONE) {
		buf_setf(why, "signed %s, but the requester publishes no key (public/did.json) "
			 "to check it with", f->what);
		return VERIFY_INCOMPLETE; /* did.json may still be on its way */
	}
	sign_fingerprint(pk, fpr);
	v = sign_verify(pk, m->ptr, m->len, sig) == 0 ? VERIFY_OK : VERIFY_BAD;
	if (v == VERIFY_BAD)
		buf_setf(why, "bad signature: %s does not sign this %s with the requester's "
			 "key %s", f->sig, f->rec, fpr);
	else if (fresh && pin_key(h, req, pk, "key-pinned") < 0)
		v = VERIFY_LOCAL;
	return v;
}

int identity_check_job(scq *h, int dir, const char *req, const char *uid,
		       const char *target, const struct buf *job, struct buf *why)
{
	struct signed_file f = { dir, "signature.json", "job.json", "job" };
	struct buf m = BUF_INIT;
	char hex[65];
	int v;
	sha256_hex(job->ptr, job->len, hex);
	sign_job_message(&m, uid, req, target, hex);
	v = check_signed(h, &f, req, uid, &m, why);
	buf_release(&m);
	return v;
}

/* ---- signed inbox records (votes, release votes, cancel requests) ------ */

/* The records of an inbox folder besides jobs, by name: the kind their
 * signature binds (sign_record_message) and what the reasons call them.
 * The longer suffix first: a release vote's name ends in ".vote.json". */
static const struct record_kind {
	const char *suffix, *kind, *what;
} record_kinds[] = {
	{ ".release.vote.json", "release-vote", "release vote record" },
	{ ".vote.json", "vote", "vote record" },
	{ ".cancel.json", "cancel", "cancel request" },
};

static const struct record_kind *record_kind_of(const char *name)
{
	size_t i, n = strlen(name), m;
	for (i = 0; i < sizeof(record_kinds) / sizeof(record_kinds[0]); i++) {
		m = strlen(record_kinds[i].suffix);
		if (n > m && !strcmp(name + n - m, record_kinds[i].suffix))
			return &record_kinds[i];
	}
	return NULL;
}

void identity_sig_name(const char *name, struct buf *out)
{
	size_t n = strlen(name);
	buf_reset(out);
	buf_addf(out, "%.*s" IDENTITY_SIG_SUFFIX, (int)(n > 5 && !strcmp(name + n - 5, ".json") ?
		 n - 5 : n), name);
}

int identity_write_record(scq *h, int dir, const char *name, const char *uid,
			  const char *target, json_t *rec)
{
	const struct record_kind *k = record_kind_of(name);
	struct buf text = BUF_INIT, m = BUF_INIT, sn = BUF_INIT;
	char hex[65];
	int r = 0;
	if (!k || json_serialise(rec, &text) < 0)
		return scq_fail(h, SCQ_EINVAL, "'%s' is no inbox record", name);
	sha256_hex(text.ptr, text.len, hex);
	sign_record_message(&m, k->kind, uid, h->email, target, hex);
	identity_sig_name(name, &sn);
	/* the signature first: an owner beside me never sees the record
	 * unsigned (through sync either may come first: the owner waits) */
	r = sign_write(h, dir, sn.ptr, &m, "record_sha256", hex, 0, name);
	if (r == 0 && fs_write_atomic(dir, name, text.ptr, text.len, 0) < 0)
		r = scq_fail_errno(h, "writing %s '%s'", k->what, name);
	buf_release(&text);
	buf_release(&m);
	buf_release(&sn);
	return r;
}

int identity_read_record(scq *h, int dir, const char *name, const char *req, const char *uid,
			 size_t max, json_t **obj, struct buf *why)
{
	const struct record_kind *k = record_kind_of(name);
	struct buf text = BUF_INIT, err = BUF_INIT, m = BUF_INIT, sn = BUF_INIT;
	struct signed_file f = { dir, NULL, name, k ? k->what : "record" };
	json_t *o = k ? json_load_file_keep(dir, name, max, &err, &text) : NULL;
	char hex[65];
	int v;
	*obj = NULL;
	buf_reset(why);
	if (!o) {
		v = k && errno == ENODATA ? VERIFY_INCOMPLETE : VERIFY_BAD; /* cut short: wait */
		buf_setf(why, "%s: %s", f.what, err.ptr ? err.ptr : "no inbox record");
		goto out;
	}
	sha256_hex(text.ptr, text.len, hex);
	sign_record_message(&m, k->kind, uid, req, h->email, hex);
	identity_sig_name(name, &sn);
	f.sig = sn.ptr;
	v = check_signed(h, &f, req, uid, &m, why);
	if (v == VERIFY_OK)
		*obj = json_incref(o);
out:
	json_decref(o);
	buf_release(&text);
	buf_release(&err);
	buf_release(&m);
	buf_release(&sn);
	return v;
}

int identity_remove_record(int dir, const char *name)
{
	struct buf sn = BUF_INIT;
	int r = fs_remove_tree(dir, name) < 0 && errno != ENOENT ? -1 : 0;
	if (r == 0) { /* the record first: a signature left alone waits, then goes */
		identity_sig_name(name, &sn);
		if (unlinkat(dir, sn.ptr, 0) < 0 && errno != ENOENT)
			r = -1;
	}
	buf_release(&sn);
	return r;
}

/* One line of keys list: the fingerprint of the pinned key itself (not
 * the file's label), and whether the published one is still it. */
static void list_pin(scq *h, int pins, const char *req, struct buf *out)
{
	unsigned char pin[SIGN_PK_BYTES], pub[SIGN_PK_BYTES];
	char a[SIGN_FPR_LEN + 1], b[SIGN_FPR_LEN + 1];
	struct buf why = BUF_INIT;
	int p;
	if (pin_load(pins, req, pin) < 0) {
		buf_addf(out, "%s\t-\tpinned key unreadable\n", req);
		return;
	}
	p = published_key(h, req, pub, &why);
	sign_fingerprint(pin, a);
	buf_addf(out, "%s\t%s\t", req, a);
	if (p == 0 && sodium_memcmp(pin, pub, SIGN_PK_BYTES)) {
		sign_fingerprint(pub, b); /* the one to compare with the requester's word */
		buf_addf(out, "CHANGED to %s: scq keys accept %s %s\n", b, req, b);
	} else {
		buf_addf(out, "%s\n", p == 1 ? "not published now" :
			 p < 0 ? "published key unreadable" : "pinned");
	}
	buf_release(&why);
}

int scq_keys_list(scq *h, char **text)
{
	struct buf out = BUF_INIT;
	int fd = store_subdir(h, PINS_DIR);
	DIR *d;
	struct dirent *e;
	*text = NULL;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	while (d && (e = readdir(d))) {
		struct stat st;
		if (email_valid(e->d_name) && fstatat(dirfd(d), e->d_name, &st,
						      AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			list_pin(h, dirfd(d), e->d_name, &out); /* a folder per requester */
	}
	if (d)
		closedir(d);
	else
		close(fd);
	*text = buf_detach(&out, NULL);
	return 0;
}

/* want: 16 to 64 hex characters, a prefix of SHA-256(pk) (the fingerprint
 * keys list and the quarantine reason show is its first 16).  1 matches,
 * 0 does not, -1 is no fingerprint. */
static int fpr_matches(const unsigned char pk[SIGN_PK_BYTES], const char *want)
{
	char hex[65], *low;
	size_t n = strlen(want);
	int r;
	if (n < SIGN_FPR_LEN || n > 64 || strspn(want, "0123456789abcdefABCDEF") != n)
		return -1;
	sha256_hex(pk, SIGN_PK_BYTES, hex);
	low = ascii_lower(want);
	r = strncmp(hex, low, n) == 0;
	free(low);
	return r;
}

int scq_keys_accept(scq *h, const char *email, const char *fingerprint)
{
	unsigned char pub[SIGN_PK_BYTES];
	char fpr[SIGN_FPR_LEN + 1];
	struct buf why = BUF_INIT;
	char *req = ascii_lower(email);
	int p = email_valid(req) ? published_key(h, req, pub, &why) : -2, r, m = 1;
	if (p == 0 && fingerprint)
		m = fpr_matches(pub, fingerprint);
	if (p == 0)
		sign_fingerprint(pub, fpr);
	if (p == -2)
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not an email address", email);
	else if (p == 1)
		r = scq_fail(h, SCQ_ENOTFOUND, "%s publishes no key (no public/did.json under "
			     "'%s')", req, h->datasites);
	else if (p < 0)
		r = scq_fail(h, SCQ_EINVAL, "%s", why.ptr);
	else if (m < 0)
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not a key fingerprint (16 to 64 hex "
			     "characters, as scq keys list shows them)", fingerprint);
	else if (m == 0) /* did.json changed since the owner looked: the server's? */
		r = scq_fail(h, SCQ_EINVAL, "%s publishes key %s now, not %s: nothing accepted",
			     req, fpr, fingerprint);
	else
		r = pin_key(h, req, pub, "key-accepted");
	buf_release(&why);
	free(req);
	return r;
}

/* An inbox record of mine made by hand, signed as vote_send signs one:
 * path must be <datasites>/<owner>/app_data/code-queue/inbox/<me>/<name>,
 * which names its owner (the signature binds it). */
static int sign_record_file(scq *h, const char *path)
{
	const struct record_kind *k;
	char real[PATH_MAX], ds[PATH_MAX], uid[64];
	struct buf text = BUF_INIT, err = BUF_INIT, m = BUF_INIT, sn = BUF_INIT, want = BUF_INIT;
	const char *name, *rest, *slash;
	char hex[65];
	int fd = -1, r;
	json_t *o = NULL;
	if (!realpath(path, real) || !realpath(h->datasites, ds))
		return scq_fail_errno(h, "record '%s'", path);
	name = strrchr(real, '/') + 1;
	k = record_kind_of(name);
	snprintf(uid, sizeof(uid), "%.*s", k ? (int)(strlen(name) - strlen(k->suffix)) : 0, name);
	rest = strncmp(real, ds, strlen(ds)) || real[strlen(ds)] != '/' ? NULL : real + strlen(ds) + 1;
	slash = rest ? strchr(rest, '/') : NULL;
	if (slash)
		buf_addf(&want, "%.*s/app_data/code-queue/inbox/%s/%s", (int)(slash - rest), rest,
			 h->email, name);
	if (!k || !scq_uid_valid(uid) || !slash || strcmp(rest, want.ptr)) {
		r = scq_fail(h, SCQ_EINVAL, "'%s' is no job folder, nor a record <uid>.vote.json, "
			     "<uid>.release.vote.json or <uid>.cancel.json of mine (in inbox/%s/ of "
			     "an owner's app folder under '%s')", path, h->email, h->datasites);
		goto out;
	}
	*strrchr(real, '/') = '\0';
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	o = fd < 0 ? NULL : json_load_file_keep(fd, name, SMALL_JSON_MAX, &err, &text);
	if (!o) {
		r = scq_fail(h, SCQ_EINVAL, "'%s': %s", path, err.len ? err.ptr : strerror(errno));
		goto out;
	}
	sha256_hex(text.ptr, text.len, hex);
	buf_setf(&want, "%.*s", (int)(slash - rest), rest); /* the owner */
	sign_record_message(&m, k->kind, uid, h->email, want.ptr, hex);
	identity_sig_name(name, &sn);
	r = sign_write(h, fd, sn.ptr, &m, "record_sha256", hex, 0, name);
out:
	fd_close(&fd);
	json_decref(o);
	buf_release(&text);
	buf_release(&err);
	buf_release(&m);
	buf_release(&sn);
	buf_release(&want);
	return r;
}

/* A folder's job.json signed with my key, as submit signs it: for tests
 * that craft inbox jobs by hand, and for a job re-made by hand.  A file:
 * an inbox record of mine (sign_record_file). */
int scq_sign_job_folder(scq *h, const char *folder)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	const char *uid, *target;
	struct stat st;
	json_t *o = NULL;
	int fd, r;
	if (stat(folder, &st) == 0 && S_ISREG(st.st_mode))
		return sign_record_file(h, folder);
	fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
