#!/bin/sh
# A whole municipality disposed of with fukuhonctl (R-DISPOSE 8(1)カ, ク; R-APPROVE, R-LOG;
# docs/disposal.md): asked for, approved by another person, carried out in short recorded
# transactions. Afterwards nothing of the municipality is left to ask for or to decrypt (no
# copy of a wrapped key in the database file or its WAL), its lists, tags, ledger and
# documents are gone, the history verifies; a disposal after a return that was not carried out
# is refused; a restore of a backup from before it is disposed of again at the next open.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_config "approval_valid = 1h"
C=$FUKUHONCTL
DB="$T/db/fukuhon.db"
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
refused() { why=$1; shift; expect 1 "$@"; contains "$T/err" "refused [$why]"; }
hexfile() { [ -f "$1" ] && od -An -v -tx1 "$1" | tr -d ' \n' | tr a-f A-F; }
q() { sqlite3 "$DB" "$1"; }

# terminal: a store with 40 registers, tanaka (operator, asks) and sato (supervisor, approves);
# M the municipality with the most registers, N its registers, OTHER the others' ($1: whose)
terminal() {
	expect 0 $C init $TEST_INIT
	expect 0 $C operator add tanaka --role operator --bureau 東京法務局
	expect 0 $C operator add sato --role supervisor --bureau 東京法務局
	expect 0 $C demo-data --registers 40 --seed 7
	expect 0 $C grant tanaka --all --kind koseki,joseki,ledger,documents --rights view,export,dispose --reason "返還と廃棄の担当"
	M=$(q "SELECT municipality FROM register GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1")
	N=$(q "SELECT count(*) FROM register WHERE municipality = '$M'")
	OTHER=$(q "SELECT count(*) FROM register WHERE municipality <> '$M'")
	[ "$N" -ge 2 ] && ok || not_ok "$1: municipality $M has $N registers"
}
# nothing_left WHERE: none of M's rows left to read or unwrap; the others' untouched
nothing_left() {
	[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NULL")" = 0 ] && ok || not_ok "$1: registers left"
	[ "$(q "SELECT count(*) FROM register WHERE municipality <> '$M' AND disposed_at IS NULL")" = "$OTHER" ] && ok ||
		not_ok "$1: other municipalities touched"
	[ "$(q "SELECT count(*) FROM data_key k JOIN register r ON r.key_id = k.id WHERE r.municipality = '$M' AND k.wrapped IS NOT NULL")" = 0 ] && ok ||
		not_ok "$1: register keys left"
	[ "$(q "SELECT count(*) FROM data_key k JOIN municipality m ON m.key_id = k.id WHERE m.code = '$M' AND k.wrapped IS NOT NULL")" = 0 ] && ok ||
		not_ok "$1: the municipality's key left"
	[ "$(q "SELECT count(*) FROM register_version v JOIN register r ON r.id = v.register_id WHERE r.municipality = '$M' AND length(v.content) > 0")" = 0 ] && ok ||
		not_ok "$1: content left"
	[ "$(q "SELECT count(*) FROM register_index i JOIN register r ON r.id = i.register_id WHERE r.municipality = '$M'")" = 0 ] && ok ||
		not_ok "$1: search tags left"
	[ "$(q "SELECT count(*) FROM register_order WHERE municipality = '$M'")" = 0 ] && ok || not_ok "$1: sorted lists left"
	[ "$(q "SELECT (SELECT count(*) FROM ledger_entry WHERE municipality = '$M') + (SELECT count(*) FROM notification_doc WHERE municipality = '$M')")" = 0 ] && ok ||
		not_ok "$1: ledger or documents left"
}

# dispose_workflow ID: M's disposal asked for by tanaka (request ID), refused before approval
# and to its approver, approved by sato, carried out by tanaka (its --json output in $T/out)
dispose_workflow() {
	expect 0 as tanaka $C request dispose-municipality --municipality "$M" --reason "市町村からの廃棄請求"
	contains "$T/out" "request $1:"
	refused not-approved as tanaka $C dispose-municipality "$1"
	expect 0 as sato $C approve "$1" --reason "確認済み"
	refused not-requester as sato $C dispose-municipality "$1"
	expect 0 as tanaka $C dispose-municipality "$1" --json
	contains "$T/out" "\"registers\": $N,"
}

terminal SQLite
# the wrapped keys of its first and last register, and of the municipality's own key
K1=$(q "SELECT hex(wrapped) FROM data_key WHERE id = (SELECT key_id FROM register WHERE municipality = '$M' ORDER BY id LIMIT 1)")
K2=$(q "SELECT hex(wrapped) FROM data_key WHERE id = (SELECT key_id FROM register WHERE municipality = '$M' ORDER BY id DESC LIMIT 1)")
[ ${#K1} -ge 64 ] && [ ${#K2} -ge 64 ] && ok || not_ok "no wrapped keys read"
expect 0 $C backup "$T/bk"

# ---- refusals ----
refused jurisdiction as tanaka $C request dispose-municipality --municipality 011002 --reason "管轄外"
expect 0 as tanaka $C request return --municipality "$M" --reason "市町村からの返還請求"
contains "$T/out" "request 1:"
refused not-returned as tanaka $C request dispose-municipality --municipality "$M" --after-return 1 --reason "返還後の廃棄"

# ---- the disposal ----
dispose_workflow 2
contains "$T/out" '"warning": ""'
refused already-executed as tanaka $C dispose-municipality 2
expect 0 as tanaka $C requests --json
tr -d ' \n' < "$T/out" | grep -q "\"id\":2,\"kind\":\"dispose-municipality\",\"state\":\"executed\"" && ok || not_ok "request 2 not executed in the list"

# ---- afterwards ----
nothing_left SQLite
case "$(hexfile "$DB")$(hexfile "$DB-wal")" in
*"$K1"* | *"$K2"*) not_ok "a wrapped key's bytes are still in the database file or its WAL" ;;
*) ok ;;
esac
R1=$(q "SELECT min(id) FROM register WHERE municipality = '$M'")
refused not-found as tanaka $C request print --register "$R1" --reason "写し"
expect 0 $C reindex
expect 0 $C audit verify
expect 0 $C status --check
expect 0 $C audit list --action dispose-municipality.batch --json
contains "$T/out" "municipality=$M"
expect 0 $C audit list --action dispose-municipality.execute --json
contains "$T/out" "registers=$N"

# ---- a restore of the backup from before: disposed of again at the next open ----
expect 0 $C restore "$T/bk"
[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NULL")" = 0 ] && ok || not_ok "the restore brought registers back"
[ "$(q "SELECT count(*) FROM data_key k JOIN register r ON r.key_id = k.id WHERE r.municipality = '$M' AND k.wrapped IS NOT NULL")" = 0 ] && ok || not_ok "the restore brought keys back"
[ "$(q "SELECT count(*) FROM ledger_entry WHERE municipality = '$M'")" = 0 ] && ok || not_ok "the restore brought the ledger back"
expect 0 $C audit list --action dispose.reapply --json
contains "$T/out" "$M"
expect 0 $C audit verify

# ---- the same on a PostgreSQL store (issue 14): the whole workflow, then nothing of the
# municipality left to ask for or unwrap through the application (the server's own files are
# the server's: docs/storage.md, "Disposal on PostgreSQL"), the history whole ----
pg_part || { finish; exit; }
mkdir -m 700 "$T/pg"
pg_config "$T/pg/fukuhon.conf" "approval_valid = 1h"
q() { $FK_PG_PSQL -A -t -c "$1"; }
terminal PostgreSQL
R1=$(q "SELECT min(id) FROM register WHERE municipality = '$M'")
dispose_workflow 1
refused already-executed as tanaka $C dispose-municipality 1
nothing_left PostgreSQL
refused not-found as tanaka $C request print --register "$R1" --reason "写し"
expect 0 $C reindex
expect 0 $C audit verify
contains "$T/out" "history intact"
expect 0 $C status --check
expect 0 $C audit list --action dispose-municipality.execute --json
contains "$T/out" "registers=$N"
finish
