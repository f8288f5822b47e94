"""The seed's Python API as its users call it (issue 8, item 7):
QueueConfig(...) has no side effects and apply() validates before writing;
submit_script takes the seed's positional order."""
import json

import syft_code_queue as q
from helpers import DO, Workspace

SEED = dict(queue_name="code-queue", max_concurrent_jobs=3, job_timeout=600,
            cleanup_completed_after=86400)


class TestQueueConfig(Workspace):
    def store(self):
        return json.loads(self.owner._h.config_json())

    def test_seed_call_constructs_without_side_effects(self):
        saved = q._state["client"]
        q._state["client"] = None  # no identity opened by constructing
        try:
            before = self.store()
            cfg = q.QueueConfig(**SEED)
            other = q.QueueConfig(queue_name="code-queue", max_concurrent_jobs=2, job_timeout=700)
            self.assertIsNone(q._state["client"])
            self.assertEqual(self.store(), before)
            self.assertEqual(cfg.queue_name, "code-queue")
            self.assertEqual(other.job_timeout, 700)  # read back from the object
        finally:
            q._state["client"] = saved

    def test_apply_validates_everything_before_writing(self):
        before = self.store()
        bad = q.QueueConfig(self.owner, queue_name="code-queue", max_concurrent_jobs=2,
                            job_timeout=-5, cleanup_completed_after=3600)
        with self.assertRaises(q.Error):
            bad.apply()
        self.assertEqual(self.store(), before)  # not even the settings listed before it
        with self.assertRaises(q.ConfigError):
            q.QueueConfig(self.owner, queue_name="other-queue", job_timeout=700).apply()
        self.assertEqual(self.store(), before)
        with self.assertRaises(q.Error):
            self.owner.config.update(max_concurrent_jobs=2, memory_limit_mb="lots")
        self.assertEqual(self.store(), before)
        with self.assertRaises(TypeError):
            q.QueueConfig(self.owner, no_such_setting=1)
        good = q.QueueConfig(self.owner, queue_name="code-queue", max_concurrent_jobs=2,
                             job_timeout=700, cleanup_completed_after=3600)
        self.assertIs(good.apply(), good)
        after = self.store()
        self.assertEqual((after["max_concurrent_jobs"], after["job_timeout"],
                          after["cleanup_completed_after"]), (2, 700, 3600))
        self.assertNotIn("queue_name", after)  # accepted, never a setting
        self.assertEqual(self.scq(DO, "config", "get", "job_timeout").stdout.strip(), "700")
        q.QueueConfig(self.owner, **SEED).apply()
        self.assertEqual(self.store()["job_timeout"], 600)


class TestSubmitScriptOrder(Workspace):
    def test_seed_positional_order(self):
        j = q.submit_script(DO, "print(1)\n", "seed order", "a description", ["numpy==1.26"],
                            ["t1", "t2"])
        self.assertEqual(j.description, "a description")
        self.assertEqual(j.tags, ["t1", "t2"])
        self.assertIn("numpy==1.26", self.owner.read_job_file(j.uid, "requirements.txt"))
        self.assertIn("script.py", self.owner.list_job_files(j.uid))
        c = self.ds.submit_script(DO, "echo hi\n", "bash by keyword", None, None, ["b"],
                                  language="bash")
        self.assertIn("script.sh", self.owner.list_job_files(c.uid))
        # the old positional language is refused with the fix, not taken as a requirement
        with self.assertRaises(q.InvalidJob):
            q.submit_script(DO, "echo 1\n", "old order", None, "bash")
