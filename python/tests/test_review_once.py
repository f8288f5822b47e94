"""Issue 10: a review reads the job's manifest once and takes the ingest lock
at most once (it was five reads and two locks for a four-file job).
Counted with strace in a child Python (opens naming manifest.json, flock
calls), never timed."""
import os
import shutil
import subprocess
import sys
import unittest

import syft_code_queue as q
from helpers import DO, Workspace, make_code

CHILD = """
import sys, syft_code_queue as q
c = q.connect(email=sys.argv[1], data_dir=sys.argv[2])
if sys.argv[4] == "review":
    assert "lib/c.py" in c.review_job(sys.argv[3]).text()
else:
    assert c.read_job_file_bytes(sys.argv[3], "a.txt") == b"a\\n"
"""


class ReviewReadsOnce(Workspace):
    @classmethod
    def setUpClass(cls):
        # no silent skip: without strace this fails, naming what to install
        assert shutil.which("strace"), "strace is missing (make test-deps installs it)"
        super().setUpClass()
        code = make_code(os.path.join(cls.tmp, "four"), body="echo hi; cat a.txt",
                         extra={"a.txt": "a\n", "b.txt": "b\n", "lib/c.py": "print(1)\n"})
        cls.uid = q.submit_job(DO, code, "four").uid
        cls.owner.pending_for_me()  # ingested before the counted call

    def trace(self, what):
        out = os.path.join(self.tmp, "trace-" + what)
        env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(q.__file__)))
        subprocess.run(["strace", "-f", "-o", out, "-e", "trace=%file,flock", sys.executable,
                        "-c", CHILD, DO, self.ws, self.uid, what], check=True, env=env)
        with open(out) as f:
            lines = [ln for ln in f if "ENOENT" not in ln]
        return (sum('"manifest.json"' in ln and "open" in ln for ln in lines),
                sum("flock(" in ln and "LOCK_EX" in ln for ln in lines))

    def test_review_reads_the_manifest_once(self):
        manifests, locks = self.trace("review")
        self.assertEqual(manifests, 1)
        self.assertLessEqual(locks, 1)

    def test_reading_one_file_reads_the_manifest_once(self):
        manifests, locks = self.trace("read")
        self.assertEqual(manifests, 1)
        self.assertLessEqual(locks, 1)


if __name__ == "__main__":
    unittest.main()
