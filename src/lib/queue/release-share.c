/*
 * release-share.c - what a delegated reviewer is shown of a held job
 * under release_approvals_required > 1 (doc/protocol.md §6a, release.h).
 *
 * Disclosure: to check outputs a reviewer must see them, so while a job
 * awaits release (and only with the setting above 1) the owner copies the
 * held log, outputs and their flags to outbox/<reviewer>/release-review/
 * <uid>/, which the app ACL lets only that reviewer read.  Delegated
 * reviewers are trusted output checkers, as Airlock's are; the requester
 * never gets this copy (the requester may not vote).  The copy goes when
 * the job is decided (outbox_publish of a decided job calls
 * release_unshare), or when the reviewer is removed (reviewers.c).
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/manifest.h"
#include "queue/release.h"
#include "queue/votes.h"
#include "store/limits.h"
#include "store/settings.h"
#include "base/banned.h"

/* outbox/<reviewer>/release-review/ of my datasite; -1 on error. */
int release_review_dir(scq *h, const char *owner, const char *reviewer, int create)
{
	char *app = app_dir_of(h, owner);
	struct buf p = BUF_INIT;
	int fd;
	buf_addf(&p, "%s/outbox/%s/" RELEASE_REVIEW_DIR, app, reviewer);
	fd = create && fs_mkdir_p(p.ptr, 0755) < 0 ? -1 :
	     open(p.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(app);
	buf_release(&p);
	return fd;
}

static int copy_log(int job, int tmp)
{
	int fd = openat(job, "execution.log", O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;
	uint64_t n;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* as execution.txt: SyftBox syncs no .log file (protocol §2) */
	r = fs_copy_atomic(fd, tmp, "execution.txt", UINT64_MAX, 0, NULL, NULL, &n);
	close(fd);
	return r;
}

static int copy_outputs(int job, int tmp)
{
	struct buf err = BUF_INIT;
	int src = openat(job, "output", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), dst = -1;
	json_t *m = NULL;
	if (src < 0)
		return errno == ENOENT ? 0 : -1;
	if (fs_mkdir(tmp, "output", 0755) == 0 && (dst = fs_open_dir(tmp, "output")) >= 0)
		m = manifest_copy_tree(src, dst, &err);
	fd_close(&src);
	fd_close(&dst);
	buf_release(&err);
	json_decref(m);
	return m ? 0 : (errno = errno ? errno : EIO, -1);
}

/* One reviewer's copy, built in .<uid>.tmp (SyftBox skips it), then put
 * in place of the old one: the outputs may have changed since. */
static int share_one(scq *h, int job, const char *flags, const char *reviewer, const char *uid)
{
	int dir = release_review_dir(h, h->email, reviewer, 1), tmp = -1, r = -1;
	struct buf name = BUF_INIT, rec = BUF_INIT;
	if (dir < 0)
		return -1;
	buf_addf(&name, ".%s.tmp", uid);
	fs_remove_tree(dir, name.ptr);
	if (fs_mkdir(dir, name.ptr, 0755) < 0 || (tmp = fs_open_dir(dir, name.ptr)) < 0 ||
	    copy_log(job, tmp) < 0 || copy_outputs(job, tmp) < 0 ||
	    fs_write_atomic(tmp, "flags.json", flags, strlen(flags), 0) < 0 ||
	    fs_read_file(job, "job.json", SMALL_JSON_MAX, &rec) < 0 ||
	    fs_write_atomic(tmp, "job.json", rec.ptr, rec.len, 0) < 0)
		goto out;
	/* an old copy is swapped out whole, never removed first: a crash
	 * leaves the reviewer the old copy or the new one, not none (the old
	 * one, now the temporary, goes below or at the next share) */
	if (fs_exists(dir, uid) ? fs_fault_step("rename") < 0 ||
	    renameat2(dir, name.ptr, dir, uid, RENAME_EXCHANGE) < 0 :
	    fs_rename(dir, name.ptr, dir, uid, 0) < 0)
		goto out;
	r = 0;
out:
	fs_remove_tree(dir, name.ptr);
	fd_close(&tmp);
	fd_close(&dir);
	buf_release(&name);
	buf_release(&rec);
	return r;
}

void release_share(scq *h, int jobfd, const char *uid)
{
	json_t *list, *v;
	scq_output_flags *f = NULL;
	char *flags = NULL;
	size_t i;
	if (setting_int(h, SET_RELEASE_APPROVALS_REQUIRED) < 2)
		return;
	list = reviewers_load(h);
	if (!json_array_size(list))
		goto out;
	/* the flags as the owner sees them (scq review-output --json) */
	if (scq_output_check(h, uid, SCQ_CHECK_DIFFERENCING, &f) != 0 || !(flags = scq_output_flags_json(f))) {
		buf_addf(&h->notices, "release review: job %s not shared: %s\n", uid,
			 scq_errmsg(h));
		goto out;
	}
	json_array_foreach(list, i, v)
		if (json_is_string(v) && email_valid(json_string_value(v)) &&
		    share_one(h, jobfd, flags, json_string_value(v), uid) < 0)
			buf_addf(&h->notices, "release review: job %s could not be shared with "
				 "%s: %s\n", uid, json_string_value(v), strerror(errno));
out:
	free(flags);
	scq_output_flags_free(f);
	json_decref(list);
}

void release_unshare(scq *h, const char *uid)
{
	json_t *list = reviewers_load(h), *v;
	size_t i;
	json_array_foreach(list, i, v) {
		int dir = json_is_string(v) && email_valid(json_string_value(v)) ?
			  release_review_dir(h, h->email, json_string_value(v), 0) : -1;
		if (dir >= 0 && fs_remove_tree(dir, uid) < 0 && errno != ENOENT)
			buf_addf(&h->notices, "release review: the copy of job %s for %s stays: "
				 "%s\n", uid, json_string_value(v), strerror(errno));
		fd_close(&dir);
	}
	json_decref(list);
}
