#!/bin/sh
# The index key's check value end to end (R-KEYS, R-DETECT): index.key replaced by another valid
# key file, or the check value's row deleted or altered in the store behind the product (the
# sqlite3 command line, or psql as a PostgreSQL server's administrator: tests/shells_pg.sh),
# stops every ordinary command naming the cause; status --check and audit verify report it.
. "$(dirname "$0")/lib.sh"
make_config
C=$FUKUHONCTL
command -v sqlite3 > /dev/null || { echo "no sqlite3 command line: skipped"; exit 77; }

expect 0 $C init $TEST_INIT --audit-key-out "$T/k0"
expect 0 $C demo-data --registers 30
expect 0 $C status --check
expect 0 $C audit verify --key "$T/k0"
contains "$T/out" "history intact"
lacks "$T/out" "index key"
[ "$(store_sql "SELECT length(value) FROM meta WHERE key = 'index_key_check'")" = 64 ] && ok ||
	not_ok "init wrote no check value of the index key"

# A second terminal's key folder: its index.key is a valid key file, same mode and owner. (Its
# store is a SQLite file whatever this test's: only its keys and check value are used.)
mkdir -m 700 "$T/other"
sed "s|^key_dir = keys|key_dir = other/keys|; s|^database = .*|database = other/db/fukuhon.db|; /^database_admin/d" \
	"$T/fukuhon.conf" > "$T/other.conf"
expect 0 $C --config "$T/other.conf" init $TEST_INIT --audit-key-out "$T/other/k0"
cp -p "$T/keys/index.key" "$T/index.key.good"
cp -p "$T/other/keys/index.key" "$T/keys/index.key"
cmp -s "$T/keys/index.key" "$T/index.key.good" && not_ok "the two terminals share an index key"

expect 1 $C status
contains "$T/err" "index.key is not the key this terminal's search index was built with: restore the key folder"
expect 1 $C audit list
contains "$T/err" "index.key is not the key"
expect 1 $C status --check
contains "$T/err" "index.key is not the key"
contains "$T/err" "examining the database without recording it"
expect 1 $C audit verify --key "$T/k0"
contains "$T/out" "PROBLEM: index key: index.key is not the key this terminal's search index was built with"
contains "$T/err" "examining the database without recording it"
# Nothing was written while it was refused.
before=$(store_sql "SELECT count(*) FROM audit_log")
expect 1 $C status
[ "$(store_sql "SELECT count(*) FROM audit_log")" = "$before" ] && ok || not_ok "a refused start was recorded"

# The right key back: everything as before.
cp -p "$T/index.key.good" "$T/keys/index.key"
expect 0 $C status --check
expect 0 $C audit verify --key "$T/k0"
contains "$T/out" "history intact"

# The check value's row deleted in a copy of the store (with the keys copied too): the meta
# table no longer adds up to its anchored digest, so the copy is refused and never re-adopted;
# verify finds the row's record (t696e… is "index_key_check" as row references write it).
# copy: the store and the key folder as they are here, put back before each attack.
store_snapshot good
cp -a "$T/keys" "$T/keys.good"
copy() {
	store_restore good
	rm -rf "$T/keys" && cp -a "$T/keys.good" "$T/keys"
}
copy
store_sql "DELETE FROM meta WHERE key = 'index_key_check'" || not_ok "the row could not be deleted"
expect 1 $C status
contains "$T/err" "table meta is not in the state"
contains "$T/err" "meta row key=index_key_check written by record 1 is missing"
expect 1 $C status
[ "$(store_sql "SELECT count(*) FROM meta WHERE key = 'index_key_check'")" = 0 ] && ok ||
	not_ok "a deleted check value was written again"
expect 1 $C audit verify --key "$T/k0"
contains "$T/out" "older copy put back: meta row key=index_key_check written by record 1 is missing: it was removed"
contains "$T/out" "note: index key: no check value of the index key is stored"

# The row altered (the other terminal's value, a valid-looking one): its MAC no longer matches.
copy
other=$(sqlite3 "$T/other/db/fukuhon.db" "SELECT value FROM meta WHERE key = 'index_key_check'")
store_sql "UPDATE meta SET value = '$other' WHERE key = 'index_key_check'" || not_ok "the row could not be changed"
expect 1 $C status
contains "$T/err" "meta row key=index_key_check does not match its MAC"

# Both at once: the other terminal's index key and its check value row, MAC and all. The row's
# MAC is under this terminal's trust key, so it is refused all the same.
copy
mac=$(sqlite3 "$T/other/db/fukuhon.db" "SELECT hex(mac) FROM meta WHERE key = 'index_key_check'")
if on_pg; then macsql="decode('$mac', 'hex')"; else macsql="X'$mac'"; fi
store_sql "UPDATE meta SET value = '$other', mac = $macsql WHERE key = 'index_key_check'" ||
	not_ok "the row could not be changed"
[ "$(store_sql "SELECT $(sql_hex mac) FROM meta WHERE key = 'index_key_check'")" = "$mac" ] && ok ||
	not_ok "the other terminal's MAC was not put in"
cp -p "$T/other/keys/index.key" "$T/keys/index.key"
expect 1 $C status
contains "$T/err" "meta row key=index_key_check does not match its MAC"

finish
