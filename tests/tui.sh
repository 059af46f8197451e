#!/bin/sh
# The console end to end in tmux: home → list → register → versions → search, golden screens,
# resize, too-small terminal, hostile data drawn safely (R-CURRENT, R-VERSION, R-LOG).
# Regenerate the golden screens with FK_GOLDEN_UPDATE=1 make check TESTS=tests/tui.sh.
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon suzuki:suzuki-pw:fukuhon sato:sato-pw:fukuhon \
	kato:kato-pw:fukuhon yamada:yamada-pw:fukuhon
make_config "language = en
mouse = yes"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
C=$FUKUHONCTL
$C init $TEST_INIT > /dev/null || exit 99
$C demo-data --registers 500 --seed 3 > /dev/null || exit 99
hostile=$("$top_builddir/tests/fkt_hostile" "$FUKUHON_CONFIG") || exit 99
# tanaka may view everything of the bureau; suzuki only 千代田区's 戸籍 (R-FILES, R-JURIS).
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add suzuki --role operator --bureau 東京法務局 > /dev/null || exit 99
$C operator add sato --role auditor --bureau 東京法務局 > /dev/null || exit 99
$C operator add kato --role supervisor --bureau 東京法務局 > /dev/null || exit 99
$C operator add yamada --role operator --bureau 東京法務局 > /dev/null || exit 99
$C grant tanaka --all --kind koseki,joseki,ledger,documents --rights view --reason e2e > /dev/null || exit 99
$C grant suzuki --municipality 131016 --kind koseki --rights view --reason e2e > "$T/grant" || exit 99

TM="$TMUX_BIN -S $T/tmux.sock -f /dev/null"
cleanup() { $TM kill-server 2> /dev/null; store_drop; rm -rf "$T"; }
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
	golden_compare "$1"
}

keys() { $TM send-keys -t e2e "$@"; }

# start NAME CONFIG: a console under pam_wrapper (the test's own PAM, no system account).
start() {
	# An idle session keeps the server up while e2e is killed and restarted (see tui_keepalive).
	$TM has-session -t keep 2> /dev/null || $TM new-session -d -s keep -x 20 -y 5 "sleep 86400"
	$TM new-session -d -s "$1" -x 110 -y 30 -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
		"env LD_PRELOAD=$PAM_WRAPPER_LIB PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 ${3:-} \
		$FUKUHON --config $2; echo EXITED \$?; sleep 30" || not_ok "tmux could not start session $1"
}
# sign_in USER PASSWORD (on session e2e)
sign_in() {
	wait_for "User name:"
	keys -l "$1"; keys Enter
	wait_for "Password:"
	keys -l "$2"; keys Enter
}
start e2e "$FUKUHON_CONFIG"
sign_in tanaka tanaka-pw
wait_for "Home" && golden home
keys Enter
wait_for "registers (戸籍)" && golden register-list
keys End
wait_for "(4 of 4)"
keys Home Enter
wait_for "全部事項証明" && golden register
keys v
wait_for "versions" && wait_for "(current)"
keys Escape Escape Escape
wait_for "municipalities,"
keys '?'
wait_for "Show the keys of this screen" && golden help
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
# 外字 references (docs/package-format.md §7): a marked placeholder with the reference, in the
# list and in the register itself, never the reference as plain text; marked by inverted video
# (SGR 7, tmux's capture), and by its ‹〓…› without any attribute.
wait_for "‹〓MJ012345›"
$TM capture-pane -p -e -t e2e > "$T/raw.txt"
# the list's line is selected (inverted): the placeholder is underlined and not inverted
marked() { grep -qE "$(printf '\033')\\[([0-9]+;)*$1(;[0-9]+)*m($(printf '\033')\\[[0-9;]*m)*‹〓$2›" "$T/raw.txt"; }
marked '0;4' MJ012345 && ok ||
	{ not_ok "the placeholder in the list is not marked"; grep -a "‹〓" "$T/raw.txt" | cat -v >&2; }
keys Enter
wait_for "全部事項証明"
wait_for "‹〓KT123456›" && golden register-gaiji
$TM capture-pane -p -e -t e2e > "$T/raw.txt"
marked '(4;7|7;4)' KT123456 && ok ||
	{ not_ok "the placeholder in the register is not marked"; grep -a "‹〓" "$T/raw.txt" | cat -v >&2; }
grep -q "〓\[" "$T/raw.txt" && not_ok "a reference drawn as plain text" || ok
keys Escape Escape Escape

# Resize: everything is laid out again; too small says so; back to normal.
$TM resize-window -t e2e -x 70 -y 16
wait_for "Code" && golden home-70x16
$TM resize-window -t e2e -x 40 -y 8
wait_for "too small"
$TM resize-window -t e2e -x 110 -y 30
wait_for "Received (JST)"

# Paging on a short screen: positions follow the pages (大田区 has 11 registers, 6 fit above
# the key bar).
$TM resize-window -t e2e -x 110 -y 12
wait_for "Code"
keys Down Down Down Down Down Down Down Down Down Down Enter
wait_for "大田区: registers (戸籍)  (1 of 11)"
keys PageDown
wait_for "(7 of 11)"
keys End
wait_for "(11 of 11)"
keys PageUp
wait_for "(6 of 11)"
keys Home
wait_for "(1 of 11)"

# Sorting: s cycles 受付 order → 本籍 → 筆頭者 reading, keeping the selected register selected;
# the order is sealed in the database and paged by position like the rest.
$TM resize-window -t e2e -x 110 -y 30
wait_for "(1 of 11)  in order of receipt"
wait_for "      11 " # the page refilled for the taller window
keys Down Down Enter
wait_for "全部事項証明" && screen > "$T/selected-before"
keys Escape
wait_for "(3 of 11)"
keys s
wait_for "sorted by 本籍" && golden register-list-honseki
keys Enter
wait_for "全部事項証明" && screen > "$T/selected-after"
cmp -s "$T/selected-before" "$T/selected-after" && ok || not_ok "sorting lost the selected register"
keys Escape
keys s
wait_for "sorted by 筆頭者 reading" && golden register-list-reading
keys End
wait_for "(11 of 11)  sorted by 筆頭者 reading"
keys PageUp Home
wait_for "(1 of 11)  sorted by 筆頭者 reading"
# The order stays for the session: the next list opens sorted the same way.
keys Escape Down Enter
wait_for "registers (戸籍)  (1 of 5)  sorted by 筆頭者 reading"
keys s
wait_for "in order of receipt"
keys Escape

# Mouse (mouse = yes here): a double click opens the line under it, the wheel moves the
# selection. X10 reports, as the terminal sends them: button, column, row (0-based).
# mouse B X Y [B X Y ...]: the events in one write, so that a double click stays double on a
# loaded machine (ncurses' interval is 200 ms).
mouse() {
	m=""
	while [ $# -ge 3 ]; do
		m="$m$(printf '\\033[M\\%03o\\%03o\\%03o' $((32 + $1)) $((33 + $2)) $((33 + $3)))"
		shift 3
	done
	keys -l "$(printf "$m")"
}
keys Home # the first line at the top: input is taken in order, so the clicks follow it
mouse 0 10 5 3 10 5 0 10 5 3 10 5
wait_for "131032 港区: registers (戸籍)  (1 of 9)"
mouse 65 10 10
wait_for "(4 of 9)"
mouse 64 10 10
wait_for "(1 of 9)"
mouse 0 10 5 3 10 5
wait_for "(3 of 9)"
keys Escape

# q on the home screen signs out; the operator with one grant sees exactly that.
keys q y
sign_in suzuki suzuki-pw
wait_for "no permission"
$TM capture-pane -p -t e2e | grep -qF "suzuki (operator)" && ok || not_ok "status line does not name suzuki"
golden home-one-grant
keys Enter
wait_for "(1 of 4)"
keys Escape
keys 2
wait_for "You have no grant for this: ask a supervisor." # the reason, in the console's words
# Revoked: the next request is refused and recorded.
gid=$(sed -n 's/^grant \([0-9]*\):.*/\1/p' "$T/grant")
$C revoke "$gid" --reason "e2e over" > /dev/null && ok || not_ok "revoke failed"
keys Enter
wait_for "Your grant for this was revoked."
keys q y

# A supervisor grants in the console; the operator then sees exactly that; revoked, refused (R-FILES).
sign_in kato kato-pw
wait_for "Home"
keys P
wait_for "All grants of the bureau:"
# The grant form (issue 11, item 4): the operator and the municipality picked by typing part
# of them, kinds and rights ticked, the reason asked last.
keys a
wait_for "New grant"
keys Enter
wait_for "Operator (name or user name):"; keys -l yama; keys Enter
wait_for "Operator        yamada"
keys Down Enter
wait_for "Municipality (name, reading or code):"; keys -l ちゅうおう
wait_for "131024  中央区"; keys Enter
wait_for "131024 中央区"
keys Down Space Down Down Down Down Space
wait_for "[x] view"
keys End Enter
wait_for "Reason (required):"; keys -l "窓口応援のため"; keys Enter
wait_for "made."
keys End m
wait_for "Effective permissions of yamada"
screen | grep "131024" | grep -q "view" && ok || not_ok "matrix does not show yamada's view on 中央区"
screen | grep "131016" | grep -q "view" && not_ok "matrix shows a right on 千代田区" || ok
keys Escape Escape q y
sign_in yamada yamada-pw
wait_for "Home"
screen | grep "131024" | grep -qE "中央区 +[0-9]+ +- +- +-" && ok || not_ok "yamada does not see exactly 中央区's 戸籍: $(screen | grep 131024)"
keys Down Enter
wait_for "中央区: registers (戸籍)  (1 of"
keys Escape q y
sign_in kato kato-pw
wait_for "Home"
keys P
wait_for "All grants of the bureau:"
keys End r
wait_for "Reason for revoking:"; keys -l "応援終了"; keys Enter
wait_for "revoked."
keys Escape q y
sign_in yamada yamada-pw
wait_for "Home"
keys Down Enter
wait_for "Your grant for this was revoked."
keys q y
$C audit list --action grant --json > "$T/grants.json" 2>&1
contains "$T/grants.json" "kato"

# The auditor's home is the history: filter, details, verification (R-LOG, R-LOGSEAL).
sign_in sato sato-pw
wait_for "Newest first, page 1"
# filter OPERATOR ACTION RESULT FROM TO: the filter form's fields answered in turn.
filter() {
	keys f
	for answer in "$@"; do
		wait_for "(Enter: keep, -: clear):"
		[ -z "$answer" ] || keys -l "$answer"
		keys Enter
	done
}
filter suzuki "" denied "" ""
wait_for "Filter: operator suzuki, result denied"
wait_for "Register list page viewed"
# Issue 11, item 12: what the form cannot read is refused, and the filter in force stays.
filter "" suzuki
wait_for "No operation is called suzuki"
wait_for "Filter: operator suzuki, result denied"
filter "" "" "" "2026-02-30" ""
wait_for "The period is not understood."
wait_for "Filter: operator suzuki, result denied"
keys Enter
wait_for "Your grant for this was revoked."
wait_for "Time (UTC)"
keys Escape V
wait_for "The history is intact: the seals and the chain of all"
keys Escape q y
wait_for "User name:"
keys Escape
wait_for "EXITED 0"

# Japanese: language = ja with the catalogue from po/ (operators read Japanese).
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	[ -f "$g" ] && { mkdir -p "$T/locale/ja/LC_MESSAGES"; cp "$g" "$T/locale/ja/LC_MESSAGES/fukuhon.mo"; break; }
done
if [ -f "$T/locale/ja/LC_MESSAGES/fukuhon.mo" ]; then
	sed 's/^language = en$/language = ja/' "$FUKUHON_CONFIG" > "$T/ja.conf"
	$TM kill-session -t e2e
	start e2e "$T/ja.conf" "FK_LOCALEDIR=$T/locale"
	i=0
	until $TM capture-pane -p -t e2e | grep -qF "ユーザー名" || [ $i -ge 200 ]; do i=$((i + 1)); sleep 0.05; done
	keys -l tanaka; keys Enter
	i=0
	until $TM capture-pane -p -t e2e | grep -qF "Password" || [ $i -ge 400 ]; do i=$((i + 1)); sleep 0.05; done
	keys -l tanaka-pw; keys Enter
	i=0
	until $TM capture-pane -p -t e2e | grep -qF "市区町村" || [ $i -ge 200 ]; do i=$((i + 1)); sleep 0.05; done
	$TM capture-pane -p -t e2e | grep -qF "市区町村" && ok || not_ok "no Japanese home screen"
	$TM capture-pane -p -t e2e | grep -qF "Municipality" && not_ok "English left on the Japanese screen" || ok
	keys q y
fi

# R-LOG: the refusals after the revocation are in the history with their reason.
$C audit list --action view.register-page --json > "$T/denied.json" 2>&1
contains "$T/denied.json" "denied"
contains "$T/denied.json" "grant-revoked"
$C audit list --action search --json > "$T/search.json" 2>&1
lacks "$T/search.json" "ふじ"

# R-LOG: what was shown is in the history (never the searched name).
"$FUKUHONCTL" status --json > "$T/status.json"
contains "$T/status.json" '"history"'
finish
