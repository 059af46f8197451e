#!/bin/sh
# A move of a municipality takes effect at the running console's next decision (R-JURIS,
# issue 13): tanaka stands on 千代田区 in the console; an administrator assigns it to another
# bureau with fukuhonctl (another process); tanaka's next request for it is refused, and the
# refusal recorded, without signing in again. Back under 東京法務局, it opens again.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon
make_config "language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 60 --seed 5 > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C grant tanaka --all --kind koseki --rights view --reason e2e > /dev/null || exit 99

tui_console a "$FUKUHON_CONFIG"
tui_wait a "User name:" || { finish; exit; }
tui_send a tanaka; tui_key a Enter
tui_wait a "Password:"
tui_send a tanaka-pw; tui_key a Enter
tui_wait a "Home" || { finish; exit; }
# 千代田区 (131016) is the bureau's first line: its registers open
tui_send a 1
tui_wait a "131016 千代田区: registers (戸籍)"
tui_send a q
tui_wait a "Home"
# another process moves it: the console's very next request is refused, and recorded
expect 0 $C jurisdiction assign 131016 --office 札幌法務局 --reason "console test"
contains "$T/out" "131016: 東京法務局 -> 札幌法務局 (assigned)"
tui_send a 1
tui_wait a "That is outside your bureau's jurisdiction."
tui_wait a "Refused: 千代田区 戸籍"
tui_screen a > "$T/refused"
lacks "$T/refused" "registers (戸籍)"
expect 0 $C audit list --operator tanaka --result denied
contains "$T/out" "131016"
contains "$T/out" "jurisdiction"
# moved back: open again, in the same session
expect 0 $C jurisdiction assign 131016 --office 東京法務局 --reason "back"
tui_send a 1
tui_wait a "131016 千代田区: registers (戸籍)"
tui_send a q
tui_wait a "Home"
finish
