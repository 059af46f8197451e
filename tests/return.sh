#!/bin/sh
# A municipality's data returned to it, then disposed of after a second approval, with
# fukuhonctl (R-DISPOSE 8(1)ク, R-APPROVE, R-HANDOVER; docs/disposal.md): the return is one
# package signed by the terminal and encrypted to the municipality's own certificate (chained to
# its CA in the trust store), holding every register with every version, the ledger and the
# documents; it opens with the municipality's key and holds them all. The disposal that names
# the return is refused when a register was added after it (naming the count) and carried out
# after a new return.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
on_pg || command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_config "approval_valid = 1h"
C=$FUKUHONCTL
P=$T/pki
DB="$T/db/fukuhon.db"
FKPKG="$top_builddir/tests/fkpkg"
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
refused() { why=$1; shift; expect 1 "$@"; contains "$T/err" "refused [$why]"; }
q() { store_sql "$1"; }

sh "$top_srcdir/tests/pki.sh" "$P" 131016 > /dev/null 2>&1 || exit 99
expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C cert request --out "$T/recv.csr"
openssl x509 -req -in "$T/recv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$T/recv.crt" > /dev/null 2>&1 || exit 99
expect 0 $C cert install "$T/recv.crt"
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 $C demo-data --registers 40 --seed 7
expect 0 $C grant tanaka --all --kind koseki,joseki,ledger,documents --rights view,export,dispose --reason "返還と廃棄の担当"
M=$(q "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")
N=$(q "SELECT count(*) FROM register WHERE municipality = '$M'")
V=$(q "SELECT count(*) FROM register_version v JOIN register r ON r.id = v.register_id WHERE r.municipality = '$M'")
L=$(q "SELECT count(*) FROM ledger_entry WHERE municipality = '$M'")
D=$(q "SELECT count(*) FROM notification_doc WHERE municipality = '$M'")
# the municipality's own certificate for encryption (RSA, its code as serialNumber), under the CA
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/muni.key" -subj "/O=fukuhon test/serialNumber=$M/CN=municipality $M" \
	-out "$T/muni.csr" > /dev/null 2>&1 || exit 99
openssl x509 -req -in "$T/muni.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 30 \
	-extfile "$P/ca.cnf" -extensions leaf_recv -out "$T/muni.crt" > /dev/null 2>&1 || exit 99

# ---- the return ----
refused jurisdiction as tanaka $C request return --municipality 011002 --reason "管轄外"
expect 0 as tanaka $C request return --municipality "$M" --reason "市町村からの返還請求"
contains "$T/out" "request 1:"
expect 0 as sato $C approve 1 --reason "確認済み"
mkdir -m 700 "$T/out.d"
# only to the municipality itself: another receiver's certificate is refused
refused invalid-request as tanaka $C return 1 --to "$P/receiver2.crt" --out "$T/out.d/x.fkpkg"
[ -z "$(ls -A "$T/out.d")" ] && ok || not_ok "a refused return left a file"
expect 0 as tanaka $C return 1 --to "$T/muni.crt" --out "$T/out.d/r.fkpkg" --json
contains "$T/out" "\"registers\": $N"
refused already-executed as tanaka $C return 1 --to "$T/muni.crt" --out "$T/out.d/y.fkpkg"
expect 0 $FKPKG open --export --key "$T/muni.key" --cert "$T/muni.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" --print "$T/out.d/r.fkpkg"
contains "$T/out" "opened "
[ "$(grep -c '"type":"register"' "$T/out")" = "$N" ] && ok || not_ok "register records: $(grep -c '"type":"register"' "$T/out"), wanted $N"
[ "$(grep -c '"type":"register"\|"type":"version"' "$T/out")" = "$V" ] && ok || not_ok "versions carried: wanted $V"
[ "$(grep -c '"type":"ledger"' "$T/out")" = "$L" ] && ok || not_ok "ledger records: wanted $L"
[ "$(grep -c '"type":"document"' "$T/out")" = "$D" ] && ok || not_ok "document records: wanted $D"
expect 0 $C audit list --action return.package --json
contains "$T/out" "returned to municipality=$M"
expect 0 as tanaka $C requests --json
tr -d ' \n' < "$T/out" | grep -q "\"id\":1,\"kind\":\"return\",\"state\":\"executed\"" && ok || not_ok "the return is not executed in the list"

# ---- a register added after the return: the disposal that names it is refused ----
expect 0 as tanaka $C request dispose-municipality --municipality "$M" --after-return 1 --reason "返還後の廃棄"
contains "$T/out" "request 2:"
expect 0 as sato $C approve 2 --reason "返還済みを確認"
expect 0 $C demo-data --registers 300 --seed 8
ADDED=$(( $(q "SELECT count(*) FROM register WHERE municipality = '$M'") - N ))
[ "$ADDED" -ge 1 ] && ok || not_ok "no register added to $M"
refused not-as-returned as tanaka $C dispose-municipality 2
contains "$T/err" "$ADDED register(s)"
[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NOT NULL")" = 0 ] && ok || not_ok "something was disposed of"

# ---- a new return, then its disposal ----
expect 0 as tanaka $C request return --municipality "$M" --reason "追加分を含めて返還"
contains "$T/out" "request 3:"
expect 0 as sato $C approve 3 --reason "確認済み"
expect 0 as tanaka $C return 3 --to "$T/muni.crt" --out "$T/out.d/r3.fkpkg"
expect 0 as tanaka $C request dispose-municipality --municipality "$M" --after-return 3 --reason "返還後の廃棄"
contains "$T/out" "request 4:"
expect 0 as sato $C approve 4 --reason "返還済みを確認"
expect 0 as tanaka $C dispose-municipality 4 --json
contains "$T/out" "\"registers\": $((N + ADDED)),"
[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NULL")" = 0 ] && ok || not_ok "registers left"
expect 0 $C audit verify
finish
