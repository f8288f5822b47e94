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
 * log).  Verification, which also cross-checks the store against the log,
 * is audit-verify.c's.
 */
#include "base/compat.h"
#include <dirent.h>
#include <sys/file.h>
#include "base/alloc.h"
#include "store/commit.h"
#include "base/fs.h"
#include "store/handle.h"
#include "store/audit.h"
#include "base/banned.h"

const char *scq_audit_path(scq *h)
{
	/* the handle's own copy: two handles (two threads) never share it */
	if (!h->audit_path)
		h->audit_path = path_join(h->store ? h->store : "", "audit.jsonl");
	return h->audit_path;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void audit_entry_at(json_t *o, struct audit_entry *e)
{
	e->seq = (long long)json_integer_value(json_object_get(o, "seq"));
	e->at = str(o, "at");
	e->event = str(o, "event");
	e->uid = str(o, "uid");
	e->actor = str(o, "actor");
	e->reason = str(o, "reason");
	e->code_sha256 = str(o, "code_sha256");
	e->prev = str(o, "prev");
	e->hash = str(o, "hash");
}

/* Read the last line's seq and hash (GENESIS / 0 for an empty log). */
static int last_entry(int fd, long long *seq, char hash[65])
{
	char tail[1 << 17];
	off_t end = lseek(fd, 0, SEEK_END), start;
	ssize_t n;
	json_t *o;
	struct audit_entry e;
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
	audit_entry_at(o, &e);
	*seq = e.seq;
	snprintf(hash, 65, "%s", e.hash ? e.hash : GENESIS);
	json_decref(o);
	return 0;
}


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

/* The line of one entry; hash (may be NULL) gets its hash. */
static char *entry_line(long long seq, const char *prev, const char *event,
			const char *uid, const char *actor, const char *reason,
			const char *digest, char hash_out[65])
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
	if (hash_out)
		memcpy(hash_out, hash, sizeof(hash));
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
	line = entry_line(seq + 1, prev, event, uid, actor, reason, digest, NULL);
	if (fs_append_sync(fd, line, strlen(line)) < 0)
		r = scq_fail_errno(h, "appending to audit log '%s'", scq_audit_path(h));
	else if (last_entry(fd, &seq, prev) == 0)
		head_write(h, sfd, seq, prev);
out:
	free(line);
	close(fd); /* releases the lock */
	return r;
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
		struct audit_entry e;
		char *line;
		audit_entry_at(o, &e);
		/* the new line's hash is the next one's prev */
		line = entry_line(++seq, prev, e.event, e.uid, e.actor, e.reason, e.code_sha256,
				  prev);
		buf_adds(&out, line);
		free(line);
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
