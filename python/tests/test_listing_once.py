"""Issue 11 §2: reading a collection and calling it (q.pending_for_me())
lists once, not twice, for every collection property, on a Client and as a
module function; calling a collection already used lists again (it
refreshes).  Listings are counted in the extension (_scq.listing_count():
every Handle.list and Handle.listing), so no code path can list unseen."""
import unittest

import syft_code_queue as q
from syft_code_queue import _scq

from helpers import DO, Workspace

COLLECTIONS = ("jobs_for_me", "jobs_for_others", "pending_for_me", "pending_for_others",
               "my_pending", "my_running", "my_completed", "approved_by_me", "awaiting_release")


class ListingOnce(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        q.submit_job(DO, cls.code, "listed once")

    def listings(self, fn):
        """How many listings fn() made."""
        before = _scq.listing_count()
        fn()
        return _scq.listing_count() - before

    def test_reading_a_property_lists_nothing(self):
        for name in COLLECTIONS:
            with self.subTest(name):
                self.assertEqual(self.listings(lambda: getattr(self.owner, name)), 0)

    def test_property_then_call_lists_once(self):
        for name in COLLECTIONS:
            with self.subTest(name):
                self.assertEqual(self.listings(lambda: len(getattr(self.owner, name)())), 1)
        jobs = self.owner.pending_for_me()
        self.assertTrue(any(j.name == "listed once" for j in jobs))

    def test_module_function_form_lists_once(self):
        q.configure(email=self.owner.email, data_dir=self.ws)
        try:
            for name in COLLECTIONS:
                with self.subTest(name):
                    self.assertEqual(self.listings(lambda: list(getattr(q, name)())), 1)
        finally:
            q.configure(email=self.ds.email, data_dir=self.ws)

    def test_the_query_methods_list_once(self):
        self.assertEqual(self.listings(lambda: len(self.ds.my_jobs())), 1)
        self.assertEqual(self.listings(lambda: len(self.owner.all_jobs_for_me(limit=1))), 1)

    def test_using_a_collection_lists_once(self):
        coll = self.owner.pending_for_me
        self.assertEqual(self.listings(lambda: (len(coll), coll[0], list(coll), repr(coll),
                                                coll.by_status("pending"))), 1)

    def test_a_call_after_a_change_refreshes(self):
        mine = self.submit("to reject")
        coll = self.owner.pending_for_me
        self.assertIn(mine.uid, [j.uid for j in coll])  # the first listing
        self.owner.reject(mine.uid, "no")
        self.assertEqual(self.listings(coll), 1)
        self.assertNotIn(mine.uid, [j.uid for j in coll])

    def test_a_later_call_refreshes(self):
        coll = self.owner.pending_for_me
        n = len(coll)
        self.submit("one more")
        self.assertEqual(self.listings(coll), 1)
        self.assertEqual(len(coll), n + 1)


if __name__ == "__main__":
    unittest.main()
