"""notify_command from Python (issue 16 §3, doc/protocol.md §14): the
setting goes through q.config with the library's checks, the owner's
calls tell its hook of each move, and the requester's listing tells its
hook of each new status, once."""
import json
import os
import stat
import unittest

import syft_code_queue as q

from helpers import DO, DS, Workspace


class Notify(Workspace):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.events = os.path.join(cls.tmp, "events")
        os.makedirs(cls.events)
        cls.hook = os.path.join(cls.tmp, "hook")
        with open(cls.hook, "w") as f:
            f.write('#!/bin/sh\ncat > "%s/ev.$$"\n' % cls.events)
        os.chmod(cls.hook, stat.S_IRWXU)

    def told(self):
        out = []
        for f in sorted(os.listdir(self.events)):
            with open(os.path.join(self.events, f), "rb") as fh:
                raw = fh.read()
            raw.decode("ascii")
            out.append(json.loads(raw))
        return sorted((e["audience"], e["event"], e["uid"]) for e in out)

    def test_config_checks_the_path(self):
        with self.assertRaises(q.ConfigError):
            self.owner.config.notify_command = "hook"
        with self.assertRaises(q.ConfigError):
            self.owner.config.notify_command = self.hook + " --flag"
        self.assertEqual(self.owner.config.notify_command, "")
        self.assertIn("notify_command", q.QueueConfig.keys())
        self.assertIn("notify_timeout_seconds", q.QueueConfig.keys())

    def test_each_event_told_once(self):
        self.owner.config.notify_command = self.hook
        self.ds.config.notify_command = self.hook
        self.assertEqual(self.owner.config.notify_command, self.hook)
        job = self.submit("told \u202e")
        self.owner.approve(job.uid, "ok")
        self.owner.run_jobs()
        self.ds.my_jobs()
        self.ds.my_jobs()
        got = self.told()
        want = sorted([("owner", e, job.uid) for e in ("ingest", "approve", "start", "finish")] +
                      [("requester", e, job.uid) for e in ("approve", "start", "finish")])
        self.assertEqual(got, want)
        for f in os.listdir(self.events):
            with open(os.path.join(self.events, f)) as fh:
                e = json.load(fh)
            self.assertEqual(e["name"], "told \u202e")
            self.assertEqual((e["owner"], e["requester"]), (DO, DS))


if __name__ == "__main__":
    unittest.main()
