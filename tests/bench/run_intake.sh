#!/bin/sh
# Benchmark of the import engine (issue 10): a fresh test terminal, then bench_intake with
# BENCH_INTAKE_REGISTERS registers (default 100,000) in a full package of 1,000-register
# chunks, and deltas amending 1,000 and 10,000 of them. `make bench-intake`.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_INTAKE_REGISTERS:-100000}
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-intake.XXXXXX")
trap 'rm -rf "$B"' EXIT
cat > "$B/fukuhon.conf" <<CONF
database = fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = bench-intake
bureau = 東京法務局
CONF
export FUKUHON_TEST_ACTOR=admin
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
"$top_builddir/fukuhonctl" --config "$B/fukuhon.conf" init --admin admin --bureau 東京法務局 --mode test > /dev/null
"$top_builddir/tests/bench/bench_intake" "$B/fukuhon.conf" "$N"
ls -l "$B/fukuhon.db" | awk '{printf "database size: %.0f MB\n", $5 / 1048576}'
