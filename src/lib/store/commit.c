/*
 * commit.c - explicit durability (see commit.h): the writes a caller
 * deferred under a commit become durable together at commit_end.
 *
 * One syncfs instead of an fsync per file and folder is what makes an
 * ingest pass of many jobs, or a runner round of many claims, cheap
 * (make bench, section 2); the audit events of the step are chained and
 * appended with one write and one fsync after everything they describe
 * is durable, so the log never tells of a state the store may have lost.
 */
#include "base/compat.h"
#include "store/commit.h"
#include "base/fs.h"
#include "store/audit.h"
#include "store/notify.h"
#include "base/banned.h"

void commit_begin(scq *h, struct commit *c)
{
	c->h = h;
	c->notify = NULL;
	buf_init(&c->audit, 1 << 30);
}

unsigned commit_fsflags(const struct commit *c)
{
	return c ? FS_DEFER_SYNC : 0;
}

/* The outbox lives under datasites/, possibly another file system than
 * the private store: sync it too then. */
static int sync_datasites(scq *h, int store)
{
	struct stat a, b;
	int site = open(h->datasites, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	if (site >= 0 && fstat(store, &a) == 0 && fstat(site, &b) == 0 &&
	    a.st_dev != b.st_dev && fs_syncfs(site) < 0)
		r = scq_fail_errno(h, "syncing '%s'", h->datasites);
	fd_close(&site);
	return r;
}

int commit_end(struct commit *c)
{
	scq *h = c->h;
	int fd = store_open(h), r = fd < 0 ? fd : 0;
	if (fd >= 0 && fs_syncfs(fd) < 0)
		r = scq_fail_errno(h, "syncing");
	if (fd >= 0 && sync_datasites(h, fd) < 0 && !r)
		r = SCQ_EIO;
	if (audit_flush(h, &c->audit) < 0 && !r)
		r = SCQ_EIO;
	buf_release(&c->audit);
	notify_commit(h, c, r == 0);
	c->h = NULL;
	return r;
}
