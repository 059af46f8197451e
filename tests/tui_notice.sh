#!/bin/sh
# An idle console notices within seconds what another process did to its session (issue 14;
# R-ENROL, R-LOCKOUT, R-INTRUSION, R-LOG): nobody types while fukuhonctl disables the signed-in
# operator, locks their account with failed sign-ins, or puts a lockdown in force; each time
# the console is back at the sign-in screen within 5 s, saying why in Japanese, and the
# history holds the sign-out with its reason. An administrator stays signed in through a
# lockdown. What bites: the poll in tui/lockscreen.c (ends_session, from the input loop's
# half-second wake) and core/auth/standing.c's three checks; without them the console stays
# on its screen until the next key.
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
$C init $TEST_INIT > /dev/null || exit 99
for u in tanaka suzuki; do $C operator add $u --role operator --bureau 東京法務局 > /dev/null || exit 99; done
$C operator add kanri --role administrator --bureau 東京法務局 > /dev/null || exit 99

# noticed SESSION TEXT: the sign-in screen with TEXT within 5 s of now (milliseconds printed).
noticed() {
	t0=$(date +%s%N)
	tui_wait "$1" "$2" 6 || return
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$2: noticed after $ms ms"
	[ "$ms" -le 5000 ] && ok || not_ok "noticed after $ms ms, not within 5 s"
	tui_wait "$1" "ユーザー名"
}

# signout_reason USER REASON: the history holds USER's sign-out with REASON.
signout_reason() {
	expect 0 $C audit list --action signout
	awk -v u="$1" -v r="$2" '$3 == u && $8 == r' "$T/out" | grep -q . && ok ||
		not_ok "no sign-out of $1 for $2 on record: $(cat "$T/out")"
}

# ---- disabled in another process ----
tui_console a "$FUKUHON_CONFIG"
tui_sign_in a tanaka
expect 0 $C operator disable tanaka
noticed a "サインアウトしました：このアカウントは無効にされました。"
signout_reason tanaka disabled
tui_screen a > "$T/screen"
lacks "$T/screen" "tanaka (オペレーター)"

# ---- locked by failed sign-ins at the command line ----
tui_sign_in a suzuki
(unset FUKUHON_TEST_ACTOR; for i in 1 2 3; do ctl_as suzuki wrong-pw status > /dev/null 2>&1; done)
noticed a "サインアウトしました：このアカウントはロックされました。"
signout_reason suzuki locked

# ---- a lockdown: the operator goes, the administrator stays ----
expect 0 $C operator enable tanaka
tui_sign_in a tanaka
tui_console b "$FUKUHON_CONFIG"
tui_wait b "ユーザー名"
tui_send b kanri; tui_key b Enter
tui_wait b "Password"
tui_send b kanri-pw; tui_key b Enter
tui_wait b "kanri ("
expect 0 $C lockdown on --reason "訓練"
noticed a "サインアウトしました：緊急停止（ロックダウン）が発令されました。"
signout_reason tanaka lockdown
tui_wait a "理由：訓練"
# two more polls' worth: the administrator's console is still signed in
sleep 2
tui_screen b > "$T/admin"
contains "$T/admin" "kanri ("
expect 0 $C lockdown off --reason "終了"
finish
