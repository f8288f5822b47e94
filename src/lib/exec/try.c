/*
 * try.c - scq_try (scq.h): a requester's dry run of a job on an owner's
 * mock data, on the requester's own machine.
 *
 * One code path: the try is not a copy of the runner.  It makes a
 * throwaway workspace (out_dir/.try-ws) holding two identities, the owner
 * and me, and the job goes through the very calls the owner's side
 * makes: scq_submit, scq_ingest, scq_approve, scq_run_cycle (the runner,
 * run-job.c and executor-local.c, the sandbox), scq_output_check.  The
 * throwaway owner has the owner's published limits and thresholds
 * (settings_publish), the owner's mock folders as its datasets (so the
 * job sees /data/<name> as it will), my isolation setting and no network.
 * Nothing is written to the owner's store or inbox, nor to mine: the
 * results are copied to out_dir and the workspace is removed.
 */
#include "base/compat.h"
#include <dirent.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/requirements.h"
#include "store/handle.h"
#include "store/settings.h"
#include "base/banned.h"

#define TRY_WS ".try-ws"
#define TRY_LOG_MAX ((size_t)1 << 34)

struct try_run {
	scq *own, *me;     /* the throwaway owner, and me, in the workspace */
	char *ws;          /* the workspace's path */
	json_t *report;
	json_t *published; /* what scq_datasets_of says of the owner */
};

static int open_as(scq *h, scq **out, const char *email, const char *ws)
{
	struct scq_open_options oo = { email, ws, NULL };
	int r = scq_open(out, &oo);
	if (r)
		r = scq_fail(h, r, "try: %s", scq_errmsg(*out));
	return r;
}

/* The owner's published limits on the throwaway owner: only those
 * scq_datasets_of kept (known keys, each of its kind and range); what it
 * refused, and what `scq config set` still refuses, is reported, not
 * applied. */
static int apply_limits(scq *h, struct try_run *t)
{
	json_t *limits = json_object_get(t->published, "limits"), *v;
	json_t *refused = json_deep_copy(json_object_get(t->published, "limits_refused"));
	const char *k;
	char text[64];
	int r = scq_config_set(t->own, "isolation", setting_str(h, SET_ISOLATION));
	if (!json_is_array(refused))
		json_decref(refused), refused = json_array();
	if (!r)
		r = scq_config_set(t->own, "network", "false");
	json_object_foreach(limits, k, v) {
		if (r)
			break;
		if (json_is_integer(v))
			snprintf(text, sizeof(text), "%lld", (long long)json_integer_value(v));
		else if (strlen(json_string_value(v)) < sizeof(text))
			snprintf(text, sizeof(text), "%s", json_string_value(v));
		else
			text[0] = '\0';
		if (!text[0] || scq_config_set(t->own, k, text))
			json_array_append_new(refused, json_name(k));
	}
	json_object_set_new(t->report, "limits", json_string(json_is_object(limits) ?
				      "published" : "defaults"));
	json_object_set_new(t->report, "limits_refused", refused);
	return r ? scq_fail(h, r, "try: %s", scq_errmsg(t->own)) : 0;
}

/* The owner's mock folders as the throwaway owner's datasets.  One that
 * is not (yet) a synced folder, or a name a dataset may not have, is left
 * out and reported: the job then fails as it would without it. */
static void add_mocks(struct try_run *t)
{
	json_t *ds = json_object_get(t->published, "datasets"), *d, *names = json_array();
	json_t *out = json_array();
	struct stat st;
	size_t i;
	json_array_foreach(ds, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		const char *path = json_string_value(json_object_get(d, "path"));
		if (!name || !path)
			continue;
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || scq_dataset_add(t->own, name, path))
			json_array_append_new(out, json_name(name));
		else
			json_array_append_new(names, json_string(name));
	}
	json_object_set_new(t->report, "datasets", names);
	json_object_set_new(t->report, "datasets_left_out", out);
}

/* The workspace's two identities, the owner's settings and mocks. */
static int setup(scq *h, struct try_run *t)
{
	int r;
	if ((r = open_as(h, &t->own, json_string_value(json_object_get(t->published, "owner")),
			 t->ws)) || (r = open_as(h, &t->me, h->email, t->ws)))
		return r;
	if ((r = scq_init_datasite(t->own)) != 0)
		return scq_fail(h, r, "try: %s", scq_errmsg(t->own));
	if ((r = scq_init_datasite(t->me)) != 0)
		return scq_fail(h, r, "try: %s", scq_errmsg(t->me));
	r = apply_limits(h, t);
	if (!r)
		add_mocks(t);
	return r;
}

/* Submit, ingest, approve, run: as it would go at the owner's. */
static int run(scq *h, const struct scq_try_options *o, struct try_run *t, char **uid)
{
	struct scq_submit_options so;
	struct scq_ingest_stats is;
	struct scq_run_stats rs;
	int r;
	memset(&so, 0, sizeof(so));
	so.to = scq_email(t->own);
	so.folder = o->folder;
	so.name = o->name ? o->name : "try";
	if ((r = scq_submit(t->me, &so, uid)) != 0)
		return scq_fail(h, r, "%s", scq_errmsg(t->me));
	memset(&is, 0, sizeof(is));
	if ((r = scq_ingest(t->own, &is)) != 0 ||
	    (r = scq_approve(t->own, *uid, "scq try: a dry run on mock data", 0)) != 0)
		return scq_fail(h, r, "try: the owner's side refused the job: %s%s%s",
				scq_errmsg(t->own), *scq_ingest_notices(t->own) ? "; " : "",
				scq_ingest_notices(t->own));
	memset(&rs, 0, sizeof(rs));
	if ((r = scq_run_cycle(t->own, &rs)) != 0)
		return scq_fail(h, r, "try: the runner: %s", scq_errmsg(t->own));
	return 0;
}

static int add_output(void *ctx, struct fs_walk_entry *e)
{
	if (e->type == FS_T_FILE)
		json_array_append_new(ctx, json_pack("{s:o,s:I}", "path", json_name(e->path),
						     "size", (json_int_t)e->st.st_size));
	return 0;
}

/* The outputs copied into out/output: {path, size} each, in order. */
static json_t *list_outputs(int out)
{
	struct fs_walk_opts wo = { FS_WALK_SORTED, 100000, 0, 0, -1 };
	json_t *a = json_array();
	int fd = fs_open_dir(out, "output");
	if (fd >= 0)
		fs_walk(fd, &wo, add_output, a);
	fd_close(&fd);
	return a;
}

/* What the run left, into out (a folder fd) and the report. */
static int gather(scq *h, struct try_run *t, const char *uid, int out, const char *out_dir)
{
	scq_job *j = NULL;
	scq_output_flags *fl = NULL;
	char *log = NULL, *js = NULL, *od = path_join(out_dir, "output");
	size_t len = 0;
	int code = 0, r = scq_find(t->own, uid, SCQ_AS_OWNER, &j);
	if (r) {
		r = scq_fail(h, r, "try: %s", scq_errmsg(t->own));
		goto out;
	}
	json_object_set_new(t->report, "status", json_string(scq_status_name(scq_job_status(j))));
	json_object_set_new(t->report, "error_kind", scq_job_error_kind(j) ?
			    json_string(scq_job_error_kind(j)) : json_null());
	json_object_set_new(t->report, "error_message", scq_job_error_message(j) ?
			    json_name(scq_job_error_message(j)) : json_null());
	json_object_set_new(t->report, "exit_code", scq_job_exit_code(j, &code) == 1 ?
			    json_integer(code) : json_null());
	js = scq_job_to_json(j);
	if (fs_write_atomic(out, "result.json", js, strlen(js), 0) < 0 ||
	    (scq_job_logs(t->own, uid, &log, &len) == 0 &&
	     fs_write_atomic(out, "execution.log", log, len, 0) < 0)) {
		r = scq_fail_errno(h, "try: writing into '%s'", out_dir);
		goto out;
	}
	if (scq_job_output_copy(t->own, uid, od) == 0)
		json_object_set_new(t->report, "outputs", list_outputs(out));
	else
		json_object_set_new(t->report, "outputs", json_array());
	free(js);
	js = NULL;
	/* the owner's checks, with the owner's thresholds: what passes here
	 * passes there (differencing needs the owner's released jobs) */
	if (scq_output_check(t->own, uid, 0, &fl) == 0) {
		js = scq_output_flags_json(fl);
		json_object_set_new(t->report, "flags", json_loads(js, 0, NULL));
		if (fs_write_atomic(out, "flags.json", js, strlen(js), 0) < 0)
			r = scq_fail_errno(h, "try: writing into '%s'", out_dir);
	} else {
		json_object_set_new(t->report, "flags", json_null());
	}
out:
	scq_output_flags_free(fl);
	scq_job_free(j);
	free(log);
	free(js);
	free(od);
	return r;
}

/* requirements.txt against the owner's published runtime: submit's check
 * (scq_requirements_check with the real owner), never my own /usr.  The
 * report is said; a problem does not stop the try (the real submit says
 * it again and refuses). */
static int check_requirements(scq *h, const struct scq_try_options *o, json_t *report)
{
	struct buf text = BUF_INIT;
	char *said = NULL;
	int dir = open(o->folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC), problems = 0, r = 0;
	if (dir < 0 || fs_read_file(dir, "requirements.txt", REQUIREMENTS_MAX_BYTES, &text) < 0) {
		if (dir >= 0 && errno == EFBIG)
			r = scq_fail(h, SCQ_EINVAL, "requirements.txt is larger than %zu bytes",
				     REQUIREMENTS_MAX_BYTES);
		goto out; /* none, or no folder: the submit says so */
	}
	r = scq_requirements_check(h, o->owner, NULL, text.ptr, text.len, &said, &problems);
	if (!r) {
		json_object_set_new(report, "requirements", json_name(said));
		json_object_set_new(report, "requirement_problems", json_integer(problems));
	}
out:
	fd_close(&dir);
	buf_release(&text);
	free(said);
	return r;
}

/* out_dir made (a new one when NULL), empty, opened.  A given one is
 * never a symlink (run as root, a link put the results into /etc) and
 * never holds anything (two runs' results are never mixed). */
static int make_out(scq *h, const char *want, char **dir)
{
	char tmpl[] = "scq-try-XXXXXX";
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, used = 0;
	if (!want) {
		if (!mkdtemp(tmpl))
			return scq_fail_errno(h, "try: creating a folder for the results");
		want = tmpl;
	} else if (lstat(want, &st) == 0 && !S_ISDIR(st.st_mode)) {
		return scq_fail(h, SCQ_EINVAL, "try: --out '%s' is %s: give a folder (new or "
				"empty)", want, S_ISLNK(st.st_mode) ? "a symlink" : "not a folder");
	} else if (fs_mkdir_p(want, 0755) < 0) {
		return scq_fail_errno(h, "try: creating '%s'", want);
	}
	fd = open(want, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return scq_fail_errno(h, "try: opening '%s'", want);
	*dir = realpath(want, NULL);
	if (!*dir) {
		close(fd);
		return scq_fail_errno(h, "try: the results folder '%s'", want);
	}
	if ((d = fdopendir(dup(fd))) == NULL) {
		close(fd);
		return scq_fail_errno(h, "try: listing '%s'", *dir);
	}
	while (!used && (e = readdir(d)) != NULL)
		used = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	if (used) {
		close(fd);
		return scq_fail(h, SCQ_EINVAL, "try: --out '%s' is not empty (an earlier try's "
				"results?): give a new or empty folder", *dir);
	}
	return fd;
}

int scq_try(scq *h, const struct scq_try_options *o, char **report_json)
{
	struct try_run t = { NULL, NULL, NULL, json_object(), NULL };
	char *out_dir = NULL, *uid = NULL, *js = NULL;
	int out = -1, r;
	*report_json = NULL;
	if (!o || !o->folder || !o->owner) {
		r = scq_fail(h, SCQ_EINVAL, "try: a folder and an owner are required");
		goto done;
	}
	/* the owner first: a wrong one leaves no results folder behind */
	if ((r = scq_datasets_of(h, o->owner, &js)) != 0)
		goto done;
	t.published = json_loads(js, 0, NULL);
	if ((r = check_requirements(h, o, t.report)) != 0)
		goto done;
	if ((r = out = make_out(h, o->out_dir, &out_dir)) < 0)
		goto done;
	t.ws = path_join(out_dir, TRY_WS);
	if ((r = setup(h, &t)) == 0 && (r = run(h, o, &t, &uid)) == 0)
		r = gather(h, &t, uid, out, out_dir);
	fs_remove_tree(out, TRY_WS);
	json_object_set_new(t.report, "out_dir", json_name(out_dir));
	if (!r)
		*report_json = json_dumps(t.report, JSON_INDENT(2) | JSON_SORT_KEYS);
	else if (!o->out_dir)
		rmdir(out_dir); /* the folder made for it, if the try left it empty */
done:
	scq_close(t.own);
	scq_close(t.me);
	json_decref(t.report);
	json_decref(t.published);
	fd_close(&out);
	free(t.ws);
	free(out_dir);
	free(uid);
	free(js);
	return r;
}
