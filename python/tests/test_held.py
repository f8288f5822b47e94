"""Results held for release (setting release=review) are visible as held on
both sides: results_held in every job object, the owner's awaiting_release
collection, the card and table, and wait_for_completion (doc/protocol.md §6)."""
import unittest

import syft_code_queue as q

from helpers import DO, Workspace, make_code


class HeldResults(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner.config.release = "review"
        job = q.submit_job(DO, cls.code, "held job")
        cls.uid = job.uid
        cls.owner.approve(cls.uid, "ok")
        cls.owner.run_jobs()

    def test_requester_sees_held(self):
        # the requester's wait goes on until the owner decides on the results
        with self.assertRaisesRegex(q.Timeout, "awaiting the owner's release of its results"):
            q.wait_for_completion(self.uid, timeout=1)
        job = q.get_job(self.uid)
        self.assertEqual(str(job.status), "completed")
        self.assertIs(job.results_held, True)
        self.assertIs(job.to_dict()["results_held"], True)
        self.assertIn("awaiting release", job.status_label)
        self.assertIn("awaiting release", repr(job))
        self.assertIsNone(job.get_logs())  # the log is held, not lost
        self.assertTrue(any(j.uid == self.uid and j.results_held for j in q.jobs_for_others))

    def test_owner_sees_held(self):
        job = self.owner.get_job(self.uid)
        self.assertIs(job.results_held, True)
        self.assertIn("hello", job.get_logs())  # the owner reads it

    def test_awaiting_release_collection(self):
        held = self.owner.awaiting_release
        self.assertEqual([j.uid for j in held], [self.uid])
        self.assertEqual([j.uid for j in self.owner.awaiting_release()], [self.uid])
        self.assertEqual(len(q.awaiting_release), 0)  # the requester holds nothing of its own

    def test_card_and_table_show_held(self):
        job = self.owner.get_job(self.uid)
        self.assertIn("awaiting release", job._repr_html_())
        self.assertIn("awaiting release", self.owner.awaiting_release._repr_html_())

    def test_status_counts(self):
        self.assertEqual(self.owner.status()["awaiting_release"]["as_owner"], 1)
        self.assertEqual(q.status()["awaiting_release"]["as_requester"], 1)

    def test_z_release_ends_hold(self):  # runs last (alphabetical)
        self.owner.get_job(self.uid).release()
        job = q.get_job(self.uid)
        self.assertIs(job.results_held, False)
        self.assertEqual(str(job.status_label), "completed")
        self.assertIn("hello", job.get_logs())
        self.assertEqual(len(self.owner.awaiting_release()), 0)


class NotHeld(Workspace):

    def test_auto_release_is_never_held(self):
        job = self.submit("auto")
        self.owner.approve(job.uid)
        self.owner.run_jobs()
        job = q.wait_for_completion(job.uid, timeout=30)
        self.assertIs(job.results_held, False)
        self.assertIs(self.owner.get_job(job.uid).to_dict()["results_held"], False)
        self.assertEqual(job.status_label, "completed")


if __name__ == "__main__":
    unittest.main()


class HeldOutputFlags(Workspace):
    """The owner's card of a held job shows its output checks (protocol
    §11), escaped; the requester sees none and cannot ask for them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner.config.release = "review"
        code = make_code(cls.tmp + "/flags", "printf 'group,count\\na,15\\nb,3\\n' > "
                         "\"$OUTPUT_DIR/<b>t.csv\"")
        cls.uid = q.submit_job(DO, code, "flagged").uid
        cls.owner.approve(cls.uid, "ok")
        cls.owner.run_jobs()

    def test_output_flags(self):
        flags = self.owner.get_job(self.uid).output_flags
        cell = [(f["file"], f["row"], f["column"], f["rule"], f["severity"]) for f in flags]
        self.assertIn(("<b>t.csv", 3, 2, "small-count", "fail"), cell)

    def test_owner_card_shows_flags_escaped(self):
        html = self.owner.get_job(self.uid)._repr_html_()
        self.assertIn("Output checks: 2 flag(s)", html)
        self.assertIn("&lt;b&gt;t.csv", html)
        self.assertNotIn("<b>t.csv", html)
        self.assertIn("row 3, column 2", html)

    def test_requester_gets_none(self):
        job = q.get_job(self.uid)
        self.assertNotIn("Output checks", job._repr_html_())
        with self.assertRaises(Exception):
            job.output_flags
