/*
 * notify.c - telling notify_command of a job's transitions (see notify.h,
 * doc/protocol.md §14).
 *
 * The event is one JSON object on the hook's stdin, ASCII only (every
 * other character as \uXXXX: a bidi control in a job name arrives as
 * "\u202e", never as itself), with ids, the job's name, states, reasons,
 * times and the two emails: nothing of the code, the data, the log or the
 * outputs.  The name and the reasons are data: the hook escapes them for
 * wherever it puts them (a mail header, a chat message).
 *
 * Owner: every move of the store is noted by state.c (store/notify.h) and
 * told here once durable, after the caller let go of its locks.
 * Requester: its jobs' states live in the owners' outboxes, so its own
 * scq tells them when it sees them (notify_scan): notified.json in its
 * private store records the events told, per job, so each is told once
 * per store however many processes look; it is written (atomically)
 * under a lock before the hooks run, so a crash loses a notification,
 * never repeats one.
 */
#include "base/compat.h"
#include <sys/wait.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/notify.h"
#include "queue/record.h"
#include "store/audit.h"
#include "store/notify.h"
#include "store/queue.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/banned.h"

#define SEEN_FILE "notified.json"
#define SEEN_LOCK "notify.lock"

/* A hook that failed: the audit log and the caller's log say so.  label
 * is "<uid> <event>". */
static void failed(scq *h, const char *label, const char *why)
{
	const char *sp = strchr(label, ' ');
	char uid[40];
	struct buf msg = BUF_INIT;
	snprintf(uid, sizeof(uid), "%.*s", sp ? (int)(sp - label) : 0, label);
	buf_addf(&msg, "notify_command %s (event %s)", why, sp ? sp + 1 : label);
	scq_log(h, "job %s: %s; the queue goes on", uid, msg.ptr);
	audit_append(h, NULL, "notify-failed", scq_uid_valid(uid) ? uid : NULL, "scq", msg.ptr,
		     NULL);
	buf_release(&msg);
}

static void report(void *ctx, const char *label, int st, int timed_out)
{
	struct buf why = BUF_INIT;
	if (timed_out)
		buf_addf(&why, "ran past notify_timeout_seconds and was killed");
	else if (st == -1)
		buf_addf(&why, "could not be waited for");
	else if (WIFSIGNALED(st))
		buf_addf(&why, "was killed by signal %d", WTERMSIG(st));
	else if (WEXITSTATUS(st) != 0)
		buf_addf(&why, "exited with status %d", WEXITSTATUS(st));
	if (why.len)
		failed(ctx, label, why.ptr);
	buf_release(&why);
}

/* Start the hook for one event (taken): 0, or -1 (logged) when the
 * program could not be started. */
static int fire(scq *h, const char *cmd, json_t *ev)
{
	char *text = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_SORT_KEYS);
	struct buf label = BUF_INIT, why = BUF_INIT, in = BUF_INIT;
	buf_addf(&label, "%s %s", json_string_value(json_object_get(ev, "uid")),
		 json_string_value(json_object_get(ev, "event")));
	buf_addf(&in, "%s\n", text ? text : "{}");
	int r = spawn_start(&h->hooks, cmd, in.ptr, in.len,
			    (double)setting_int(h, SET_NOTIFY_TIMEOUT_SECONDS), label.ptr);
	if (r < 0) {
		buf_addf(&why, "'%s' could not be run: %s", cmd, strerror(errno));
		failed(h, label.ptr, why.ptr);
	}
	json_decref(ev);
	free(text);
	buf_release(&label);
	buf_release(&why);
	buf_release(&in);
	return r;
}

/* The event every hook gets: its fixed keys, null where unknown. */
static json_t *event_new(const char *audience, const char *event, const char *uid)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:b}",
			 "type", "scq-notify", "version", 1, "audience", audience,
			 "event", event, "uid", uid, "name", "owner", "requester", "from",
			 "status", "release_state", "reason", "error_kind", "at",
			 "results_held", 0);
}

static void set_str(json_t *ev, const char *key, const char *v)
{
	if (v)
		json_object_set_new(ev, key, json_text(v, strlen(v), NULL));
}

/* Copy key of src into ev when it is a string or a boolean. */
static void copy_key(json_t *ev, const char *key, json_t *src)
{
	json_t *v = json_object_get(src, key);
	if (json_is_string(v) || json_is_boolean(v))
		json_object_set(ev, key, v);
}

/* An owner's note (store/notify.h) as its event: the job's name and
 * emails from its store record, wherever the job is now. */
static json_t *owner_event(scq *h, json_t *note)
{
	const char *uid = json_string_value(json_object_get(note, "uid"));
	const char *to = json_string_value(json_object_get(note, "to"));
	const char *from = json_string_value(json_object_get(note, "from"));
	json_t *ev = event_new("owner", json_string_value(json_object_get(note, "event")), uid);
	struct job_record rec = RECORD_INIT;
	struct buf err = BUF_INIT;
	int st = queue_locate(h, uid), fd = st < 0 ? -1 : queue_job_dir(h, st, uid);
	if (fd >= 0 && record_load_at(&rec, fd, "job.json", JOB_JSON_MAX, &err) == 0) {
		set_str(ev, "name", rec.name);
		set_str(ev, "requester", rec.requester);
	}
	set_str(ev, "owner", h->email);
	copy_key(ev, "from", note);
	copy_key(ev, "at", note);
	copy_key(ev, "reason", note);
	copy_key(ev, "error_kind", note);
	copy_key(ev, "results_held", note);
	if (from && !strcmp(from, state_name(STATE_AWAITING_RELEASE))) {
		/* a release decision: the job keeps its outcome's folder */
		set_str(ev, "release_state", to);
		if (st >= 0)
			set_str(ev, "status", scq_status_name(st));
	} else {
		set_str(ev, "status", to);
		if (json_is_true(json_object_get(note, "results_held")))
			set_str(ev, "release_state", "awaiting_release");
	}
	fd_close(&fd);
	record_release(&rec);
	buf_release(&err);
	return ev;
}

/* Due events that will not be told: dropped, and the logs say how many
 * and why (never silently). */
static void drop_due(scq *h, const char *why_)
{
	size_t n = json_array_size(h->notify_due);
	struct buf why = BUF_INIT;
	json_decref(notify_take(h));
	if (!n)
		return;
	buf_addf(&why, "notify_command: %zu more event%s not told: %s", n, n == 1 ? "" : "s", why_);
	scq_log(h, "%s", why.ptr);
	audit_append(h, NULL, "notify-failed", NULL, "scq", why.ptr, NULL);
	buf_release(&why);
}

/* Start the hooks of the first due events while fewer than
 * NOTIFY_MAX_RUNNING run; the rest stay due, in order.  A due event is an
 * owner's note (store/notify.h, told as owner_event) or a requester's
 * event made whole by notify_scan (it has its "type"). */
static void start_some(scq *h, const char *cmd)
{
	json_t *due = h->notify_due, *rest, *e;
	size_t i, n = json_array_size(due);
	int r = 0;
	for (i = 0; r == 0 && i < n && h->hooks.n < NOTIFY_MAX_RUNNING; i++) {
		e = json_array_get(due, i);
		r = fire(h, cmd, json_object_get(e, "type") ? json_incref(e) : owner_event(h, e));
	}
	if (i == 0)
		return;
	rest = json_array();
	for (; i < n; i++)
		json_array_append(rest, json_array_get(due, i));
	json_decref(due);
	h->notify_due = rest;
	if (r) /* missing or not executable: the rest would fail alike */
		drop_due(h, "the hook could not be run");
}

/*
 * Tell the due events and reap.  wait 0 (the runner): start what may
 * start, reap what ended, return.  wait 1: until every event was told and
 * every hook reaped, but the events not started within twice
 * notify_timeout_seconds are dropped (logged): a flood of jobs and a slow
 * hook cannot hold a command for long.  The caller's message (of the call
 * that made the moves) survives what a failed hook logs.
 */
static void tell(scq *h, int wait)
{
	char *cmd, *keep;
	double until;
	if (!json_array_size(h->notify_due) && !h->hooks.n)
		return;
	cmd = setting_path(h, SET_NOTIFY_COMMAND);
	keep = xstrdup(h->err.ptr);
	until = time_mono() + 2.0 * (double)setting_int(h, SET_NOTIFY_TIMEOUT_SECONDS);
	if (!*cmd) /* turned off since (a long-lived handle re-read it) */
		json_decref(notify_take(h));
	for (;;) {
		start_some(h, cmd);
		if (!wait) {
			spawn_reap(&h->hooks, SPAWN_NOWAIT, report, h);
			break;
		}
		if (json_array_size(h->notify_due) && time_mono() >= until)
			drop_due(h, "the hook runs too slowly for so many (notify_timeout_seconds)");
		if (!json_array_size(h->notify_due)) {
			spawn_reap(&h->hooks, 0, report, h);
			break;
		}
		spawn_reap(&h->hooks, NOTIFY_MAX_RUNNING - 1, report, h); /* a free place */
	}
	buf_setf(&h->err, "%s", keep);
	free(cmd);
	free(keep);
}

void notify_start(scq *h)
{
	tell(h, 0);
}

void notify_flush(scq *h)
{
	tell(h, 1);
}

size_t notify_running(scq *h)
{
	return h->hooks.n + json_array_size(h->notify_due);
}

/* ---- the requester's side ------------------------------------------- */

struct scan {
	scq *h;
	json_t *seen;    /* uid -> " event event ... ", as recorded */
	json_t *now;     /* the same for the jobs listed now */
	json_t *tell;    /* events to tell */
	const char *since; /* first look: events before it are history */
};

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* What a published status says happened, in order: {event, at}. */
static void events_of(json_t *o, int status, json_t *out)
{
	const char *rs = str_of(o, "release_state"), *started = str_of(o, "started_at");
	static const char *const decisions[][2] = { { "released", "release" },
		{ "partly_released", "release-partial" }, { "withheld", "withhold" },
		{ "returned", "return" } };
	size_t i;
#define EV(e, t) json_array_append_new(out, json_pack("{s:s,s:s?}", "event", e, "at", t))
	if (str_of(o, "approved_at"))
		EV("approve", str_of(o, "approved_at"));
	if (status == SCQ_REJECTED)
		EV("reject", str_of(o, "completed_at"));
	else if (status == SCQ_TIMEDOUT)
		EV("expire", str_of(o, "completed_at"));
	else if (status == SCQ_CANCELLED && !started)
		EV("cancel", str_of(o, "completed_at"));
	if (started)
		EV("start", started);
	if (started && (status == SCQ_COMPLETED || status == SCQ_FAILED || status == SCQ_CANCELLED))
		EV("finish", str_of(o, "completed_at"));
	for (i = 0; rs && i < SCQ_NELEM(decisions); i++)
		if (!strcmp(rs, decisions[i][0]))
			EV(decisions[i][1], str_of(json_object_get(o, "release_decision"), "at"));
#undef EV
}

/* One event of a published status: the status it led to, and only the
 * fields that belong to it (a start has no reason; a finish its error). */
static json_t *requester_event(scq *h, const scq_job *j, json_t *o, json_t *e)
{
	const char *what = str_of(e, "event"), *rs = str_of(o, "release_state");
	const char *status = scq_status_name(scq_job_status(j));
	json_t *ev = event_new("requester", what, scq_job_uid(j));
	int decision = !strcmp(what, "approve") || !strcmp(what, "reject") ||
		       !strcmp(what, "expire") || !strcmp(what, "cancel");
	int finish = !strcmp(what, "finish");
	set_str(ev, "name", scq_job_name(j));
	set_str(ev, "owner", scq_job_target(j));
	set_str(ev, "requester", h->email);
	set_str(ev, "status", !strcmp(what, "approve") ? "approved" :
		!strcmp(what, "start") ? "running" : status);
	copy_key(ev, "at", e);
	if (decision)
		copy_key(ev, "reason", o);
	if (decision || finish)
		copy_key(ev, "error_kind", o);
	if (finish && rs) { /* the run's results went to the owner's review */
		set_str(ev, "release_state", "awaiting_release");
		json_object_set_new(ev, "results_held", json_true());
	}
	if (!decision && !finish && strcmp(what, "start")) { /* a release decision */
		set_str(ev, "release_state", rs);
		copy_key(ev, "reason", json_object_get(o, "release_decision"));
	}
	return ev;
}

static int scan_job(const scq_job *j, void *ctx)
{
	struct scan *s = ctx;
	json_t *o = job_obj(j), *evs = json_array(), *e;
	const char *uid = scq_job_uid(j), *had = str_of(s->seen, uid);
	const char *sig = str_of(json_object_get(o, "status_signature"), "state");
	struct buf now = BUF_INIT, w = BUF_INIT;
	size_t i;
	buf_adds(&now, had ? had : " ");
	/* a status its owner did not sign (changed, or its signature removed
	 * on the way) is not the owner's word: nothing of it is told, nor
	 * recorded, so the owner's own status tells it when it comes */
	if (!sig || strcmp(sig, "bad"))
		events_of(o, scq_job_status(j), evs);
	json_array_foreach(evs, i, e) {
		const char *at = str_of(e, "at");
		buf_setf(&w, " %s ", str_of(e, "event"));
		if (strstr(now.ptr, w.ptr))
			continue; /* told before */
		buf_adds(&now, w.ptr + 1);
		/* the first look records history without telling it */
		if (!s->since || !at || strcmp(at, s->since) >= 0)
			json_array_append_new(s->tell, requester_event(s->h, j, o, e));
	}
	json_object_set_new(s->now, uid, json_stringn(now.ptr, now.len));
	json_decref(evs);
	buf_release(&now);
	buf_release(&w);
	return 0;
}

/* The time notify_command was set, as near as the store knows: the last
 * change of config.json (a first look tells only what came after). */
static void config_time(scq *h, char out[ISO_LEN])
{
	struct stat st;
	out[0] = '\0';
	if (fstatat(h->store_fd, "config.json", &st, 0) == 0)
		time_format_iso((double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9, out);
}

/* List my jobs against the record; write the record before telling. */
static int scan_locked(scq *h, struct scan *s)
{
	struct buf err = BUF_INIT;
	char since[ISO_LEN];
	json_t *rec = NULL;
	int r;
	if (fs_exists(h->store_fd, SEEN_FILE)) {
		rec = json_load_file_at(h->store_fd, SEEN_FILE, NOTIFY_SEEN_MAX, &err);
		if (!rec)
			scq_log(h, "notify: '%s' cannot be read (%s): starting it again", SEEN_FILE,
				err.ptr);
	}
	s->seen = json_object_get(rec, "seen");
	if (!rec || !json_is_object(s->seen)) {
		config_time(h, since);
		s->since = since;
	}
	r = scq_list_each(h, SCQ_AS_REQUESTER, -1, scan_job, s);
	if (r == 0 && s->seen && json_equal(s->seen, s->now))
		goto out; /* nothing new: no write */
	json_decref(rec);
	rec = json_pack("{s:i,s:O}", "version", 1, "seen", s->now);
	if (r == 0 && json_write_at(h->store_fd, SEEN_FILE, rec, 0) < 0)
		r = scq_fail_errno(h, "writing '%s'", SEEN_FILE);
out:
	json_decref(rec);
	buf_release(&err);
	return r;
}

int notify_scan(scq *h)
{
	struct scan s = { h, NULL, json_object(), json_array(), NULL };
	char *cmd = setting_path(h, SET_NOTIFY_COMMAND);
	int lock = -1, r = 0; /* stays 0: a look that fails tells later */
	if (!*cmd)
		goto out; /* off: not even a look */
	lock = store_open(h) < 0 ? -1 :
	       openat(h->store_fd, SEEN_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || fs_flock(lock, LOCK_EX) < 0) { /* told at the next look */
		scq_log(h, "notify: locking '%s': %s", SEEN_LOCK, strerror(errno));
		goto out;
	}
	r = scan_locked(h, &s);
	fd_close(&lock); /* told after the record is written and unlocked */
	if (r) { /* nothing told: the next look tells it; the view goes on */
		scq_log(h, "notify: %s", h->err.ptr);
		r = 0;
		goto out;
	}
	if (!h->notify_due)
		h->notify_due = json_array();
	json_array_extend(h->notify_due, s.tell);
	notify_flush(h);
out:
	fd_close(&lock);
	json_decref(s.now);
	json_decref(s.tell);
	free(cmd);
	return r;
}
