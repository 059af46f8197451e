#!/bin/sh
# A grant revoked in another process applies at the open console's next decision (issue 14;
# R-FILES, R-ACCESS, R-LOG): tanaka, signed in, has 千代田区's register list on the screen and
# has opened a register from it; an administrator revokes the grant with fukuhonctl; tanaka's
# next action on that municipality (opening a register of the list still shown) is refused,
# and the refusal recorded, without signing in again. A new grant opens it again in the same
# session. What bites: the gate deciding from the grant rows at every decision
# (core/access/authz.c load_grants); a grant or role remembered by the console or the core
# for the session would let the second open through. On SQLite, then on PostgreSQL (skipped
# with a message where postgresql-15 is not installed).
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || { echo "tmux is not available: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon
make_config "language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL

# revoke_test SESSION: the whole of it on the terminal of $FUKUHON_CONFIG, the console in SESSION.
revoke_test() {
	# 300 registers of seed 5 put four 戸籍 in 千代田区
	for step in "init $TEST_INIT" "demo-data --registers 300 --seed 5" \
		"operator add tanaka --role operator --bureau 東京法務局"; do
		$C $step > /dev/null || { not_ok "$step failed"; return; }
	done
	expect 0 $C grant tanaka --municipality 131016 --kind koseki --rights view --reason e2e
	id=$(sed -n 's/^grant \([0-9]*\):.*/\1/p' "$T/out")
	[ -n "$id" ] && ok || not_ok "no grant id in: $(cat "$T/out")"
	tui_console "$1" "$FUKUHON_CONFIG"
	tui_sign_in_en "$1" tanaka || return
	# 千代田区 (131016) is the bureau's first line: its list, and a register opened from it
	tui_send "$1" 1
	tui_wait "$1" "131016 千代田区: registers (戸籍)"
	tui_key "$1" Enter
	tui_wait "$1" ", version "
	tui_key "$1" Escape
	tui_wait "$1" "131016 千代田区: registers (戸籍)"
	# another process revokes the grant: the list stays on the screen, the next open is refused
	expect 0 $C revoke "$id" --reason "console test"
	tui_key "$1" Enter
	tui_wait "$1" "Your grant for this was revoked."
	tui_screen "$1" > "$T/refused"
	lacks "$T/refused" ", version "
	expect 0 $C audit list --operator tanaka --result denied
	contains "$T/out" "register.open"
	contains "$T/out" "grant-revoked"
	# granted again: it opens, in the same session
	expect 0 $C grant tanaka --municipality 131016 --kind koseki --rights view --reason again
	tui_key "$1" Enter
	tui_wait "$1" ", version "
}

revoke_test a
# The same with the console on PostgreSQL (database = postgresql://…).
pg_part || { finish; exit; }
# the terminal's own role (terminal-a, member of fukuhon_terminal only), the schema made by its
# owner (database_admin)
conf_on "$T/pg" "$FK_PG_CONNINFO_A"
echo "database_admin = $FK_PG_CONNINFO_OWNER" >> "$T/pg/fukuhon.conf"
FUKUHON_CONFIG=$T/pg/fukuhon.conf
revoke_test p
finish
