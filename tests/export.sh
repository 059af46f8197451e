#!/bin/sh
# An export end to end with fukuhonctl (R-APPROVE, R-PRINT, R-LOG): the terminal's receiving
# certificate installed (cert request, signed by the test CA, cert install), an operator asks
# for an export, a supervisor approves it, the operator carries it out to another receiver's
# certificate; the package opens with that receiver's key through the core's reader (tests/fkpkg
# open --export) and holds the registers; the import's opener refuses it; a second export, a
# recipient certificate not for encryption and an existing output file are refused.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
make_config "approval_valid = 1h"
C=$FUKUHONCTL
P=$T/pki
FKPKG="$top_builddir/tests/fkpkg"
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
refused() { why=$1; shift; expect 1 "$@"; contains "$T/err" "refused [$why]"; }

sh "$top_srcdir/tests/pki.sh" "$P" 131016 > /dev/null 2>&1 || exit 99
expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add suzuki --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C cert request --out "$T/recv.csr"
openssl x509 -req -in "$T/recv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$T/recv.crt" > /dev/null 2>&1 || exit 99
expect 0 $C cert install "$T/recv.crt"
expect 0 $C demo-data --registers 40 --seed 7
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,export --reason "他庁への写し"
expect 0 $C grant suzuki --all --kind koseki,joseki --rights view,export --reason "他庁への写し"
M=$(store_sql "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")
IDS=$(store_sql "SELECT id FROM register WHERE municipality = '$M' ORDER BY id" | paste -sd , -)
N=$(echo "$IDS" | tr ',' '\n' | wc -l)

expect 0 as tanaka $C request export --register "$IDS" --reason "他庁からの照会"
contains "$T/out" "request 1:"
expect 0 as sato $C approve 1 --reason "確認済み"
mkdir -m 700 "$T/out.d"
refused not-requester as suzuki $C export 1 --to "$P/receiver2.crt" --out "$T/out.d/x.fkpkg"
refused invalid-request as tanaka $C export 1 --to "$P/muni-131016.crt" --out "$T/out.d/x.fkpkg"
[ -z "$(ls -A "$T/out.d")" ] && ok || not_ok "a refused export left a file"
expect 0 as tanaka $C export 1 --to "$P/receiver2.crt" --out "$T/out.d/a.fkpkg" --json
contains "$T/out" "\"registers\": $N"
[ "$(stat -c %a "$T/out.d/a.fkpkg")" = 600 ] && ok || not_ok "the package's mode"
[ "$(ls -A "$T/out.d")" = a.fkpkg ] && ok || not_ok "files beside the package: $(ls -A "$T/out.d")"
refused already-executed as tanaka $C export 1 --to "$P/receiver2.crt" --out "$T/out.d/b.fkpkg"

# opened as the recipient would: signature, chain, CRL, every chunk
expect 0 $FKPKG open --export --key "$P/receiver2.key" --cert "$P/receiver2.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" --print "$T/out.d/a.fkpkg"
contains "$T/out" "opened 1 $N"
contains "$T/out" '"type":"register"'
# the import's opener never takes a terminal's export
expect 1 $FKPKG open --key "$P/receiver2.key" --cert "$P/receiver2.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" "$T/out.d/a.fkpkg"
contains "$T/out" "refused MANIFEST"
# nor does another recipient open it
expect 1 $FKPKG open --export --key "$P/receiver.key" --cert "$P/receiver.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" "$T/out.d/a.fkpkg"

# an existing file is never replaced
expect 0 as tanaka $C request export --register "$IDS" --reason "二通目"
expect 0 as sato $C approve 2 --reason "確認済み"
expect 1 as tanaka $C export 2 --to "$P/receiver2.crt" --out "$T/out.d/a.fkpkg"
finish
