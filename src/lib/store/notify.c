/*
 * notify.c - the transitions due for notification (see notify.h).
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "store/commit.h"
#include "store/notify.h"
#include "store/settings.h"
#include "base/banned.h"

static int notify_on(scq *h)
{
	char *cmd = setting_path(h, SET_NOTIFY_COMMAND);
	int on = *cmd != '\0';
	free(cmd);
	return on;
}

/* A string member of the record, copied (a note outlives it), or null. */
static json_t *member(json_t *record, const char *key)
{
	json_t *v = json_object_get(record, key);
	return json_is_string(v) ? json_copy(v) : json_null();
}

void notify_note(scq *h, struct commit *c, const char *uid, const char *event,
		 const char *from, const char *to, json_t *record, int run_record)
{
	char at[ISO_LEN];
	json_t *n, **list = c ? &c->notify : &h->notify_due;
	const char *rel = json_string_value(json_object_get(record, "release"));
	if (!strcmp(from, to) || !notify_on(h))
		return; /* a vote or a record rewritten in place: no transition */
	time_now_iso(at);
	n = json_pack("{s:s,s:s,s:s,s:s,s:s}", "uid", uid, "event", event, "from", from,
		      "to", to, "at", at);
	json_object_set_new(n, "reason", member(record, "reason"));
	json_object_set_new(n, "error_kind", member(record, "error_kind"));
	if (run_record)
		json_object_set_new(n, "results_held", json_boolean(rel && !strcmp(rel, "review")));
	if (!*list)
		*list = json_array();
	json_array_append_new(*list, n);
}

void notify_commit(scq *h, struct commit *c, int durable)
{
	if (durable && c->notify) {
		if (!h->notify_due)
			h->notify_due = json_array();
		json_array_extend(h->notify_due, c->notify);
	}
	json_decref(c->notify);
	c->notify = NULL;
}

json_t *notify_take(scq *h)
{
	json_t *due = h->notify_due;
	h->notify_due = NULL;
	return due;
}
