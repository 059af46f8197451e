#!/bin/sh
# A municipality's data returned to it, then disposed of after a second approval, with
# fukuhonctl (R-DISPOSE 8(1)ク, R-APPROVE, R-HANDOVER; docs/disposal.md): the return is one
# package signed by the terminal and encrypted to the municipality's own certificate (chained to
# its CA in the trust store), holding every register with every version, the ledger and the
# documents; it opens with the municipality's key and holds them all. The disposal that names
# the return is refused when a register was added after it (naming the count) and carried out
# after a new return. The same way on a PostgreSQL store, and nothing of the municipality left
# to read through the application after it (skipped where postgresql-15 is absent).
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

return_terminal "$P"
V=$(q "SELECT count(*) FROM register_version v JOIN register r ON r.id = v.register_id WHERE r.municipality = '$M'")
L=$(q "SELECT count(*) FROM ledger_entry WHERE municipality = '$M'")
D=$(q "SELECT count(*) FROM notification_doc WHERE municipality = '$M'")

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
# a return carried out is not given up (only one left running by an interruption is:
# tests/test_dispose_muni.c), and the refusal is on record
refused not-running as tanaka $C return cancel 1 --reason "取り下げ"
expect 0 $C audit list --action return.cancel --json
contains "$T/out" "not-running"
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

# ---- the same on a PostgreSQL store (issue 14): request, approval, the return carried out, its
# package opened by the municipality, the disposal after it; then nothing of the municipality
# left to read through the application, the history whole ----
# (run by tests/shells_pg.sh, the test is on PostgreSQL already: the part above was it)
! on_pg || { finish; exit; }
pg_part || { finish; exit; }
mkdir -m 700 "$T/pg"
pg_config "$T/pg/fukuhon.conf" "approval_valid = 1h"
q() { $FK_PG_PSQL -A -t -c "$1"; }
return_store "$T/pg" "$P"
# the same seed: the same municipality M holds the most registers, its certificate is the one made above
[ "$(q "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")" = "$M" ] && ok ||
	not_ok "PostgreSQL: another municipality holds the most registers"
N=$(q "SELECT count(*) FROM register WHERE municipality = '$M'")
R1=$(q "SELECT min(id) FROM register WHERE municipality = '$M'")
expect 0 as tanaka $C request return --municipality "$M" --reason "市町村からの返還請求"
contains "$T/out" "request 1:"
refused not-approved as tanaka $C return 1 --to "$T/muni.crt" --out "$T/out.d/pg.fkpkg"
expect 0 as sato $C approve 1 --reason "確認済み"
expect 0 as tanaka $C return 1 --to "$T/muni.crt" --out "$T/out.d/pg.fkpkg" --json
contains "$T/out" "\"registers\": $N"
expect 0 $FKPKG open --export --key "$T/muni.key" --cert "$T/muni.crt" --ca "$P/ca.crt" \
	--crl "$P/ca.crl" --print "$T/out.d/pg.fkpkg"
contains "$T/out" "opened "
[ "$(grep -c '"type":"register"' "$T/out")" = "$N" ] && ok || not_ok "PostgreSQL: register records: $(grep -c '"type":"register"' "$T/out"), wanted $N"
# while the disposal after it waits, no register of M is disposed of on its own
expect 0 as tanaka $C request dispose-municipality --municipality "$M" --after-return 1 --reason "返還後の廃棄"
contains "$T/out" "request 2:"
refused return-running as tanaka $C request dispose --register "$R1" --reason "保存期間満了"
expect 0 as sato $C approve 2 --reason "返還済みを確認"
expect 0 as tanaka $C dispose-municipality 2 --json
contains "$T/out" "\"registers\": $N,"
[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NULL")" = 0 ] && ok || not_ok "PostgreSQL: registers left"
[ "$(q "SELECT count(*) FROM data_key k JOIN register r ON r.key_id = k.id WHERE r.municipality = '$M' AND k.wrapped IS NOT NULL")" = 0 ] && ok ||
	not_ok "PostgreSQL: register keys left"
[ "$(q "SELECT count(*) FROM register_version v JOIN register r ON r.id = v.register_id WHERE r.municipality = '$M' AND length(v.content) > 0")" = 0 ] && ok ||
	not_ok "PostgreSQL: content left"
[ "$(q "SELECT (SELECT count(*) FROM ledger_entry WHERE municipality = '$M') + (SELECT count(*) FROM notification_doc WHERE municipality = '$M')")" = 0 ] && ok ||
	not_ok "PostgreSQL: ledger or documents left"
# nothing of it to ask for through the application
refused not-found as tanaka $C request print --register "$R1" --reason "写し"
expect 0 $C audit verify
contains "$T/out" "history intact"
expect 0 $C status --check
finish
