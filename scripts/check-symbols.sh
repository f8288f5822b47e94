#!/bin/sh
# check-symbols.sh HEADER LIBSO [PYEXT] - what a process that loads libscq
# can see (make check-symbols; scq.h, "Symbols").
#
#   HEADER  include/scq.h: every function it declares carries SCQ_API
#   LIBSO   a shared build of the whole of libscq.a: it exports exactly the
#           functions HEADER declares, nothing internal (xmalloc, buf_*,
#           json_* helpers ...) and none of them is missing
#   PYEXT   the Python extension: it exports PyInit__scq and nothing else
#           but scq_* (no jansson, libsodium, libseccomp, libscq internals)
#
# Prints what is wrong and exits 1; silent but for one line when all is well.
set -eu
header=$1 libso=$2 pyext=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

exported() { nm -D --defined-only "$1" | awk 'NF >= 3 { print $3 }' | sed 's/@.*//' | sort -u; }

# The functions the header declares: a line at column 0 naming scq_NAME(,
# not a typedef of a callback type.
grep -E '^[A-Za-z].*\bscq_[a-z0-9_]+\(' "$header" | grep -v '^typedef' > "$tmp/decl"
if grep -v '^SCQ_API ' "$tmp/decl" > "$tmp/bare"; then
	echo "check-symbols: $header declares functions without SCQ_API:"
	sed 's/^/  /' "$tmp/bare"
	fail=1
fi
awk 'match($0, /scq_[a-z0-9_]+\(/) { print substr($0, RSTART, RLENGTH - 1) }' "$tmp/decl" |
	sort -u > "$tmp/api"

exported "$libso" > "$tmp/lib"
if ! cmp -s "$tmp/api" "$tmp/lib"; then
	extra=$(comm -13 "$tmp/api" "$tmp/lib" | wc -l)
	missing=$(comm -23 "$tmp/api" "$tmp/lib" | wc -l)
	echo "check-symbols: $libso exports $extra symbol(s) not in $header, lacks $missing of it:"
	comm -3 "$tmp/api" "$tmp/lib" | sed -e 's/^\t/  exported, not in the header: /' \
		-e '/^  exported/!s/^/  declared, not exported: /'
	fail=1
fi

if [ -n "$pyext" ]; then
	exported "$pyext" > "$tmp/py"
	if grep -qx PyInit__scq "$tmp/py"; then :; else
		echo "check-symbols: $pyext does not export PyInit__scq"
		fail=1
	fi
	if grep -v -x -e PyInit__scq -e 'scq_[a-z0-9_]*' "$tmp/py" > "$tmp/pyextra"; then
		echo "check-symbols: $pyext exports $(wc -l < "$tmp/pyextra") symbol(s) besides PyInit__scq and scq_*:"
		sed 's/^/  /' "$tmp/pyextra" | head -40
		fail=1
	fi
fi

[ $fail = 0 ] || exit 1
echo "check-symbols: libscq exports the $(wc -l < "$tmp/api") functions of $header only${pyext:+; the Python extension $(wc -l < "$tmp/py") symbol(s)}"
