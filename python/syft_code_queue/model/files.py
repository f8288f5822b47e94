"""The Client's reviewing and results methods (a mixin, to keep client.py
short): code files read whole (every byte reviewable, review.py), logs
raw (get_job_logs) or escaped (show_job_logs), output files."""
import json
import os
import warnings
from pathlib import Path

from .._scq import AS_OWNER, JobNotFound
from .errors import OutputWarning
from .job import job_uid as uid_of
from .job import output_notes
from .review import CodeReview
from .text import escape_log, py_literal, text_of


def _warn_notes(job):
    notes = output_notes(job._data)
    if notes:
        warnings.warn("job %s: %s" % (job.uid, "; ".join(notes)), OutputWarning, stacklevel=3)


class FilesMixin:
    """Needs self._h, self._find (the Client)."""

    # -- reviewing ---------------------------------------------------------------------
    def _files(self, job_uid):
        uid = self._find(job_uid, AS_OWNER).uid
        return uid, json.loads(self._h.job_files(uid))

    def list_job_files(self, job_uid):
        return sorted(f["path"] for f in self._files(job_uid)[1])

    def read_job_file_bytes(self, job_uid, filename, max_bytes=None):
        """Every byte of one code file (the manifest's size; max_bytes=N
        refuses a larger file instead)."""
        uid = self._find(job_uid, AS_OWNER).uid
        # -1: the library reads the manifest once and takes the listed size
        return self._h.read_file(uid, os.fspath(filename),
                                 -1 if max_bytes is None else max(int(max_bytes), 1))

    def read_job_file(self, job_uid, filename, max_bytes=None):
        """One code file as text, whole; each byte that is not UTF-8 is the
        marker \\xNN (never a placeholder: every byte that runs is shown)."""
        return text_of(self.read_job_file_bytes(job_uid, filename, max_bytes))[0]

    def check_job_outputs(self, job_uid, differencing=True):
        """The owner's output checks of a finished job (scq review-output
        --json): {"files": [...], "flags": [{file, row, column, rule,
        severity, message}], "fail": n, "review": n}.  Rows and columns
        count from 1 (the header is row 1; 0: the whole column or file).
        Messages carry no value of any output."""
        uid = self._find(job_uid, AS_OWNER).uid
        return json.loads(self._h.output_check(uid, bool(differencing)))

    def export_acro(self, job_uid, folder):
        """Write a released job's outputs and an ACRO results.json into
        folder, for SACRO-Viewer (scq export --acro)."""
        uid = self._find(job_uid, AS_OWNER).uid
        self._h.export_acro(uid, os.fspath(folder))
        return Path(folder) / "results.json"

    def review_job(self, job_uid, full=False, file=None):
        return CodeReview(self._find(job_uid, AS_OWNER), full, file)

    def inspect_job(self, job_uid, full=False, file=None):
        """Print the review: run.sh whole, heads of the other files and the
        names of those left out; full=True every file; file=PATH one."""
        print(self.review_job(job_uid, full, file).text())

    # -- results -----------------------------------------------------------------------
    def _log_bytes(self, job_uid):
        try:
            return self._h.logs(self._find(job_uid).uid)
        except JobNotFound:
            return None

    def get_job_logs(self, job_uid):
        """The raw log as text (control characters kept; see show_job_logs)."""
        data = self._log_bytes(job_uid)
        return None if data is None else data.decode("utf-8", "replace")

    def show_job_logs(self, job_uid):
        """Print the log escaped: \\r, \\b, ESC and the like as markers."""
        data = self._log_bytes(job_uid)
        print("(no log yet)" if data is None else escape_log(data))

    def get_job_output(self, job_uid):
        """Path of the outputs once all have synced as published (raises
        ResultsIncomplete before); warns OutputWarning if some were cut or
        left out."""
        job = self._find(job_uid)
        try:
            path = Path(self._h.output_dir(job.uid))
        except JobNotFound:
            return None
        _warn_notes(job)
        return path

    def copy_job_output(self, job_uid, dest):
        """Copy the job's outputs into dest (created; never overwrites)."""
        self._h.output_copy(self._find(job_uid).uid, os.fspath(dest))
        return Path(dest)

    def list_output_files(self, job_uid):
        root = self.get_job_output(job_uid)
        if root is None:
            return []
        out = []

        def walk(d, rel):
            with os.scandir(d) as it:
                for e in it:
                    r = rel + e.name
                    if e.is_dir(follow_symlinks=False):
                        walk(e.path, r + "/")
                    elif e.is_file(follow_symlinks=False):
                        out.append(r)
        walk(str(root), "")
        return sorted(out)

    def _output_bytes(self, job_uid, name, limit=None):
        """(first `limit` bytes or all, the file's size) of one output file."""
        root = self.get_job_output(job_uid)
        name = os.fspath(name)
        if root is None:
            raise JobNotFound("job '%s' has no output yet" % uid_of(job_uid))
        if name not in self.list_output_files(job_uid):
            for e in ((self._find(job_uid)._data.get("run") or {}).get("output") or {}).get(
                    "excluded") or []:
                if e.get("path") == name:
                    raise JobNotFound("job '%s': output file %s was left out: %s"
                                      % (uid_of(job_uid), py_literal(name), e.get("reason")))
            raise JobNotFound("job '%s' has no output file %s" % (uid_of(job_uid),
                                                                 py_literal(name)))
        fd = os.open(os.path.join(str(root), name), os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            return (f.read() if limit is None else f.read(limit)), size

    def read_output_file_bytes(self, job_uid, name):
        """Every byte of one output file."""
        return self._output_bytes(job_uid, name)[0]

    def read_output_file(self, job_uid, name, max_bytes=None):
        """One output file as text (the first max_bytes bytes, or all); each
        byte that is not UTF-8 is the marker \\xNN."""
        return text_of(self._output_bytes(job_uid, name, max_bytes)[0])[0]
