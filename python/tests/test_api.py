"""The extension, the exceptions and the module functions."""
import os
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

import syft_code_queue as q
from syft_code_queue import _scq
from helpers import DO, DS, Workspace, make_code


class TestImport(unittest.TestCase):
    def run_py(self, code, env_extra=None, home=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYFTBOX_")}
        env["HOME"] = home
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(q.__file__)))
        env.update(env_extra or {})
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, cwd=home)

    def test_import_has_no_side_effects_and_needs_no_config(self):
        with tempfile.TemporaryDirectory() as home:
            r = self.run_py("import syft_code_queue as q; print(sorted(dir(q))[:1])", home=home)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(os.listdir(home), [])

    def test_import_stays_light(self):
        # heavy modules load only when first needed (import time <= 30 ms)
        with tempfile.TemporaryDirectory() as home:
            r = self.run_py("import sys\nbefore = set(sys.modules)\nimport syft_code_queue\n"
                            "print(sorted({'json', 'html', 'pathlib', 'datetime', 'enum',"
                            " 'syft_code_queue._core'} & (set(sys.modules) - before)))",
                            home=home)
            self.assertEqual(r.stdout.strip(), "[]", r.stderr)

    def test_first_call_explains_configuration(self):
        with tempfile.TemporaryDirectory() as home:
            r = self.run_py(
                "import syft_code_queue as q\n"
                "try:\n    q.my_jobs()\n"
                "except q.ConfigError as e:\n    print('CONFIG', e.code, e)\n", home=home)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("CONFIG -5", r.stdout)
            for hint in ("SyftBox", "SYFTBOX_EMAIL", "SYFTBOX_DATA_DIR", "q.configure(email="):
                self.assertIn(hint, r.stdout)
            self.assertEqual(os.listdir(home), [])

    def test_env_identity(self):
        with tempfile.TemporaryDirectory() as home:
            os.mkdir(os.path.join(home, "ws"))
            r = self.run_py("import syft_code_queue as q; print(q.status()['email'])", home=home,
                            env_extra={"SYFTBOX_EMAIL": "Env@Example.org",
                                       "SYFTBOX_DATA_DIR": os.path.join(home, "ws")})
            self.assertEqual(r.stdout.strip(), "env@example.org", r.stderr)

    def test_missing_data_dir_is_a_config_error(self):
        with self.assertRaises(q.ConfigError) as cm:
            q.connect(email="a@b.org", data_dir="/nonexistent/scq-test")
        self.assertIn("does not exist", str(cm.exception))

    def test_exception_hierarchy_and_codes(self):
        for name, code in (("JobNotFound", -1), ("NotAllowed", -2), ("InvalidState", -3),
                           ("InvalidJob", -4), ("ConfigError", -5), ("SandboxError", -6),
                           ("Timeout", -9)):
            cls = getattr(q, name)
            self.assertTrue(issubclass(cls, q.Error), name)
            self.assertEqual(cls.code, code)
        self.assertTrue(issubclass(q.InvalidJob, ValueError))
        self.assertTrue(issubclass(q.Timeout, TimeoutError))
        self.assertTrue(issubclass(q.JobFailed, q.Error))
        self.assertTrue(issubclass(q.JobFailed, RuntimeError))
        # every library code maps to the right class; unknown ones to Error
        for code, cls in ((-1, q.JobNotFound), (-2, q.NotAllowed), (-3, q.InvalidState),
                          (-4, q.InvalidJob), (-5, q.ConfigError), (-6, q.SandboxError),
                          (-7, q.Error), (-8, q.InvalidJob), (-9, q.Timeout), (-10, q.Error)):
            with self.assertRaises(cls) as cm:
                _scq.raise_code(code, "msg %d" % code)
            self.assertEqual(cm.exception.code, code)
            self.assertEqual(str(cm.exception), "msg %d" % code)
            self.assertEqual(cm.exception.code_name, _scq.strerror(code))
            if cls is q.Error:
                self.assertIs(type(cm.exception), q.Error)

    def test_extension_helpers(self):
        self.assertEqual(_scq.statuses()[0], "pending")
        self.assertEqual(len(_scq.statuses()), 8)
        self.assertIn("job_timeout", _scq.config_keys())
        self.assertTrue(_scq.uid_valid(str(uuid.uuid4())))
        self.assertFalse(_scq.uid_valid("nope"))
        self.assertEqual(q.__version__, _scq.VERSION)


class TestModuleFunctions(Workspace):
    def test_submit_job_str_and_path(self):
        for folder in (self.code, Path(self.code)):
            job = q.submit_job(DO, folder, "Mean age", description="d", tags=["stats", "age"])
            self.assertIsInstance(job, q.CodeJob)
            self.assertEqual(job.status, q.JobStatus.pending)
            self.assertEqual((job.name, job.description, job.tags), ("Mean age", "d",
                                                                      ["stats", "age"]))
            self.assertEqual((job.requester_email, job.target_email), (DS, DO))
            self.assertEqual(job.timeout_seconds, 86400)
            self.assertTrue(_scq.uid_valid(job.uid))

    def test_submit_job_argument_orders(self):
        job = q.submit_job(DO, self.code, "n", None, ["a"], 3600)
        self.assertEqual((job.tags, job.timeout_seconds), (["a"], 3600))
        # the original's final positional order: timeout before tags
        job = q.submit_job(DO, self.code, "n", None, 7200, ["b"])
        self.assertEqual((job.tags, job.timeout_seconds), (["b"], 7200))
        job = q.submit_job(DO, self.code, "n", tags="single")
        self.assertEqual(job.tags, ["single"])

    def test_submit_job_validation(self):
        with self.assertRaises(q.InvalidJob):
            q.submit_job(DO, os.path.join(self.tmp, "missing"), "x")
        empty = os.path.join(self.tmp, "norun")
        os.makedirs(empty, exist_ok=True)
        with self.assertRaises(ValueError):  # InvalidJob is a ValueError
            q.submit_job(DO, empty, "x")
        with self.assertRaises(q.InvalidJob):
            q.submit_job(DO, self.code, "")
        with self.assertRaises(q.InvalidJob):
            q.submit_job(DO, self.code, "x", timeout_seconds=0)
        with self.assertRaises(q.InvalidJob):
            q.submit_job("nobody@nowhere.example", self.code, "x")
        # no fake datasite is created for an unknown owner
        self.assertFalse(os.path.exists(os.path.join(self.ws, "datasites",
                                                     "nobody@nowhere.example")))

    def test_submit_refuses_crlf_run_sh(self):
        # the library's refusal (scq submit gives the same), not a job that
        # "completes" with set -e ignored
        win = os.path.join(self.tmp, "win")
        os.makedirs(win, exist_ok=True)
        with open(os.path.join(win, "run.sh"), "wb") as f:
            f.write(b"#!/bin/bash\r\nset -e\r\necho hi\r\n")
        with self.assertRaises(q.InvalidJob) as cm:
            q.submit_job(DO, win, "crlf")
        self.assertIn("CRLF", str(cm.exception))
        self.assertIn("convert_crlf=True", str(cm.exception))  # advice Python can follow
        j = q.submit_job(DO, win, "crlf", convert_crlf=True)
        self.assertNotIn(b"\r", self.owner.read_job_file_bytes(j.uid, "run.sh"))
        with open(os.path.join(win, "run.sh"), "rb") as f:
            self.assertIn(b"\r\n", f.read())  # the user's file is untouched

    def test_submit_python_bash_script(self):
        j = q.submit_python(DO, "print('hi')", "py", requirements=["numpy"], tags=["t"])
        self.assertEqual(j.name, "py")
        files = self.owner.list_job_files(j.uid)
        self.assertEqual(files, ["requirements.txt", "run.sh", "script.py"])
        self.assertIn("python3 script.py", self.owner.read_job_file(j.uid, "run.sh"))
        j = q.submit_bash(DO, "echo hi", "sh", description="bash job")
        self.assertEqual(self.owner.list_job_files(j.uid), ["run.sh", "script.sh"])
        j = q.submit_script(DO, "print(1)", "default lang")
        self.assertIn("script.py", self.owner.list_job_files(j.uid))
        j = q.submit_script(DO, "echo 1", "bash lang", language="bash")
        self.assertIn("script.sh", self.owner.list_job_files(j.uid))
        with self.assertRaises(q.InvalidJob):
            q.submit_script(DO, "x", "bad", language="ruby")
        with self.assertRaises(q.InvalidJob):
            q.submit_python(DO, "", "empty")

    def test_get_job_by_uid_prefix_uuid_and_job(self):
        job = self.submit("findme")
        for ident in (job.uid, job.uid[:8], uuid.UUID(job.uid), job, job.uid.upper()):
            self.assertEqual(q.get_job(ident).uid, job.uid)
        with self.assertRaises(q.JobNotFound):
            q.get_job(str(uuid.uuid4()))
        with self.assertRaises(q.InvalidJob):
            q.get_job("zz")

    def test_ambiguous_prefix_is_invalid_job(self):
        # a second store job sharing the first 8 characters (a submitter
        # chooses its uid, so such collisions can be made on purpose); it
        # used to wait for a chance collision and skip when none came
        import shutil
        j = self.submit("amb")
        self.owner.pending_for_me()  # ingested
        pend = os.path.join(self.ws, "private", "code-queue", DO, "jobs", "pending")
        other = j.uid[:9] + "0000-4000-8000-000000000000"
        shutil.copytree(os.path.join(pend, j.uid), os.path.join(pend, other))
        try:
            for f in ("job.json", "public.json"):
                path = os.path.join(pend, other, f)
                if os.path.exists(path):
                    Path(path).write_text(Path(path).read_text().replace(j.uid, other))
            with self.assertRaises(q.InvalidJob) as cm:
                self.owner.get_job(j.uid[:8])
            self.assertEqual(cm.exception.code, _scq.EAMBIGUOUS)
            self.assertIn(other, str(cm.exception))
        finally:
            shutil.rmtree(os.path.join(pend, other))

    def test_my_jobs_and_all_jobs_for_me_have_no_cap(self):
        before = len(q.my_jobs())
        for i in range(55):
            self.submit("bulk %d" % i)
        mine = q.my_jobs()
        self.assertEqual(len(mine), before + 55)
        self.assertIsInstance(mine, q.JobCollection)
        self.assertEqual(len(q.my_jobs(limit=3)), 3)
        self.assertEqual(len(q.my_jobs(status="pending", limit=None)),
                         len([j for j in mine if j.status == "pending"]))
        self.assertEqual(len(self.owner.all_jobs_for_me()), len(mine))
        times = [j.created_at for j in mine]
        self.assertEqual(times, sorted(times, reverse=True))
        with self.assertRaises(q.InvalidJob):
            q.my_jobs(status="bogus")
        self.assertEqual(q.all_jobs_for_me(), [])  # nothing was submitted to DS

    def test_decide_run_results(self):
        job = self.submit("full", tags=["x"])
        with self.assertRaises(q.NotAllowed):
            q.approve(job.uid)
        with self.assertRaises(q.NotAllowed):
            q.reject(job.uid, "no")
        with self.assertRaises(q.JobNotFound):
            self.owner.approve(str(uuid.uuid4()))
        self.assertIsNone(q.get_job_logs(job.uid))
        self.assertIsNone(q.get_job_output(job.uid))
        self.assertTrue(self.owner.approve(job.uid[:8], "fine"))
        with self.assertRaises(q.InvalidState):
            self.owner.approve(job.uid)
        with self.assertRaises(q.InvalidState):
            self.owner.reject(job.uid)
        stats = self.owner.run_jobs()
        self.assertGreaterEqual(stats["completed"], 1)
        done = q.wait_for_completion(job.uid, timeout=30)
        self.assertEqual(done.status, "completed")
        self.assertEqual(done.exit_code, 0)
        self.assertIn("hello", q.get_job_logs(job.uid))
        out = q.get_job_output(job.uid)
        self.assertIsInstance(out, Path)
        self.assertEqual((out / "result.txt").read_text(), "result\n")

    def test_reject_default_reason_and_cancel(self):
        job = self.submit("rej")
        self.assertTrue(self.owner.reject(job.uid))
        self.assertEqual(q.get_job(job.uid).status, "rejected")
        self.assertEqual(q.get_job(job.uid).reason, "Rejected by data owner")
        with self.assertRaises(q.JobFailed) as cm:
            q.wait_for_completion(job.uid, timeout=5)
        self.assertEqual(cm.exception.job.status, "rejected")
        job = self.submit("rej2")
        self.owner.reject(job.uid, "uses raw rows")
        self.assertEqual(q.get_job(job.uid).reason, "uses raw rows")
        job = self.submit("cancel me")
        self.assertTrue(q.cancel(job.uid))
        self.owner.ingest()
        self.assertEqual(self.owner.get_job(job.uid).status, "cancelled")
        job = self.submit("owner cancels")
        self.owner.cancel(job.uid)
        self.assertEqual(self.owner.get_job(job.uid).status, "cancelled")

    def test_wait_timeout(self):
        job = self.submit("slow")
        with self.assertRaises(q.Timeout) as cm:
            q.wait_for_completion(job.uid, timeout=0.3)
        self.assertIsInstance(cm.exception, TimeoutError)

    def test_review_functions(self):
        code = make_code(os.path.join(self.tmp, "rev"), extra={
            "analyze.py": "print(1)\n", "sub/data.bin": b"\x00\x01\x02", "notes.md": "# hi\n"})
        job = q.submit_job(DO, code, "review")
        self.assertEqual(self.owner.list_job_files(job.uid),
                         ["analyze.py", "notes.md", "run.sh", "sub/data.bin"])
        self.assertEqual(self.owner.read_job_file(job.uid, "analyze.py"), "print(1)\n")
        # never a placeholder: the text holds every byte (views escape it)
        self.assertEqual(self.owner.read_job_file(job.uid, "sub/data.bin"), "\x00\x01\x02")
        self.assertEqual(self.owner.read_job_file_bytes(job.uid, "sub/data.bin"), b"\x00\x01\x02")
        with self.assertRaises(q.JobNotFound):
            self.owner.read_job_file(job.uid, "nope.txt")
        with self.assertRaises(q.Error):
            self.owner.read_job_file(job.uid, "../../../etc/passwd")
        with self.assertRaises(q.JobNotFound):  # the requester cannot review
            q.list_job_files(job.uid)
        view = self.owner.review_job(job.uid)
        self.assertIn("run.sh", view.text())
        self.assertIn("analyze.py", view.text())

    def test_inspect_job_prints(self):
        import io
        import contextlib
        job = self.submit("inspect")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.owner.inspect_job(job.uid)
        self.assertIn("run.sh", buf.getvalue())
        self.assertIn("hello", buf.getvalue())

    def test_status(self):
        self.submit("status")
        s = q.status()
        for k in ("email", "jobs_submitted_by_me", "jobs_submitted_to_me",
                  "pending_for_approval", "my_running_jobs"):
            self.assertIn(k, s)
        self.assertEqual(s["email"], DS)
        self.assertGreaterEqual(s["jobs_submitted_by_me"], 1)
        self.assertGreaterEqual(self.owner.status()["pending_for_approval"], 1)

    def test_help_prints(self):
        import io
        import contextlib
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            self.assertIsNone(q.help())
        self.assertIn("submit_job", buf.getvalue())

    def test_q_alias_and_dir(self):
        self.assertIs(q.q, q)
        self.assertIs(q.jobs, q)
        for name in ("pending_for_me", "datasites", "submit_job", "CodeJob"):
            self.assertIn(name, dir(q))
        with self.assertRaises(AttributeError):
            q.no_such_name

    def test_client_identity(self):
        self.assertEqual(q.client().email, DS)
        self.assertEqual(self.owner.email, DO)
        self.assertEqual(str(self.owner.data_dir), self.ws)
        self.assertIn(DO, repr(self.owner))
