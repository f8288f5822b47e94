"""The model: jobs, collections and the Client over the _scq extension.

No HTML and no widgets here, and no import of the views or the actions
(python/tests/test_layers.py checks it).  The Jupyter display of the
model's classes (_repr_html_, _ipython_display_) is set on them by
views.register() and actions.register(), which the package calls on first
use (syft_code_queue._load).

    errors.py      JobFailed, OutputWarning (the package's own exceptions)
    session.py     the default Client of the module functions; page tokens
    status.py      JobStatus; status, time and limit arguments
    text.py        submitter text as scq shows it (the library's markers)
    job.py         CodeJob
    collection.py  JobCollection
    client.py      Client: identity, listing, submitting, deciding, running
    files.py       the Client's code-file and results methods (a mixin)
    review.py      the file viewers as text: CodeReview (a job's code files
                   read whole) and JobOutputs (a finished job's outputs)
    datasites.py   DataSitesCollection (q.datasites)
    config.py      QueueConfig (q.config)
"""
