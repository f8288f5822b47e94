/*
 * runtimes-pub.c - what an owner publishes of its runtimes, read back as
 * hostile input, and requirements checked against a runtime (scq.h:
 * scq_runtimes_of, scq_requirements_check).
 *
 * public/code-queue/runtimes.json on the owner's datasite, readable by
 * everyone through public/syft.pub.yaml:
 *   {"version": 1, "owner", "generated_at", "default": name|null,
 *    "runtimes": {name: {interpreter{python, from}, packages{name: version},
 *                        packages_found, cut?, site_dirs_cut?}}}
 * No host path is published.  A requester rebuilds the document from the
 * parts that pass the strict forms (names, versions), so whatever the
 * owner's file holds, what is shown or compared is printable ASCII.
 */
#include "base/compat.h"
#include "base/alloc.h"
#include "base/clock.h"
#include "base/fs.h"
#include "base/names.h"
#include "queue/requirements.h"
#include "queue/runtimes.h"
#include "base/banned.h"

static int str_version(const char *s)
{
	return s && pkg_version_valid(s, strlen(s));
}

/* One published runtime, rebuilt from what passes the strict forms. */
static json_t *clean_runtime(json_t *in, long long *dropped)
{
	json_t *pkgs = json_object(), *v, *found = json_object_get(in, "packages_found");
	const char *k, *py = json_string_value(json_object_get(json_object_get(in, "interpreter"),
							       "python"));
	struct buf name = BUF_INIT;
	json_t *out;
	json_object_foreach(json_object_get(in, "packages"), k, v) {
		if (json_object_size(pkgs) >= RUNTIME_PACKAGES_MAX ||
		    pkg_name_normalize(k, strlen(k), &name) < 0 || strcmp(name.ptr, k) ||
		    !str_version(json_string_value(v))) {
			(*dropped)++;
			continue;
		}
		json_object_set(pkgs, k, v);
	}
	out = json_pack("{s:o, s:o, s:I}", "interpreter",
			str_version(py) ? json_pack("{s:s}", "python", py) : json_object(),
			"packages", pkgs, "packages_found",
			json_is_integer(found) && json_integer_value(found) >= 0 ?
			json_integer_value(found) : (json_int_t)json_object_size(pkgs));
	if (json_is_string(json_object_get(in, "cut")) ||
	    json_is_string(json_object_get(in, "site_dirs_cut")))
		json_object_set_new(out, "cut", json_string("the owner's scan was cut: not every "
							   "package is listed"));
	buf_release(&name);
	return out;
}

int scq_runtimes_of(scq *h, const char *owner, char **json_out)
{
	struct buf err = BUF_INIT;
	char *dir = NULL, *low = NULL;
	json_t *in = NULL, *rts = json_object(), *v, *def, *doc = NULL;
	const char *k;
	long long dropped = 0;
	int fd = -1, r = 0;
	*json_out = NULL;
	if (!owner || !email_valid(owner)) {
		r = scq_fail(h, SCQ_EINVAL, "'%s' is not an e-mail address", owner ? owner : "");
		goto out;
	}
	low = ascii_lower(owner);
	dir = runtime_published_dir(h, low);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	in = fd >= 0 ? json_load_file_at(fd, "runtimes.json", RUNTIMES_JSON_MAX, &err) : NULL;
	if (!json_is_object(in)) {
		r = scq_fail(h, SCQ_ENOTFOUND, "%s publishes no runtimes (%s/runtimes.json%s%s)",
			     low, dir, err.len ? ": " : "", err.len ? err.ptr : "");
		goto out;
	}
	json_object_foreach(json_object_get(in, "runtimes"), k, v) {
		if (!runtime_name_valid(k) || json_object_size(rts) >= RUNTIMES_MAX) {
			dropped++;
			continue;
		}
		json_object_set_new(rts, k, clean_runtime(v, &dropped));
	}
	def = json_object_get(in, "default");
	def = json_is_string(def) && json_object_get(rts, json_string_value(def)) ?
	      json_copy(def) : json_null();
	doc = json_pack("{s:s, s:o, s:O, s:I}", "owner", low, "default", def, "runtimes", rts,
			"dropped", (json_int_t)dropped);
	*json_out = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
out:
	json_decref(doc);
	fd_close(&fd);
	json_decref(in);
	json_decref(rts);
	buf_release(&err);
	free(low);
	free(dir);
	return r;
}

/* The report's first line and the check's lines. */
static void check_against(const char *text, size_t len, json_t *rt, const char *label,
			  struct buf *out, int *problems)
{
	struct buf lines = BUF_INIT;
	struct req_result res;
	const char *py = json_string_value(json_object_get(json_object_get(rt, "interpreter"),
							   "python"));
	json_t *pkgs = json_object_get(rt, "packages");
	requirements_check(text, len, pkgs, label, &lines, &res);
	buf_addf(out, "requirements.txt against runtime '%s' (python %s, %zu packages): %s\n",
		 label, py ? py : "unknown", json_object_size(pkgs),
		 res.problems ? "NOT satisfied" : "satisfied");
	if (lines.len)
		buf_add(out, lines.ptr, lines.len);
	if (res.problems && json_object_get(rt, "cut"))
		buf_adds(out, "note: the runtime's package list was cut; a package said to be "
			 "missing may be there\n");
	*problems = res.problems;
	buf_release(&lines);
}

/* My own runtime (NULL: the sandbox's /usr), scanned now. */
static int check_mine(scq *h, const char *rt, const char *text, size_t len, struct buf *out,
		      int *problems)
{
	char *path = rt ? runtime_lookup(h, rt) : xstrdup("/usr");
	json_t *scan;
	if (!path) {
		buf_addf(out, "requirements.txt: the job's runtime '%s' is not registered "
			 "(scq runtime list)\n", rt);
		*problems = 1;
		return 0;
	}
	scan = runtime_scan(path);
	check_against(text, len, scan, rt ? rt : "usr (none chosen: the sandbox's /usr)", out,
		      problems);
	json_decref(scan);
	free(path);
	return 0;
}

static int check_published(scq *h, const char *owner, const char *rt, const char *text,
			   size_t len, struct buf *out, int *problems)
{
	char *js = NULL;
	json_t *doc, *one;
	int r = scq_runtimes_of(h, owner, &js);
	if (r == SCQ_ENOTFOUND) {
		buf_addf(out, "requirements.txt not checked: %s\n", scq_errmsg(h));
		return 0;
	}
	if (r)
		return r;
	doc = json_loads(js, 0, NULL);
	free(js);
	if (!rt)
		rt = json_string_value(json_object_get(doc, "default"));
	one = rt ? json_object_get(json_object_get(doc, "runtimes"), rt) : NULL;
	if (!rt) {
		buf_addf(out, "requirements.txt not checked: %s names no default runtime and the "
			 "job chose none (scq runtimes %s)\n", owner, owner);
	} else if (!one) {
		buf_addf(out, "requirements.txt: %s publishes no runtime '%s' (scq runtimes %s)\n",
			 owner, rt, owner);
		*problems = 1;
	} else {
		check_against(text, len, one, rt, out, problems);
	}
	json_decref(doc);
	return 0;
}

int scq_requirements_check(scq *h, const char *owner, const char *runtime, const char *text,
			   size_t len, char **report, int *problems)
{
	struct buf out = BUF_INIT;
	int r;
	*problems = 0;
	*report = NULL;
	if (runtime && !runtime_name_valid(runtime))
		return scq_fail(h, SCQ_EINVAL, "runtime name '%s' must be 1-16 lower-case letters "
				"and digits", runtime);
	r = owner ? check_published(h, owner, runtime, text, len, &out, problems) :
	    check_mine(h, runtime_of_job(h, runtime), text, len, &out, problems);
	if (r)
		buf_release(&out);
	else
		*report = buf_detach(&out, NULL);
	return r;
}
