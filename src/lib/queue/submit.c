/*
 * submit.c - the data scientist's side: create my datasite, and submit a
 * job into the data owner's inbox.
 *
 * A submission is built under an ignored temp name (.<uid>.tmp, never
 * synced), with job.json written last, made durable with one syncfs, then
 * renamed to <uid>: the owner (or sync) never sees a half-built job.  The
 * owner still verifies every file against the manifest in job.json,
 * because sync delivers the files of a folder one by one.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "store/handle.h"
#include "queue/identity.h"
#include "queue/job.h"
#include "queue/manifest.h"
#include "queue/record.h"
#include "queue/requirements.h"
#include "store/settings.h"
#include "base/banned.h"

static const char app_acl[] =
	"# syft-code-queue (written by scq init; do not edit).\n"
	"# Each user may write only inbox/<their email>/ and read only\n"
	"# outbox/<their email>/; everything else here is private.\n"
	"terminal: true\n"
	"rules:\n"
	"  - pattern: 'inbox/{{.UserEmail}}/**'\n"
	"    access:\n"
	"      admin: []\n"
	"      write: ['USER']\n"
	"      read: ['USER']\n"
	"  - pattern: 'outbox/{{.UserEmail}}/**'\n"
	"    access:\n"
	"      admin: []\n"
	"      write: []\n"
	"      read: ['USER']\n"
	"  - pattern: '**'\n"
	"    access:\n"
	"      admin: []\n"
	"      write: []\n"
	"      read: []\n";

static const char private_acl[] =
	"rules:\n  - pattern: '**'\n    access:\n      admin: []\n      write: []\n      read: []\n";
static const char public_acl[] =
	"rules:\n  - pattern: '**'\n    access:\n      admin: []\n      write: []\n      read: ['*']\n";

static int write_if_different(scq *h, const char *dir, const char *name,
			      const char *content, int only_if_absent)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	struct buf cur = BUF_INIT;
	if (fd < 0)
		return scq_fail_errno(h, "opening '%s'", dir);
	if (fs_read_file(fd, name, 65536, &cur) == 0 &&
	    (only_if_absent || !strcmp(cur.ptr, content)))
		goto out;
	if (fs_write_atomic(fd, name, content, strlen(content), 0) < 0)
		r = scq_fail_errno(h, "writing '%s/%s'", dir, name);
out:
	buf_release(&cur);
	close(fd);
	return r;
}

int scq_init_datasite(scq *h)
{
	char *site = path_join(h->datasites, h->email), *app = app_dir_of(h, h->email);
	char *pub = path_join(site, "public"), *in = path_join(app, "inbox");
	char *out = path_join(app, "outbox");
	int r = 0;
	if (fs_mkdir_p(pub, 0755) < 0 || fs_mkdir_p(in, 0755) < 0 || fs_mkdir_p(out, 0755) < 0)
		r = scq_fail_errno(h, "creating datasite folders under '%s'", site);
	if (!r)
		r = write_if_different(h, site, "syft.pub.yaml", private_acl, 1);
	if (!r)
		r = write_if_different(h, pub, "syft.pub.yaml", public_acl, 1);
	if (!r)
		r = write_if_different(h, app, "syft.pub.yaml", app_acl, 0);
	if (!r && store_open(h) < 0)
		r = SCQ_EIO;
	if (!r) /* what a requester's `scq try` applies */
		r = settings_publish(h);
	if (!r) /* my signing key, made once, and its did.json */
		r = identity_ensure(h);
	free(site);
	free(app);
	free(pub);
	free(in);
	free(out);
	return r;
}

/* The record of the options, before its code is copied (no files, digest
 * or time yet). */
static void record_of_options(scq *h, const struct scq_submit_options *o, const char *uid,
			      struct job_record *r)
{
	size_t i, n = 0;
	while (o->tags && o->tags[n])
		n++;
	r->version = SCQ_PROTOCOL_VERSION;
	r->uid = xstrdup(uid);
	r->name = o->name ? xstrdup(o->name) : NULL;
	r->description = o->description && *o->description ? xstrdup(o->description) : NULL;
	r->tags = xcalloc(n ? n : 1, sizeof(*r->tags));
	for (i = 0; i < n; i++)
		r->tags[i] = xstrdup(o->tags[i]);
	r->ntags = n;
	r->requester = xstrdup(h->email);
	r->target = o->to ? xstrdup(o->to) : NULL;
	r->timeout_seconds = o->timeout_seconds ? o->timeout_seconds : JOB_TIMEOUT_DEFAULT;
	r->resubmit_of = o->resubmit_of ? ascii_lower(o->resubmit_of) : NULL;
	r->runtime = o->runtime ? xstrdup(o->runtime) : NULL;
}

/* A new version (--revises) names a job of mine to the same owner (one
 * lookup); the owner checks it again at ingest (ingest.c, revises_ok). */
static int resubmit_ok(scq *h, const struct scq_submit_options *o, const char *of)
{
	scq_job *j = NULL;
	int r = scq_find(h, of, SCQ_AS_REQUESTER, &j);
	if (r == SCQ_ENOTFOUND)
		r = scq_fail(h, SCQ_EINVAL, "revises: no job of yours matches '%s': a new "
			     "version may revise only a job you submitted", of);
	else if (r == 0 && (!scq_job_target(j) || !o->to || strcmp(scq_job_target(j), o->to)))
		r = scq_fail(h, SCQ_EINVAL, "revises: job '%s' was sent to %s, not to %s", of,
			     scq_job_target(j) ? scq_job_target(j) : "?", o->to ? o->to : "?");
	scq_job_free(j);
	return r;
}

static int check_options(scq *h, const struct scq_submit_options *o, const char *uid,
			 struct job_record *r)
{
	struct buf err = BUF_INIT;
	int ret = 0;
	if (!o->folder)
		return scq_fail(h, SCQ_EINVAL, "no code folder given");
	if (o->context && (!*o->context || strlen(o->context) > SUBMIT_CONTEXT_MAX ||
			   !utf8_valid(o->context, strlen(o->context))))
		return scq_fail(h, SCQ_EINVAL, "context must be 1 to %d bytes of UTF-8",
				SUBMIT_CONTEXT_MAX);
	record_of_options(h, o, uid, r);
	if (record_validate(r, RECORD_CHECK_SUBMIT, NULL, &err) < 0)
		ret = scq_fail(h, SCQ_EINVAL, "%s", err.ptr);
	else if (r->resubmit_of)
		ret = resubmit_ok(h, o, r->resubmit_of);
	buf_release(&err);
	return ret;
}

/* The record is complete once its code is copied: files, digest, time. */
static void complete_record(struct job_record *r, json_t *manifest, json_t *skipped)
{
	char now[ISO_LEN], digest[65];
	time_now_iso(now);
	manifest_digest(manifest, digest);
	r->created_at = xstrdup(now);
	r->code_sha256 = xstrdup(digest);
	r->files = json_incref(manifest);
	if (json_array_size(skipped))
		r->skipped = json_incref(skipped);
}

/* Keep my own record of what I submitted (private, never synced).  It is
 * written in the same group commit as the job itself, before the job is
 * published; listings hide a record whose job never reached the inbox. */
static int record_submission(scq *h, const struct job_record *rec, unsigned fsflags)
{
	json_t *pub;
	int fd = store_subdir(h, "submitted"), r = 0;
	struct buf name = BUF_INIT;
	if (fd < 0)
		return fd;
	pub = record_to_json(rec, RECORD_SUBMITTED);
	buf_addf(&name, "%s.json", rec->uid);
	if (json_write_at(fd, name.ptr, pub, fsflags) < 0)
		r = scq_fail_errno(h, "writing '%s/submitted/%s'", h->store, name.ptr);
	buf_release(&name);
	json_decref(h->submitted); /* kept: the job as its submitter sees it */
	h->submitted = r ? NULL : pub;
	if (r)
		json_decref(pub);
	close(fd);
	return r;
}

static void forget_submission(scq *h, const char *uid)
{
	struct buf name = BUF_INIT;
	int fd = store_subdir(h, "submitted");
	buf_addf(&name, "%s.json", uid);
	if (fd >= 0) {
		unlinkat(fd, name.ptr, 0);
		close(fd);
	}
	buf_release(&name);
}

static int open_inbox(scq *h, const char *owner)
{
	char *app = app_dir_of(h, owner), *site = path_join(h->datasites, owner);
	struct buf p = BUF_INIT;
	int fd;
	struct stat st;
	if (stat(site, &st) < 0 || !S_ISDIR(st.st_mode)) {
		/* never invent someone's datasite (the original did) */
		fd = scq_fail(h, SCQ_ENOTFOUND, "no datasite '%s' under '%s': check the email, "
			      "or wait until SyftBox has synced it", owner, h->datasites);
		free(site);
		free(app);
		return fd;
	}
	free(site);
	buf_addf(&p, "%s/inbox/%s", app, h->email);
	if (fs_mkdir_p(p.ptr, 0755) < 0)
		fd = scq_fail_errno(h, "creating inbox '%s'", p.ptr);
	else if ((fd = open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fd = scq_fail_errno(h, "opening inbox '%s'", p.ptr);
	buf_release(&p);
	free(app);
	return fd;
}

/*
 * A run.sh saved with Windows line endings runs wrongly under bash: every
 * line ends in a CR, so `set -e` is an unknown option that is ignored and
 * `> result.txt` creates "result.txt\r".  It is refused, or, with
 * convert_crlf, converted in the submitted copy (never in the user's
 * folder): the copy gets LF endings and its manifest entry the new size
 * and digest.
 */
static int crlf_refused(scq *h, const struct scq_submit_options *o, const struct buf *run)
{
	if (o->convert_crlf || !memmem(run->ptr, run->len, "\r\n", 2))
		return 0;
	return scq_fail(h, SCQ_EINVAL, "code folder '%s': run.sh has Windows (CRLF) line endings, "
			"which bash misreads (set -e is ignored, file names end in a CR): convert "
			"it with 'dos2unix run.sh', or let submit convert the submitted copy "
			"(scq submit --convert-crlf; Python: convert_crlf=True)", o->folder);
}

static int convert_crlf(scq *h, int code, json_t *manifest, const struct buf *run)
{
	struct buf lf = BUF_INIT;
	char hex[65];
	json_t *e;
	struct manifest_entry me = { 0 };
	size_t i;
	int r = 0;
	if (!memmem(run->ptr, run->len, "\r\n", 2))
		return 0;
	for (i = 0; i < run->len; i++)
		if (!(run->ptr[i] == '\r' && i + 1 < run->len && run->ptr[i + 1] == '\n'))
			buf_addc(&lf, run->ptr[i]);
	if ((e = manifest_find(manifest, "run.sh")))
		manifest_entry_at(e, &me);
	sha256_hex(lf.ptr, lf.len, hex);
	/* the staging folder is unpublished: its files are written under their
	 * final names, so the copy goes first */
	if (!e || unlinkat(code, "run.sh", 0) < 0 || fs_write_atomic(code, "run.sh", lf.ptr, lf.len, FS_DEFER_SYNC | FS_STAGED |
				  (me.exec ? FS_EXEC : 0)) < 0 ||
	    json_object_set_new(e, "size", json_integer((json_int_t)lf.len)) < 0 ||
	    json_object_set_new(e, "sha256", json_string(hex)) < 0)
		r = scq_fail_errno(h, "converting the submitted copy of run.sh");
	buf_release(&lf);
	return r;
}

/* submit --context: CONTEXT.md in the submitted copy, listed in the
 * manifest (so in the code digest the owner approves) in its sorted place.
 * The folder's own CONTEXT.md and the option would be two contexts: the
 * option is refused then, never one silently dropped. */
static int add_context(scq *h, const struct scq_submit_options *o, int code, json_t *manifest)
{
	size_t len = strlen(o->context), i;
	char hex[65];
	json_t *e;
	struct manifest_entry me;
	if (manifest_find(manifest, "CONTEXT.md"))
		return scq_fail(h, SCQ_EINVAL, "code folder '%s' has a CONTEXT.md already: "
				"put the context there, or drop --context", o->folder);
	if (fs_write_atomic(code, "CONTEXT.md", o->context, len, FS_DEFER_SYNC | FS_STAGED) < 0)
		return scq_fail_errno(h, "writing CONTEXT.md into the submitted copy");
	sha256_hex(o->context, len, hex);
	for (i = 0; i < json_array_size(manifest); i++) {
		manifest_entry_at(json_array_get(manifest, i), &me);
		if (strcmp(me.path, "CONTEXT.md") > 0)
			break;
	}
	e = json_pack("{s:s,s:I,s:s,s:s}", "path", "CONTEXT.md", "size", (json_int_t)len,
		      "mode", "0644", "sha256", hex);
	if (!e || json_array_insert_new(manifest, i, e) < 0)
		return scq_fail(h, SCQ_EIO, "listing CONTEXT.md in the manifest");
	return 0;
}

static int stage_job(scq *h, const struct scq_submit_options *o, int inbox,
		     const char *tmpname, struct job_record *rec)
{
	struct buf err = BUF_INIT, run = BUF_INIT;
	json_t *manifest = NULL, *skipped = NULL, *js = NULL;
	char *text = NULL;
	int src = -1, code = -1, tmp = -1, r;
	src = open(o->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0) {
		int e = errno;
		scq_fail_errno(h, "code folder '%s'", o->folder);
		r = e == ENOENT ? SCQ_ENOTFOUND : SCQ_EINVAL;
		goto out;
	}
	if (!fs_exists(src, "run.sh") || fs_read_file(src, "run.sh", MANIFEST_MAX_BYTES, &run) < 0) {
		r = scq_fail(h, SCQ_EINVAL, "code folder '%s' has no run.sh (a regular file)",
			     o->folder);
		goto out;
	}
	if ((r = crlf_refused(h, o, &run)))
		goto out;
	if (fs_mkdir(inbox, tmpname, 0755) < 0 ||
	    (tmp = openat(inbox, tmpname, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fs_mkdir(tmp, "code", 0755) < 0 ||
	    (code = openat(tmp, "code", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "building job folder '%s'", tmpname);
		goto out;
	}
	skipped = json_array();
	manifest = manifest_copy_tree_ex(src, code, &err, skipped);
	if (!manifest) {
		r = scq_fail(h, SCQ_EINVAL, "code folder '%s': %s", o->folder, err.ptr);
		goto out;
	}
	if (o->convert_crlf && (r = convert_crlf(h, code, manifest, &run)))
		goto out;
	if (o->context && (r = add_context(h, o, code, manifest)))
		goto out;
	complete_record(rec, manifest, skipped);
	js = record_to_json(rec, RECORD_INBOX);
	if (json_array_size(skipped)) { /* told to the submitter, and kept in its record */
		size_t i;
		json_t *e;
		buf_adds(&h->notices, "left out of the job (SyftBox never syncs these names):");
		json_array_foreach(skipped, i, e)
			buf_addf(&h->notices, "%s %s", i ? "," : "", json_string_value(e));
		buf_addc(&h->notices, '\n');
	}
	/* one sync makes the job, its signature and my record durable before
	 * the job is visible; the signature covers job.json's exact bytes */
	text = json_dumps(js, JSON_INDENT(2) | JSON_SORT_KEYS);
	r = !text || fs_write_atomic(tmp, "job.json", text, strlen(text), FS_DEFER_SYNC | FS_STAGED) < 0 ?
	    scq_fail_errno(h, "writing job '%s'", rec->uid) :
	    identity_sign_job(h, tmp, rec->uid, rec->target, text, strlen(text),
			      FS_DEFER_SYNC | FS_STAGED);
	if (!r)
		r = record_submission(h, rec, FS_DEFER_SYNC);
	/* trust on first use of the owner's key, which signs the statuses
	 * I will read (protocol.md §6, "Signed status") */
	if (!r && strcmp(rec->target, h->email))
		r = identity_pin_first(h, rec->target);
	if (r == 0 && fs_syncfs(tmp) < 0)
		r = scq_fail_errno(h, "syncing job '%s'", rec->uid);
out:
	free(text);
	json_decref(js);
	json_decref(manifest);
	json_decref(skipped);
	fd_close(&src);
	fd_close(&code);
	fd_close(&tmp);
	buf_release(&err);
	buf_release(&run);
	return r;
}

/* The folder's requirements.txt against the owner's published runtime:
 * the report goes to the notices, one line each; a problem refuses the
 * submission unless o->force. */
static int check_requirements(scq *h, const struct scq_submit_options *o)
{
	struct buf text = BUF_INIT;
	char *report = NULL;
	int dir = open(o->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC), problems = 0, r = 0;
	if (dir < 0 || fs_read_file(dir, "requirements.txt", REQUIREMENTS_MAX_BYTES, &text) < 0) {
		if (dir >= 0 && errno == EFBIG)
			r = scq_fail(h, SCQ_EINVAL, "requirements.txt is larger than %zu bytes",
				     REQUIREMENTS_MAX_BYTES);
		goto out; /* no folder: check_options and the copy say so */
	}
	r = scq_requirements_check(h, o->to, o->runtime, text.ptr, text.len, &report, &problems);
	if (r)
		goto out;
	buf_adds(&h->notices, report);
	if (problems && !o->force)
		r = scq_fail(h, SCQ_EINVAL, "submission refused: %d requirement problem(s) with "
			     "the owner's runtime (listed above); fix requirements.txt, choose "
			     "another runtime (scq runtimes %s), or submit with --force "
			     "(Python: force=True)",
			     problems, o->to);
out:
	fd_close(&dir);
	buf_release(&text);
	free(report);
	return r;
}

int scq_submit(scq *h, const struct scq_submit_options *opts, char **uid_out)
{
	char *uid = scq_uuid4(), *to = opts->to ? ascii_lower(opts->to) : NULL;
	struct scq_submit_options lo = *opts, *o = &lo;
	struct buf tmpname = BUF_INIT;
	struct job_record rec = RECORD_INIT;
	int inbox = -1, r;
	buf_reset(&h->notices);
	lo.to = to; /* e-mails are compared lower-cased, as my own identity is */
	if ((r = check_options(h, o, uid, &rec)))
		goto out;
	if ((r = check_requirements(h, o)))
		goto out;
	if ((inbox = open_inbox(h, o->to)) < 0) {
		r = inbox;
		goto out;
	}
	buf_addf(&tmpname, ".%s.tmp", uid);
	r = stage_job(h, o, inbox, tmpname.ptr, &rec);
	if (!r && fs_rename(inbox, tmpname.ptr, inbox, uid, 0) < 0)
		r = scq_fail_errno(h, "publishing job '%s' to the inbox", uid);
	if (r) {
		fs_remove_tree(inbox, tmpname.ptr);
		forget_submission(h, uid);
	}
out:
	if (r) {
		json_decref(h->submitted);
		h->submitted = NULL;
	}
	fd_close(&inbox);
	record_release(&rec);
	buf_release(&tmpname);
	free(to);
	if (r == 0 && uid_out)
		*uid_out = uid;
	else
		free(uid);
	return r;
}

static int write_script_folder(scq *h, int dir, const char *language, const char *script,
			       size_t len, const char *const *reqs)
{
	struct buf run = BUF_INIT, req = BUF_INIT;
	int py = !strcmp(language, "python"), r = 0;
	size_t i;
	buf_adds(&run, "#!/bin/bash\nset -e\n");
	for (i = 0; py && reqs && reqs[i]; i++) {
		if (has_control(reqs[i], 0) || !*reqs[i])
			r = scq_fail(h, SCQ_EINVAL, "invalid requirement '%s'", reqs[i]);
		buf_addf(&req, "%s%s", i ? "\n" : "", reqs[i]);
	}
	if (req.len)
		/* the sandbox's pip checks it against the owner's runtime */
		buf_adds(&run, "pip install -r requirements.txt\n");
	buf_adds(&run, py ? "python3 script.py\n" : "bash ./script.sh\n");
	if (!r && len == 0)
		r = scq_fail(h, SCQ_EINVAL, "the script is empty");
	if (!r && (fs_write_atomic(dir, py ? "script.py" : "script.sh", script, len,
				   py ? 0 : FS_EXEC) < 0 ||
		   (req.len && fs_write_atomic(dir, "requirements.txt", req.ptr, req.len, 0) < 0) ||
		   fs_write_atomic(dir, "run.sh", run.ptr, run.len, FS_EXEC) < 0))
		r = scq_fail_errno(h, "writing the generated job folder");
	buf_release(&run);
	buf_release(&req);
	return r;
}

int scq_submit_script(scq *h, const struct scq_submit_options *o, const char *language,
		      const char *script, size_t len, const char *const *requirements,
		      char **uid_out)
{
	/* mkdtemp's template: the X's become a unique name, under $TMPDIR */
	const char *base = getenv("TMPDIR");
	struct buf tb = BUF_INIT;
	char *tmpl;
	struct scq_submit_options so = *o;
	int dir, r;
	if (strcmp(language, "python") && strcmp(language, "bash"))
		return scq_fail(h, SCQ_EINVAL, "language must be 'python' or 'bash'");
	buf_addf(&tb, "%s/scq-script-XXXXXX", base && *base == '/' ? base : "/tmp");
	tmpl = tb.ptr;
	if (!mkdtemp(tmpl)) {
		r = scq_fail_errno(h, "creating a temporary folder under '%s'", base ? base : "/tmp");
		buf_release(&tb);
		return r;
	}
	dir = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dir < 0 ? scq_fail_errno(h, "opening '%s'", tmpl) :
	    write_script_folder(h, dir, language, script, len, requirements);
	if (!r) {
		so.folder = tmpl;
		r = scq_submit(h, &so, uid_out);
	}
	fd_close(&dir);
	fs_remove_tree(AT_FDCWD, tmpl); /* the original leaked these */
	buf_release(&tb);
	return r;
}

int scq_submitted_job(scq *h, const char *uid, scq_job **out)
{
	const char *last = json_string_value(json_object_get(h->submitted, "uid"));
	if (!uid || !last || strcmp(uid, last))
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' is not the last one submitted here",
				uid ? uid : "");
	*out = job_from_json(json_deep_copy(h->submitted));
	return 0;
}
