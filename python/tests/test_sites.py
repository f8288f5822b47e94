"""Datasites, ping, keys and owner-signed statuses from Python (issue 14
sections 3 and 4): q.datasites from what each datasite publishes, q.ping
(no job), q.keys / q.accept_key, and job.signature: verified, then bad once
the requester's copy of status.json was changed."""
import json
import os

import syft_code_queue as q
from helpers import DO, DS, Workspace


class TestSites(Workspace):
    def test_ping_before_and_after_a_runner_cycle(self):
        before = q.ping(DS)  # my own runner never ran
        self.assertEqual(before["state"], "never")
        self.owner.run_jobs()
        p = q.ping(DO)
        self.assertEqual(p["state"], "alive")
        self.assertEqual(p["signature"]["state"], "verified")
        self.assertEqual(self.owner._list(1, "pending"), [])  # a ping is no job

    def test_datasites_from_what_they_publish(self):
        self.owner.run_jobs()
        sites = {r["email"]: r for r in q.datasites}
        self.assertIn(DO, sites)
        self.assertEqual(sites[DO]["runner"]["state"], "alive")
        self.assertEqual(sites[DO]["runtimes"], [])
        self.assertTrue(sites[DS]["is_me"])
        bad = os.path.join(self.ws, "datasites", DO, "public", "code-queue", "runtimes.json")
        with open(bad, "w") as f:
            f.write("{not json")
        listing = q.datasites
        self.assertIn(DO, listing.emails())
        self.assertTrue(any("runtimes.json" in n for n in listing.notices), listing.notices)
        os.unlink(bad)

    def test_signed_status_and_keys(self):
        job = self.submit("signed")
        self.owner.ingest()
        self.owner.approve(job.uid, "ok")
        self.owner.run_jobs()
        mine = q.get_job(job.uid)
        self.assertEqual(mine.signature, "verified")
        self.assertEqual([k["email"] for k in q.keys()], [DO])  # pinned at the submit
        self.assertEqual(q.keys()[0]["state"], "pinned")
        st = os.path.join(self.ws, "datasites", DO, "app_data", "code-queue", "outbox", DS,
                          job.uid, "status.json")
        with open(st) as f:
            doc = json.load(f)
        doc["exit_code"] = 3
        with open(st, "w") as f:
            json.dump(doc, f)
        self.assertEqual(q.get_job(job.uid).signature, "bad")
        with self.assertRaises(q.JobNotFound):
            q.accept_key("nobody@nowhere.example")
