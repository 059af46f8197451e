#!/bin/sh
# make bench-sql: tests/bench/bench_sql on SQLite, then on a throwaway PostgreSQL 15 cluster
# over loopback TLS 1.3 (tests/pg/cluster.sh; issue 14). Also times the cluster's start.
set -u
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$top_srcdir}
bench="$top_builddir/tests/bench/bench_sql"
cluster="$top_srcdir/tests/pg/cluster.sh"
env -u FK_PG_CONNINFO "$bench" || exit 1
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 1
trap 'sh "$cluster" stop "$PGD"; rm -rf "$PGD"' EXIT
t0=$(date +%s%N)
sh "$cluster" start "$PGD" || exit $?
echo "cluster (test CA, certificates, initdb, start): $(( ($(date +%s%N) - t0) / 1000000 )) ms"
. "$PGD/env"
"$bench"
