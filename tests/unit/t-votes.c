/*
 * t-votes.c - the release side of the two-person rule (votes.h,
 * release.h), which the release command calls: vote_outputs_digest covers
 * the log and every output file (a changed byte, a new file, a renamed one
 * change it); release_digest binds a vote to exactly which files and
 * whether the log it releases (not to its reasons); release_vote_cast
 * counts a first vote, refuses a second vote of one identity for one
 * decision, the requester's, a stranger's and one for outputs that
 * changed, and lets an identity change its vote to another decision.
 * (The vote that decides commits a release: t0730, t0735.)
 */
#include "base/compat.h"
#include "store/handle.h"
#include "store/settings.h"
#include "store/state.h"
#include "base/fs.h"
#include "queue/release.h"
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

/* A decision as release_plan writes it: a.csv released or not, the log. */
static json_t *plan(int a, int log, const char *reason)
{
	return json_pack("{s:s, s:s, s:[{s:s, s:b}, {s:s, s:b}], s:{s:b}}", "reason", reason,
			 "decision", a && log ? "release" : "release-partial", "files",
			 "path", "a.csv", "released", a, "path", "sub/b.txt", "released", 0,
			 "log", "released", log);
}

static int votes_in(int job)
{
	json_t *r = json_load_file_at(job, "release-votes.json", 1 << 20, NULL);
	int n = (int)json_array_size(json_object_get(r, "votes"));
	json_decref(r);
	return n;
}

static void binding(int job)
{
	char outs[65], d1[65], d2[65];
	json_t *p1 = plan(1, 0, "ok"), *p2 = plan(1, 0, "other words"), *p3 = plan(1, 1, "ok");
	json_t *p4 = plan(0, 0, "ok");
	vote_outputs_digest(job, outs);
	release_digest(outs, p1, d1);
	release_digest(outs, p2, d2);
	ok(strlen(d1) == 64 && !strcmp(d1, d2), "a vote is not bound to the reasons");
	release_digest(outs, p3, d2);
	ok(strcmp(d1, d2), "releasing the log too is another decision");
	release_digest(outs, p4, d2);
	ok(strcmp(d1, d2), "releasing another file set is another decision");
	release_digest("0000000000000000000000000000000000000000000000000000000000000000", p1, d2);
	ok(strcmp(d1, d2), "the same files of other outputs: another decision");
	json_decref(p1);
	json_decref(p2);
	json_decref(p3);
	json_decref(p4);
}

static void counting(scq *h, int job)
{
	struct vote_count vc;
	json_t *d = plan(1, 0, "ok"), *e = plan(0, 0, "other"), *f = plan(0, 1, "log only");
	ok(scq_config_set(h, "release_approvals_required", "2") == 0 &&
	   scq_reviewer_add(h, REV) == 0, "release_approvals_required 2, one reviewer");
	ok(release_vote_cast(h, STATE_BY_OWNER, job, SCQ_COMPLETED, UID, OWNER, d,
			     STATE_PARTLY_RELEASED, NULL, &vc) == 0 && vc.have == 1 && vc.need == 2 &&
	   !vc.approved, "the owner's vote: 1 of 2, not released");
	ok(fs_exists(job, "release-votes.json") && !fs_exists(job, "released.json"),
	   "the count is written, no decision");
	ok(release_vote_cast(h, STATE_BY_OWNER, job, SCQ_COMPLETED, UID, OWNER, d,
			     STATE_PARTLY_RELEASED, NULL, &vc) == SCQ_EPERM &&
	   vc.refusal == VOTE_AGAIN && strstr(scq_errmsg(h), "already voted"),
	   "a second vote of the owner is refused");
	ok(release_vote_cast(h, STATE_BY_REVIEWER, job, SCQ_COMPLETED, UID, DS, d,
			     STATE_PARTLY_RELEASED, NULL, &vc) == SCQ_EPERM && vc.refusal == VOTE_SELF,
	   "the requester's vote is refused (%s)", scq_errmsg(h));
	ok(release_vote_cast(h, STATE_BY_REVIEWER, job, SCQ_COMPLETED, UID, "who@else.example",
			     d, STATE_PARTLY_RELEASED, NULL, &vc) == SCQ_EPERM &&
	   vc.refusal == VOTE_NOT_APPROVER, "a stranger's vote is refused (%s)", scq_errmsg(h));
	ok(release_vote_cast(h, STATE_BY_REVIEWER, job, SCQ_COMPLETED, UID, REV, d,
			     STATE_PARTLY_RELEASED, "0000000000000000000000000000000000000000000000"
			     "000000000000000000", &vc) == SCQ_ESTATE && vc.refusal == VOTE_STALE,
	   "a reviewer's vote for other outputs is refused (%s)", scq_errmsg(h));
	ok(release_vote_cast(h, STATE_BY_REVIEWER, job, SCQ_COMPLETED, UID, REV, e,
			     STATE_PARTLY_RELEASED, NULL, &vc) == 0 && vc.have == 1 && !vc.approved,
	   "a vote for another file set does not count with the first: 1 of 2");
	ok(release_vote_cast(h, STATE_BY_OWNER, job, SCQ_COMPLETED, UID, OWNER, f,
			     STATE_PARTLY_RELEASED, NULL, &vc) == 0 && vc.have == 1 && !vc.approved,
	   "the owner changes its vote to a third decision: 1 of 2");
	ok(votes_in(job) == 2, "its earlier vote is replaced, not kept (%d votes)", votes_in(job));
	put(job, "output/a.csv", "changed\n");
	ok(release_vote_cast(h, STATE_BY_REVIEWER, job, SCQ_COMPLETED, UID, REV, d,
			     STATE_PARTLY_RELEASED, NULL, &vc) == 0 && vc.reset >= 1 && vc.have == 1,
	   "changed outputs reset the votes: 1 of 2 again");
	ok(vc.reset == 2 && votes_in(job) == 1, "both earlier votes went (%d)", vc.reset);
	json_decref(d);
	json_decref(e);
	json_decref(f);
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
	binding(job);
	counting(h, job);
	close(job);
	scq_close(h);
	tap_rmtree(d);
	free(d);
	return done_testing();
}
