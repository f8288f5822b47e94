/*
 * t-heartbeat.c - what an owner signs for its requesters (signed.h): the
 * runner's heartbeat as scq ping reads it (alive, stale, from the future,
 * never, unreadable, not the owner's signature; written at most every
 * heartbeat_seconds), a signed status (verified, changed, unsigned,
 * another signer), and scq_datasites over hostile published files (each
 * a one-line notice naming it; the rest still listed).
 */
#include "base/compat.h"
#include "store/handle.h"
#include "base/fs.h"
#include "queue/signed.h"
#include "tap.h"

#define OWNER "owner@beat.example"
#define DS "ds@uni.example"

static char pubdir[4096];

static void put(const char *dir, const char *name, const char *text, size_t len)
{
	char p[4200];
	int fd;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		tap_diag("cannot write %s", p);
	if (fd >= 0)
		close(fd);
}

/* A heartbeat dated now + shift, signed by h (sign: 0 unsigned, 2 signed
 * and then changed). */
static void beat_at(scq *h, double shift, long long every, int sign)
{
	char at[ISO_LEN], *text;
	json_t *o;
	time_format_iso(time_now() + shift, at);
	o = json_pack("{s:i,s:s,s:s,s:I}", "version", 1, "owner", OWNER, "at", at,
		      "interval_seconds", (json_int_t)every);
	if (sign)
		signed_add(h, o, SIGNED_HEARTBEAT);
	if (sign == 2)
		json_object_set_new(o, "interval_seconds", json_integer(every + 1));
	text = json_dumps(o, 0);
	put(pubdir, "heartbeat.json", text, strlen(text));
	free(text);
	json_decref(o);
}

/* The state r sees, and (sig) its signature's. */
static const char *seen(scq *r, char *sig)
{
	static char st[64];
	json_t *v = heartbeat_state(r, OWNER);
	const char *s = json_string_value(json_object_get(json_object_get(v, "signature"), "state"));
	snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(v, "state")));
	if (sig)
		snprintf(sig, 64, "%s", s ? s : "none");
	if (strchr(json_string_value(json_object_get(v, "detail")), '\033'))
		tap_diag("an ESC byte in the detail");
	json_decref(v);
	return st;
}

static void heartbeats(scq *h, scq *r)
{
	char sig[64], big[8192];
	struct stat a, b;
	char path[4200];
	is_str(seen(r, NULL), "never", "no heartbeat yet: never");
	ok(heartbeat_publish(h) == 0, "the runner publishes a heartbeat");
	is_str(seen(r, sig), "alive", "just written: alive");
	is_str(sig, "verified", "... signed with the owner's key");
	snprintf(path, sizeof(path), "%s/heartbeat.json", pubdir);
	stat(path, &a);
	usleep(20000);
	ok(heartbeat_publish(h) == 0, "a second heartbeat at once");
	stat(path, &b);
	ok(a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_ino == b.st_ino,
	   "... leaves the file alone (at most one per heartbeat_seconds)");
	beat_at(h, -1000, 60, 1);
	is_str(seen(r, sig), "stale", "seen 1000 s ago, every 60 s: stale");
	beat_at(h, -100, 60, 1);
	is_str(seen(r, NULL), "alive", "seen 100 s ago, every 60 s: alive (three beats)");
	beat_at(h, -30, 5, 1);
	is_str(seen(r, NULL), "stale", "seen 30 s ago, every 5 s: stale");
	beat_at(h, 600, 60, 1);
	is_str(seen(r, NULL), "future", "dated 10 min ahead: from the future (clock skew)");
	beat_at(h, 3, 60, 1);
	is_str(seen(r, NULL), "alive", "3 s ahead is ordinary skew: alive");
	beat_at(h, 0, 60, 2);
	is_str(seen(r, NULL), "bad-signature", "changed after signing: bad signature");
	beat_at(h, 0, 60, 0);
	is_str(seen(r, sig), "bad-signature", "unsigned, by an owner with a key: bad "
	       "(its signature was removed) ...");
	is_str(sig, "bad", "... and its signature said to be bad");
	put(pubdir, "heartbeat.json", "{\"owner\": \"" OWNER "\", \"at\": ", 30);
	is_str(seen(r, NULL), "unreadable", "cut short: unreadable");
	put(pubdir, "heartbeat.json", "{\"owner\":\"\\u001b[31mx@y.z\",\"at\":\"x\"}",
	    strlen("{\"owner\":\"\\u001b[31mx@y.z\",\"at\":\"x\"}"));
	is_str(seen(r, NULL), "unreadable", "another owner, with a control character: unreadable");
	memset(big, ' ', sizeof(big));
	big[0] = '{';
	big[sizeof(big) - 1] = '}';
	put(pubdir, "heartbeat.json", big, sizeof(big));
	is_str(seen(r, NULL), "unreadable", "8 KiB: unreadable (too large)");
	ok(heartbeat_publish(h) == 0, "the next publication ...");
	is_str(seen(r, NULL), "alive", "... replaces it (it was the owner's to write)");
}

static const char *status_verdict(scq *h, scq *r, const char *change, const char *signer)
{
	static char st[64];
	json_t *o = json_pack("{s:s,s:s,s:s,s:f}", "uid", "u", "status", "completed",
			      "requester_email", DS, "wall", 0.00362573099846486), *v;
	signed_add(h, o, SIGNED_STATUS);
	if (change)
		json_object_set_new(o, "status", json_string(change));
	v = signed_check(r, o, SIGNED_STATUS, signer, NULL);
	snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(v, "state")));
	ok(!json_object_get(o, "signature"), "the check takes the signature out");
	json_decref(o);
	json_decref(v);
	return st;
}

static void statuses(scq *h, scq *r)
{
	json_t *o = json_pack("{s:s}", "status", "completed"), *v;
	is_str(status_verdict(h, r, NULL, OWNER), "verified", "a signed status verifies");
	is_str(status_verdict(h, r, "failed", OWNER), "bad", "a changed status does not");
	is_str(status_verdict(h, r, NULL, DS), "bad", "nor one said to be another's");
	v = signed_check(r, o, SIGNED_STATUS, OWNER, NULL);
	is_str(json_string_value(json_object_get(v, "state")), "bad",
	       "no signature, from an owner with a key: bad (a downgrade)");
	json_decref(v);
	v = signed_check(r, o, SIGNED_STATUS, "keyless@nowhere.example", NULL);
	is_str(json_string_value(json_object_get(v, "state")), "unsigned",
	       "no signature, from an owner without a key: unsigned");
	json_decref(o);
	json_decref(v);
}

static int has(const char *js, const char *s)
{
	return js && strstr(js, s) != NULL;
}

static void sites(scq *h, scq *r)
{
	char other[4096], *js = NULL;
	ok(heartbeat_publish(h) == 0, "a heartbeat");
	put(pubdir, "runtimes.json", "{\"runtimes\": [1, 2", 18);
	snprintf(other, sizeof(other), "%s/bad\033]0;x\a@x.org/public/code-queue", h->datasites);
	fs_mkdir_p(other, 0755);
	ok(scq_datasites(r, &js) == 0, "scq_datasites");
	ok(has(js, "\"email\": \"" OWNER "\""), "the owner is listed");
	ok(has(js, "\"email\": \"" DS "\""), "so is the requester (it ran scq init)");
	ok(has(js, "\"state\": \"alive\""), "with its runner alive");
	ok(has(js, "runtimes.json: "), "a notice names the bad runtimes.json");
	ok(has(js, "bad\xe2\x9f\xa8" "ESC"), "a notice names the hostile folder, marked");
	ok(!has(js, "\033"), "no raw control byte in the document");
	free(js);
}

int main(void)
{
	char *d = tap_tempdir();
	struct scq_open_options o = { OWNER, d, NULL }, q = { DS, d, NULL };
	scq *h = NULL, *r = NULL;
	ok(scq_open(&h, &o) == 0 && scq_init_datasite(h) == 0, "an owner");
	ok(scq_open(&r, &q) == 0 && scq_init_datasite(r) == 0, "a requester");
	snprintf(pubdir, sizeof(pubdir), "%s/" OWNER "/public/code-queue", h->datasites);
	heartbeats(h, r);
	statuses(h, r);
	sites(h, r);
	scq_close(h);
	scq_close(r);
	tap_rmtree(d);
	free(d);
	return done_testing();
}
