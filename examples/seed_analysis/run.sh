#!/bin/bash
# The seed's example, as its README shows it: install the requirements,
# then run the analysis.  In a code-queue job there is no network: pip
# checks requirements.txt against the owner's runtime (scq runtimes OWNER)
# and installs nothing.
set -e
pip install -r requirements.txt
python analyze.py
