/*
 * notify.h - telling notify_command of a job's transitions (doc/protocol.md
 * §14): the owner's hook of every move its store makes, the requester's of
 * every new status its jobs show in the owners' outboxes.
 *
 * Exports (notify.c):
 *   notify_flush()  tell the due transitions (store/notify.h) and wait for
 *                   every hook running, at most notify_timeout_seconds;
 *                   called where a public call that moves jobs returns,
 *                   with no lock held
 *   notify_start()  the runner's: start the hooks of the due transitions
 *                   and reap those that ended, without waiting
 *   notify_running()  hooks started and not yet reaped (the runner's
 *                   sleep is short while there are some)
 *   notify_scan()   the requester's: the statuses of my jobs against my
 *                   record of what was told (notified.json), the new ones
 *                   told (scq_refresh, SCQ_REFRESH_NOTIFY)
 *
 * A hook that fails (exits non-zero, is killed, runs past its timeout, is
 * missing or not executable) is logged, never an error of the call: the
 * queue goes on (audit event "notify-failed", and scq_log).
 */
#ifndef SCQ_QUEUE_NOTIFY_H
#define SCQ_QUEUE_NOTIFY_H

#include "store/handle.h"

void notify_flush(scq *h);
void notify_start(scq *h);
size_t notify_running(scq *h);
int notify_scan(scq *h);

#endif
