"""Mock data and a local dry run (issue 13): the Client's calls for an
owner's published mock datasets and for trying a job on them (MockMixin)."""
import json
import os


class MockMixin:
    def add_dataset(self, name, path, mock=None, description=None, mock_readers=None):
        """Expose a dataset to jobs at /data/NAME.  mock: a folder of mock
        data published beside it (with description and its CSV schema) for
        requesters to see (q.datasets) and try jobs on (q.try_job);
        mock_readers: the e-mails who may read it (default: everyone)."""
        if mock is None:
            if description is not None or mock_readers is not None:
                raise ValueError("description and mock_readers describe a mock: give mock=")
            self._h.dataset_add(str(name), os.fspath(path))
            return
        if mock_readers is not None and not isinstance(mock_readers, str):
            mock_readers = ",".join(mock_readers)
        self._h.dataset_publish(str(name), os.fspath(path), os.fspath(mock), description,
                                mock_readers)

    def datasets(self, owner):
        """What owner publishes for jobs: mock datasets with their schema,
        and the limits of a run (the owner's bytes: escape before showing)."""
        return json.loads(self._h.datasets_of(str(owner)))

    def try_job(self, folder, owner, out=None, name=None):
        """A dry run on this machine: the job in folder runs as owner's
        runner would run it (sandbox, owner's limits, owner's mock data at
        /data/NAME, owner's output checks); nothing reaches the owner.
        Returns the report: status, outputs, flags, out_dir (execution.log,
        output/, flags.json)."""
        return json.loads(self._h.try_job(os.fspath(folder), str(owner),
                                          None if out is None else os.fspath(out), name))
