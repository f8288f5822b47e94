#!/bin/sh
# bench/sandbox.sh - build and run the sandbox spawn benchmark (figures only).
# Usage: sh bench/sandbox.sh [runs]   (from the source tree, as root)
#        SCQ_SANDBOX_TRACE=1 also prints where the time goes (stderr)
set -e
B=${SCQ_BUILD:-build}
# B= so that make rebuilds this build dir (DEVELOPER=1 in the environment
# keeps a developer build's flags, so nothing is rebuilt needlessly)
make -s B="$B" "$B/libscq.a" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc/lib -Iinclude -o "$B/sandbox-bench" bench/sandbox-bench.c \
	"$B/libscq.a" $(pkg-config --libs jansson libsodium libseccomp)
exec "$B/sandbox-bench" "${1:-200}"
