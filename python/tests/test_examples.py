"""The examples (my_analysis, the bot, both notebooks), the seed README's
workflow and q.help()'s examples, each run against a throwaway workspace."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import syft_code_queue as q
from syft_code_queue import _help
from helpers import DO, DS, SCQ

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples")
PATIENTS = "age,sex\n34,F\n51,M\n47,F\n29,M\n62,F\n45,M\n"


class ExampleWorkspace(unittest.TestCase):
    isolation = "none"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="scq-pyex-")
        self.ws = os.path.join(self.tmp, "ws")
        os.makedirs(self.ws)
        self.owner = q.connect(email=DO, data_dir=self.ws)
        self.owner.config.isolation = self.isolation
        self.ds = q.configure(email=DS, data_dir=self.ws)
        self.data = os.path.join(self.tmp, "data", "patients")
        os.makedirs(self.data)
        with open(os.path.join(self.data, "patients.csv"), "w") as f:
            f.write(PATIENTS)
        self.work = os.path.join(self.tmp, "work")
        shutil.copytree(EXAMPLES, self.work)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, email, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYFTBOX_")}
        env.update(SYFTBOX_EMAIL=email, SYFTBOX_DATA_DIR=self.ws, HOME=self.tmp,
                   SCQ_OWNER=DO, PATIENTS_DIR=self.data, MPLBACKEND="Agg")
        pkg = os.path.dirname(os.path.dirname(os.path.abspath(q.__file__)))
        env["PYTHONPATH"] = os.pathsep.join([pkg] + [p for p in env.get("PYTHONPATH", "").split(
            os.pathsep) if p])
        env.update(extra)
        return env


def notebook_script(path):
    """The code cells of a notebook, in order, as one script; IPython magics
    and shell escapes are not allowed in our notebooks."""
    with open(path) as f:
        nb = json.load(f)
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    for c in cells:
        for line in c.splitlines():
            assert not line.lstrip().startswith(("%", "!")), line
    return "\n\n".join("# ---- cell %d\n%s" % (i + 1, c) for i, c in enumerate(cells))


class TestMyAnalysisInSandbox(ExampleWorkspace):
    isolation = "full"  # the dataset is only visible inside the sandbox

    def test_my_analysis_computes_the_aggregate(self):
        self.owner.add_dataset("patients", self.data)
        job = q.submit_job(DO, os.path.join(self.work, "my_analysis"), "Mean age",
                           tags=["aggregate"])
        self.owner.approve(job.uid, "aggregates only")
        stats = self.owner.run_jobs()
        self.assertEqual(stats["completed"], 1, (stats, q.get_job(job.uid).to_dict()))
        job = q.wait_for_completion(job.uid, timeout=60)
        res = json.loads(job.read_output_file("result.json"))
        self.assertEqual(res["n"], 6)
        self.assertAlmostEqual(res["mean_age"], 44.67)
        self.assertEqual(res["by_sex"]["F"], {"n": 3, "mean_age": 47.67})
        self.assertIn("analysed 6 patients", job.get_logs())
        self.assertEqual(job.to_dict()["run"]["limits_applied"]["isolation"], "full")


class TestAutomationBot(ExampleWorkspace):
    def test_bot_decides_by_rule_with_reasons(self):
        other = q.connect(email="stranger@elsewhere.example", data_dir=self.ws)
        code = os.path.join(self.work, "my_analysis")
        good = q.submit_job(DO, code, "good", tags=["aggregate"])
        untagged = q.submit_job(DO, code, "untagged")
        foreign = other.submit_job(DO, code, "foreign", tags=["aggregate"])
        bot = [sys.executable, os.path.join(self.work, "external_automation_example.py"),
               "--scq", SCQ, "--email", DO, "--data-dir", self.ws, "--allow", DS]
        r = subprocess.run(bot + ["--dry-run"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("3 pending, 0 decided (dry run)", r.stdout)
        self.assertEqual(len(self.owner.pending_for_me), 3)
        r = subprocess.run(bot, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("3 pending, 3 decided", r.stdout)
        g, u, f = (self.owner.get_job(j.uid) for j in (good, untagged, foreign))
        self.assertEqual(g.status, "approved")
        self.assertIn("auto-approved", g.reason)
        self.assertEqual(u.status, "rejected")
        self.assertIn("tagged 'aggregate'", u.reason)
        self.assertEqual(f.status, "rejected")
        self.assertIn("not on the allow list", f.reason)


class TestNotebooks(ExampleWorkspace):
    isolation = "full"

    def test_tutorials_run_in_order(self):
        ds_script = os.path.join(self.tmp, "ds_tutorial.py")
        do_script = os.path.join(self.tmp, "do_tutorial.py")
        with open(ds_script, "w") as f:
            f.write(notebook_script(os.path.join(EXAMPLES, "DataScientist_Tutorial.ipynb")))
        with open(do_script, "w") as f:
            f.write(notebook_script(os.path.join(EXAMPLES, "DataOwner_Tutorial.ipynb")))
        # the data scientist's notebook submits, then waits for the owner
        ds = subprocess.Popen([sys.executable, ds_script], cwd=self.work, env=self.env(DS),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not self.owner.pending_for_me and time.monotonic() < deadline:
                if ds.poll() is not None:
                    break
                time.sleep(0.2)
            if not self.owner.pending_for_me:
                ds.kill()
                out, err = ds.communicate()
                self.fail("the DS notebook submitted nothing:\n" + out + err)
            do = subprocess.run([sys.executable, do_script], cwd=self.work, env=self.env(DO),
                                capture_output=True, text=True, timeout=120)
            self.assertEqual(do.returncode, 0, do.stdout + do.stderr)
            self.assertIn("completed exit code 0", do.stdout)
            self.assertIn("audit log entries:", do.stdout)
            out, err = ds.communicate(timeout=120)
        finally:
            if ds.poll() is None:
                ds.kill()
                ds.communicate()
        self.assertEqual(ds.returncode, 0, out + err)
        self.assertIn("completed in", out)
        self.assertIn("approved by %s" % DO, out)
        self.assertIn('"mean_age": 44.67', out)
        self.assertIn("result.json", out)


class TestSeedReadme(ExampleWorkspace):
    """The seed README's Python workflow (submit, monitor, review, approve,
    run, results), written as its readers would, with q.pending_for_me()
    and q.submit_script() called as the README does."""

    def test_workflow(self):
        import syft_code_queue as q  # noqa: F811 - as the README writes it
        # data scientist: submit a folder and a script
        job = q.submit_job(DO, os.path.join(self.work, "my_analysis"), "Statistical Analysis",
                           description="Calculate mean and std", tags=["statistics"])
        script_job = q.submit_script(DO, "import os\nprint('hello from a script')\n"
                                     "open(os.environ['OUTPUT_DIR'] + '/out.txt', 'w')"
                                     ".write('42')\n", "Quick script")
        # monitor
        self.assertEqual(job.status, "pending")
        self.assertEqual(len(q.my_jobs()), 2)
        self.assertEqual(len(q.pending_for_others), 2)
        # data owner: review and decide (its own notebook)
        q.configure(email=DO, data_dir=self.ws)
        pending = q.pending_for_me()
        self.assertEqual({j.uid for j in pending}, {job.uid, script_job.uid})
        review = q.review_job(script_job.uid)
        self.assertIn("script.py", review.text())
        self.assertIn("hello from a script", q.read_job_file(script_job.uid, "script.py"))
        self.assertEqual(q.list_job_files(job.uid), ["analyze.py", "run.sh"])
        q.approve(script_job.uid, "Safe script")
        q.reject(job.uid, "No dataset exposed in this demo")
        # run
        self.assertEqual(q.run_jobs()["completed"], 1)
        # data scientist: results
        q.configure(email=DS, data_dir=self.ws)
        done = q.wait_for_completion(script_job.uid, timeout=60)
        self.assertIn("hello from a script", q.get_job_logs(done.uid))
        self.assertEqual((q.get_job_output(done.uid) / "out.txt").read_text(), "42")
        self.assertEqual(q.get_job(job.uid).reason, "No dataset exposed in this demo")
        self.assertEqual(len(q.my_completed()), 1)


class TestHelpExamples(ExampleWorkspace):
    isolation = "full"

    def test_every_help_example_runs(self):
        text = _help.text()
        self.assertLess(len(text.splitlines()), 45, "q.help() should stay short")
        env = {"q": q}
        self.owner.add_dataset("patients", self.data)
        identities = {"Data scientist": DS, "Data owner": DO, "Data scientist, results": DS}
        ran = 0
        cwd = os.getcwd()
        os.chdir(self.work)
        import io
        import contextlib
        printed = io.StringIO()
        try:
            for title, body in _help.SECTIONS:
                q.configure(email=identities[title], data_dir=self.ws)
                for line in body.splitlines():
                    code = line.strip()
                    if code:
                        with contextlib.redirect_stdout(printed):
                            exec(compile(code, "help:" + title, "exec"), env)
                        ran += 1
        finally:
            os.chdir(cwd)
        self.assertGreaterEqual(ran, 12)
        self.assertIn("Exit Code: 0", printed.getvalue())
        job = env["job"]
        self.assertEqual(job.status, "completed")
        self.assertIn("result.txt", job.list_output_files())
        self.assertEqual(self.owner.config.job_timeout, 600)
        # the setup lines are valid too (import + configure)
        for line in _help.SETUP.splitlines():
            if line.startswith("    "):
                compile(line.strip(), "help:setup", "exec")
