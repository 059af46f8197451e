#!/bin/sh
# Disposal end to end with fukuhonctl (R-DISPOSE, R-APPROVE, R-LOG; docs/disposal.md): an
# operator asks, a supervisor approves, the operator carries it out once; afterwards the
# register cannot be asked for, its data key holds no key material, no copy of the wrapped key
# is in the database file or its WAL, the lists are in step (reindex rebuilds nothing), the
# history verifies; a data key put back from a backup with sqlite3 (or by the PostgreSQL
# server's administrator) is destroyed again by the next command (the key folder's ledger), and
# that is on record.
. "$(dirname "$0")/lib.sh"
on_pg || command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_config "approval_valid = 1h"
C=$FUKUHONCTL
DB="$T/db/fukuhon.db"
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
refused() { why=$1; shift; expect 1 "$@"; contains "$T/err" "refused [$why]"; }
# hexfile FILE: the file's bytes as one line of hex (empty when there is no file)
hexfile() { [ -f "$1" ] && od -An -v -tx1 "$1" | tr -d ' \n' | tr a-f A-F; }

expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C demo-data --registers 5 --seed 11
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,print,dispose --reason "保存期間満了の廃棄担当"
REG=$(store_sql "SELECT min(id) FROM register")
KEY=$(store_sql "SELECT key_id FROM register WHERE id = $REG")
WRAPPED=$(store_sql "SELECT $(sql_hex wrapped) FROM data_key WHERE id = $KEY")
[ ${#WRAPPED} -ge 64 ] && ok || not_ok "no wrapped key read ($WRAPPED)"
store_keep before data_key "id = $KEY" && ok || not_ok "backup"
# on PostgreSQL the rows' search below sees the key while it is there (or it would prove nothing)
if on_pg; then pg_rows_hold "$WRAPPED" && ok || not_ok "the store's rows do not show the wrapped key before disposal"; fi

expect 0 as tanaka $C request dispose --register "$REG" --reason "保存期間満了"
contains "$T/out" "request 1:"
refused not-approved as tanaka $C dispose 1
expect 0 as sato $C approve 1 --reason "確認済み"
refused not-requester as sato $C dispose 1
expect 0 as tanaka $C dispose 1 --json
[ "$(tr -d ' \n' < "$T/out" | grep -c "\"disposed\":\[$REG\]")" = 1 ] && ok || not_ok "register $REG not disposed of"
contains "$T/out" '"warning": ""'
refused already-executed as tanaka $C dispose 1

# ---- afterwards: nothing to ask for, no key material, nothing of the key in the files ----
refused not-found as tanaka $C request print --register "$REG" --reason "写し"
[ "$(store_sql "SELECT count(*) FROM data_key WHERE id = $KEY AND wrapped IS NULL AND destroyed_at IS NOT NULL")" = 1 ] &&
	ok || not_ok "the data key still holds key material"
if sqlite_only "the database file's and its WAL's bytes (instead: no live row holds the wrapped key)"; then
	case "$(hexfile "$DB")$(hexfile "$DB-wal")" in
	*"$WRAPPED"*) not_ok "the wrapped key's bytes are still in the database file or its WAL" ;;
	*) ok ;;
	esac
elif pg_rows_hold "$WRAPPED"; then
	not_ok "a live row of the store still holds the wrapped key's bytes"
else ok; fi
expect 0 $C reindex
contains "$T/out" "0 list"
expect 0 $C audit verify
expect 0 $C audit list --action dispose.register
contains "$T/out" "$REG"
expect 0 $C audit list --action dispose.execute
contains "$T/out" "already-executed"
contains "$T/out" "not-requester"

# ---- a restore of the old data key row: the next command destroys it again ----
store_put_back before data_key "id = $KEY" && ok || not_ok "putting the key back"
[ "$(store_sql "SELECT count(*) FROM data_key WHERE id = $KEY AND wrapped IS NOT NULL")" = 1 ] && ok || not_ok "not put back"
expect 0 $C status
[ "$(store_sql "SELECT count(*) FROM data_key WHERE id = $KEY AND wrapped IS NULL")" = 1 ] &&
	ok || not_ok "the restored key was not destroyed again"
expect 0 $C audit list --action dispose.reapply
contains "$T/out" "$REG"
# the ledger: in the key folder, 0600, one record
[ "$(stat -c %a "$T/keys/disposal.log")" = 600 ] && ok || not_ok "disposal.log mode $(stat -c %a "$T/keys/disposal.log")"
[ "$(stat -c %s "$T/keys/disposal.log")" = 72 ] && ok || not_ok "disposal.log is $(stat -c %s "$T/keys/disposal.log") bytes"
finish
