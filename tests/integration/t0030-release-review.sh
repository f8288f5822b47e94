#!/bin/sh
# t0030: with `release review`, logs and outputs stay with the owner until
# `scq release`; nothing of the run reaches the requester before that.
. "$(dirname "$0")/test-lib.sh"

make_job "$TEST_DIR/code" 'echo SECRET-ROW-42; echo SECRET-ROW-42 > "$OUTPUT_DIR/rows.csv"'
check "owner holds results for review" do_ config set release review
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name held
U=$(last_out)
check "approve" do_ approve "$U"
check "run" do_ run
check "requester sees it completed" ds wait "$U" --timeout 10
check "status says results are held" ds show "$U" --json
out_has "results_held" '"results_held":true'
check_exit "requester gets no log yet" 1 ds logs "$U"
check_exit "requester gets no output yet" 1 ds output "$U"
OB="$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$U"
check "nothing of the run in the outbox" sh -c "! grep -rq SECRET-ROW '$OB'"
check "owner reads the log" do_ logs "$U"
out_has "owner sees the row" "SECRET-ROW-42"
check "owner lists outputs" do_ output "$U"
out_has "rows.csv held" "rows.csv"
check_exit "requester cannot release" 1 ds release "$U"
check "owner releases" do_ release "$U"
check "requester now reads the log" ds logs "$U"
out_has "log released" "SECRET-ROW-42"
check "requester now gets the output" ds output "$U" --to "$TEST_DIR/got"
check "output content" grep -q SECRET-ROW-42 "$TEST_DIR/got/rows.csv"
check "release is audited" do_ audit --json
out_has "release event" '"event":"release"'
check "audit verifies" do_ audit --verify
done_testing
