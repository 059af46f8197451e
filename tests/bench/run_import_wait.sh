#!/bin/sh
# Benchmark of issue 10's import targets: BENCH_IMPORT_REGISTERS registers (default 100,000;
# the target is 1,000,000) in one signed, encrypted full package (tests/fkpkg, 520 registers
# a chunk), imported by `fukuhonctl import` on a fresh test terminal while bench_import_wait
# plays a console (home screen, a 受付 page, a 本籍 page, each recorded through the gate, in a
# loop). Prints the import's wall time, CPU time (user + system: what other work on the
# shared machine does not distort) and peak RSS (getrusage of the child, through
# /usr/bin/time) and the console's worst and p99 wait for the write lock and screen time.
# The import's phases: the chunks staged (the new registers' search tags kept in their staged
# rows), the tags merged into the index in its order (core/intake/tagmerge.h), the lists
# written ahead (prepublish.h), publishing; the longest waits' times say which one held the
# lock.
# Targets: the import <= 120 s and <= 64 MB at 1,000,000; no wait over 200 ms.
# BENCH_IMPORT_CHUNK sets the package's records per chunk (default 520: about 1 MiB, the largest
# chunk the format allows, FK_PKG_CHUNK_MAX).
# BENCH_IMPORT_WRAP runs the import under a profiler (e.g. 'perf record -g -o FILE --'; the
# time and RSS are then the profiler's too). `make bench-import-wait`.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_IMPORT_REGISTERS:-100000}
C="$top_builddir/fukuhonctl"
FKPKG="$top_builddir/tests/fkpkg"
W="$top_builddir/tests/bench/bench_import_wait"
for x in "$C" "$FKPKG" "$W"; do
	[ -x "$x" ] || { echo "$x is not built" >&2; exit 1; }
done
umask 022
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-wait.XXXXXX")
wpid=
trap '[ -n "$wpid" ] && kill "$wpid" 2> /dev/null; rm -rf "$B"' EXIT
. "$top_srcdir/tests/bench/terminal.sh"
bench_terminal bench-import-wait
"$W" "$B/fukuhon.conf" setup
echo "machine: $(nproc) cores, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
t0=$(date +%s)
"$FKPKG" -o "$B/full.pkg" --quiet --signer-key "$P/muni-131016.key" \
	--signer-cert "$P/muni-131016.crt" --to "$P/receiver.crt" --municipality 131016 \
	--sequence 1 --kind full --registers "$N" --threads "${BENCH_PKG_THREADS:-2}" \
	--chunk-records "${BENCH_IMPORT_CHUNK:-520}"
ls -l "$B/full.pkg" | awk -v t=$(($(date +%s) - t0)) \
	'{printf "package: %d registers, %.1f MB, %d records a chunk (made in %d s)\n", '"$N"', $5 / 1e6, '"${BENCH_IMPORT_CHUNK:-520}"', t}'
# The console: its standard input is a FIFO held open until the import ends.
mkfifo "$B/stop"
"$W" "$B/fukuhon.conf" read < "$B/stop" > "$B/wait.out" 2> "$B/wait.err" &
wpid=$!
exec 3> "$B/stop"
sleep 1 # a few screens before the import begins
echo "the import began about 1 s after the console" > "$B/when"
rc=0
/usr/bin/time -f '%e %M %U %S' -o "$B/time" ${BENCH_IMPORT_WRAP:-} "$C" import "$B/full.pkg" --receipt-dir "$B" > "$B/import.out" 2>&1 || rc=$?
exec 3>&-
wait "$wpid" || true
wpid=
cat "$B/import.out"
read -r wall rss usr sys < "$B/time"
awk -v w="$wall" -v r="$rss" -v n="$N" -v u="$usr" -v y="$sys" 'BEGIN {
	printf "import: %d registers in %.1f s (%.0f registers/s; CPU %.1f s user + %.1f s sys), peak RSS %.1f MB", n, w, n / w, u, y, r / 1024
	if (n >= 1000000) printf "  [time %s: 120 s; RSS %s: 64 MB]", w <= 120 ? "PASS" : "MISS", r / 1024 <= 64 ? "PASS" : "MISS"
	printf "\n" }'
cat "$B/wait.out" "$B/when"
[ -s "$B/wait.err" ] && sed 's/^/  /' "$B/wait.err" | sort | uniq -c | head -5
ls -l "$B/db/fukuhon.db" | awk '{printf "database size: %.0f MB\n", $5 / 1048576}'
exit "$rc"
