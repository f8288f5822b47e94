"""The owner's decisions on held results (setting release=review; doc/
protocol.md §6 "Release decisions") from Python: job.release(files=...,
reason=...), job.withhold(...), job.return_for_changes(...); the requester
sees which files were released and which withheld, with the reasons, and
nothing withheld reaches its outbox; the card shows the decision, escaped;
submit_job(context=..., resubmit_of=...)."""
import os
import unittest

import syft_code_queue as q

from helpers import DO, DS, Workspace, make_code

TWO = ('echo LOG-SECRET; echo PUBLIC > "$OUTPUT_DIR/public.csv"; '
       'echo SMALL-CELL > "$OUTPUT_DIR/small.csv"')


class ReleaseDecisions(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner.config.release = "review"
        cls.two = make_code(os.path.join(cls.tmp, "two"), TWO)

    def held(self, name, **kw):
        job = q.submit_job(DO, self.two, name, **kw)
        self.owner.approve(job.uid, "ok")
        self.owner.run_jobs()
        return job.uid

    def outbox(self, uid):
        root = os.path.join(self.ws, "datasites", DO, "app_data", "code-queue", "outbox", DS, uid)
        return sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, fs in os.walk(root) for f in fs)

    def test_awaiting_release(self):
        uid = self.held("awaiting")
        self.assertIn(uid, [j.uid for j in self.owner.awaiting_release])
        job = q.get_job(uid)
        self.assertEqual(job.release_state, "awaiting_release")
        self.assertIsNone(job.log_released)
        self.assertEqual(job.released_files, [])

    def test_release_one_file(self):
        uid = self.held("one")
        job = self.owner.get_job(uid)
        job.release(files=["public.csv"], reason="checked",
                    withhold={"small.csv": "a cell under 10"})
        self.assertEqual(job.release_state, "partly_released")  # refreshed
        self.assertNotIn(uid, [j.uid for j in self.owner.awaiting_release])
        mine = q.get_job(uid)
        self.assertEqual(mine.released_files, ["public.csv"])
        self.assertEqual(mine.withheld_files, {"small.csv": "a cell under 10"})
        self.assertIs(mine.log_released, False)
        self.assertEqual(mine.release_comment, "checked")
        self.assertIn("partly released", mine.status_label)
        self.assertEqual(self.outbox(uid), ["output/public.csv", "status.json"])
        self.assertEqual(sorted(mine.list_output_files()), ["public.csv"])
        self.assertIsNone(mine.get_logs())  # withheld: no log
        html = mine._repr_html_()
        self.assertIn("Withheld small.csv: a cell under 10", html)
        self.assertIn("Released public.csv", html)

    def test_release_with_log(self):
        uid = self.held("with log")
        self.owner.release(uid, files=["small.csv"], log=True, reason="fine")
        mine = q.get_job(uid)
        self.assertIs(mine.log_released, True)
        self.assertIn("LOG-SECRET", mine.get_logs())
        self.assertEqual(self.outbox(uid), ["execution.log", "execution.txt",
                                            "output/small.csv", "status.json"])

    def test_release_needs_a_reason_with_files(self):
        uid = self.held("no reason")
        with self.assertRaises(q.InvalidJob):
            self.owner.get_job(uid).release(files=["public.csv"])
        with self.assertRaises(q.InvalidJob):
            self.owner.get_job(uid).release(files=["no-such.csv"], reason="r")
        self.assertEqual(q.get_job(uid).release_state, "awaiting_release")

    def test_withhold_all(self):
        uid = self.held("withhold")
        self.owner.get_job(uid).withhold("re-identification risk")
        mine = q.get_job(uid)
        self.assertEqual(mine.release_state, "withheld")
        self.assertEqual(mine.withheld_files, {"public.csv": "re-identification risk",
                                               "small.csv": "re-identification risk"})
        self.assertEqual(self.outbox(uid), ["status.json"])
        with self.assertRaises(q.InvalidState):  # decided once
            self.owner.get_job(uid).release()

    def test_return_and_resubmit(self):
        uid = self.held("return")
        self.owner.get_job(uid).return_for_changes("round the counts to 5")
        mine = q.get_job(uid)
        self.assertEqual(mine.release_state, "returned")
        self.assertEqual(mine.release_comment, "round the counts to 5")
        self.assertIn("returned for changes", mine.status_label)
        again = q.submit_job(DO, self.two, "return again", resubmit_of=uid[:8])
        self.assertEqual(again.resubmit_of, uid)

    def test_context_and_hostile_reason(self):
        uid = self.held("context", context="counts rounded to 5\n<script>x</script>")
        job = self.owner.get_job(uid)
        self.assertIn("counts rounded to 5", job.context)
        job.withhold("bad <b>\x1b[31m\u202e")
        html = q.get_job(uid)._repr_html_()
        self.assertNotIn("<b>", html)
        self.assertNotIn("\x1b", html)
        self.assertNotIn("\u202e", html)
        self.assertIn("&lt;b&gt;", html)


if __name__ == "__main__":
    unittest.main()


class ModuleForms(unittest.TestCase):
    """The owner's release calls and the two-person rule's are module
    functions too, as q.release is (a fresh user found q.vote missing)."""

    def test_module_level_calls(self):
        for name in ("release", "withhold", "return_for_changes", "vote", "add_reviewer",
                     "remove_reviewer"):
            self.assertIn(name, dir(q))
            self.assertIn(name, q._CLIENT_FUNCS)
