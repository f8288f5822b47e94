/*
 * watch.c - inotify for `scq run --watch` (watch.h): the runner sleeps in
 * poll(2) with no timeout until a folder it cares about changes, instead
 * of waking every quarter second to look.
 *
 * The inbox is a tree (inbox/<requester>/<uid>/...), and inotify watches
 * one folder each: a folder that appears is watched when its event is
 * read, and then listed, so what was written into it before the watch
 * existed is seen too (and the pass the event triggers starts after).
 * A watched folder that moves away (quarantine) is no longer ours: its
 * watches are dropped.  Lost events (IN_Q_OVERFLOW) mean: watch the tree
 * again and look at everything (WATCH_RESCAN).
 */
#include "base/compat.h"
#include <dirent.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include "base/alloc.h"
#include "base/fs.h"
#include "store/queue.h"
#include "exec/watch.h"
#include "base/banned.h"

/* Depth of the deepest watched folder: inbox/ 0, <req>/ 1, <uid>/ 2, and
 * two levels of its code folder.  Deeper arrivals are found by the retry. */
#define WATCH_DEPTH 4
/* Watches of the inbox tree at most (a hostile requester can make many
 * folders; each watch costs the kernel about 1 KiB). */
#define WATCH_MAX 4096

#define TREE_EVENTS (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MOVE_SELF | IN_ONLYDIR)
#define JOBS_EVENTS (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

struct watch_dir {
	int wd, depth;
	char *path;
};

static struct watch_dir *dir_of(struct watch *w, int wd)
{
	size_t i;
	for (i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

static void dir_drop(struct watch *w, struct watch_dir *d)
{
	free(d->path);
	*d = w->dirs[--w->ndirs];
}

static int skipped(const char *name, int depth)
{
	/* dot names in inbox/ and inbox/<req>/ are never ingested: a submit's
	 * .<uid>.tmp is watched when it is renamed into place */
	return !strcmp(name, ".") || !strcmp(name, "..") || (depth < 2 && name[0] == '.');
}

static void add_tree(scq *h, struct watch *w, const char *path, int depth);

/* Watch the sub-folders of path (depth: path's). */
static void add_children(scq *h, struct watch *w, const char *path, int depth)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct buf sub = BUF_INIT;
	if (!d) {
		fd_close(&fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (skipped(e->d_name, depth) || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		if (e->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		buf_setf(&sub, "%s/%s", path, e->d_name);
		add_tree(h, w, sub.ptr, depth + 1);
	}
	closedir(d);
	buf_release(&sub);
}

static void add_tree(scq *h, struct watch *w, const char *path, int depth)
{
	struct watch_dir *d;
	int wd;
	if (depth > WATCH_DEPTH || w->ndirs >= WATCH_MAX) {
		w->partial = 1;
		return;
	}
	wd = inotify_add_watch(w->fd, path, TREE_EVENTS | IN_DONT_FOLLOW);
	if (wd < 0) {
		if (errno == ENOSPC && !w->partial)
			scq_log(h, "watch: the inotify watch limit is reached: inbox entries "
				"past it are looked for once a second");
		if (errno == ENOSPC)
			w->partial = 1;
		return;
	}
	if (!(d = dir_of(w, wd))) { /* the same folder twice has one wd */
		if (w->ndirs == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 64;
			w->dirs = xrealloc(w->dirs, w->cap * sizeof(*w->dirs));
		}
		d = &w->dirs[w->ndirs++];
		d->path = NULL;
	}
	free(d->path);
	d->wd = wd;
	d->depth = depth;
	d->path = xstrdup(path);
	add_children(h, w, path, depth);
}

/* A watch of one of the store's state folders. */
static int add_jobs(struct watch *w, scq *h, int status)
{
	int fd = queue_status_dir(h, status), wd = -1;
	char proc[64];
	if (fd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(w->fd, proc, JOBS_EVENTS);
	close(fd);
	return wd;
}

/* A timer far in the future that fires when the wall clock is set
 * (TFD_TIMER_CANCEL_ON_SET): pending deadlines are wall-clock times. */
static void clock_arm(struct watch *w)
{
	struct itimerspec far = { { 0, 0 }, { 0, 0 } };
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	far.it_value.tv_sec = now.tv_sec + 10 * 365 * 86400L;
	if (timerfd_settime(w->clock, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL) < 0)
		fd_close(&w->clock); /* no such timer: a stepped clock is seen at the next wake */
}

unsigned watch_clock(struct watch *w)
{
	uint64_t n;
	if (w->clock < 0 || (read(w->clock, &n, sizeof(n)) < 0 && errno == EAGAIN))
		return 0;
	clock_arm(w);
	return WATCH_CLOCK;
}

int watch_open(scq *h, struct watch *w)
{
	char *app = app_dir_of(h, h->email);
	memset(w, 0, sizeof(*w));
	w->approved = w->pending = -1;
	w->clock = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->clock >= 0)
		clock_arm(w);
	w->inbox = path_join(app, "inbox");
	free(app);
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd >= 0 && (w->approved = add_jobs(w, h, SCQ_APPROVED)) >= 0 &&
	    (w->pending = add_jobs(w, h, SCQ_PENDING)) >= 0) {
		add_tree(h, w, w->inbox, 0);
		if (w->ndirs && w->dirs[0].depth == 0)
			return 0;
	}
	scq_log(h, "watch: cannot watch the store and inbox with inotify (%s): looking "
		"for work once a second", strerror(errno));
	watch_close(w);
	return -1;
}

/* Events were lost, IN_IGNORED ones too: the table may name folders that
 * are gone.  Start it again. */
void watch_rescan(scq *h, struct watch *w)
{
	while (w->ndirs) {
		inotify_rm_watch(w->fd, w->dirs[w->ndirs - 1].wd);
		dir_drop(w, &w->dirs[w->ndirs - 1]);
	}
	w->partial = 0;
	add_tree(h, w, w->inbox, 0);
}

/* The watches under path (a folder that moved away) are not ours now. */
static void drop_under(struct watch *w, const char *path)
{
	size_t i, n = strlen(path);
	for (i = 0; i < w->ndirs;) {
		const char *p = w->dirs[i].path;
		if (!strncmp(p, path, n) && (p[n] == '\0' || p[n] == '/')) {
			inotify_rm_watch(w->fd, w->dirs[i].wd);
			dir_drop(w, &w->dirs[i]);
		} else
			i++;
	}
}

static unsigned one_event(scq *h, struct watch *w, const struct inotify_event *ev)
{
	struct watch_dir *d;
	struct buf sub = BUF_INIT;
	char *path;
	int depth;
	if (ev->mask & IN_Q_OVERFLOW)
		return WATCH_RESCAN;
	if (ev->wd == w->approved)
		return WATCH_APPROVED;
	if (ev->wd == w->pending)
		return WATCH_PENDING;
	if (!(d = dir_of(w, ev->wd)))
		return 0;
	if (ev->mask & IN_IGNORED) { /* removed (ingested) */
		depth = d->depth;
		dir_drop(w, d);
		return depth == 2 ? WATCH_GONE : 0;
	}
	if (ev->mask & IN_MOVE_SELF) { /* quarantined, or moved by its writer */
		depth = d->depth;
		path = xstrdup(d->path);
		drop_under(w, path);
		free(path);
		return depth == 2 ? WATCH_GONE | WATCH_INBOX : WATCH_INBOX;
	}
	if (ev->len && skipped(ev->name, d->depth))
		return 0; /* a submit building its .<uid>.tmp, a sync temporary */
	if ((ev->mask & (IN_CREATE | IN_ISDIR)) == IN_CREATE)
		return 0; /* a file is complete at its IN_CLOSE_WRITE or IN_MOVED_TO */
	if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) && ev->len) {
		depth = d->depth;
		buf_setf(&sub, "%s/%s", d->path, ev->name);
		add_tree(h, w, sub.ptr, depth + 1); /* d may move: copied first */
		buf_release(&sub);
	}
	return WATCH_INBOX;
}

unsigned watch_read(scq *h, struct watch *w)
{
	char chunk[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned what = 0;
	ssize_t n, off;
	if (w->fd < 0)
		return 0;
	while ((n = read(w->fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		for (off = 0; n > 0 && off < n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(chunk + off);
			what |= one_event(h, w, ev);
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	if (what & WATCH_RESCAN) {
		scq_log(h, "watch: inotify lost events (its queue overflowed): looking at "
			"the inbox and the approved jobs again");
		watch_rescan(h, w);
	}
	return what;
}

int inbox_left(scq *h)
{
	char *app = app_dir_of(h, h->email);
	struct buf p = BUF_INIT;
	int fd, left = 0;
	DIR *d, *r;
	struct dirent *e, *f;
	buf_addf(&p, "%s/inbox", app);
	free(app);
	fd = open(p.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d)
		fd_close(&fd);
	while (d && !left && (e = readdir(d))) {
		int rfd = e->d_name[0] == '.' ? -1 :
			  openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = rfd >= 0 ? fdopendir(rfd) : NULL;
		if (!r && e->d_name[0] != '.')
			left = rfd < 0 && errno == ENOTDIR; /* not a folder: ingest quarantines it */
		if (!r)
			fd_close(&rfd);
		while (r && !left && (f = readdir(r)))
			left = f->d_name[0] != '.';
		if (r)
			closedir(r);
	}
	if (d)
		closedir(d);
	buf_release(&p);
	return left;
}

void watch_close(struct watch *w)
{
	while (w->ndirs)
		dir_drop(w, &w->dirs[w->ndirs - 1]);
	free(w->dirs);
	free(w->inbox);
	w->dirs = NULL;
	w->inbox = NULL;
	w->cap = 0;
	fd_close(&w->fd);
	fd_close(&w->clock);
}
