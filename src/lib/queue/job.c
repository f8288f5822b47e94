/*
 * job.c - assemble the public view of a job, the job-list container, and
 * where a job's folder is for me (job_folder_of).
 *
 * The status is the directory the job sits in; record files are read only
 * when they fit that status (a decision written just before a crash that
 * prevented its rename is thereby ignored, see doc/protocol.md §5).
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "queue/job.h"
#include "store/queue.h"
#include "queue/record.h"
#include "queue/run-record.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/fs.h"
#include "base/banned.h"

const char *decision_file(int status)
{
	switch (status) {
	case SCQ_APPROVED: return "approved.json";
	case SCQ_REJECTED: return "rejected.json";
	case SCQ_CANCELLED: return "cancelled.json";
	case SCQ_TIMEDOUT: return "timedout.json";
	default: return NULL;
	}
}

static json_t *load_opt(int fd, const char *name)
{
	struct buf err = BUF_INIT;
	json_t *o = fs_exists(fd, name) ? json_load_file_at(fd, name, SMALL_JSON_MAX, &err) : NULL;
	buf_release(&err);
	return o;
}

static void copy_field(json_t *dst, const char *dkey, json_t *src, const char *skey)
{
	json_t *v = src ? json_object_get(src, skey) : NULL;
	if (v)
		json_object_set(dst, dkey, v);
}

static const char *later(const char *a, const char *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return strcmp(a, b) >= 0 ? a : b;
}

static void add_decision(json_t *o, json_t *d, int status)
{
	if (!d)
		return;
	copy_field(o, "reason", d, "reason");
	if (status == SCQ_REJECTED || status == SCQ_TIMEDOUT || status == SCQ_CANCELLED)
		copy_field(o, "error_message", d, "reason");
	if (status == SCQ_REJECTED || status == SCQ_TIMEDOUT || status == SCQ_CANCELLED) {
		copy_field(o, "completed_at", d, "at");
		copy_field(o, "decided_by", d, "by");
	}
	if (status == SCQ_TIMEDOUT)
		json_object_set_new(o, "error_kind", json_string("approval_timeout"));
	if (status == SCQ_CANCELLED)
		json_object_set_new(o, "error_kind", json_string("cancelled"));
}

static void put(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
}

static void add_result(json_t *o, const struct run_record *res)
{
	put(o, "completed_at", run_record_get(res, RUN_COMPLETED_AT));
	put(o, "exit_code", run_record_get(res, RUN_EXIT_CODE));
	put(o, "error_kind", run_record_get(res, RUN_ERROR_KIND));
	put(o, "error_message", run_record_get(res, RUN_ERROR_MESSAGE));
	json_object_set_new(o, "run", run_record_to_json(res));
}

/* A failed publication (publish-error.json) is the job's visible error
 * until republished: error_kind "publish_error", the run's own error
 * kind stays in run.error_kind. */
static void add_publish_error(json_t *o, json_t *perr)
{
	struct decision d = DECISION_INIT; /* {at, by, reason} (outbox.c) */
	if (!perr)
		return;
	decision_from_json(&d, perr);
	json_object_set_new(o, "error_kind", json_string("publish_error"));
	json_object_set_new(o, "error_message", d.reason ? json_string(d.reason) : json_null());
	json_object_set_new(o, "results_incomplete", json_true());
	decision_release(&d);
}

static void set_updated(json_t *o)
{
	const char *keys[] = { "created_at", "approved_at", "started_at", "completed_at" };
	const char *u = NULL;
	size_t i;
	for (i = 0; i < SCQ_NELEM(keys); i++)
		u = later(u, json_string_value(json_object_get(o, keys[i])));
	json_object_set_new(o, "updated_at", u ? json_string(u) : json_null());
}

static json_t *base_object(json_t *rec, int status)
{
	json_t *o = json_object();
	const char *keys[] = { "uid", "name", "description", "tags", "requester_email",
		"target_email", "created_at", "submitted_at", "timeout_seconds", "code_sha256",
		"resubmit_of", "rerun_of", "runtime" };
	size_t i;
	for (i = 0; i < SCQ_NELEM(keys); i++)
		copy_field(o, keys[i], rec, keys[i]);
	json_object_set_new(o, "status", json_string(scq_status_name(status)));
	json_object_set_new(o, "results_held", json_false());
	json_object_set_new(o, "release_state", json_null());
	for (i = 0; i < 6; i++) {
		const char *nul[] = { "started_at", "completed_at", "exit_code",
			"error_message", "error_kind", "reason" };
		json_object_set_new(o, nul[i], json_null());
	}
	return o;
}

/*
 * Results of a run wait for the owner's `scq release` (doc/protocol.md §6):
 * the run record says the release mode in force when the job finished
 * (runner), and released.json ends the wait (run_results_held).
 */
static int results_held(scq *h, int fd, int status, const struct run_record *res)
{
	return run_results_held(h, res, status, res && fs_exists(fd, "released.json"));
}

/*
 * The release axis of a run (state.h): awaiting_release while held, then
 * what the owner decided (released.json, its decision the event of its
 * row).  The decision is shown whole, to both sides: which files were
 * released and which withheld, with the reasons (doc/protocol.md §6).
 */
static void add_release(json_t *o, int fd, int held, int reviewed)
{
	json_t *d;
	const char *dec;
	int st;
	if (held) {
		json_object_set_new(o, "release_state",
				    json_string(state_name(STATE_AWAITING_RELEASE)));
		return;
	}
	if (!reviewed || !fs_exists(fd, "released.json"))
		return;
	d = load_opt(fd, "released.json");
	dec = json_string_value(json_object_get(d, "decision"));
	st = d ? state_decided(dec) : -1;
	if (st < 0) { /* unreadable, or no decision we know: fail closed */
		json_decref(d);
		d = json_pack("{s:s,s:{s:b,s:s},s:[]}", "decision", "unknown", "log", "released",
			      0, "reason", "the owner's decision record cannot be read",
			      "files");
	} else if (!dec)
		json_object_set_new(d, "decision", json_string("release"));
	json_object_set_new(o, "release_state", st < 0 ? json_string("unknown") :
			    json_string(state_name(st)));
	json_object_set_new(o, "release_decision", d);
}

json_t *job_public_json(scq *h, int fd, int status, json_t *rec)
{
	json_t *o = base_object(rec, status), *appr = NULL, *run = NULL, *dec = NULL;
	struct run_record res = RUN_RECORD_INIT;
	int have_res = 0, ran = status == SCQ_RUNNING || status == SCQ_COMPLETED || status == SCQ_FAILED;
	if (decision_file(status) && status != SCQ_APPROVED)
		dec = load_opt(fd, decision_file(status));
	if (status == SCQ_CANCELLED) {
		/* only a job cancelled after approval has a valid approval record;
		 * a stale approved.json from an approve that lost the race is not */
		struct decision d = DECISION_INIT;
		const char *from;
		decision_from_json(&d, dec);
		from = d.from;
		if (!from) /* cancelled while running: the runner wrote result.json */
			from = fs_exists(fd, "result.json") ? "running" : "pending";
		ran = !strcmp(from, "running");
		if (ran || !strcmp(from, "approved"))
			appr = load_opt(fd, "approved.json");
		decision_release(&d);
	}
	if (ran || status == SCQ_APPROVED)
		appr = appr ? appr : load_opt(fd, "approved.json");
	if (ran)
		run = load_opt(fd, "running.json");
	if (status == SCQ_COMPLETED || status == SCQ_FAILED || (status == SCQ_CANCELLED && run))
		have_res = run_record_load(&res, fd, SMALL_JSON_MAX);
	copy_field(o, "approved_at", appr, "at");
	copy_field(o, "approved_by", appr, "by");
	copy_field(o, "allow_network", appr, "allow_network");
	if (appr)
		copy_field(o, "reason", appr, "reason");
	copy_field(o, "started_at", run, "started_at");
	if (have_res)
		add_result(o, &res);
	if (results_held(h, fd, status, have_res ? &res : NULL))
		json_object_set_new(o, "results_held", json_true());
	if (have_res) /* a run under review: held, or released.json says */
		add_release(o, fd, json_is_true(json_object_get(o, "results_held")),
			    run_results_held(h, &res, status, 0));
	add_decision(o, dec, status);
	if (status >= SCQ_COMPLETED) {
		json_t *perr = load_opt(fd, PUBLISH_ERROR_FILE);
		add_publish_error(o, perr);
		json_decref(perr);
	}
	set_updated(o);
	json_decref(appr);
	json_decref(run);
	run_record_release(&res);
	json_decref(dec);
	return o;
}

void job_add_slurm(json_t *o, int fd)
{
	struct buf err = BUF_INIT;
	json_t *rec = json_load_file_at(fd, "slurm.json", SMALL_JSON_MAX, &err);
	json_int_t id = json_integer_value(json_object_get(rec, "job_id"));
	const char *node = json_string_value(json_object_get(rec, "node"));
	if (id > 0)
		json_object_set_new(o, "slurm_job_id", json_integer(id));
	if (id > 0 && node && *node && strlen(node) < 256)
		json_object_set_new(o, "slurm_node", json_string(node));
	json_decref(rec);
	buf_release(&err);
}

json_t *job_release_view(scq *h, int fd, int status, const struct run_record *res)
{
	json_t *o = json_object();
	int held = results_held(h, fd, status, res);
	if (held)
		json_object_set_new(o, "results_held", json_true());
	if (res)
		add_release(o, fd, held, run_results_held(h, res, status, 0));
	return o;
}

json_t *job_released_only(json_t *pub)
{
	json_t *d = json_object_get(pub, "release_decision"), *files = json_object_get(d, "files");
	const char *dec = json_string_value(json_object_get(d, "decision"));
	json_t *only, *e;
	size_t i;
	/* not decided (release auto), or an older full release: everything;
	 * any other decision without its list sends nothing (fail closed) */
	if (!d || (!json_is_array(files) && dec && !strcmp(dec, "release")))
		return NULL;
	only = json_object();
	json_array_foreach(files, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		if (p && json_is_true(json_object_get(e, "released")))
			json_object_set_new(only, p, json_true());
	}
	return only;
}

int job_results_held(scq *h, int jobfd, int status, const struct run_record *res)
{
	return results_held(h, jobfd, status, res);
}

scq_job *job_from_json(json_t *obj)
{
	scq_job *j = xcalloc(1, sizeof(*j));
	const char *s = json_string_value(json_object_get(obj, "status"));
	j->obj = obj;
	j->status = s ? scq_status_parse(s) : -1;
	if (obj && !json_object_get(obj, "results_held")) /* a record or an older publication */
		json_object_set_new(obj, "results_held", json_false());
	return j;
}

json_t *job_obj(const scq_job *j)
{
	scq_job *m = (scq_job *)j; /* a cache, not a change of the job */
	if (!m->obj && m->raw)
		m->obj = json_loads(m->raw, 0, NULL);
	if (!m->obj)
		m->obj = json_object();
	return m->obj;
}

scq_job *job_from_raw(char *raw)
{
	scq_job *j = xcalloc(1, sizeof(*j));
	j->raw = raw;
	j->status = SCQ_PENDING;
	return j;
}

scq_job *job_load_store(scq *h, int jobfd, int status, struct buf *err)
{
	json_t *rec = json_load_file_at(jobfd, "job.json", SMALL_JSON_MAX, err);
	scq_job *j;
	if (!rec)
		return NULL;
	j = job_from_json(job_public_json(h, jobfd, status, rec));
	json_decref(rec);
	return j;
}

/* One string field of the job's object: every typed accessor reads here. */
static const char *field(const scq_job *j, const char *key)
{
	return json_string_value(json_object_get(job_obj(j), key));
}

const char *scq_job_uid(const scq_job *j)
{
	return field(j, "uid");
}

const char *scq_job_name(const scq_job *j)
{
	return field(j, "name");
}

const char *scq_job_requester(const scq_job *j)
{
	return field(j, "requester_email");
}

const char *scq_job_target(const scq_job *j)
{
	return field(j, "target_email");
}

const char *scq_job_resubmit_of(const scq_job *j)
{
	return field(j, "resubmit_of");
}

const char *scq_job_rerun_of(const scq_job *j)
{
	return field(j, "rerun_of");
}

const char *scq_job_created_at(const scq_job *j)
{
	return field(j, "created_at");
}

const char *scq_job_description(const scq_job *j)
{
	return field(j, "description");
}

const char *scq_job_error_kind(const scq_job *j)
{
	return field(j, "error_kind");
}

const char *scq_job_error_message(const scq_job *j)
{
	return field(j, "error_message");
}

int scq_job_exit_code(const scq_job *j, int *code)
{
	json_t *v = json_object_get(job_obj(j), "exit_code");
	if (!json_is_integer(v))
		return 0;
	if (code)
		*code = (int)json_integer_value(v);
	return 1;
}

size_t scq_job_tag_count(const scq_job *j)
{
	return json_array_size(json_object_get(job_obj(j), "tags"));
}

const char *scq_job_tag(const scq_job *j, size_t i)
{
	return json_string_value(json_array_get(json_object_get(job_obj(j), "tags"), i));
}

const scq_value *scq_job_value(const scq_job *j)
{
	return (const scq_value *)job_obj(j);
}

int scq_job_status(const scq_job *j)
{
	return j->status;
}

/* Fields of the run record a held job's published status may keep: the
 * fixed state, timestamps and counts.  Everything the job chose (file
 * names and exclusion paths, error text, exit code or signal, which carry
 * bits of data) waits for the release with the log and outputs. */
static const char *const held_run_keys[] = {
	"started_at", "completed_at", "error_kind", "release", "limits_applied",
	"log_truncated",
};
/* byte counts and durations are left out too: each carries many bits the
 * job chose (a held job's status is a channel only as wide as needed) */
static const char *const held_output_keys[] = {
	"files", "excluded_count", "limit_reached",
};

static json_t *keep_keys(json_t *src, const char *const *keys, size_t n)
{
	json_t *o = json_object();
	size_t i;
	for (i = 0; i < n; i++)
		if (json_object_get(src, keys[i]))
			json_object_set(o, keys[i], json_object_get(src, keys[i]));
	return o;
}

/* The run's text goes with its log: kept only where the log is released. */
static void redact_run(json_t *o)
{
	json_t *run = json_object_get(o, "run"), *kept;
	if (json_is_object(run)) {
		kept = keep_keys(run, held_run_keys, SCQ_NELEM(held_run_keys));
		json_object_set_new(kept, "output", keep_keys(json_object_get(run, "output"),
				held_output_keys, SCQ_NELEM(held_output_keys)));
		json_object_set_new(o, "run", kept);
	}
	json_object_set_new(o, "exit_code", json_null());
	json_object_set_new(o, "error_message", json_null());
	json_object_del(o, "log");
	json_object_del(o, "output_error");
}

void job_redact_held(json_t *o)
{
	if (!json_is_true(json_object_get(o, "results_held")))
		return;
	redact_run(o);
	json_object_del(o, "output_files");
}

int job_log_withheld(json_t *o)
{
	json_t *d = json_object_get(o, "release_decision"), *log = json_object_get(d, "log");
	const char *dec = json_string_value(json_object_get(d, "decision"));
	if (!d)
		return 0;
	if (json_is_object(log))
		return !json_is_true(json_object_get(log, "released"));
	/* no log entry: only an older full release sends it */
	return !dec || strcmp(dec, "release");
}

void job_redact_withheld(json_t *o)
{
	if (job_log_withheld(o))
		redact_run(o);
}

int scq_job_results_held(const scq_job *j)
{
	/* only finished runs are held: a pending job (often a pre-rendered
	 * raw one, which this must not parse) never is */
	if (j->status < SCQ_COMPLETED)
		return 0;
	return json_is_true(json_object_get(job_obj(j), "results_held"));
}

const char *scq_job_release_state(const scq_job *j)
{
	if (j->status < SCQ_COMPLETED)
		return NULL;
	/* an older publication says only results_held */
	if (scq_job_results_held(j))
		return "awaiting_release";
	return json_string_value(json_object_get(job_obj(j), "release_state"));
}

const char *scq_job_signature(const scq_job *j)
{
	return json_string_value(json_object_get(json_object_get(job_obj(j), "status_signature"),
						 "state"));
}

char *scq_job_to_json(const scq_job *j)
{
	/* key order is the fixed order the object was built in */
	if (j->raw && !j->obj)
		return xstrdup(j->raw);
	return json_dumps(job_obj(j), JSON_COMPACT);
}

void scq_job_free(scq_job *j)
{
	if (!j)
		return;
	json_decref(j->obj);
	free(j->raw);
	free(j);
}

scq_job_list *job_list_new(void)
{
	return xcalloc(1, sizeof(scq_job_list));
}

void job_list_add(scq_job_list *l, scq_job *j)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 16;
		l->v = xrealloc(l->v, xmul(l->alloc, sizeof(*l->v)));
	}
	l->v[l->n++] = j;
}

static int newest_first(const void *a, const void *b)
{
	const scq_job *x = *(scq_job *const *)a, *y = *(scq_job *const *)b;
	const char *cx = scq_job_created_at(x), *cy = scq_job_created_at(y);
	int c = strcmp(cy ? cy : "", cx ? cx : "");
	return c ? c : strcmp(scq_job_uid(x), scq_job_uid(y));
}

void job_list_sort_newest(scq_job_list *l)
{
	if (l->n > 1)
		xqsort(l->v, l->n, sizeof(*l->v), newest_first);
}

size_t scq_job_list_count(const scq_job_list *l)
{
	return l ? l->n : 0;
}

const scq_job *scq_job_list_at(const scq_job_list *l, size_t i)
{
	return i < l->n ? l->v[i] : NULL;
}

char *scq_job_list_to_json(const scq_job_list *l)
{
	json_t *a = json_array();
	char *s;
	size_t i;
	for (i = 0; l && i < l->n; i++)
		json_array_append(a, job_obj(l->v[i]));
	s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(a);
	return s;
}

void scq_job_list_free(scq_job_list *l)
{
	size_t i;
	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		scq_job_free(l->v[i]);
	free(l->v);
	free(l);
}

int job_mark_deadline(int pending_dir, const char *uid, double deadline)
{
	struct timespec ts[2];
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)deadline;
	ts[1].tv_nsec = DEADLINE_MARK_NSEC;
	return utimensat(pending_dir, uid, ts, AT_SYMLINK_NOFOLLOW);
}

/* outbox/<me>/<uid> at whichever owner has it (p is consumed). */
static char *find_in_outboxes(scq *h, const char *uid, struct buf *p)
{
	DIR *sites = opendir(h->datasites);
	struct dirent *s;
	char *found = NULL;
	while (sites && !found && (s = readdir(sites))) {
		char *app;
		struct stat st;
		if (!email_valid(s->d_name))
			continue;
		app = app_dir_of(h, s->d_name);
		buf_setf(p, "%s/outbox/%s/%s", app, h->email, uid);
		if (lstat(p->ptr, &st) == 0 && S_ISDIR(st.st_mode))
			found = buf_detach(p, NULL);
		free(app);
	}
	if (sites)
		closedir(sites);
	buf_release(p);
	return found;
}

char *job_folder_of(scq *h, const char *uid, int *owner_view)
{
	struct buf p = BUF_INIT, err = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	int st = scq_uid_valid(uid) ? queue_locate(h, uid) : -1, fd, found = 0;
	*owner_view = st >= 0;
	if (st >= 0) {
		buf_addf(&p, "%s/jobs/%s/%s", h->store, scq_status_name(st), uid);
		return buf_detach(&p, NULL);
	}
	fd = store_subdir_peek(h, "submitted");
	buf_addf(&p, "%s.json", uid);
	if (fd >= 0 && scq_uid_valid(uid))
		found = record_load_at(&rec, fd, p.ptr, SMALL_JSON_MAX, &err) == 0;
	fd_close(&fd);
	buf_reset(&p);
	if (found) {
		char *app = app_dir_of(h, rec.target);
		buf_addf(&p, "%s/outbox/%s/%s", app, h->email, uid);
		free(app);
	}
	record_release(&rec);
	buf_release(&err);
	if (!found && scq_uid_valid(uid)) /* no local record: look in the owners' outboxes */
		return find_in_outboxes(h, uid, &p);
	return found ? buf_detach(&p, NULL) : (buf_release(&p), NULL);
}

int submitted_by_me(scq *h, const char *uid)
{
	struct buf name = BUF_INIT;
	int base = store_peek(h), r; /* a read: creates nothing; one lookup (ingest asks per job) */
	buf_addf(&name, "submitted/%s.json", uid);
	r = base >= 0 && fs_exists(base, name.ptr);
	buf_release(&name);
	return r;
}

int job_tombstone(scq *h, const char *uid, const char *requester)
{
	struct buf name = BUF_INIT;
	char now[ISO_LEN];
	int fd = store_subdir(h, "removed"), r = 0;
	json_t *o;
	if (fd < 0)
		return fd;
	time_now_iso(now);
	buf_addf(&name, "%s.json", uid);
	o = json_pack("{s:s,s:s?,s:s}", "uid", uid, "requester_email", requester, "removed_at", now);
	if (json_write_at(fd, name.ptr, o, 0) < 0)
		r = scq_fail_errno(h, "writing '%s/removed/%s'", h->store, name.ptr);
	json_decref(o);
	buf_release(&name);
	close(fd);
	return r;
}

int job_removed(scq *h, const char *uid)
{
	struct buf name = BUF_INIT;
	int base = store_peek(h), r;
	buf_addf(&name, "removed/%s.json", uid);
	r = base >= 0 && fs_exists(base, name.ptr);
	buf_release(&name);
	return r;
}
