#!/bin/sh
# fukuhon-receiver end to end on loopback (issue 10; R-REALTIME, R-MUTUAL, R-INTRANSIT,
# R-BATCH-PROTO): a client playing a municipality (tests/fkpost) delivers packages made by
# tests/fkpkg over TLS 1.3 with its certificate and gets signed receipts; a client that is not
# the signer, no client certificate, a revoked one, TLS 1.2, another path, a body too large are
# refused; SIGTERM stops it cleanly; the rate and latency of single-register packages printed;
# a slow sender that never finishes its handshake is closed receiver_timeout after it connected;
# past receiver_connections a connection is refused at once while the admitted ones complete,
# and no slot leaks; the same with two worker processes (receiver_workers), and a worker that
# dies stops the service. A municipality being returned, then disposed of, is refused
# (muni_returning, muni_disposed) with a signed receipt, as fukuhonctl import refuses it.
. "$(dirname "$0")/lib.sh"
receiver_tools
PORT=$((20000 + $$ % 20000))
make_config "receiver_listen = 127.0.0.1:$PORT
receiver_max_body = 65536
receiver_timeout = 5s"
C=$FUKUHONCTL
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" 131016 131024:revoked 131032 131041 > /dev/null 2>&1 || exit 99
$C init $TEST_INIT > /dev/null || exit 99
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 $C cert install "$P/receiver.crt" --key "$P/receiver.key"

verify() { # receipt json
	openssl cms -verify -inform DER -in "$1" -CAfile "$P/ca.crt" -purpose any -out "$2" > /dev/null 2>&1
}

"$RECV" > "$T/recv.log" 2>&1 &
rpid=$!
for i in $(seq 50); do grep -q "listening" "$T/recv.log" && break; sleep 0.1; done
grep -q "listening on 127.0.0.1:$PORT" "$T/recv.log" && ok || { not_ok "the receiver did not start: $(cat "$T/recv.log")"; kill $rpid; finish; }

# A first package: a full re-send of one register; then immediate ones, each one register.
pkg first 131016 1 --kind full --registers 1 --seed 1
mkdir -m 700 "$T/r"
expect 0 post 131016 --receipts "$T/r" "$T/first.pkg"
contains "$T/out" "first.pkg 200"
verify "$T/r/first.pkg.receipt" "$T/first.json" && ok || not_ok "the receipt does not verify"
contains "$T/first.json" '"state":"applied"'
# delivered again: the same receipt document, byte for byte (signed again: the signature's
# signingTime attribute is the second it was signed in, so the DER may differ)
mkdir -m 700 "$T/r2"
expect 0 post 131016 --receipts "$T/r2" "$T/first.pkg"
verify "$T/r2/first.pkg.receipt" "$T/first2.json" && ok || not_ok "the receipt delivered again does not verify"
cmp -s "$T/first.json" "$T/first2.json" && ok || not_ok "delivered again, another receipt"

# R-MUTUAL: a package of 131016 delivered by 131032 is refused, with a receipt saying so
pkg relayed 131016 2 --kind immediate --registers 1 --seed 2
expect 0 post 131032 --receipts "$T/r" "$T/relayed.pkg"
verify "$T/r/relayed.pkg.receipt" "$T/relayed.json" && ok || not_ok "the refusal's receipt does not verify"
contains "$T/relayed.json" '"state":"refused"'
contains "$T/relayed.json" '"reason":"client"'
# no client certificate, a revoked one, TLS 1.2: no connection at all
# (TLS 1.3 refuses a client's certificate after the client's side of the handshake is done:
# the client sees the connection broken at its first request rather than at connect)
expect 1 "$FKPOST" --port "$PORT" --ca "$P/ca.crt" "$T/relayed.pkg"
lacks "$T/out" " 200 "
expect 1 post 131024 "$T/relayed.pkg"
lacks "$T/out" " 200 "
expect 1 post 131016 --tls12 "$T/relayed.pkg"
contains "$T/out" "connect-failed"
# another path; a body larger than receiver_max_body
expect 0 post 131016 --path /v1/other "$T/relayed.pkg"
contains "$T/out" "relayed.pkg 404"
pkg big 131016 2 --kind full --registers 200 --seed 3
expect 0 post 131016 "$T/big.pkg"
contains "$T/out" "big.pkg 413"
# garbage: refused with a receipt
head -c 3000 /dev/urandom > "$T/garbage.pkg"
expect 0 post 131016 --receipts "$T/r" "$T/garbage.pkg"
verify "$T/r/garbage.pkg.receipt" "$T/garbage.json" && ok || not_ok "garbage's receipt does not verify"
contains "$T/garbage.json" '"reason":"not_package"'

# R-REALTIME: single-register packages one after another on one connection
N=${RECEIVER_PACKAGES:-60}
for s in $(seq 2 $((N + 1))); do
	pkg "seq$s" 131016 "$s" --kind immediate --registers 1 --seed "$s" --first-ref "$((s + 1000))"
done
files=$(for s in $(seq 2 $((N + 1))); do printf '%s ' "$T/seq$s.pkg"; done)
# shellcheck disable=SC2086
expect 0 post 131016 $files
[ "$(grep -c " 200 " "$T/out")" = "$N" ] && ok || not_ok "not every package got 200: $(grep -v ' 200 ' "$T/out" | head -3)"
echo "receiver: $(tail -1 "$T/out")"
expect 0 $C status
contains "$T/out" "registers       $((N + 1)) "

# The receiver keeps the trust material across packages (R-REALTIME), but a CA removed takes
# effect for the very next package on the same service (R-MUTUAL): nothing is applied
s=$((N + 2))
pkg "seq$s" 131016 "$s" --kind immediate --registers 1 --seed "$s" --first-ref "$((s + 1000))"
expect 0 $C ca remove 1
expect 0 post 131016 "$T/seq$s.pkg"
lacks "$T/out" "seq$s.pkg 200"
grep -q "no municipal CA is trusted" "$T/recv.log" && ok || not_ok "a removed CA did not take effect: $(tail -2 "$T/recv.log")"
# and the CA with its CRL added again: the same package goes in
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 post 131016 "$T/seq$s.pkg"
contains "$T/out" "seq$s.pkg 200"

# R-DISPOSE: while a return of 131041 runs, and after its disposal, a package of 131041 delivered
# to the service is refused as `fukuhonctl import` refuses it, with a signed receipt naming why.
# The return is killed once its request is running (its package being written from a read
# snapshot) and carried on afterwards: it stays running, the municipality frozen, in between.
"$FKPKG" -o "$T/m1.pkg" --quiet --signer-key "$P/muni-131041.key" --signer-cert "$P/muni-131041.crt" \
	--to "$P/receiver.crt" --municipality 131041 --sequence 1 --kind full --registers 4000 --seed 9 ||
	not_ok "fkpkg could not make m1"
expect 0 $C import "$T/m1.pkg" --receipt-dir "$T"
expect 0 $C operator add kato --role operator --bureau 東京法務局
expect 0 $C operator add ito --role supervisor --bureau 東京法務局
expect 0 $C grant kato --municipality 131041 --kind koseki,joseki,ledger,documents --rights view,export,dispose --reason "返還と廃棄"
FUKUHON_TEST_ACTOR=kato expect 0 $C request return --municipality 131041 --reason "市町村からの返還請求"
RID=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
FUKUHON_TEST_ACTOR=ito expect 0 $C approve "$RID" --reason "確認済み"
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/m32.key" -subj "/O=fukuhon test/serialNumber=131041/CN=municipality 131041" \
	-out "$T/m32.csr" > /dev/null 2>&1 || exit 99
openssl x509 -req -in "$T/m32.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$T/m32.crt" > /dev/null 2>&1 || exit 99
mkdir -m 700 "$T/ret"
FUKUHON_TEST_ACTOR=kato $C return "$RID" --to "$T/m32.crt" --out "$T/ret/r.fkpkg" > "$T/ret.out" 2>&1 &
retpid=$!
n=0
until [ "$(store_sql "SELECT state FROM approval_request WHERE id = $RID" 2> /dev/null)" = running ] ||
	[ $n -ge 3000 ] || ! kill -0 $retpid 2> /dev/null; do n=$((n + 1)); sleep 0.01; done
kill -KILL $retpid 2> /dev/null
wait $retpid 2> /dev/null
[ "$(store_sql "SELECT state FROM approval_request WHERE id = $RID")" = running ] && ok ||
	not_ok "the return was not caught running: $(cat "$T/ret.out")"
[ ! -e "$T/ret/r.fkpkg" ] && ok || not_ok "a killed return left its package in place"
"$FKPKG" -o "$T/m2.pkg" --quiet --signer-key "$P/muni-131041.key" --signer-cert "$P/muni-131041.crt" \
	--to "$P/receiver.crt" --municipality 131041 --sequence 2 --kind immediate --registers 1 --seed 10 --first-ref 9001 ||
	not_ok "fkpkg could not make m2"
expect 0 post 131041 --receipts "$T/r" "$T/m2.pkg"
verify "$T/r/m2.pkg.receipt" "$T/m2.json" && ok || not_ok "the receipt during the return does not verify"
contains "$T/m2.json" '"state":"refused"'
contains "$T/m2.json" '"reason":"muni_returning"'
# carried on by its requester: the package in place, the municipality receives again…
FUKUHON_TEST_ACTOR=kato expect 0 $C return "$RID" --to "$T/m32.crt" --out "$T/ret/r.fkpkg"
[ -s "$T/ret/r.fkpkg" ] && ok || not_ok "the return carried on wrote no package"
# … until it is disposed of after the return: then refused muni_disposed
FUKUHON_TEST_ACTOR=kato expect 0 $C request dispose-municipality --municipality 131041 --after-return "$RID" --reason "返還済み"
DID=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
FUKUHON_TEST_ACTOR=ito expect 0 $C approve "$DID" --reason "確認済み"
FUKUHON_TEST_ACTOR=kato expect 0 $C dispose-municipality "$DID"
mkdir -m 700 "$T/r3"
expect 0 post 131041 --receipts "$T/r3" "$T/m2.pkg"
verify "$T/r3/m2.pkg.receipt" "$T/m2b.json" && ok || not_ok "the receipt after the disposal does not verify"
contains "$T/m2b.json" '"state":"refused"'
contains "$T/m2b.json" '"reason":"muni_disposed"'
expect 1 $C import "$T/m2.pkg" --receipt-dir "$T"
contains "$T/out" "refused [muni_disposed]"

# the history: each delivery recorded as the terminal's own operation
expect 0 $C operator add sato --role auditor --bureau 東京法務局
FUKUHON_TEST_ACTOR=sato expect 0 $C audit list --action intake.receive
[ "$(grep -c "intake.receive" "$T/out")" -ge "$N" ] && ok || not_ok "deliveries not on record: $(head -3 "$T/out")"

# A slow sender (slowloris): one byte of a TLS handshake a second, each before the 5 s silence
# timeout, never finishing it. Closed when its handshake is not done receiver_timeout after it
# connected (well before the 12 s it would go on), said in the log; a municipality delivers
# meanwhile (R-BATCH-PROTO, R-REALTIME).
"$FKPOST" --port "$PORT" --dribble 1000 12 > "$T/slow.out" 2> "$T/slow.err"
contains "$T/slow.out" "dribble closed after"
slow_ms=$(sed -n 's/^dribble closed after \([0-9]*\) ms/\1/p' "$T/slow.out")
[ -n "$slow_ms" ] && [ "$slow_ms" -lt 8000 ] && ok || not_ok "a slow sender was held $(cat "$T/slow.out")"
echo "receiver: a slow sender closed after ${slow_ms:-?} ms"
contains "$T/recv.log" "connection closed: its TLS handshake was not done 5 s after it connected"

# SIGTERM: a clean stop, recorded
kill -TERM $rpid
wait $rpid
rc=$?
[ "$rc" = 0 ] && ok || not_ok "the receiver exited $rc on SIGTERM"
contains "$T/recv.log" "stopping"

# receiver_connections: with a limit of 2, two municipalities hold a connection each (their
# request 3 s after the handshake); a third connection is refused at once, in its handshake,
# not left waiting; the two held ones still deliver; the count goes back to zero (no slot
# leaks: two more held connections are admitted again, and the receiver says 0 open when told
# to stop and 0 left when stopped).
PORT2=$((PORT + 1))
sed "s/^receiver_timeout = .*/receiver_timeout = 10s\nreceiver_connections = 2/" "$FUKUHON_CONFIG" > "$T/limit.conf"
"$RECV" --config "$T/limit.conf" --listen "127.0.0.1:$PORT2" > "$T/recv2.log" 2>&1 &
rpid=$!
for i in $(seq 50); do grep -q "listening" "$T/recv2.log" && break; sleep 0.1; done
grep -q "listening on 127.0.0.1:$PORT2" "$T/recv2.log" && ok || not_ok "the second receiver did not start: $(cat "$T/recv2.log")"
hold() { # name muni package: a delivery that holds its connection 3 s before its request
	"$FKPOST" --port "$PORT2" --ca "$P/ca.crt" --cert "$P/muni-$2.crt" --key "$P/muni-$2.key" \
		--delay 3000 "$3" > "$T/$1.out" 2> "$T/$1.err" &
}
held() { # name...: wait (at most 5 s) until each has its connection
	for h in "$@"; do
		i=0
		while [ $i -lt 50 ] && ! grep -q connected "$T/$h.err" 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
		grep -q connected "$T/$h.err" && ok || not_ok "$h got no connection: $(cat "$T/$h.err")"
	done
}
s=$((N + 3))
pkg "lim$s" 131016 "$s" --kind immediate --registers 1 --seed "$s" --first-ref "$((s + 1000))"
pkg lim1 131032 1 --kind full --registers 1 --seed 91
hold h1 131016 "$T/lim$s.pkg"
p1=$!
hold h2 131032 "$T/lim1.pkg"
p2=$!
held h1 h2
t0=$(date +%s%N)
"$FKPOST" --port "$PORT2" --ca "$P/ca.crt" --cert "$P/muni-131016.crt" --key "$P/muni-131016.key" \
	"$T/lim1.pkg" > "$T/third.out" 2> "$T/third.err"
third=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$third" = 1 ] && ok || not_ok "the third connection was not refused (exit $third): $(cat "$T/third.out")"
contains "$T/third.out" "connect-failed"
[ "$ms" -lt 1500 ] && ok || not_ok "the third connection was refused after $ms ms, not at once"
echo "receiver: a connection over the limit refused in $ms ms"
wait $p1 && ok || not_ok "the first held delivery failed: $(cat "$T/h1.out" "$T/h1.err")"
wait $p2 && ok || not_ok "the second held delivery failed: $(cat "$T/h2.out" "$T/h2.err")"
contains "$T/h1.out" "lim$s.pkg 200"
contains "$T/h2.out" "lim1.pkg 200"
contains "$T/recv2.log" "connection refused: 2 open, the limit is 2"
# the slots are free again: two more held connections both admitted and answered
s2=$((s + 1))
pkg "lim$s2" 131016 "$s2" --kind immediate --registers 1 --seed "$s2" --first-ref "$((s2 + 1000))"
pkg lim2 131032 2 --kind immediate --registers 1 --seed 92 --first-ref 5002
hold h3 131016 "$T/lim$s2.pkg"
p3=$!
hold h4 131032 "$T/lim2.pkg"
p4=$!
held h3 h4
wait $p3 && wait $p4 && ok || not_ok "held again, a delivery failed: $(cat "$T/h3.out" "$T/h4.out")"
contains "$T/h3.out" "lim$s2.pkg 200"
contains "$T/h4.out" "lim2.pkg 200"
kill -TERM $rpid
wait $rpid
contains "$T/recv2.log" "stopping: 0 connections open, 1 refused over the limit"
contains "$T/recv2.log" "stopped: 0 connections left"

# receiver_workers = 2: two processes accept from one socket (their CMS work on both cores),
# the connection limit counts over both, SIGHUP reaches both, and a worker that dies stops
# the service (fail closed) instead of leaving a socket that accepts and never answers.
PORT3=$((PORT + 2))
sed "s/^receiver_timeout = .*/receiver_timeout = 10s\nreceiver_connections = 2\nreceiver_workers = 2/" \
	"$FUKUHON_CONFIG" > "$T/workers.conf"
"$RECV" --config "$T/workers.conf" --listen "127.0.0.1:$PORT3" > "$T/recv3.log" 2>&1 &
rpid=$!
for i in $(seq 50); do [ "$(grep -c "listening" "$T/recv3.log")" = 2 ] && break; sleep 0.1; done
contains "$T/recv3.log" "listening on 127.0.0.1:$PORT3 (worker 1 of 2)"
contains "$T/recv3.log" "listening on 127.0.0.1:$PORT3 (worker 2 of 2)"
# two municipalities deliver at once, each its packages in sequence on its own connection
a=$((s2 + 1))
for k in 0 1 2 3 4; do
	pkg "wa$k" 131016 $((a + k)) --kind immediate --registers 1 --seed $((a + k)) --first-ref $((a + k + 1000))
	pkg "wb$k" 131032 $((3 + k)) --kind immediate --registers 1 --seed $((93 + k)) --first-ref $((5003 + k))
done
"$FKPOST" --port "$PORT3" --ca "$P/ca.crt" --cert "$P/muni-131016.crt" --key "$P/muni-131016.key" \
	"$T"/wa0.pkg "$T"/wa1.pkg "$T"/wa2.pkg "$T"/wa3.pkg "$T"/wa4.pkg > "$T/wa.out" 2>&1 &
pa=$!
"$FKPOST" --port "$PORT3" --ca "$P/ca.crt" --cert "$P/muni-131032.crt" --key "$P/muni-131032.key" \
	"$T"/wb0.pkg "$T"/wb1.pkg "$T"/wb2.pkg "$T"/wb3.pkg "$T"/wb4.pkg > "$T/wb.out" 2>&1 &
pb=$!
wait $pa && wait $pb && ok || not_ok "a delivery to the workers failed: $(cat "$T/wa.out" "$T/wb.out")"
[ "$(cat "$T/wa.out" "$T/wb.out" | grep -c "\.pkg 200 ")" = 10 ] && ok ||
	not_ok "not every package to the workers got 200: $(cat "$T/wa.out" "$T/wb.out" | grep -v ' 200 ' | head -3)"
expect 0 $C status
contains "$T/out" "registers       $((N + 6 + 10)) "
# the limit of 2 is over both workers: two held connections, a third refused at once
s3=$((a + 5))
pkg "wa5" 131016 "$s3" --kind immediate --registers 1 --seed "$s3" --first-ref "$((s3 + 1000))"
pkg "wb5" 131032 8 --kind immediate --registers 1 --seed 98 --first-ref 5008
PORT2=$PORT3
hold h5 131016 "$T/wa5.pkg"
p5=$!
hold h6 131032 "$T/wb5.pkg"
p6=$!
held h5 h6
expect 1 "$FKPOST" --port "$PORT3" --ca "$P/ca.crt" --cert "$P/muni-131016.crt" --key "$P/muni-131016.key" "$T/wa5.pkg"
contains "$T/out" "connect-failed"
wait $p5 && wait $p6 && ok || not_ok "held by the workers, a delivery failed: $(cat "$T/h5.out" "$T/h6.out")"
contains "$T/h5.out" "wa5.pkg 200"
contains "$T/h6.out" "wb5.pkg 200"
contains "$T/recv3.log" "connection refused: 2 open, the limit is 2"
# SIGHUP to the service reaches each worker
kill -HUP $rpid
for i in $(seq 50); do [ "$(grep -c "TLS context made again" "$T/recv3.log")" = 2 ] && break; sleep 0.1; done
[ "$(grep -c "TLS context made again" "$T/recv3.log")" = 2 ] && ok || not_ok "SIGHUP did not reach both workers: $(cat "$T/recv3.log")"
# a worker killed: the service stops, with a failure systemd restarts it for
w=$(cut -d' ' -f1 "/proc/$rpid/task/$rpid/children")
[ -n "$w" ] && kill -KILL "$w"
wait $rpid
rc=$?
[ "$rc" = 1 ] && ok || not_ok "with a worker killed the service exited $rc, not 1"
contains "$T/recv3.log" "a worker ended"
contains "$T/recv3.log" "stopped: 0 connections left (worker"
finish
