#!/bin/sh
# t0025: settings are one table (SCQ_SETTINGS in src/lib/store/settings.h) and
# the library reads them by enum, so a misspelt name does not compile.  A
# key as text reaches the library only through `scq config`, which refuses
# an unknown one (it once read 0 in silence, quietly turning a limit off).
. "$(dirname "$0")/test-lib.sh"
SRC="$(dirname "$0")/../../src/lib"
check "the table's keys" do_ config list --json
python3 -c 'import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1])))))' "$TEST_DIR/out" > "$TEST_DIR/keys"
sed -nE 's/^[[:space:]]*X\(SET_[A-Z_]+, "([a-z_]+)".*/\1/p' "$SRC/store/settings.h" | sort > "$TEST_DIR/table"
check "settings.h holds the table ($(wc -l < "$TEST_DIR/table") rows)" test -s "$TEST_DIR/table"
check "config list shows every row of it, and only those" cmp "$TEST_DIR/keys" "$TEST_DIR/table"
check "no setting is read by a key string" sh -c '! grep -nE "setting_(int|str|bool)\([^,]+, *\"" "$1"/*/*.c' x "$SRC"
check_exit "config get of a misspelt key is a usage error" 2 do_ config get max_pending_per_requestr
err_has "naming the key and the key meant" "unknown setting 'max_pending_per_requestr' \(did you mean 'max_pending_per_requester'\?\)"
check_exit "config set of an unknown key too" 2 do_ config set no_such_setting 1
err_has "naming the key" "unknown setting 'no_such_setting'"
err_has "and the known ones are listed" "^known settings: .*max_pending_per_requester"
check "config get of a known key" do_ config get max_pending_per_requester
out_has "its default" "^1000$"
check "config set of a value" do_ config set job_timeout 77
check "the audit log says the key and its new value" do_ audit
out_has "... job_timeout = 77" "config .*job_timeout = 77"
done_testing
