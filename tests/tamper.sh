#!/bin/sh
# The attacker of issue 9: someone who can write the database file (a stolen or restored copy,
# the administrator of the server it lives on) but cannot read the key folder. Each attack is
# made with sqlite3 on a copy of a real terminal (on PostgreSQL, by the server's administrator,
# past the triggers: store_forge), and the console, `audit verify` and
# `status --check` must refuse or report it, naming what was changed (R-ACCESS, R-FILES,
# R-JURIS, R-LOCKOUT, R-LOGSEAL, R-DETECT, R-CURRENT, R-TEST-ENV). docs/threat-model.md.
. "$(dirname "$0")/lib.sh"
on_pg || command -v sqlite3 > /dev/null || { echo "sqlite3 not found: skipped"; exit 77; }
make_pam admin:admin-pw:fukuhon sup:sup-pw:fukuhon op1:op1-pw:fukuhon op2:op2-pw:fukuhon \
	gone:gone-pw:fukuhon
make_config "language = en
lock_failures = 2
lock_duration = 0"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
DB="$T/db/fukuhon.db"

# The terminal as a bureau would have it: people, grants (one revoked), a lock, registers.
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 60 --seed 9 > /dev/null || exit 99
$C operator add sup --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C operator add op1 --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add op2 --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add gone --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator disable gone > /dev/null || exit 99
g() { FUKUHON_TEST_ACTOR=sup $C grant "$@" --reason tamper-test | sed -n 's/^grant \([0-9]*\):.*/\1/p'; }
G1=$(g op1 --all --kind koseki,ledger,documents --rights view)
G2=$(g op2 --municipality 131016 --kind koseki --rights view)
G3=$(g op1 --all --kind joseki --rights view)
[ -n "$G1" ] && [ -n "$G2" ] && [ -n "$G3" ] || exit 99
# an older copy, for putting rows back (old_permission_grant, old_lockout in forge_old) and for
# the whole store put back
store_snapshot before_revoke || exit 99
if on_pg; then
	store_keep old_permission_grant permission_grant true && store_keep old_lockout lockout true || exit 99
fi
FUKUHON_TEST_ACTOR=sup $C revoke "$G2" --reason tamper-test > /dev/null || exit 99
FUKUHON_TEST_ACTOR=sup $C revoke "$G3" --reason tamper-test > /dev/null || exit 99
# op2 locks itself out with wrong passwords (through PAM, as anyone would).
for i in 1 2; do
	echo wrong | pam_env env -u FUKUHON_TEST_ACTOR $C --user op2 --password-stdin grants > /dev/null 2>&1
done
$C lockout list > "$T/locks" || exit 99
grep -q "^op2 .*locked" "$T/locks" || { echo "setup: op2 is not locked"; cat "$T/locks"; exit 99; }
M1=$(store_sql "SELECT id FROM register WHERE municipality = '131016' AND kind = 1 ORDER BY id LIMIT 1")
L1=$(store_sql "SELECT id FROM ledger_entry ORDER BY id DESC LIMIT 1")
LM=$(store_sql "SELECT municipality FROM ledger_entry WHERE id = $L1")
D1=$(store_sql "SELECT id FROM notification_doc ORDER BY id DESC LIMIT 1")
DM=$(store_sql "SELECT municipality FROM notification_doc WHERE id = $D1")
[ -n "$M1" ] && [ -n "$L1" ] && [ -n "$D1" ] || { echo "setup: no register, ledger entry or document"; exit 99; }
OP1=$(store_sql "SELECT id FROM operator WHERE username = 'op1'")
GONE=$(store_sql "SELECT id FROM operator WHERE username = 'gone'")
SAPPORO=$(store_sql "SELECT id FROM bureau WHERE name = '札幌法務局'")
# The pristine terminal: database and key folder (the key folder holds the anchor and the
# history key, which move on with every record; putting it back is the test's, not the attacker's).
store_snapshot pristine || exit 99
cp -a "$T/keys" "$T/keys.pristine"
restore() {
	store_restore pristine || not_ok "the pristine store could not be put back"
	rm -rf "$T/keys"
	cp -a "$T/keys.pristine" "$T/keys"
}
# forge_old SQL: the attacker's SQL past the triggers, with the rows of before the revokes at
# hand as old_permission_grant and old_lockout (SQLite: the older file attached as old, the
# names turned to old.permission_grant and old.lockout; PostgreSQL: temporary tables of the
# rows kept then).
forge_old() {
	if on_pg; then
		psql "$FK_PG_ADMIN dbname=$STORE_DB" -X -q -v ON_ERROR_STOP=1 -1 \
			-c "SET LOCAL session_replication_role = replica" \
			-c "CREATE TEMP TABLE old_permission_grant AS SELECT * FROM permission_grant LIMIT 0" \
			-c "CREATE TEMP TABLE old_lockout AS SELECT * FROM lockout LIMIT 0" \
			-c "\\copy old_permission_grant FROM '$T/old_permission_grant.copy'" \
			-c "\\copy old_lockout FROM '$T/old_lockout.copy'" -c "$1"
	else
		sqlite3 -cmd ".timeout 10000" "$DB" ".dbconfig enable_trigger off" "ATTACH '$T/db.before_revoke/fukuhon.db' AS old" \
			"$(printf '%s' "$1" | sed 's/old_\(permission_grant\|lockout\)/old.\1/g')"
	fi
}

# ctlp ARGS: fukuhonctl as the administrator signed in through PAM (no test sign-in: over a
# database whose mode row was changed, that is refused too).
ctlp() { echo admin-pw | pam_env env -u FUKUHON_TEST_ACTOR "$C" --user admin --password-stdin "$@"; }

# attack NAME SQL NAMED [large]: tamper as the attacker does (triggers off where the history
# is touched), then each must refuse or report, naming NAMED: status --check, audit verify,
# the console (which does not start over a table it checks at start: every small table and
# the history's end) and an operation. A large table's row (registers, versions, ledger,
# documents: millions of rows) is checked where it is read; the console part is live() below.
attack() {
	what=$1 sql=$2 named=$3 size=${4:-small}
	restore
	forge_old "$sql" > /dev/null || { not_ok "$what: the attacker's SQL failed"; return; }
	records=$(store_sql "SELECT count(*) FROM audit_log")
	# status --check: a problem line naming the row, exit 1
	expect 1 ctlp status --check
	contains "$T/out" "$named"
	# audit verify: the same, exit 1
	expect 1 ctlp audit verify
	contains "$T/out" "$named"
	lacks "$T/out" "history intact"
	if [ "$size" = small ]; then
		# the console does not start over it (a refusal naming the row, before any screen)
		expect 1 timeout 20 "$FUKUHON" --config "$FUKUHON_CONFIG" < /dev/null
		contains "$T/err" "$named"
		# and nothing uses the database meanwhile: an operation is refused naming it
		expect 1 ctlp grants
		contains "$T/err" "$named"
		# nothing was written to a database that failed its checks at open
		[ "$(store_sql "SELECT count(*) FROM audit_log")" = "$records" ] && ok ||
			not_ok "$what: something was recorded in a database that failed its checks"
	fi
}

# The pristine terminal passes every check: no cry of wolf.
expect 0 ctlp status --check
contains "$T/out" "each as this terminal wrote it"
expect 0 ctlp audit verify
contains "$T/out" "history intact"
restore

# Who decides: operators (role, enabled, bureau), grants (widened, made, un-revoked), locks.
attack "operator role" "UPDATE operator SET role = 'supervisor' WHERE username = 'op1'" "operator row id=$OP1"
attack "operator enabled" "UPDATE operator SET enabled = 1 WHERE username = 'gone'" "operator row id=$GONE"
attack "operator bureau" "UPDATE operator SET bureau_id = $SAPPORO WHERE username = 'op1'" "operator row id=$OP1"
attack "grant widened" "UPDATE permission_grant SET municipality = NULL, kinds = 15, rights = 15 WHERE id = $G1" \
	"permission_grant row id=$G1"
attack "grant made" "CREATE TEMP TABLE t AS SELECT * FROM permission_grant WHERE id = $G1;
	UPDATE t SET id = $G1 + 100; INSERT INTO permission_grant SELECT * FROM t" "permission_grant row id=$(($G1 + 100))"
# Putting back the older copy of a row, with its own valid MAC: only the anchor and the
# history's record of the revoke can tell.
attack "grant un-revoked (older row put back)" "DELETE FROM permission_grant WHERE id = $G2;
	INSERT INTO permission_grant SELECT * FROM old_permission_grant WHERE id = $G2" "permission_grant"
attack "lock cleared" "DELETE FROM lockout WHERE username = 'op2'" "lockout"
attack "lock put back to before it was set" "DELETE FROM lockout WHERE username = 'op2';
	INSERT INTO lockout SELECT * FROM old_lockout WHERE username = 'op2'" "lockout"
# Jurisdiction and the terminal itself.
attack "municipality moved" "UPDATE municipality SET bureau_id = $SAPPORO WHERE code = '131016'" \
	"municipality row code=131016"
attack "bureau renamed" "UPDATE bureau SET name = '偽法務局' WHERE id = $SAPPORO" "bureau row id=$SAPPORO"
attack "test mode turned on" "UPDATE meta SET value = 'demo' WHERE key = 'mode'" "meta row key=mode"
# Meaning: the register's pointer and disposal, version, ledger and document metadata.
attack "register hidden" "UPDATE register SET disposed_at = 1 WHERE id = $M1" "register row id=$M1" large
attack "register changed_by" "UPDATE register_version SET changed_by = 'someone' WHERE register_id = $M1" \
	"register_version row" large
attack "ledger received_at" "UPDATE ledger_entry SET received_at = 0 WHERE id = $L1" "ledger_entry row id=$L1" large
attack "document type" "UPDATE notification_doc SET doc_type = 'x' WHERE id = $D1" "notification_doc row id=$D1" large
# The history: wiped, its tail cut, a trigger planted. (On a shared store the end checked first
# at open is the one all its writers left, core/trust/trust.c store_mismatch, and verify names
# this terminal's own chain: both say the records were cut off; on a terminal's own file every
# one names the end this terminal wrote.)
if on_pg; then CUT="records were cut off"; else CUT="but this terminal"; fi
attack "history wiped" "DELETE FROM audit_log;
	DELETE FROM audit_checkpoint" "$CUT"
attack "history tail cut" "DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 3 FROM audit_log)" \
	"$CUT"

# A planted trigger: the schema is not what fukuhon creates (before anything is read).
restore
if on_pg; then
	store_sql "CREATE FUNCTION spy() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN DELETE FROM audit_log WHERE seq = NEW.seq; RETURN NULL; END'" \
		"CREATE TRIGGER spy AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION spy()"
else
	store_sql "CREATE TRIGGER spy AFTER INSERT ON audit_log BEGIN DELETE FROM audit_log WHERE seq = NEW.seq; END"
fi || not_ok "planting the trigger failed"
expect 1 ctlp status --check
contains "$T/out" "ALTERED"
contains "$T/out" "spy"
expect 1 ctlp audit verify
contains "$T/out" "spy"
expect 1 timeout 20 "$FUKUHON" --config "$FUKUHON_CONFIG" < /dev/null
contains "$T/err" "schema"

# The whole database put back to an older copy (the key folder kept): a rollback.
restore
store_restore before_revoke || not_ok "the older copy could not be put back"
expect 1 ctlp status --check
cat "$T/out" "$T/err" > "$T/all"
contains "$T/all" "this terminal"
expect 1 timeout 20 "$FUKUHON" --config "$FUKUHON_CONFIG" < /dev/null
contains "$T/err" "put back to an older copy"

# ---- while an operator works: the next request after the change is refused, naming it ----
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
if [ -z "$TMUX_BIN" ]; then echo "tmux not found: the console part skipped"; finish; exit; fi
TMUX_CMD="$TMUX_BIN -S $T/tmux.sock -f /dev/null"
# row MUNI: the home screen's line of municipality MUNI (0 = the first)
row() { store_sql "SELECT count(*) FROM municipality m JOIN bureau b ON b.id = m.bureau_id
	WHERE b.name = '東京法務局' AND m.code < '$1'"; }
# live NAME MUNI SQL KEY NAMED: op1 signs in and stands on MUNI's line; the attacker changes
# the database under the running console; op1 presses KEY; the screen names NAMED.
n=0
live() {
	what=$1 muni=$2 sql=$3 key=$4 named=$5
	restore
	n=$((n + 1))
	tui_start "live$n" env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 "$FUKUHON" --config "$FUKUHON_CONFIG"
	tui_wait "live$n" "User name:" || return
	tui_send "live$n" op1; tui_key "live$n" Enter
	tui_wait "live$n" "Password:" || return
	tui_send "live$n" op1-pw; tui_key "live$n" Enter
	tui_wait "live$n" "Home" || return
	i=$(row "$muni")
	while [ "$i" -gt 0 ]; do tui_send "live$n" j; i=$((i - 1)); done
	forge_old "$sql" > /dev/null || { not_ok "$what: the attacker's SQL failed"; return; }
	tui_send "live$n" "$key"
	tui_wait "live$n" "$named" || return
	tui_screen "live$n" > "$T/screen"
	lacks "$T/screen" "全部事項証明"
	tui_send "live$n" qy
}
live "grant un-revoked under a running console" 131016 "DELETE FROM permission_grant WHERE id = $G3;
	INSERT INTO permission_grant SELECT * FROM old_permission_grant WHERE id = $G3" 2 "permission_grant"
live "municipality moved under a running console" 131016 \
	"UPDATE municipality SET bureau_id = $SAPPORO WHERE code = '131016'" 1 "municipality row code=131016"
live "version's author changed under a running console" 131016 \
	"UPDATE register_version SET changed_by = 'someone' WHERE register_id = $M1" 1 "register_version row"
live "ledger entry altered under a running console" "$LM" \
	"UPDATE ledger_entry SET received_at = 0 WHERE id = $L1" 3 "ledger_entry row id=$L1"
live "document altered under a running console" "$DM" \
	"UPDATE notification_doc SET doc_type = 'x' WHERE id = $D1" 4 "notification_doc row id=$D1"

finish
