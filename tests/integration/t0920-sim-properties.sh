#!/bin/sh
# t0920: the queue's properties over many seeds, across the sync simulator
# (tests/sim/props.py): two data owners and three data scientists on their
# own simulated machines (own data folders, skewed clocks, hostile
# delivery), a mixed workload of the real scq until quiescent (submit,
# approve, reject, cancel by either side, expiry, runs with the sandbox,
# release review, a runner SIGKILLed mid-cycle), then per seed: no job lost,
# duplicated, run twice or misattributed; nothing runs unapproved or other
# than the code reviewed; each requester's own folder holds its jobs' final
# status, log and outputs and nothing of anyone else's; nothing our app
# wrote is refused by the ACL rules; a requester's writes into another's
# inbox or the outbox are refused and never reach the owner.
# SCQ_SIM_SEEDS (default 200) seeds from SCQ_SIM_FIRST (default 1), or the
# one seed SCQ_SIM_SEED; SCQ_SIM_WORKERS processes (default 2).  A failure
# prints the seed, the property and a replay command.
set -u
SCQ_BUILD=${SCQ_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
export SCQ_BUILD
PY=${SCQ_SIM_PYTHON:-/usr/bin/python3}
if [ -n "${SCQ_SIM_SEED:-}" ]; then
	exec "$PY" "$(dirname "$0")/../sim/props.py" --tap --seed "$SCQ_SIM_SEED"
fi
exec "$PY" "$(dirname "$0")/../sim/props.py" --tap --seeds "${SCQ_SIM_SEEDS:-200}" --first "${SCQ_SIM_FIRST:-1}"
