/*
 * queue.c - the state folders of the private store: where a job is, and
 * the decision record.  Moves between the folders are state.c's alone;
 * their audit and publication are lifecycle.c's.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/fs.h"
#include "store/queue.h"
#include "base/banned.h"

int queue_status_dir(scq *h, int status)
{
	return store_state_dir(h, status, 1);
}

int queue_locate(scq *h, const char *uid)
{
	int s, base = store_peek(h);
	struct buf rel = BUF_INIT;
	if (base < 0 || !scq_uid_valid(uid))
		return -1;
	for (s = 0; s < SCQ_STATUS_COUNT; s++) {
		buf_setf(&rel, "jobs/%s/%s", scq_status_name(s), uid);
		if (fs_exists(base, rel.ptr))
			break;
	}
	buf_release(&rel);
	return s < SCQ_STATUS_COUNT ? s : -1;
}

int queue_job_dir(scq *h, int status, const char *uid)
{
	struct buf rel = BUF_INIT;
	int base = store_peek(h), fd;
	if (base < 0)
		return base;
	buf_addf(&rel, "jobs/%s/%s", scq_status_name(status), uid);
	fd = openat(base, rel.ptr, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	buf_release(&rel);
	return fd;
}

json_t *decision_record(const char *by, const char *reason)
{
	char now[ISO_LEN];
	time_now_iso(now);
	return json_pack("{s:s,s:s,s:o}", "at", now, "by", by, "reason",
			 reason && *reason ? json_name(reason) : json_null());
}
