/*
 * datasets.c - the datasets the owner exposes to jobs: datasets.json in the
 * private store, name -> host path, mounted read-only at /data/<name>.
 * Their published mock data is mock.c's (so is scq_dataset_remove, which
 * removes both).
 */
#include "base/compat.h"
#include <linux/magic.h>
#include <sys/vfs.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "queue/datasets.h"
#include "store/audit.h"
#include "base/banned.h"

static json_t *datasets_load(scq *h)
{
	struct buf err = BUF_INIT;
	int fd = store_peek(h); /* a read: creates no store */
	json_t *d = fd >= 0 && fs_exists(fd, "datasets.json") ?
		    json_load_file_at(fd, "datasets.json", SMALL_JSON_MAX, &err) : NULL;
	buf_release(&err);
	return d ? d : json_object();
}

static int datasets_save(scq *h, json_t *d)
{
	int fd = store_open(h);
	if (fd < 0)
		return fd;
	if (json_object_size(d) == 0)
		return unlinkat(fd, "datasets.json", 0) < 0 && errno != ENOENT ?
		       scq_fail_errno(h, "removing datasets.json") : 0;
	return json_write_at(fd, "datasets.json", d, 0) < 0 ?
	       scq_fail_errno(h, "writing '%s/datasets.json'", h->store) : 0;
}

static int dataset_name_ok(const char *n)
{
	size_t len = strlen(n);
	return len > 0 && len <= 64 && n[0] != '.' && n[0] != '-' &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

/* a inside b, or b inside a (as folders). */
static int nested(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
	return !strncmp(a, b, n) && (a[n] == '/' || a[n] == '\0' || b[n] == '/' ||
				     b[n] == '\0' || n == 1);
}

/* The kernel's views (a job given one reads the host's processes, devices,
 * cgroups): never a dataset, a mock or a runtime.  By the filesystem's
 * kind wherever mounted, and /proc, /sys, /dev by name as well: /dev and
 * a cgroup v1 /sys/fs/cgroup are tmpfs mounts holding the kernel's. */
static int pseudo_fs(const char *real)
{
	static const unsigned long kinds[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
		DEBUGFS_MAGIC, SECURITYFS_MAGIC, TRACEFS_MAGIC, BPF_FS_MAGIC, PSTOREFS_MAGIC,
		DEVPTS_SUPER_MAGIC, EFIVARFS_MAGIC, SELINUX_MAGIC, BINFMTFS_MAGIC,
		HUGETLBFS_MAGIC, NSFS_MAGIC };
	struct statfs sf;
	size_t i;
	static const char *const roots[] = { "/proc", "/sys", "/dev" };
	for (i = 0; i < SCQ_NELEM(roots); i++)
		if (!strncmp(real, roots[i], strlen(roots[i])) &&
		    (!real[strlen(roots[i])] || real[strlen(roots[i])] == '/'))
			return 1;
	if (statfs(real, &sf) < 0)
		return 0; /* what cannot be asked is refused by the open that follows */
	for (i = 0; i < SCQ_NELEM(kinds); i++)
		if ((unsigned long)sf.f_type == kinds[i])
			return 1;
	return 0;
}

/* a, resolved if it exists (a data folder named through a link or
 * relatively still compares), else as it is. */
static int nested_real(const char *real, const char *a)
{
	char ra[PATH_MAX];
	return nested(real, realpath(a, ra) ? ra : a);
}

int host_path_guard(scq *h, const char *what, const char *real)
{
	char *private = path_join(h->data_dir, "private"); /* every identity's store */
	int own;
	if (!strcmp(real, "/"))
		return free(private), scq_fail(h, SCQ_EINVAL, "%s '/' would give jobs the whole "
					       "host", what);
	/* the workspace itself holds them, so is refused too */
	own = nested_real(real, h->store) || nested_real(real, private) ||
	      nested_real(real, h->datasites);
	free(private);
	if (own)
		return scq_fail(h, SCQ_EINVAL, "%s '%s' holds or is inside the queue's own folders",
				what, real);
	if (pseudo_fs(real))
		return scq_fail(h, SCQ_EINVAL, "%s '%s' is on a kernel pseudo-filesystem "
				"(proc, sysfs, devtmpfs, cgroup...): it would show jobs the host",
				what, real);
	return 0;
}

/* name and path as scq_dataset_add takes them; real: path resolved. */
static int check(scq *h, const char *name, const char *path, char real[PATH_MAX])
{
	if (!dataset_name_ok(name))
		return scq_fail(h, SCQ_EINVAL, "dataset name '%s' must be 1-64 letters, "
				"digits, '_', '.' or '-'", name);
	if (!realpath(path, real))
		return scq_fail(h, SCQ_ENOTFOUND, "dataset path '%s': %s", path, strerror(errno));
	if (!utf8_valid(real, strlen(real))) /* datasets.json could not hold it */
		return scq_fail(h, SCQ_EINVAL, "dataset path '%s' is not valid UTF-8", real);
	return host_path_guard(h, "dataset path", real);
}

int dataset_check(scq *h, const char *name, const char *path)
{
	char real[PATH_MAX];
	return check(h, name, path, real);
}

int scq_dataset_add(scq *h, const char *name, const char *path)
{
	char real[PATH_MAX];
	json_t *d;
	int r = check(h, name, path, real);
	if (r)
		return r;
	d = datasets_load(h);
	json_object_set_new(d, name, json_string(real));
	r = datasets_save(h, d);
	json_decref(d);
	return r ? r : audit_append(h, NULL, "dataset-add", NULL, h->email, name, NULL);
}

int dataset_forget(scq *h, const char *name)
{
	json_t *d = datasets_load(h);
	int r;
	if (!json_object_get(d, name)) {
		json_decref(d);
		return scq_fail(h, SCQ_ENOTFOUND, "no dataset named '%s'", name);
	}
	json_object_del(d, name);
	r = datasets_save(h, d);
	json_decref(d);
	return r ? r : audit_append(h, NULL, "dataset-remove", NULL, h->email, name, NULL);
}

int scq_dataset_list(scq *h, char **json_out)
{
	json_t *d = datasets_load(h);
	*json_out = json_dumps(d, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(d);
	return 0;
}
