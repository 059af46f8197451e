#!/bin/sh
# fukuhon-receiver with an EC receiving certificate (issue 10; R-INTRANSIT, R-MUTUAL,
# R-REALTIME; docs/package-format.md §3): a renewal from the RSA certificate to a P-256 one;
# packages encrypted to the EC certificate (ECDH key agreement) and, through the renewal, to the
# previous RSA one (RSA-OAEP) both go in over TLS 1.3 with the EC server certificate, their
# receipts signed with ECDSA and verified by the sender; one encrypted to another EC
# certificate is refused with a receipt saying so; a package's chunk tampered with after
# sealing to the EC certificate is refused and nothing of it applied.
. "$(dirname "$0")/lib.sh"
receiver_tools
PORT=$((20000 + ($$ + 7919) % 20000))
make_config "receiver_listen = 127.0.0.1:$PORT
receiver_timeout = 5s"
C=$FUKUHONCTL
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" 131016 receiver-ec:recv-ec receiver-ec2:recv-ec > /dev/null 2>&1 || exit 99
$C init $TEST_INIT > /dev/null || exit 99
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 $C cert install "$P/receiver.crt" --key "$P/receiver.key"
expect 0 $C cert install "$P/receiver-ec.crt" --key "$P/receiver-ec.key"

pkg() { # name recipient sequence [fkpkg options]
	name=$1 to=$2 seq=$3
	shift 3
	"$FKPKG" -o "$T/$name.pkg" --quiet --signer-key "$P/muni-131016.key" --signer-cert "$P/muni-131016.crt" \
		--to "$P/$to.crt" --municipality 131016 --sequence "$seq" "$@" ||
		not_ok "fkpkg could not make $name"
}
post() {
	"$FKPOST" --port "$PORT" --ca "$P/ca.crt" --cert "$P/muni-131016.crt" --key "$P/muni-131016.key" "$@"
}
verify() { # receipt json
	openssl cms -verify -inform DER -in "$1" -CAfile "$P/ca.crt" -purpose any -out "$2" > /dev/null 2>&1
}

pkg first receiver-ec 1 --kind full --registers 1 --seed 1

"$RECV" > "$T/recv.log" 2>&1 &
rpid=$!
for i in $(seq 50); do grep -q "listening" "$T/recv.log" && break; sleep 0.1; done
grep -q "listening on 127.0.0.1:$PORT" "$T/recv.log" && ok || { not_ok "the receiver did not start: $(cat "$T/recv.log")"; kill $rpid; finish; }

mkdir -m 700 "$T/r"
expect 0 post --receipts "$T/r" "$T/first.pkg"
contains "$T/out" "first.pkg 200"
verify "$T/r/first.pkg.receipt" "$T/first.json" && ok || not_ok "the receipt does not verify"
contains "$T/first.json" '"state":"applied"'
# the receipt is signed with the EC receiving key: ECDSA
openssl cms -cmsout -print -inform DER -in "$T/r/first.pkg.receipt" > "$T/receipt.txt" 2>&1
contains "$T/receipt.txt" "ecdsa-with-SHA256"
# the server's certificate in TLS is the EC one
openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -CAfile "$P/ca.crt" -cert "$P/muni-131016.crt" \
	-key "$P/muni-131016.key" < /dev/null > "$T/tls.txt" 2>&1 || true
contains "$T/tls.txt" "fukuhon receiver receiver-ec"

# to the previous (RSA) certificate, kept through the renewal: still opens
pkg second receiver 2 --kind immediate --registers 1 --seed 2 --first-ref 1002
expect 0 post --receipts "$T/r" "$T/second.pkg"
contains "$T/out" "second.pkg 200"
verify "$T/r/second.pkg.receipt" "$T/second.json" && ok || not_ok "the second receipt does not verify"
contains "$T/second.json" '"state":"applied"'

# to another EC certificate: refused, with a receipt saying so
pkg other receiver-ec2 3 --kind immediate --registers 1 --seed 3 --first-ref 1003
expect 0 post --receipts "$T/r" "$T/other.pkg"
verify "$T/r/other.pkg.receipt" "$T/other.json" && ok || not_ok "the refusal's receipt does not verify"
contains "$T/other.json" '"state":"refused"'
lacks "$T/other.json" '"state":"applied"'

# the chunk's ciphertext altered (a byte before the GCM tag at the file's end): refused
pkg third receiver-ec 3 --kind immediate --registers 1 --seed 3 --first-ref 1003
size=$(stat -c %s "$T/third.pkg")
printf '\001' | dd of="$T/third.pkg" bs=1 seek=$((size - 30)) conv=notrunc 2> /dev/null
expect 0 post --receipts "$T/r" "$T/third.pkg"
verify "$T/r/third.pkg.receipt" "$T/third.json" && ok || not_ok "the tampered package's receipt does not verify"
lacks "$T/third.json" '"state":"applied"'
expect 0 $C status
contains "$T/out" "registers       2 "

kill -TERM $rpid
wait $rpid
finish
