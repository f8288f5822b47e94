"""A throwaway workspace with two identities sharing one data folder."""
import os
import shutil
import subprocess
import tempfile
import unittest

import syft_code_queue as q

DS = "ds@uni.example"
DO = "owner@hospital.example"
SCQ_BUILD = os.environ.get("SCQ_BUILD", os.path.join(os.path.dirname(__file__), "..", "..",
                                                     "build"))
SCQ = os.path.join(SCQ_BUILD, "scq")


def make_code(root, body='echo hello; echo result > "$OUTPUT_DIR/result.txt"', extra=None):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "run.sh"), "w") as f:
        f.write("#!/bin/bash\n" + body + "\n")
    for name, content in (extra or {}).items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
    return root


class Workspace(unittest.TestCase):
    """Each test class gets a fresh workspace; q is configured as the data
    scientist, self.owner is a Client for the data owner."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="scq-pytest-")
        cls.ws = os.path.join(cls.tmp, "ws")
        os.makedirs(cls.ws)
        cls.owner = q.connect(email=DO, data_dir=cls.ws)
        cls.owner.config.isolation = "none"
        cls.ds = q.configure(email=DS, data_dir=cls.ws)
        cls.code = make_code(os.path.join(cls.tmp, "code"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def submit(self, name="job", **kw):
        return q.submit_job(DO, self.code, name, **kw)

    def scq(self, email, *args):
        return subprocess.run([SCQ, "--email", email, "--data-dir", self.ws] + list(args),
                              capture_output=True, text=True)
