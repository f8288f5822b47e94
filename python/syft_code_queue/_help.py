"""q.help(): a short guide.  Every indented line is an example that the
test suite runs, section by section, as the identity the section names."""

SETUP = """\
syft_code_queue: send code to a data owner; it runs only after they approve it.

Setup: identity comes from the SyftBox config, or SYFTBOX_EMAIL and
SYFTBOX_DATA_DIR, or (before the first call):
    import syft_code_queue as q
    q.configure(email="ds@uni.example", data_dir="/path/to/SyftBox")
"""

SECTIONS = [
    ("Data scientist", """\
    job = q.submit_python("owner@hospital.example", "print(6 * 7)", "Answer", tags=["demo"])
    job = q.submit_job("owner@hospital.example", "./my_analysis", "Mean age")  # folder with run.sh
    q.jobs_for_others             # all my submissions (a table in Jupyter); q.my_jobs() too
    q.pending_for_others()        # collections can also be called
    job.refresh().status          # pending -> approved -> running -> completed
"""),
    ("Data owner", """\
    q.pending_for_me              # jobs waiting for my approval
    job = q.pending_for_me.by_name("Mean age")[0]
    job.review()                  # files and run.sh; q.inspect_job(job.uid) prints them
    job.review(full=True)         # every file whole (file="x.py": one); job.read_file_bytes(p)
    job.approve("aggregates only")  # or job.reject("why"); q.pending_for_me.approve_all()
    q.run_jobs()                  # run approved jobs now (`scq run --watch` as a service)
    q.config.job_timeout = 600    # settings: q.config; datasets: q.add_dataset(name, path)
    q.QueueConfig(job_timeout=600, max_concurrent_jobs=3).apply()  # several, all checked first
"""),
    ("Data scientist, results", """\
    job = q.wait_for_completion(job.uid, timeout=600)  # JobFailed/Timeout otherwise
    job.show_logs()               # escaped; job.get_logs() is the raw text
    job.list_output_files()       # and job.read_output_file("result.txt"), job.get_output()
"""),
]

FOOTER = """\
Also: q.get_job(id) (uid or prefix >= 4 chars), q.status(), q.datasites, job.cancel().
Errors are q.Error subclasses: JobNotFound, NotAllowed, InvalidState, InvalidJob,
ConfigError, SandboxError.  Shell: the `scq` command does the same (scq --help)."""


def text():
    parts = [SETUP]
    for title, body in SECTIONS:
        parts.append("%s:\n%s" % (title, body))
    parts.append(FOOTER)
    return "\n".join(parts)


def print_help():
    print(text())
