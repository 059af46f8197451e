#!/bin/sh
# The statement layer's tests (tests/test_sql) on PostgreSQL: a throwaway TLS cluster
# (tests/pg/cluster.sh), then the same cases as on SQLite and the link's faults: weaker
# connection strings refused, a server name that does not match, an expired and a revoked
# client certificate, a silent and a closed port, the connection killed in and out of a
# transaction, a schema error; then tests/test_sql_pg_internal, a pipelined run whose answers
# cannot be read to its end (issue 14; R-MUTUAL, R-INTRANSIT, R-BATCH-ATOMIC).
set -u
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$top_srcdir}
cluster="$top_srcdir/tests/pg/cluster.sh"
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$cluster" stop "$PGD"; rm -rf "$PGD"' EXIT
t0=$(date +%s%N)
sh "$cluster" start "$PGD"
rc=$?
[ $rc = 0 ] || exit $rc
echo "cluster started in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
. "$PGD/env"
timeout 300 "$top_builddir/tests/test_sql"
rc=$?
# the pipelines' unsure sessions, from the inside (tests/test_sql_pg_internal.c)
timeout 120 "$top_builddir/tests/test_sql_pg_internal"
rc2=$?
[ $rc = 0 ] || exit $rc
exit $rc2
