"""Runtimes the owner provides, from Python (issue 13 §1): q.runtimes(owner)
shows what the owner published; submit_script(requirements=...) is checked
against the runtime, refused with one line per package unless force=True;
the job generated for it completes with its pip a no-op (isolation none)."""
import json
import os
import sys

import syft_code_queue as q
from helpers import DO, DS, Workspace


class TestRuntimes(Workspace):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        site = os.path.join(cls.tmp, "rt", "lib", "python%d.%d" % sys.version_info[:2],
                            "site-packages")
        os.makedirs(os.path.join(site, "tinystats"))
        os.makedirs(os.path.join(site, "tinystats-0.3.1.dist-info"))
        with open(os.path.join(site, "tinystats", "__init__.py"), "w") as f:
            f.write("VALUE = 42\n")
        with open(os.path.join(site, "tinystats-0.3.1.dist-info", "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: tinystats\nVersion: 0.3.1\n")
        cls.owner.add_runtime("tiny", os.path.join(cls.tmp, "rt"))

    def test_requester_sees_what_the_runtime_holds(self):
        r = q.runtimes(DO)
        self.assertEqual(r["runtimes"]["tiny"]["packages"], {"tinystats": "0.3.1"})
        self.assertEqual(r["owner"], DO)
        self.assertEqual(self.owner.list_runtimes()["tiny"]["default"], False)

    def test_a_runtime_path_that_is_no_directory(self):
        path = os.path.join(self.tmp, "a-file")
        open(path, "w").close()
        with self.assertRaises(q.InvalidJob) as cm:
            self.owner.add_runtime("bad", path)
        self.assertIn("runtime path '%s' is not a directory" % path, str(cm.exception))

    def test_unmet_requirements_refused_then_forced(self):
        with self.assertRaises(q.InvalidJob) as cm:
            q.submit_script(DO, "print(1)\n", "needs", requirements=["tinystats>=1", "absent"],
                            runtime="tiny")
        msg = str(cm.exception)
        self.assertIn("tinystats>=1: runtime 'tiny' has 0.3.1\n", msg)
        self.assertIn("absent: not in runtime 'tiny'\n", msg)
        self.assertIn("force=True", msg)
        j = q.submit_script(DO, "print(1)\n", "needs", requirements=["tinystats>=1"],
                            runtime="tiny", force=True)
        self.assertEqual(self.owner.get_job(j.uid).name, "needs")

    def test_the_generated_job_runs_with_pip_a_no_op(self):
        j = q.submit_script(DO, "import tinystats\nprint('value', tinystats.VALUE)\n", "ok",
                            requirements=["tinystats==0.3.*"], runtime="tiny")
        run_sh = self.owner.read_job_file(j.uid, "run.sh")
        self.assertIn("pip install -r requirements.txt", run_sh)
        self.owner.approve(j.uid)
        r = self.scq(DO, "run")
        self.assertEqual(r.returncode, 0, r.stderr)
        logs = self.owner.get_job_logs(j.uid)
        self.assertIn("already satisfied, nothing to install", logs)
        self.assertIn("value 42", logs)
        self.assertEqual(json.loads(self.scq(DO, "show", j.uid, "--json").stdout)["runtime"],
                         "tiny")
