#!/bin/sh
# Benchmark of issue 12's target for a whole municipality's disposal: BENCH_DISPOSE_REGISTERS
# registers (default 100,000; `make bench-dispose-muni-quick`: 10,000) of 131016 loaded by an
# import of one package (tests/fkpkg), a few thousand demo registers spread over the bureau's
# other municipalities, then tests/bench/bench_dispose_muni asks, approves and carries out the
# disposal of 131016 while its forked console pages through 131024. Prints the disposal's time,
# batches, peak RSS and the console's worst wait for the lock. `make bench-dispose-muni`.
# BENCH_RETURN=1: the return of 131016's data to it instead of its disposal, measured the same
# way (`make bench-return`, `make bench-return-quick`).
# BENCH_RETURN=2: the return, then the disposal after it (BENCH_RETURN_DISPOSE), measured together.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_DISPOSE_REGISTERS:-100000}
C="$top_builddir/fukuhonctl"
FKPKG="$top_builddir/tests/fkpkg"
D="$top_builddir/tests/bench/bench_dispose_muni"
for x in "$C" "$FKPKG" "$D"; do
	[ -x "$x" ] || { echo "$x is not built" >&2; exit 1; }
done
umask 022
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-dispose.XXXXXX")
trap 'rm -rf "$B"' EXIT
. "$top_srcdir/tests/bench/terminal.sh"
bench_terminal bench-dispose-muni
echo "machine: $(nproc) cores, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
t0=$(date +%s)
"$FKPKG" -o "$B/full.pkg" --quiet --signer-key "$P/muni-131016.key" \
	--signer-cert "$P/muni-131016.crt" --to "$P/receiver.crt" --municipality 131016 \
	--sequence 1 --kind full --registers "$N" --threads 2 --chunk-records 520
"$C" import "$B/full.pkg" --receipt-dir "$B" > /dev/null
"$C" demo-data --registers 3000 --seed 5 > /dev/null
echo "setup: $N registers of 131016 imported, 3,000 demo registers over the bureau ($(($(date +%s) - t0)) s)"
[ "${BENCH_RETURN:-0}" != 2 ] || export BENCH_RETURN_DISPOSE=1
if [ "${BENCH_RETURN:-0}" != 0 ]; then
	# the municipality's own certificate for encryption, under the test CA (as tests/return.sh)
	openssl req -new -newkey rsa:2048 -nodes -keyout "$B/muni.key" \
		-subj "/O=fukuhon test/serialNumber=131016/CN=municipality 131016" -out "$B/muni.csr" > /dev/null 2>&1
	openssl x509 -req -in "$B/muni.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
		-extfile "$P/ca.cnf" -extensions leaf_recv -out "$B/muni.crt" > /dev/null 2>&1
	mkdir -m 0700 "$B/out"
	"$D" "$B/fukuhon.conf" return "$B/muni.crt" "$B/out/return.fkpkg"
else
	"$D" "$B/fukuhon.conf"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$C" audit verify > /dev/null && echo "audit verify: ok"
ls -l "$B/db/fukuhon.db" | awk '{printf "database size: %.0f MB\n", $5 / 1048576}'
