#!/bin/sh
# t0025: every setting the library reads is in the settings table.  An
# unknown key reads 0 (or NULL) in silence, so a typo in a key name would
# quietly turn a limit off; this test names it instead.
. "$(dirname "$0")/test-lib.sh"
SRC="$(dirname "$0")/../../src/lib"
check "the table's keys" do_ config list --json
python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))))' "$TEST_DIR/out" > "$TEST_DIR/keys"
grep -ohE 'setting_(int|str|bool)\([^,]+, "[a-z_]+"' "$SRC"/*.c | sed -E 's/.*"([a-z_]+)"/\1/' | sort -u > "$TEST_DIR/used"
check "the library reads settings by name ($(wc -l < "$TEST_DIR/used") keys)" test -s "$TEST_DIR/used"
for k in $(cat "$TEST_DIR/used"); do
	check "setting '$k' read by the library is in the table" grep -qx "$k" "$TEST_DIR/keys"
done
done_testing
