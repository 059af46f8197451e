#!/bin/sh
# fukuhon --kiosk (issue 15, item 2; R-MINIMAL): kmscon starts the console again the moment it
# ends, so a console that cannot start keeps its message on the screen instead of flashing it
# and being retried in a tight loop. Without --kiosk it ends at once, as before.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || TMUX_BIN=$(command -v tmux)
[ -n "$TMUX_BIN" ] || { echo "tmux not found: skipped"; exit 77; }
TMUX_CMD="$TMUX_BIN -S $T/tmux.sock -f /dev/null"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
dead() { [ "$($TMUX_CMD display-message -p -t "$1" '#{pane_dead}' 2>/dev/null)" = 1 ]; }

# A configuration that does not exist: the start fails. Panes stay once their program ended
# (set for every session first: the plain console ends before tui_start could set it).
tui_keepalive
$TMUX_CMD set-option -g remain-on-exit on > /dev/null
tui_start plain "$FUKUHON" --config "$T/missing.conf"
tui_dead plain 5
tui_screen plain > "$T/plain"
contains "$T/plain" "fukuhon:"

tui_start kiosk "$FUKUHON" --kiosk --config "$T/missing.conf"
tui_wait kiosk "fukuhon:"
# A second later (the plain console was gone by then) it is still there, its message shown.
sleep 1
if dead kiosk; then not_ok "--kiosk: the console ended at once after a failed start"; else ok; fi
tui_screen kiosk > "$T/kiosk"
contains "$T/kiosk" "$(head -n 1 "$T/plain")"
$TMUX_CMD kill-session -t kiosk
finish
