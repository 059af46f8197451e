#!/bin/sh
# make bench-pg: the console screens and the sign-in's lockout decision on a PostgreSQL store of
# BENCH_REGISTERS registers (default 1,000,000) over loopback TLS 1.3 (issue 14). A throwaway
# cluster (tests/pg/cluster.sh, stopped on exit); the registers made by the core's demo-data
# generator on a SQLite bench terminal, with run.sh's 10,000 grants and the screens' operator,
# then copied into PostgreSQL with COPY (pg_from_lite.sh). Prints the build's time, the
# database's size (pg_database_size) and the machine's load beside each figure, and each
# screen's statements (round trips) per call. docs/storage.md has the figures measured.
# BENCH_DIR=DIR keeps the SQLite terminal in DIR and reuses it; BENCH_ROUNDS (default 200).
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
export FK_TOP_SRCDIR="$top_srcdir" FK_TOP_BUILDDIR="$top_builddir"
N=${BENCH_REGISTERS:-1000000}
B=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/fkbenchpg.XXXXXX")}
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX")
trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; [ -n "${BENCH_DIR:-}" ] || rm -rf "$B"' EXIT
load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg)"; }
export FUKUHON_TEST_ACTOR=admin
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ); $(load)"
mkdir -p "$B/lite"
if [ ! -f "$B/lite/fukuhon.db" ]; then
	cat > "$B/lite/fukuhon.conf" <<CONF
database = fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench
bureau = 東京法務局
CONF
	"$top_builddir/fukuhonctl" --config "$B/lite/fukuhon.conf" init --admin admin --bureau 東京法務局 --mode test > /dev/null
	t0=$(date +%s)
	"$top_builddir/tests/bench/bench_store" "$B/lite/fukuhon.conf" gen "$N"
	"$top_builddir/tests/bench/bench_authz" "$B/lite/fukuhon.conf" 10 > /dev/null
	"$top_builddir/tests/bench/bench_screens" "$B/lite/fukuhon.conf" 20 "(none: enrol the operator only)" > /dev/null
	echo "SQLite bench terminal of $N registers: $(($(date +%s) - t0)) s ($(load))"
fi
sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD"
. "$PGD/env"
echo "== the PostgreSQL store: $N registers copied with COPY ($(load))"
sh "$top_srcdir/tests/bench/pg_from_lite.sh" "$B/lite/fukuhon.conf" "$FK_PG_CONNINFO" "$B/pg" 2> /dev/null
echo "== console screens through the gate ($(load))"
"$top_builddir/tests/bench/bench_screens" "$B/pg/fukuhon.conf" "${BENCH_ROUNDS:-200}" ""
echo "($(load))"
echo "== sign-in's lockout decision ($(load))"
"$top_builddir/tests/bench/bench_lockout" "$B/pg/fukuhon.conf" 500
echo "($(load))"
