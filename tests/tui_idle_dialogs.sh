#!/bin/sh
# The idle lock over every prompt and dialog (issue 11, item 1; R-AUTH): the grant form with its
# municipality picker open, the revoke reason, the approve reason of a request, the sign-out
# question and the auditor's filter form. Each is opened, something typed, then left alone past
# idle_timeout: the lock screen must show nothing of what was behind it (neither the dialog nor
# what was typed), and after the unlock the dialog is back with what was typed.
# Also romaji in the picker (issue 15, item 2): chiyoda typed lists 千代田区.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
TMUX_CMD="$TMUX_BIN -S $T/tmux.sock -f /dev/null"
make_pam kato:kato-pw:fukuhon sato:sato-pw:fukuhon
# The shortest idle timeout the configuration takes (10 s): five locks, about a minute.
make_config "language = en
idle_timeout = 10s"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 50 --seed 3 > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C operator add sato --role auditor --bureau 東京法務局 > /dev/null || exit 99
$C grant tanaka --all --kind koseki,joseki --rights view,print --reason e2e > /dev/null || exit 99

FUKUHON_TEST_ACTOR=tanaka $C request print --register 1 --reason "窓口" > /dev/null || exit 99

S=i
sign_in() { # sign_in USER FIRST-SCREEN
	tui_wait $S "User name:"
	tui_send $S "$1"; tui_key $S Enter
	tui_wait $S "Password:"
	tui_send $S "$1-pw"; tui_key $S Enter
	tui_wait $S "$2"
}
# locked_over WHAT TEXT...: wait for the lock; the screen shows none of TEXT (the dialog behind
# it, what was typed); then unlock as the signed-in USER.
locked_over() {
	what=$1
	shift
	tui_wait $S "This screen is locked." 30 || return
	tui_screen $S > "$T/locked"
	for t in "$@"; do
		if grep -qF -- "$t" "$T/locked"; then not_ok "the lock over $what shows '$t'"; else ok; fi
	done
	tui_key $S Enter
	tui_wait $S "Password"
	tui_send $S "$USER_PW"; tui_key $S Enter
	tui_gone $S "This screen is locked."
}

tui_console $S "$FUKUHON_CONFIG"
sign_in kato Home
USER_PW=kato-pw

# The sign-out question.
tui_send $S q
tui_wait $S "Sign out? (y/n)"
locked_over "the sign-out question" "Sign out?"
tui_wait $S "Sign out? (y/n)"
tui_send $S n
tui_gone $S "Sign out? (y/n)"

# The grant form, its municipality picker open with romaji typed: chiyoda lists 千代田区 (a
# syllable only begun does not empty the list meanwhile).
tui_send $S P
tui_wait $S "All grants of the bureau"
tui_send $S a
tui_wait $S "New grant"
tui_key $S Down; tui_key $S Enter
tui_wait $S "Municipality (name, reading or code): [kana]"
tui_wait $S "Enter Choose  Esc Cancel  C-t Kana/Latin"
tui_send $S chiyod
tui_wait $S "[kana] ちよd"
tui_wait $S "千代田区"
tui_send $S a
tui_wait $S "[kana] ちよだ"
tui_wait $S "千代田区（"
tui_screen $S > "$T/screen"
grep -qE '^ *Municipality: [0-9]+ of' "$T/screen" && ok || not_ok "no picker heading"
locked_over "the municipality picker" "ちよだ" "千代田区" "Municipality" "New grant"
tui_wait $S "[kana] ちよだ"
tui_wait $S "千代田区（"
tui_key $S Enter
tui_wait $S "千代田区"
# C-t: Latin letters, a code typed as is.
tui_key $S Enter
tui_wait $S "[kana]"
tui_key $S C-t
tui_wait $S "[Latin]"
tui_send $S 131016
tui_wait $S "131016  千代田区"
tui_key $S C-t
tui_key $S Escape
tui_key $S Escape
tui_wait $S "All grants of the bureau"

# The revoke reason.
tui_send $S r
tui_wait $S "Reason for revoking:"
tui_send $S "left-half-typed"
tui_wait $S "Reason for revoking: left-half-typed"
locked_over "the revoke reason" "Reason for revoking" "left-half-typed"
tui_wait $S "Reason for revoking: left-half-typed"
tui_key $S Escape
tui_key $S Escape
tui_wait $S "Home"

# The approve reason on the requests screen.
tui_send $S O
tui_wait $S "tanaka"
tui_send $S A
tui_wait $S "Reason for approving:"
tui_send $S "checked-id"
locked_over "the approve reason" "Reason for approving" "checked-id" "tanaka"
tui_wait $S "Reason for approving: checked-id"
tui_key $S Escape
tui_key $S Escape
tui_wait $S "Home"
tui_send $S q
tui_wait $S "Sign out? (y/n)"
tui_send $S y

# The auditor's filter form.
USER_PW=sato-pw
sign_in sato "Filter:" # the auditor's home is the history
tui_send $S f
tui_wait $S "Operator (user name)"
tui_send $S tanaka
locked_over "the history's filter form" "Operator (user name)" "tanaka"
tui_wait $S "Operator (user name)"
tui_screen $S | grep -F "Operator (user name)" | grep -qF "tanaka" && ok || not_ok "the filter form lost what was typed"
tui_key $S Escape

# R-LOG: each lock and unlock is on record.
n=$($C audit list --action session.lock --json 2> /dev/null | grep -o '"seq"' | wc -l)
[ "${n:-0}" -ge 5 ] && ok || not_ok "locks recorded: ${n:-0}, wanted 5"
finish
