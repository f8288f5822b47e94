/*
 * state.h - the job state machine, as data, and the one function that
 * moves a job between states.
 *
 * Exports:
 *   STATE_STAGED        pseudo-state: tmp/<uid>, a job ingest has staged
 *   STATE_COUNT         the 8 statuses of scq.h plus the pseudo-states
 *   STATE_BY_*          who may make a move (flags of a row); a mover
 *                       names itself with one of them
 *   STATE_RESULTS       the move's publication carries log and outputs
 *   struct state_row    {from, to, record, also, event, flags}
 *   state_table()       every allowed move (doc/protocol.md §5 mirrors it)
 *   state_find()        the row of a move, or NULL: the move is refused
 *   state_name()        "pending" ... "cancelled", "staged"
 *   state_finished()    the job is over: no move leads back to a waiting or
 *                       running state (t-state checks it against the table)
 *   state_by_name()     "the data owner" ... for one STATE_BY_* flag
 *   state_move()        THE state change of a job: record, then rename
 *   state_move_at()     the same with the two state folders already open
 *   state_is_release()  one of the release pseudo-states (awaiting_release...)
 *   state_decided()     the release state a released.json decision names
 *   state_decide_at()   a release decision: its row's record, written in
 *                       place and never over an earlier decision
 *
 * A job's status is the folder it sits in (jobs/<status>/<uid>); a move
 * writes the record that justifies it into the job folder, then renames
 * the folder with RENAME_NOREPLACE, so of two processes racing for the
 * same move only one wins: the loser sees ENOENT (or EEXIST) and gets
 * SCQ_ESTATE naming the job's state.  Nothing else in the library renames
 * between state folders (make check-layering greps for it).
 *
 * The mover says who it is (one STATE_BY_* flag), and a move its row does
 * not allow to that kind of actor is refused (SCQ_EPERM) before any file
 * is touched: the runner cannot approve, the owner cannot claim.
 *
 * This layer writes and renames only: the audit event and the outbox
 * publication of a move are the caller's (lifecycle.c), one layer up.
 */
#ifndef SCQ_STATE_H
#define SCQ_STATE_H

#include "store/handle.h"

/* tmp/<uid>: copied and verified by ingest, not yet committed. */
#define STATE_STAGED SCQ_STATUS_COUNT
/*
 * The release of a finished run's results (setting release=review), a
 * second axis of a job in completed/, failed/ or cancelled/: the folder
 * keeps the run's outcome, and released.json is the release state.  A run
 * whose result.json says release "review" and that has no released.json
 * is awaiting_release; the owner's decision writes released.json (never
 * replacing one: the first decision wins) and no folder is renamed
 * (state_decide_at).
 */
enum {
	STATE_AWAITING_RELEASE = SCQ_STATUS_COUNT + 1,
	STATE_RELEASED,        /* every output and the log */
	STATE_PARTLY_RELEASED, /* some outputs (and the log, or not) */
	STATE_WITHHELD,        /* nothing: each file withheld with a reason */
	STATE_RETURNED,        /* nothing: a comment, the requester may resubmit */
	STATE_COUNT
};

enum state_flags {
	STATE_BY_OWNER = 1 << 0,     /* the data owner (scq approve, ...) */
	STATE_BY_REQUESTER = 1 << 1, /* the requester, by a cancel request */
	STATE_BY_RUNNER = 1 << 2,    /* the runner (claim, finish) */
	STATE_BY_INGEST = 1 << 3,    /* ingest's commit */
	STATE_BY_SCQ = 1 << 4,       /* scq itself (expiry) */
	STATE_RESULTS = 1 << 5,      /* publish log and outputs with the status */
	STATE_BY_REVIEWER = 1 << 6   /* a delegated reviewer's vote (votes.c) */
};
#define STATE_BY_ANY (STATE_BY_OWNER | STATE_BY_REQUESTER | STATE_BY_RUNNER | \
		      STATE_BY_INGEST | STATE_BY_SCQ | STATE_BY_REVIEWER)

struct state_row {
	int from, to;
	/* written into the job folder before the rename, from the caller's
	 * record (NULL: nothing); `also` from the record's "cancel" member */
	const char *record, *also;
	const char *event; /* the audit event of the move */
	unsigned flags;
};

/* The table; *n gets its length. */
const struct state_row *state_table(size_t *n);
/* The row of from -> to; NULL if the move is not allowed. */
const struct state_row *state_find(int from, int to);
const char *state_name(int state);
/* Completed, failed, rejected, timedout or cancelled: the job will not run
 * (again); a wait ends there. */
int state_finished(int status);
/* "the data owner", "the requester", "the runner", "ingest", "scq" for
 * one STATE_BY_* flag; "an unknown actor" otherwise. */
const char *state_by_name(unsigned by);

/*
 * Move uid from `from` to `to` on behalf of `by` (one STATE_BY_* flag):
 * refuse a pair not in the table (SCQ_ESTATE) or not allowed to `by`
 * (SCQ_EPERM), write record as the row's record file(s), then rename the
 * folder; durable when it returns with c NULL, at commit_end(c) otherwise
 * (commit.h).  from == to (a row for it) rewrites the record in place.
 * SCQ_ESTATE if the job is no longer in `from`.
 */
int state_move(scq *h, struct commit *c, unsigned by, const char *uid, int from, int to,
	       json_t *record);
/* The same, with the folders of from and to open (src, dst). */
int state_move_at(scq *h, struct commit *c, unsigned by, int src, int dst,
		  const char *uid, int from, int to, json_t *record);

/* awaiting_release, released, partly_released, withheld or returned. */
int state_is_release(int state);
/* The release state a decision of released.json names (its row's event;
 * NULL: a record from before decisions were named, STATE_RELEASED); -1
 * for a name no row has. */
int state_decided(const char *decision);
/*
 * A release decision (from awaiting_release to one of the others) on
 * behalf of `by`, for the job folder jobfd (completed/, failed/ or
 * cancelled/): the same checks as state_move, then the row's record is
 * written into jobfd with FS_NOREPLACE, which is the decision's commit:
 * SCQ_ESTATE if a decision was made already (by anyone, even at the same
 * moment).  Durable when it returns with c NULL.
 */
int state_decide_at(scq *h, struct commit *c, unsigned by, int jobfd, const char *uid,
		    int from, int to, json_t *record);

#endif
