/*
 * t-state.c - the job state machine's table (state.c) against a naive
 * model written here independently, as SQLite tests its bitvec against a
 * plain array: every (from, to) pair over all statuses and pseudo-states,
 * allowed or refused, with the row's record, event and flags; and every
 * actor on every row, allowed or refused (the "who" of the row).  No
 * store: a refused move must be refused before any file is touched.
 */
#include "base/compat.h"
#include "store/handle.h"
#include "store/state.h"
#include "tap.h"

/* Our own names, in scq.h's order, then the pseudo-state. */
static const char *const names[] = {
	"pending", "approved", "running", "completed", "failed",
	"rejected", "timedout", "cancelled", "staged", "awaiting_release", "released",
	"partly_released", "withheld", "returned",
};
#define NSTATES ((int)(sizeof(names) / sizeof(names[0])))

static int id(const char *name)
{
	int i;
	for (i = 0; i < NSTATES; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* The naive model: doc/protocol.md §5 read as prose, one move a line:
 * "from to record also event who results". */
static const char *const model[] = {
	"staged pending - - ingest ingest no",
	"pending approved approved.json - approve owner+reviewer no",
	"pending pending votes.json - vote owner+reviewer no",
	"staged approved approved.json - rerun owner no",
	"pending rejected rejected.json - reject owner yes",
	"pending cancelled cancelled.json - cancel owner+requester yes",
	"pending timedout timedout.json - expire scq yes",
	"approved cancelled cancelled.json - cancel owner+requester yes",
	"approved running - - start runner no",
	"running completed result.json - finish runner yes",
	"running failed result.json - finish runner yes",
	"running cancelled result.json cancelled.json finish runner yes",
	"failed completed result.json - republish owner yes",
	"failed failed result.json - republish owner yes",
	"awaiting_release released released.json - release owner+reviewer yes",
	"awaiting_release partly_released released.json - release-partial owner+reviewer yes",
	"awaiting_release withheld released.json - withhold owner yes",
	"awaiting_release returned released.json - return owner yes",
};

struct move {
	char from[24], to[24], record[32], also[32], event[24], who[32], results[4];
};

/* The model's line for from -> to, parsed into *m; 0 if none. */
static int model_find(int from, int to, struct move *m)
{
	size_t i;
	for (i = 0; i < sizeof(model) / sizeof(model[0]); i++) {
		if (sscanf(model[i], "%23s %23s %31s %31s %23s %31s %3s", m->from, m->to,
			   m->record, m->also, m->event, m->who, m->results) != 7)
			return tap_diag("bad model line %zu", i), 0;
		if (id(m->from) == from && id(m->to) == to)
			return 1;
	}
	return 0;
}

/* The actors, as the model names them and as a refusal names them. */
static const struct {
	const char *model, *said;
	unsigned flag;
} actors[] = {
	{ "owner", "the data owner", STATE_BY_OWNER },
	{ "requester", "the requester", STATE_BY_REQUESTER },
	{ "runner", "the runner", STATE_BY_RUNNER },
	{ "ingest", "ingest", STATE_BY_INGEST },
	{ "scq", "scq", STATE_BY_SCQ },
	{ "reviewer", "a delegated reviewer", STATE_BY_REVIEWER },
};
#define NACTORS (sizeof(actors) / sizeof(actors[0]))
#define UID "00000000-0000-4000-8000-000000000000"

/* Whether the model's "who" (a+b+c) names the actor. */
static int model_allows(const char *who, const char *actor)
{
	char copy[32], *p, *save = NULL;
	snprintf(copy, sizeof(copy), "%s", who);
	for (p = strtok_r(copy, "+", &save); p; p = strtok_r(NULL, "+", &save))
		if (!strcmp(p, actor))
			return 1;
	return 0;
}

static unsigned who_flags(const char *who)
{
	unsigned f = 0;
	f |= strstr(who, "owner") ? STATE_BY_OWNER : 0;
	f |= strstr(who, "requester") ? STATE_BY_REQUESTER : 0;
	f |= strstr(who, "runner") ? STATE_BY_RUNNER : 0;
	f |= strstr(who, "ingest") ? STATE_BY_INGEST : 0;
	f |= strstr(who, "scq") ? STATE_BY_SCQ : 0;
	f |= strstr(who, "reviewer") ? STATE_BY_REVIEWER : 0;
	return f;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void check_row(int from, int to, const struct state_row *row, const struct move *m)
{
	unsigned who = STATE_BY_ANY;
	is_str(or_dash(row->record), m->record, "%s -> %s writes %s", names[from], names[to],
	       m->record);
	is_str(or_dash(row->also), m->also, "%s -> %s also writes %s", names[from], names[to],
	       m->also);
	is_str(row->event, m->event, "%s -> %s is audited as %s", names[from], names[to],
	       m->event);
	is_int(row->flags & who, who_flags(m->who), "%s -> %s is done by %s", names[from],
	       names[to], m->who);
	is_int(!!(row->flags & STATE_RESULTS), !strcmp(m->results, "yes"),
	       "%s -> %s publishes results: %s", names[from], names[to], m->results);
}

/* A refused pair fails with SCQ_ESTATE and a message naming it, before
 * any file is touched (h has no store: a touch would fail otherwise). */
static void check_refused(scq *h, int from, int to)
{
	char want[128];
	int r = state_move(h, NULL, STATE_BY_OWNER, UID, from, to, NULL);
	snprintf(want, sizeof(want), "no move from %s to %s", state_name(from), state_name(to));
	ok(r == SCQ_ESTATE && strstr(scq_errmsg(h), want), "%s -> %s is refused",
	   from >= 0 && from < NSTATES ? names[from] : "?", to >= 0 && to < NSTATES ? names[to] : "?");
}

/* An allowed pair passes the table: without its record it stops at the
 * next check (SCQ_EINVAL), again before any file is touched. */
static void check_allowed(scq *h, int from, int to, const struct move *m)
{
	int r;
	if (!strcmp(m->record, "-"))
		return; /* it would rename: that needs a store */
	r = state_move(h, NULL, who_flags(m->who) & -who_flags(m->who), UID, from, to, NULL);
	ok(r == SCQ_EINVAL && strstr(scq_errmsg(h), "needs its record"),
	   "%s -> %s is in the table (it asks for its record)", names[from], names[to]);
}

/* A refused actor gets SCQ_EPERM naming itself and the move, from both
 * entry points, before any file is touched (the folders are -1). */
static void check_refused_actor(scq *h, int from, int to, unsigned by, const char *said)
{
	char want[160];
	int r = state_move(h, NULL, by, UID, from, to, NULL), r2;
	snprintf(want, sizeof(want), "%s may not move it from %s to %s", said, names[from],
		 names[to]);
	ok(r == SCQ_EPERM && strstr(scq_errmsg(h), want), "%s -> %s is refused to %s (%s)",
	   names[from], names[to], said, scq_errmsg(h));
	r2 = state_move_at(h, NULL, by, -1, -1, UID, from, to, NULL);
	ok(r2 == SCQ_EPERM && strstr(scq_errmsg(h), want), "%s -> %s is refused to %s "
	   "(state_move_at)", names[from], names[to], said);
}

/* Every actor on the row of an allowed pair: the model's own are let
 * through to the record check (where there is a record to ask for),
 * the others refused; no actor, or two at once, is refused too. */
static void check_actors(scq *h, int from, int to, const struct move *m)
{
	size_t a;
	int r;
	for (a = 0; a < NACTORS; a++) {
		if (!model_allows(m->who, actors[a].model)) {
			check_refused_actor(h, from, to, actors[a].flag, actors[a].said);
		} else if (strcmp(m->record, "-")) {
			r = state_move(h, NULL, actors[a].flag, UID, from, to, NULL);
			ok(r == SCQ_EINVAL && strstr(scq_errmsg(h), "needs its record"),
			   "%s -> %s is allowed to %s", names[from], names[to], actors[a].said);
		}
	}
	check_refused_actor(h, from, to, 0, "an unknown actor");
	check_refused_actor(h, from, to, STATE_BY_ANY, "an unknown actor");
	check_refused_actor(h, from, to, STATE_RESULTS, "an unknown actor");
}

/* The release axis: a decision is written in place (state_decide_at),
 * never by a rename; released.json's decision names its row's state. */
static void check_release(scq *h)
{
	json_t *rec = json_object();
	int r = state_move(h, NULL, STATE_BY_OWNER, UID, STATE_AWAITING_RELEASE, STATE_RELEASED,
			   rec);
	ok(r == SCQ_EINVAL && strstr(scq_errmsg(h), "renames nothing"),
	   "state_move refuses a release decision (%s)", scq_errmsg(h));
	r = state_decide_at(h, NULL, STATE_BY_OWNER, -1, UID, SCQ_PENDING, SCQ_REJECTED, rec);
	ok(r == SCQ_EINVAL && strstr(scq_errmsg(h), "not a release decision"),
	   "state_decide_at refuses a move between folders");
	r = state_decide_at(h, NULL, STATE_BY_RUNNER, -1, UID, STATE_AWAITING_RELEASE,
			    STATE_RELEASED, rec);
	ok(r == SCQ_EPERM, "the runner cannot release results");
	r = state_decide_at(h, NULL, STATE_BY_OWNER, -1, UID, STATE_RELEASED,
			    STATE_WITHHELD, rec);
	ok(r == SCQ_ESTATE, "a decided release is not decided again");
	is_int(state_decided(NULL), STATE_RELEASED, "an older released.json released all");
	is_int(state_decided("release"), STATE_RELEASED, "release: released");
	is_int(state_decided("release-partial"), STATE_PARTLY_RELEASED, "release-partial");
	is_int(state_decided("withhold"), STATE_WITHHELD, "withhold: withheld");
	is_int(state_decided("return"), STATE_RETURNED, "return: returned");
	is_int(state_decided("approve"), -1, "approve is no release decision");
	ok(!state_is_release(SCQ_COMPLETED) && !state_is_release(STATE_STAGED) &&
	   state_is_release(STATE_RETURNED) && !state_is_release(STATE_COUNT),
	   "the release pseudo-states are those five");
	json_decref(rec);
}

int main(void)
{
	struct scq h;
	struct move m;
	size_t n, i;
	const struct state_row *t = state_table(&n);
	int from, to, allowed = 0;
	memset(&h, 0, sizeof(h));
	h.store_fd = -1;
	buf_init(&h.err, 4096);
	is_int(STATE_COUNT, NSTATES, "statuses and pseudo-states: %d", NSTATES);
	for (i = 0; i < NACTORS; i++)
		is_str(state_by_name(actors[i].flag), actors[i].said, "actor %s is said %s",
		       actors[i].model, actors[i].said);
	for (from = 0; from < NSTATES; from++)
		is_str(state_name(from), names[from], "state %d is %s", from, names[from]);
	for (from = -1; from <= NSTATES; from++)
		for (to = -1; to <= NSTATES; to++) {
			const struct state_row *row = state_find(from, to);
			int want = from >= 0 && to >= 0 && model_find(from, to, &m);
			ok(!!row == want, "%s -> %s: %s", from >= 0 && from < NSTATES ? names[from] : "?",
			   to >= 0 && to < NSTATES ? names[to] : "?", want ? "allowed" : "refused");
			allowed += want;
			if (row && want) {
				check_row(from, to, row, &m);
				check_allowed(&h, from, to, &m);
				check_actors(&h, from, to, &m);
			} else if (!row) {
				check_refused(&h, from, to);
			}
		}
	is_int((long long)n, allowed, "the table has one row per allowed move, no more");
	for (i = 0; i < n; i++)
		ok(state_find(t[i].from, t[i].to) == &t[i], "row %zu (%s -> %s) is its pair's only row",
		   i, state_name(t[i].from), state_name(t[i].to));
	/* the invariant the product exists for: no run without approval */
	for (from = 0; from < NSTATES; from++)
		if (from != SCQ_APPROVED)
			ok(!state_find(from, SCQ_RUNNING), "no way into running from %s", names[from]);
	/* a wait ends at a finished status: no move leads out of one again */
	for (i = 0; i < n; i++)
		if (state_finished(t[i].from))
			ok(state_finished(t[i].to), "%s is finished and so is %s, where it may move",
			   state_name(t[i].from), state_name(t[i].to));
	ok(!state_finished(SCQ_PENDING) && !state_finished(SCQ_APPROVED) &&
	   !state_finished(SCQ_RUNNING) && !state_finished(STATE_STAGED),
	   "waiting, approved, running and staged jobs are not finished");
	check_release(&h);
	buf_release(&h.err);
	return done_testing();
}
