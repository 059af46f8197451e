#!/bin/sh
# The pinned schema end to end: a trigger planted with the sqlite3 command line in a copy of a
# real terminal's database stops status --check, audit verify and every ordinary command,
# each naming it (R-LOGSEAL, R-DETECT, R-LOG).
. "$(dirname "$0")/lib.sh"
make_config
C=$FUKUHONCTL
command -v sqlite3 > /dev/null || { echo "no sqlite3 command line: skipped"; exit 77; }

expect 0 $C init $TEST_INIT --audit-key-out "$T/k0"
expect 0 $C operator add tanaka --role operator --bureau 東京法務局 --name "田中 一郎"
expect 0 $C demo-data --registers 50
expect 0 $C status --check
contains "$T/out" "schema          as created by the migrations"
expect 0 $C audit verify --key "$T/k0"
contains "$T/out" "history intact"

# The attacker's copy of the database, and a terminal that uses it (with a copy of the keys,
# so that the two histories do not run into each other).
mkdir -m 700 "$T/copy" "$T/copy/db"
cp -a "$T/keys" "$T/copy/keys"
cp "$T/db/fukuhon.db" "$T/copy/db/fukuhon.db"
cp "$T/fukuhon.conf" "$T/copy/fukuhon.conf"
X="$C --config $T/copy/fukuhon.conf"
expect 0 $X status --check
contains "$T/out" "schema          as created by the migrations"
DB="$T/copy/db/fukuhon.db"
rows() { sqlite3 "$DB" "SELECT count(*) FROM audit_log"; }

# A trigger that erases every record as it is written.
sqlite3 "$DB" "CREATE TRIGGER erase_reads AFTER INSERT ON audit_log BEGIN
	DELETE FROM audit_log WHERE seq = NEW.seq; END" || not_ok "sqlite3"
before=$(rows)
expect 1 $X status --check
contains "$T/out" "schema          ALTERED: unexpected trigger 'erase_reads' on audit_log"
contains "$T/err" "the database schema was altered (1 difference)"
lacks "$T/out" "registers"
expect 1 $X status --check --json
contains "$T/out" '"schema_altered"'
contains "$T/out" "unexpected trigger 'erase_reads' on audit_log"
expect 1 $X audit verify --key "$T/k0"
contains "$T/out" "PROBLEM: schema altered: unexpected trigger 'erase_reads' on audit_log"
contains "$T/out" "history NOT intact: 1 problem"
contains "$T/err" "examining the database without recording it"
expect 1 $X operator list
contains "$T/err" "the database schema was altered: unexpected trigger 'erase_reads' on audit_log"
lacks "$T/out" "tanaka"
expect 1 $X status
contains "$T/err" "unexpected trigger 'erase_reads' on audit_log"
expect 1 $X operator add sato --role operator --bureau 東京法務局
[ "$(rows)" = "$before" ] && ok || not_ok "the copy's history changed: $before -> $(rows) records"

# Dropped append-only triggers are named too, every one of them.
sqlite3 "$DB" "DROP TRIGGER erase_reads; DROP TRIGGER audit_log_no_delete;
	DROP TRIGGER audit_log_no_update" || not_ok "sqlite3"
before=$(rows)
expect 1 $X status --check
contains "$T/out" "missing trigger 'audit_log_no_delete' on audit_log"
contains "$T/out" "missing trigger 'audit_log_no_update' on audit_log"
expect 1 $X audit verify --key "$T/k0"
contains "$T/out" "history NOT intact: 2 problems"
expect 1 $X operator list
contains "$T/err" "missing trigger 'audit_log_no_"
[ "$(rows)" = "$before" ] && ok || not_ok "written through an altered schema: $before -> $(rows) records"

# The terminal's own database was never touched.
expect 0 $C operator list
contains "$T/out" "tanaka"
expect 0 $C status --check
expect 0 $C audit verify --key "$T/k0"
contains "$T/out" "history intact"

finish
