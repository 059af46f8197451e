#!/bin/sh
# Permissions benchmark alone (`make bench` runs it within run.sh, on the 1,000,000-register
# terminal): a demo store of BENCH_AUTHZ_REGISTERS registers (default 100,000) on a terminal of
# its own, 10,000 grants, then fk_authorize and permitted-search medians against the targets.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-authz.XXXXXX")
trap 'rm -rf "$B"' EXIT
cat > "$B/fukuhon.conf" <<CONF
database = fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench-authz
bureau = 東京法務局
CONF
export FUKUHON_TEST_ACTOR=admin
"$top_builddir/fukuhonctl" --config "$B/fukuhon.conf" init --admin admin --bureau 東京法務局 --mode test > /dev/null
"$top_builddir/tests/bench/bench_store" "$B/fukuhon.conf" gen "${BENCH_AUTHZ_REGISTERS:-100000}" 2> /dev/null
"$top_builddir/tests/bench/bench_authz" "$B/fukuhon.conf" "${BENCH_AUTHZ_ROUNDS:-1000}"
