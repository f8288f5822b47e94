"""Versions, diff and rerun from Python (issue 13 §3; doc/protocol.md §4
resubmit_of, §5 rerun): job.resubmit(folder) links a new version, the
owner's job.diff() shows only what changed (the submitter's bytes with
markers), job.versions is the chain, job.rerun() is a second run of the
same digest that the requester sees with its own log, and a rerun of a job
that never ran is refused."""
import os

import syft_code_queue as q
from syft_code_queue._scq import Error

from helpers import DO, Workspace, make_code


class Versions(Workspace):

    def test_resubmit_diff_versions(self):
        one = make_code(os.path.join(self.tmp, "one"), "echo one",
                        {"lib.py": "x = 1\n", "data.bin": b"\x00\x01"})
        two = make_code(os.path.join(self.tmp, "two"), "echo two\x1b[2J",
                        {"lib.py": "x = 1\n", "data.bin": b"\x00\x02"})
        v1 = q.submit_job(DO, one, "v1")
        self.owner.approve(v1.uid, "ok")
        v2 = q.get_job(v1.uid).resubmit(two)
        self.assertEqual(v2.resubmit_of, v1.uid)
        self.assertEqual(v2.name, "v1")
        self.assertEqual([j.uid for j in q.get_job(v2.uid).versions], [v1.uid, v2.uid])
        text = self.owner.get_job(v2.uid).diff()
        self.assertIn("Changes against job %s" % v1.uid, text)
        self.assertIn("unchanged: lib.py\n", text)
        self.assertIn("-echo one\n+echo two\u27e8ESC\u27e9[2J\n", text)
        self.assertIn("binary file differs (2 -> 2 bytes, sha256 ", text)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("\x00", text)
        self.assertNotIn("x = 1", text)  # unchanged: one line, no content
        self.assertEqual([j.uid for j in self.owner.get_job(v2.uid).versions],
                         [v1.uid, v2.uid])

    def test_rerun(self):
        code = make_code(os.path.join(self.tmp, "r"), 'echo run-at-$(date +%s%N)')
        first = q.submit_job(DO, code, "rerun me")
        with self.assertRaises(Error) as e:
            self.owner.get_job(first.uid).rerun()
        self.assertIn("only a job that was approved and has run", str(e.exception))
        self.owner.approve(first.uid, "ok")
        self.owner.run_jobs()
        second = self.owner.get_job(first.uid).rerun("again")
        self.assertNotEqual(second.uid, first.uid)
        self.assertEqual(second.rerun_of, first.uid)
        self.assertEqual(second.code_sha256, q.get_job(first.uid).code_sha256)
        self.owner.run_jobs()
        mine = q.get_job(second.uid)
        self.assertEqual(str(mine.status), "completed")
        self.assertEqual(mine.rerun_of, first.uid)
        one, two = q.get_job(first.uid).get_logs(), mine.get_logs()
        self.assertIn("run-at-", one)
        self.assertIn("run-at-", two)
        self.assertNotEqual(one, two)  # each run its own log
