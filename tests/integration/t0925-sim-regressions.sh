#!/bin/sh
# t0925: faults the properties over many seeds (t0920, tests/sim/props.py)
# found, replayed by hand in one shared folder:
# - a job.json cut inside a literal ("nu" of null: jansson says "invalid
#   token", not "end of input") was quarantined as malformed, so the job
#   was lost; it now waits like any job.json cut short;
# - a file of an ingested job that sync brought back into the inbox after
#   ingest removed the entry (the owner had a cut version of it; the whole
#   one followed) stayed there as an incomplete job, to be quarantined a
#   day later; it is now removed as a leftover of the job.
. "$(dirname "$0")/test-lib.sh"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
Q="$WS/private/code-queue/$DO_EMAIL/quarantine"
check "owner init" do_ init
check "requester init" ds init
make_job "$TEST_DIR/code"

# cut JOB N: job.json of JOB cut right after the first N bytes of its first
# "null" (temp and rename, as sync delivers)
cut_in_null() {
	$PY - "$INBOX/$1/job.json" "$2" "$TEST_DIR/whole.json" <<'PY'
import os, sys
p, n, keep = sys.argv[1], int(sys.argv[2]), sys.argv[3]
b = open(p, "rb").read()
open(keep, "wb").write(b)
i = b.index(b"null") + n
open(p + ".x.tmp", "wb").write(b[:i])
os.rename(p + ".x.tmp", p)
PY
}
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name cut
U=$(last_out)
for n in 1 2 3; do
	cut_in_null "$U" $n
	check "job.json cut after '$(printf null | head -c $n)': the owner's refresh" do_ pending --json
	check "... quarantines nothing" test -z "$(ls "$Q" 2>/dev/null)"
	check "... and leaves it in the inbox" test -f "$INBOX/$U/job.json"
	cp "$TEST_DIR/whole.json" "$INBOX/$U/job.json"
done
check "whole again, it is ingested" do_ pending --json
out_has "... and pending" "\"uid\":\"$U\""

# a leftover brought back by sync
check "submit another" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name leftover
U2=$(last_out)
cp "$INBOX/$U2/signature.json" "$TEST_DIR/sig.json"
check "the owner ingests it" do_ pending --json
check "... and removes the inbox entry" test ! -e "$INBOX/$U2"
mkdir "$INBOX/$U2"
cp "$TEST_DIR/sig.json" "$INBOX/$U2/signature.json"
check "signature.json comes back by sync: the owner's refresh" do_ pending --json
check "... removes it as a leftover" test ! -e "$INBOX/$U2"
check "... and quarantines nothing" test -z "$(ls "$Q" 2>/dev/null)"
check "the job is still pending" do_ show "$U2" --json
out_has "... pending" '"status": *"pending"'
# the same files under a uid another requester's job has are not a leftover
mkdir -p "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/other@uni.example/$U2"
cp "$TEST_DIR/sig.json" "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/other@uni.example/$U2/signature.json"
check "another requester's folder with that uid: the owner's refresh" do_ pending --json
check "... leaves it (incomplete, not a leftover of its job)" \
	test -f "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/other@uni.example/$U2/signature.json"
done_testing
