#!/bin/sh
# The supervisor's grants screen lists every grant of the bureau, however many: a list cut at
# a fixed size would hide the grants past it from the person who reviews them (R-FILES;
# issue 11). 300 grants: more than the screen's first allocation (GRANTS_FIRST in tui/grants.c).
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam kato:kato-pw:fukuhon
make_config "language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 100 --seed 3 > /dev/null || exit 99
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
N=300
i=1
while [ $i -le $N ]; do
	until=$(date -u -d "2099-01-01 + $i days" +%F)
	$C grant tanaka --municipality 131016 --kind koseki --rights view --until "$until" \
		--reason "many $i" > /dev/null || exit 99
	i=$((i + 1))
done

tui_console g "$FUKUHON_CONFIG"
tui_wait g "User name:"
tui_send g kato; tui_key g Enter
tui_wait g "Password:"
tui_send g kato-pw; tui_key g Enter
tui_wait g "Home"
tui_send g P
tui_wait g "All grants of the bureau"
tui_send g G
# The last grant (its number, N) is on screen at the end of the list.
tui_wait g "   $N tanaka"
tui_send g g
tui_wait g "     1 tanaka"
# (signing out is tested in tests/tui_keys.sh and tests/e2e_login.sh)
$TMUX_CMD kill-session -t g
tui_stop
finish
