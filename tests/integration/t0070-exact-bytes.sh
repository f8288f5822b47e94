#!/bin/sh
# t0070: what review, logs and tables show is the submitter's exact text
# (issue 8, items 2 and 3): backslashes and TABs as they are, markers only
# for what would act on a terminal (with one notice), --raw byte for byte,
# table columns cut on characters and measured in display width, and file
# names that are not UTF-8 refused at submit.
. "$(dirname "$0")/test-lib.sh"
# out_lacks / err_lacks NAME ERE: the last checked command's stdout / stderr
# does not match ERE
out_lacks() { if grep -Eq -- "$2" "$TEST_DIR/out"; then _p=0; else _p=1; fi; _result $_p "$1" "$TEST_DIR/out"; }
err_lacks() { if grep -Eq -- "$2" "$TEST_DIR/err"; then _p=0; else _p=1; fi; _result $_p "$1" "$TEST_DIR/err"; }

STORE="$WS/private/code-queue/$DO_EMAIL"
raw() { cp "$TEST_DIR/out" "$TEST_DIR/raw"; } # keep the last stdout for cmp
# reviewed VAR DIR NAME WHAT: submit DIR as NAME (VAR gets its uid) and
# review it; the review's stdout and stderr stay in review.out/review.err
reviewed() {
	check "submit $4" ds submit "$2" --to "$DO_EMAIL" --name "$3"
	eval "$1=\$(last_out)"
	check "review" do_ review "$(last_out)"
	cp "$TEST_DIR/out" "$TEST_DIR/review.out"; cp "$TEST_DIR/err" "$TEST_DIR/review.err"
}
# the text of run.sh's section in a review (up to the next section)
section() { python3 -c 'import sys
out = open(sys.argv[1], "rb").read()
head = b"\n----- " + sys.argv[2].encode() + b" -----\n"
rest = out.split(head, 1)[1]
sys.stdout.buffer.write(rest.split(b"\n----- ", 1)[0].split(b"\nApprove: ", 1)[0])' "$@"; }

# --- plain code: the exact bytes ---------------------------------------------
mkdir -p "$TEST_DIR/code"
printf '#!/bin/bash\nprintf "a\\n"   # a literal backslash-n\nif true; then\n\tcat data.txt\nfi\n' > "$TEST_DIR/code/run.sh"
printf 'all:\n\techo "C:\\\\dir\\\\file" \\\n\t  done\ncol1\tcol2\t\\t\n' > "$TEST_DIR/code/data.txt"
reviewed U "$TEST_DIR/code" plain "code with backslashes and TABs"
section "$TEST_DIR/review.out" run.sh > "$TEST_DIR/run.shown"
check "review shows run.sh byte for byte" cmp "$TEST_DIR/code/run.sh" "$TEST_DIR/run.shown"
section "$TEST_DIR/review.out" data.txt > "$TEST_DIR/data.shown"
check "review shows a TAB-indented Makefile byte for byte" cmp "$TEST_DIR/code/data.txt" "$TEST_DIR/data.shown"
check "no marker notice for plain code" sh -c '! grep -q marker "$1"' x "$TEST_DIR/review.err"
check "approve" do_ approve "$U"
check "run" do_ run
check "logs" ds logs "$U"
cp "$TEST_DIR/out" "$TEST_DIR/logs.out"
check "logs show the output byte for byte" python3 -c 'import sys
sys.exit(open(sys.argv[2], "rb").read() not in open(sys.argv[1], "rb").read())' "$TEST_DIR/logs.out" "$TEST_DIR/code/data.txt"
err_lacks "no marker notice for plain output" marker
check "logs --raw to a file" do_ logs "$U" --raw; raw
check "logs --raw is the log byte for byte" cmp "$TEST_DIR/raw" "$STORE/jobs/completed/$U/execution.log"
check "review --raw" do_ review "$U" --raw; raw
check "review --raw is run.sh byte for byte" cmp "$TEST_DIR/raw" "$TEST_DIR/code/run.sh"
check "review --raw PATH" do_ review "$U" --raw data.txt; raw
check "review --raw PATH is that file byte for byte" cmp "$TEST_DIR/raw" "$TEST_DIR/code/data.txt"
check_exit "review --raw of a file not in the job" 1 do_ review "$U" --raw nope.txt
check_exit "logs --raw to a terminal is refused" 2 script -qec "'$SCQ' --email $DO_EMAIL --data-dir '$WS' logs $U --raw" /dev/null
out_has "with the fix in the message" "send them to a file or a pipe"
check_exit "review --raw to a terminal is refused" 2 script -qec "'$SCQ' --email $DO_EMAIL --data-dir '$WS' review $U --raw" /dev/null

# --- what acts on a terminal: markers and one notice ---------------------------
mkdir -p "$TEST_DIR/evil"
printf '#!/bin/bash\ncat evil.txt\n' > "$TEST_DIR/evil/run.sh"
# ESC sequence, C1 CSI (U+009B), DEL, RLO (U+202E), a byte that is not UTF-8,
# a literal marker bracket, and a CRLF line
printf 'a\033]0;title\007b \302\233c \177d \342\200\256e \377f \342\237\250ESC\342\237\251\r\nend\n' > "$TEST_DIR/evil/evil.txt"
reviewed UE "$TEST_DIR/evil" evil "hostile bytes"
out_has "ESC and BEL are markers" 'a⟨ESC⟩\]0;title⟨BEL⟩b'
out_has "C1 and DEL are markers" '⟨U\+009B⟩c ⟨DEL⟩d'
out_has "RLO is a marker" '⟨U\+202E⟩e'
out_has "a byte that is not UTF-8 is a marker" '⟨0xFF⟩f'
out_has "a literal bracket is itself a marker" '⟨U\+27E8⟩ESC⟩'
out_has "CR is a marker" '⟨CR⟩$'
out_has "CRLF file flagged with a warning line" '^warning: evil\.txt has Windows \(CRLF\) line endings'
check "review prints no raw ESC, C1, DEL, RLO or invalid byte" python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
sys.exit(any(x in b for x in (b"\x1b", b"\x07", b"\xc2\x9b", b"\x7f", b"\xe2\x80\xae", b"\xff", b"\r")))' "$TEST_DIR/review.out"
check "one notice line says markers were shown" test "$(grep -c 'marker' "$TEST_DIR/review.err")" = 1
check "approve" do_ approve "$UE"
check "run" do_ run
check "logs" do_ logs "$UE"
out_has "logs show markers" 'a⟨ESC⟩\]0;title⟨BEL⟩b ⟨U\+009B⟩c ⟨DEL⟩d ⟨U\+202E⟩e ⟨0xFF⟩f'
err_has "logs notice" 'marker'
check "logs --raw is byte-exact even for hostile bytes" do_ logs "$UE" --raw; raw
check "cmp with the log" cmp "$TEST_DIR/raw" "$STORE/jobs/completed/$UE/execution.log"
check "review --raw of the hostile file" do_ review "$UE" --raw evil.txt; raw
check "cmp with the submitted file" cmp "$TEST_DIR/raw" "$TEST_DIR/evil/evil.txt"

# notices name the submitter's files through the same path
make_job "$TEST_DIR/skip"
printf 'x\n' > "$TEST_DIR/skip/$(printf 'a\033[2J.log')"
check "submit leaves out a *.log file" ds submit "$TEST_DIR/skip" --to "$DO_EMAIL" --name skip
err_has "the notice names it with a marker" 'left out of the job.*a⟨ESC⟩\[2J\.log'
err_lacks "and no raw ESC" "$(printf '\033')"

# --- tables: display width, character boundaries ------------------------------
make_job "$TEST_DIR/c2"
check "submit a long CJK name" ds submit "$TEST_DIR/c2" --to "$DO_EMAIL" --name "日本語のデータ分析ジョブ・長い名前のテスト用ジョブ"
check "submit an emoji name" ds submit "$TEST_DIR/c2" --to "$DO_EMAIL" --name "📊 stats 📈"
check "submit a combining-mark name" ds submit "$TEST_DIR/c2" --to "$DO_EMAIL" --name "$(printf 'Cafe\314\201 re\314\201sume\314\201')"
check "submit a name of exactly 30 columns in CJK" ds submit "$TEST_DIR/c2" --to "$DO_EMAIL" --name "一二三四五六七八九十一二三四五"
check "list" do_ list
out_has "a long name is cut with an ellipsis" '日本語のデータ分析ジョブ・長… '
out_has "a name of exactly the width is not cut" '一二三四五六七八九十一二三四五 ds@'
cp "$TEST_DIR/out" "$TEST_DIR/list.out"
check "list output is valid UTF-8 (no sequence split)" python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TEST_DIR/list.out"
check "every row's FROM column starts at the same display column" python3 -c 'import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
cols = set()
for line in open(sys.argv[1], encoding="utf-8"):
    i = line.find("ds@uni.example") if "ds@uni.example" in line else line.find("FROM")
    cols.add(width(line[:i]))
sys.exit(len(cols) != 1)' "$TEST_DIR/list.out"

# --- file names that are not UTF-8 --------------------------------------------
make_job "$TEST_DIR/latin1"
printf 'x\n' > "$TEST_DIR/latin1/$(printf 'caf\351.txt')"
check_exit "a Latin-1 file name is refused at submit" 1 ds submit "$TEST_DIR/latin1" --to "$DO_EMAIL" --name latin1
err_has "in one line naming the file" "caf⟨0xE9⟩\.txt.*not valid UTF-8"
check "one error line only (besides the marker notice)" test "$(grep -vc "^scq: note:" "$TEST_DIR/err")" = 1
check_exit "a name that is not UTF-8 is refused too" 1 ds submit "$TEST_DIR/c2" --to "$DO_EMAIL" --name "$(printf 'caf\351')"
err_has "naming the field" "name is not valid UTF-8"
# --- stored markers are shown once, never escaped twice (hostile review) ------
make_job "$TEST_DIR/names" 'printf x > "$OUTPUT_DIR/n
l"; printf y > "$OUTPUT_DIR/$(printf "bad\377")"; ln -s /etc/passwd "$OUTPUT_DIR/e⟨ESC⟩"'
UN=$(ds submit "$TEST_DIR/names" --to "$DO_EMAIL" --name names)
do_ pending >/dev/null; do_ approve "$UN" >/dev/null; do_ run >/dev/null
check "output lists what was left out" do_ output "$UN"
err_has "a name with LF: one marker" "left out: n⟨LF⟩l "
err_has "a byte that is not UTF-8: one marker" "left out: bad⟨0xFF⟩ "
err_has "a literal marker bracket stays distinguishable" "left out: e⟨U\+27E8⟩ESC⟩ "
INB="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
printf x > "$INB/$(printf 'j\377\033')"
check "a hostile inbox name" do_ pending
err_has "its quarantine notice shows each byte once" "quarantined inbox/$DS_EMAIL/j⟨0xFF⟩⟨ESC⟩: not a job folder"
done_testing
