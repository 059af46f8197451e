#!/bin/sh
# The register on the console laid out like the 全部事項証明 (issue 11, item 7; R-CURRENT,
# R-VERSION): a 除籍 named as one, an older version under a "過去の版" banner, a comparison that
# reads old line then new, in colour with bold and the sign as the monochrome fallback, n/N to
# the next and previous change; long lines wrapped, never cut, at 60 columns.
. "$(dirname "$0")/lib.sh"
TMUX_BIN=${TMUX_BIN:-$(command -v tmux)}
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
FKPKG="$top_builddir/tests/fkpkg"
[ -x "$FKPKG" ] || { echo "no tests/fkpkg: skipped"; exit 77; }
make_pam tanaka:tanaka-pw:fukuhon
make_config "language = en"
C=$FUKUHONCTL
receiving_terminal 131016
$C operator add tanaka --role operator --bureau 東京法務局 > /dev/null || exit 99
$C grant tanaka --municipality 131016 --kind koseki,joseki --rights view --reason e2e > /dev/null || exit 99
# Three registers of 千代田区: the first amended once (two versions), the third removed (除籍).
"$FKPKG" -o "$T/full.pkg" --quiet --signer-key "$P/muni-131016.key" --signer-cert "$P/muni-131016.crt" \
	--to "$P/receiver.crt" --municipality 131016 --sequence 1 --kind full --registers 3 \
	--versions 1 --removals 1 || exit 99
$C import "$T/full.pkg" > "$T/import" 2>&1 || { cat "$T/import" >&2; exit 99; }

# start NAME COLS ROWS [ENV]
start() {
	tui_keepalive
	$TMUX_CMD new-session -d -s "$1" -x "$2" -y "$3" -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TERM=xterm-256color \
		"env LD_PRELOAD=$PAM_WRAPPER_LIB PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 ${4:-} \
		timeout --foreground 120 $FUKUHON --config $FUKUHON_CONFIG; sleep 30" || not_ok "tmux could not start"
	tui_wait "$1" "User name:"
	tui_send "$1" tanaka; tui_key "$1" Enter
	tui_wait "$1" "Password:"
	tui_send "$1" tanaka-pw; tui_key "$1" Enter
	tui_wait "$1" "Home"
}
S=c
start $S 100 30
# the 除籍: its breadcrumb says so
tui_send $S 2
tui_wait $S "removed registers (除籍)"
tui_key $S Enter
tui_wait $S "Removed register 3, version"
tui_wait $S "全部事項証明　　　　除　籍"
tui_key $S Escape; tui_key $S Escape
tui_wait $S "Home"
# the amended register: current, then its first version under the banner
tui_key $S Enter
tui_wait $S "registers (戸籍)"
tui_key $S Enter
tui_wait $S "Register 1, version 2 of 2 (current)"
tui_screen $S > "$T/screen"
lacks "$T/screen" "過去の版"
tui_send $S v
tui_wait $S "(current)"
tui_key $S Up; tui_key $S Enter
tui_wait $S "Register 1, version 1 of 2"
tui_wait $S "過去の版: version 1 of 2, not the register as it stands now."
# a print from an older version is refused: it would print the current one
tui_send $S p
tui_wait $S "This is an older version"
tui_key $S Escape
tui_wait $S "Ver."
# compare 1 → 2 (the order of "-" and "+" is tests/test_cert.c's): the added lines coloured,
# n and N go to the change and say when there is none further
tui_send $S ' '; tui_key $S Down; tui_send $S c
tui_wait $S "Version 1 → 2:"
tui_wait $S " + 　訂　　正"
$TMUX_CMD capture-pane -p -e -t $S > "$T/raw"
esc=$(printf '\033')
grep -q "${esc}\[[0-9;]*3[12]m" "$T/raw" && ok || not_ok "no colour on the changed lines"
tui_send $S n
tui_send $S n
tui_wait $S "No more changes below."
tui_send $S N
tui_wait $S "No more changes above."
tui_key $S Escape; tui_key $S Escape; tui_key $S Escape; tui_key $S Escape
$TMUX_CMD kill-session -t $S

# Without colour (NO_COLOR): the same lines, bold and signed, and no colour at all.
S=m
start $S 100 30 NO_COLOR=1
tui_key $S Enter; tui_wait $S "registers (戸籍)"
tui_key $S Enter; tui_wait $S "Register 1, version 2 of 2"
tui_send $S v; tui_wait $S "(current)"
tui_key $S Up; tui_send $S ' '; tui_key $S Down; tui_send $S c
tui_wait $S "Version 1 → 2:"
$TMUX_CMD capture-pane -p -e -t $S > "$T/raw"
grep -q "${esc}\[[0-9;]*3[12]m" "$T/raw" && not_ok "colour drawn under NO_COLOR" || ok
grep -q "${esc}\[1m" "$T/raw" && ok || not_ok "the changed lines are not bold without colour"
$TMUX_CMD kill-session -t $S

# At 60 columns a long line wraps to the item column instead of being cut.
S=w
start $S 60 20
tui_key $S Enter; tui_wait $S "registers (戸籍)"
tui_key $S Enter; tui_wait $S "全部事項証明"
tui_screen $S | sed -n 3,17p > "$T/narrow" # the register's lines, not the hints above them
grep -q '…' "$T/narrow" && not_ok "a line of the register is cut at 60 columns: $(grep '…' "$T/narrow" | head -n 1)" || ok
grep -q '^ 　　　　　　　【' "$T/narrow" && ok || not_ok "no item lines at 60 columns"
$TMUX_CMD kill-session -t $S
tui_stop
finish
