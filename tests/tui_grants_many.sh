#!/bin/sh
# The supervisor's grants screen lists every grant of the bureau, however many: a list cut at
# a fixed size would hide the grants past it from the person who reviews them (R-FILES;
# issue 11). 300 grants: more than the screen's first allocation (GRANTS_FIRST in tui/grants.c)
# and than the page it asks of the core (GRANTS_PAGE, issue 14: its count is the whole list's,
# G loads the pages to the end), all ending within 30 days: the home's count of them is exact
# and the e list has them all.
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
# All 300 end within 30 days (issue 11: the "ending within 30 days" count and list were to be
# neither capped at 256 nor paged silently): each a different set of kinds or a different end.
N=300
kinds() { # the set of kinds numbered $1 (1-15)
	k=""
	[ $(($1 & 1)) = 0 ] || k="$k,koseki"
	[ $(($1 & 2)) = 0 ] || k="$k,joseki"
	[ $(($1 & 4)) = 0 ] || k="$k,ledger"
	[ $(($1 & 8)) = 0 ] || k="$k,documents"
	echo "${k#,}"
}
i=1
while [ $i -le $N ]; do
	until=$(date -u -d "+ $(( (i / 15) % 28 + 1 )) days" +%F)
	$C grant tanaka --municipality 131016 --kind "$(kinds $((i % 15 + 1)))" --rights view --until "$until" \
		--reason "many $i" > /dev/null || exit 99
	i=$((i + 1))
done

tui_console g "$FUKUHON_CONFIG"
tui_wait g "User name:"
tui_send g kato; tui_key g Enter
tui_wait g "Password:"
tui_send g kato-pw; tui_key g Enter
tui_wait g "Home"
# The supervisor's home counts them exactly.
tui_wait g "Attention: $N grant(s) end within 30 days"
tui_send g P
tui_wait g "All grants of the bureau: $N."
tui_send g G
# The last grant (its number, N) is on screen at the end of the list.
tui_wait g " $N tanaka"
tui_send g g
tui_wait g "   1 tanaka"
# Only those ending soon: all N, the last one at the end.
tui_send g e
tui_wait g "Grants ending within 30 days: $N."
tui_send g G
tui_wait g " $N tanaka"
# (signing out is tested in tests/tui_keys.sh and tests/e2e_login.sh)
$TMUX_CMD kill-session -t g
tui_stop
finish
