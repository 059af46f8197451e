#!/bin/sh
# Benchmarks (issue targets), each printing its figures against its targets (PASS/MISS):
#  1. the history: one durable record, then verification of BENCH_AUDIT_RECORDS (default
#     1,000,000) records with the row cross-check, on a terminal of its own;
#  2. demo-data of BENCH_REGISTERS registers (default 1,000,000), open+decrypt and lookups;
#  3. permissions: 10,000 grants made on that terminal, fk_authorize and permitted searches;
#  4. every console screen's data, bare and through the gate, with the grants in place;
#  5. the console's keystroke-to-redraw time and RSS (in tmux), when tmux is there.
# BENCH_DIR=DIR keeps both terminals in DIR and reuses them (generating 1,000,000 registers
# takes a minute or two); BENCH_ROUNDS sets the screens' rounds (default 200).
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_REGISTERS:-1000000}
B=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fkbench.XXXXXX")}
A=$B/audit
mkdir -p "$A"
cat > "$B/fukuhon.conf" <<CONF
database = fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench
bureau = 東京法務局
CONF
sed 's/^terminal_id = bench/terminal_id = bench-audit/' "$B/fukuhon.conf" > "$A/fukuhon.conf"
# Bench terminals are test terminals: fukuhonctl acts as their first administrator without
# a PAM sign-in (R-TEST-ENV).
INIT="--admin admin --bureau 東京法務局 --mode test"
export FUKUHON_TEST_ACTOR=admin
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== the history"
[ -f "$A/fukuhon.db" ] || "$top_builddir/fukuhonctl" --config "$A/fukuhon.conf" init $INIT > /dev/null
"$top_builddir/tests/bench/bench_audit" "$A/fukuhon.conf" "$A/audit-initial-key" "${BENCH_AUDIT_RECORDS:-1000000}"
echo "== the store"
if [ ! -f "$B/fukuhon.db" ]; then
	"$top_builddir/fukuhonctl" --config "$B/fukuhon.conf" init $INIT > /dev/null
	"$top_builddir/tests/bench/bench_store" "$B/fukuhon.conf" gen "$N"
fi
ls -l "$B/fukuhon.db" | awk '{printf "database size: %.0f MB\n", $5 / 1048576}'
"$top_builddir/tests/bench/bench_store" "$B/fukuhon.conf" lookup 1000
echo "== permissions"
"$top_builddir/tests/bench/bench_authz" "$B/fukuhon.conf" "${BENCH_AUTHZ_ROUNDS:-1000}"
echo "== console screens (data from the core)"
"$top_builddir/tests/bench/bench_screens" "$B/fukuhon.conf" "${BENCH_ROUNDS:-200}"
if command -v tmux > /dev/null; then
	echo "== the console"
	FK_TOP_BUILDDIR="$top_builddir" sh "$top_srcdir/tests/bench/bench_tui.sh" "$B/fukuhon.conf"
fi
[ -n "${BENCH_DIR:-}" ] || rm -rf "$B"
