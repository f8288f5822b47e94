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
	char *status = NULL;
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
	jw_key(&j, "status");
	if (scq_status_json(u->h, &status) == 0)
		jw_doc(&j, status);
	else
		jw_null(&j);
	free(status);
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

static void not_yet(struct call *c)
{
	reply_error(c->r, 501, "not_implemented", "not implemented yet");
}

void api_job(struct call *c) { not_yet(c); }
void api_job_post(struct call *c) { not_yet(c); }
void api_audit(struct call *c) { not_yet(c); }
void api_settings(struct call *c) { not_yet(c); }
void api_datasets(struct call *c) { not_yet(c); }
void api_submit(struct call *c) { not_yet(c); }
void api_refresh(struct call *c) { not_yet(c); }
