"""CodeJob, JobCollection, JobStatus, QueueConfig, collections, datasites."""
import os
from datetime import datetime, timedelta, timezone

import syft_code_queue as q
from helpers import DO, DS, Workspace, make_code


class TestJobStatus(Workspace):
    def test_str_enum(self):
        self.assertEqual([s.value for s in q.JobStatus],
                         ["pending", "approved", "running", "completed", "failed", "rejected",
                          "timedout", "cancelled"])
        self.assertEqual(q.JobStatus.pending, "pending")
        self.assertEqual(str(q.JobStatus.completed), "completed")
        self.assertEqual("%s" % q.JobStatus.failed, "failed")
        self.assertEqual(f"{q.JobStatus.running}", "running")
        self.assertTrue(q.JobStatus.timedout.is_terminal)
        self.assertFalse(q.JobStatus.approved.is_terminal)


class TestCodeJob(Workspace):
    def test_fields_match_show_json(self):
        import json
        job = self.submit("fields", description="desc", tags=["a", "b"])
        self.owner.approve(job.uid, "ok")
        self.owner.run_jobs()
        job.refresh()
        shown = json.loads(self.scq(DS, "show", job.uid, "--json").stdout)
        self.assertEqual(job.to_dict(), shown)
        self.assertEqual(job.model_dump(), shown)
        for f in ("uid", "name", "description", "tags", "requester_email", "target_email",
                  "timeout_seconds", "exit_code", "error_message", "code_sha256",
                  "error_kind", "reason", "approved_by"):
            self.assertEqual(getattr(job, f), shown[f], f)
        self.assertEqual(job.status, shown["status"])
        for f in ("created_at", "updated_at", "started_at", "completed_at", "approved_at"):
            t = getattr(job, f)
            self.assertIsInstance(t, datetime, f)
            self.assertEqual(t.tzinfo, timezone.utc)
        self.assertEqual(job.exit_code, 0)
        self.assertEqual(job.reason, "ok")

    def test_properties(self):
        job = self.submit("props", timeout_seconds=3600)
        self.assertEqual(job.short_id, job.uid[:8])
        self.assertEqual(len(job.short_id), 8)
        self.assertFalse(job.is_terminal)
        self.assertIsNone(job.duration)
        self.assertFalse(job.is_expired)
        self.assertTrue(3500 <= job.time_remaining <= 3600)
        # expiry is computed from created_at + timeout_seconds
        job.created_at = datetime.now(timezone.utc) - timedelta(hours=2)
        self.assertTrue(job.is_expired)
        self.assertEqual(job.time_remaining, 0)
        job.refresh()
        self.owner.approve(job.uid)
        job.refresh()
        self.assertIsNone(job.time_remaining)
        self.owner.run_jobs()
        job.refresh()
        self.assertTrue(job.is_terminal)
        self.assertEqual(job.time_remaining, 0)
        self.assertGreaterEqual(job.duration, 0)
        self.assertIn("props", repr(job))
        self.assertIn("completed", repr(job))

    def test_methods(self):
        code = make_code(os.path.join(self.tmp, "m"), extra={"lib/helper.py": "X = 1\n"})
        job = q.submit_job(DO, code, "methods")
        owner_job = self.owner.get_job(job.uid)
        self.assertEqual(owner_job.list_files(), ["lib/helper.py", "run.sh"])
        self.assertEqual(owner_job.read_file("lib/helper.py"), "X = 1\n")
        self.assertIn("run.sh", owner_job.review().text())
        self.assertIn("uid", owner_job.get_review_data())
        self.assertIsNone(job.get_logs())
        self.assertIsNone(job.get_output())
        self.assertEqual(job.list_output_files(), [])
        with self.assertRaises(q.NotAllowed):
            job.approve()
        self.assertTrue(owner_job.approve("fine"))
        self.assertEqual(owner_job.status, "approved")  # refreshed in place
        self.owner.run_jobs()
        self.assertIs(job.wait_for_completion(timeout=30), job)
        self.assertEqual(job.status, "completed")
        self.assertIn("hello", job.get_logs())
        self.assertEqual(job.list_output_files(), ["result.txt"])
        self.assertEqual(job.read_output_file("result.txt"), "result\n")
        self.assertEqual(job.output_folder, job.get_output())
        with self.assertRaises(q.JobNotFound):
            job.read_output_file("../../job.json")
        viewer = job.output_viewer
        self.assertIn("result.txt", viewer.text())
        self.assertIn("result.txt", viewer._repr_html_())

    def test_reject_and_cancel_methods(self):
        job = self.submit("rm")
        oj = self.owner.get_job(job.uid)
        self.assertTrue(oj.reject())
        self.assertEqual(oj.status, "rejected")
        self.assertEqual(oj.reason, "Rejected by data owner")
        job = self.submit("cm")
        self.assertTrue(job.cancel())
        self.owner.ingest()
        self.assertEqual(job.refresh().status, "cancelled")

    def test_detached_job(self):
        j = q.CodeJob({"uid": "x" * 36, "name": "n", "status": "pending"})
        self.assertEqual(j.tags, [])
        self.assertEqual(j.timeout_seconds, 86400)
        with self.assertRaises(q.ConfigError):
            j.approve()


class TestCollections(Workspace):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jobs = [q.submit_job(DO, cls.code, "c%d" % i, tags=["t%d" % (i % 2), "all"])
                    for i in range(5)]
        cls.owner.approve(cls.jobs[0].uid)
        cls.owner.approve(cls.jobs[1].uid)
        cls.owner.run_jobs()
        cls.owner.reject(cls.jobs[2].uid, "no")

    def test_attribute_and_callable(self):
        for name in ("jobs_for_me", "jobs_for_others", "pending_for_me", "pending_for_others",
                     "my_pending", "my_running", "my_completed", "approved_by_me"):
            for who in (q, self.owner):
                attr = getattr(who, name)
                called = getattr(who, name)()
                self.assertIsInstance(attr, q.JobCollection, name)
                self.assertIsInstance(called, q.JobCollection, name)
                self.assertEqual([j.uid for j in attr], [j.uid for j in called], name)

    def test_contents(self):
        uids = {j.uid for j in self.jobs}
        self.assertEqual({j.uid for j in q.jobs_for_others}, uids)
        self.assertEqual(q.jobs_for_me, [])
        self.assertEqual({j.uid for j in self.owner.jobs_for_me}, uids)
        self.assertEqual({j.uid for j in self.owner.pending_for_me},
                         {j.uid for j in self.jobs[3:]})
        self.assertEqual({j.uid for j in q.pending_for_others}, {j.uid for j in self.jobs[3:]})
        self.assertEqual({j.uid for j in q.my_pending}, {j.uid for j in self.jobs[3:]})
        self.assertEqual({j.uid for j in q.my_completed}, {j.uid for j in self.jobs[:2]})
        self.assertEqual(q.my_running, [])
        self.assertEqual({j.uid for j in self.owner.approved_by_me},
                         {j.uid for j in self.jobs[:2]})
        self.assertEqual(q.pending_for_me, [])

    def test_filters(self):
        c = self.owner.jobs_for_me
        self.assertEqual(len(c.by_status("completed")), 2)
        self.assertEqual(len(c.by_status(q.JobStatus.rejected)), 1)
        self.assertEqual(len(c.pending()), 2)
        self.assertEqual(len(c.completed()), 2)
        self.assertEqual(len(c.running()), 0)
        self.assertEqual(len(c.by_name("C1")), 1)
        self.assertEqual(len(c.by_tags("t0")), 3)
        self.assertEqual(len(c.by_tags("t0", "t1")), 5)
        self.assertEqual(len(c.by_tags("none")), 0)
        self.assertIsInstance(c.by_name("c"), q.JobCollection)
        self.assertIsInstance(c[1:3], q.JobCollection)
        self.assertIsInstance(c[0], q.CodeJob)

    def test_summary_latest_is_newest(self):
        c = self.owner.jobs_for_me
        s = c.summary()
        self.assertEqual(s["total"], 5)
        self.assertEqual(s["by_status"]["completed"], 2)
        self.assertEqual(set(s["by_status"]), {x.value for x in q.JobStatus})
        newest = max(c, key=lambda j: j.created_at)
        self.assertEqual(s["latest"].uid, newest.uid)
        # as the requester sees them, the newest is the last one submitted
        mine = q.jobs_for_others
        self.assertEqual(mine.summary()["latest"].uid, self.jobs[-1].uid)
        rev = q.JobCollection(list(reversed(mine)))
        self.assertEqual(rev.summary()["latest"].uid, self.jobs[-1].uid)
        self.assertIsNone(q.JobCollection().summary()["latest"])
        self.assertIn("5 jobs", repr(c))
        self.assertIn("completed: 2", repr(c))
        self.assertEqual(repr(q.JobCollection()), "JobCollection([])")



class TestCollectionActions(Workspace):
    def test_refresh(self):
        c = q.pending_for_others
        n = len(c)
        extra = self.submit("late")
        self.assertEqual(len(c.refresh()), n + 1)
        self.assertEqual(len(c()), n + 1)
        self.owner.reject(extra.uid, "late")
        detached = q.JobCollection([q.get_job(extra.uid)])
        detached.refresh()
        self.assertEqual(detached[0].status, "rejected")

    def test_approve_all_reject_all(self):
        a = self.submit("bulk a")
        b = self.submit("bulk b")
        c = self.owner.pending_for_me
        c = c.by_name("bulk")
        d = self.submit("done")
        self.owner.approve(d.uid)
        self.owner.run_jobs()
        done = self.owner.jobs_for_me.completed()
        self.assertEqual(len(done), 1)
        res = q.JobCollection(list(c) + list(done)).approve_all("batch")
        self.assertEqual(res, {"approved": 2, "failed": 0, "skipped": len(done), "errors": []})
        self.assertEqual(self.owner.get_job(a.uid).status, "approved")
        self.assertEqual(self.owner.get_job(b.uid).reason, "batch")
        x = self.submit("bulk x")
        res = self.owner.pending_for_me.by_name("bulk x").reject_all()
        self.assertEqual(res, {"rejected": 1, "failed": 0, "skipped": 0, "errors": []})
        self.assertEqual(self.owner.get_job(x.uid).reason, "Rejected by data owner")
        # a requester's approve_all fails per job, with messages
        y = self.submit("bulk y")
        res = q.pending_for_others.by_name("bulk y").approve_all()
        self.assertEqual((res["approved"], res["failed"]), (0, 1))
        self.assertIn(y.short_id, res["errors"][0])
        self.owner.cancel(y.uid)


class TestConfigAndDatasites(Workspace):
    def test_queue_config(self):
        cfg = self.owner.config
        self.assertEqual(cfg.queue_name, "code-queue")
        self.assertEqual(cfg.isolation, "none")
        cfg.job_timeout = 900
        self.assertEqual(cfg.job_timeout, 900)
        self.assertEqual(self.scq(DO, "config", "get", "job_timeout").stdout.strip(), "900")
        cfg.network = False
        self.assertIs(cfg.network, False)
        d = cfg.to_dict()
        for k in ("queue_name", "max_concurrent_jobs", "job_timeout", "cleanup_completed_after",
                  "isolation", "memory_limit_mb"):
            self.assertIn(k, d)
        self.assertIn("max_concurrent_jobs", q.QueueConfig.keys())
        q2 = q.QueueConfig(self.owner, max_concurrent_jobs=2).apply()
        self.assertEqual(q2.max_concurrent_jobs, 2)
        self.assertEqual(cfg.max_concurrent_jobs, 2)
        with self.assertRaises(q.ConfigError):
            cfg.job_timeout = -5
        with self.assertRaises(AttributeError):
            cfg.no_such_key = 1
        self.assertIn("job_timeout=900", repr(cfg))

    def test_release_review(self):
        self.owner.config.release = "review"
        try:
            job = self.submit("held")
            self.owner.approve(job.uid)
            self.owner.run_jobs()
            job.refresh()
            self.assertEqual(job.status, "completed")
            self.assertTrue(job.to_dict().get("results_held"))
            self.assertIsNone(job.get_logs())
            with self.assertRaises(q.NotAllowed):
                job.release()
            self.assertTrue(self.owner.get_job(job.uid).release())
            self.assertIn("hello", job.get_logs())
            self.assertEqual(job.list_output_files(), ["result.txt"])
        finally:
            self.owner.config.release = "auto"

    def test_datasets_audit_doctor(self):
        data = os.path.join(self.tmp, "data")
        os.makedirs(data, exist_ok=True)
        self.owner.add_dataset("patients", data)
        self.assertEqual(self.owner.list_datasets(), {"patients": os.path.realpath(data)})
        self.owner.remove_dataset("patients")
        self.assertEqual(self.owner.list_datasets(), {})
        self.assertGreater(self.owner.audit_verify(), 0)
        self.assertIsInstance(self.owner.doctor(), dict)

    def test_datasites_and_ping(self):
        self.submit("for counts")
        ds = q.datasites
        emails = ds.emails()
        self.assertEqual(set(emails), {DS, DO})
        row = next(r for r in ds if r["email"] == DO)
        self.assertGreaterEqual(row["status_counts"]["pending"], 1)
        self.assertIn(DO, repr(ds))
        self.assertIn(DO, ds._repr_html_())
        self.assertEqual(len(ds.with_pending_jobs), 1)
        # the owner pings itself and runs it here: who ran it is reported
        own = q.DataSitesCollection(self.owner, [r for r in self.owner.datasites if r["is_me"]])
        res = own.ping(include_self=True, block=True, timeout_minutes=0.5)
        self.assertIn(DO, res["sent_to"])
        self.assertIn(DO, res["responded"])
        self.assertEqual(res["ran_by"][DO], DO)
        # the data scientist pings the owner without blocking
        res = ds.ping()
        self.assertEqual(res["sent_to"], [DO])
        self.assertEqual(res["failed_to_send"], [])
        job = res["jobs"][DO]
        self.assertEqual(job.tags, ["ping", "network-test"])
        self.assertEqual(job.name, "Ping from %s" % DS)
