#!/bin/sh
# `audit verify` at BENCH_VERIFY_RECORDS records (default 100,000) on SQLite (the mmap'd reader
# with its thread) and on PostgreSQL 15 over loopback TLS 1.3 (the statement layer), issue 14.
# A throwaway cluster (tests/pg/cluster.sh), stopped on exit. `make bench-verify`.
set -u
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$top_srcdir}
N=${BENCH_VERIFY_RECORDS:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/fkbv.XXXXXX") || exit 1
PGD=$W/pg
mkdir "$PGD" && chmod 755 "$W" "$PGD"
trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$W"' EXIT
export FUKUHON_TEST_ACTOR=admin
# term DIR DATABASE: a test terminal's configuration.
term() {
	mkdir -p "$1"
	printf 'database = %s\nkey_dir = keys\ndata_dir = %s/data\nterminal_id = bench-verify\nbureau = 東京法務局\n' \
		"$2" "$top_srcdir" > "$1/fukuhon.conf"
	(cd "$1" && "$top_builddir/fukuhonctl" --config "$1/fukuhon.conf" init --admin admin --bureau 東京法務局 --mode test > /dev/null) ||
		exit 1
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ); $N records"
echo "== SQLite"
term "$W/lite" "fukuhon.db"
(cd "$W/lite" && "$top_builddir/tests/bench/bench_verify" "$W/lite/fukuhon.conf" "$W/lite/audit-initial-key" "$N")
echo "== PostgreSQL 15, loopback TLS 1.3"
sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD" || exit $?
. "$PGD/env"
term "$W/pg1" "$FK_PG_CONNINFO"
(cd "$W/pg1" && "$top_builddir/tests/bench/bench_verify" "$W/pg1/fukuhon.conf" "$W/pg1/audit-initial-key" "$N")
