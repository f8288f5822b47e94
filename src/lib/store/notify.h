/*
 * notify.h - the transitions the owner's notify_command is told of
 * (doc/protocol.md §14): noted where every move is made (state.c), due
 * once durable, told by queue/notify.c after the caller let go of its
 * locks (the hook may take seconds; no job waits for it).
 *
 * Exports (notify.c):
 *   notify_note()    state.c: a move was made (uid, its row's event, the
 *                    states' names, the record it wrote, whether that is
 *                    a run record); nothing when notify_command is off
 *   notify_commit()  commit_end: the commit's notes are due, or dropped
 *                    with it when it failed (a move that may be lost is
 *                    never told)
 *   notify_take()    the due notes, as an array (caller decrefs; NULL:
 *                    none), the handle keeps none
 *
 * A note holds what the move knew: {uid, event, from, to, at, reason,
 * error_kind, results_held}; the job's name and emails are read when it is
 * told.  A crash after the move and before the hook ran loses the
 * notification, never the move: notes live in memory only.
 */
#ifndef SCQ_NOTIFY_H
#define SCQ_NOTIFY_H

#include "store/handle.h"

struct commit;

/* Names, not state.h's numbers: this module sits beside state.c, below
 * it in no way (no cycle between the two). */
void notify_note(scq *h, struct commit *c, const char *uid, const char *event,
		 const char *from, const char *to, json_t *record, int run_record);
void notify_commit(scq *h, struct commit *c, int durable);
json_t *notify_take(scq *h);

#endif
