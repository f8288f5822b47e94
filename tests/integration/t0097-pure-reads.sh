#!/bin/sh
# t0097: reads never write (issue 10 §2).  A store holds jobs in every kind
# of state (pending, approved, completed with outputs, one pending past its
# approval deadline, one still in the inbox); then every read command, and
# the library's reads (scq_find, scq_list_each, scq_wait, scq_job_*, ...),
# run with the whole data folder (store, datasites, outboxes) under a
# read-only bind mount.  Each must exit as it does without the mount, and
# nothing may change: a listing of every file with size, mode, mtime and
# ctime is the same before and after.  The maintenance the reads used to
# do (ingest, expiry) is scq_refresh's, which the CLI runs first unless
# --no-refresh; it still happens when asked.  A read of a store that does
# not exist yet does not create it.
. "$(dirname "$0")/test-lib.sh"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "1..0 # SKIP needs root and mount namespaces (unshare -m)"
	exit 0
fi
STORE="$WS/private/code-queue/$DO_EMAIL"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
NEW=new@fresh.example

# ---- a store with jobs in every kind of state ----
make_job "$TEST_DIR/j"
submit() { ds submit "$TEST_DIR/j" --to "$DO_EMAIL" --name "$@"; }
DONE=$(submit done)
do_ approve "$DONE" >/dev/null && do_ run >/dev/null
APPR=$(submit approved)
do_ approve "$APPR" >/dev/null
REJ=$(submit rejected)
do_ reject "$REJ" -r no >/dev/null
PEND=$(submit pending)
LATE=$(submit late --timeout 1)
do_ pending >/dev/null # takes both in
INBOX=$(submit inbox) # stays in the inbox: no owner command after this
do_ --no-refresh dataset add cohort "$TEST_DIR/j" >/dev/null
sleep 2 # LATE is past its approval deadline now
check "the completed job has an output" test -s "$STORE/jobs/completed/$DONE/output/result.txt"
check "the late job is pending, past its deadline" test -d "$STORE/jobs/pending/$LATE"
check "the last job waits in the inbox" \
	test -d "$WS/datasites/$DO_EMAIL/app_data/code-queue/inbox/$DS_EMAIL/$INBOX"

# ---- the library's reads, as a program ----
cat > "$TEST_DIR/reads.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "scq.h"
static int count(const scq_job *j, void *n) { (void)j; ++*(int *)n; return 0; }
int main(int argc, char **argv)
{
	struct scq_open_options o = { argv[1], argv[2], NULL };
	scq *h;
	scq_job *j = NULL;
	scq_job_list *l = NULL;
	char *s = NULL, *d = NULL;
	size_t len;
	int n = 0, r, st = -1, i;
	if (argc < 6 || scq_open(&h, &o))
		return 2;
	r = scq_list_each(h, SCQ_AS_ANY, -1, count, &n);
	printf("list_each %d %d %s\n", r, n, r ? scq_errmsg(h) : "");
	r = scq_list(h, SCQ_AS_OWNER, SCQ_PENDING, &l);
	printf("list %d %zu %s\n", r, scq_job_list_count(l), r ? scq_errmsg(h) : "");
	scq_job_list_free(l);
	for (i = 3; i < 6; i++) { /* late, inbox, done */
		r = scq_find(h, argv[i], SCQ_AS_ANY, &j);
		printf("find %d %s\n", r, r ? scq_errmsg(h) : scq_status_name(scq_job_status(j)));
		scq_job_free(j);
		j = NULL;
	}
	r = scq_wait(h, argv[5], 1, &st);
	printf("wait-done %d %s\n", r, r && r != SCQ_ETIMEOUT ? scq_errmsg(h) : scq_status_name(st));
	r = scq_wait(h, argv[3], 0.3, &st);
	printf("wait-late %d %s\n", r, r && r != SCQ_ETIMEOUT ? scq_errmsg(h) : scq_status_name(st));
	r = scq_job_logs(h, argv[5], &s, &len);
	printf("logs %d %s\n", r, r ? scq_errmsg(h) : "");
	free(s);
	r = scq_job_output_dir(h, argv[5], &d);
	printf("output_dir %d %s\n", r, r ? scq_errmsg(h) : "");
	free(d);
	s = NULL;
	r = scq_job_files(h, argv[3], &s);
	printf("files %d %s\n", r, r ? scq_errmsg(h) : "");
	free(s);
	s = NULL;
	r = scq_job_read_file(h, argv[3], "run.sh", 0, &s, &len);
	printf("read_file %d %s\n", r, r ? scq_errmsg(h) : "");
	free(s);
	s = NULL;
	r = scq_status_json(h, &s);
	printf("status %d %s\n", r, r ? scq_errmsg(h) : "");
	free(s);
	s = NULL;
	r = scq_dataset_list(h, &s);
	printf("datasets %d %s\n", r, r ? scq_errmsg(h) : "");
	free(s);
	r = scq_audit_verify(h, NULL);
	printf("audit %d %s\n", r, r ? scq_errmsg(h) : "");
	scq_close(h);
	return 0;
}
EOF
B=${SCQ_BUILD}
# shellcheck disable=SC2046
# built as the library was (make SANITIZE=... passes SCQ_SANITIZE)
check "the reads program builds" cc ${SCQ_SANITIZE:+-fsanitize=$SCQ_SANITIZE} -I"$SRC/include" \
	-o "$TEST_DIR/reads" "$TEST_DIR/reads.c" \
	"$B/libscq.a" $(pkg-config --libs jansson libsodium libseccomp) -lcsv -lm

# snapshot: every file of the data folder with type, mode, size, mtime and
# ctime (`output --to DIR` writes DIR, outside it, as it should)
snap() {
	find "$WS" -printf '%y %m %s %T@ %C@ %p\n' | sort
}

# the read commands, each as one line: WHO ARGS...
cat > "$TEST_DIR/reads.txt" <<EOF
do list
do list --json
do list --status pending
do list --status timedout
do list --held
do pending
do pending --json
do jobs
do show $PEND
do show $LATE --json
do show $DONE
do show $INBOX
do review $PEND
do review $PEND --full
do review $PEND --json
do review $PEND --file run.sh
do review $PEND --raw run.sh
do logs $DONE
do logs $DONE --raw
do logs $PEND
do output $DONE
do output $DONE --json
do wait $DONE
do wait $LATE --timeout 1
do status
do status --json
do config get release
do config list
do config list --json
do dataset list
do dataset list --json
do audit
do audit --json
do audit --verify
do doctor --json
ds jobs
ds jobs --json
ds show $DONE
ds show $INBOX --json
ds logs $DONE
ds output $DONE
ds output $DONE --to $TEST_DIR/out-copy
ds wait $DONE --json
ds wait $PEND --timeout 1
ds status
new list
new jobs
new status --json
new config get release
new dataset list
new audit --verify
EOF

# run-reads.sh TAG: every read command (--no-refresh) and the program as
# each identity, each one's exit status and output in $TEST_DIR/TAG/
cat > "$TEST_DIR/run-reads.sh" <<'EOF'
T=$TEST_DIR/$1
mkdir -p "$T"
i=0
while read -r who args; do
	i=$((i + 1))
	case $who in do) e=$DO_EMAIL ;; ds) e=$DS_EMAIL ;; *) e=$NEW ;; esac
	# shellcheck disable=SC2086
	"$SCQ" --email "$e" --data-dir "$WS" $NOREF $args > "$T/$i.out" 2> "$T/$i.err" < /dev/null
	echo "$who $args -> $?" >> "$T/exits"
done < "$TEST_DIR/reads.txt"
for e in "$DO_EMAIL" "$DS_EMAIL" "$NEW"; do
	"$TEST_DIR/reads" "$e" "$WS" "$LATE" "$INBOX" "$DONE" >> "$T/lib" 2>&1
done
EOF
# T0097_NO_REFRESH= (empty) runs the commands refreshing, as they do by
# default: then they must fail this test (a check of the test itself)
NOREF=${T0097_NO_REFRESH---no-refresh}
export TEST_DIR SCQ WS DO_EMAIL DS_EMAIL NEW LATE INBOX DONE NOREF

snap > "$TEST_DIR/before"
# the data folder read-only, in a mount namespace of its own
unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" || exit 9
	touch "$1/.probe" 2>/dev/null && exit 8
	exec sh "$2" ro' x "$WS" "$TEST_DIR/run-reads.sh" 2> "$TEST_DIR/unshare.err"
check "the reads ran under a read-only mount (exit $?)" test $? = 0
snap > "$TEST_DIR/after-ro"
sh "$TEST_DIR/run-reads.sh" rw # the same, writable
snap > "$TEST_DIR/after-rw"

check "read-only: the data folder is unchanged" cmp "$TEST_DIR/before" "$TEST_DIR/after-ro"
check "writable: the reads changed nothing either" cmp "$TEST_DIR/before" "$TEST_DIR/after-rw"
diff "$TEST_DIR/before" "$TEST_DIR/after-rw" | sed 's/^/# /' | head -20
check "each read command exits as without the mount" cmp "$TEST_DIR/ro/exits" "$TEST_DIR/rw/exits"
diff "$TEST_DIR/ro/exits" "$TEST_DIR/rw/exits" | sed 's/^/# /' | head -20
i=0
same=1
while read -r line; do
	i=$((i + 1))
	cmp -s "$TEST_DIR/ro/$i.out" "$TEST_DIR/rw/$i.out" && cmp -s "$TEST_DIR/ro/$i.err" "$TEST_DIR/rw/$i.err" ||
		{ same=0; echo "# differs: $line"; }
done < "$TEST_DIR/reads.txt"
check "each prints the same with and without the mount" test $same = 1
check "no read reports a read-only file system" \
	sh -c '! grep -l "Read-only file system" "$1"/ro/*.err "$1/ro/lib"' x "$TEST_DIR"
check "the library's reads return the same" cmp "$TEST_DIR/ro/lib" "$TEST_DIR/rw/lib"

# what they showed: the store as it is, nothing taken in or expired
nth() { grep -n -x -F -- "$1" "$TEST_DIR/reads.txt" | cut -d: -f1; }
check "list exits 0" grep -qx "do list -> 0" "$TEST_DIR/ro/exits"
check "list shows the five jobs of the store, not the one in the inbox" \
	test "$(grep -o '"uid"' "$TEST_DIR/ro/$(nth "do list --json").out" | wc -l)" = 5
check "the late job still shows pending (expiring it is a write)" \
	grep -q '"status":"pending"' "$TEST_DIR/ro/$(nth "do show $LATE --json").out"
check "review --full shows run.sh" grep -q "echo hello" "$TEST_DIR/ro/$(nth "do review $PEND --full").out"
check "logs shows the log" grep -q hello "$TEST_DIR/ro/$(nth "do logs $DONE").out"
check "output --to copies (outside the data folder)" test -s "$TEST_DIR/out-copy/result.txt"
check "the library: find, wait see the store as it is" sh -c 'grep -q "^find 0 pending$" "$1" &&
	grep -q "^wait-done 0 completed$" "$1" && grep -q "^wait-late -9 pending$" "$1"' x "$TEST_DIR/ro/lib"
check "the library: the inbox job is not found (not taken in by a read)" \
	grep -q "^find -1 no job found with id '$INBOX' submitted to or by $DO_EMAIL" "$TEST_DIR/ro/lib"
sed 's/^/# lib: /' "$TEST_DIR/ro/lib" | head -60
check "a read creates no store" test ! -e "$WS/private/code-queue/$NEW"

# ---- maintenance is one explicit step, and the commands still take it ----
check "scq list (refreshing) takes the inbox job in" do_ list
out_has "... it is listed" "$(echo "$INBOX" | cut -c1-8)"
check "... and the late job has expired" test -d "$STORE/jobs/timedout/$LATE"
check "show says so" do_ show "$LATE" --json
out_has "... timedout" '"status":"timedout"'
done_testing
