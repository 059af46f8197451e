#!/bin/sh
# Typing Japanese without an IME (issue 15, item 2; R-MINIMAL: the kiosk's console is all an
# operator has): in the search prompt romaji converts to hiragana as typed, a syllable only
# begun stays Latin until it resolves, C-t switches to Latin letters, help and the key bar say so.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
TMUX_CMD="$TMUX_BIN -S $T/tmux.sock -f /dev/null"
make_pam tanaka:tanaka-pw:fukuhon
make_config "language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 2000 --seed 3 > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C grant tanaka --all --kind koseki,joseki --rights view --reason e2e > /dev/null || exit 99

# start CONFIG USER-PROMPT HOME: a console in $S, tanaka signed in.
start() {
	tui_console $S "$1"
	tui_wait $S "$2"
	tui_send $S tanaka; tui_key $S Enter
	tui_wait $S "Password"
	tui_send $S tanaka-pw; tui_key $S Enter
	tui_wait $S "$3"
}
S=r
start "$FUKUHON_CONFIG" "User name:" "Home"

# The prompt says conversion is on; its key bar names C-t.
tui_send $S /
tui_wait $S "Search (reading, 筆頭者 name or 本籍): [kana]"
tui_wait $S "Enter Search  Esc Cancel  C-t Kana/Latin"
# A syllable only begun stays Latin; the next letter resolves it.
tui_send $S aoyag
tui_wait $S "[kana] あおやg"
tui_send $S i
tui_wait $S "[kana] あおやぎ"
tui_key $S Enter
# The results: a search by reading, the 筆頭者 青柳 found.
tui_wait $S "matched on reading \"あおやぎ\""
tui_wait $S "青柳"
tui_screen $S > "$T/screen"
contains "$T/screen" "（あおやぎ"

# C-t: Latin letters as typed (a search by name or 本籍 in Latin, had there been one).
tui_send $S /
tui_wait $S "[kana]"
tui_key $S C-t
tui_wait $S "[Latin]"
tui_send $S aoyagi
tui_wait $S "[Latin] aoyagi"
tui_key $S Escape
tui_gone $S "[Latin]"
# ... and it stays so for the session's next search, until C-t again.
tui_send $S /
tui_wait $S "[Latin]"
tui_key $S C-t
tui_wait $S "[kana]"
tui_send $S "kan'no"
tui_wait $S "[kana] かんの"
tui_key $S Escape
tui_gone $S "[kana]"

# Help lists C-t where / searches; outside a prompt C-t does nothing and says so.
tui_key $S C-t
tui_wait $S "That key does nothing on this screen."
tui_send $S "?"
tui_wait $S "C-t"
tui_wait $S "romaji typed becomes hiragana"
signout() { # the console closed as an operator would, before the test's folder goes
	tui_send $S q; tui_wait $S "$1"; tui_send $S y
	tui_wait $S "$2"; tui_key $S Escape; tui_dead $S
}
tui_send $S q
tui_gone $S "romaji typed becomes hiragana"
tui_send $S q # the search results
tui_wait $S "municipalities,"
signout "Sign out? (y/n)" "User name:"

# In Japanese (the default on a Japanese terminal): the prompt's mode and its key bar.
ja_catalogue
sed 's/^language = en$/language = ja/' "$FUKUHON_CONFIG" > "$T/ja.conf"
S=j
start "$T/ja.conf" "ユーザー名" "市区町村"
tui_send $S /
tui_wait $S "検索（よみ、筆頭者氏名または本籍）: ［かな］"
tui_wait $S "Enter 検索  Esc 取消  C-t かな/英字"
tui_send $S hattori
tui_wait $S "［かな］ はっとり"
tui_key $S C-t
tui_wait $S "［英字］ はっとり"
tui_key $S Escape
tui_gone $S "［英字］"
signout "(y/n)" "ユーザー名"
finish
