/*
 * policy-mount.c - the mount plan of a job's root file system (policy.h).
 *
 * The plan is data: a fixed table (the parts every job gets) plus steps
 * derived from the spec (/code, /data/<name>, /out, /tmp).  Paths are
 * formatted here, in the parent, so the child that executes the plan only
 * calls mount(2) and friends.  Host paths appear under /oldroot because
 * the child runs the plan after pivot_root into an empty tmpfs.
 * Guarantees: the job's root holds only /usr (ro) and its merged-usr
 * links, /code (ro, a private copy), /data (ro), /runtime (ro, the
 * owner's runtimes), /out, /tmp, /proc, a minimal /dev, a synthetic /etc
 * (with the shared-library links of /etc/alternatives that point into
 * /usr or /lib) and the runner's tools in /opt/scq (ro); nothing else of the host is
 * reachable.
 */
#include "base/compat.h"
#include <linux/mount.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "sandbox/policy.h"
#include "sandbox/sandbox.h"
#include "sandbox/sandbox-int.h"
#include "base/banned.h"

#define NOSUID_NODEV (MS_NOSUID | MS_NODEV)

/* Steps every job gets, before the spec-dependent ones. */
static const struct mount_step fixed_head[] = {
	{ MK_DIR, 0, 0, NULL, "/usr", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/proc", NULL, -1 },
	{ MK_PROC, 0, NOSUID_NODEV | MS_NOEXEC, NULL, "/proc", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/dev", NULL, -1 },
	{ MK_TMPFS, 0, MS_NOSUID | MS_NOEXEC, NULL, "/dev", "mode=0755,size=64k", -1 },
	{ MK_DEVNODE, 0, 0, "/oldroot/dev/null", "/dev/null", NULL, -1 },
	{ MK_DEVNODE, 0, 0, "/oldroot/dev/zero", "/dev/zero", NULL, -1 },
	{ MK_DEVNODE, 0, 0, "/oldroot/dev/full", "/dev/full", NULL, -1 },
	{ MK_DEVNODE, 0, 0, "/oldroot/dev/random", "/dev/random", NULL, -1 },
	{ MK_DEVNODE, 0, 0, "/oldroot/dev/urandom", "/dev/urandom", NULL, -1 },
	{ MK_DEVNODE, 1, 0, "/oldroot/dev/tty", "/dev/tty", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/dev/pts", NULL, -1 },
	{ MK_DEVPTS, 0, MS_NOSUID | MS_NOEXEC, NULL, "/dev/pts",
	  "newinstance,ptmxmode=0666,mode=0620", -1 },
	{ MK_SYMLINK, 0, 0, "pts/ptmx", "/dev/ptmx", NULL, -1 },
	{ MK_SYMLINK, 0, 0, "/proc/self/fd", "/dev/fd", NULL, -1 },
	{ MK_SYMLINK, 0, 0, "/proc/self/fd/0", "/dev/stdin", NULL, -1 },
	{ MK_SYMLINK, 0, 0, "/proc/self/fd/1", "/dev/stdout", NULL, -1 },
	{ MK_SYMLINK, 0, 0, "/proc/self/fd/2", "/dev/stderr", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/dev/shm", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/etc", NULL, -1 },
	{ MK_FILE, 0, 0, NULL, "/etc/passwd",
	  "job:x:1000:1000:job:/tmp:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n", -1 },
	{ MK_FILE, 0, 0, NULL, "/etc/group", "job:x:1000:\nnogroup:x:65534:\n", -1 },
	{ MK_FILE, 0, 0, NULL, "/etc/hostname", "job\n", -1 },
	{ MK_FILE, 0, 0, NULL, "/etc/hosts", "127.0.0.1 localhost job\n::1 localhost\n", -1 },
	{ MK_DIR, 0, 0, NULL, "/code", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/data", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/out", NULL, -1 },
	{ MK_DIR, 0, 0, NULL, "/tmp", NULL, -1 },
};

/* Top-level names that are links into /usr on merged-usr systems, or
 * directories bound read-only on older layouts. */
static const char *const usr_links[] = { "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32" };

/* The host's layout of those names, looked up once per process (it does
 * not change while a runner runs; a link only ever points inside the
 * job's own root). */
enum { UL_ABSENT, UL_LINK, UL_DIR };
static struct {
	int kind;
	char *target;
} usr_layout[SCQ_NELEM(usr_links)];

static void read_usr_layout(void)
{
	char target[PATH_MAX];
	struct stat st;
	size_t i;
	for (i = 0; i < SCQ_NELEM(usr_links); i++) {
		ssize_t n;
		if (lstat(usr_links[i], &st) < 0)
			continue;
		n = S_ISLNK(st.st_mode) ? readlink(usr_links[i], target, sizeof(target) - 1) : -1;
		if (n > 0) {
			target[n] = '\0';
			usr_layout[i].target = xstrdup(target);
			usr_layout[i].kind = UL_LINK;
		} else if (S_ISDIR(st.st_mode)) {
			usr_layout[i].kind = UL_DIR;
		}
	}
}

/* Debian reaches some shared libraries through /etc/alternatives
 * (libblas.so.3 -> /etc/alternatives/libblas.so.3-x86_64-linux-gnu ->
 * /usr/lib/x86_64-linux-gnu/blas/libblas.so.3): without those links
 * numpy cannot load from /usr.  The job's /etc stays synthetic: only the
 * links of shared libraries (".so" in the name) that point into /usr or
 * /lib are made again in it, read once per process like usr_layout. */
#define ALT_DIR "/etc/alternatives"
#define ALT_MAX 256
static struct {
	char *name, *target;
} alternatives[ALT_MAX];
static size_t nalternatives;

static void read_alternatives(void)
{
	char target[PATH_MAX];
	DIR *d = opendir(ALT_DIR);
	struct dirent *e;
	while (d && (e = readdir(d)) && nalternatives < ALT_MAX) {
		int fd = dirfd(d);
		ssize_t n;
		if (!strstr(e->d_name, ".so") || strchr(e->d_name, '/'))
			continue;
		n = readlinkat(fd, e->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "/usr/", 5) && strncmp(target, "/lib/", 5))
			continue;
		alternatives[nalternatives].name = xstrdup(e->d_name);
		alternatives[nalternatives++].target = xstrdup(target);
	}
	if (d)
		closedir(d);
}

static const char *keep(struct mount_plan *p, char *s)
{
	if (p->nstrings == p->astrings) {
		p->astrings = p->astrings ? 2 * p->astrings : 16;
		p->strings = xrealloc(p->strings, xmul(p->astrings, sizeof(char *)));
	}
	return p->strings[p->nstrings++] = s;
}

static const char *keepf(struct mount_plan *p, const char *fmt, const char *a,
			 const char *b)
{
	struct buf s = BUF_INIT;
	buf_addf(&s, fmt, a, b ? b : "");
	return keep(p, buf_detach(&s, NULL));
}

static void add(struct mount_plan *p, int kind, int optional, unsigned long flags,
		const char *src, const char *dst, const char *data)
{
	struct mount_step *s;
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 64;
		p->steps = xrealloc(p->steps, xmul(p->alloc, sizeof(*p->steps)));
	}
	s = &p->steps[p->n++];
	s->kind = kind;
	s->optional = optional;
	s->flags = flags;
	s->src = src;
	s->dst = dst;
	s->data = data;
	s->fd = -1;
}

/* Bind sources are cloned here, by the runner, as detached trees made
 * read-only, nosuid and nodev recursively (open_tree + mount_setattr);
 * the child only moves them into place and never walks a host path. */
static int add_tree(struct mount_plan *p, const char *path, const char *dst,
		    struct buf *err)
{
	struct mount_attr attr;
	int fd;
	if (p->nfds == SCQ_NELEM(p->fds))
		return buf_setf(err, "too many read-only mounts"), -1;
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return buf_setf(err, "'%s': %s", path, strerror(errno)), -1;
	p->fds[p->nfds++] = fd;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE,
		    &attr, sizeof(attr)) < 0)
		return buf_setf(err, "read-only '%s': %s", path, strerror(errno)), -1;
	add(p, MK_TREE, 0, 0, NULL, dst, NULL);
	p->steps[p->n - 1].fd = fd;
	return 0;
}

/* /code is a private read-only tmpfs holding a copy of the approved code,
 * made here by the runner: the job sees exactly the bytes that were just
 * re-hashed, whatever happens to the store while it runs, and
 * /proc/self/mountinfo shows "/" as its root instead of the store path
 * (which names the owner).  The copy never follows a link and refuses
 * anything that is not a plain file or directory.  The caller's check_code
 * then verifies this copy itself (POLICY_CODE_REJECTED if it refuses). */
static int add_code_copy(struct mount_plan *p, const struct sandbox_spec *s,
			 const char *dst, struct buf *err)
{
	const char *path = s->code_dir;
	struct mount_attr attr;
	int fs = -1, mnt = -1, src = -1, r = -1;
	long long skipped;
	if (p->nfds == SCQ_NELEM(p->fds))
		return buf_setf(err, "too many read-only mounts"), -1;
	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0) {
		buf_setf(err, "tmpfs for /code: %s", strerror(errno));
		goto out;
	}
	src = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0) {
		buf_setf(err, "'%s': %s", path, strerror(errno));
		goto out;
	}
	sandbox_trace("p code tmpfs");
	skipped = sandbox_tree_copy(src, mnt, err);
	sandbox_trace("p code copied");
	if (skipped != 0) {
		if (skipped > 0)
			buf_setf(err, "'%s' holds %lld entries that are not plain files", path,
				 skipped);
		goto out;
	}
	if (s->check_code && s->check_code(mnt, s->check_code_ctx, err) != 0) {
		r = POLICY_CODE_REJECTED;
		goto out;
	}
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		buf_setf(err, "read-only /code: %s", strerror(errno));
		goto out;
	}
	p->fds[p->nfds++] = mnt;
	add(p, MK_TREE, 0, 0, NULL, dst, NULL);
	p->steps[p->n - 1].fd = mnt;
	mnt = -1;
	r = 0;
out:
	fd_close(&fs);
	fd_close(&mnt);
	fd_close(&src);
	return r;
}

static void add_alternatives(struct mount_plan *p)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t i;
	pthread_once(&once, read_alternatives);
	if (nalternatives)
		add(p, MK_DIR, 0, 0, NULL, ALT_DIR, NULL);
	for (i = 0; i < nalternatives; i++)
		add(p, MK_SYMLINK, 1, 0, alternatives[i].target,
		    keepf(p, ALT_DIR "/%s%s", alternatives[i].name, NULL), NULL);
}

static int add_usr_links(struct mount_plan *p, struct buf *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t i;
	add_alternatives(p);
	pthread_once(&once, read_usr_layout);
	for (i = 0; i < SCQ_NELEM(usr_links); i++) {
		if (usr_layout[i].kind == UL_LINK) {
			add(p, MK_SYMLINK, 0, 0, usr_layout[i].target, usr_links[i], NULL);
		} else if (usr_layout[i].kind == UL_DIR) {
			add(p, MK_DIR, 0, 0, NULL, usr_links[i], NULL);
			if (add_tree(p, usr_links[i], usr_links[i], err) < 0)
				return -1;
		}
	}
	return 0;
}

static int valid_name(const char *n)
{
	return *n && strlen(n) < 128 && !strchr(n, '/') && strcmp(n, ".") &&
	       strcmp(n, "..");
}

/* Read-only trees at <top>/<name>: the datasets (/data), the runtimes
 * (/runtime, made only when there is one). */
static int add_trees(const struct sandbox_dataset *v, size_t n, const char *top,
		     struct mount_plan *p, struct buf *err)
{
	size_t i;
	if (n && strcmp(top, "/data"))
		add(p, MK_DIR, 0, 0, NULL, top, NULL);
	for (i = 0; i < n; i++) {
		const struct sandbox_dataset *d = &v[i];
		const char *dst;
		if (!valid_name(d->name) || !d->host_path || d->host_path[0] != '/')
			return buf_setf(err, "%s %zu: bad name or relative path", top + 1, i), -1;
		dst = keepf(p, "%s/%s", top, d->name);
		add(p, MK_DIR, 0, 0, NULL, dst, NULL);
		if (add_tree(p, d->host_path, dst, err) < 0)
			return -1;
	}
	return 0;
}

static int add_datasets(const struct sandbox_spec *s, struct mount_plan *p,
			struct buf *err)
{
	return add_trees(s->datasets, s->ndatasets, "/data", p, err) < 0 ||
	       add_trees(s->runtimes, s->nruntimes, "/runtime", p, err) < 0 ? -1 : 0;
}

/* The tools files (sandbox.h): written into the root's tmpfs, which
 * becomes read-only with the rest of the root. */
static int add_files(const struct sandbox_spec *s, struct mount_plan *p, struct buf *err)
{
	size_t i;
	if (s->nfiles) {
		add(p, MK_DIR, 0, 0, NULL, "/opt", NULL);
		add(p, MK_DIR, 0, 0, NULL, SANDBOX_TOOLS_DIR, NULL);
	}
	for (i = 0; i < s->nfiles; i++) {
		const struct sandbox_file *f = &s->files[i];
		const char *slash = f->name ? strchr(f->name, '/') : NULL;
		char *dir;
		if (!f->name || !f->data || (slash && strchr(slash + 1, '/')))
			return buf_setf(err, "tools file %zu: bad name", i), -1;
		dir = slash ? xstrdup(f->name) : NULL;
		if (dir)
			dir[slash - f->name] = '\0';
		if ((dir && !valid_name(dir)) || !valid_name(slash ? slash + 1 : f->name)) {
			free(dir);
			return buf_setf(err, "tools file %zu: bad name", i), -1;
		}
		if (dir)
			add(p, MK_DIR, 0, 0, NULL, keepf(p, SANDBOX_TOOLS_DIR "/%s%s", dir, NULL), NULL);
		free(dir);
		/* copied: the set-up may run after the caller freed the spec */
		add(p, MK_FILE, 0, (unsigned long)(f->mode & 0755), NULL,
		    keepf(p, SANDBOX_TOOLS_DIR "/%s%s", f->name, NULL), keep(p, xstrdup(f->data)));
	}
	return 0;
}

static const char *tmpfs_opts(struct mount_plan *p, const char *mode, long long size,
			      int owned)
{
	struct buf o = BUF_INIT;
	buf_addf(&o, "mode=%s", mode);
	if (size > 0)
		buf_addf(&o, ",size=%lld", size);
	if (owned)
		buf_addf(&o, ",uid=%d,gid=%d", POLICY_JOB_ID_INSIDE, POLICY_JOB_ID_INSIDE);
	return keep(p, buf_detach(&o, NULL));
}

static int add_tail(const struct sandbox_spec *s, struct mount_plan *p, struct buf *err)
{
	int r = add_code_copy(p, s, "/code", err);
	if (r < 0)
		return r;
	add(p, MK_TMPFS, 0, NOSUID_NODEV, NULL, "/out",
	    tmpfs_opts(p, "0755", s->limits.out_bytes, 1));
	add(p, MK_TMPFS, 0, NOSUID_NODEV, NULL, "/tmp",
	    tmpfs_opts(p, "1777", s->limits.tmp_bytes, 0));
	add(p, MK_TMPFS, 0, NOSUID_NODEV, NULL, "/dev/shm",
	    tmpfs_opts(p, "1777", s->limits.tmp_bytes, 0));
	if (s->network) {
		add(p, MK_FILE, 1, 0, NULL, "/etc/resolv.conf", "");
		add(p, MK_BIND_RO, 1, 0, "/oldroot/etc/resolv.conf", "/etc/resolv.conf", NULL);
		p->steps[p->n - 1].fd = -1;
	}
	add(p, MK_DETACH, 0, 0, NULL, "/oldroot", NULL);
	add(p, MK_REMOUNT_RO, 0, MS_NOSUID | MS_NOEXEC, NULL, "/dev", NULL);
	add(p, MK_REMOUNT_RO, 0, NOSUID_NODEV, NULL, "/", NULL);
	return 0;
}

int policy_mount_plan(const struct sandbox_spec *s, struct mount_plan *p,
		      struct buf *err)
{
	size_t i;
	int r = -1;
	memset(p, 0, sizeof(*p));
	if (!s->code_dir || s->code_dir[0] != '/')
		return buf_setf(err, "code_dir must be an absolute path"), -1;
	for (i = 0; i < SCQ_NELEM(fixed_head); i++)
		add(p, fixed_head[i].kind, fixed_head[i].optional, fixed_head[i].flags,
		    fixed_head[i].src, fixed_head[i].dst, fixed_head[i].data);
	sandbox_trace("p plan head");
	if (add_tree(p, "/usr", "/usr", err) < 0 || (sandbox_trace("p /usr tree"), 0) ||
	    add_usr_links(p, err) < 0 || (sandbox_trace("p usr links"), 0) ||
	    add_datasets(s, p, err) < 0 || add_files(s, p, err) < 0 ||
	    (r = add_tail(s, p, err)) < 0) {
		policy_mount_plan_free(p);
		return r == POLICY_CODE_REJECTED ? r : -1;
	}
	return 0;
}

void policy_mount_plan_free(struct mount_plan *p)
{
	size_t i;
	for (i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	for (i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	free(p->strings);
	free(p->steps);
	memset(p, 0, sizeof(*p));
}
