#!/bin/sh
# fukuhonctl audit end to end: every command recorded, verify, list, export, checkpoints,
# tampering found with exit 1 (R-LOG, R-LOGSEAL, R-TIME, R-DETECT).
. "$(dirname "$0")/lib.sh"
make_config "audit_checkpoint_records = 4"
C=$FUKUHONCTL

expect 0 $C init $TEST_INIT --audit-key-out "$T/k0"
contains "$T/out" "history initial key: $T/k0"
[ "$(stat -c %a "$T/k0")" = 600 ] && ok || not_ok "K0 file mode"
[ "$(stat -c %a "$T/keys/audit.key")" = 600 ] && ok || not_ok "audit.key mode"
[ -f "$T/audit-sign.pub" ] && ok || not_ok "no exported public key"
expect 0 $C operator add tanaka --role operator --bureau 東京法務局 --name "田中 一郎"
expect 1 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C status
expect 0 $C operator list
expect 0 $C bureau list

# Reads are recorded too, and so are program start and stop.
expect 0 $C audit list --action status
contains "$T/out" "status.view"
expect 0 $C audit list --json --operator admin --action operator
contains "$T/out" '"action": "operator.add"'
contains "$T/out" '"result": "failed"'
contains "$T/out" '"detail": "operator tanaka already exists"'
lacks "$T/out" '"action": "status.view"'
expect 0 $C audit list --json --action program
contains "$T/out" '"action": "program.start"'
contains "$T/out" '"action": "program.stop"'
expect 0 $C audit list --since 2000-01-01 --until 2000-01-02
[ -s "$T/out" ] && not_ok "records dated 2000" || ok
expect 2 $C audit list --since yesterday

# Verification with K0: default file absent (moved with --audit-key-out), so --key.
expect 1 $C audit verify
contains "$T/err" "--key"
expect 0 $C audit verify --key "$T/k0"
contains "$T/out" "history intact"

# Export: JSON lines and quoted CSV, details decrypted; the export is recorded.
expect 0 $C audit export --format jsonl
contains "$T/out" '"detail":"operator tanaka already exists"'
[ "$(head -1 "$T/out" | jq -r .action)" = terminal.create ] && ok || not_ok "jsonl first line"
expect 0 $C audit export --format csv
contains "$T/out" 'seq,time,ts_ns'
contains "$T/out" '"operator.add","operator","tanaka","failed"'
expect 2 $C audit export --format xml
expect 0 $C audit list --action audit.export
contains "$T/out" "audit.export"

# Checkpoint kept elsewhere.
expect 0 $C audit checkpoint --export "$T/cp.json"
contains "$T/out" "checkpoint of record"
expect 1 $C audit checkpoint --export "$T/cp.json"
expect 0 $C audit verify --key "$T/k0" --checkpoint "$T/cp.json"
contains "$T/out" "history intact"

# Tamper (sqlite3 on the file, or the PostgreSQL server's administrator): the triggers refuse, a
# forger's connection ignores them (dropping them would
# alter the pinned schema, tests/schema.sh); verify names the record and exits 1.
if store_sql "UPDATE audit_log SET action = 'x' WHERE seq = 3" > /dev/null 2>&1; then
	not_ok "trigger let an UPDATE through"
else ok; fi
store_forge "UPDATE audit_log SET action = 'register.nothing' WHERE seq = 3" > /dev/null || not_ok "store_forge"
expect 1 $C audit verify --key "$T/k0"
contains "$T/out" "PROBLEM record 3: mac mismatch"
contains "$T/out" "first broken record: 3"

# R-TIME: list shows each record's clock state as stored, verify refuses a changed one.
store_forge "UPDATE audit_log SET clock_synced = 1 - clock_synced WHERE seq IN (5, 6)" || not_ok "store_forge"
expect 0 $C audit list --json
cp "$T/out" "$T/list.json"
expect 0 $C audit list
for n in 5 6; do
	synced=$(store_sql "SELECT clock_synced FROM audit_log WHERE seq = $n")
	want=false; [ "$synced" = 1 ] && want=true
	[ "$(jq -r ".[] | select(.seq == $n) | .clock_synced" "$T/list.json")" = "$want" ] && ok ||
		not_ok "record $n: list --json clock_synced is not $want"
	grep -E "^ +$n  " "$T/out" > "$T/line"
	if [ "$synced" = 0 ]; then contains "$T/line" "[clock not synchronised]"
	else lacks "$T/line" "[clock not synchronised]"; fi
done
expect 1 $C audit verify --key "$T/k0"
contains "$T/out" "PROBLEM record 5: mac mismatch"
contains "$T/out" "PROBLEM record 6: mac mismatch"

# Cutting the end: recording stops (fail closed), verify still runs and names where.
store_forge "DELETE FROM audit_log WHERE seq > 20" > /dev/null || not_ok "store_forge"
expect 1 $C status
contains "$T/err" "cut off the end"
expect 1 $C audit verify --key "$T/k0" --checkpoint "$T/cp.json"
contains "$T/out" "PROBLEM record 21: records cut off the end"
contains "$T/err" "examining the database without recording it"

finish
