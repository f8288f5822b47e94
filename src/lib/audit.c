/*
 * audit.c - the owner's append-only, hash-chained audit log.
 *
 * Each line is a JSON object with seq, at, event, uid, actor, reason,
 * code_sha256, prev (the previous line's hash) and hash = SHA-256 of the
 * line's compact sorted-key JSON without "hash".  Editing, removing or
 * reordering any line breaks the chain, which scq_audit_verify reports
 * with the line number.  Appends hold an flock so concurrent scq
 * processes chain correctly; each append is fsynced.
 *
 * A chain alone cannot show that its last lines were cut, nor that it was
 * rewritten and re-chained from some line on.  So every append also
 * anchors the head, {seq, hash, at} of the last entry, in two places apart
 * from the log: audit.head.json in the store, and audit-head.json in the
 * owner's app folder, which SyftBox uploads (a copy off this machine).
 * Verify requires the log's line at each head's seq to carry that hash;
 * lines after a head are allowed only because a crash can fall between
 * the log's fsync and the head's rename (the head never runs ahead of the
 * log).  Verify also cross-checks the store: every job folder's state
 * must be explained by an event for its uid (audit_store_check).
 */
#include "compat.h"
#include <dirent.h>
#include <sys/file.h>
#include "alloc.h"
#include "commit.h"
#include "fs.h"
#include "internal.h"
#include "queue.h"
#include "state.h"
#include "audit.h"
#include "banned.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

const char *scq_audit_path(scq *h)
{
	/* the handle's own copy: two handles (two threads) never share it */
	if (!h->audit_path)
		h->audit_path = path_join(h->store ? h->store : "", "audit.jsonl");
	return h->audit_path;
}

/* Read the last line's seq and hash (GENESIS / 0 for an empty log). */
static int last_entry(int fd, long long *seq, char hash[65])
{
	char tail[1 << 17];
	off_t end = lseek(fd, 0, SEEK_END), start;
	ssize_t n;
	json_t *o;
	char *nl, *line;
	snprintf(hash, 65, "%s", GENESIS);
	*seq = 0;
	if (end <= 0)
		return 0;
	start = end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1 : 0;
	n = pread(fd, tail, (size_t)(end - start), start);
	if (n <= 0)
		return -1;
	tail[n] = '\0';
	while (n > 0 && tail[n - 1] == '\n')
		tail[--n] = '\0';
	nl = strrchr(tail, '\n');
	line = nl ? nl + 1 : tail;
	o = json_loads(line, 0, NULL);
	if (!o)
		return -1; /* a torn or edited last line: refuse to extend it */
	*seq = json_integer_value(json_object_get(o, "seq"));
	snprintf(hash, 65, "%s", json_string_value(json_object_get(o, "hash")) ?
		 json_string_value(json_object_get(o, "hash")) : GENESIS);
	json_decref(o);
	return 0;
}

#define HEAD_STORE "audit.head.json"
#define HEAD_PUBLISHED "audit-head.json"

/* Anchor the head after a durable append (the lock on the log is held).
 * A failure here is not reported: the entry is in the log, and the next
 * append anchors again; verify accepts a log ahead of its head. */
static void head_write(scq *h, int sfd, long long seq, const char *hash)
{
	char at[ISO_LEN], *app = app_dir_of(h, h->email);
	json_t *o;
	int afd;
	time_now_iso(at);
	o = json_pack("{s:I,s:s,s:s}", "seq", (json_int_t)seq, "hash", hash, "at", at);
	if (!o)
		goto out;
	json_write_at(sfd, HEAD_STORE, o, 0);
	afd = open(app, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (afd >= 0) {
		json_write_at(afd, HEAD_PUBLISHED, o, 0);
		close(afd);
	}
out:
	json_decref(o);
	free(app);
}

/* uid, actor and reason may carry inbox names (quarantine): json_name */
static json_t *opt(const char *v)
{
	return v ? json_name(v) : json_null();
}

static void set_opt(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, opt(v));
}

static char *entry_line(long long seq, const char *prev, const char *event,
			const char *uid, const char *actor, const char *reason,
			const char *digest)
{
	json_t *o = json_object();
	char at[ISO_LEN], hash[65], *s;
	struct buf line = BUF_INIT;
	time_now_iso(at);
	json_object_set_new(o, "seq", json_integer(seq));
	json_object_set_new(o, "at", json_string(at));
	json_object_set_new(o, "event", json_string(event));
	set_opt(o, "uid", uid);
	set_opt(o, "actor", actor);
	set_opt(o, "reason", reason);
	set_opt(o, "code_sha256", digest);
	json_object_set_new(o, "prev", json_string(prev));
	s = json_compact(o);
	sha256_hex(s, strlen(s), hash);
	free(s);
	json_object_set_new(o, "hash", json_string(hash));
	s = json_compact(o);
	buf_adds(&line, s);
	buf_addc(&line, '\n');
	free(s);
	json_decref(o);
	return buf_detach(&line, NULL);
}

int audit_append(scq *h, struct commit *c, const char *event, const char *uid,
		 const char *actor, const char *reason, const char *digest)
{
	int sfd = store_open(h), fd, r = 0;
	long long seq;
	char prev[65], *line = NULL;
	if (sfd < 0)
		return sfd;
	if (c) { /* chained at commit_end, see audit_flush */
		json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:o}", "event", event, "uid", opt(uid),
			"actor", opt(actor), "reason", opt(reason), "code_sha256", opt(digest));
		char *s = json_compact(o);
		buf_adds(&c->audit, s);
		buf_addc(&c->audit, '\n');
		free(s);
		json_decref(o);
		return 0;
	}
	fd = openat(sfd, "audit.jsonl", O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return scq_fail_errno(h, "opening audit log '%s'", scq_audit_path(h));
	if (fs_flock(fd, LOCK_EX) < 0 || last_entry(fd, &seq, prev) < 0) {
		r = scq_fail(h, SCQ_EIO, "audit log '%s' is damaged at its end; "
			     "run 'scq audit --verify'", scq_audit_path(h));
		goto out;
	}
	line = entry_line(seq + 1, prev, event, uid, actor, reason, digest);
	if (fs_append_sync(fd, line, strlen(line)) < 0)
		r = scq_fail_errno(h, "appending to audit log '%s'", scq_audit_path(h));
	else if (last_entry(fd, &seq, prev) == 0)
		head_write(h, sfd, seq, prev);
out:
	free(line);
	close(fd); /* releases the lock */
	return r;
}

static int verify_line(scq *h, json_t *o, unsigned long n, char prev[65])
{
	json_t *copy;
	const char *hash = json_string_value(json_object_get(o, "hash"));
	const char *p = json_string_value(json_object_get(o, "prev"));
	char want[65], *s;
	if (!hash || !p || strcmp(p, prev) ||
	    json_integer_value(json_object_get(o, "seq")) != (json_int_t)n)
		return scq_fail(h, SCQ_EINVAL, "audit log line %lu: chain broken "
				"(previous entry removed, reordered or edited)", n);
	copy = json_deep_copy(o);
	json_object_del(copy, "hash");
	s = json_compact(copy);
	sha256_hex(s, strlen(s), want);
	free(s);
	json_decref(copy);
	if (strcmp(want, hash))
		return scq_fail(h, SCQ_EINVAL, "audit log line %lu: content edited "
				"(hash mismatch)", n);
	snprintf(prev, 65, "%s", hash);
	return 0;
}

/* ---- verification ------------------------------------------------------ */

/* The events that can put a job in `status`, as " a b c ": those of the
 * moves into it (state.c's table), "ingest-recovered" for a pending job
 * whose ingest finished after a crash (ingest.c), and for any state
 * "republish" and "recovered", which stands in, visibly, for an event lost
 * in a crash between a rename and its append (doc/protocol.md, Known gap
 * 1), or for a folder placed by hand. */
static void state_events(int status, struct buf *out)
{
	size_t n, i;
	const struct state_row *t = state_table(&n);
	struct buf w = BUF_INIT;
	buf_setf(out, " ");
	for (i = 0; i < n; i++) {
		buf_setf(&w, " %s ", t[i].event);
		if (t[i].to == status && strcmp(t[i].event, "republish") && !strstr(out->ptr, w.ptr))
			buf_addf(out, "%s ", t[i].event);
	}
	buf_addf(out, "%srepublish recovered ", status == SCQ_PENDING ? "ingest-recovered " : "");
	buf_release(&w);
}

struct verify {
	scq *h;
	json_t *seen;              /* uid -> " event event ... " */
	struct head {
		const char *file;
		long long seq;
		char hash[65], at_seq[65]; /* at_seq: the log's hash at seq */
	} heads[2];
};

static void note_event(struct verify *v, json_t *o)
{
	const char *uid = json_string_value(json_object_get(o, "uid"));
	const char *ev = json_string_value(json_object_get(o, "event"));
	const char *had;
	struct buf b = BUF_INIT;
	if (!uid || !ev || !scq_uid_valid(uid))
		return;
	had = json_string_value(json_object_get(v->seen, uid));
	buf_addf(&b, "%s%s ", had ? had : " ", ev);
	json_object_set_new(v->seen, uid, json_stringn(b.ptr, b.len));
	buf_release(&b);
}

static int load_head(struct verify *v, int dirfd, const char *file, struct head *hd)
{
	struct buf err = BUF_INIT;
	json_t *o = json_load_file_at(dirfd, file, SMALL_JSON_MAX, &err);
	const char *hash = json_string_value(json_object_get(o, "hash"));
	int r = 0;
	hd->file = file;
	hd->seq = -1;
	if (!o && errno != ENOENT)
		r = scq_fail(v->h, SCQ_EINVAL, "audit head '%s': %s", file, err.ptr);
	else if (o && (!hash || strlen(hash) != 64 ||
		       json_integer_value(json_object_get(o, "seq")) < 1))
		r = scq_fail(v->h, SCQ_EINVAL, "audit head '%s': field 'seq' or 'hash' invalid", file);
	else if (o) {
		hd->seq = json_integer_value(json_object_get(o, "seq"));
		snprintf(hd->hash, sizeof(hd->hash), "%s", hash);
	}
	json_decref(o);
	buf_release(&err);
	return r;
}

static int check_heads(struct verify *v, unsigned long n)
{
	size_t i;
	if (n && v->heads[0].seq < 0)
		return scq_fail(v->h, SCQ_EINVAL, "audit head '%s' is missing: the end of "
				"the log cannot be checked for cut entries", HEAD_STORE);
	for (i = 0; i < 2; i++) {
		struct head *hd = &v->heads[i];
		if (hd->seq < 0)
			continue;
		if ((unsigned long)hd->seq > n)
			return scq_fail(v->h, SCQ_EINVAL, "audit log ends at entry %lu but its "
					"head '%s' names entry %lld: the last %lld entries were cut",
					n, hd->file, hd->seq, hd->seq - (long long)n);
		if (strcmp(hd->at_seq, hd->hash))
			return scq_fail(v->h, SCQ_EINVAL, "audit log entry %lld differs from its "
					"head '%s': the log was rewritten from that entry or "
					"before", hd->seq, hd->file);
	}
	return 0;
}

int audit_explains(json_t *events, const char *uid, int status)
{
	const char *had = json_string_value(json_object_get(events, uid)), *p;
	struct buf want = BUF_INIT;
	int found = 0;
	state_events(status, &want);
	p = want.ptr;
	while (had && !found && (p = strchr(p, ' ')) && p[1]) {
		const char *q = strchr(p + 1, ' ');
		struct buf w = BUF_INIT;
		buf_add(&w, p, (size_t)(q - p) + 1);
		found = strstr(had, w.ptr) != NULL;
		buf_release(&w);
		p = q;
	}
	buf_release(&want);
	return found;
}

/* Every job folder in the store must be explained by an audit event. */
static int check_store(struct verify *v)
{
	int s, r = 0;
	for (s = 0; s < SCQ_STATUS_COUNT && r == 0; s++) {
		int fd = store_state_peek(v->h, s); /* verifying writes nothing */
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;
		while (d && r == 0 && (e = readdir(d)))
			if (scq_uid_valid(e->d_name) && !audit_explains(v->seen, e->d_name, s)) {
				struct buf want = BUF_INIT;
				state_events(s, &want);
				r = scq_fail(v->h, SCQ_EINVAL, "audit log has no event for job '%s', "
					     "which is %s in the store (expected one of:%s)",
					     e->d_name, scq_status_name(s), want.ptr);
				buf_release(&want);
			}
		if (d)
			closedir(d);
		else
			fd_close(&fd);
	}
	return r;
}

static int read_log(struct verify *v, FILE *f, unsigned long *count)
{
	char prev[65] = GENESIS, *line = NULL;
	size_t cap = 0, i;
	unsigned long n = 0;
	int r = 0;
	while (r == 0 && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		n++;
		r = o ? verify_line(v->h, o, n, prev) :
			scq_fail(v->h, SCQ_EINVAL, "audit log line %lu: not valid JSON", n);
		if (r == 0) {
			note_event(v, o);
			for (i = 0; i < 2; i++)
				if (v->heads[i].seq == (long long)n)
					snprintf(v->heads[i].at_seq, 65, "%s", prev);
		}
		json_decref(o);
	}
	free(line);
	*count = n;
	return r;
}

/* Read and verify the chain of the log into v (no log: 0 entries). */
static int load_log(struct verify *v, int sfd, unsigned long *n)
{
	FILE *f = NULL;
	int fd = openat(sfd, "audit.jsonl", O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;
	*n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 :
			scq_fail_errno(v->h, "opening audit log '%s'", scq_audit_path(v->h));
	if (!(f = fdopen(fd, "r"))) {
		close(fd);
		return scq_fail_errno(v->h, "reading audit log '%s'", scq_audit_path(v->h));
	}
	r = read_log(v, f, n);
	fclose(f);
	return r;
}

json_t *audit_events_by_uid(scq *h)
{
	struct verify v = { h, json_object(), { { 0 }, { 0 } } };
	unsigned long n;
	int sfd = store_peek(h);
	v.heads[0].seq = v.heads[1].seq = -1;
	if (sfd < 0 || load_log(&v, sfd, &n) < 0) {
		json_decref(v.seen);
		return NULL;
	}
	return v.seen;
}

int scq_audit_verify(scq *h, unsigned long *entries)
{
	struct verify v = { h, json_object(), { { 0 }, { 0 } } };
	int sfd = store_peek(h), afd = -1, r; /* verifying creates no store */
	unsigned long n = 0;
	char *app = app_dir_of(h, h->email);
	if (sfd < 0 && sfd != SCQ_ENOTFOUND) {
		r = sfd;
		goto out;
	}
	afd = open(app, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	v.heads[0].seq = -1; /* no store: an empty log, checked against the published head */
	r = sfd >= 0 ? load_head(&v, sfd, HEAD_STORE, &v.heads[0]) : 0;
	if (r == 0)
		r = afd >= 0 ? load_head(&v, afd, HEAD_PUBLISHED, &v.heads[1]) :
			(v.heads[1].seq = -1, 0);
	if (r == 0 && sfd >= 0)
		r = load_log(&v, sfd, &n);
	if (r == 0)
		r = check_heads(&v, n);
	if (r == 0 && sfd >= 0)
		r = check_store(&v);
out:
	fd_close(&afd);
	if (entries)
		*entries = n;
	json_decref(v.seen);
	free(app);
	return r;
}

static const char *str_or_null(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Chain and append every deferred event with one write and one fsync. */
int audit_flush(scq *h, struct buf *pending)
{
	struct buf out = BUF_INIT;
	int sfd = store_open(h), fd, r = 0;
	long long seq;
	char prev[65], *p, *save = NULL;
	if (!pending->len)
		return 0;
	if (sfd < 0)
		return sfd;
	fd = openat(sfd, "audit.jsonl", O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return scq_fail_errno(h, "opening audit log '%s'", scq_audit_path(h));
	if (fs_flock(fd, LOCK_EX) < 0 || last_entry(fd, &seq, prev) < 0) {
		r = scq_fail(h, SCQ_EIO, "audit log '%s' is damaged at its end", scq_audit_path(h));
		goto out;
	}
	for (p = strtok_r(pending->ptr, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(p, 0, NULL);
		char *line = entry_line(++seq, prev, str_or_null(o, "event"), str_or_null(o, "uid"),
			str_or_null(o, "actor"), str_or_null(o, "reason"), str_or_null(o, "code_sha256"));
		json_t *l = json_loads(line, 0, NULL);
		snprintf(prev, sizeof(prev), "%s", str_or_null(l, "hash"));
		buf_adds(&out, line);
		free(line);
		json_decref(l);
		json_decref(o);
	}
	if (fs_append_sync(fd, out.ptr, out.len) < 0)
		r = scq_fail_errno(h, "appending to audit log '%s'", scq_audit_path(h));
	else
		head_write(h, sfd, seq, prev);
out:
	buf_reset(pending);
	buf_release(&out);
	close(fd);
	return r;
}
