#!/bin/sh
# The attacker of docs/threat-model.md (writes the database with sqlite3, triggers off; cannot
# reach the key folder) against a municipality's return and the disposal that follows it, and
# the history after a disposal (R-DETECT, R-APPROVE, R-DISPOSE, R-LOGSEAL). Each attack is made
# on a copy of a real test terminal; the product must refuse or report it with a clear message
# and dispose of nothing it was not asked to:
#   what the return held (return_item) cut, or its sealed record (meta return.N) changed;
#   the return's request moved back from executed to approved (to carry it out twice);
#   a register added after the return hidden (its disposed_at set) or relabelled to another
#   municipality, or a register amended after the return put back to the version returned, so
#   that the disposal either covers less than the municipality holds or destroys what was
#   never returned;
#   the disposal undone (its keys and content put back from a copy of before), and the history
#   after the disposal cut.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_config "approval_valid = 1h
language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
P=$T/pki
DB="$T/db/fukuhon.db"
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
q() { sqlite3 -cmd ".timeout 10000" "$DB" "$1"; }
# the attacker: triggers off, as in tests/tamper.sh
hack() { sqlite3 -cmd ".timeout 10000" "$DB" ".dbconfig enable_trigger off" "$1" > /dev/null || not_ok "sqlite3: $1"; }

# ---- a terminal with a return carried out and its disposal approved ----
return_terminal "$P"
OTHERM=$(q "SELECT code FROM municipality WHERE code <> '$M' AND bureau_id = (SELECT bureau_id FROM municipality WHERE code = '$M') LIMIT 1")
mkdir -m 700 "$T/out.d"
expect 0 as tanaka $C request return --municipality "$M" --reason "市町村からの返還請求"
expect 0 as sato $C approve 1 --reason "確認済み"
expect 0 as tanaka $C return 1 --to "$T/muni.crt" --out "$T/out.d/r.fkpkg"
expect 0 as tanaka $C request dispose-municipality --municipality "$M" --after-return 1 --reason "返還後の廃棄"
expect 0 as sato $C approve 2 --reason "返還済みを確認"
# registers of M that came after the return (not in it): the disposal must be refused for them
expect 0 $C demo-data --registers 300 --seed 8
ADDED=$(( $(q "SELECT count(*) FROM register WHERE municipality = '$M'") - N ))
[ "$ADDED" -ge 1 ] && [ -n "$OTHERM" ] || { echo "setup: nothing added to $M ($ADDED) or no other municipality"; exit 99; }
NEW=$(q "SELECT group_concat(id) FROM register WHERE municipality = '$M' AND id NOT IN (SELECT register_id FROM return_item WHERE request_id = 1)")
R1=$(q "SELECT min(register_id) FROM return_item WHERE request_id = 1")
# the ledger entries and documents of M after the return (its sealed record: code, registers,
# the last ledger id, the last document id, the list's digest)
LMAX=$(q "SELECT value FROM meta WHERE key = 'return.1'" | cut -d' ' -f3)
DMAX=$(q "SELECT value FROM meta WHERE key = 'return.1'" | cut -d' ' -f4)
HIDE_ROWS="UPDATE ledger_entry SET municipality = '$OTHERM' WHERE municipality = '$M' AND id > $LMAX;
	UPDATE notification_doc SET municipality = '$OTHERM' WHERE municipality = '$M' AND id > $DMAX;"
keep_pristine
# nothing of M disposed of, its key still there
untouched() {
	[ "$(q "SELECT count(*) FROM register WHERE municipality = '$M' AND disposed_at IS NOT NULL AND id NOT IN ($NEW)")" = 0 ] &&
		[ "$(q "SELECT count(*) FROM data_key k JOIN municipality m ON m.key_id = k.id WHERE m.code = '$M' AND k.wrapped IS NOT NULL")" = 1 ] &&
		ok || not_ok "$1: something of $M was disposed of"
}

# The pristine copy: the disposal is refused for the registers added after the return, naming them.
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "refused [not-as-returned]"
contains "$T/err" "$ADDED register(s)"
untouched pristine

# ---- what the return held cut: one of its items deleted ----
restore
hack "DELETE FROM return_item WHERE request_id = 1 AND register_id = $R1"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "does not match its sealed record"
untouched "return_item cut"

# ---- the new registers added to what the return held: items and list both forged ----
restore
hack "INSERT INTO return_item(request_id, register_id, version) SELECT 1, id, version FROM register WHERE id IN ($NEW)"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "does not match its sealed record"
untouched "return_item padded"

# ---- the sealed record of the return changed to match a cut list: the meta row's MAC ----
restore
hack "UPDATE meta SET value = replace(value, ' $N ', ' $((N - 1)) ') WHERE key = 'return.1'"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "meta"
contains "$T/err" "MAC"
untouched "return record changed"

# ---- the sealed record of the return deleted ----
restore
hack "DELETE FROM meta WHERE key = 'return.1'"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "meta"
untouched "return record deleted"

# ---- the return's request moved back to approved, to carry it out (write the package) again ----
restore
hack "UPDATE approval_request SET state = 'approved', executed_at = NULL WHERE id = 1"
expect 1 as tanaka $C return 1 --to "$T/muni.crt" --out "$T/out.d/again.fkpkg"
contains "$T/err" "approval_request row id=1"
[ ! -e "$T/out.d/again.fkpkg" ] && ok || not_ok "a second return package was written"

# ---- the registers added after the return hidden from the comparison (disposed_at set): the
# disposal would pass and leave them, content and keys, as if the municipality were gone ----
restore
hack "$HIDE_ROWS UPDATE register SET disposed_at = 1 WHERE id IN ($NEW)"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "register row id="
contains "$T/err" "does not match its MAC"
untouched "registers hidden"
# the refusal is on record
expect 0 $C audit list --action dispose-municipality.execute --json
contains "$T/out" "does not match its MAC"

# ---- the same registers relabelled to another municipality of the bureau ----
restore
hack "$HIDE_ROWS UPDATE register SET municipality = '$OTHERM' WHERE id IN ($NEW)"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "row id="
contains "$T/err" "does not match its MAC"
untouched "registers relabelled"

# ---- a returned register's version made to differ, then the list put to agree: the register's
# own row (what the comparison reads) is checked ----
restore
hack "$HIDE_ROWS DELETE FROM register WHERE id IN ($NEW); UPDATE register SET version = version + 1 WHERE id = $R1"
expect 1 as tanaka $C dispose-municipality 2
contains "$T/err" "register row id=$R1"
untouched "register version changed"

# ---- after a disposal carried out: the keys put back, the history cut ----
restore
expect 0 as tanaka $C request return --municipality "$M" --reason "追加分を含めて返還"
R3=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
expect 0 as sato $C approve "$R3" --reason "確認済み"
expect 0 as tanaka $C return "$R3" --to "$T/muni.crt" --out "$T/out.d/r3.fkpkg"
expect 0 as tanaka $C request dispose-municipality --municipality "$M" --after-return "$R3" --reason "返還後の廃棄"
R4=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
expect 0 as sato $C approve "$R4" --reason "返還済みを確認"
q "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$DB" "$T/before-dispose.db"
expect 0 as tanaka $C dispose-municipality "$R4"
keep_pristine
# the wrapped keys and the content put back from the copy of before (the disposal undone with
# sqlite3): destroyed again at the next open from the key folder's disposal ledger, on record
hack "ATTACH '$T/before-dispose.db' AS old;
	UPDATE data_key SET wrapped = (SELECT o.wrapped FROM old.data_key o WHERE o.id = data_key.id), destroyed_at = NULL
	WHERE id IN (SELECT key_id FROM register WHERE municipality = '$M') OR id = (SELECT key_id FROM municipality WHERE code = '$M');
	UPDATE register_version SET content = (SELECT o.content FROM old.register_version o WHERE o.id = register_version.id)
	WHERE register_id IN (SELECT id FROM register WHERE municipality = '$M')"
[ "$(q "SELECT count(*) FROM data_key k JOIN register r ON r.key_id = k.id WHERE r.municipality = '$M' AND k.wrapped IS NOT NULL")" -gt 0 ] && ok ||
	not_ok "setup: no key put back"
expect 0 as tanaka $C requests
[ "$(q "SELECT count(*) FROM data_key k JOIN register r ON r.key_id = k.id WHERE r.municipality = '$M' AND k.wrapped IS NOT NULL")" = 0 ] && ok ||
	not_ok "keys put back after the disposal are still there"
[ "$(q "SELECT count(*) FROM register_version v JOIN register r ON r.id = v.register_id WHERE r.municipality = '$M' AND length(v.content) > 0")" = 0 ] && ok ||
	not_ok "content put back after the disposal is still there"
expect 0 $C audit list --action dispose.reapply --json
contains "$T/out" "$M"
# the history cut back to before the disposal
restore
END=$(q "SELECT max(seq) FROM audit_log")
FIRST=$(q "SELECT min(seq) FROM audit_log WHERE action LIKE 'dispose-municipality.%'")
hack "DELETE FROM audit_log WHERE seq >= $FIRST"
expect 1 $C audit verify
contains "$T/out" "$END"
expect 1 as tanaka $C requests
contains "$T/err" "history ends at record $((FIRST - 1))"
finish
