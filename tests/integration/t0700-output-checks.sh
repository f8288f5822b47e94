#!/bin/sh
# t0700: output checking (protocol §11).  With `release review`, a job whose
# CSV has a cell of 3 shows that flag at its cell (row 3, column 2: the
# header is row 1) in `scq review-output`, its --json and Python's
# job.output_flags; the requester gets no flags; a clean table and the
# runner's own log lines give none; a table released before and differing
# by one row is a differencing note; `scq export --acro` of the released
# job writes ACRO's results.json (the checked-in fixture's shape) with the
# cell at ACRO's [row, column], the files and their checksums.
. "$(dirname "$0")/test-lib.sh"
PY="${SCQ_PYTHONPATH:-$SCQ_BUILD/python}"
FIXTURE="$(cd "$(dirname "$0")" && pwd)/fixtures/acro-results.json"
J=$TEST_DIR/out.json

make_job "$TEST_DIR/code" 'printf "group,count,pct\nsecret-a,15,30\nsecret-b,3,40\nsecret-c,15,30\n" > "$OUTPUT_DIR/table.csv"
printf "group,count\nx,20\ny,25\n" > "$OUTPUT_DIR/clean.csv"
echo done'
check "owner reviews releases" do_ config set release review
check "submit" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name cell3
U=$(last_out)
check_exit "no checks before the run" 1 do_ review-output "$U"
err_has "it says the job has not run" "has no run whose outputs could be checked"
check "approve" do_ approve "$U"
check "run" do_ run
check "owner: review-output" do_ review-output "$U"
out_has "the cell of 3: small-count at row 3, column 2" "^FAIL +table.csv +row 3, column 2 +small-count +a count below 10"
out_has "and unrounded there" "^FAIL +table.csv +row 3, column 2 +unrounded"
out_has "the clean table is listed with no flag" "^  clean.csv  .*2 x 2  0 flag"
out_has "the log is checked too" "^  execution.log .* 0 flag"
out_has "counts said" "2 fail, 0 review"
check "no cell value is shown" sh -c "! grep -q secret '$TEST_DIR/out'"
check "owner: review-output --json" do_ review-output "$U" --json
cp "$TEST_DIR/out" "$J"
check "--json: exactly the two flags of the cell" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
got = [(f["file"], f["row"], f["column"], f["rule"], f["severity"]) for f in d["flags"]]
want = [("table.csv", 3, 2, "small-count", "fail"), ("table.csv", 3, 2, "unrounded", "fail")]
assert got == want, got
assert "secret" not in open(sys.argv[1]).read()
' "$J"
check_exit "the requester gets no flags" 1 ds review-output "$U"
err_has "only the owner checks outputs" "not yours to check the outputs of"
check "Python: job.output_flags" env PYTHONPATH="$PY" python3 -c '
import sys, syft_code_queue as s
q = s.connect(email=sys.argv[1], data_dir=sys.argv[2])
flags = q.get_job(sys.argv[3]).output_flags
cell = [(f["row"], f["column"], f["rule"]) for f in flags if f["file"] == "table.csv"]
assert (3, 2, "small-count") in cell, flags
assert len(flags) == 2, flags
' "$DO_EMAIL" "$WS" "$U"
check "export while held: every output, to decide in SACRO-Viewer" do_ export "$U" --acro "$TEST_DIR/acro-held"
check "... the held table is in it" test -f "$TEST_DIR/acro-held/files/table.csv"
check "... and nothing was published" test ! -e "$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$U/output/table.csv"
check_exit "release of flagged outputs without --ack-flags: refused" 1 do_ release "$U"
err_has "... naming the first flag and the way on" "the first 'small-count' in 'table.csv': check them [(]scq review-output"
check "... nothing was published" test ! -e "$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$U/output/table.csv"
check "release --ack-flags" do_ release "$U" --ack-flags
check "... published" test -e "$WS/datasites/$DO_EMAIL/app_data/code-queue/outbox/$DS_EMAIL/$U/output/table.csv"
check "export --acro" do_ export "$U" --acro "$TEST_DIR/acro"
check "results.json has the fixture's shape" python3 -c '
import json, sys, hashlib, os
d = json.load(open(os.path.join(sys.argv[1], "results.json")))
want = json.load(open(sys.argv[2]))
uid = sys.argv[3]
VARY = {"timestamp": "TIMESTAMP", "sha256": "SHA256"}
def norm(o):
    if isinstance(o, dict):
        if o.get("path") == "execution.log":  # the log holds the uid and times
            o = dict(o, size="SIZE")
        return {k: VARY.get(k) or norm(v) for k, v in o.items()}
    if isinstance(o, list):
        return [norm(v) for v in o]
    return o.replace(uid, "JOB") if isinstance(o, str) else o
got = norm(d)
if len(sys.argv) > 4:  # regenerate: t0700 ... (by hand, then review the diff)
    json.dump(got, open(sys.argv[2], "w"), indent=1, sort_keys=True)
assert got == want, json.dumps(got, indent=1, sort_keys=True)
for r in d["results"].values():
    for f in r["files"]:
        data = open(os.path.join(sys.argv[1], f["name"]), "rb").read()
        sha = open(os.path.join(sys.argv[1], "checksums", f["name"] + ".txt")).read()
        assert hashlib.sha256(data).hexdigest() == sha == r["properties"]["sha256"], f
' "$TEST_DIR/acro" "$FIXTURE" "$U" ${SCQ_REGEN_FIXTURE:+regen}
check_exit "a second export into the same folder is refused" 1 do_ export "$U" --acro "$TEST_DIR/acro"
err_has "not overwritten" "already exists; not overwritten"

# differencing: the same table again, one row less, after the first was released
make_job "$TEST_DIR/code2" 'printf "group,count,pct\nsecret-a,15,30\nsecret-c,15,30\n" > "$OUTPUT_DIR/table.csv"'
check "submit a near copy" ds submit "$TEST_DIR/code2" --to "$DO_EMAIL" --name near
U2=$(last_out)
check "approve it" do_ approve "$U2"
check "run it" do_ run
check "review-output of the near copy" do_ review-output "$U2"
out_has "a differencing note naming the released job" "^REVIEW table.csv +whole file +differencing +differs by 1 row\(s\) from the table of the same name released with job ${U%%-*}"
check_exit "its release without --ack-flags: refused (the note is a flag the owner was shown)" 1 do_ release "$U2"
err_has "... naming it" "the first 'differencing' in 'table.csv'"

# a hostile output name is shown escaped (one line, markers), never raw
# (collect leaves out names with control characters; a bidi override passes)
make_job "$TEST_DIR/code3" 'printf "group,count\na,3\n" > "$OUTPUT_DIR/$(printf "bad\342\200\256vsc.name")"'
check "submit a hostile name" ds submit "$TEST_DIR/code3" --to "$DO_EMAIL" --name hostile
U3=$(last_out)
check "approve it" do_ approve "$U3"
check "run it" do_ run
check "review-output of the hostile name" do_ review-output "$U3"
out_has "the name with a marker" "^FAIL +bad⟨U\+202E⟩vsc.name +whole file +type"
check "the raw override never reaches the terminal" sh -c "! grep -q \"\$(printf '\\342\\200\\256')\" '$TEST_DIR/out'"

# a run with no outputs: checked (the sanitizer build once stopped here on
# qsort(NULL, 0)), and released without an acknowledgement
make_job "$TEST_DIR/code4" 'echo nothing to write'
check "submit a job without outputs" ds submit "$TEST_DIR/code4" --to "$DO_EMAIL" --name none
U4=$(last_out)
check "approve and run it" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' approve '$U4' >/dev/null && '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' run >/dev/null"
check "review-output of a run without outputs" do_ review-output "$U4"
out_has "... only its log, no flag" "0 fail, 0 review"
check "its release needs no --ack-flags" do_ release "$U4"

# an output the checks did not reach (over max_output_files now) is not
# clean: releasing it needs the acknowledgement too
make_job "$TEST_DIR/code5" 'for f in a b c; do printf "g,n\nx,20\n" > "$OUTPUT_DIR/$f.csv"; done'
check "submit a job with three clean tables" ds submit "$TEST_DIR/code5" --to "$DO_EMAIL" --name two
U5=$(last_out)
check "approve and run it" sh -c "'$SCQ' --email '$DO_EMAIL' --data-dir '$WS' approve '$U5' >/dev/null && '$SCQ' --email '$DO_EMAIL' --data-dir '$WS' run >/dev/null"
check "the owner lowers max_output_files to 1" do_ config set max_output_files 1
check_exit "releasing the table left unchecked: refused without --ack-flags" 1 do_ release "$U5" --file c.csv -r ok
err_has "... saying it was not checked" "unchecked part"
check "with --ack-flags it goes" do_ release "$U5" --file c.csv -r ok --ack-flags
do_ config set max_output_files 1000 >/dev/null
done_testing
