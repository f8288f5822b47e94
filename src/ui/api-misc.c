/*
 * api-misc.c - the routes around the queue: the session (who I am, the
 * CSRF value the pages send back), settings, datasets, the audit log and
 * the owner's explicit refresh (doc/ui-api.md).
 */
#include "ui.h"
#include "ui-index.h"

#define FILE_MAX ((long long)4 << 20)
#define LOG_PAGE_MAX ((long long)1 << 20)

void api_session(struct call *c)
{
	struct ui *u = c->u;
	struct jw j;
	size_t i, n = 0;
	const uint32_t (*fc)[2] = scq_format_char_ranges(&n);
	int r;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, "email", u->email);
	jw_kstr(&j, "role", role_name(u->role));
	jw_kstr(&j, "csrf", u->csrf);
	jw_kstr(&j, "version", SCQ_VERSION);
	jw_kint(&j, "port", u->port);
	jw_key(&j, "format_chars");
	jw_arr(&j);
	for (i = 0; i < n; i++) {
		jw_arr(&j);
		jw_int(&j, fc[i][0]);
		jw_int(&j, fc[i][1]);
		jw_end_arr(&j);
	}
	jw_end_arr(&j);
	/* from the indexes, not scq_status_json: that walks the store each time */
	jw_key(&j, "counts");
	jw_obj(&j);
	for (r = 0; r < 2; r++) {
		struct jobindex *x = NULL;
		size_t k, n2, held = 0, by[SCQ_STATUS_COUNT] = { 0 };
		jw_key(&j, r ? "requester" : "owner");
		if (ui_index(u, r ? SCQ_AS_REQUESTER : SCQ_AS_OWNER, &x) != 0 || !x) {
			jw_null(&j);
			continue;
		}
		for (k = 0, n2 = x->n; k < n2; k++) {
			by[x->v[k].status]++;
			held += !!x->v[k].held;
		}
		jw_obj(&j);
		for (k = 0; k < SCQ_STATUS_COUNT; k++)
			jw_kint(&j, scq_status_name((int)k), (long long)by[k]);
		jw_kint(&j, "held", (long long)held);
		jw_kint(&j, "all", (long long)n2);
		jw_end(&j);
	}
	jw_end(&j);
	jw_key(&j, "limits");
	jw_obj(&j);
	jw_kint(&j, "file_max", FILE_MAX);
	jw_kint(&j, "log_page_max", LOG_PAGE_MAX);
	jw_kint(&j, "page_max", 200);
	jw_kint(&j, "batch_max", 500);
	jw_end(&j);
	jw_end(&j);
	reply_json(c->r, &j);
}

static void settings_answer(struct call *c)
{
	char *json = NULL;
	const char *const *k;
	int r = scq_config_json(c->u->h, &json);
	struct jw j;
	if (r) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	jw_init(&j);
	jw_obj(&j);
	jw_key(&j, "settings");
	jw_doc(&j, json);
	jw_key(&j, "keys");
	jw_arr(&j);
	for (k = scq_config_keys(); *k; k++)
		jw_str(&j, *k);
	jw_end_arr(&j);
	jw_end(&j);
	free(json);
	reply_json(c->r, &j);
}

/* POST {key, value}: scq_config_set, the validation of `scq config set`. */
void api_settings(struct call *c)
{
	const char *key, *value;
	int r;
	if (!strcmp(c->method, "GET")) {
		settings_answer(c);
		return;
	}
	key = body_str(c, "key");
	value = body_str(c, "value");
	if (!key || !value) {
		reply_error(c->r, 400, "bad_request", "key and value are required (strings)");
		return;
	}
	if ((r = scq_config_set(c->u->h, key, value)) == SCQ_ECONFIG)
		reply_error(c->r, 400, "invalid", "%s", scq_errmsg(c->u->h)); /* the value's fault */
	else if (r)
		reply_scq(c->r, c->u->h, r);
	else
		settings_answer(c);
}

static void datasets_answer(struct call *c)
{
	char *json = NULL;
	int r = scq_dataset_list(c->u->h, &json);
	struct jw j;
	if (r) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	jw_init(&j);
	jw_obj(&j);
	jw_key(&j, "datasets");
	jw_doc(&j, json);
	jw_end(&j);
	free(json);
	reply_json(c->r, &j);
}

void api_datasets(struct call *c)
{
	const char *action, *name, *path;
	int r;
	if (!strcmp(c->method, "GET")) {
		datasets_answer(c);
		return;
	}
	action = body_str(c, "action");
	name = body_str(c, "name");
	path = body_str(c, "path");
	if (!action || !name || (strcmp(action, "add") && strcmp(action, "remove")) ||
	    (!strcmp(action, "add") && !path)) {
		reply_error(c->r, 400, "bad_request", "{action: add, name, path} or {action: remove, name}");
		return;
	}
	r = !strcmp(action, "add") ? scq_dataset_add(c->u->h, name, path)
				   : scq_dataset_remove(c->u->h, name);
	if (r)
		reply_scq(c->r, c->u->h, r);
	else
		datasets_answer(c);
}

void api_submit(struct call *c)
{
	struct scq_submit_options o;
	const scq_value *tags = scq_value_get(c->body, "tags");
	const char *tv[SCQ_TAGS_MAX + 1];
	size_t i, n = scq_value_size(tags);
	char *uid = NULL;
	struct jw j;
	int r;
	memset(&o, 0, sizeof o);
	o.folder = body_str(c, "folder");
	o.to = body_str(c, "to");
	o.name = body_str(c, "name");
	o.description = body_str(c, "description");
	o.context = body_str(c, "context");
	o.resubmit_of = body_str(c, "revises");
	o.runtime = body_str(c, "runtime");
	o.convert_crlf = scq_value_is_true(scq_value_get(c->body, "convert_crlf"));
	o.force = scq_value_is_true(scq_value_get(c->body, "force"));
	if (!o.folder || !o.to || !o.name) {
		reply_error(c->r, 400, "bad_request", "folder, to and name are required");
		return;
	}
	if (o.folder[0] != '/') { /* the server's working folder is not the person's */
		reply_error(c->r, 400, "bad_request", "folder '%s' is not an absolute path: give "
			    "the whole path on this machine (/home/me/job)", o.folder);
		return;
	}
	if ((tags && scq_value_type(tags) != SCQ_VALUE_ARRAY && scq_value_type(tags) != SCQ_VALUE_NULL) ||
	    n > SCQ_TAGS_MAX) {
		reply_error(c->r, 400, "bad_request", "tags: an array of at most %d strings", SCQ_TAGS_MAX);
		return;
	}
	for (i = 0; i < n; i++)
		if (!(tv[i] = scq_value_string(scq_value_at(tags, i, NULL)))) {
			reply_error(c->r, 400, "bad_request", "tags[%zu] is not a string", i);
			return;
		}
	tv[n] = NULL;
	o.tags = n ? tv : NULL;
	if ((r = scq_submit(c->u->h, &o, &uid)) != 0) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	index_free(c->u->idx[1]); /* my jobs are listed again, with this one */
	c->u->idx[1] = NULL;
	jw_init(&j);
	jw_obj(&j);
	jw_kbool(&j, "ok", 1);
	jw_kstr(&j, "uid", uid);
	jw_kstr(&j, "notices", scq_notices(c->u->h));
	jw_end(&j);
	free(uid);
	reply_json(c->r, &j);
}

/* The owner's explicit refresh: what the runner does each tick (take new
 * jobs from the inbox, expire), for an owner who runs none.  The audit
 * log's lines then update the queue (events.c). */
void api_refresh(struct call *c)
{
	int r = scq_refresh(c->u->h, SCQ_REFRESH_READS);
	struct jw j;
	if (r) {
		reply_scq(c->r, c->u->h, r);
		return;
	}
	jw_init(&j);
	jw_obj(&j);
	jw_kbool(&j, "ok", 1);
	jw_kstr(&j, "notices", scq_notices(c->u->h));
	jw_end(&j);
	reply_json(c->r, &j);
}
