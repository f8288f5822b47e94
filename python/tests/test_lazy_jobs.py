"""Issue 11 §2: a collection makes its CodeJobs lazily from the listing:
len(), the repr's status counts and by_status() make none; indexing makes
one, and the same object each time; iteration makes each once; the list
methods still see every job."""
import json
import os
import unittest
import uuid

import syft_code_queue as q
from syft_code_queue.model import job as job_module

from helpers import DO, Workspace


class LazyJobs(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uids = [q.submit_job(DO, cls.code, "lazy %d" % i).uid for i in range(5)]

    def setUp(self):
        self.made = 0
        real = job_module.CodeJob.__init__

        def counting(job, *a, **kw):
            self.made += 1
            real(job, *a, **kw)
        self._real = real
        job_module.CodeJob.__init__ = counting

    def tearDown(self):
        job_module.CodeJob.__init__ = self._real

    def test_len_makes_no_job(self):
        coll = self.owner.pending_for_me
        self.assertEqual(len(coll), 5)
        self.assertTrue(coll)
        self.assertEqual(len(self.owner.pending_for_me()), 5)
        self.assertEqual(self.made, 0)

    def test_repr_and_by_status_make_no_job(self):
        coll = self.owner.jobs_for_me
        self.assertEqual(repr(coll), "JobCollection(5 jobs - pending: 5)")
        self.assertEqual(len(coll.by_status("pending")), 5)
        self.assertEqual(len(coll.completed()), 0)
        self.assertEqual(self.made, 0)

    def test_indexing_makes_one_job_once(self):
        coll = self.owner.pending_for_me
        first, last = coll[0], coll[-1]
        self.assertEqual(self.made, 2)
        self.assertIs(coll[0], first)
        self.assertIs(coll[:2][0], first)  # a slice shares the jobs made
        self.assertIs(coll.pending()[-1], last)
        self.assertEqual(self.made, 2)
        self.assertEqual(sorted(j.uid for j in coll), sorted(self.uids))
        self.assertEqual(self.made, 5)

    def test_order_and_content_match_a_lookup(self):
        coll = self.owner.pending_for_me()
        got = [j.created_at for j in coll]
        self.assertEqual(got, sorted(got, reverse=True))  # newest first
        for j in coll:
            self.assertEqual(j.to_dict(), self.owner.get_job(j.uid).to_dict())

    def test_list_methods_see_every_job(self):
        coll = self.owner.pending_for_me
        job = self.owner.get_job(self.uids[2])
        self.assertIn(job, coll)
        self.assertEqual(coll.index(job), [j.uid for j in coll].index(job.uid))
        self.assertEqual(len(coll + []), 5)
        self.assertEqual(len([] + coll), 5)
        self.assertEqual(list(reversed(coll))[0].uid, coll[-1].uid)
        coll.sort(key=lambda j: j.uid)
        self.assertEqual([j.uid for j in coll], sorted(self.uids))
        coll.append(job)
        self.assertEqual(len(coll), 6)
        self.assertEqual(coll, list(coll))


class ListingTexts(Workspace):
    """The Listing holds each job's text with its member names coded: every
    text must come back exactly, and sort as scq_list sorts."""

    def same_as_lookups(self, client, coll):
        for j in coll:
            self.assertEqual(j.to_dict(), client.get_job(j.uid).to_dict(), j.uid)

    def test_texts_come_back_exactly(self):
        odd = 'a "quoted" \\ back{"uid":"x","created_at":"9"}, \u00e9 \U0001f600'
        q.submit_job(DO, self.code, odd, description='"name":"x",\n\ttab ' + odd,
                     tags=["uid:", "a,b"])
        done = q.submit_job(DO, self.code, "done")
        self.owner.approve(done.uid, "ok")
        self.owner.run_jobs()
        self.assertEqual(str(self.owner.get_job(done.uid).status), "completed")
        self.same_as_lookups(self.owner, self.owner.jobs_for_me)
        self.same_as_lookups(self.ds, self.ds.jobs_for_others)
        self.assertIn(odd, [j.name for j in self.owner.pending_for_me])

    def test_a_key_the_text_does_not_give_plainly_sorts_too(self):
        # published by the owner without a record of mine, its created_at
        # holding a quote (escaped in any JSON text): the listing parses
        # that job for its sort key
        q.submit_job(DO, self.code, "recorded")
        u = str(uuid.uuid4())
        out = os.path.join(self.ws, "datasites", DO, "app_data", "code-queue", "outbox",
                           self.ds.email, u)
        os.makedirs(out)
        with open(os.path.join(out, "status.json"), "w") as f:
            f.write('{"uid": "%s", "name": "published", "requester_email": "%s", '
                    '"target_email": "%s", "status": "pending", '
                    '"created_at": "2999-01-01T00:00:00.000000Z\\""}' % (u, self.ds.email, DO))
        jobs = self.ds.jobs_for_others()
        self.assertEqual(jobs[0].uid, u)  # the newest
        self.assertEqual(json.loads(self.ds._h.list(2))[0]["uid"], u)  # as scq_list
        self.same_as_lookups(self.ds, jobs)


if __name__ == "__main__":
    unittest.main()
