"""q.datasites: the datasites visible locally that run the queue (its
Jupyter table: views/datasites.py)."""
import json
import time

from .status import JobStatus


class DataSitesCollection(list):
    """One dict per datasite that runs syft-code-queue, from what it
    publishes (public/code-queue/, as synced here: scq datasites), with my
    job counts there: {email, is_me, runtimes, default_runtime, datasets,
    runner: {state, age_seconds, ...} (as q.ping), total_jobs,
    status_counts, responded, last_response}.  For my own datasite the
    counts are the jobs submitted to me.  .notices: one line per published
    file that could not be read."""

    def __init__(self, client, rows=None):
        self._client = client
        self.notices = []
        super().__init__(self._scan() if rows is None else rows)

    def _scan(self):
        c = self._client
        listing = json.loads(c._h.datasites_json())
        self.notices = listing["notices"]
        mine = c._list(2)  # AS_REQUESTER
        rows = []
        for site in listing["datasites"]:
            name, is_me = site["email"], site["is_me"]
            jobs = c._list(1) if is_me else [j for j in mine if j.target_email == name]
            counts = {s.value: 0 for s in JobStatus}
            for j in jobs:
                counts[str(j.status)] += 1
            answered = [j for j in jobs if str(j.status) not in ("pending", "cancelled")]
            last = max((j.updated_at for j in answered if j.updated_at), default=None)
            rows.append({"email": name, "is_me": is_me, "total_jobs": len(jobs),
                         "runtimes": site["runtimes"], "datasets": site["datasets"],
                         "default_runtime": site["default_runtime"], "runner": site["runner"],
                         "status_counts": counts, "pending": counts["pending"],
                         "responded": len(answered), "last_response": last})
        rows.sort(key=lambda r: (r["last_response"] is None,
                                 -(r["last_response"].timestamp() if r["last_response"] else 0),
                                 r["email"]))
        return rows

    def emails(self):
        return [r["email"] for r in self]

    def refresh(self):
        self[:] = self._scan()
        return self

    @property
    def with_pending_jobs(self):
        return DataSitesCollection(self._client, [r for r in self if r["pending"]])

    @property
    def responsive(self):
        return DataSitesCollection(self._client, [r for r in self if r["responded"]])

    def ping(self, timeout_minutes=0.5, include_self=False, block=False, run_own=True):
        """Submit a tiny job to each datasite ("Ping from <me>", tags ping,
        network-test) and report who ran it.  With block=True, wait up to
        timeout_minutes for the owners to approve and run it (my own datasite's
        ping is run here if include_self and run_own).  Returns {sent_to,
        failed_to_send, jobs, timeout_minutes, collection_size} plus, when
        blocking, {responded, pending, failed, ran_by, elapsed_seconds}."""
        c = self._client
        me = c.email
        script = ("import os\nopen(os.path.join(os.environ['OUTPUT_DIR'], 'ping.txt'), 'w')"
                  ".write('pong from ' + os.environ.get('SYFT_REQUESTER', '?') + '\\n')\n")
        res = {"sent_to": [], "failed_to_send": [], "jobs": {}, "timeout_minutes": timeout_minutes,
               "collection_size": len(self)}
        timeout = max(60, int(timeout_minutes * 60))
        for r in self:
            if r["is_me"] and not include_self:
                continue
            try:
                job = c.submit_python(r["email"], script, "Ping from %s" % me,
                                      tags=["ping", "network-test"], timeout_seconds=timeout)
                res["sent_to"].append(r["email"])
                res["jobs"][r["email"]] = job
            except Exception as ex:  # noqa: BLE001 - reported per datasite
                res["failed_to_send"].append({"email": r["email"], "error": str(ex)})
        if not block:
            return res
        t0 = time.monotonic()
        deadline = t0 + timeout_minutes * 60
        while True:
            if include_self and run_own and me in res["jobs"]:
                own = res["jobs"][me].refresh()
                if str(own.status) == "pending":
                    own.approve("ping")
                if str(own.status) in ("pending", "approved"):
                    c.run_jobs()
            states = {em: j.refresh() for em, j in res["jobs"].items()}
            if all(j.is_terminal for j in states.values()) or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        res["responded"] = [em for em, j in states.items() if str(j.status) == "completed"]
        res["failed"] = [em for em, j in states.items() if j.is_terminal and
                         str(j.status) != "completed"]
        res["pending"] = [em for em, j in states.items() if not j.is_terminal]
        res["ran_by"] = {em: j.approved_by for em, j in states.items() if j.approved_by}
        res["elapsed_seconds"] = round(time.monotonic() - t0, 2)
        return res

    def __repr__(self):
        lines = ["%-3s %-36s %6s %8s %8s %10s" % ("#", "Email", "Total", "Pending", "Running",
                                                  "Completed")]
        for i, r in enumerate(self, 1):
            sc = r["status_counts"]
            lines.append("%-3d %-36s %6d %8d %8d %10d" % (i, r["email"] + (" (me)" if r["is_me"]
                                                                          else ""),
                                                          r["total_jobs"], sc["pending"],
                                                          sc["running"], sc["completed"]))
        return "\n".join(lines)
