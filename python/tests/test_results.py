"""Results are never shown as complete when they are not (issue 8, items 4
and 5): a big log completes, output cut by a limit says so, a partial sync
raises ResultsIncomplete until everything has synced."""
import json
import os
import shutil
import warnings

import syft_code_queue as q
from helpers import DO, DS, Workspace, make_code


class TestResults(Workspace):
    def run_job(self, name, body):
        code = make_code(os.path.join(self.tmp, name), body)
        job = q.submit_job(DO, code, name)
        self.owner.approve(job.uid)
        self.owner.run_jobs()
        return job.uid

    def outbox(self, uid):
        return os.path.join(self.ws, "datasites", DO, "app_data", "code-queue", "outbox", DS, uid)

    def test_big_log_completes_for_the_requester(self):
        self.owner.config.max_output_bytes = 4000000
        uid = self.run_job("biglog", 'head -c 1500000 /dev/zero | tr "\\0" x; echo; echo END')
        job = q.wait_for_completion(uid, timeout=15)
        self.assertEqual(str(job.status), "completed")
        self.assertIn("END", q.get_job_logs(uid))
        self.assertLess(os.path.getsize(os.path.join(self.outbox(uid), "status.json")), 65536)
        self.assertEqual(job.log["file"], "execution.txt")
        self.assertFalse(job.log["truncated"])

    def test_output_over_the_limit_is_marked(self):
        self.owner.config.max_output_bytes = 100000
        try:
            uid = self.run_job("overcap", 'echo small > "$OUTPUT_DIR/small.txt"; '
                               'head -c 200000 /dev/urandom > "$OUTPUT_DIR/big.bin"')
        finally:
            self.owner.config.max_output_bytes = 4000000
        with self.assertRaises(q.JobFailed) as cm:
            q.wait_for_completion(uid, timeout=15)
        job = cm.exception.job
        self.assertEqual(job.error_kind, "output_limit")
        self.assertTrue(any("big.bin" in n and "output size limit" in n for n in job.output_notes),
                        job.output_notes)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            self.assertIsNotNone(q.get_job_output(uid))
        self.assertTrue(any(issubclass(x.category, q.OutputWarning) for x in w))
        with self.assertRaisesRegex(q.JobNotFound, "left out"):
            q.read_output_file(uid, "big.bin")

    def test_partial_sync_raises_until_complete(self):
        uid = self.run_job("three", 'for f in a b c; do head -c 5000 /dev/urandom > '
                           '"$OUTPUT_DIR/$f.bin"; done')
        out = os.path.join(self.outbox(uid), "output")
        saved = os.path.join(self.tmp, "b.saved")
        shutil.move(os.path.join(out, "b.bin"), saved)
        with self.assertRaisesRegex(q.ResultsIncomplete, "2 of 3 output files have synced"):
            q.get_job_output(uid)
        with self.assertRaises(q.ResultsIncomplete):
            q.read_output_file(uid, "a.bin")
        dest = os.path.join(self.tmp, "got")
        with self.assertRaises(q.ResultsIncomplete):
            q.copy_job_output(uid, dest)
        shutil.copy(saved, os.path.join(out, "b.bin"))
        self.assertIsNotNone(q.get_job_output(uid))
        q.copy_job_output(uid, dest)  # finishes the earlier partial copy
        with open(saved, "rb") as a, open(os.path.join(dest, "b.bin"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        log = os.path.join(self.outbox(uid), "execution.txt")
        shutil.move(log, log + ".saved")
        try:
            with self.assertRaisesRegex(q.ResultsIncomplete, "not fully synced"):
                q.get_job_logs(uid)
        finally:
            shutil.move(log + ".saved", log)
        self.assertIsNotNone(q.get_job_logs(uid))

    def test_undelivered_results_are_not_a_clean_completion(self):
        uid = self.run_job("undelivered", 'echo hi > "$OUTPUT_DIR/r.txt"')
        # what a failed publication leaves in the store (t0320 fills a real disk)
        rec = os.path.join(self.ws, "private", "code-queue", DO, "jobs", "completed", uid,
                           "publish-error.json")
        with open(rec, "w") as f:
            f.write('{"at": "2026-01-01T00:00:00Z", "by": "scq", "reason": "disk full"}')
        try:
            with self.assertRaisesRegex(q.JobFailed, "could not be published: disk full"):
                self.owner.wait_for_completion(uid, timeout=10)
        finally:
            os.unlink(rec)
        self.assertEqual(str(self.owner.wait_for_completion(uid, timeout=10).status),
                         "completed")

    def test_a_forged_status_is_not_a_completion(self):
        uid = self.run_job("forged", 'exit 3')
        self.assertEqual(q.get_job(uid).signature, "verified")
        with self.assertRaises(q.JobFailed):
            q.wait_for_completion(uid, timeout=10)
        # a sync server that writes turns the failure into a completion
        path = os.path.join(self.outbox(uid), "status.json")
        with open(path) as f:
            real = f.read()
        doc = json.loads(real)
        doc.update(status="completed", exit_code=0, error_kind=None, error_message=None)
        with open(path, "w") as f:
            json.dump(doc, f)
        try:
            self.assertEqual(q.get_job(uid).signature, "bad")
            with self.assertRaisesRegex(q.JobFailed, "BAD SIGNATURE on the status.json %s "
                                        "published" % DO):
                q.wait_for_completion(uid, timeout=10)
        finally:
            with open(path, "w") as f:
                f.write(real)
