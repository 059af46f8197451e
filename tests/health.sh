#!/bin/sh
# fukuhonctl health as a monitor runs it (issue 13; R-DETECT, R-LOG): the plugin's first line and
# exit codes (1 warning, 2 critical, 3 unknown), one line per check, --json, --check recorded and
# found by the next run, a key file others can read, a refusal, a usage error, and a database
# changed with sqlite3.
. "$(dirname "$0")/lib.sh"
make_config "language = en"
C=$FUKUHONCTL
expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add suzuki --role supervisor --bureau 東京法務局

# A new terminal: nothing checked, verified or backed up yet (warnings; this machine's clock may
# be unsynchronised too, also a warning).
expect 1 $C health
head -n 1 "$T/out" > "$T/first"
contains "$T/first" "FUKUHON WARNING - "
contains "$T/first" "backup: no backup recorded"
contains "$T/first" "integrity: never run: fukuhonctl health --check"
if sqlite_only "the database folder's free space in the performance data (a PostgreSQL store's disk is its server's: its line says so instead)"; then
	contains "$T/first" "| disk_database="
else
	contains "$T/first" "| disk_keys="
	contains "$T/out" "disk_database  OK       on the store's server: watched there"
fi
contains "$T/out" "lockdown       OK       not in force"
contains "$T/out" "alerts         OK       none open"
contains "$T/out" "key_rotation   OK       none due"
[ "$(wc -l < "$T/out")" = 14 ] && ok || not_ok "health: $(wc -l < "$T/out") lines, wanted 14"
expect 1 $C health --json
contains "$T/out" '"status": "WARNING"'
contains "$T/out" '"name": "backup_verify"'

# --check records its outcome; the next run (a supervisor's) finds it.
expect 1 $C health --check
contains "$T/out" "integrity      OK       passed ("
FUKUHON_TEST_ACTOR=suzuki expect 1 $C health
contains "$T/out" "integrity      OK       passed ("
expect 0 $C audit list --action health.check --json
contains "$T/out" '"result": "success"'
# status --check records it too
expect 0 $C status --check
expect 0 $C audit list --action health.check
[ "$(grep -c 'health.check' "$T/out")" = 2 ] && ok || not_ok "status --check did not record health.check"

# A file in the key folder others can read: critical, named.
echo x > "$T/keys/planted"
chmod 644 "$T/keys/planted"
expect 2 $C health
contains "$T/out" "FUKUHON CRITICAL - "
contains "$T/out" "key_files: unsafe: planted: readable or writable by others (not 0600)"
rm -f "$T/keys/planted"

# An operator is refused (on record); a usage error is unknown to a monitor.
FUKUHON_TEST_ACTOR=tanaka expect 3 $C health
contains "$T/out" "FUKUHON UNKNOWN - refused"
expect 3 $C health --bogus
expect 0 $C audit list --action health.view --result denied
contains "$T/out" "tanaka"

# An open intrusion alert is a warning (R-INTRUSION): tanaka's repeated refusals raise one
# (alert_refusals, 5 in 10 minutes by default; the one above counts too).
for i in 1 2 3 4 5; do FUKUHON_TEST_ACTOR=tanaka $C health > /dev/null 2>&1; done
expect 1 $C health
contains "$T/out" "alerts         WARNING  1 open"
id=$($C alert list --json | sed -n 's/.*"id": \([0-9]*\).*/\1/p' | head -n 1)
FUKUHON_TEST_ACTOR=suzuki expect 0 $C alert ack "$id" --note "health.sh drill"
expect 1 $C health
contains "$T/out" "alerts         OK       none open"

# The lockdown is a warning with its reason.
expect 0 $C lockdown on --reason "drill"
expect 1 $C health
contains "$T/out" "lockdown       WARNING  IN FORCE: drill"
expect 0 $C lockdown off --reason "drill over"

# A sealed row changed with sqlite3 (or by the PostgreSQL server's administrator): nobody can use
# the terminal (critical); --check examines it.
if on_pg || command -v sqlite3 > /dev/null; then
	store_sql "UPDATE operator SET role = 'administrator' WHERE username = 'tanaka'"
	expect 2 $C health
	contains "$T/out" "FUKUHON CRITICAL - the terminal could not be opened"
	expect 2 $C health --check
	head -n 1 "$T/out" > "$T/first" # the summary first, the problems after the lines
	contains "$T/first" "FUKUHON CRITICAL - integrity: FAILED now:"
	contains "$T/out" "integrity      CRITICAL FAILED now:"
	contains "$T/out" "operator row id="
	contains "$T/out" "does not match its MAC"
fi
finish
