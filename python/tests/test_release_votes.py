"""The two-person rule for releases in Python (issue 12 §3,
release_approvals_required; doc/protocol.md §6a): with 2, job.release()
returns a ReleaseVote saying "release vote recorded, 1 of 2" and publishes
nothing; a second vote by the same identity raises; a delegated reviewer's
q.release_vote() for the same files releases exactly them once the owner
reads its inbox; withhold needs no second vote."""
import os
import unittest

import syft_code_queue as q

from helpers import DO, DS, Workspace, make_code

REV = "rev@lab.example"
TWO = ('echo LOG-SECRET; echo PUBLIC > "$OUTPUT_DIR/public.csv"; '
       'echo SMALL-CELL > "$OUTPUT_DIR/small.csv"')


class ReleaseVotes(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner.config.release = "review"
        cls.owner.config.release_approvals_required = 2
        cls.owner.add_reviewer(REV)
        cls.reviewer = q.connect(email=REV, data_dir=cls.ws)
        cls.two = make_code(os.path.join(cls.tmp, "two"), TWO)

    def held(self, name):
        job = q.submit_job(DO, self.two, name)
        self.owner.approve(job.uid, "ok")
        self.owner.run_jobs()
        return job.uid

    def outbox(self, uid):
        root = os.path.join(self.ws, "datasites", DO, "app_data", "code-queue", "outbox", DS, uid)
        return sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, fs in os.walk(root) for f in fs)

    def test_owner_then_reviewer(self):
        uid = self.held("rv")
        job = self.owner.get_job(uid)
        res = job.release(files=["public.csv"], reason="checked", ack_flags=True)
        self.assertTrue(res)
        self.assertFalse(res.released)
        self.assertEqual((res.have, res.need), (1, 2))
        self.assertIn("release vote recorded, 1 of 2", str(res))
        self.assertIn("release vote recorded, 1 of 2", repr(res))
        self.assertEqual(self.owner.release_votes(uid), (1, 2, False))
        self.assertEqual(self.owner.get_job(uid).release_state, "awaiting_release")
        self.assertEqual(self.outbox(uid), ["status.json"])
        with self.assertRaises(q.NotAllowed) as cm:
            job.release(files=["public.csv"], reason="again", ack_flags=True)
        self.assertIn("already voted", str(cm.exception))
        sent = self.reviewer.release_vote(uid, DO, files=["public.csv"], reason="agreed",
                                          ack_flags=True)
        self.assertIn("sent to %s" % DO, str(sent))
        self.assertFalse(sent.released)
        self.owner.ingest()
        self.assertEqual(self.owner.get_job(uid).release_state, "partly_released")
        self.assertEqual(self.owner.release_votes(uid), (2, 2, True))
        self.assertEqual(self.outbox(uid), ["output/public.csv", "status.json"])

    def test_withhold_needs_one(self):
        uid = self.held("wh")
        res = self.owner.get_job(uid).withhold("not this time")
        self.assertTrue(res)
        self.assertEqual(self.owner.get_job(uid).release_state, "withheld")


if __name__ == "__main__":
    unittest.main()
