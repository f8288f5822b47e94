#!/bin/sh
# slurm-down.sh [DIR] - stop the test cluster slurm-up.sh started in DIR:
# the daemons named by its pid files only (never by name), then munged.
set -u
DIR=${1:-${SCQ_SLURM_DIR:-/tmp/scq-slurm}}
stop() {
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	rm -f "$1"
}
stop "$DIR/slurmd.n1.pid"
stop "$DIR/slurmd.n2.pid"
stop "$DIR/slurmctld.pid"
stop "$DIR/munge/munged.pid"
exit 0
