"""Issue 11 §1/§3: q.submit_job returns the job from what submit itself
wrote (its record), with no lookup after submitting; the job is the one a
lookup would find."""
import unittest

import syft_code_queue as q
from syft_code_queue import _core

from helpers import DO, Workspace


class SubmitNoLookup(Workspace):

    def setUp(self):
        real = _core.Client._find

        def no_lookup(client, *a, **kw):
            raise AssertionError("submit looked the job up")
        self._real = real
        _core.Client._find = no_lookup

    def tearDown(self):
        _core.Client._find = self._real

    def test_submit_job_and_script_need_no_lookup(self):
        a = q.submit_job(DO, self.code, "no lookup", "d", ["t"])
        b = q.submit_python(DO, "print(1)", "no lookup py", requirements=["x"])
        _core.Client._find = self._real
        for job in (a, b):
            self.assertEqual(job.to_dict(), q.get_job(job.uid).to_dict())
            self.assertEqual(str(job.status), "pending")
            self.assertIs(job.client, self.ds)

    def test_only_the_last_submission_is_known(self):
        a = q.submit_job(DO, self.code, "first")
        q.submit_job(DO, self.code, "second")
        with self.assertRaises(q.JobNotFound):
            self.ds._h.submitted(a.uid)


if __name__ == "__main__":
    unittest.main()
