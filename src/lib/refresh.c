/*
 * refresh.c - scq_refresh: the one step that brings a store up to date.
 *
 * Reads (listing.c, results.c, results-read.c, review.c) never write, so
 * a dashboard that polls, or a read-only mount, leaves the store as it
 * was.  What reads used to do on the way (ingest the inbox, expire pending
 * jobs past their deadline, remove abandoned submissions) is done here,
 * when a caller asks for it: the CLI once before each owner command (its
 * command table), the runner each tick, the Python binding at the entry
 * points that used to rely on it.
 */
#include "compat.h"
#include <dirent.h>
#include "alloc.h"
#include "fs.h"
#include "job.h"
#include "queue.h"
#include "banned.h"

/* A staging folder this old belongs to a submit that died (a live one
 * publishes within seconds). */
#define ABANDONED_SECONDS 600

/* The store and its folders, as the first read of an old version made
 * them: later writes and `ls` of the store find the layout they expect. */
static int make_layout(scq *h)
{
	int s, fd = store_subdir(h, "submitted");
	for (s = 0; fd >= 0 && s < SCQ_STATUS_COUNT; s++) {
		close(fd);
		fd = queue_status_dir(h, s);
	}
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Whether the owner published rec's job (its status in my outbox there). */
static int published(scq *h, json_t *rec)
{
	char *app = app_dir_of(h, json_string_value(json_object_get(rec, "target_email")));
	struct buf p = BUF_INIT;
	struct stat st;
	int r;
	buf_addf(&p, "%s/outbox/%s/%s/status.json", app, h->email,
		 json_string_value(json_object_get(rec, "uid")));
	r = lstat(p.ptr, &st) == 0;
	buf_release(&p);
	free(app);
	return r;
}

/* Remove my submissions that never left their staging folder at the
 * owner (the submit crashed), with their record; listings hide them. */
static int clean_submissions(scq *h)
{
	int fd = store_subdir_peek(h, "submitted");
	struct buf err = BUF_INIT;
	struct dirent *e;
	DIR *d;
	if (fd < 0)
		return fd == SCQ_ENOTFOUND ? 0 : fd;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return scq_fail_errno(h, "reading '%s/submitted'", h->store);
	}
	while ((e = readdir(d))) {
		json_t *rec = e->d_name[0] == '.' ? NULL :
			      json_load_file_at(dirfd(d), e->d_name, SMALL_JSON_MAX, &err);
		double age = 0;
		char *stage = rec && !published(h, rec) ? submission_staging(h, rec, &age) : NULL;
		if (stage && age > ABANDONED_SECONDS) {
			fs_remove_tree(AT_FDCWD, stage);
			unlinkat(dirfd(d), e->d_name, 0);
		}
		free(stage);
		json_decref(rec);
	}
	closedir(d);
	buf_release(&err);
	return 0;
}

int scq_refresh(scq *h, unsigned flags)
{
	int r = 0;
	if (flags & ~(unsigned)SCQ_REFRESH_ALL)
		return scq_fail(h, SCQ_EINVAL, "scq_refresh: unknown flags 0x%x",
				flags & ~(unsigned)SCQ_REFRESH_ALL);
	if (!flags)
		return 0;
	r = make_layout(h);
	if (r == 0 && (flags & SCQ_REFRESH_INGEST))
		r = scq_ingest(h, NULL);
	if (r == 0 && (flags & SCQ_REFRESH_EXPIRE))
		r = queue_expire(h, NULL);
	if (r == 0 && (flags & SCQ_REFRESH_RECONCILE))
		r = outbox_reconcile(h);
	if (r == 0 && (flags & SCQ_REFRESH_SUBMISSIONS))
		r = clean_submissions(h);
	return r;
}
