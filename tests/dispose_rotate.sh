#!/bin/sh
# After a disposal, the master key's rotation (R-DISPOSE, R-KEYS; docs/disposal.md): the
# disposal marks it due (status and health warn), key rotate --keep-old does it and keeps the
# old master key for the backups taken before (a backup then still restores and reads), and
# key destroy-old, on schedule, destroys it: the backup from before the disposal can no longer
# be read at all, while one taken after the rotation restores and reads. Each step on record.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_config "approval_valid = 1h"
C=$FUKUHONCTL
DB="$T/db/fukuhon.db"
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
q() { sqlite3 "$DB" "$1"; }

expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C demo-data --registers 5 --seed 11
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,dispose --reason "廃棄担当"
REG=$(q "SELECT min(id) FROM register")
expect 0 $C status
lacks "$T/out" "rotation due"
expect 0 $C backup "$T/before"

# ---- a disposal makes the rotation due: status and health say so ----
expect 0 as tanaka $C request dispose --register "$REG" --reason "保存期間満了"
expect 0 as sato $C approve 1 --reason "確認済み"
expect 0 as tanaka $C dispose 1
expect 0 $C status
contains "$T/out" "master-key rotation due since a disposal"
expect 0 $C status --json
contains "$T/out" '"key_rotation_due": true'
expect 1 $C health
contains "$T/out" "key_rotation"
contains "$T/out" "DUE since a disposal"
# the mark is a sealed row: removed with sqlite3, the next command refuses the database
cp "$DB" "$T/copy.db"
[ -f "$DB-wal" ] && cp "$DB-wal" "$T/copy.db-wal"
q "DELETE FROM meta WHERE key = 'key.rotation_due'"
expect 1 $C status --check
rm -f "$DB-wal" "$DB-shm"
cp "$T/copy.db" "$DB"
[ -f "$T/copy.db-wal" ] && cp "$T/copy.db-wal" "$DB-wal"
expect 0 $C status --check

# ---- rotated, the old master key kept: not due any more; the old backup still reads ----
expect 0 $C key rotate --keep-old
contains "$T/out" "kept until key destroy-old"
[ -f "$T/keys/master-00000001.key" ] && ok || not_ok "the old master key was not kept"
[ -f "$T/keys/master-00000002.key" ] && ok || not_ok "no new master key"
expect 0 $C status
lacks "$T/out" "rotation due"
expect 0 $C audit list --action key.rotation-due --json
contains "$T/out" "due:"
contains "$T/out" "done:"
expect 0 $C backup "$T/after"
expect 0 $C restore "$T/before"
expect 0 $C reindex --tags
# (the restore disposed of the register again from the key folder's ledger)
[ "$(q "SELECT count(*) FROM register WHERE id = $REG AND disposed_at IS NULL")" = 0 ] && ok || not_ok "the restore brought the register back"
expect 0 $C restore "$T/after"

# ---- on schedule: the old master key destroyed, on record ----
expect 1 as sato $C key destroy-old --reason "保存期間満了"
[ -f "$T/keys/master-00000001.key" ] && ok || not_ok "a supervisor destroyed a master key"
expect 0 $C key destroy-old --reason "旧バックアップの保存期間満了"
contains "$T/out" "1 old master key(s) destroyed"
[ -f "$T/keys/master-00000001.key" ] && not_ok "the old master key is still there" || ok
expect 0 $C audit list --action key.destroy-old --json
contains "$T/out" "master keys destroyed: 1"

# ---- the backup from before the disposal: nothing of it can be read any more ----
expect 1 $C restore "$T/before"
contains "$T/err" "master key 1 is not in key folder"
# ---- the backup from after the rotation: restores and reads ----
expect 0 $C restore "$T/after"
expect 0 $C reindex --tags
expect 0 $C audit verify
finish
