/*
 * heartbeat.c - the runner's heartbeat and scq_ping (scq.h; signed.h).
 *
 * Whether an owner's runner is alive is not a job: nobody approves it.
 * The runner publishes public/code-queue/heartbeat.json on its datasite
 * (readable by everyone, as runtimes.json: anyone may submit, so anyone
 * may ask), at most every heartbeat_seconds: each write is one upload for
 * SyftBox, and a write that changes nothing is never made more often.  It
 * holds only the owner, the time and the interval (no host, no process,
 * no queue length: who else submits is none of a requester's business),
 * signed with the owner's key.  A requester reads its synced copy as
 * hostile input: small, strict, its time compared with the local clock.
 */
#include "base/compat.h"
#include <math.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/signed.h"
#include "store/settings.h"
#include "base/banned.h"

#define HEARTBEAT_FILE "heartbeat.json"
#define HEARTBEAT_MAX 4096 /* bytes: a heartbeat is ~400 */
#define STALE_FACTOR 3     /* missed beats before it is stale */
#define FUTURE_SLACK 10.0  /* seconds of skew that are not yet "future" */

int heartbeat_publish(scq *h)
{
	char *site = path_join(h->datasites, h->email), *dir = path_join(site, "public/code-queue");
	long long every = setting_int(h, SET_HEARTBEAT_SECONDS);
	char at[ISO_LEN];
	struct stat st;
	json_t *o = NULL;
	int fd = -1, r = 0;
	double now = time_now();
	if (!fs_exists(AT_FDCWD, site)) /* no datasite (no scq init): nobody to tell */
		goto out;
	if (fs_mkdir_p(dir, 0755) < 0 || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "creating '%s'", dir);
		goto out;
	}
	/* younger than the interval, not from the future (a stepped clock)
	 * and of a heartbeat's size: leave it, so the sync is not flooded */
	if (fstatat(fd, HEARTBEAT_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && st.st_size < HEARTBEAT_MAX &&
	    (double)st.st_mtim.tv_sec <= now && now - (double)st.st_mtim.tv_sec < (double)every)
		goto out;
	time_format_iso(now, at);
	o = json_pack("{s:i,s:s,s:s,s:I}", "version", 1, "owner", h->email, "at", at,
		      "interval_seconds", (json_int_t)every);
	signed_add(h, o, SIGNED_HEARTBEAT);
	if (json_write_at(fd, HEARTBEAT_FILE, o, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/" HEARTBEAT_FILE "'", dir);
out:
	json_decref(o);
	fd_close(&fd);
	free(site);
	free(dir);
	return r;
}

/* "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h" */
static void add_duration(struct buf *b, double s)
{
	long long t = (long long)llround(fabs(s));
	if (t < 60)
		buf_addf(b, "%lld s", t);
	else if (t < 3600)
		buf_addf(b, "%lld min %lld s", t / 60, t % 60);
	else if (t < 86400)
		buf_addf(b, "%lld h %lld min", t / 3600, t % 3600 / 60);
	else
		buf_addf(b, "%lld d %lld h", t / 86400, t % 86400 / 3600);
}

/* The heartbeat's fields, or why it cannot be read (detail). */
static const char *read_beat(json_t *o, const char *owner, double *at, long long *every)
{
	json_t *iv = json_object_get(o, "interval_seconds");
	const char *who = json_string_value(json_object_get(o, "owner"));
	const char *when = json_string_value(json_object_get(o, "at"));
	if (!json_is_object(o))
		return "not a JSON object";
	if (!who || strcmp(who, owner))
		return "it names another owner";
	if (!when || time_parse_iso(when, at) < 0)
		return "its \"at\" is not an ISO-8601 time";
	if (!json_is_integer(iv) || json_integer_value(iv) < 5 || json_integer_value(iv) > 86400)
		return "its \"interval_seconds\" is not 5..86400";
	*every = (long long)json_integer_value(iv);
	return NULL;
}

/* The verdict on owner's heartbeat as synced here (owner: valid, lower). */
json_t *heartbeat_state(scq *h, const char *owner)
{
	struct buf p = BUF_INIT, err = BUF_INIT, d = BUF_INIT;
	json_t *o = NULL, *v = json_pack("{s:s}", "owner", owner), *sig = NULL;
	const char *bad, *state;
	double at = 0, age;
	long long every = 0;
	int fd;
	buf_addf(&p, "%s/%s/public/code-queue", h->datasites, owner);
	fd = open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !fs_exists(fd, HEARTBEAT_FILE)) {
		json_object_set_new(v, "state", json_string("never"));
		buf_addf(&d, "no heartbeat of %s's runner has reached this machine (%s): the "
			 "runner never ran, or nothing has synced yet", owner,
			 fd < 0 ? "it publishes no public/code-queue" : "no " HEARTBEAT_FILE);
		goto out;
	}
	o = json_load_file_at(fd, HEARTBEAT_FILE, HEARTBEAT_MAX, &err);
	bad = o ? read_beat(o, owner, &at, &every) : err.ptr;
	if (bad) {
		json_object_set_new(v, "state", json_string("unreadable"));
		buf_addf(&d, "%s/" HEARTBEAT_FILE ": ", p.ptr);
		buf_add_shown(&d, bad, strlen(bad), 0); /* the parser quotes the file */
		goto out;
	}
	sig = signed_check(h, o, SIGNED_HEARTBEAT, owner, NULL);
	age = time_now() - at;
	state = age < -FUTURE_SLACK ? "future" :
		age <= (double)(every * STALE_FACTOR) ? "alive" : "stale";
	json_object_set_new(v, "seen_at", json_string(json_string_value(json_object_get(o, "at"))));
	json_object_set_new(v, "age_seconds", json_integer((json_int_t)llround(age)));
	json_object_set_new(v, "interval_seconds", json_integer(every));
	json_object_set_new(v, "stale_after_seconds", json_integer(every * STALE_FACTOR));
	if (!strcmp(state, "future")) {
		buf_addf(&d, "%s's heartbeat is dated ", owner);
		add_duration(&d, age);
		buf_adds(&d, " in the future: the owner's clock or this machine's is wrong, so "
			 "how long ago its runner was seen cannot be told");
	} else {
		buf_addf(&d, "%s's runner was %sseen ", owner, *state == 'a' ? "" : "last ");
		add_duration(&d, age);
		buf_addf(&d, " ago (heartbeat every %lld s", every);
		if (*state == 's')
			buf_addf(&d, "; stale after %lld s: the runner is stopped, or its machine "
				 "or its sync is offline", every * STALE_FACTOR);
		buf_adds(&d, ")");
	}
	if (!strcmp(json_string_value(json_object_get(sig, "state")), "bad")) {
		state = "bad-signature"; /* whoever wrote it, it was not the owner's key */
		buf_setf(&d, "the heartbeat of %s does NOT carry the owner's signature: it says "
			 "nothing about its runner", owner);
	}
	json_object_set_new(v, "state", json_string(state));
out:
	json_object_set_new(v, "signature", sig ? sig : json_null());
	json_object_set_new(v, "detail", json_string(d.ptr));
	json_decref(o);
	fd_close(&fd);
	buf_release(&p);
	buf_release(&err);
	buf_release(&d);
	return v;
}

int scq_ping(scq *h, const char *owner, char **json_out)
{
	char *low;
	json_t *v;
	*json_out = NULL;
	if (!owner || !email_valid(owner))
		return scq_fail(h, SCQ_EINVAL, "'%s' is not an e-mail address", owner ? owner : "");
	low = ascii_lower(owner);
	v = heartbeat_state(h, low);
	*json_out = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(v);
	free(low);
	return 0;
}
