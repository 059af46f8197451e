#!/bin/sh
# Export benchmark (issue 12, R-PRINT): on a test terminal whose demo registers all belong to
# one municipality (a 支局 is given 千代田区 alone and demo-data fills that office), an approved
# export of 1,000 and then of 10,000 registers (BENCH_EXPORT_SIZES) as one package each, through
# fukuhonctl as an operator would run it, signed with the terminal's receiving key (RSA 2048,
# the test PKI of tests/pki.sh) and encrypted to another certificate. For each: the job's own
# time (the decision, every register read at its version, the chunks sealed as they fill, the
# package written, fsynced, recorded, linked), the command's wall time, its peak RSS, the
# chunks and the package's size; then the package is opened as the recipient would (every
# chunk). Target (issue 12): 10,000 registers ≤ 10 s, RSS ≤ 64 MB.
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export FK_TOP_SRCDIR="$top_srcdir" FK_TOP_BUILDDIR="${FK_TOP_BUILDDIR:-$(pwd)}"
# the tests' private terminal in $T (tests/lib.sh), removed at the end
. "$top_srcdir/tests/lib.sh"
set -e
export LC_ALL=C # fukuhonctl's own lines in English, which the script reads
SIZES=${BENCH_EXPORT_SIZES:-1000 10000}
MAX=0
for n in $SIZES; do [ "$n" -gt "$MAX" ] && MAX=$n; done
B=$T
C=$FUKUHONCTL
P=$B/pki
FKPKG="$FK_TOP_BUILDDIR/tests/fkpkg"
make_config ""
q() { "$@" > "$B/out" 2> "$B/err" || { cat "$B/err" >&2; exit 1; }; }
sh "$top_srcdir/tests/pki.sh" "$P" > /dev/null 2>&1
q "$C" init --admin admin --bureau 東京法務局 --mode test
q "$C" jurisdiction office add 千代田支局 --parent 東京法務局 --reason bench
q "$C" jurisdiction assign 131016 --office 千代田支局 --reason bench
q "$C" operator add tanaka --role operator --bureau 千代田支局
q "$C" operator add sato --role supervisor --bureau 千代田支局
q "$C" cert request --out "$B/recv.csr"
openssl x509 -req -in "$B/recv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$B/recv.crt" > /dev/null 2>&1
q "$C" cert install "$B/recv.crt"
t0=$(date +%s%N)
q "$C" demo-data --registers "$MAX" --seed 12 --bureau 千代田支局
t1=$(date +%s%N)
q "$C" grant tanaka --all --kind koseki,joseki --rights view,export --reason bench
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ); store: $MAX demo registers of 131016 ($(((t1 - t0) / 1000000)) ms)"
for N in $SIZES; do
	ids=$(sqlite3 "$B/db/fukuhon.db" "SELECT group_concat(id, ',') FROM (SELECT id FROM register WHERE municipality = '131016' ORDER BY id LIMIT $N)")
	FUKUHON_TEST_ACTOR=tanaka q "$C" request export --register "$ids" --reason bench
	id=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$B/out")
	FUKUHON_TEST_ACTOR=sato q "$C" approve "$id" --reason bench
	t0=$(date +%s%N)
	FUKUHON_TEST_ACTOR=tanaka q /usr/bin/time -f "rss %M" "$C" export "$id" --to "$P/receiver2.crt" --out "$B/export-$N.fkpkg" --json
	t1=$(date +%s%N)
	ms=$(sed -n 's/.*"ms": \([0-9]*\).*/\1/p' "$B/out")
	regs=$(sed -n 's/.*"registers": \([0-9]*\).*/\1/p' "$B/out")
	chunks=$(sed -n 's/.*"chunks": \([0-9]*\).*/\1/p' "$B/out")
	rss=$(sed -n 's/^rss \([0-9]*\)/\1/p' "$B/err")
	size=$(stat -c %s "$B/export-$N.fkpkg")
	echo "export of $regs registers: job $ms ms, command $(((t1 - t0) / 1000000)) ms, peak RSS $((rss / 1024)) MB, $chunks chunk(s), $((size / 1024)) kB"
	q /usr/bin/time -f "rss %M" "$FKPKG" open --export --key "$P/receiver2.key" --cert "$P/receiver2.crt" \
		--ca "$P/ca.crt" --crl "$P/ca.crl" "$B/export-$N.fkpkg"
	echo "  opened by the recipient: $(cat "$B/out") (peak RSS $(($(sed -n 's/^rss \([0-9]*\)/\1/p' "$B/err") / 1024)) MB)"
done
