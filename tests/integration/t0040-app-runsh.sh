#!/bin/sh
# t0040: the repository's run.sh as SyftBox starts apps: reads the client
# config from SYFTBOX_CLIENT_CONFIG_PATH, runs the queue as a service,
# refuses a second instance, stops on SIGTERM.
. "$(dirname "$0")/test-lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
printf '{"email":"%s","data_dir":"%s"}' "$DO_EMAIL" "$WS" > "$TEST_DIR/client.json"
[ -x "$ROOT/build/scq" ] || cp "$SCQ" "$ROOT/build/scq" 2>/dev/null || true
(cd "$ROOT" && SCQ_BUILD="$SCQ_BUILD" SYFTBOX_CLIENT_CONFIG_PATH="$TEST_DIR/client.json" exec ./run.sh) \
	>"$TEST_DIR/app.out" 2>&1 &
APP=$!
sleep 1
check "the app is running" kill -0 $APP
check_exit "a second instance is refused by the lock" 1 env SCQ_BUILD="$SCQ_BUILD" SYFTBOX_CLIENT_CONFIG_PATH="$TEST_DIR/client.json" sh -c "cd '$ROOT' && ./run.sh"
make_job "$TEST_DIR/code"
daemon_job "the app" app 15
stops_on_term "SIGTERM stops the app" $APP
# the runner itself, not only a wrapper: the lock is free again at once
check "and its runner: the lock is free" flock -n "$WS/private/code-queue/app.lock" true
# ([s]cq: the pattern does not match the shell that runs pgrep)
check "no runner of this workspace is left" sh -c "! pgrep -f -- '[s]cq run --watch --lock $WS/private/code-queue/app.lock' >/dev/null"
check "the app said it was watching" grep -q "watching for jobs" "$TEST_DIR/app.out"
done_testing
