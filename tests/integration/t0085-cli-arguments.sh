#!/bin/sh
# t0085: the command line takes what it is given, exactly, or refuses it
# (issue 10, item 9): an option a command would drop is refused naming
# it, a longer word is never taken for a global option (--emailfoo=x is
# not --email), and the exit status of submit says whether a job was
# submitted (0, its uid printed) even when --json cannot read it back.
. "$(dirname "$0")/test-lib.sh"
INBOX="$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL"
STORE="$WS/private/code-queue/$DS_EMAIL"
make_job "$TEST_DIR/code"
nothing_sent() { ! ls "$INBOX" 2>/dev/null | grep -q .; }

# --- an option that would be dropped is refused --------------------------------
check_exit "submit --requirement is refused (a folder is not a script)" 2 \
	ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name req --requirement numpy
err_has "the message names the option and says what to use" \
	"^scq: --requirement is only for submit-python; a submitted folder's run.sh installs what it needs"
check "nothing was submitted" nothing_sent
check_exit "its short form -R too" 2 ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name req -R numpy
check_exit "and submit-bash --requirement" 2 \
	ds submit-bash "$TEST_DIR/code/run.sh" --to "$DO_EMAIL" --name req --requirement numpy
err_has "only for submit-python" "^scq: --requirement is only for submit-python"
check "nothing was submitted" nothing_sent
printf 'print(1)\n' > "$TEST_DIR/s.py"
check "submit-python --requirement is taken" \
	ds submit-python "$TEST_DIR/s.py" --to "$DO_EMAIL" --name py --requirement numpy
UP=$(last_out)
check "the owner's review" do_ review "$UP" --full
out_has "shows the requirement in requirements.txt" "numpy"
check_exit "an unknown submit option is named" 2 ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name x --bogus=1
err_has "by its name" "^scq: unknown option '--bogus=1'"
check_exit "scq demo --kep is not taken for --keep" 2 "$SCQ" demo --kep
err_has "it is named" "unexpected argument '--kep'"

# --- global options are matched whole -----------------------------------------
check_exit "--emailfoo=x is not --email" 2 "$SCQ" --email "$DS_EMAIL" --data-dir "$WS" --emailfoo=x jobs
err_has "it is an unknown option" "^scq: unknown option '--emailfoo=x'"
check_exit "nor after the command" 2 "$SCQ" --email "$DS_EMAIL" --data-dir "$WS" jobs --emailfoo=x
check_exit "--data-dirx=D is not --data-dir" 2 "$SCQ" --email "$DS_EMAIL" --data-dir "$WS" --data-dirx=/nonexistent status
check_exit "--configxx=F is not --config" 2 "$SCQ" --email "$DS_EMAIL" --data-dir "$WS" --configxx=/nonexistent status
check_exit "--email-address=x is not --email either" 2 "$SCQ" --email "$DS_EMAIL" --data-dir "$WS" status --email-address=x
check "--email=E --data-dir=D still work" "$SCQ" --email="$DS_EMAIL" --data-dir="$WS" jobs --json
out_has "my job listed" "$UP"
check "--email E --data-dir D, after the command too" "$SCQ" jobs --json --email "$DS_EMAIL" --data-dir "$WS"
out_has "my job listed" "$UP"

# --- submit: the exit status says whether the job was submitted --------------
# The job is written, then read back for --json; strace makes that one read
# fail (EIO on the record in my store), as a concurrent ingest or a disk
# error would.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
	check "submit --json whose read-back fails" strace_run -f -qq -o /dev/null -e trace=openat2 \
		-e inject=openat2:error=EIO:when=1 -P "$STORE/submitted" \
		"$SCQ" --email "$DS_EMAIL" --data-dir "$WS" submit "$TEST_DIR/code" --to "$DO_EMAIL" \
		--name readback --json
	out_has "still prints the new job's uid, as JSON" '^\{"uid":"[0-9a-f-]{36}"\}$'
	UR=$(sed -E 's/.*"uid":"([0-9a-f-]+)".*/\1/' "$TEST_DIR/out")
	err_has "and says it was submitted" "^scq: job $UR was submitted, but reading it back failed"
	check "the job is there" ds show "$UR" --json
	out_has "pending" '"status":"pending"'
else
	echo "not ok $((_n += 1)) - strace cannot trace here: make test-deps installs it (no silent skip)"
fi
check "submit --json" ds submit "$TEST_DIR/code" --to "$DO_EMAIL" --name plain --json
out_has "prints the job object" '"status":"pending"'
check_exit "a failed submission exits 1" 1 ds submit "$TEST_DIR/nonexistent" --to "$DO_EMAIL" --name none
done_testing
