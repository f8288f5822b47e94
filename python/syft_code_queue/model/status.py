"""JobStatus and the checks of status, time and limit arguments."""
import enum
from datetime import datetime, timezone

from .._scq import InvalidJob, statuses

TERMINAL = frozenset(("completed", "failed", "rejected", "timedout", "cancelled"))


class JobStatus(str, enum.Enum):
    """The status of a job (a str: JobStatus.pending == "pending")."""
    pending = "pending"
    approved = "approved"
    running = "running"
    completed = "completed"
    failed = "failed"
    rejected = "rejected"
    timedout = "timedout"
    cancelled = "cancelled"

    def __str__(self):
        return self.value

    def __format__(self, spec):
        return format(self.value, spec)

    @property
    def is_terminal(self):
        return self.value in TERMINAL


assert tuple(s.value for s in JobStatus) == statuses()


def status(s):
    """A status argument (str or JobStatus) checked; None stays None."""
    if s is None:
        return None
    try:
        return JobStatus(str(s.value if isinstance(s, JobStatus) else s).lower())
    except ValueError:
        raise InvalidJob("unknown status %r (one of: %s)" %
                         (s, ", ".join(x.value for x in JobStatus))) from None


def parse_time(s):
    """An ISO time of a job record as an aware UTC datetime, or None."""
    if not s or not isinstance(s, str):
        return None
    try:
        t = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def now():
    return datetime.now(timezone.utc)


def limit(items, n):
    """items cut to n (None: all)."""
    if n is None:
        return items
    if n < 0:
        raise InvalidJob("limit must be >= 0 or None")
    return items[:n]
