/*
 * state.c - the job state machine as a table, and state_move, the one
 * function through which a job changes state (see state.h).
 *
 * Crash argument (doc/protocol.md §5): a move writes its record file
 * inside the job folder, then renames the folder.  A crash before the
 * rename leaves the job in its old state with a record the loader ignores
 * (it reads only records consistent with the folder); a crash after the
 * rename leaves the new state durable, and the outbox publication, which
 * is idempotent, is redone by the next runner start.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "store/commit.h"
#include "base/fs.h"
#include "store/notify.h"
#include "store/queue.h"
#include "store/state.h"
#include "base/banned.h"

#define OWNER STATE_BY_OWNER
#define REQ STATE_BY_REQUESTER
#define RUNNER STATE_BY_RUNNER
#define RES STATE_RESULTS
#define REVIEWER STATE_BY_REVIEWER

/* doc/protocol.md §5 is written from this table: change both together. */
static const struct state_row table[] = {
	{ STATE_STAGED, SCQ_PENDING, NULL, NULL, "ingest", STATE_BY_INGEST },
	{ SCQ_PENDING, SCQ_APPROVED, "approved.json", NULL, "approve", OWNER | REVIEWER },
	/* a vote short of approvals_required: the job stays pending (votes.c) */
	{ SCQ_PENDING, SCQ_PENDING, "votes.json", NULL, "vote", OWNER | REVIEWER },
	/* scq rerun: a new job, the code of a finished one, approved by the
	 * owner's command itself (queue/rerun.c) */
	{ STATE_STAGED, SCQ_APPROVED, "approved.json", NULL, "rerun", OWNER },
	{ SCQ_PENDING, SCQ_REJECTED, "rejected.json", NULL, "reject", OWNER | RES },
	{ SCQ_PENDING, SCQ_CANCELLED, "cancelled.json", NULL, "cancel", OWNER | REQ | RES },
	{ SCQ_PENDING, SCQ_TIMEDOUT, "timedout.json", NULL, "expire", STATE_BY_SCQ | RES },
	{ SCQ_APPROVED, SCQ_CANCELLED, "cancelled.json", NULL, "cancel", OWNER | REQ | RES },
	/* the claim: running.json follows the rename, under the job's lock */
	{ SCQ_APPROVED, SCQ_RUNNING, NULL, NULL, "start", RUNNER },
	{ SCQ_RUNNING, SCQ_COMPLETED, "result.json", NULL, "finish", RUNNER | RES },
	{ SCQ_RUNNING, SCQ_FAILED, "result.json", NULL, "finish", RUNNER | RES },
	{ SCQ_RUNNING, SCQ_CANCELLED, "result.json", "cancelled.json", "finish", RUNNER | RES },
	/* scq republish, after a collect_error: the run's own outcome */
	{ SCQ_FAILED, SCQ_COMPLETED, "result.json", NULL, "republish", OWNER | RES },
	{ SCQ_FAILED, SCQ_FAILED, "result.json", NULL, "republish", OWNER | RES },
	/* the owner's decision on a run awaiting release (state_decide_at):
	 * released.json is written in place, the folder stays the outcome */
	/* a reviewer's release vote read from the inbox may be the one that
	 * decides (release_approvals_required, release-votes.c) */
	{ STATE_AWAITING_RELEASE, STATE_RELEASED, "released.json", NULL, "release",
	  OWNER | REVIEWER | RES },
	{ STATE_AWAITING_RELEASE, STATE_PARTLY_RELEASED, "released.json", NULL,
	  "release-partial", OWNER | REVIEWER | RES },
	{ STATE_AWAITING_RELEASE, STATE_WITHHELD, "released.json", NULL, "withhold", OWNER | RES },
	{ STATE_AWAITING_RELEASE, STATE_RETURNED, "released.json", NULL, "return", OWNER | RES },
};

const struct state_row *state_table(size_t *n)
{
	*n = SCQ_NELEM(table);
	return table;
}

const struct state_row *state_find(int from, int to)
{
	size_t i;
	for (i = 0; i < SCQ_NELEM(table); i++)
		if (table[i].from == from && table[i].to == to)
			return &table[i];
	return NULL;
}

const char *state_name(int state)
{
	static const char *const release[] = { "awaiting_release", "released",
		"partly_released", "withheld", "returned" };
	if (state == STATE_STAGED)
		return "staged";
	if (state_is_release(state))
		return release[state - STATE_AWAITING_RELEASE];
	return state >= 0 && state < SCQ_STATUS_COUNT ? scq_status_name(state) : "unknown";
}

int state_finished(int status)
{
	/* the statuses are ordered so (scq.h): everything from completed on */
	return status >= SCQ_COMPLETED && status < SCQ_STATUS_COUNT;
}

const char *state_by_name(unsigned by)
{
	switch (by) {
	case STATE_BY_OWNER: return "the data owner";
	case STATE_BY_REQUESTER: return "the requester";
	case STATE_BY_RUNNER: return "the runner";
	case STATE_BY_INGEST: return "ingest";
	case STATE_BY_SCQ: return "scq";
	case STATE_BY_REVIEWER: return "a delegated reviewer";
	default: return "an unknown actor";
	}
}

int state_is_release(int state)
{
	return state >= STATE_AWAITING_RELEASE && state < STATE_COUNT;
}

int state_decided(const char *decision)
{
	size_t i;
	if (!decision) /* released.json before decisions were named: all of it */
		return STATE_RELEASED;
	for (i = 0; i < SCQ_NELEM(table); i++)
		if (table[i].from == STATE_AWAITING_RELEASE && !strcmp(table[i].event, decision))
			return table[i].to;
	return -1;
}

static int state_dir(scq *h, int state)
{
	return state == STATE_STAGED ? store_subdir(h, "tmp") : queue_status_dir(h, state);
}

static int write_record(scq *h, int src, const char *uid, const struct state_row *row,
			json_t *record, unsigned fsflags)
{
	int fd = openat(src, uid, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
	if (fd < 0)
		return errno == ENOENT ? SCQ_ESTATE : scq_fail_errno(h, "job '%s'", uid);
	if (json_write_at(fd, row->record, record, fsflags) < 0)
		r = scq_fail_errno(h, "writing record '%s' of job '%s'", row->record, uid);
	if (!r && row->also &&
	    json_write_at(fd, row->also, json_object_get(record, "cancel"), fsflags) < 0)
		r = scq_fail_errno(h, "writing record '%s' of job '%s'", row->also, uid);
	close(fd);
	return r;
}

static int state_error(scq *h, const char *uid, int from)
{
	int now = queue_locate(h, uid);
	if (now < 0)
		return scq_fail(h, SCQ_ENOTFOUND, "job '%s' not found", uid);
	return scq_fail(h, SCQ_ESTATE, "job '%s' is %s, not %s", uid,
			scq_status_name(now), state_name(from));
}

/* The move's row, or NULL with the error set: checked before any file
 * is touched.  `by` must be one actor (one bit), and one its row names. */
static const struct state_row *check_move(scq *h, unsigned by, const char *uid, int from,
					  int to, json_t *record, int *r)
{
	const struct state_row *row = state_find(from, to);
	if (!row)
		*r = scq_fail(h, SCQ_ESTATE, "job '%s': no move from %s to %s "
			      "(doc/protocol.md §5)", uid, state_name(from), state_name(to));
	else if ((by & (by - 1)) || !(row->flags & by & STATE_BY_ANY))
		*r = scq_fail(h, SCQ_EPERM, "job '%s': %s may not move it from %s to %s "
			      "(doc/protocol.md §5)", uid, state_by_name(by), state_name(from),
			      state_name(to));
	else if (row->record && !record)
		*r = scq_fail(h, SCQ_EINVAL, "job '%s': the move from %s to %s needs its "
			      "record %s", uid, state_name(from), state_name(to), row->record);
	return *r ? NULL : row;
}

/* A move made, for notify_command (store/notify.h). */
static void note(scq *h, struct commit *c, const struct state_row *row, const char *uid,
		 json_t *record)
{
	notify_note(h, c, uid, row->event, state_name(row->from), state_name(row->to), record,
		    row->record && !strcmp(row->record, "result.json"));
}

int state_move_at(scq *h, struct commit *c, unsigned by, int src, int dst,
		  const char *uid, int from, int to, json_t *record)
{
	int r = 0;
	unsigned fsflags = commit_fsflags(c);
	const struct state_row *row = check_move(h, by, uid, from, to, record, &r);
	if (!row)
		return r;
	if (state_is_release(from))
		return scq_fail(h, SCQ_EINVAL, "job '%s': a release decision renames nothing "
				"(state_decide_at)", uid);
	if (row->record && (r = write_record(h, src, uid, row, record, fsflags)) != 0)
		return r == SCQ_ESTATE ? state_error(h, uid, from) : r;
	if (from == to)
		return 0; /* a record rewritten in place (republish) */
	if (fs_rename(src, uid, dst, uid, fsflags) < 0)
		return errno == ENOENT || errno == EEXIST ? state_error(h, uid, from) :
		       scq_fail_errno(h, "moving job '%s' to %s", uid, state_name(to));
	note(h, c, row, uid, record); /* told after the commit (notify.h) */
	return 0;
}

int state_move(scq *h, struct commit *c, unsigned by, const char *uid, int from, int to,
	       json_t *record)
{
	int src, dst, r = 0;
	if (!check_move(h, by, uid, from, to, record, &r))
		return r;
	if (state_is_release(from))
		return scq_fail(h, SCQ_EINVAL, "job '%s': a release decision renames nothing "
				"(state_decide_at)", uid);
	src = state_dir(h, from);
	dst = from == to ? -1 : state_dir(h, to);
	r = src < 0 ? src : from != to && dst < 0 ? dst :
	    state_move_at(h, c, by, src, dst, uid, from, to, record);
	fd_close(&src);
	fd_close(&dst);
	return r;
}

int state_decide_at(scq *h, struct commit *c, unsigned by, int jobfd, const char *uid,
		    int from, int to, json_t *record)
{
	int r = 0;
	const struct state_row *row = check_move(h, by, uid, from, to, record, &r);
	if (!row)
		return r;
	if (!state_is_release(from) || !row->record)
		return scq_fail(h, SCQ_EINVAL, "job '%s': %s -> %s is not a release decision",
				uid, state_name(from), state_name(to));
	/* no replace: of two decisions, even at the same moment, one wins */
	if (json_write_at(jobfd, row->record, record, commit_fsflags(c) | FS_NOREPLACE) == 0) {
		note(h, c, row, uid, record);
		return 0;
	}
	if (errno == EEXIST)
		return scq_fail(h, SCQ_ESTATE, "job '%s': its results were decided on already "
				"(%s exists)", uid, row->record);
	return scq_fail_errno(h, "writing record '%s' of job '%s'", row->record, uid);
}
