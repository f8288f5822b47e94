/*
 * quarantine.c - where hostile inbox entries go: never deleted, moved whole
 * into the private store's quarantine/<time>-<id>/entry with a reason.json,
 * audited, reported to the owner as one escaped line, and (for a well-formed
 * uid) answered to the requester as a refusal in its outbox.
 * Over the requester's hourly cap (inflow.h), refusals join one batch
 * folder for the hour instead (quarantine_batch): still never deleted.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/job.h"
#include "store/queue.h"
#include "store/audit.h"
#include "queue/outbox.h"
#include "queue/quarantine.h"
#include "queue/signed.h"
#include "base/banned.h"

static void quarantine_notice(scq *h, const char *req, const char *name,
			      const char *reason)
{
	char *r = scq_escape_terminal(req, strlen(req));
	char *n = scq_escape_terminal(name, strlen(name));
	if (!strcmp(req, name)) /* the requester's folder itself */
		buf_addf(&h->notices, "quarantined inbox/%s: ", r);
	else
		buf_addf(&h->notices, "quarantined inbox/%s/%s: ", r, n);
	/* the reason names submitter files through the markers already */
	buf_add_shown(&h->notices, reason, strlen(reason), BUF_SHOW_MARKED);
	buf_addc(&h->notices, '\n');
	free(r);
	free(n);
}

/* Tell the requester why (only for a well-formed uid not used in the store,
 * nor by a job cleaned up from it: its outbox keeps that job's last state). */
static void publish_refusal(scq *h, const char *req, const char *uid, const char *reason)
{
	json_t *o;
	int fd;
	if (!email_valid(req) || !scq_uid_valid(uid) || queue_locate(h, uid) >= 0 ||
	    job_removed(h, uid) || (fd = outbox_open(h, req, uid)) < 0)
		return;
	/* uid and req are checked above; the reason may name a file of the job */
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "uid", uid, "requester_email", req,
		      "target_email", h->email, "status", "rejected", "error_kind",
		      "invalid_job", "error_message", json_name(reason), "reason", json_name(reason));
	signed_status_write(h, fd, o, 0);
	json_decref(o);
	close(fd);
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
	audit_append(h, NULL, "quarantine", scq_uid_valid(name) ? name : NULL, req, reason, NULL);
	publish_refusal(h, req, name, reason);
	quarantine_notice(h, req, name, reason);
out:
	json_decref(why);
	free(rnd);
	buf_release(&qname);
	buf_release(&entry);
	fd_close(&qfd);
	close(qdir);
	return r;
}


/* Create this hour's batch folder with its reason.json, audit line and
 * notice, once; then every entry costs one rename and one index line. */
static int batch_folder(scq *h, int qdir, const char *batch, const char *req)
{
	char now[ISO_LEN];
	int r = 0;
	json_t *why;
	if (fs_exists(qdir, batch))
		return 0;
	time_now_iso(now);
	why = json_pack("{s:s,s:s}", "at", now, "reason",
			"over max_quarantines_per_hour: the refused entries of this hour are "
			"in entries/, listed in index.jsonl");
	json_set_name(why, "inbox_folder", req);
	if (fs_mkdir(qdir, batch, 0700) < 0) {
		r = -1;
		goto out;
	}
	{
		int fd = openat(qdir, batch, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = fd < 0 || fs_mkdir(fd, "entries", 0700) < 0 ||
		    json_write_at(fd, "reason.json", why, 0) < 0 ? -1 : 0;
		fd_close(&fd);
	}
	if (r == 0) {
		audit_append(h, NULL, "quarantine", NULL, req, "over max_quarantines_per_hour: "
			     "further refusals this hour are batched", NULL);
		quarantine_notice(h, req, batch, "over max_quarantines_per_hour: further "
				  "refusals of this hour go to this one folder");
	}
out:
	json_decref(why);
	return r;
}

int quarantine_batch(scq *h, int parent, const char *req, const char *name,
		     const char *reason, const char *batch)
{
	struct buf p = BUF_INIT, n = BUF_INIT;
	char now[ISO_LEN], *rnd = scq_uuid4();
	int qdir = store_subdir(h, "quarantine"), bfd = -1, r = 0;
	json_t *line = NULL;
	char *text = NULL;
	if (qdir < 0) {
		free(rnd);
		return qdir;
	}
	if (batch_folder(h, qdir, batch, req) < 0 ||
	    (bfd = openat(qdir, batch, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = scq_fail_errno(h, "creating quarantine batch folder '%s'", batch);
		goto out;
	}
	/* made every time (EEXIST is fine): a crash between the batch
	 * folder's mkdir and its entries/ must not break the rest of the hour */
	if (fs_mkdir(bfd, "entries", 0700) < 0) {
		r = scq_fail_errno(h, "creating quarantine batch folder '%s'", batch);
		goto out;
	}
	time_now_iso(now);
	buf_addf(&n, "entries/%.8s", rnd);
	if (fs_rename(parent, name, bfd, n.ptr, FS_DEFER_SYNC) < 0) {
		r = scq_fail_errno(h, "quarantining inbox entry");
		goto out;
	}
	line = json_pack("{s:s,s:s}", "at", now, "stored_as", n.ptr);
	json_set_name(line, "entry", name);
	json_set_name(line, "reason", reason);
	text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	buf_addf(&p, "%s\n", text ? text : "{}");
	{
		int fd = openat(bfd, "index.jsonl", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || fs_write_all(fd, p.ptr, p.len) < 0)
			r = scq_fail_errno(h, "writing quarantine index of '%s'", batch);
		fd_close(&fd);
	}
	publish_refusal(h, req, name, reason);
out:
	free(text);
	json_decref(line);
	free(rnd);
	buf_release(&p);
	buf_release(&n);
	fd_close(&bfd);
	close(qdir);
	return r;
}
