#!/bin/sh
# install-deps.sh - make sure the Debian packages the project needs are here.
#
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command to run and fails.  Extra packages can be asked for with
# SCQ_EXTRA_PKGS (the test suite adds its own needs there), and npm
# packages with SCQ_NPM_DIRS: folders holding a package-lock.json, each
# installed with `npm ci` when its node_modules is missing or older than
# the lock file (the browser tests: tests/browser).
set -eu
PKGS="build-essential pkg-config libjansson-dev libsodium-dev libseccomp-dev libcsv-dev
python3-dev libmicrohttpd-dev bubblewrap perl bc time clang libclang-rt-14-dev ${SCQ_EXTRA_PKGS:-}"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# node and npm may come from outside Debian (the machine image has them);
# Debian's packages only when the commands are missing.
if [ -n "${SCQ_NPM_DIRS:-}" ]; then
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
if [ -n "$missing" ]; then
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
fi
# playwright-core needs Node 20 or newer; Debian 12's nodejs is 18
if [ -n "${SCQ_NPM_DIRS:-}" ] && ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
	echo "scq: the browser tests need Node.js 20 or newer (playwright-core); this machine has" \
		"$(node --version): install Node 20 (e.g. from the npm registry's 'node' package) and rerun" >&2
	exit 1
fi
for d in ${SCQ_NPM_DIRS:-}; do
	[ "$d/node_modules/.package-lock.json" -nt "$d/package-lock.json" ] && continue
	echo "scq: npm ci in $d" >&2
	(cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
done
