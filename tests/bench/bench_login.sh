#!/bin/sh
# Benchmark: from starting fukuhon to a drawn sign-in screen (target <= 100 ms), under
# pam_wrapper in tmux, BENCH_RUNS times (default 20); then the lockout decision (bench_lockout).
# Prints the figures. The time includes tmux starting the pane and a capture poll (~2 ms).
set -eu
. "$(dirname "$0")/../lib.sh"
bench_terminal
runs=${BENCH_RUNS:-20}
: > "$T/times"
i=0
while [ $i -lt $runs ]; do
	i=$((i + 1))
	t0=$(date +%s%N)
	tui_start b$i env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" \
		"$FUKUHON" --config "$T/fukuhon.conf"
	until $TMUX_CMD capture-pane -p -t b$i | grep -qF "User name:"; do :; done
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 )) >> "$T/times"
	tui_key b$i Escape
	tui_dead b$i > /dev/null
	$TMUX_CMD kill-session -t b$i
done
sort -n "$T/times" | awk '{ v[NR] = $1 } END { printf "start to drawn sign-in screen: median %.1f ms, max %.1f ms over %d runs\n", v[int((NR + 1) / 2)] / 1000, v[NR] / 1000, NR }'
"$top_builddir/tests/bench/bench_lockout" "$T/fukuhon.conf" 1000
