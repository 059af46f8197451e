#!/bin/sh
# Intrusion alerts end to end, in Japanese at 80x24 (R-INTRUSION): failed sign-ins at the
# console's sign-in screen reach the threshold; a supervisor who signs in sees the home's line
# and the alert, acknowledges it with a note; the line goes; the acknowledgement and the alert
# are on record, and fukuhonctl shows the same.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam suzuki:suzuki-pw:fukuhon kato:kato-pw:fukuhon
make_config "language = ja
fail_delay = 1
alert_terminal_failures = 3"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C operator add suzuki --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
ja_catalogue

# sign_in NAME USER PASSWORD
sign_in() {
	tui_send "$1" "$2"; tui_key "$1" Enter
	tui_wait "$1" "Password:"
	tui_send "$1" "$3"; tui_key "$1" Enter
}
failed() {
	tui_wait a "サインインできませんでした。"
}

tui_console a "$FUKUHON_CONFIG"
tui_wait a "ユーザー名:"
# Two failures: under the threshold, nothing.
sign_in a suzuki wrong-pw-1; failed
sign_in a nobody-typed wrong-pw-2; failed
expect 0 $C alert list
lacks "$T/out" "signin-terminal"
# The third: the alert, once.
sign_in a suzuki wrong-pw-3; failed
expect 0 $C alert list --json
contains "$T/out" '"detector": "signin-terminal"'
contains "$T/out" '"count": 3'
lacks "$T/out" "nobody-typed"

# The supervisor signs in: the home says so, ! shows the alert.
sign_in a kato kato-pw
tui_wait a "要確認: 未確認のアラート 1 件（! で一覧）"
tui_send a "!"
tui_wait a "test-terminal でサインイン失敗 3 回/5 分"
tui_wait a "未確認"
# A note is required: an empty one is refused, the alert stays open.
tui_send a o
tui_wait a "メモ（確認した内容と対応）:"
tui_key a Enter
tui_wait a "未確認"
tui_send a o
tui_wait a "メモ（確認した内容と対応）:"
tui_send a "窓口で本人確認、入力ミスと確認"; tui_key a Enter
tui_wait a "アラート 1 を確認済みにしました。"
tui_wait a "確認: kato"
tui_screen a > "$T/alerts.txt"
lacks "$T/alerts.txt" "未確認"
# Back home: the line is gone.
tui_key a Escape
tui_wait a "ホーム"
tui_gone a "未確認のアラート"
tui_send a qy
tui_wait a "ユーザー名:"

expect 0 $C alert list
lacks "$T/out" "signin-terminal"
expect 0 $C alert list --all
contains "$T/out" "kato"
contains "$T/out" "窓口で本人確認"
expect 0 $C audit list --action alert
contains "$T/out" "alert.raise"
contains "$T/out" "alert.ack"
# The command line's rules: a note is required; once only.
expect 2 $C alert ack 1
expect 1 $C alert ack 1 --note "again"
tui_stop
finish
