#!/bin/sh
# slurm-up.sh [DIR] - start a Slurm test cluster on 127.0.0.1 without
# systemd: munged (as user munge, its own key and socket), slurmctld and
# two slurmd (nodes n1 and n2, each on its own port), from
# tests/slurm/slurm.conf.in, with every file under DIR (default
# $SCQ_SLURM_DIR or /tmp/scq-slurm).  Prints the SLURM_CONF to export.
# Fails loudly (exit 1, the daemons' logs on stderr) when the cluster does
# not come up with both nodes idle: tests never skip for want of it.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-${SCQ_SLURM_DIR:-/tmp/scq-slurm}}
CTLPORT=${SCQ_SLURM_PORT:-16817}
fail() {
	echo "slurm-up: $*" >&2
	for f in "$DIR"/munge/munged.log "$DIR"/slurmctld.log "$DIR"/slurmd.n1.log "$DIR"/slurmd.n2.log; do
		[ -f "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }
	done
	sh "$here/scripts/slurm-down.sh" "$DIR" >/dev/null 2>&1
	exit 1
}
[ "$(id -u)" = 0 ] || fail "must run as root (slurmd and munged need it)"
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
	command -v "$c" >/dev/null 2>&1 || fail "'$c' not found: install slurm-wlm and munge (scripts/install-deps.sh)"
done
id munge >/dev/null 2>&1 || fail "no user 'munge' (install munge)"
if [ -f "$DIR/slurmctld.pid" ] && kill -0 "$(cat "$DIR/slurmctld.pid")" 2>/dev/null; then
	sh "$here/scripts/slurm-down.sh" "$DIR" >/dev/null 2>&1 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR/ctld" "$DIR/munge" "$DIR/slurmd.n1" "$DIR/slurmd.n2"
chmod 0755 "$DIR"
# munged refuses a key or a socket folder others can write
chown munge:munge "$DIR/munge"
chmod 0711 "$DIR/munge" # clients reach the socket, nobody lists or writes
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 2>/dev/null
chown munge:munge "$DIR/munge/munge.key"
chmod 0400 "$DIR/munge/munge.key"
sed -e "s|@DIR@|$DIR|g" -e "s|@CTLPORT@|$CTLPORT|g" -e "s|@DPORT@|$((CTLPORT + 1))|g" \
	-e "s|@N1PORT@|$((CTLPORT + 2))|g" -e "s|@N2PORT@|$((CTLPORT + 3))|g" \
	"$here/tests/slurm/slurm.conf.in" >"$DIR/slurm.conf"
export SLURM_CONF="$DIR/slurm.conf"
runuser -u munge -- munged --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
	--pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
	--seed-file="$DIR/munge/munged.seed" --force || fail "munged did not start"
slurmctld -i -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -N n1 -f "$SLURM_CONF" || fail "slurmd n1 did not start"
slurmd -N n2 -f "$SLURM_CONF" || fail "slurmd n2 did not start"
i=0
while [ "$(sinfo -h -N -o '%N %t' 2>/dev/null | grep -c ' idle$')" != 2 ]; do
	i=$((i + 1))
	[ $i -le 60 ] || fail "the nodes did not become idle in 30 s: $(sinfo -h -N -o '%N %t' 2>&1 | tr '\n' ' ')"
	sleep 0.5
done
echo "$SLURM_CONF"
