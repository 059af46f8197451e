#!/bin/sh
# Print benchmark (issue 12, R-PRINT): on a test terminal with BENCH_PRINT_REGISTERS demo
# registers (default 100), an approved print of one register and one of all of them, through
# fukuhonctl as an operator would run it. Prints the job's own time (decision, every PDF
# rendered in IPAmj明朝, written, fsynced, recorded, renamed; the write lock held throughout),
# the command's wall time (with the process start and fontconfig's first load), and the PDFs'
# sizes. Targets: one register ≤ 200 ms, 100 registers ≤ 10 s.
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export FK_TOP_SRCDIR="$top_srcdir" FK_TOP_BUILDDIR="${FK_TOP_BUILDDIR:-$(pwd)}"
# the tests' private terminal in $T (tests/lib.sh), removed at the end
. "$top_srcdir/tests/lib.sh"
set -e
export LC_ALL=C # fukuhonctl's own lines in English, which the script reads
N=${BENCH_PRINT_REGISTERS:-100}
B=$T
C=$FUKUHONCTL
make_config "print_spool = spool"
mkdir -m 700 "$B/spool"
q() { "$@" > "$B/out" 2> "$B/err" || { cat "$B/err" >&2; exit 1; }; }
q "$C" init --admin admin --bureau 東京法務局 --mode test
q "$C" operator add tanaka --role operator --bureau 東京法務局
q "$C" operator add sato --role supervisor --bureau 東京法務局
q "$C" demo-data --registers "$N" --seed 12
q "$C" grant tanaka --all --kind koseki,joseki --rights view,print --reason bench
ids=$(sqlite3 "$B/db/fukuhon.db" "SELECT group_concat(id, ',') FROM (SELECT id FROM register ORDER BY id)")
first=${ids%%,*}
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
run() { # run NAME IDS
	FUKUHON_TEST_ACTOR=tanaka q "$C" request print --register "$2" --reason bench
	id=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$B/out")
	FUKUHON_TEST_ACTOR=sato q "$C" approve "$id" --reason bench
	t0=$(date +%s%N)
	FUKUHON_TEST_ACTOR=tanaka q "$C" print "$id" --json
	t1=$(date +%s%N)
	ms=$(sed -n 's/.*"ms": \([0-9]*\).*/\1/p' "$B/out")
	n=$(grep -c '"number"' "$B/out" || true)
	[ "$n" -gt 0 ] || n=$(grep -o '"number"' "$B/out" | wc -l)
	pages=$(grep -o '"pages": [0-9]*' "$B/out" | awk '{s += $2} END {print s}')
	echo "$1: $n PDF(s), $pages pages: job $ms ms ($((ms / n)) ms per register), command $(((t1 - t0) / 1000000)) ms"
}
run "one register" "$first"
run "$N registers" "$ids"
du -sk "$B/spool" | awk '{printf "spool: %d kB\n", $1}'
