#!/bin/sh
# Store benchmarks (issue targets): demo-data of BENCH_REGISTERS registers (default 1,000,000),
# then open+decrypt and reading-prefix lookup medians, every console screen's data, and the
# console's keystroke-to-redraw time and RSS (in tmux) on the result. Before them, the history
# benchmark: one durable record, then verification of BENCH_AUDIT_RECORDS (default 1,000,000).
# Prints its figures. BENCH_DIR=DIR keeps (and reuses) the terminal.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_REGISTERS:-1000000}
B=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fkbench.XXXXXX")}
cat > "$B/fukuhon.conf" <<CONF
database = fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench
bureau = 東京法務局
CONF
# Bench terminals are test terminals: fukuhonctl acts as their first administrator without
# a PAM sign-in (R-TEST-ENV).
INIT="--admin admin --bureau 東京法務局 --mode test"
export FUKUHON_TEST_ACTOR=admin
A=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-audit.XXXXXX")
sed 's/^terminal_id = bench/terminal_id = bench-audit/' "$B/fukuhon.conf" > "$A/fukuhon.conf"
"$top_builddir/fukuhonctl" --config "$A/fukuhon.conf" init $INIT > /dev/null
"$top_builddir/tests/bench/bench_audit" "$A/fukuhon.conf" "$A/audit-initial-key" "${BENCH_AUDIT_RECORDS:-1000000}"
rm -rf "$A"
if [ ! -f "$B/fukuhon.db" ]; then
	"$top_builddir/fukuhonctl" --config "$B/fukuhon.conf" init $INIT > /dev/null
	"$top_builddir/tests/bench/bench_store" "$B/fukuhon.conf" gen "$N"
fi
ls -l "$B/fukuhon.db" | awk '{printf "database size: %.0f MB\n", $5 / 1048576}'
"$top_builddir/tests/bench/bench_store" "$B/fukuhon.conf" lookup 1000
echo "console screens (data from the core):"
"$top_builddir/tests/bench/bench_screens" "$B/fukuhon.conf"
if command -v tmux > /dev/null; then
	FK_TOP_BUILDDIR="$top_builddir" sh "$top_srcdir/tests/bench/bench_tui.sh" "$B/fukuhon.conf"
fi
[ -n "${BENCH_DIR:-}" ] || rm -rf "$B"
