#!/bin/bash
# Entry point the data owner's runner executes (cwd = this folder).
# DATA_DIR holds the datasets the owner exposes (read-only), OUTPUT_DIR is
# where results go back to the data scientist.
set -euo pipefail
python3 analyze.py
