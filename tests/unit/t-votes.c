/*
 * t-votes.c - the release side of the two-person rule (votes.h), which the
 * release command calls: vote_outputs_digest covers the log and every
 * output file (a changed byte, a new file, a renamed one change it), and
 * vote_release counts distinct approvers for one digest, refuses a second
 * vote of one identity, the requester's and a stranger's, and resets the
 * count when the outputs change.
 */
#include "base/compat.h"
#include "store/handle.h"
#include "store/settings.h"
#include "base/fs.h"
#include "queue/votes.h"
#include "tap.h"

#define UID "0a1b2c3d-0000-4000-8000-000000000001"
#define OWNER "owner@votes.example"
#define DS "ds@uni.example"
#define REV "rev@lab.example"

static void put(int dir, const char *name, const char *text)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		tap_diag("cannot write %s", name);
	if (fd >= 0)
		close(fd);
}

static int job_folder(scq *h)
{
	char path[4096];
	int fd;
	snprintf(path, sizeof(path), "%s/jobs/completed/" UID "/output/sub", h->store);
	if (fs_mkdir_p(path, 0700) < 0)
		tap_diag("cannot make %s", path);
	snprintf(path, sizeof(path), "%s/jobs/completed/" UID, h->store);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put(fd, "job.json", "{\"version\":1,\"uid\":\"" UID "\",\"name\":\"n\",\"requester_email\":\""
	    DS "\",\"target_email\":\"" OWNER "\",\"timeout_seconds\":60}");
	put(fd, "execution.log", "hello\n");
	put(fd, "output/a.csv", "x,n\na,3\n");
	put(fd, "output/sub/b.txt", "b\n");
	return fd;
}

static void digests(int job)
{
	char d1[65], d2[65], d3[65];
	ok(vote_outputs_digest(job, d1) == 0 && strlen(d1) == 64, "the outputs have a digest");
	ok(vote_outputs_digest(job, d2) == 0 && !strcmp(d1, d2), "the same outputs, the same digest");
	put(job, "output/a.csv", "x,n\na,4\n");
	ok(vote_outputs_digest(job, d2) == 0 && strcmp(d1, d2), "a changed cell changes it");
	put(job, "execution.log", "hello!\n");
	ok(vote_outputs_digest(job, d3) == 0 && strcmp(d2, d3), "a changed log changes it");
	put(job, "output/c.txt", "c\n");
	ok(vote_outputs_digest(job, d2) == 0 && strcmp(d2, d3), "a new file changes it");
	renameat(job, "output/c.txt", job, "output/d.txt");
	ok(vote_outputs_digest(job, d3) == 0 && strcmp(d2, d3), "a renamed file changes it");
}

static void counting(scq *h, int job)
{
	struct vote_count vc;
	char d[65], other[65];
	vote_outputs_digest(job, d);
	memset(other, 'a', 64);
	other[64] = 0;
	ok(scq_config_set(h, "release_approvals_required", "2") == 0 &&
	   scq_reviewer_add(h, REV) == 0, "release_approvals_required 2, one reviewer");
	ok(vote_release(h, job, UID, OWNER, d, "ok", &vc) == 0 && vc.have == 1 && vc.need == 2 &&
	   !vc.approved, "the owner's vote: 1 of 2, not released");
	ok(vote_release(h, job, UID, OWNER, d, NULL, &vc) == SCQ_EPERM &&
	   vc.refusal == VOTE_AGAIN && strstr(scq_errmsg(h), "already voted"),
	   "a second vote of the owner is refused (%s)", scq_errmsg(h));
	ok(vote_release(h, job, UID, DS, d, NULL, &vc) == SCQ_EPERM && vc.refusal == VOTE_SELF,
	   "the requester's vote is refused (%s)", scq_errmsg(h));
	ok(vote_release(h, job, UID, "who@else.example", d, NULL, &vc) == SCQ_EPERM &&
	   vc.refusal == VOTE_NOT_APPROVER, "a stranger's vote is refused (%s)", scq_errmsg(h));
	ok(vote_release(h, job, UID, REV, other, NULL, &vc) == 0 && vc.reset == 1 &&
	   vc.have == 1 && !vc.approved, "a vote for other outputs resets the count: 1 of 2");
	ok(vote_release(h, job, UID, OWNER, other, NULL, &vc) == 0 && vc.have == 2 && vc.approved,
	   "a second, distinct approver of the same outputs: released");
	ok(vote_release(h, job, UID, REV, other, NULL, &vc) == 0 && vc.approved && vc.have == 2,
	   "voting again once enough: still approved, nothing counted twice");
}

int main(void)
{
	char *d = tap_tempdir();
	struct scq_open_options o = { OWNER, d, NULL };
	scq *h = NULL;
	int job;
	ok(scq_open(&h, &o) == 0 && scq_init_datasite(h) == 0, "a workspace");
	job = job_folder(h);
	digests(job);
	counting(h, job);
	close(job);
	scq_close(h);
	tap_rmtree(d);
	free(d);
	return done_testing();
}
