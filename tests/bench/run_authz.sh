#!/bin/sh
# Permissions benchmark (issue targets): a demo store of BENCH_AUTHZ_REGISTERS registers
# (default 100,000), 10,000 grants, then fk_authorize and permitted-search medians.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_AUTHZ_REGISTERS:-100000}
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-authz.XXXXXX")
trap 'rm -rf "$B"' EXIT
cat > "$B/fukuhon.conf" <<CONF
database = fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench
bureau = 東京法務局
CONF
"$top_builddir/fukuhonctl" --config "$B/fukuhon.conf" init > /dev/null
"$top_builddir/tests/bench/bench_store" "$B/fukuhon.conf" gen "$N"
"$top_builddir/tests/bench/bench_authz" "$B/fukuhon.conf" "${BENCH_AUTHZ_ROUNDS:-1000}"
