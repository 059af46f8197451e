#!/bin/sh
# Package benchmark (issue 10): tests/fkpkg writes a signed, encrypted package of
# BENCH_PKG_REGISTERS registers (default 100,000), then opens it as the import does — the
# manifest decrypted and verified, every chunk decrypted and hash-checked, split into lines —
# printing the rates in MB/s of plaintext and the opener's peak RSS. BENCH_PKG_GEN_ONLY=1
# stops after generating (the 1,000,000-register figure: BENCH_PKG_REGISTERS=1000000).
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_PKG_REGISTERS:-100000}
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbenchpkg.XXXXXX")
trap 'rm -rf "$B"' EXIT
export FK_TOP_SRCDIR="$top_srcdir"
FKPKG="$top_builddir/tests/fkpkg"
sh "$top_srcdir/tests/pki.sh" "$B/pki" 131016
P=$B/pki
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "generating $N registers (${BENCH_PKG_THREADS:-2} threads):"
"$FKPKG" -o "$B/bench.pkg" --signer-key "$P/muni-131016.key" --signer-cert "$P/muni-131016.crt" \
	--to "$P/receiver.crt" --municipality 131016 --registers "$N" \
	--threads "${BENCH_PKG_THREADS:-2}"
ls -l "$B/bench.pkg" | awk '{printf "package: %.1f MB\n", $5 / 1e6}'
[ "${BENCH_PKG_GEN_ONLY:-0}" = 1 ] && exit 0
echo "opening it (manifest verified, every chunk decrypted, hash-checked, split into lines):"
"$FKPKG" open --key "$P/receiver.key" --cert "$P/receiver.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" "$B/bench.pkg"
