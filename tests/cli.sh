#!/bin/sh
# fukuhonctl end to end: init, reference data, operators, demo data, status, key rotation,
# refusals with exit codes (R-KEYS, R-ATREST, R-ENROL, R-LOG).
. "$(dirname "$0")/lib.sh"
make_config
C=$FUKUHONCTL

expect 2 $C
expect 2 $C frobnicate
# COMMAND --help: the command's usage, not "unknown option" (issue 11, item 11).
expect 0 $C demo-data --help
contains "$T/out" "usage: fukuhonctl demo-data --registers N"
lacks "$T/err" "unknown option"
expect 0 $C --help
contains "$T/out" "operator add"
expect 1 $C status
contains "$T/err" "fukuhonctl init"

expect 0 $C init $TEST_INIT
contains "$T/out" "50 bureaus"
[ "$(stat -c %a "$T/keys")" = 700 ] && ok || not_ok "key folder mode $(stat -c %a "$T/keys")"
[ "$(stat -c %a "$T/keys/index.key")" = 600 ] && ok || not_ok "key file mode"
if sqlite_only "the database file's and folder's modes (a PostgreSQL store is the server's)"; then
	[ "$(stat -c %a "$T/db/fukuhon.db")" = 600 ] && ok || not_ok "database mode"
	[ "$(stat -c %a "$T/db")" = 700 ] && ok || not_ok "database folder mode"
fi
expect 1 $C init $TEST_INIT
contains "$T/err" "already"

expect 0 $C bureau list --json
contains "$T/out" '"name": "東京法務局"'
contains "$T/out" '"parent": "札幌法務局"'
expect 0 $C municipality list --bureau 東京法務局
contains "$T/out" "131016"
contains "$T/out" "千代田区"
lacks "$T/out" "011002"
expect 1 $C municipality list --bureau 架空法務局
contains "$T/err" "unknown bureau"
expect 2 $C bureau list --bogus

expect 0 $C operator add tanaka --role operator --bureau 東京法務局 --name "田中 一郎"
expect 1 $C operator add tanaka --role operator --bureau 東京法務局
contains "$T/err" "already exists"
expect 2 $C operator add sato --role king --bureau 東京法務局
expect 1 $C operator add sato --role operator --bureau 架空法務局
expect 2 $C operator add
expect 0 $C operator disable tanaka
expect 0 $C operator list --json
contains "$T/out" '"user": "tanaka"'
contains "$T/out" '"enabled": false'
contains "$T/out" '"name": "田中 一郎"'
expect 1 $C operator enable nobody

expect 0 $C demo-data --registers 200 --seed 7
contains "$T/out" "generated 200 registers"
expect 2 $C demo-data --registers many
expect 1 $C demo-data --registers 5 --bureau 架空法務局
expect 0 $C status --json --check
contains "$T/out" '"registers": 200'
contains "$T/out" '"integrity": "ok"'
# Sort orders (本籍, reading): in step after demo-data; a lost chunk is noticed and rebuilt.
expect 0 $C reindex
contains "$T/out" "every list was in step"
expect 2 $C reindex --all --municipality 131016
expect 1 $C reindex --municipality 999999
contains "$T/err" "999999 is not known"
store_sql "DELETE FROM register_order WHERE municipality = '131016' AND field = 2" || not_ok "store_sql"
expect 0 $C reindex
contains "$T/out" "lists rebuilt"
lacks "$T/out" " 0 lists"
expect 0 $C reindex
contains "$T/out" "every list was in step"
expect 0 $C audit list --action maintenance.reindex
contains "$T/out" "131016"
# Search tags recomputed (reindex --tags): tags the index lost come back, each step on record.
store_sql "DELETE FROM register_index WHERE register_id <= 50" || not_ok "store_sql"
expect 0 $C reindex --tags --batch 64
contains "$T/out" "for 200 registers"
lacks "$T/out" ": 0 added"
expect 0 $C reindex --tags
contains "$T/out" "for 200 registers: 0 added"
expect 2 $C reindex --tags --all
expect 2 $C reindex --batch 5
expect 0 $C audit list --action maintenance.reindex-tags
contains "$T/out" "success step"
# R-ATREST: synthetic names never reach the file in clear.
# (On PostgreSQL no live row holds them, in clear or as a bytea's hex: there is no file to read.)
if sqlite_only "the database file's and WAL's bytes (instead: no live row holds the clear text)"; then
	if grep -qa '"届出日"' "$T/db/fukuhon.db" "$T/db/fukuhon.db-wal" 2>/dev/null; then not_ok "clear text in database"; else ok; fi
elif pg_rows_hold '"届出日"' || pg_rows_hold "$(printf '%s' '"届出日"' | od -An -tx1 | tr -d ' \n')"; then
	not_ok "clear text in the store's rows"
else ok; fi

expect 0 $C key rotate --batch 50
contains "$T/out" "master key 2 is current"
[ -e "$T/keys/master-00000001.key" ] && not_ok "old master key left behind" || ok
expect 0 $C status
contains "$T/out" "registers       200"

# R-KEYS: loose permissions or a missing key stop everything, with a clear message.
chmod 644 "$T/keys/index.key"
expect 1 $C status
contains "$T/err" "index.key"
chmod 600 "$T/keys/index.key"
mv "$T/keys" "$T/keys.away"
expect 1 $C status
contains "$T/err" "keys"
mv "$T/keys.away" "$T/keys"

# A bad configuration names the line.
printf 'database = x\nbogus = 1\n' > "$T/bad.conf"
expect 1 $C --config "$T/bad.conf" status
contains "$T/err" "bad.conf:2"

finish
