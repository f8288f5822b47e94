"""The two-person rule in Python (issue 12 §3): with approvals_required 2,
job.approve() says "vote recorded, 1 of 2" and the job stays pending;
job.votes lists the votes; a second vote by the same identity raises; a
delegated reviewer's vote (q.vote) approves once the owner reads its inbox."""
import unittest

import syft_code_queue as q

from helpers import DO, Workspace

REV = "rev@lab.example"


class TwoPersonRule(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner.config.approvals_required = 2
        cls.owner.add_reviewer(REV)
        cls.reviewer = q.connect(email=REV, data_dir=cls.ws)

    def test_reviewers(self):
        self.assertEqual(self.owner.reviewers, [REV])

    def test_vote_then_reviewer(self):
        job = self.submit("two")
        own = self.owner.get_job(job.uid)
        res = own.approve("fine")
        self.assertTrue(res)
        self.assertFalse(res.approved)
        self.assertEqual((res.have, res.need), (1, 2))
        self.assertIn("vote recorded, 1 of 2", str(res))
        self.assertIn("vote recorded, 1 of 2", repr(res))
        self.assertEqual(str(own.status), "pending")
        self.assertEqual([v["by"] for v in own.votes], [DO])
        self.assertEqual(own.votes[0]["reason"], "fine")
        self.assertEqual(own.votes_required, 2)
        self.owner.run_jobs()
        self.assertEqual(str(self.owner.get_job(job.uid).status), "pending")
        with self.assertRaises(q.NotAllowed) as cm:
            own.approve()
        self.assertIn("already voted", str(cm.exception))
        sent = self.reviewer.vote(job.uid, DO, "checked")
        self.assertIn("sent to %s" % DO, str(sent))
        self.assertFalse(sent.approved)
        self.owner.ingest()
        own = self.owner.get_job(job.uid)
        self.assertEqual(str(own.status), "approved")
        self.assertEqual([v["by"] for v in own.votes], [DO, REV])


    def test_reviewer_finds_shared_jobs(self):
        job = self.submit("for-review")
        self.owner.ingest()
        mine = [d for d in self.reviewer.pending_for_review if d["uid"] == job.uid]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["name"], "for-review")
        self.assertEqual(mine[0]["target_email"], DO)
        self.assertEqual(mine[0]["status"], "pending")
        self.assertTrue(mine[0]["review_copy"])
        self.assertIn(job.uid, [d["uid"] for d in self.reviewer.review_requests(DO)])
        self.assertEqual(self.reviewer.review_requests("nobody@lab.example"), [])
        self.assertEqual(self.owner.pending_for_review, [])


if __name__ == "__main__":
    unittest.main()
