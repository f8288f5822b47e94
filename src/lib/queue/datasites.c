/*
 * datasites.c - the datasites that run the queue, as this machine sees
 * them (scq.h: scq_datasites).
 *
 * A requester cannot read another owner's app folder (its ACL keeps all
 * but inbox/<me> and outbox/<me> private), so what marks a datasite that
 * runs the queue is what it publishes for everyone: public/code-queue/
 * (limits.json from scq init, runtimes.json, mock/, heartbeat.json).
 * Every byte of it came through the sync from someone else: each file is
 * read by its own strict reader, and one that cannot be read is a notice
 * naming it, never the end of the listing.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/signed.h"
#include "base/banned.h"

#define DATASITES_MAX 10000 /* listed; more are counted in "cut" */

static void notice(json_t *notices, const char *file, const char *what)
{
	struct buf b = BUF_INIT;
	buf_add_shown(&b, file, strlen(file), 0);
	buf_adds(&b, ": ");
	buf_add_shown(&b, what, strlen(what), BUF_SHOW_MARKED);
	json_array_append_new(notices, json_string(b.ptr));
	buf_release(&b);
}

/* Names of the runtimes email publishes, and its default. */
static void add_runtimes(scq *h, const char *email, const char *pub, json_t *row,
			 json_t *notices)
{
	json_t *doc, *names = json_array(), *v;
	const char *k;
	char *js = NULL;
	struct buf file = BUF_INIT;
	buf_addf(&file, "%s/runtimes.json", pub);
	json_object_set_new(row, "default_runtime", json_null());
	json_object_set_new(row, "runtimes", names);
	if (!fs_exists(AT_FDCWD, file.ptr))
		goto out;
	if (scq_runtimes_of(h, email, &js)) {
		notice(notices, file.ptr, scq_errmsg(h));
		goto out;
	}
	doc = json_loads(js, 0, NULL);
	json_object_foreach(json_object_get(doc, "runtimes"), k, v)
		json_array_append_new(names, json_string(k));
	json_object_set(row, "default_runtime", json_object_get(doc, "default"));
	if (json_integer_value(json_object_get(doc, "dropped")))
		notice(notices, file.ptr, "some entries were unreadable and left out");
	json_decref(doc);
out:
	free(js);
	buf_release(&file);
}

/* Names of the datasets (mock data) email publishes. */
static void add_datasets(scq *h, const char *email, const char *pub, json_t *row,
			 json_t *notices)
{
	json_t *doc, *names = json_array(), *v;
	char *js = NULL;
	size_t i;
	json_object_set_new(row, "datasets", names);
	if (scq_datasets_of(h, email, &js)) {
		notice(notices, pub, scq_errmsg(h));
		return;
	}
	doc = json_loads(js, 0, NULL);
	json_array_foreach(json_object_get(doc, "datasets"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *err = json_string_value(json_object_get(v, "error"));
		if (err) {
			struct buf f = BUF_INIT;
			buf_addf(&f, "%s/mock/%s/dataset.json", pub, name ? name : "?");
			notice(notices, f.ptr, err);
			buf_release(&f);
		} else if (name) {
			json_array_append_new(names, json_string(name));
		}
	}
	if (json_integer_value(json_object_get(doc, "cut")))
		notice(notices, pub, "more datasets than are listed (cut)");
	json_decref(doc);
	free(js);
}

static json_t *site_row(scq *h, const char *email, const char *pub, json_t *notices)
{
	json_t *row = json_pack("{s:s,s:b}", "email", email, "is_me", !strcmp(email, h->email));
	json_t *beat = heartbeat_state(h, email);
	const char *st = json_string_value(json_object_get(beat, "state"));
	add_runtimes(h, email, pub, row, notices);
	add_datasets(h, email, pub, row, notices);
	if (!strcmp(st, "unreadable") || !strcmp(st, "bad-signature")) {
		struct buf f = BUF_INIT;
		buf_addf(&f, "%s/heartbeat.json", pub);
		notice(notices, f.ptr, json_string_value(json_object_get(beat, "detail")));
		buf_release(&f);
	}
	json_object_del(beat, "owner");
	json_object_set_new(row, "runner", beat);
	return row;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scq_datasites(scq *h, char **json_out)
{
	DIR *d = opendir(h->datasites);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i, cut = 0;
	json_t *sites = json_array(), *notices = json_array(), *o;
	*json_out = NULL;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
			names = xrealloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (n > 1)
		xqsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		struct buf pub = BUF_INIT;
		struct stat st;
		buf_addf(&pub, "%s/%s/public/code-queue", h->datasites, names[i]);
		/* SyftBox syncs no symlink: a linked folder is not a datasite's */
		if (lstat(pub.ptr, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!email_valid(names[i]))
				notice(notices, pub.ptr, "the datasite's name is not an e-mail "
				       "address: skipped");
			else if (json_array_size(sites) >= DATASITES_MAX)
				cut++;
			else
				json_array_append_new(sites, site_row(h, names[i], pub.ptr, notices));
		}
		buf_release(&pub);
		free(names[i]);
	}
	free(names);
	o = json_pack("{s:o,s:o,s:I}", "datasites", sites, "notices", notices, "cut",
		      (json_int_t)cut);
	*json_out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return 0;
}
