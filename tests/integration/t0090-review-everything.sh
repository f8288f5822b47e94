#!/bin/sh
# t0090: the review shows everything that can run (issue 9 §7).
#  - a run.sh with a NUL byte after line 1 was hidden as "(binary file)",
#    but bash runs it; Latin-1 bytes likewise
#  - other files stopped at 40 lines or 8 KiB and no command showed the rest
#  - zero-width characters made run.sh and run<U+200B>.sh look the same
. "$(dirname "$0")/test-lib.sh"
ds init >/dev/null; do_ init >/dev/null; do_ config set isolation none >/dev/null
C="$TEST_DIR/code"; mkdir -p "$C"
printf 'echo line-one\n\000\necho HIDDEN-AFTER-NUL\n. ./helper.sh\n' > "$C/run.sh"
printf 'echo caf\351-HELPER\n\000echo HELPER-TAIL\n' > "$C/helper.sh"; chmod 755 "$C/helper.sh"
i=1; while [ $i -le 100 ]; do echo "line $i of notes"; i=$((i + 1)); done > "$C/notes.txt"
printf 'echo decoy\n' > "$C/run$(printf '\342\200\213').sh"
U=$(ds submit "$C" --to "$DO_EMAIL" --name everything)
do_ pending >/dev/null
check "review" do_ review "$U"
out_has "run.sh is shown past its NUL byte" "HIDDEN-AFTER-NUL"
out_has "the NUL byte is a marker" "⟨NUL⟩"
out_has "a loud warning: run.sh can run and is not plain text" "WARNING \(this file can run\): run\.sh is not plain text"
out_has "the executable helper is shown with its Latin-1 byte as a marker" "caf⟨0xE9⟩-HELPER"
out_has "... and past its NUL" "HELPER-TAIL"
out_has "... with the warning" "WARNING \(this file can run\): helper\.sh"
out_has "the decoy's name shows its zero-width space" "run⟨U\+200B⟩\.sh"
out_has "a long file is shown in part, and says so" "more bytes not shown: scq review .* --file notes\.txt"
out_has "the end lists every file shown in part" "^  notes\.txt  \([0-9]+ of [0-9]+ bytes shown\)"
check "review --full" do_ review "$U" --full
out_has "--full shows every line" "line 100 of notes"
check "review --file shows one file whole" do_ review "$U" --file notes.txt
out_has "... to its last line" "line 100 of notes"
check_exit "review --file of a file not in the job fails" 1 do_ review "$U" --file nope.txt
check_exit "... also for a path that is not UTF-8" 1 do_ review "$U" --file "$(printf 'no\377pe')"
check_exit "--full and --file do not go together" 2 do_ review "$U" --full --file notes.txt
check "the job runs what was reviewed" do_ approve "$U"
check "run" do_ run
check "logs" do_ logs "$U"
out_has "bash ran past the NUL byte (what the review showed)" "HIDDEN-AFTER-NUL"
done_testing
