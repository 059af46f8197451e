#!/bin/sh
# Export benchmark (issue 12, R-PRINT): on a test terminal with demo registers, an approved
# export of BENCH_EXPORT_REGISTERS registers of one municipality (default 1000: the most one
# request may name today, FK_REQ_ITEMS_MAX and approval_request's CHECK) through fukuhonctl
# as an operator would run it, signed with the terminal's receiving key (RSA 2048, the test
# PKI of tests/pki.sh) and encrypted to another certificate. Prints the job's own time (the
# decision, every register read at its version, the package written, fsynced, recorded,
# linked), the command's wall time, its peak RSS and the package's size. Target (issue 12):
# 10,000 registers ≤ 10 s, RSS ≤ 64 MB.
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export FK_TOP_SRCDIR="$top_srcdir" FK_TOP_BUILDDIR="${FK_TOP_BUILDDIR:-$(pwd)}"
# the tests' private terminal in $T (tests/lib.sh), removed at the end
. "$top_srcdir/tests/lib.sh"
set -e
export LC_ALL=C # fukuhonctl's own lines in English, which the script reads
N=${BENCH_EXPORT_REGISTERS:-1000}
DEMO=${BENCH_EXPORT_DEMO:-$((N * 60))}
B=$T
C=$FUKUHONCTL
P=$B/pki
make_config ""
q() { "$@" > "$B/out" 2> "$B/err" || { cat "$B/err" >&2; exit 1; }; }
sh "$top_srcdir/tests/pki.sh" "$P" > /dev/null 2>&1
q "$C" init --admin admin --bureau 東京法務局 --mode test
q "$C" operator add tanaka --role operator --bureau 東京法務局
q "$C" operator add sato --role supervisor --bureau 東京法務局
q "$C" cert request --out "$B/recv.csr"
openssl x509 -req -in "$B/recv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$B/recv.crt" > /dev/null 2>&1
q "$C" cert install "$B/recv.crt"
t0=$(date +%s%N)
q "$C" demo-data --registers "$DEMO" --seed 12
t1=$(date +%s%N)
q "$C" grant tanaka --all --kind koseki,joseki --rights view,export --reason bench
muni=$(sqlite3 "$B/db/fukuhon.db" "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC LIMIT 1")
ids=$(sqlite3 "$B/db/fukuhon.db" "SELECT group_concat(id, ',') FROM (SELECT id FROM register WHERE municipality = '$muni' ORDER BY id LIMIT $N)")
n=$(echo "$ids" | tr ',' '\n' | wc -l)
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ); store: $DEMO demo registers ($(((t1 - t0) / 1000000)) ms)"
FUKUHON_TEST_ACTOR=tanaka q "$C" request export --register "$ids" --reason bench
id=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$B/out")
FUKUHON_TEST_ACTOR=sato q "$C" approve "$id" --reason bench
t0=$(date +%s%N)
FUKUHON_TEST_ACTOR=tanaka q /usr/bin/time -f "rss %M" "$C" export "$id" --to "$P/receiver2.crt" --out "$B/export.fkpkg" --json
t1=$(date +%s%N)
ms=$(sed -n 's/.*"ms": \([0-9]*\).*/\1/p' "$B/out")
chunks=$(sed -n 's/.*"chunks": \([0-9]*\).*/\1/p' "$B/out")
rss=$(sed -n 's/^rss \([0-9]*\)/\1/p' "$B/err")
size=$(stat -c %s "$B/export.fkpkg")
echo "export of $n registers of $muni: job $ms ms, command $(((t1 - t0) / 1000000)) ms, peak RSS $((rss / 1024)) MB, $chunks chunk(s), $((size / 1024)) kB"

# The issue's target is 10,000 registers as one package; a request names at most 1,000, so the
# same volume is measured as packages of the next largest municipalities, one after another,
# until BENCH_EXPORT_TOTAL registers (default 10,000) or the store runs out of them.
TOTAL=${BENCH_EXPORT_TOTAL:-10000}
done_n=$n; done_ms=$ms; max_rss=$rss; k=1
for m in $(sqlite3 "$B/db/fukuhon.db" "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC LIMIT 50 OFFSET 1"); do
	[ "$done_n" -lt "$TOTAL" ] || break
	ids=$(sqlite3 "$B/db/fukuhon.db" "SELECT group_concat(id, ',') FROM (SELECT id FROM register WHERE municipality = '$m' ORDER BY id LIMIT $N)")
	FUKUHON_TEST_ACTOR=tanaka q "$C" request export --register "$ids" --reason bench
	id=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$B/out")
	FUKUHON_TEST_ACTOR=sato q "$C" approve "$id" --reason bench
	FUKUHON_TEST_ACTOR=tanaka q /usr/bin/time -f "rss %M" "$C" export "$id" --to "$P/receiver2.crt" --out "$B/export-$m.fkpkg" --json
	done_n=$((done_n + $(sed -n 's/.*"registers": \([0-9]*\).*/\1/p' "$B/out")))
	done_ms=$((done_ms + $(sed -n 's/.*"ms": \([0-9]*\).*/\1/p' "$B/out")))
	r=$(sed -n 's/^rss \([0-9]*\)/\1/p' "$B/err")
	[ "$r" -gt "$max_rss" ] && max_rss=$r
	k=$((k + 1))
done
echo "$done_n registers in $k packages: jobs $done_ms ms in all, peak RSS at most $((max_rss / 1024)) MB"
