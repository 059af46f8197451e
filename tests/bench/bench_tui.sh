#!/bin/sh
# Console benchmark: keystroke to redrawn screen (measured inside the program, FK_TUI_TIMING),
# start to first drawn screen, and the console's peak RSS, on the terminal of CONFIG
# (default: the 1,000,000-register bench terminal left by BENCH_DIR=... run.sh).
set -eu
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
CONFIG=${1:?usage: bench_tui.sh CONFIG}
W=$(mktemp -d "${TMPDIR:-/tmp}/fktui.XXXXXX")
TM="tmux -S $W/sock -f /dev/null"
trap '$TM kill-server 2>/dev/null; rm -rf "$W"' EXIT
export LANG=C.UTF-8 LC_ALL=C.UTF-8
t0=$(date +%s%N)
$TM new-session -d -s b -x 120 -y 40 -e LANG=C.UTF-8 -e FK_TUI_TIMING="$W/timing" \
	"$top_builddir/fukuhon --config $CONFIG"
until $TM capture-pane -p -t b | grep -q "Code\|コード"; do sleep 0.005; done
t1=$(date +%s%N)
echo "start to drawn home screen (incl. tmux polling): $(( (t1 - t0) / 1000000 )) ms"
pid=$($TM display -p -t b '#{pane_pid}')
wait_keys() { # wait until the timing file has $1 lines
	until [ "$(wc -l < "$W/timing" 2>/dev/null || echo 0)" -ge "$1" ]; do sleep 0.01; done
}
n=0
press() { $TM send-keys -t b "$@"; n=$((n + 1)); wait_keys $n; }
# Largest municipality of the home list is anywhere: walk the list, open lists, page, open registers.
for i in 1 2 3 4 5 6 7 8; do
	press Down; press Enter; press PageDown; press PageDown; press End; press PageUp; press Home
	press Down; press Enter; press v; press Escape; press Escape; press Escape
done
sort -n "$W/timing" | awk '{ v[NR] = $1 } END { printf "keystroke to redrawn screen: n=%d median %.2f ms p90 %.2f ms max %.2f ms\n", NR, v[int(NR/2)+1]/1e6, v[int(NR*0.9)]/1e6, v[NR]/1e6 }'
grep VmHWM "/proc/$pid/status" | awk '{ printf "console peak RSS: %.1f MB\n", $2 / 1024 }'
$TM send-keys -t b q
