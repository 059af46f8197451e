#!/bin/sh
# The console end to end in tmux: home → list → register → versions → search, golden screens,
# resize, too-small terminal, hostile data drawn safely (R-CURRENT, R-VERSION, R-LOG).
# Regenerate the golden screens with FK_GOLDEN_UPDATE=1 make check TESTS=tests/tui.sh.
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_config "language = en"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
"$FUKUHONCTL" init > /dev/null || exit 99
"$FUKUHONCTL" demo-data --registers 300 --seed 3 > /dev/null || exit 99
hostile=$("$top_builddir/tests/fkt_hostile" "$FUKUHON_CONFIG") || exit 99

TM="$TMUX_BIN -S $T/tmux.sock -f /dev/null"
GOLDEN="$top_srcdir/tests/golden"
cleanup() { $TM kill-server 2> /dev/null; rm -rf "$T"; }
trap cleanup EXIT

# screen: the pane as text without the status line (it carries the clock).
screen() { $TM capture-pane -p -t e2e | sed '$d'; }

# wait_for TEXT: poll the pane until TEXT shows, for at most 10 s.
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		screen | grep -qF -- "$1" && { ok; return 0; }
		i=$((i + 1))
		sleep 0.05
	done
	not_ok "screen never showed '$1'"
	screen 2>&1 | grep -v '^$' | head -30 >&2
	return 1
}

# golden NAME: compare the pane with tests/golden/NAME.txt.
golden() {
	screen > "$T/$1.txt"
	if [ "${FK_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$T/$1.txt" "$GOLDEN/$1.txt"
		ok
	elif diff -u "$GOLDEN/$1.txt" "$T/$1.txt" > "$T/$1.diff"; then
		ok
	else
		not_ok "screen $1 differs from the golden copy:"
		cat "$T/$1.diff" >&2
	fi
}

keys() { $TM send-keys -t e2e "$@"; }

$TM new-session -d -s e2e -x 110 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
	"$FUKUHON --config $FUKUHON_CONFIG; echo EXITED \$?; sleep 30"
wait_for "Home" && golden home
keys Enter
wait_for "registers (戸籍)" && golden register-list
keys End
wait_for "(5 of 5)"
keys Home Enter
wait_for "全部事項証明" && golden register
keys v
wait_for "versions" && wait_for "(current)"
keys Escape Escape Escape
wait_for "municipalities,"
keys '?'
wait_for "Show this help" && golden help
keys q

# Search by reading prefix; the result shows why it matched.
keys /
wait_for "Search (reading"
keys 'ふじ' Enter
wait_for 'matched on reading "ふじ"' && golden search
keys Escape

# Hostile data: escape sequences become visible replacement marks, the title is untouched.
keys Enter End
wait_for "悪意"
$TM capture-pane -p -e -t e2e > "$T/raw.txt"
if grep -q "PWNED" "$T/raw.txt" && ! grep -q "$(printf '\033')\]0;PWNED" "$T/raw.txt"; then ok; else not_ok "hostile title sequence not neutralised"; fi
grep -q "$(printf '\033')\[2J" "$T/raw.txt" && not_ok "raw clear-screen sequence reached the terminal" || ok
[ "$($TM display -p -t e2e '#{pane_title}')" = "PWNED" ] && not_ok "pane title changed by data" || ok
grep -q "$(printf '\342\200\256')" "$T/raw.txt" && not_ok "bidi override reached the terminal" || ok
keys Escape Escape

# Resize: everything is laid out again; too small says so; back to normal.
$TM resize-window -t e2e -x 70 -y 16
wait_for "Code" && golden home-70x16
$TM resize-window -t e2e -x 40 -y 8
wait_for "too small"
$TM resize-window -t e2e -x 110 -y 30
wait_for "Last received"

# Paging on a short screen: positions follow the pages (品川区 has 12 registers, 7 fit).
$TM resize-window -t e2e -x 110 -y 12
wait_for "Code"
keys Down Down Down Down Down Down Down Down Enter
wait_for "品川区: registers (戸籍)  (1 of 12)"
keys PageDown
wait_for "(8 of 12)"
keys End
wait_for "(12 of 12)"
keys PageUp
wait_for "(7 of 12)"
keys Home
wait_for "(1 of 12)"
keys Escape

keys q
wait_for "EXITED 0"

# Japanese: language = ja with the catalogue from po/ (operators read Japanese).
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	[ -f "$g" ] && { mkdir -p "$T/locale/ja/LC_MESSAGES"; cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
done
if [ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ]; then
	sed 's/^language = en$/language = ja/' "$FUKUHON_CONFIG" > "$T/ja.conf"
	$TM new-session -d -s ja -x 110 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e FK_LOCALEDIR="$T/locale" \
		"$FUKUHON --config $T/ja.conf; echo EXITED \$?; sleep 30"
	i=0
	until $TM capture-pane -p -t ja | grep -qF "市区町村" || [ $i -ge 200 ]; do i=$((i + 1)); sleep 0.05; done
	$TM capture-pane -p -t ja | grep -qF "市区町村" && ok || not_ok "no Japanese home screen"
	$TM capture-pane -p -t ja | grep -qF "Municipality" && not_ok "English left on the Japanese screen" || ok
	$TM send-keys -t ja q
fi

# R-LOG: what was shown is in the history (never the searched name).
"$FUKUHONCTL" status --json > "$T/status.json"
contains "$T/status.json" '"history"'
finish
