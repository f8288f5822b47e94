/*
 * audit.c - the owner's append-only, hash-chained audit log.
 *
 * Each line is a JSON object with seq, at, event, uid, actor, reason,
 * code_sha256, prev (the previous line's hash) and hash = SHA-256 of the
 * line's compact sorted-key JSON without "hash".  Editing, removing or
 * reordering any line breaks the chain, which scq_audit_verify reports
 * with the line number.  Appends hold an flock so concurrent scq
 * processes chain correctly; each append is fsynced.
 */
#include "compat.h"
#include <sys/file.h>
#include "alloc.h"
#include "fs.h"
#include "internal.h"
#include "banned.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

const char *scq_audit_path(scq *h)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/audit.jsonl", h->store ? h->store : "");
	return path;
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

int audit_append(scq *h, const char *event, const char *uid, const char *actor,
		 const char *reason, const char *digest)
{
	int sfd = store_open(h), fd, r = 0;
	long long seq;
	char prev[65], *line = NULL;
	if (sfd < 0)
		return sfd;
	if (h->batch) { /* chained at flush time, see audit_flush */
		json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:o}", "event", event, "uid", opt(uid),
			"actor", opt(actor), "reason", opt(reason), "code_sha256", opt(digest));
		char *s = json_compact(o);
		buf_adds(&h->audit_pending, s);
		buf_addc(&h->audit_pending, '\n');
		free(s);
		json_decref(o);
		return 0;
	}
	fd = openat(sfd, "audit.jsonl", O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return scq_fail_errno(h, "opening audit log '%s'", scq_audit_path(h));
	if (flock(fd, LOCK_EX) < 0 || last_entry(fd, &seq, prev) < 0) {
		r = scq_fail(h, SCQ_EIO, "audit log '%s' is damaged at its end; "
			     "run 'scq audit --verify'", scq_audit_path(h));
		goto out;
	}
	line = entry_line(seq + 1, prev, event, uid, actor, reason, digest);
	if (fs_append_sync(fd, line, strlen(line)) < 0)
		r = scq_fail_errno(h, "appending to audit log '%s'", scq_audit_path(h));
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

int scq_audit_verify(scq *h, unsigned long *entries)
{
	int sfd = store_open(h), r = 0;
	char prev[65] = GENESIS, *line = NULL;
	size_t cap = 0;
	unsigned long n = 0;
	FILE *f;
	if (sfd < 0)
		return sfd;
	int fd = openat(sfd, "audit.jsonl", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? (entries ? (void)(*entries = 0) : (void)0), 0 :
		       scq_fail_errno(h, "opening audit log '%s'", scq_audit_path(h));
	f = fdopen(fd, "r");
	while (r == 0 && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
		n++;
		r = o ? verify_line(h, o, n, prev) :
			scq_fail(h, SCQ_EINVAL, "audit log line %lu: not valid JSON", n);
		json_decref(o);
	}
	free(line);
	fclose(f);
	if (entries)
		*entries = n;
	return r;
}

static const char *str_or_null(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* Chain and append every deferred event with one write and one fsync. */
int audit_flush(scq *h)
{
	struct buf out = BUF_INIT;
	int sfd = store_open(h), fd, r = 0;
	long long seq;
	char prev[65], *p, *save = NULL;
	if (!h->audit_pending.len)
		return 0;
	if (sfd < 0)
		return sfd;
	fd = openat(sfd, "audit.jsonl", O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return scq_fail_errno(h, "opening audit log '%s'", scq_audit_path(h));
	if (flock(fd, LOCK_EX) < 0 || last_entry(fd, &seq, prev) < 0) {
		r = scq_fail(h, SCQ_EIO, "audit log '%s' is damaged at its end", scq_audit_path(h));
		goto out;
	}
	for (p = strtok_r(h->audit_pending.ptr, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
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
out:
	buf_reset(&h->audit_pending);
	buf_release(&out);
	close(fd);
	return r;
}
