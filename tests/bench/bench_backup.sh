#!/bin/sh
# Benchmark of issue 13's backup targets (R-BACKUP): on a fresh test terminal with
# BENCH_BACKUP_REGISTERS demo registers (default 100,000; the targets are for 1,000,000), the
# wall time of `fukuhonctl backup` while bench_import_wait plays a console (home screen, a 受付
# page, a 本籍 page in turn, each recorded: a write on every screen), the console's worst wait
# for the write lock during it, then `backup verify` and `restore` (no console open).
# Targets at 1,000,000: backup <= 15 s, verify <= 60 s, restore <= 60 s, no wait over 200 ms.
# BENCH_BACKUP_VACUUM=1 also times sqlite3's VACUUM INTO under the same console, for comparison.
# `make bench-backup`.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_BACKUP_REGISTERS:-100000}
C="$top_builddir/fukuhonctl"
W="$top_builddir/tests/bench/bench_import_wait"
for x in "$C" "$W"; do
	[ -x "$x" ] || { echo "$x is not built" >&2; exit 1; }
done
umask 022
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-backup.XXXXXX")
wpid=
trap '[ -n "$wpid" ] && kill "$wpid" 2> /dev/null; rm -rf "$B"' EXIT
cat > "$B/fukuhon.conf" <<CONF
database = db/fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench-backup
bureau = 東京法務局
CONF
export FUKUHON_CONFIG="$B/fukuhon.conf" FUKUHON_TEST_ACTOR=admin FK_TOP_SRCDIR="$top_srcdir"
"$C" init --admin admin --bureau 東京法務局 --mode test > /dev/null
echo "machine: $(nproc) cores, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
t0=$(date +%s)
"$C" demo-data --registers "$N" --seed 1 > /dev/null
"$W" "$B/fukuhon.conf" setup
ls -l "$B/db/fukuhon.db" | awk -v t=$(($(date +%s) - t0)) -v n="$N" \
	'{printf "store: %d registers, %.0f MB (made in %d s)\n", n, $5 / 1048576, t}'
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
verdict() { awk -v s="$1" -v t="$2" -v n="$N" 'BEGIN { if (n >= 1000000) printf "  [%s: %d s]", s <= t ? "PASS" : "MISS", t }'; }

# The backup, with a console working throughout (its standard input closes when it ends).
mkfifo "$B/stop" "$B/stop2"
"$W" "$B/fukuhon.conf" read < "$B/stop" > "$B/wait.out" 2> "$B/wait.err" &
wpid=$!
exec 3> "$B/stop"
sleep 1
a=$(date +%s%N)
/usr/bin/time -f '%M' -o "$B/rss" "$C" backup "$B/bk" > /dev/null
b=$(date +%s%N)
sleep 1
exec 3>&-
wait "$wpid" || true
wpid=
printf 'backup:  %s s, peak RSS %.1f MB%s\n' "$(secs "$a" "$b")" "$(awk '{print $1 / 1024}' "$B/rss")" "$(verdict "$(secs "$a" "$b")" 15)"
sed 's/^console during the import/console during the backup (from 1 s before to 1 s after)/' "$B/wait.out"
[ -s "$B/wait.err" ] && sed 's/^/  /' "$B/wait.err" | sort | uniq -c | head -5

# For comparison (the brief's other candidate): VACUUM INTO by the sqlite3 shell, under the same
# console. Not what fukuhonctl uses; no manifest, no state.
if command -v sqlite3 > /dev/null && [ -n "${BENCH_BACKUP_VACUUM:-}" ]; then
	"$W" "$B/fukuhon.conf" read < "$B/stop2" > "$B/wait2.out" 2> "$B/wait2.err" &
	wpid=$!
	exec 4> "$B/stop2"
	sleep 1
	a=$(date +%s%N)
	sqlite3 "$B/db/fukuhon.db" "VACUUM INTO '$B/vacuum.db'"
	b=$(date +%s%N)
	sleep 1
	exec 4>&-
	wait "$wpid" || true
	wpid=
	printf 'VACUUM INTO (comparison only): %s s\n' "$(secs "$a" "$b")"
	sed 's/^console during the import/console during VACUUM INTO/' "$B/wait2.out"
fi

a=$(date +%s%N)
"$C" backup verify "$B/bk" > "$B/verify.out"
b=$(date +%s%N)
printf 'verify:  %s s%s\n' "$(secs "$a" "$b")" "$(verdict "$(secs "$a" "$b")" 60)"
a=$(date +%s%N)
"$C" restore "$B/bk" > "$B/restore.out"
b=$(date +%s%N)
printf 'restore: %s s (verify of the backup, swap, record, full verify of the result)%s\n' \
	"$(secs "$a" "$b")" "$(verdict "$(secs "$a" "$b")" 60)"
