"""Waits keep real time when the wall clock is stepped (doc/protocol.md §7):
a child Python, with tests/shim/clockstep.so preloaded, steps its own wall
clock back by an hour during wait_for_completion(timeout=3), which must
still raise Timeout after about 3 s and not an hour later."""
import os
import subprocess
import sys
import unittest

from helpers import DO, SCQ_BUILD, Workspace

SHIM = os.path.join(SCQ_BUILD, "tests", "clockstep.so")

CHILD = r"""
import os, sys, threading, time
import syft_code_queue as q
step = sys.argv[2]
q.configure(email=sys.argv[3], data_dir=sys.argv[4])
threading.Timer(1.0, lambda: open(step, "w").close()).start()
t = time.monotonic()
try:
    q.wait_for_completion(sys.argv[1], timeout=3)
    print("no timeout")
except q.Timeout as e:
    print("timeout after %.1f s; wall clock stepped %+.0f s" %
          (time.monotonic() - t, time.time() - time.monotonic() - float(sys.argv[5])))
"""


class SteppedClock(Workspace):

    def test_shim_is_built(self):
        self.assertTrue(os.path.isfile(SHIM), "%s is missing (make unit builds it)" % SHIM)

    def test_wait_for_completion_times_out_on_real_time(self):
        import syft_code_queue as q
        job = q.submit_job(DO, self.code, "never approved")
        step = os.path.join(self.tmp, "step")
        env = dict(os.environ, LD_PRELOAD=SHIM, CLOCKSTEP_OFFSET="-3600", CLOCKSTEP_FILE=step,
                   PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(q.__file__))))
        import time
        offset = time.time() - time.monotonic()  # wall minus monotonic before any step
        try:
            r = subprocess.run([sys.executable, "-c", CHILD, job.uid, step, self.ds.email,
                                self.ws, str(offset)], env=env, capture_output=True, text=True,
                               timeout=60)
        except subprocess.TimeoutExpired:
            self.fail("wait_for_completion(timeout=3) still waiting 60 s after the clock step")
        self.assertIn("timeout after", r.stdout, r.stderr)
        # the shim really stepped the child's wall clock (else this test proves nothing)
        self.assertIn("wall clock stepped -3600", r.stdout)


if __name__ == "__main__":
    unittest.main()
