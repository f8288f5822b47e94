#!/bin/bash
# SyftBox app entry point: build if needed, then run the queue as a service.
# A lock outside datasites/ keeps a second start (legacy periodic runners
# start apps repeatedly) from running two loops.
set -euo pipefail
cd "$(dirname "$0")"
# SCQ_BUILD: another build of ours (the tests run the one under test)
build=${SCQ_BUILD:-build}
[ -x "$build/scq" ] || make >/dev/null
data_dir=${SYFTBOX_DATA_DIR:-$(python3 -c 'import json,os,sys; p=os.environ.get("SYFTBOX_CLIENT_CONFIG_PATH") or os.path.expanduser("~/.syftbox/config.json"); print(json.load(open(p)).get("data_dir",""))' 2>/dev/null || true)}
lockdir=${data_dir:-$HOME}/private/code-queue
mkdir -p "$lockdir"
# scq holds the lock itself (close-on-exec): a SIGTERM to this process stops
# the runner and frees the lock; flock(1) around it would not pass it on
exec "$build/scq" run --watch --lock "$lockdir/app.lock"
