#!/bin/sh
# An idle console notices within seconds what another process did to its session (issue 14;
# R-ENROL, R-LOCKOUT, R-INTRUSION, R-LOG): nobody types while fukuhonctl disables the signed-in
# operator, locks their account with failed sign-ins, or puts a lockdown in force; each time
# the console is back at the sign-in screen within 5 s, saying why in Japanese, and the
# history holds the sign-out with its reason. An administrator stays signed in through a
# lockdown. What bites: the poll in tui/lockscreen.c (ends_session, from the input loop's
# half-second wake) and core/auth/standing.c's three checks; without them the console stays
# on its screen until the next key. On SQLite, then on PostgreSQL (skipped with a message
# where postgresql-15 is not installed).
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon suzuki:suzuki-pw:fukuhon kanri:kanri-pw:fukuhon
make_config "language = ja
lock_failures = 3
lock_duration = 0
fail_delay = 1"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
ja_catalogue
C=$FUKUHONCTL

# enrol: the terminal of $FUKUHON_CONFIG, with two operators and an administrator.
enrol() {
	$C init $TEST_INIT > /dev/null || return 1
	for u in tanaka suzuki; do $C operator add $u --role operator --bureau 東京法務局 > /dev/null || return 1; done
	$C operator add kanri --role administrator --bureau 東京法務局 > /dev/null
}

# noticed SESSION TEXT: the sign-in screen with TEXT within 5 s of now (milliseconds printed).
noticed() {
	t0=$(date +%s%N)
	tui_wait "$1" "$2" 6 || return
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$2: noticed after $ms ms"
	[ "$ms" -le 5000 ] && ok || not_ok "noticed after $ms ms, not within 5 s"
	tui_wait "$1" "ユーザー名"
}

# signout_reason USER REASON [N]: the history holds N (default 1) sign-outs of USER with REASON.
signout_reason() {
	expect 0 $C audit list --action signout
	n=$(awk -v u="$1" -v r="$2" '$3 == u && $8 == r' "$T/out" | wc -l | tr -d ' ')
	[ "$n" = "${3:-1}" ] && ok || not_ok "$n sign-outs of $1 for $2 on record, not ${3:-1}: $(cat "$T/out")"
}

# notice_test A B: the three on the terminal of $FUKUHON_CONFIG, consoles in sessions A and B.
notice_test() {
	enrol || { not_ok "the terminal could not be made"; return; }
	# ---- disabled in another process ----
	tui_console "$1" "$FUKUHON_CONFIG"
	tui_sign_in "$1" tanaka
	expect 0 $C operator disable tanaka
	noticed "$1" "サインアウトしました：このアカウントは無効にされました。"
	signout_reason tanaka disabled
	tui_screen "$1" > "$T/screen"
	lacks "$T/screen" "tanaka (オペレーター)"

	# ---- locked by failed sign-ins at the command line ----
	tui_sign_in "$1" suzuki
	(unset FUKUHON_TEST_ACTOR; for i in 1 2 3; do ctl_as suzuki wrong-pw status > /dev/null 2>&1; done)
	noticed "$1" "サインアウトしました：このアカウントはロックされました。"
	signout_reason suzuki locked

	# ---- a lockdown: the operator goes, the administrator stays ----
	expect 0 $C operator enable tanaka
	tui_sign_in "$1" tanaka
	tui_console "$2" "$FUKUHON_CONFIG"
	tui_wait "$2" "ユーザー名"
	tui_send "$2" kanri; tui_key "$2" Enter
	tui_wait "$2" "Password"
	tui_send "$2" kanri-pw; tui_key "$2" Enter
	tui_wait "$2" "kanri ("
	expect 0 $C lockdown on --reason "訓練"
	noticed "$1" "サインアウトしました：緊急停止（ロックダウン）が発令されました。"
	signout_reason tanaka lockdown
	tui_wait "$1" "理由：訓練"
	# two more polls' worth: the administrator's console is still signed in
	sleep 2
	tui_screen "$2" > "$T/admin"
	contains "$T/admin" "kanri ("
	expect 0 $C lockdown off --reason "終了"
}

notice_test a b
# A screen under the idle lock notices too (its own loop, tui/lockscreen.c): tanaka's console
# locked after idle_timeout, then disabled in another process.
{ cat "$FUKUHON_CONFIG"; echo "idle_timeout = 10s"; } > "$T/idle.conf"
tui_console c "$T/idle.conf"
tui_sign_in c tanaka
tui_wait c "この画面はロックされています。" 20
expect 0 $C operator disable tanaka
noticed c "サインアウトしました：このアカウントは無効にされました。"
signout_reason tanaka disabled 2
# The same with the consoles on PostgreSQL (database = postgresql://…).
pg_part || { finish; exit; }
# the terminal's own role (terminal-a, member of fukuhon_terminal only), the schema made by its
# owner (database_admin)
conf_on "$T/pg" "$FK_PG_CONNINFO_A"
echo "database_admin = $FK_PG_CONNINFO_OWNER" >> "$T/pg/fukuhon.conf"
FUKUHON_CONFIG=$T/pg/fukuhon.conf
notice_test p q
finish
