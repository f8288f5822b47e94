/*
 * results.c - reading what a job produced: its log and its outputs.
 *
 * The owner reads the private store.  The requester reads what the owner
 * published to outbox/<requester>/<uid>/, which SyftBox may have synced
 * only in part.  Rule (doc/protocol.md §9): before results are called
 * complete, every file is checked against the published description
 * (status.json: "log" {file, size, sha256} and "output_files" [{path,
 * size, sha256}]).  A missing, short or different file is SCQ_EINCOMPLETE
 * with a count ("2 of 3 output files have synced; try again"), never a
 * silent partial result.  A status.json that cannot be read (too large,
 * not JSON) is reported with its path, never replaced by an older state.
 * Copies into a folder are resumable: a file already there with the
 * published content is kept, one that differs is refused.
 */
#include "base/compat.h"
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "store/queue.h"
#include "queue/signed.h"
#include "base/banned.h"

struct view {
	char *dir;   /* the job's folder as I see it (store or outbox) */
	int owner;   /* dir is the owner's store folder */
	json_t *pub; /* the job's public object (store) or published status */
	/* its fields, read once (read_pub); strings NULL when absent or not
	 * strings, the JSON values NULL when absent */
	const char *status, *error_kind, *error_message;
	const char *logs;     /* an older publisher's inline log */
	const char *removed_at; /* the owner's clean-up removed the results */
	int ran, held, incomplete;
	json_t *log;          /* {file, size, sha256} of the published log */
	const char *log_file, *log_sha256;
	long long log_size;
	json_t *output_files; /* the published output list (a manifest) */
};

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void read_pub(struct view *v)
{
	json_t *run = json_object_get(v->pub, "run");
	v->status = str(v->pub, "status");
	v->error_kind = str(v->pub, "error_kind");
	v->error_message = str(v->pub, "error_message");
	v->logs = str(v->pub, "logs");
	v->removed_at = str(v->pub, "results_removed_at");
	v->ran = run && !json_is_null(run);
	v->held = json_is_true(json_object_get(v->pub, "results_held"));
	v->incomplete = json_is_true(json_object_get(v->pub, "results_incomplete"));
	v->log = json_object_get(v->pub, "log");
	v->log_file = str(v->log, "file");
	v->log_sha256 = str(v->log, "sha256");
	v->log_size = (long long)json_integer_value(json_object_get(v->log, "size"));
	v->output_files = json_object_get(v->pub, "output_files");
}

static void view_release(struct view *v)
{
	free(v->dir);
	json_decref(v->pub);
}

/* The status describes the log and outputs by their SHA-256: if its owner's
 * signature does not verify, neither can they (protocol.md §6, "Signed
 * status").  The owner is the datasite whose outbox holds it, never what
 * the file says.  Unsigned (an owner from before signed statuses) passes. */
static int signature_ok(scq *h, const char *uid, const struct view *v)
{
	size_t n = strlen(h->datasites);
	const char *site = v->dir + n + 1, *end = strchr(site, '/');
	char *owner;
	json_t *sig;
	int r = 0;
	if (strncmp(v->dir, h->datasites, n) || v->dir[n] != '/' || !end)
		return 0; /* not under the datasites: not a published status */
	owner = xstrndup(site, (size_t)(end - site));
	sig = signed_check(h, v->pub, SIGNED_STATUS, owner, NULL);
	if (!strcmp(json_string_value(json_object_get(sig, "state")), "bad"))
		r = scq_fail(h, SCQ_EIO, "job '%s': BAD SIGNATURE on the status.json %s published: "
			     "%s; its log and outputs are not shown (scq show %s)", uid, owner,
			     json_string_value(json_object_get(sig, "detail")), uid);
	json_decref(sig);
	free(owner);
	return r;
}

static int load_view(scq *h, const char *uid, struct view *v)
{
	struct buf err = BUF_INIT;
	struct stat sb;
	char *p;
	int r = 0;
	memset(v, 0, sizeof(*v));
	if (!(v->dir = job_folder_of(h, uid, &v->owner)))
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	if (v->owner) {
		int st = queue_locate(h, uid), fd = st >= 0 ? queue_job_dir(h, st, uid) : -1;
		scq_job *j = fd >= 0 ? job_load_store(h, fd, st, &err) : NULL;
		if (j) {
			v->pub = json_incref(j->obj);
			read_pub(v);
		} else
			r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
		scq_job_free(j);
		fd_close(&fd);
		buf_release(&err);
		return r;
	}
	p = path_join(v->dir, "status.json");
	v->pub = json_load_file_at(AT_FDCWD, p, SMALL_JSON_MAX, &err);
	/* a signed status moved from another job's folder still verifies:
	 * what it names must be this folder's job, of mine */
	if (v->pub && (!str(v->pub, "uid") || strcmp(str(v->pub, "uid"), uid) ||
		       !str(v->pub, "requester_email") ||
		       strcmp(str(v->pub, "requester_email"), h->email)))
		r = scq_fail(h, SCQ_EIO, "job '%s': the status.json in '%s' names another job "
			     "or requester; its log and outputs are not this job's", uid, v->dir);
	if (v->pub && (r || (r = signature_ok(h, uid, v)) < 0)) {
		free(p);
		buf_release(&err);
		return r;
	}
	read_pub(v);
	if (!v->pub && fstatat(AT_FDCWD, p, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' has not been published by its owner yet "
			     "(nothing has synced)", uid);
	else if (!v->pub)
		r = scq_fail(h, SCQ_EIO, "job '%s': cannot read '%s': %s", uid, p, err.ptr);
	free(p);
	buf_release(&err);
	return r;
}

/* Why a job has no log or outputs: what is true of each state that never ran. */
static const char *const never_ran[SCQ_STATUS_COUNT] = {
	[SCQ_PENDING] = "is pending (waiting for the data owner's approval); it has not run",
	[SCQ_APPROVED] = "is approved and waits for the runner; it has not run yet",
	[SCQ_REJECTED] = "was rejected and never ran",
	[SCQ_TIMEDOUT] = "expired waiting for approval and never ran",
	[SCQ_CANCELLED] = "was cancelled before it ran",
};

/* The owner's decision withheld the log: say so, with its reason (the
 * owner's text, shown with markers as every library message is). */
static int log_withheld(scq *h, const char *uid, const struct view *v)
{
	json_t *d = json_object_get(v->pub, "release_decision");
	const char *reason = str(json_object_get(d, "log"), "reason");
	struct buf shown = BUF_INIT;
	int r;
	buf_add_shown(&shown, reason ? reason : "", reason ? strlen(reason) : 0, 0);
	r = scq_fail(h, SCQ_ENOTFOUND, "the log of job '%s' was withheld by the data owner: %s",
		     uid, shown.ptr);
	buf_release(&shown);
	return r;
}

/* Fail with why a job has no log or outputs to show (messages say what is true). */
static int no_results(scq *h, const char *uid, const struct view *v, const char *what)
{
	const char *s = v->status;
	int st = s ? scq_status_parse(s) : -1, ran = v->ran;
	if (v->held)
		return scq_fail(h, SCQ_ENOTFOUND, "the %s of job '%s' is held by the data owner "
				"for review; it is sent once the owner releases it", what, uid);
	if (!strcmp(what, "log") && job_log_withheld(v->pub))
		return log_withheld(h, uid, v);
	if (v->removed_at)
		return scq_fail(h, SCQ_ENOTFOUND, "the %s of job '%s' was removed by the data "
				"owner's clean-up at %s; the job stays %s", what, uid, v->removed_at,
				s ? s : "?");
	if (v->incomplete)
		return scq_fail(h, SCQ_EINCOMPLETE, "the %s of job '%s' could not be published "
				"by its owner (%s); the owner can run `scq republish`", what, uid,
				v->error_message ? v->error_message : "");
	if (v->error_kind && !strcmp(v->error_kind, "collect_error"))
		return scq_fail(h, SCQ_EINCOMPLETE, "the outputs of job '%s' could not be "
				"collected by its owner (disk full?); the owner can run `scq "
				"republish` once space is free", uid);
	if (st == SCQ_RUNNING)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is still running; its %s is "
				"published when it ends", uid, what);
	if (st >= 0 && never_ran[st] && (st != SCQ_CANCELLED || !ran))
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' %s, so it has no %s", uid,
				never_ran[st], what);
	return scq_fail(h, SCQ_ENOTFOUND, "job '%s' (%s) has no %s", uid, s ? s : "?", what);
}

/* Hash the open file fd; 0 when size and SHA-256 are the expected ones,
 * 1 when it differs, -1 on a read error. */
static int matches(int fd, json_int_t size, const char *sha)
{
	crypto_hash_sha256_state hs;
	char hex[65];
	struct stat st;
	uint64_t n = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	if (st.st_size != size || !sha)
		return 1;
	crypto_hash_sha256_init(&hs);
	if (fs_copy_fd(fd, -1, (uint64_t)size, sha256_chunk, &hs, &n) < 0) /* read only */
		return errno == EFBIG ? 1 : -1; /* EFBIG: grew while read */
	sha256_chunk_hex(&hs, hex);
	return n == (uint64_t)size && !strcmp(hex, sha) ? 0 : 1;
}

/* The requester's log: execution.txt checked against status.log. */
static int read_published_log(scq *h, const char *uid, struct view *v, struct buf *log)
{
	const char *file = v->log_file, *sha = v->log_sha256;
	long long size = v->log_size;
	int fd, m;
	if (!v->log && v->logs) /* an older publisher */
		return buf_adds(log, v->logs);
	if (!v->log)
		return no_results(h, uid, v, "log");
	if (!file || strcmp(file, JOB_LOG_FILE) || !sha || size < 0)
		return scq_fail(h, SCQ_EIO, "job '%s': status.json: bad \"log\" description", uid);
	fd = openat(AT_FDCWD, v->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m = fd < 0 ? -1 : fs_read_file(fd, file, (size_t)size, log);
	fd_close(&fd);
	if (m < 0 && errno != ENOENT && errno != EFBIG)
		return scq_fail_errno(h, "job '%s': reading %s", uid, file);
	if (m == 0) {
		char hex[65];
		sha256_hex(log->ptr, log->len, hex);
		if (log->len == (size_t)size && !strcmp(hex, sha))
			return 0;
	}
	return scq_fail(h, SCQ_EINCOMPLETE, "the log of job '%s' has not fully synced yet "
			"(%s: %zu of %lld bytes, or different content); try again", uid, file,
			m == 0 ? log->len : (size_t)0, (long long)size);
}

int scq_job_logs(scq *h, const char *uid, char **text, size_t *len)
{
	struct view v;
	struct buf log = BUF_INIT;
	int r = load_view(h, uid, &v);
	if (!r && v.owner) {
		char *p = path_join(v.dir, "execution.log");
		if (fs_read_file(AT_FDCWD, p, (size_t)1 << 34, &log) < 0)
			r = errno == ENOENT ? no_results(h, uid, &v, "log") :
			    scq_fail_errno(h, "job '%s': reading '%s'", uid, p);
		free(p);
	} else if (!r) {
		r = read_published_log(h, uid, &v, &log);
	}
	if (!r)
		*text = buf_detach(&log, len);
	buf_release(&log);
	view_release(&v);
	return r;
}

struct check {
	size_t total, ok;
	struct buf first; /* the first file that is not there yet */
};

/* Count the published files present in root with their published size
 * and digest.  An empty file counts as present even when absent: SyftBox
 * never syncs empty files. */
static void check_files(int root, json_t *files, struct check *c)
{
	size_t i;
	json_t *e;
	json_array_foreach(files, i, e) {
		struct manifest_entry me;
		int fd;
		manifest_entry_at(e, &me);
		fd = root >= 0 ? fs_open_beneath(root, me.path, O_RDONLY | O_NONBLOCK) : -1;
		c->total++;
		if ((fd >= 0 && matches(fd, me.size, me.sha256) == 0) ||
		    (fd < 0 && me.size == 0 && errno == ENOENT))
			c->ok++;
		else if (!c->first.len)
			buf_adds(&c->first, me.path);
		fd_close(&fd);
	}
}

/* The published output list, validated (the paths are used below). */
static int published_files(scq *h, const char *uid, struct view *v, json_t **files)
{
	struct buf err = BUF_INIT;
	int r = 0;
	*files = v->output_files;
	if (!*files)
		return no_results(h, uid, v, "output");
	if (manifest_validate(*files, &err) < 0)
		r = scq_fail(h, SCQ_EIO, "job '%s': status.json: output_files: %s", uid, err.ptr);
	buf_release(&err);
	return r;
}

static int incomplete(scq *h, const char *uid, struct check *c, const char *copied_to)
{
	return scq_fail(h, SCQ_EINCOMPLETE, "job '%s': %zu of %zu output files have synced%s%s "
			"(first missing or different: '%s'); try again", uid, c->ok, c->total,
			copied_to ? "; those were copied to " : "", copied_to ? copied_to : "",
			c->first.ptr);
}

int scq_job_output_dir(scq *h, const char *uid, char **path)
{
	struct view v;
	struct check c = { 0, 0, BUF_INIT };
	json_t *files = NULL;
	int r = load_view(h, uid, &v), root = -1;
	*path = NULL;
	if (!r)
		*path = path_join(v.dir, "output");
	if (!r && v.owner && access(*path, F_OK) < 0)
		r = no_results(h, uid, &v, "output");
	if (!r && !v.owner && !(r = published_files(h, uid, &v, &files))) {
		root = open(*path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		check_files(root, files, &c);
		if (c.ok < c.total)
			r = incomplete(h, uid, &c, NULL);
	}
	if (r) {
		free(*path);
		*path = NULL;
	}
	fd_close(&root);
	buf_release(&c.first);
	view_release(&v);
	return r;
}

/* Copy one published file into dst unless it is there already; 1 if it
 * is not (yet) available as published, <0 on a local error. */
static int copy_one(scq *h, int src, int dst, const struct manifest_entry *me, const char *dir)
{
	const char *path = me->path, *sha = me->sha256, *base;
	long long size = me->size;
	int pd = manifest_open_parent(dst, path, 1, &base), have, fd, r = 1;
	crypto_hash_sha256_state hs;
	char hex[65];
	struct fs_copy c;
	memset(&c, 0, sizeof(c));
	c.max = (uint64_t)size;
	/* the copy never replaces (a no-replace rename) */
	c.flags = FS_COPY_BENEATH | FS_COPY_EXACT | FS_DEFER_SYNC |
		(me->exec ? FS_EXEC : 0);
	c.fn = sha256_chunk;
	c.ctx = &hs;
	if (pd < 0)
		return scq_fail_errno(h, "copying outputs to '%s': folder of '%s'", dir, path);
	have = openat(pd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (have >= 0) { /* a copy made earlier: keep it if it is the published one */
		r = matches(have, size, sha) == 0 ? 0 :
		    scq_fail(h, SCQ_EPERM, "'%s/%s' already exists and differs from the "
			     "published file; not overwritten", dir, path);
		goto out;
	}
	/* one read: the copy is hashed as it is written, and kept only if it
	 * is the published file */
	crypto_hash_sha256_init(&hs);
	if (src >= 0 && fs_copy_file(src, path, pd, base, &c) == 0) {
		sha256_chunk_hex(&hs, hex);
		if (c.copied != (uint64_t)size || !sha || strcmp(hex, sha))
			r = (unlinkat(pd, base, 0), 1); /* changed while copied: next time */
		else
			r = 0;
	} else if ((src < 0 || (c.fail == FS_FAIL_OPEN && errno == ENOENT)) && size == 0) {
		/* empty files never sync */
		fd = openat(pd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    (c.flags & FS_EXEC) ? 0755 : 0644);
		r = fd < 0 ? scq_fail_errno(h, "copying output '%s' to '%s'", path, dir) : 0;
		fd_close(&fd);
	} else if (c.fail == FS_FAIL_READ || c.fail == FS_FAIL_WRITE) {
		r = scq_fail_errno(h, "copying output '%s' to '%s'", path, dir);
	} /* else not synced yet (missing, not a plain file, short or long) */
out:
	fd_close(&have);
	fd_close(&pd);
	return r;
}

static int copy_published(scq *h, const char *uid, struct view *v, const char *dir)
{
	struct check c = { 0, 0, BUF_INIT };
	json_t *files, *e;
	char *src = path_join(v->dir, "output");
	int r = published_files(h, uid, v, &files), s = -1, d = -1, one;
	size_t i;
	if (!r && (fs_mkdir_p(dir, 0755) < 0 ||
		   (d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0))
		r = scq_fail_errno(h, "copying outputs to '%s'", dir);
	if (!r)
		s = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	json_array_foreach(r ? NULL : files, i, e) {
		struct manifest_entry me;
		manifest_entry_at(e, &me);
		c.total++;
		if ((one = copy_one(h, s, d, &me, dir)) < 0) {
			r = one;
			break;
		}
		if (one == 0)
			c.ok++;
		else if (!c.first.len)
			buf_adds(&c.first, me.path);
	}
	if (!r && fs_syncfs(d) < 0)
		r = scq_fail_errno(h, "syncing '%s'", dir);
	if (!r && c.ok < c.total)
		r = incomplete(h, uid, &c, dir);
	fd_close(&s);
	fd_close(&d);
	free(src);
	buf_release(&c.first);
	return r;
}

static int copy_store(scq *h, const char *uid, struct view *v, const char *dir)
{
	struct buf err = BUF_INIT;
	char *src = path_join(v->dir, "output");
	int r = 0, s = -1, d = -1;
	json_t *m = NULL;
	if (access(src, F_OK) < 0) {
		r = no_results(h, uid, v, "output");
		goto out;
	}
	if (fs_mkdir_p(dir, 0755) < 0 || (d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (s = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "copying outputs to '%s'", dir);
		goto out;
	}
	m = manifest_copy_tree(s, d, &err);
	if (!m)
		r = scq_fail(h, SCQ_EIO, "copying outputs to '%s': %s", dir, err.ptr);
	else if (fs_syncfs(d) < 0)
		r = scq_fail_errno(h, "syncing '%s'", dir);
out:
	json_decref(m);
	fd_close(&s);
	fd_close(&d);
	free(src);
	buf_release(&err);
	return r;
}

int scq_job_output_copy(scq *h, const char *uid, const char *dir)
{
	struct view v;
	int r = load_view(h, uid, &v);
	if (!r)
		r = v.owner ? copy_store(h, uid, &v, dir) : copy_published(h, uid, &v, dir);
	view_release(&v);
	return r;
}

/* Open the file a paged read wants (results.h scq_job_result_read): the
 * log or one output, the owner's in the store, the requester's as
 * published (listed, and of its published size). */
static int open_result(scq *h, const char *uid, struct view *v, const char *path, int *fd,
		       char sha[65])
{
	const char *what = path ? "output" : "log";
	char *dir = path_join(v->dir, path ? "output" : ".");
	int root = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	long long want = -1;
	struct stat st;
	*fd = -1;
	sha[0] = '\0';
	if (!v->owner && !path) {
		if (!v->log)
			r = no_results(h, uid, v, "log");
		else if (!v->log_file || strcmp(v->log_file, JOB_LOG_FILE) || v->log_size < 0)
			r = scq_fail(h, SCQ_EIO, "job '%s': status.json: bad \"log\" description", uid);
		want = v->log_size;
		snprintf(sha, 65, "%s", v->log_sha256 ? v->log_sha256 : "");
	} else if (!v->owner) {
		json_t *files = NULL, *e;
		struct manifest_entry me;
		r = published_files(h, uid, v, &files);
		e = r ? NULL : manifest_find(files, path);
		if (!r && !e)
			r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' has no output '%s'", uid, path);
		if (e) {
			manifest_entry_at(e, &me);
			want = me.size;
			snprintf(sha, 65, "%s", me.sha256 ? me.sha256 : "");
		}
	}
	if (!r && root < 0)
		r = errno == ENOENT ? no_results(h, uid, v, what)
				    : scq_fail_errno(h, "job '%s': opening its %s", uid, what);
	if (!r) {
		*fd = fs_open_beneath(root, path ? path : (v->owner ? "execution.log" : JOB_LOG_FILE),
				      O_RDONLY | O_NONBLOCK);
		/* a path that leaves the folder or passes a link names no output */
		int gone = errno == ENOENT || errno == EXDEV || errno == ELOOP || errno == ENOTDIR;
		if (*fd < 0 && gone && !path && v->owner)
			r = no_results(h, uid, v, "log");
		else if (*fd < 0 && gone && v->owner)
			r = scq_fail(h, SCQ_ENOTFOUND, "job '%s' has no output '%s'", uid, path);
		else if (*fd < 0 && !gone)
			r = scq_fail_errno(h, "job '%s': opening %s", uid, path ? path : "its log");
	}
	if (!r && (*fd < 0 || fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		   (want >= 0 && st.st_size != want)))
		r = want == 0 && *fd < 0 ? 0 /* empty files never sync */
			: scq_fail(h, SCQ_EINCOMPLETE, "the %s%s%s of job '%s' has not fully "
				   "synced yet; try again", what, path ? " " : "", path ? path : "", uid);
	if (r)
		fd_close(fd);
	fd_close(&root);
	free(dir);
	return r;
}

int scq_job_result_read(scq *h, const char *uid, const char *path, long long offset,
			size_t max, char **data, size_t *len, long long *size)
{
	struct view v;
	struct stat st;
	size_t n, got = 0;
	char *b = NULL, sha[65];
	int fd = -1, r, m;
	*data = NULL;
	*len = 0;
	*size = 0;
	if (offset < 0)
		return scq_fail(h, SCQ_EINVAL, "a read offset cannot be negative");
	if ((r = load_view(h, uid, &v)) != 0 || (r = open_result(h, uid, &v, path, &fd, sha)) != 0)
		goto out;
	if (fd >= 0 && fstat(fd, &st) < 0) {
		r = scq_fail_errno(h, "job '%s': reading", uid);
		goto out;
	}
	/* the requester's bytes came through the sync: a page of them is the
	 * owner's only if the whole file has its published SHA-256 */
	if (!v.owner && fd >= 0 && (m = matches(fd, st.st_size, sha[0] ? sha : NULL)) != 0) {
		r = m < 0 ? scq_fail_errno(h, "job '%s': reading", uid)
			  : scq_fail(h, SCQ_EINCOMPLETE, "the %s%s%s of job '%s' has not fully "
				     "synced yet (different content than its owner published); "
				     "try again", path ? "output " : "log", path ? path : "", "", uid);
		goto out;
	}
	*size = fd >= 0 ? (long long)st.st_size : 0;
	n = offset >= *size ? 0 : (size_t)(*size - offset) < max ? (size_t)(*size - offset) : max;
	b = xmalloc(n + 1);
	while (got < n) {
		ssize_t k = pread(fd, b + got, n - got, (off_t)(offset + (long long)got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = scq_fail_errno(h, "job '%s': reading", uid);
			goto out;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	b[got] = '\0';
	*data = b;
	*len = got;
	b = NULL;
out:
	free(b);
	fd_close(&fd);
	view_release(&v);
	return r;
}

int scq_job_output_files(scq *h, const char *uid, char **json_out)
{
	struct view v;
	json_t *files = NULL;
	int r = load_view(h, uid, &v);
	*json_out = NULL;
	if (!r && v.owner)
		r = scq_fail(h, SCQ_EINVAL, "job '%s' is in my store: its outputs are listed by "
			     "the output checks (scq_output_check)", uid);
	if (!r && !(r = published_files(h, uid, &v, &files)))
		*json_out = json_dumps(files, JSON_COMPACT);
	view_release(&v);
	return r;
}
