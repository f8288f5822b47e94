"""Issue 11 §2: reading a collection and calling it (q.pending_for_me())
lists once, not twice; a later call lists again (it refreshes)."""
import unittest

import syft_code_queue as q
from syft_code_queue import _core

from helpers import DO, Workspace


class ListingOnce(Workspace):

    def setUp(self):
        q.submit_job(DO, self.code, "listed once")
        self.calls = 0
        real = _core.Client._list

        def counting(client, role, status=None):
            self.calls += 1
            return real(client, role, status)
        self._real = real
        _core.Client._list = counting

    def tearDown(self):
        _core.Client._list = self._real

    def test_property_then_call_lists_once(self):
        jobs = self.owner.pending_for_me()
        self.assertTrue(any(j.name == "listed once" for j in jobs))
        self.assertEqual(self.calls, 1)

    def test_module_function_form_lists_once(self):
        q.configure(email=self.owner.email, data_dir=self.ws)
        try:
            q.pending_for_me()
            self.assertEqual(self.calls, 1)
        finally:
            q.configure(email=self.ds.email, data_dir=self.ws)

    def test_a_call_after_a_change_refreshes(self):
        coll = self.owner.pending_for_me
        self.owner.reject(coll[0].uid, "no")
        coll()
        self.assertEqual(self.calls, 2)
        self.assertNotIn("listed once", [j.name for j in coll if j.status == "pending"])

    def test_a_later_call_refreshes(self):
        coll = self.owner.pending_for_me
        coll._listed_at -= 2 * coll._FRESH_SECONDS  # as if read a while ago
        coll()
        self.assertEqual(self.calls, 2)


if __name__ == "__main__":
    unittest.main()
