/*
 * t-fs.c - unit tests of the audited file layer: atomic replace, no empty
 * files, no-replace renames, symlink- and FIFO-proof reads, the fault seam.
 */
#include <sys/resource.h>
#include "compat.h"
#include <dirent.h>
#include "buf.h"
#include "fs.h"
#include "tap.h"

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int count_entries(int dir)
{
	DIR *d = fdopendir(dup(dir));
	struct dirent *e;
	int n = 0;
	if (d)
		rewinddir(d); /* dup() shares the offset with earlier walks */
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* A folder chain 1,100 levels deep (a hostile inbox entry) is removed
 * with a descriptor limit of 64: the walk is bounded in descriptors. */
static void deep_tree(int d)
{
	struct rlimit old, low = { 64, 64 };
	int fd = -1, i, next, r;
	mkdirat(d, "deep", 0755);
	fd = openat(d, "deep", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (i = 0; fd >= 0 && i < 1100; i++) {
		mkdirat(fd, "d", 0755);
		if (i == 700)
			close(openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
	is_int(i, 1100, "a chain of 1100 folders built");
	getrlimit(RLIMIT_NOFILE, &old);
	setrlimit(RLIMIT_NOFILE, &low);
	r = fs_remove_tree(d, "deep");
	setrlimit(RLIMIT_NOFILE, &old);
	ok(r == 0 && !fs_exists(d, "deep"), "a 1100-deep chain is removed with 64 descriptors");
}

int main(void)
{
	char *tmp = tap_tempdir(), path[4200];
	int d = open(tmp, O_RDONLY | O_DIRECTORY), fd;
	struct buf b = BUF_INIT;

	is_int(fs_write_atomic(d, "a.json", "one", 3, 0), 0, "write a new file");
	is_int(fs_write_atomic(d, "a.json", "two!", 4, 0), 0, "replace it atomically");
	ok(fs_read_file(d, "a.json", 100, &b) == 0 && !strcmp(b.ptr, "two!"), "reader sees the new content");
	is_int(count_entries(d), 1, "no temp file left behind");
	ok(fs_write_atomic(d, "e.json", "", 0, 0) < 0 && errno == EINVAL, "an empty file is never written");
	ok(fs_write_atomic(d, "a.json", "x", 1, FS_NOREPLACE) < 0 && errno == EEXIST, "FS_NOREPLACE refuses");

	buf_reset(&b);
	ok(fs_read_file(d, "a.json", 2, &b) < 0 && errno == EFBIG, "reads are capped");
	snprintf(path, sizeof(path), "%s/link", tmp);
	ok(symlink("/etc/passwd", path) == 0, "make a symlink");
	buf_reset(&b);
	ok(fs_read_file(d, "link", 1 << 20, &b) < 0, "a symlink is never followed");
	snprintf(path, sizeof(path), "%s/sub", tmp);
	ok(mkdir(path, 0755) == 0, "make a folder");
	snprintf(path, sizeof(path), "%s/dirlink", tmp);
	ok(symlink("/etc", path) == 0, "make a folder symlink");
	buf_reset(&b);
	ok(fs_read_file(d, "dirlink/passwd", 1 << 20, &b) < 0, "no symlink in the middle either");
	snprintf(path, sizeof(path), "%s/fifo", tmp);
	ok(mkfifo(path, 0644) == 0, "make a FIFO");
	buf_reset(&b);
	ok(fs_read_file(d, "fifo", 100, &b) < 0 && errno == EINVAL, "a FIFO is refused without blocking");

	ok(fs_write_atomic(d, "b.json", "b", 1, 0) == 0, "second file");
	ok(fs_rename(d, "b.json", d, "a.json", 0) < 0 && errno == EEXIST, "renames never replace");
	ok(fs_rename(d, "b.json", d, "c.json", 0) == 0, "rename to a free name");

	fs_fault_set(1, 0);
	ok(fs_write_atomic(d, "f.json", "f", 1, 0) < 0 && errno == EIO, "fault seam fails step 1 with EIO");
	ok(!fs_exists(d, "f.json"), "nothing published by the failed write");
	fs_fault_set(3, 0);
	ok(fs_write_atomic(d, "g.json", "g", 1, 0) < 0, "fault at a later step");
	is_int(count_entries(d), 6, "the failed writes left no temp file");
	fs_fault_set(0, 0);

	snprintf(path, sizeof(path), "%s/x/y/z", tmp);
	ok(fs_mkdir_p(path, 0755) == 0, "mkdir -p");
	ok(fs_mkdir_p(path, 0755) == 0, "mkdir -p again is fine");
	snprintf(path, sizeof(path), "%s/x/y/z/leaf", tmp);
	ok(fs_mkdir_p(path, 0755) == 0 && is_dir(path), "mkdir -p of one missing level");
	snprintf(path, sizeof(path), "%s/plain", tmp);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	snprintf(path, sizeof(path), "%s/plain/sub/leaf", tmp);
	ok(fs_mkdir_p(path, 0755) < 0 && errno == ENOTDIR, "mkdir -p below a file fails (ENOTDIR)");
	snprintf(path, sizeof(path), "%s/plain/sub", tmp);
	ok(fs_mkdir_p(path, 0755) < 0 && errno == ENOTDIR, "...also when only the last level is missing");
	snprintf(path, sizeof(path), "%s/x/y/z", tmp);
	ok(fs_remove_tree(d, "x") == 0 && !fs_exists(d, "x"), "remove a tree");
	ok(fs_remove_tree(d, "dirlink") == 0 && access("/etc/passwd", F_OK) == 0,
	   "removing a symlink to a folder never touches its target");
	deep_tree(d);
	fd = fs_open_beneath(d, "../etc", O_RDONLY);
	ok(fd < 0, "open beneath refuses ..");
	buf_release(&b);
	close(d);
	tap_rmtree(tmp);
	free(tmp);
	return done_testing();
}
