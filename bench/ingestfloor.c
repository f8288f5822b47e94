/*
 * ingestfloor.c - the floor for an ingest pass (make bench, section 2):
 * the least durable work that takes every job of an inbox folder into a
 * store, in a plain C loop.  Per job: read job.json and each file of
 * code/, make the job's folder in a staging folder, write a copy of each
 * file and one record (the job.json bytes) into it, rename the folder into
 * the store; then one syncfs for the whole batch.  No verification, no
 * hashing, no publication, no removal from the inbox: scq does all of
 * them, so the floor is strictly below what any durable ingest can cost.
 *
 * With --layout OUTBOX_DIR it also makes every other file scq makes for a
 * job, still without any check: the copies in a code/ folder, manifest.json
 * and public.json beside job.json (each the job.json bytes), the outbox
 * folder and its status.json (temp + rename), and removes the inbox copy
 * after the sync: the file-system work of scq's layout (8 files and folders
 * made, 5 removed a one-file job, signature.json too), whose cost is the file system's alone.
 *
 * usage: ingestfloor [--layout OUTBOX_DIR] INBOX_REQUESTER_DIR STORE_DIR
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char data[1 << 16];

/* Copy src/name to dst/as (dirfds); -1 on error. */
static int copy_as(int src, const char *name, int dst, const char *as)
{
	int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1, r = -1;
	ssize_t n;
	if (in < 0 || (out = openat(dst, as, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		goto out;
	while ((n = read(in, data, sizeof(data))) > 0)
		if (write(out, data, (size_t)n) != n)
			goto out;
	r = n < 0 ? -1 : 0;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

static int copy(int src, int dst, const char *name)
{
	return copy_as(src, name, dst, name);
}

static int outbox = -1; /* --layout */

/* The outbox folder and its status.json, through a temp file. */
static int publish(int job, const char *uid)
{
	int dir = -1, r = -1;
	if (mkdirat(outbox, uid, 0755) < 0 || (dir = openat(outbox, uid, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	if (copy_as(job, "job.json", dir, ".status.json.tmp") < 0 ||
	    renameat(dir, ".status.json.tmp", dir, "status.json") < 0)
		goto out;
	r = 0;
out:
	if (dir >= 0)
		close(dir);
	return r;
}

static int take(int inbox, int tmp, int jobs, const char *uid)
{
	int job = openat(inbox, uid, O_RDONLY | O_DIRECTORY | O_CLOEXEC), code = -1, dst = -1, r = -1;
	int files = -1;
	DIR *d = NULL;
	struct dirent *e;
	if (job < 0 || mkdirat(tmp, uid, 0700) < 0 ||
	    (dst = openat(tmp, uid, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	files = dst;
	if (outbox >= 0 && (mkdirat(dst, "code", 0755) < 0 ||
	    (files = openat(dst, "code", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    copy_as(job, "job.json", dst, "manifest.json") < 0 ||
	    copy_as(job, "job.json", dst, "public.json") < 0))
		goto out;
	if (copy(job, dst, "job.json") < 0) /* the record */
		goto out;
	code = openat(job, "code", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (code >= 0 && (d = fdopendir(code)))
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && copy(code, files, e->d_name) < 0)
				goto out;
	r = renameat(tmp, uid, jobs, uid);
	if (r == 0 && outbox >= 0)
		r = publish(job, uid);
out:
	if (d)
		closedir(d);
	else if (code >= 0)
		close(code);
	if (files >= 0 && files != dst)
		close(files);
	if (dst >= 0)
		close(dst);
	if (job >= 0)
		close(job);
	return r;
}

/* Remove the inbox copy of a job (--layout): its files, code/, itself. */
static int drop(int inbox, const char *uid)
{
	int job = openat(inbox, uid, O_RDONLY | O_DIRECTORY | O_CLOEXEC), code = -1;
	DIR *d;
	struct dirent *e;
	if (job < 0)
		return -1;
	code = openat(job, "code", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (code >= 0 && (d = fdopendir(code))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(code, e->d_name, 0);
		closedir(d);
	}
	unlinkat(job, "code", AT_REMOVEDIR);
	unlinkat(job, "job.json", 0);
	unlinkat(job, "signature.json", 0); /* signed submissions (protocol §4) */
	close(job);
	return unlinkat(inbox, uid, AT_REMOVEDIR);
}

int main(int argc, char **argv)
{
	int inbox, store, tmp, jobs, n = 0;
	DIR *d;
	struct dirent *e;
	if (argc == 5 && !strcmp(argv[1], "--layout")) {
		mkdir(argv[2], 0755);
		if ((outbox = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			perror(argv[2]);
			return 1;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: ingestfloor [--layout OUTBOX_DIR] INBOX_REQUESTER_DIR STORE_DIR\n");
		return 2;
	}
	mkdir(argv[2], 0700);
	store = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mkdirat(store, "tmp", 0700);
	mkdirat(store, "jobs", 0700);
	inbox = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	tmp = openat(store, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	jobs = openat(store, "jobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (inbox < 0 || tmp < 0 || jobs < 0 || !(d = fdopendir(dup(inbox)))) {
		perror("ingestfloor");
		return 1;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			if (take(inbox, tmp, jobs, e->d_name) < 0) {
				perror(e->d_name);
				return 1;
			}
			n++;
		}
	if (syncfs(store) < 0) {
		perror("syncfs");
		return 1;
	}
	rewinddir(d);
	while (outbox >= 0 && (e = readdir(d)))
		if (e->d_name[0] != '.' && drop(inbox, e->d_name) < 0) {
			perror(e->d_name);
			return 1;
		}
	closedir(d);
	printf("%d jobs\n", n);
	return 0;
}
