#!/bin/sh
# Permissions benchmark (issue targets): a demo store of BENCH_AUTHZ_REGISTERS registers
# (default 100,000, made by run.sh), 10,000 grants, then fk_authorize and permitted-search medians.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-authz.XXXXXX")
trap 'rm -rf "$B"' EXIT
BENCH_DIR=$B BENCH_REGISTERS=${BENCH_AUTHZ_REGISTERS:-100000} FK_TOP_SRCDIR=$top_srcdir \
	FK_TOP_BUILDDIR=$top_builddir sh "$top_srcdir/tests/bench/run.sh"
"$top_builddir/tests/bench/bench_authz" "$B/fukuhon.conf" "${BENCH_AUTHZ_ROUNDS:-1000}"
