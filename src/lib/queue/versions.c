/*
 * versions.c - a job's earlier versions (job.json "resubmit_of", set by
 * scq submit --revises) and the owner's diff against one of them: the
 * public scq_job_diff (scq.h holds its contract).
 *
 * The chain is walked in the owner's store only, a bounded number of
 * steps, and stops at a job of another requester (ingest refuses such a
 * link, but a store from before that check may hold one): the owner is
 * never shown another requester's code as "the earlier version".
 *
 * The text is for display: every byte that came from the submitter goes
 * through buf_add_shown (markers), so it is valid UTF-8 with no control
 * character but TAB and LF; a binary file is described, never shown.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "base/linediff.h"
#include "queue/manifest.h"
#include "queue/record.h"
#include "store/queue.h"
#include "base/banned.h"

#define VERSIONS_MAX 64                 /* steps walked back along a chain */
#define DIFF_FILE_MAX ((size_t)1 << 20) /* bytes a side of one file's diff */
#define DIFF_EDITS_MAX 1000             /* changed lines in one file's diff */
#define DIFF_TEXT_MAX ((size_t)8 << 20) /* the whole text */
#define DIFF_CONTEXT 3

/* One version of a job in my store: its folder, record and manifest. */
struct version {
	char *uid;
	int status, dir; /* dir: jobs/<status>/<uid> */
	struct job_record rec;
	json_t *files;
};

static void version_release(struct version *v)
{
	free(v->uid);
	fd_close(&v->dir);
	record_release(&v->rec);
	json_decref(v->files);
	memset(v, 0, sizeof(*v));
	v->dir = -1;
}

/* 0, or -1 when uid is not a readable job of my store. */
static int version_open(scq *h, const char *uid, struct version *v)
{
	struct buf err = BUF_INIT;
	json_t *m = NULL;
	int r = -1;
	memset(v, 0, sizeof(*v));
	v->dir = -1;
	v->status = scq_uid_valid(uid) ? queue_locate(h, uid) : -1;
	if (v->status >= 0)
		v->dir = queue_job_dir(h, v->status, uid);
	if (v->dir >= 0 && record_load_at(&v->rec, v->dir, "job.json", JOB_JSON_MAX, &err) == 0 &&
	    (m = json_load_file_at(v->dir, "manifest.json", JOB_JSON_MAX, &err)) &&
	    manifest_validate(json_object_get(m, "files"), &err) == 0) {
		v->files = json_incref(json_object_get(m, "files"));
		v->uid = xstrdup(uid);
		r = 0;
	}
	json_decref(m);
	buf_release(&err);
	if (r)
		version_release(v);
	return r;
}

/*
 * The version to compare with: along the chain, the nearest one the owner
 * approved (approved.json: it ran, or may run); else the nearest one that
 * was decided (no longer pending); else the one the job names.  *why says
 * which.  -1: none (not a revision, or its chain is not in my store).
 */
static int find_base(scq *h, const struct version *job, struct version *base,
		     const char **why)
{
	char *seen[VERSIONS_MAX], *next = NULL;
	const char *first = NULL, *decided = NULL, *approved = NULL, *pick;
	struct version v;
	size_t n = 0, i;
	int r, stop;
	if (job->rec.resubmit_of)
		next = xstrdup(job->rec.resubmit_of);
	while (next && !approved && n < VERSIONS_MAX && version_open(h, next, &v) == 0) {
		free(next);
		next = NULL;
		stop = !strcmp(v.uid, job->uid) || !v.rec.requester || !job->rec.requester ||
		       strcmp(v.rec.requester, job->rec.requester);
		for (i = 0; i < n; i++)
			stop |= !strcmp(seen[i], v.uid);
		if (!stop) {
			seen[n] = xstrdup(v.uid);
			if (!first)
				first = seen[n];
			if (fs_exists(v.dir, "approved.json"))
				approved = seen[n];
			else if (!decided && v.status != SCQ_PENDING)
				decided = seen[n];
			n++;
			if (v.rec.resubmit_of)
				next = xstrdup(v.rec.resubmit_of);
		}
		version_release(&v);
	}
	free(next);
	pick = approved ? approved : decided ? decided : first;
	*why = approved ? "the last version you approved" :
	       decided ? "the last version decided on" :
	       "the version it revises (none was decided on yet)";
	r = pick ? version_open(h, pick, base) : -1;
	for (i = 0; i < n; i++)
		free(seen[i]);
	return r;
}

/* A line of linediff's output, shown: the submitter's bytes with markers. */
static int add_line(void *arg, char kind, const char *s, size_t len)
{
	struct buf *t = arg;
	if (kind == '@' || kind == '\\')
		return buf_addf(t, "%s%.*s\n", kind == '\\' ? "\\ " : "", (int)len, s) < 0 ? -1 : 0;
	if (buf_addc(t, kind) < 0 || buf_add_shown(t, s, len, BUF_SHOW_MULTILINE) < 0 ||
	    buf_addc(t, '\n') < 0)
		return -1;
	return 0;
}

/* One file of a version (at most DIFF_FILE_MAX bytes), or -1. */
static int read_side(const struct version *v, const char *path, struct buf *b)
{
	int code = openat(v->dir, "code", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r;
	r = code >= 0 ? fs_read_file(code, path, DIFF_FILE_MAX, b) : -1;
	fd_close(&code);
	return r;
}

static int is_binary(const struct buf *b)
{
	return b->len && memchr(b->ptr, '\0', b->len) != NULL;
}

static void put_path(struct buf *t, const char *label, const char *path)
{
	buf_addf(t, "%s: ", label);
	buf_add_escaped(t, path, strlen(path));
}

/* The body of a changed or added file (old NULL: added): a unified diff,
 * or what stands in for one (binary, too large, too many changes). */
static int diff_body(const struct version *old, const struct version *new,
		     const struct manifest_entry *a, const struct manifest_entry *b,
		     struct buf *t)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int r = 0;
	if ((a && a->size > (long long)DIFF_FILE_MAX) || b->size > (long long)DIFF_FILE_MAX) {
		buf_addf(t, "  too large to diff here (%lld -> %lld bytes; at most %zu a side): "
			 "scq review %s --file '", a ? a->size : 0, b->size, DIFF_FILE_MAX,
			 new->uid);
		buf_add_escaped(t, b->path, strlen(b->path)); /* markers: never raw */
		buf_adds(t, "'\n");
		goto out;
	}
	if ((a && read_side(old, a->path, &x) < 0) || read_side(new, b->path, &y) < 0) {
		buf_addf(t, "  could not be read: %s\n", strerror(errno));
		goto out;
	}
	if (is_binary(&x) || is_binary(&y)) {
		buf_addf(t, "  binary file %s (%lld -> %lld bytes, sha256 %s -> %s)\n",
			 a ? "differs" : "added", a ? a->size : 0, b->size,
			 a ? a->sha256 : "-", b->sha256);
		goto out;
	}
	buf_adds(t, "--- ");
	if (a) {
		buf_add_escaped(t, a->path, strlen(a->path));
		buf_addf(t, "\t(job %.8s)\n", old->uid);
	} else {
		buf_adds(t, "/dev/null\n");
	}
	buf_adds(t, "+++ ");
	buf_add_escaped(t, b->path, strlen(b->path));
	buf_addf(t, "\t(job %.8s)\n", new->uid);
	r = linediff(x.ptr, x.len, y.ptr, y.len, DIFF_CONTEXT, DIFF_EDITS_MAX, add_line, t);
	if (r == LINEDIFF_TOO_BIG) {
		buf_addf(t, "  too many changes to show as a diff (over %d lines or %d changed): "
			 "scq review %.8s --full\n", LINEDIFF_MAX_LINES, DIFF_EDITS_MAX, new->uid);
		r = 0;
	}
out:
	buf_release(&x);
	buf_release(&y);
	return r;
}

struct tally {
	unsigned changed, same, added, removed;
};

/* One path of the union of both manifests (a or b NULL: only on one side). */
static int diff_entry(const struct version *old, const struct version *new, json_t *ea,
		      json_t *eb, struct buf *t, struct tally *n)
{
	struct manifest_entry a, b;
	if (ea)
		manifest_entry_at(ea, &a);
	if (eb)
		manifest_entry_at(eb, &b);
	if (!eb) {
		n->removed++;
		put_path(t, "removed", a.path);
		return buf_addf(t, " (%lld bytes)\n", a.size) < 0 ? -1 : 0;
	}
	if (ea && !strcmp(a.sha256, b.sha256) && !strcmp(a.mode, b.mode)) {
		n->same++;
		put_path(t, "unchanged", b.path);
		return buf_addc(t, '\n') < 0 ? -1 : 0;
	}
	if (ea) {
		n->changed++;
		put_path(t, "changed", b.path);
		if (strcmp(a.mode, b.mode))
			buf_addf(t, " (mode %s -> %s)", a.mode, b.mode);
	} else {
		n->added++;
		put_path(t, "added", b.path);
		buf_addf(t, " (%lld bytes, mode %s)", b.size, b.mode);
	}
	buf_addc(t, '\n');
	if (ea && !strcmp(a.sha256, b.sha256))
		return 0; /* only the mode */
	return diff_body(old, new, ea ? &a : NULL, &b, t);
}

/* Every path of both (manifests are sorted by path), one entry each. */
static int diff_versions(const struct version *old, const struct version *new, struct buf *t,
			 struct tally *n)
{
	size_t i = 0, j = 0, na = json_array_size(old->files), nb = json_array_size(new->files);
	int r = 0;
	while (r == 0 && (i < na || j < nb)) {
		json_t *ea = i < na ? json_array_get(old->files, i) : NULL;
		json_t *eb = j < nb ? json_array_get(new->files, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 :
			strcmp(json_string_value(json_object_get(ea, "path")),
			       json_string_value(json_object_get(eb, "path")));
		r = diff_entry(old, new, c <= 0 ? ea : NULL, c >= 0 ? eb : NULL, t, n);
		i += c <= 0;
		j += c >= 0;
	}
	return r;
}

int scq_job_diff(scq *h, const char *uid, char **text, char **base_uid)
{
	struct version job, base;
	struct buf t = BUF_INIT, body = BUF_INIT;
	struct tally n = { 0, 0, 0, 0 };
	const char *why = NULL;
	int r = 0, cut;
	*text = *base_uid = NULL;
	memset(&base, 0, sizeof(base));
	base.dir = -1;
	if (version_open(h, uid, &job) < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not in the queue of %s", uid,
				h->email);
	if (find_base(h, &job, &base, &why) < 0) {
		buf_addf(&t, "Job %s revises no earlier version in this queue: review it whole.\n",
			 uid);
		goto done;
	}
	buf_init(&body, DIFF_TEXT_MAX);
	/* a line past the cap fails, and so does every later one (a short
	 * label among them is dropped): near the cap, the text says it is cut */
	cut = diff_versions(&base, &job, &body, &n) < 0 || body.len > DIFF_TEXT_MAX - 65536;
	buf_addf(&t, "Changes against job %s (%s; %s):\n", base.uid, scq_status_name(base.status),
		 why);
	buf_addf(&t, "%u changed, %u added, %u removed, %u unchanged\n\n", n.changed, n.added,
		 n.removed, n.same);
	buf_add(&t, body.ptr, body.len);
	if (cut)
		buf_addf(&t, "... (the diff was cut at %zu bytes; the rest is not shown: "
			 "scq review %.8s --full)\n", DIFF_TEXT_MAX, uid);
	*base_uid = xstrdup(base.uid);
done:
	*text = buf_detach(&t, NULL);
	version_release(&job);
	version_release(&base);
	buf_release(&body);
	return r;
}
