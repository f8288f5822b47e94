/*
 * handle.c - the scq handle: identity and workspace lookup, errors, paths.
 *
 * The identity comes from the caller, then SYFTBOX_* variables, then the
 * SyftBox client config found the way SyftBox apps find it.  We read only
 * `email` and `data_dir` (legacy `sync_folder`) from that file and never
 * copy or print anything else (it holds tokens).  Opening creates nothing.
 */
#include "base/compat.h"
#include <stdarg.h>
#include <sodium.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "store/handle.h"
#include "base/banned.h"

int scq_fail(scq *h, int code, const char *fmt, ...)
{
	va_list ap;
	buf_reset(&h->err);
	va_start(ap, fmt);
	buf_vaddf(&h->err, fmt, ap);
	va_end(ap);
	return code;
}

void scq_set_log(scq *h, scq_log_fn *fn, void *ctx)
{
	h->log_fn = fn;
	h->log_ctx = ctx;
}

void scq_log(scq *h, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;
	if (!h->log_fn)
		return;
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	h->log_fn(line.ptr, h->log_ctx);
	buf_release(&line);
}

int scq_fail_errno(scq *h, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	buf_reset(&h->err);
	va_start(ap, fmt);
	buf_vaddf(&h->err, fmt, ap);
	va_end(ap);
	buf_addf(&h->err, ": %s", strerror(e));
	return SCQ_EIO;
}

const char *scq_strerror(int code)
{
	static const char *const names[] = {
		"ok", "not found", "not allowed", "wrong state", "invalid",
		"configuration error", "sandbox error", "i/o error",
		"ambiguous id", "timed out", "busy", "incomplete",
	};
	if (code > 0 || -code >= (int)SCQ_NELEM(names))
		return "unknown error";
	return names[-code];
}

char *path_join(const char *a, const char *b)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s", a, b);
	return buf_detach(&p, NULL);
}

char *app_dir_of(scq *h, const char *owner)
{
	struct buf p = BUF_INIT;
	buf_addf(&p, "%s/%s/app_data/" APP_NAME, h->datasites, owner);
	return buf_detach(&p, NULL);
}

/* Candidate config files, in SyftBox's lookup order. */
static int config_candidates(const char *explicit_path, char *out[5])
{
	const char *home = getenv("HOME"), *env;
	int n = 0;
	if (explicit_path) {
		out[n++] = xstrdup(explicit_path);
		return n;
	}
	if ((env = getenv("SYFTBOX_CLIENT_CONFIG_PATH")) && *env)
		out[n++] = xstrdup(env);
	if ((env = getenv("SYFTBOX_CONFIG_PATH")) && *env)
		out[n++] = xstrdup(env);
	if (home && *home) {
		out[n++] = path_join(home, ".syftbox/config.json");
		out[n++] = path_join(home, ".config/syftbox/config.json");
		out[n++] = path_join(home, ".syftbox/client_config.json");
	}
	return n;
}

static int read_config(scq *h, const char *path, char **email, char **data_dir)
{
	struct buf err = BUF_INIT;
	json_t *root = json_load_file_at(AT_FDCWD, path, SMALL_JSON_MAX, &err);
	const char *e, *d;
	int r = 0;
	if (!root) {
		r = scq_fail(h, SCQ_ECONFIG, "SyftBox config '%s': %s", path, err.ptr);
		goto out;
	}
	e = json_string_value(json_object_get(root, "email"));
	d = json_string_value(json_object_get(root, "data_dir"));
	if (!d)
		d = json_string_value(json_object_get(root, "sync_folder"));
	if (e && !*email)
		*email = xstrdup(e);
	if (d && !*data_dir)
		*data_dir = xstrdup(d);
	json_decref(root);
out:
	buf_release(&err);
	return r;
}

static int lookup_config(scq *h, const char *explicit_path, char **email,
			 char **data_dir)
{
	char *cand[5] = { 0 };
	int n = config_candidates(explicit_path, cand), i, r = 0, found = 0;
	for (i = 0; i < n; i++) {
		if (!found && access(cand[i], F_OK) == 0) {
			found = 1;
			r = read_config(h, cand[i], email, data_dir);
		} else if (!found && explicit_path) {
			r = scq_fail(h, SCQ_ECONFIG, "SyftBox config '%s' not found",
				     cand[i]);
		}
		free(cand[i]);
	}
	return r;
}

static int resolve_identity(scq *h, const struct scq_open_options *o)
{
	char *email = NULL, *dir = NULL;
	const char *env;
	int r;
	if (o && o->email)
		email = xstrdup(o->email);
	else if ((env = getenv("SYFTBOX_EMAIL")) && *env)
		email = xstrdup(env);
	if (o && o->data_dir)
		dir = xstrdup(o->data_dir);
	else if ((env = getenv("SYFTBOX_DATA_DIR")) && *env)
		dir = xstrdup(env);
	r = (email && dir) ? 0 : lookup_config(h, o ? o->config_path : NULL, &email, &dir);
	if (r == 0 && (!email || !dir))
		r = scq_fail(h, SCQ_ECONFIG,
			     "no SyftBox identity: set up SyftBox (~/.syftbox/config.json), "
			     "or set SYFTBOX_EMAIL and SYFTBOX_DATA_DIR, or pass "
			     "--email and --data-dir");
	if (r == 0) {
		h->email = ascii_lower(email);
		h->data_dir = xstrdup(dir);
	}
	free(email);
	free(dir);
	return r;
}

static int check_identity(scq *h)
{
	size_t n = strlen(h->data_dir);
	if (!email_valid(h->email))
		return scq_fail(h, SCQ_ECONFIG, "invalid email '%s' in the SyftBox "
				"identity", h->email);
	if (h->data_dir[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return scq_fail_errno(h, "getcwd");
		char *abs = path_join(cwd, h->data_dir);
		free(h->data_dir);
		h->data_dir = abs;
		n = strlen(abs);
	}
	while (n > 1 && h->data_dir[n - 1] == '/')
		h->data_dir[--n] = '\0';
	return 0;
}

int scq_open(scq **out, const struct scq_open_options *opts)
{
	scq *h = xcalloc(1, sizeof(*h));
	struct buf p = BUF_INIT;
	int r;
	buf_init(&h->err, 8192);
	buf_init(&h->notices, 1 << 20);
	h->store_fd = -1;
	if (sodium_init() < 0) {
		r = scq_fail(h, SCQ_EIO, "libsodium failed to initialise");
		goto out;
	}
	r = resolve_identity(h, opts);
	if (r == 0)
		r = check_identity(h);
	if (r == 0) {
		h->datasites = path_join(h->data_dir, "datasites");
		buf_addf(&p, "%s/private/" APP_NAME "/%s", h->data_dir, h->email);
		h->store = buf_detach(&p, NULL);
	}
out:
	if (out)
		*out = h;
	else
		scq_close(h);
	return r;
}

void scq_close(scq *h)
{
	if (!h)
		return;
	spawn_set_release(&h->hooks); /* reaped by queue/notify.c before; a guard */
	json_decref(h->notify_due);
	fd_close(&h->store_fd);
	json_decref(h->settings);
	json_decref(h->submitted);
	free(h->email);
	free(h->data_dir);
	free(h->datasites);
	free(h->store);
	buf_release(&h->err);
	buf_release(&h->notices);
	free(h->audit_path);
	free(h);
}

const char *scq_errmsg(const scq *h)
{
	return h ? h->err.ptr : "no handle";
}

const char *scq_email(const scq *h)
{
	return h->email;
}

const char *scq_data_dir(const scq *h)
{
	return h->data_dir;
}

/* What store_open and store_peek check before touching the store. */
static int store_usable(scq *h)
{
	if (!h->store)
		return scq_fail(h, SCQ_ECONFIG, "no identity");
	/* a typo in the data folder must not start an empty queue in silence:
	 * only `scq init` (scq_init_datasite) makes a data folder */
	if (access(h->data_dir, F_OK) < 0)
		return scq_fail(h, SCQ_ECONFIG, "data folder '%s' does not exist (a typo in "
				"--data-dir or SYFTBOX_DATA_DIR? 'scq init' makes a new one)",
				h->data_dir);
	return 0;
}

/* The store's fd, kept on h: created first (create), or only opened. */
static int store_at(scq *h, int create)
{
	int r;
	if (h->store_fd >= 0)
		return h->store_fd;
	if ((r = store_usable(h)) < 0)
		return r;
	if (create && fs_mkdir_p(h->store, 0700) < 0)
		return scq_fail_errno(h, "creating private store '%s'", h->store);
	h->store_fd = open(h->store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->store_fd < 0 && errno == ENOENT && !create)
		return scq_fail(h, SCQ_ENOTFOUND, "no private store '%s' yet", h->store);
	if (h->store_fd < 0)
		return scq_fail_errno(h, "opening private store '%s'", h->store);
	return h->store_fd;
}

int store_peek(scq *h)
{
	return store_at(h, 0);
}

int store_subdir_peek(scq *h, const char *rel)
{
	int base = store_peek(h), fd;
	if (base < 0)
		return base;
	fd = openat(base, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? scq_fail(h, SCQ_ENOTFOUND, "no '%s/%s' yet", h->store, rel) :
		       scq_fail_errno(h, "opening '%s/%s'", h->store, rel);
	return fd;
}

int store_state_dir(scq *h, int status, int create)
{
	struct buf rel = BUF_INIT;
	int fd;
	buf_addf(&rel, "jobs/%s", scq_status_name(status));
	fd = create ? store_subdir(h, rel.ptr) : store_subdir_peek(h, rel.ptr);
	buf_release(&rel);
	return fd;
}

int store_state_peek(scq *h, int status)
{
	return store_state_dir(h, status, 0);
}

int store_open(scq *h)
{
	return store_at(h, 1);
}

int store_subdir(scq *h, const char *rel)
{
	int base = store_open(h), fd;
	char *p, *s;
	if (base < 0)
		return base;
	fd = openat(base, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		return fd;
	p = xstrdup(rel);
	for (s = p; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (fs_mkdir(base, p, 0700) < 0) {
				free(p);
				return scq_fail_errno(h, "creating '%s/%s'", h->store, rel);
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	fd = openat(base, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return scq_fail_errno(h, "opening '%s/%s'", h->store, rel);
	return fd;
}
