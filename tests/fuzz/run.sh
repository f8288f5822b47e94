#!/bin/sh
# run.sh TARGET... - run each libFuzzer target for FUZZ_SECONDS over a
# scratch copy of its seed corpus; one summary line per target; exit 1 if
# any target crashed (its input is saved under $FUZZ_B/artifacts/TARGET/).
# Called by `make fuzz` (tests/fuzz/Makefile.inc) after building.
set -u
B=${FUZZ_B:-build-fuzz}
SECS=${FUZZ_SECONDS:-30}
here=$(dirname "$0")
# Workspaces of the targets: tmpfs when there is one (fsync is cheap there).
if [ -z "${FUZZ_TMPDIR:-}" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then FUZZ_TMPDIR=/dev/shm; else FUZZ_TMPDIR=${TMPDIR:-/tmp}; fi
fi
failed=""
for t in "$@"; do
	work=$B/work/$t
	art=$B/artifacts/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$art"
	[ -d "$here/corpus/$t" ] && cp "$here/corpus/$t"/* "$work/corpus/" 2>/dev/null
	seeds=$(ls "$work/corpus" | wc -l)
	dict=""
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	maxlen=8192
	[ "$t" = fuzz-job ] && maxlen=16384
	start=$(date +%s)
	# shellcheck disable=SC2086
	TMPDIR=$FUZZ_TMPDIR "$B/$t" -max_total_time="$SECS" -timeout=20 \
		-max_len=$maxlen -print_final_stats=1 -artifact_prefix="$art/" \
		$dict "$work/corpus" >"$work/log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	[ "$secs" -gt 0 ] || secs=1
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | sed 's/cov: //')
	runs=${runs:-0}
	after=$(ls "$work/corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		verdict=ok
	else
		verdict="CRASH (exit $rc): see $work/log, input in $art/"
		failed="$failed $t"
	fi
	printf '%-14s %9s runs in %4ss = %6s exec/s, cov %5s, corpus %s -> %s: %s\n' \
		"$t" "$runs" "$secs" $((runs / secs)) "${cov:-?}" "$seeds" "$after" "$verdict"
done
if [ -n "$failed" ]; then
	echo "fuzz: crashes in:$failed" >&2
	for t in $failed; do
		grep -m1 -B2 -A25 -E 'ERROR: |invariant failed|runtime error' "$B/work/$t/log" >&2
	done
	exit 1
fi
