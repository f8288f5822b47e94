"""The package's own exceptions (the library's are in _scq).  Shown and
pickled as syft_code_queue.JobFailed etc., where the package offers them."""
from .._scq import Error


class JobFailed(Error, RuntimeError):
    """wait_for_completion: the job ended in a state other than completed
    (failed, rejected, timedout, cancelled), or its status does not carry
    the owner's signature (BAD SIGNATURE).  The job is in `.job`."""

    def __init__(self, message, job=None):
        super().__init__(message)
        self.job = job


class OutputWarning(UserWarning):
    """The job's outputs are incomplete: cut by a limit (max_output_bytes,
    max_output_files) or entries left out (symlinks, unsafe names...).
    Warned by get_job_output / read_output_file; job.output_notes lists them."""


JobFailed.__module__ = OutputWarning.__module__ = "syft_code_queue"
