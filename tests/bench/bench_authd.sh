#!/bin/sh
# Benchmark: a sign-in through fukuhon-authd against one in the process (issue 15; p99 over
# BENCH_RUNS, default 100, target <= +5 ms), both under pam_wrapper + pam_matrix.
set -eu
. "$(dirname "$0")/../lib.sh"
bench_terminal
S=$T/authd.sock
PW="LD_PRELOAD=$PAM_WRAPPER_LIB PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$T/pam"
env $PW "$top_builddir/fukuhon-authd" --allow-user root --listen "$S" 2> "$T/authd.err" &
A=$!
trap 'kill $A 2> /dev/null; rm -rf "$T"' EXIT
i=0
until [ -S "$S" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
${BENCH_WRAP:-} env $PW "$top_builddir/tests/bench/bench_authd" "$T/fukuhon.conf" tanaka tanaka-pw "$S" "${BENCH_RUNS:-100}"
