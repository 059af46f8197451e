#!/bin/sh
# The lockdown end to end (issue 13; R-INTRUSION, R-LOG): a console signed in as an operator is
# signed out within 5 s of `fukuhonctl lockdown on` in another process and shows the banner with
# the reason; the operator's sign-in is refused, an administrator's works and the health screen
# shows the lockdown; `lockdown off` lifts the banner and sign-ins work again. Then the banner in
# Japanese, and the supervisor's home line on the terminal's health.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || { echo "tmux is not available: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon admin:admin-pw:fukuhon suzuki:suzuki-pw:fukuhon
make_config "language = en
fail_delay = 1"
C=$FUKUHONCTL
expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add suzuki --role supervisor --bureau 東京法務局
sed 's/^language = en/language = ja/' "$T/fukuhon.conf" > "$T/ja.conf"
ja_catalogue

S=c1
tui_start $S env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" \
	UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 "$FUKUHON" --config "$T/fukuhon.conf"
tui_wait $S "User name:"
attempt() {
	tui_send $S "$1"; tui_key $S Enter
	tui_wait $S "Password:"
	tui_send $S "$2"; tui_key $S Enter
}
attempt tanaka tanaka-pw
tui_wait $S "tanaka (operator)"

# On from another process: the open console signs out within 5 s and shows why.
expect 0 $C lockdown on --reason "Suspected intrusion at the counter"
tui_wait $S "LOCKDOWN IN FORCE: only administrators may sign in." 5
tui_wait $S "Reason: Suspected intrusion at the counter"
tui_gone $S "tanaka (operator)"
expect 0 $C audit list --action signout --json
contains "$T/out" '"reason": "lockdown"'

# The operator is refused with the reason, on the console and on the command line.
attempt tanaka tanaka-pw
tui_wait $S "Sign-in refused: a lockdown is in force; only administrators may sign in."
FUKUHON_TEST_ACTOR=tanaka expect 1 $C lockdown status
contains "$T/err" "lockdown is in force"
expect 0 $C audit list --action signin --result failed --json
contains "$T/out" '"reason": "lockdown"'

# An administrator signs in; the health screen (D) shows the lockdown and its reason.
attempt admin admin-pw
tui_wait $S "admin (administrator)"
tui_wait $S "Attention: the terminal's health has WARNINGS (D shows them)"
tui_key $S D
tui_wait $S "Terminal health: WARNING"
tui_wait $S "IN FORCE: Suspected intrusion at the counter"
tui_key $S q
tui_wait $S "Attention: the terminal's health"
tui_send $S qy
tui_wait $S "User name:"

# Off: the banner goes from the open sign-in screen by itself, and sign-ins work again.
expect 0 $C lockdown off --reason "Cleared"
tui_gone $S "LOCKDOWN IN FORCE" 5
attempt tanaka tanaka-pw
tui_wait $S "tanaka (operator)"
tui_send $S qy
tui_wait $S "User name:"
expect 0 $C lockdown status
contains "$T/out" "lockdown off since"

# The supervisor's home has the health line; the screen is theirs too.
attempt suzuki suzuki-pw
tui_wait $S "suzuki (supervisor)"
tui_wait $S "Attention: the terminal's health has WARNINGS (D shows them)"
tui_key $S D
tui_wait $S "Full check of the database"
tui_wait $S "no backup recorded"
tui_key $S q
tui_send $S qy
tui_wait $S "User name:"

# In Japanese, at 80x24, the banner and the reason.
expect 0 $C lockdown on --reason "調査のため停止"
tui_console ja "$T/ja.conf"
tui_wait ja "緊急停止（ロックダウン）中：管理者のみサインインできます。"
tui_wait ja "理由：調査のため停止"
expect 0 $C lockdown off --reason "解除"
tui_gone ja "緊急停止（ロックダウン）中" 5

# The attacker writes the database with sqlite3, or is the PostgreSQL server's administrator
# (docs/threat-model.md): a lockdown in force made "off" fails the row's MAC, the row removed
# fails the meta table's anchored digest. Either way the command line refuses the database and
# the open sign-in screen says the state cannot be read.
on_pg || command -v sqlite3 > /dev/null || { finish; exit; }
expect 0 $C lockdown on --reason "incident"
tui_wait ja "緊急停止（ロックダウン）中" 5
store_snapshot on || not_ok "snapshot"
cp -a "$T/keys" "$T/keys.on"
# the console reads the state as it is (on PostgreSQL: connected again after the snapshot)
tui_wait ja "理由：incident" 10
tui_gone ja "緊急停止の状態を読み取れません。" 10
store_sql "UPDATE meta SET value = 'off' || substr(value, 3) WHERE key = 'lockdown'"
expect 1 $C lockdown status
contains "$T/err" "meta row key=lockdown does not match its MAC"
FUKUHON_TEST_ACTOR=tanaka expect 1 $C lockdown status
tui_wait ja "緊急停止の状態を読み取れません。" 5
store_restore on; rm -rf "$T/keys"; cp -a "$T/keys.on" "$T/keys"
store_sql "DELETE FROM meta WHERE key = 'lockdown'"
expect 1 $C lockdown status
contains "$T/err" "meta row key=lockdown written by record"
contains "$T/err" "is missing: it was removed"

finish
