#!/bin/sh
# install-deps.sh - make sure the Debian packages the project needs are here.
#
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command to run and fails.  Extra packages can be asked for with
# SCQ_EXTRA_PKGS (the test suite adds its own needs there).
set -eu
PKGS="build-essential pkg-config libjansson-dev libsodium-dev libseccomp-dev
libmicrohttpd-dev python3-dev bubblewrap perl bc time clang libclang-rt-14-dev ${SCQ_EXTRA_PKGS:-}"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "scq: missing Debian packages:$missing" >&2
	echo "scq: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "scq: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || apt-get update
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null || apt-get install -y $missing
