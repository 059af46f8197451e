#!/bin/sh
# Benchmark of immediate delivery (issue 10; R-REALTIME, R-MUTUAL): a fresh test terminal
# with the test PKI (as tests/receiver.sh), fukuhon-receiver on loopback, a first full
# package, then BENCH_RECEIVER_PACKAGES (default 1000) immediate single-register packages
# with distinct refs posted by tests/fkpost over TLS 1.3 with the municipality's certificate,
# on one kept-alive connection; prints the rate, p50, p99 and max. `make bench-receiver`.
# Target (issue 10): >= 200 packages/s, p99 <= 50 ms.
#   --key-bits N   every key of the test PKI RSA of N bits (3072: the production size; the
#                  receiving key decrypts each package and signs each receipt with it);
#                  without it P-256 for the CA and municipalities, RSA 2048 for the receiver.
set -eu
while [ $# -gt 0 ]; do
	case $1 in
	--key-bits) export FK_PKI_RSA_BITS="$2"; shift 2 ;;
	*) echo "usage: $0 [--key-bits N]" >&2; exit 2 ;;
	esac
done
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
N=${BENCH_RECEIVER_PACKAGES:-1000}
C="$top_builddir/fukuhonctl"
FKPKG="$top_builddir/tests/fkpkg"
FKPOST="$top_builddir/tests/fkpost"
RECV="$top_builddir/fukuhon-receiver"
for x in "$C" "$FKPKG" "$FKPOST" "$RECV"; do
	[ -x "$x" ] || { echo "$x is not built" >&2; exit 1; }
done
umask 022
B=$(mktemp -d "${TMPDIR:-/tmp}/fkbench-recv.XXXXXX")
rpid=
trap '[ -n "$rpid" ] && kill "$rpid" 2> /dev/null; rm -rf "$B"' EXIT
PORT=$((20000 + $$ % 20000))
. "$top_srcdir/tests/bench/terminal.sh"
bench_terminal bench-receiver "receiver_listen = 127.0.0.1:$PORT" "receiver_timeout = 30s"

pkg() { # name sequence [fkpkg options]
	name=$1 seq=$2
	shift 2
	"$FKPKG" -o "$B/p/$name.pkg" --quiet --signer-key "$P/muni-131016.key" \
		--signer-cert "$P/muni-131016.crt" --to "$P/receiver.crt" --municipality 131016 \
		--sequence "$seq" "$@"
}
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "keys: receiver $(openssl pkey -in "$P/receiver.key" -text_pub -noout | head -1 | tr -s ' '), municipality $(openssl pkey -in "$P/muni-131016.key" -text_pub -noout | head -1 | tr -s ' ')"
mkdir "$B/p"
pkg s1 1 --kind full --registers 1 --seed 1
t0=$(date +%s)
for s in $(seq 2 $((N + 1))); do
	pkg "s$s" "$s" --kind immediate --registers 1 --seed "$s" --first-ref "$((s + 1000))"
done
echo "made $N immediate single-register packages in $(($(date +%s) - t0)) s"

"$RECV" > "$B/recv.log" 2>&1 &
rpid=$!
for i in $(seq 100); do grep -q "listening" "$B/recv.log" && break; sleep 0.1; done
grep -q "listening" "$B/recv.log" || { cat "$B/recv.log" >&2; exit 1; }
post() {
	"$FKPOST" --port "$PORT" --ca "$P/ca.crt" --cert "$P/muni-131016.crt" \
		--key "$P/muni-131016.key" "$@"
}
post "$B/p/s1.pkg" > "$B/first.out"
grep -q " 200 " "$B/first.out" || { cat "$B/first.out" "$B/recv.log" >&2; exit 1; }
# BENCH_RECEIVER_ATTACH='COMMAND...': a profiler attached to the receiver while the packages
# go in, its process id appended ('perf record -g -o FILE -p', 'strace -c -f -o FILE -p').
ppid=
if [ -n "${BENCH_RECEIVER_ATTACH:-}" ]; then
	# shellcheck disable=SC2086
	$BENCH_RECEIVER_ATTACH "$rpid" 2> "$B/attach.log" &
	ppid=$!
	sleep 1
fi
files=$(for s in $(seq 2 $((N + 1))); do printf '%s ' "$B/p/s$s.pkg"; done)
# shellcheck disable=SC2086
post $files > "$B/post.out"
ok=$(grep -c "\.pkg 200 " "$B/post.out" || true)
[ "$ok" = "$N" ] || { echo "only $ok of $N packages got 200:" >&2; grep -v "\.pkg 200 " "$B/post.out" | head -5 >&2; exit 1; }
[ -n "$ppid" ] && kill -INT "$ppid" && wait "$ppid" || true
echo "$N immediate packages on one connection: $(tail -1 "$B/post.out")"
"$C" status | grep "registers" || true
kill -TERM "$rpid"
wait "$rpid" || true
rpid=
# BENCH_RECEIVER_LOG=FILE: the receiver's own lines kept there.
[ -z "${BENCH_RECEIVER_LOG:-}" ] || cp "$B/recv.log" "$BENCH_RECEIVER_LOG"
