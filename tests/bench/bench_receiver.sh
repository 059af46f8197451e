#!/bin/sh
# Benchmark of immediate delivery (issue 10; R-REALTIME, R-MUTUAL): a fresh test terminal
# with the test PKI (as tests/receiver.sh), fukuhon-receiver on loopback, a first full
# package, then BENCH_RECEIVER_PACKAGES (default 1000) immediate single-register packages
# with distinct refs posted by tests/fkpost over TLS 1.3 with the municipality's certificate,
# on one kept-alive connection per sender; prints the rate, p50, p99 and max over all
# packages, the CPU time per package of the receiver (all its processes, from /proc) and of
# the senders (their own getrusage), and the load average before and after (the machine is
# shared: a rate means little without it). `make bench-receiver`.
# Target (issue 10): >= 200 packages/s, p99 <= 50 ms.
#   --key-bits N   every key of the test PKI RSA of N bits (3072: the production size; the
#                  receiving key decrypts each package and signs each receipt with it);
#                  without it P-256 for the CA and municipalities, RSA 2048 for the receiver.
#   --ec           the receiving key EC P-256 too (FK_PKI_RECEIVER=ec in tests/pki.sh): ECDH key
#                  agreement for each CMS object, ECDSA for the receipt, ECDSA in TLS.
#   --senders N    N municipalities (千代田区, 中央区, 港区 …; at most 8) deliver at once, each
#                  its share of the packages in sequence on its own connection, as a bureau's
#                  municipalities do (default 1).
#   --workers N    receiver_workers = N: the receiver's worker processes (default 1).
set -eu
SENDERS=1 WORKERS=1
while [ $# -gt 0 ]; do
	case $1 in
	--key-bits) export FK_PKI_RSA_BITS="$2"; shift 2 ;;
	--ec) export FK_PKI_RECEIVER=ec; shift ;;
	--senders) SENDERS=$2; shift 2 ;;
	--workers) WORKERS=$2; shift 2 ;;
	*) echo "usage: $0 [--key-bits N | --ec] [--senders N] [--workers N]" >&2; exit 2 ;;
	esac
done
# Municipalities of 東京法務局 with their check digits (TOOLCHAIN.md).
MUNIS=$(echo 131016 131024 131032 131041 131059 131067 131075 131083 | cut -d' ' -f1-"$SENDERS")
[ "$(echo $MUNIS | wc -w)" = "$SENDERS" ] || { echo "--senders: 1 to 8" >&2; exit 2; }
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
BENCH_MUNIS=$MUNIS
bench_terminal bench-receiver "receiver_listen = 127.0.0.1:$PORT" "receiver_timeout = 30s" "receiver_workers = $WORKERS"

pkg() { # municipality name sequence [fkpkg options]
	m=$1 name=$2 seq=$3
	shift 3
	"$FKPKG" -o "$B/p/$name.pkg" --quiet --signer-key "$P/muni-$m.key" \
		--signer-cert "$P/muni-$m.crt" --to "$P/receiver.crt" --municipality "$m" \
		--sequence "$seq" "$@"
}
# The CPU time (ms) of the receiver's processes: the supervisor and its workers.
cpu_ms() {
	pids="$rpid $(cat "/proc/$rpid/task/$rpid/children" 2> /dev/null || true)"
	# shellcheck disable=SC2086
	for p in $pids; do cat "/proc/$p/stat"; done |
		awk -v hz="$(getconf CLK_TCK)" '{ t += $14 + $15 } END { printf "%d", t * 1000 / hz }'
}
echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "keys: receiver $(openssl pkey -in "$P/receiver.key" -text_pub -noout | head -1 | tr -s ' '), municipality $(openssl pkey -in "$P/muni-131016.key" -text_pub -noout | head -1 | tr -s ' ')"
mkdir "$B/p"
EACH=$((N / SENDERS))
N=$((EACH * SENDERS))
t0=$(date +%s)
k=0
for m in $MUNIS; do
	pkg "$m" "$m-s1" 1 --kind full --registers 1 --seed 1
	for s in $(seq 2 $((EACH + 1))); do
		k=$((k + 1))
		pkg "$m" "$m-s$s" "$s" --kind immediate --registers 1 --seed "$k" --first-ref "$((s + 1000))"
	done
done
echo "made $N immediate single-register packages for $SENDERS municipalities in $(($(date +%s) - t0)) s"

"$RECV" > "$B/recv.log" 2>&1 &
rpid=$!
for i in $(seq 100); do grep -q "listening" "$B/recv.log" && break; sleep 0.1; done
grep -q "listening" "$B/recv.log" || { cat "$B/recv.log" >&2; exit 1; }
post() { # municipality FILE...
	m=$1
	shift
	"$FKPOST" --port "$PORT" --ca "$P/ca.crt" --cert "$P/muni-$m.crt" --key "$P/muni-$m.key" "$@"
}
for m in $MUNIS; do
	post "$m" "$B/p/$m-s1.pkg" > "$B/first.out"
	grep -q " 200 " "$B/first.out" || { cat "$B/first.out" "$B/recv.log" >&2; exit 1; }
done
# BENCH_RECEIVER_ATTACH='COMMAND...': a profiler attached to the receiver while the packages
# go in, its process id appended ('perf record -g -o FILE -p', 'strace -c -f -o FILE -p').
ppid=
if [ -n "${BENCH_RECEIVER_ATTACH:-}" ]; then
	# shellcheck disable=SC2086
	$BENCH_RECEIVER_ATTACH "$rpid" 2> "$B/attach.log" &
	ppid=$!
	sleep 1
fi
echo "load before: $(uptime | sed 's/.*load average: //')"
c0=$(cpu_ms)
w0=$(date +%s%N)
spids=
for m in $MUNIS; do
	files=$(for s in $(seq 2 $((EACH + 1))); do printf '%s ' "$B/p/$m-s$s.pkg"; done)
	# shellcheck disable=SC2086
	post "$m" $files > "$B/post-$m.out" &
	spids="$spids $!"
done
# shellcheck disable=SC2086
wait $spids || true
w1=$(date +%s%N)
c1=$(cpu_ms)
echo "load after:  $(uptime | sed 's/.*load average: //')"
cat "$B"/post-*.out > "$B/post.out"
ok=$(grep -c "\.pkg 200 " "$B/post.out" || true)
[ "$ok" = "$N" ] || { echo "only $ok of $N packages got 200:" >&2; grep -v "\.pkg 200 " "$B/post.out" | head -5 >&2; exit 1; }
[ -n "$ppid" ] && kill -INT "$ppid" && wait "$ppid" || true
if [ "$SENDERS" = 1 ]; then
	echo "$N immediate packages on one connection: $(tail -1 "$B/post.out")"
fi
grep "\.pkg 200 " "$B/post.out" | awk '{ print $4 }' | sort -n > "$B/lat"
sender_cpu=$(grep "^requests" "$B/post.out" | awk '{ t += $NF == "ms" ? $(NF - 1) : 0 } END { printf "%d", t }')
awk -v n="$N" -v s="$SENDERS" -v w="$WORKERS" -v ns=$((w1 - w0)) -v rc=$((c1 - c0)) -v sc="$sender_cpu" '
	{ l[NR] = $1 }
	END {
		printf "%d packages, %d senders, %d workers: %.1f/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms; ", \
			n, s, w, n / (ns / 1e9), l[int((NR + 1) / 2)], l[int(NR * 0.99 + 0.999)], l[NR]
		printf "CPU per package: receiver %.2f ms, senders %.2f ms\n", rc / n, sc / n
	}' "$B/lat"
"$C" status | grep "registers" || true
kill -TERM "$rpid"
wait "$rpid" || true
rpid=
# BENCH_RECEIVER_LOG=FILE: the receiver's own lines kept there.
[ -z "${BENCH_RECEIVER_LOG:-}" ] || cp "$B/recv.log" "$BENCH_RECEIVER_LOG"
