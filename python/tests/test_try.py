"""Mock data and a local dry run (issue 13 §2) from Python: the owner
publishes a mock with add_dataset(mock=...), the requester sees its schema
with q.datasets(owner) and tries a job with q.try_job(folder, owner)."""
import json
import os
import unittest

import syft_code_queue as q

from helpers import DO, DS, Workspace, make_code


class TestTry(Workspace):

    def test_mock_schema_and_try(self):
        priv = os.path.join(self.tmp, "private")
        mock = os.path.join(self.tmp, "mock")
        os.makedirs(priv)
        os.makedirs(mock)
        with open(os.path.join(priv, "rows.csv"), "w") as f:
            f.write("id,when\n1,2020-01-01\n")
        with open(os.path.join(mock, "rows.csv"), "w") as f:
            f.write("id,when,w\n1,2020-01-01,0.5\n2,2021-02-03,1\n")
        self.owner.add_dataset("cohort", priv, mock=mock, description="synthetic rows",
                               mock_readers=[DS, "other@x.example"])
        seen = q.datasets(DO)
        (d,) = seen["datasets"]
        self.assertEqual(d["name"], "cohort")
        self.assertEqual(d["description"], "synthetic rows")
        cols = [(c["name"], c["type"]) for c in d["schema"][0]["columns"]]
        self.assertEqual(cols, [("id", "int"), ("when", "date"), ("w", "float")])
        self.assertEqual(seen["limits"]["job_timeout"], 600)
        acl = os.path.join(self.ws, "datasites", DO, "public", "code-queue", "mock", "cohort",
                           "syft.pub.yaml")
        with open(acl) as f:
            self.assertIn("read: ['%s', 'other@x.example']" % DS, f.read())

        self.ds.config.isolation = "none"  # the requester's own sandbox choice
        code = make_code(os.path.join(self.tmp, "try-code"),
                         'printf "group,count\\na,3\\n" > "$OUTPUT_DIR/counts.csv"; echo tried')
        out = os.path.join(self.tmp, "try-out")
        before = sorted(os.walk(os.path.join(self.ws, "private", "code-queue", DO)))
        rep = q.try_job(code, DO, out=out)
        self.assertEqual(rep["status"], "completed")
        self.assertEqual(rep["exit_code"], 0)  # was null: the library's answer read backwards
        self.assertEqual([o["path"] for o in rep["outputs"]], ["counts.csv"])
        self.assertIn("small-count", [f["rule"] for f in rep["flags"]["flags"]])
        with open(os.path.join(out, "execution.log")) as f:
            self.assertIn("tried", f.read())
        with open(os.path.join(out, "flags.json")) as f:
            self.assertTrue(json.load(f)["fail"] >= 1)
        self.assertEqual(before, sorted(os.walk(os.path.join(self.ws, "private", "code-queue", DO))))

    def test_symlink_mock_refused(self):
        data = os.path.join(self.tmp, "plain")
        os.makedirs(data, exist_ok=True)
        link = os.path.join(self.tmp, "link")
        os.symlink(data, link)
        with self.assertRaises(q.InvalidJob) as e:
            self.owner.add_dataset("bad", data, mock=link)
        self.assertIn("is a symlink", str(e.exception))

    def test_own_folders_refused(self):
        # the workspace (it holds the private store) as a dataset or a mock
        for path, mock in ((self.ws, None), (os.path.join(self.tmp, "plain2"), self.ws)):
            os.makedirs(path, exist_ok=True)
            with self.assertRaises(q.InvalidJob) as e:
                self.owner.add_dataset("bad", path, mock=mock)
            self.assertIn("holds or is inside the queue's own folders", str(e.exception))


if __name__ == "__main__":
    unittest.main()
