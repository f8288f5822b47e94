/*
 * collect.c - safe copy of a job's outputs (see collect.h for guarantees).
 *
 * The source is walked by fs_walk and each file copied by fs_copy_file
 * (fs.h): every open is relative to an already-verified directory, never
 * follows a link or leaves the mount, and is checked to be still the
 * entry that was classified: a symlink anywhere cannot redirect the copy,
 * a FIFO or device cannot block it, and a swap between lstat and open is
 * caught.  The caps on files and bytes are this module's (an entry over
 * them is left out and listed, the walk goes on); the walk's own caps
 * (entries, depth) are fs_walk's.
 * Copies get mode 0644 or 0755 (any execute bit), never setuid, setgid,
 * sticky or group/world-writable; no xattrs, no owner.  Files with more
 * than one hard link are excluded (they may be a host file pulled in).
 * Every exclusion is in the report with its reason, names escaped for a
 * terminal; past MAX_LISTED entries the list ends with a summary entry,
 * and the walk itself stops (with a reason) after MAX_VISITS entries, so
 * an inode flood costs bounded time.
 */
#include "base/compat.h"
#include <jansson.h>
#include <sys/statvfs.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "exec/collect.h"
#include "store/handle.h"
#include "queue/manifest.h"
#include "base/banned.h"

#define MAX_LISTED 1000

struct walk {
	const struct collect_limits *lim;
	struct collect_report *rep;
	struct buf *err;
	json_t *excluded;
};

static void exclude(struct walk *w, const char *path, const char *reason)
{
	struct buf esc = BUF_INIT;
	w->rep->excluded++;
	if (w->rep->excluded > MAX_LISTED)
		return; /* counted; summarised at the end */
	buf_add_escaped(&esc, path, strlen(path));
	json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", esc.ptr,
						     "reason", reason));
	buf_release(&esc);
}

static const char *type_reason(enum fs_type t)
{
	switch (t) {
	case FS_T_LINK:
		return "symlink (not followed)";
	case FS_T_FIFO:
		return "FIFO (not a regular file)";
	case FS_T_SOCK:
		return "socket (not a regular file)";
	case FS_T_DEV:
		return "device node (not a regular file)";
	default:
		return "not a regular file";
	}
}

/* 1 if the file the walk saw may be copied, else 0 (excluded, listed). */
static int check_file(struct walk *w, const struct stat *st, const char *path)
{
	if (st->st_nlink > 1)
		return exclude(w, path, "hard link (st_nlink > 1)"), 0;
	if (w->rep->files >= w->lim->max_files)
		return w->rep->limited++, exclude(w, path, "file count limit (max_output_files)"), 0;
	if (w->rep->bytes + st->st_size > w->lim->max_bytes)
		return w->rep->limited++, exclude(w, path, "output size limit (max_output_bytes)"), 0;
	return 1;
}

/* Copy one file the walk saw as e->st: it must still be that inode, with
 * one link and the same size, or it is left out ("changed"). */
static int copy_file(struct walk *w, const struct fs_walk_entry *e)
{
	struct fs_copy c;
	if (!check_file(w, &e->st, e->path))
		return 0;
	memset(&c, 0, sizeof(c));
	c.max = (uint64_t)(w->lim->max_bytes - w->rep->bytes);
	c.flags = FS_COPY_DIRECT | FS_COPY_EXACT | FS_COPY_ONE_LINK |
		  ((e->st.st_mode & 0111) ? FS_EXEC : 0);
	c.expect = &e->st;
	if (fs_copy_file(e->dirfd, e->name, e->dst, e->name, &c) == 0) {
		w->rep->files++;
		w->rep->bytes += (long long)c.copied;
		return 0;
	}
	switch (c.fail) {
	case FS_FAIL_OPEN:
		return exclude(w, e->path, "cannot open"), 0;
	case FS_FAIL_LINKS:
		return exclude(w, e->path, "hard link (st_nlink > 1)"), 0;
	case FS_FAIL_CAP:
		return w->rep->limited++, exclude(w, e->path, "output size limit (max_output_bytes)"), 0;
	case FS_FAIL_TYPE:
	case FS_FAIL_CHANGED: /* swapped, grew or shrank meanwhile */
		return exclude(w, e->path, "changed during collection"), 0;
	default:
		return buf_setf(w->err, "copying output '%s': %s", e->path, strerror(errno)), -1;
	}
}

/* A folder: made in the destination and entered, unless left out. */
static int copy_dir(struct walk *w, struct fs_walk_entry *e)
{
	if (e->entered && e->error) /* listing it failed part way: host side */
		return buf_setf(w->err, "reading outputs '%s/': %s", e->path,
				strerror(e->error)), -1;
	if (e->error)
		return exclude(w, e->path, "cannot open directory"), 0;
	if (e->limit == FS_LIMIT_DEPTH)
		return exclude(w, e->path, "too deep"), FS_WALK_SKIP;
	if (e->limit == FS_LIMIT_XDEV)
		return exclude(w, e->path, "another file system (not entered)"), FS_WALK_SKIP;
	if ((mkdirat(e->dst, e->name, 0755) == 0 || errno == EEXIST) &&
	    (e->child_dst = openat(e->dst, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC)) >= 0)
		return 0;
	return buf_setf(w->err, "output folder '%s': %s", e->path, strerror(errno)), -1;
}

/* fs_walk's callback: every entry is copied or listed with its reason. */
static int visit(void *ctx, struct fs_walk_entry *e)
{
	struct walk *w = ctx;
	int plain = e->type == FS_T_DIR || e->type == FS_T_FILE;
	if (e->limit == FS_LIMIT_ENTRIES) { /* always listed, even past MAX_LISTED */
		json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", "...",
			"reason", "walk stopped: too many entries (inode flood); "
			"the rest was neither copied nor listed"));
		return 0;
	}
	if (strlen(e->name) > (size_t)w->lim->max_name)
		exclude(w, e->path, "name too long");
	else if (e->type == FS_T_UNKNOWN)
		exclude(w, e->path, "vanished");
	else if (plain && has_control(e->name, 0))
		exclude(w, e->path, "unsafe name (control character)");
	else if (plain && !utf8_valid(e->name, strlen(e->name)))
		exclude(w, e->path, "name is not UTF-8 (JSON cannot list it)");
	else if (plain && strlen(e->path) > MANIFEST_MAX_PATH)
		exclude(w, e->path, "path too long");
	else if (e->type == FS_T_DIR)
		return copy_dir(w, e);
	else if (e->type == FS_T_FILE)
		return copy_file(w, e);
	else
		exclude(w, e->path, type_reason(e->type));
	return FS_WALK_SKIP;
}

/* No block left for the job to write: its last writes may have been cut. */
static int source_full(int fd)
{
	struct statvfs sv;
	return fstatvfs(fd, &sv) == 0 && sv.f_blocks > 0 && sv.f_bavail == 0;
}

static void summarise(struct walk *w)
{
	struct buf s = BUF_INIT;
	if (w->rep->excluded <= MAX_LISTED)
		return;
	buf_addf(&s, "%lld more entries excluded; list truncated at %d",
		 w->rep->excluded - MAX_LISTED, MAX_LISTED);
	json_array_append_new(w->excluded, json_pack("{s:s,s:s}", "path", "...",
						     "reason", s.ptr));
	buf_release(&s);
}

int collect_outputs(int src_dirfd, int dst_dirfd, const struct collect_limits *lim,
		    struct collect_report *rep, struct buf *err)
{
	struct walk w = { lim, rep, err, json_array() };
	/* the walk stops (with a reason) after this many entries, so an
	 * inode flood costs bounded time */
	struct fs_walk_opts o = { 0, 10 * (lim->max_files > 0 ? lim->max_files : 0) + 1000,
				  lim->max_depth, 0, dst_dirfd };
	char *s;
	int r;
	rep->files = rep->bytes = rep->excluded = rep->limited = 0;
	rep->source_full = 0;
	buf_reset(err);
	r = fs_walk(src_dirfd, &o, visit, &w);
	if (r < 0 && !err->len)
		buf_setf(err, "reading outputs '': %s", strerror(errno));
	if (source_full(src_dirfd))
		rep->source_full = 1;
	summarise(&w);
	s = json_dumps(w.excluded, JSON_COMPACT);
	buf_reset(&rep->excluded_json);
	if (buf_adds(&rep->excluded_json, s) < 0) {
		buf_setf(err, "exclusion list does not fit the report buffer");
		r = -1;
	}
	free(s);
	json_decref(w.excluded);
	return r;
}
