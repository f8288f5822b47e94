/*
 * quarantine.c - where hostile inbox entries go: never deleted, moved whole
 * into the private store's quarantine/<time>-<id>/entry with a reason.json,
 * audited, reported to the owner as one escaped line, and (for a well-formed
 * uid) answered to the requester as a refusal in its outbox.
 */
#include "compat.h"
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "queue.h"
#include "banned.h"

static void quarantine_notice(scq *h, const char *req, const char *name,
			      const char *reason)
{
	char *r = scq_escape_terminal(req, strlen(req));
	char *n = scq_escape_terminal(name, strlen(name));
	char *why = scq_escape_terminal(reason, strlen(reason));
	buf_addf(&h->notices, "quarantined inbox/%s/%s: %s\n", r, n, why);
	free(r);
	free(n);
	free(why);
}

/* Tell the requester why (only for a well-formed uid not used in the store). */
static void publish_refusal(scq *h, const char *req, const char *uid, const char *reason)
{
	char *app = app_dir_of(h, h->email);
	struct buf p = BUF_INIT;
	json_t *o;
	int fd;
	if (!email_valid(req) || !scq_uid_valid(uid) || queue_locate(h, uid) >= 0)
		goto out;
	buf_addf(&p, "%s/outbox/%s/%s", app, req, uid);
	if (fs_mkdir_p(p.ptr, 0755) < 0 || (fd = open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	/* uid and req are checked above; the reason may name a file of the job */
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "uid", uid, "requester_email", req,
		      "target_email", h->email, "status", "rejected", "error_kind",
		      "invalid_job", "error_message", json_name(reason), "reason", json_name(reason));
	json_write_at(fd, "status.json", o, 0);
	json_decref(o);
	close(fd);
out:
	buf_release(&p);
	free(app);
}

int quarantine_entry(scq *h, int parent, const char *req, const char *name,
		     const char *reason)
{
	struct buf qname = BUF_INIT, entry = BUF_INIT;
	char now[ISO_LEN], *rnd = scq_uuid4();
	int qdir = store_subdir(h, "quarantine"), qfd = -1, r = 0;
	json_t *why = NULL;
	if (qdir < 0)
		return qdir;
	time_now_iso(now);
	buf_addf(&qname, "%.19s-%.8s", now, rnd);
	if (fs_mkdir(qdir, qname.ptr, 0700) < 0 ||
	    (qfd = openat(qdir, qname.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "creating quarantine folder");
		goto out;
	}
	/* every name here comes from the inbox and may be any bytes: escaped,
	 * plus <key>_hex when it is not UTF-8 (json_set_name) */
	why = json_pack("{s:s}", "at", now);
	json_set_name(why, "inbox_folder", req);
	json_set_name(why, "entry", name);
	json_set_name(why, "reason", reason);
	if (json_write_at(qfd, "reason.json", why, 0) < 0 ||
	    fs_rename(parent, name, qfd, "entry", 0) < 0) {
		r = scq_fail_errno(h, "quarantining inbox entry '%s'", name);
		fs_remove_tree(qdir, qname.ptr); /* a retry must not leave one more folder */
		goto out;
	}
	buf_addf(&entry, "inbox/%s/%s -> quarantine/%s", req, name, qname.ptr);
	audit_append(h, "quarantine", scq_uid_valid(name) ? name : NULL, req, reason, NULL);
	publish_refusal(h, req, name, reason);
	quarantine_notice(h, req, name, reason);
out:
	json_decref(why);
	free(rnd);
	buf_release(&qname);
	buf_release(&entry);
	if (qfd >= 0)
		close(qfd);
	close(qdir);
	return r;
}

