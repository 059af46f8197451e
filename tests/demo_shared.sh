#!/bin/sh
# `make demo-shared` end to end (issue 14; R-LOCKOUT, R-AUTH, R-MUTUAL): build-aux/demo-shared.sh
# run without attaching, both consoles driven through its tmux session under the demo's own PAM
# set-up (pam_wrapper + pam_matrix, the demo's passwords). Five wrong passwords for tanaka at
# terminal A lock tanaka in the shared store; at terminal B tanaka's right password is then
# refused (fails if the lockout were counted per terminal, or B were not on A's store); the
# supervisor suzuki signs in at B, sees the lock and clears it with a reason; tanaka signs in at
# B and at A. Both terminals have their own terminal_id and key folder (B enrolled by key
# export/import). Closing both consoles stops the cluster and removes the demo's folder; a second
# run comes up again, and Ctrl-C (SIGINT) of it cleans up the same way.
. "$(dirname "$0")/lib.sh"
[ -n "${TMUX_BIN:-}" ] || { echo "tmux is not available: skipped"; exit 77; }
[ -n "${PAM_WRAPPER_LIB:-}" ] || { echo "pam_wrapper is not available: skipped"; exit 77; }
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "PostgreSQL 15 is not installed: skipped"; exit 77; }
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
demo_pid=
# Whatever happens: the session killed (the demo then stops its cluster and removes its folder),
# the demo waited for; if it is stuck, stopped, and its cluster and folder removed here.
cleanup() {
	tui_stop
	if [ -n "$demo_pid" ]; then
		n=0
		while kill -0 "$demo_pid" 2> /dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
		kill "$demo_pid" 2> /dev/null && wait "$demo_pid" 2> /dev/null
	fi
	if [ -n "${DEMO_DIR:-}" ] && [ -d "$DEMO_DIR" ]; then
		sh "$top_srcdir/build-aux/pg-cluster.sh" stop "$PGD"
		rm -rf "$DEMO_DIR"
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# demo_up N: start the demo in the background, wait (up to 300 s) until both consoles run
demo_up() {
	rm -f "$T/info"
	# (a background job of a script starts with SIGINT ignored: given back, as a terminal's Ctrl-C has it)
	DEMO_SHARED_NO_ATTACH=1 DEMO_SHARED_INFO=$T/info DEMO_REGISTERS=60 \
		env --default-signal=INT sh "$top_srcdir/build-aux/demo-shared.sh" > "$T/demo$1.out" 2>&1 &
	demo_pid=$!
	start=$(date +%s)
	while [ ! -f "$T/info" ]; do
		if ! kill -0 "$demo_pid" 2> /dev/null || [ $(($(date +%s) - start)) -gt 300 ]; then
			not_ok "the demo did not come up: $(tail -n 20 "$T/demo$1.out")"
			finish
			exit 1
		fi
		sleep 0.2
	done
	echo "demo run $1 up in $(($(date +%s) - start)) s"
	. "$T/info"
	TMUX_CMD="$TMUX_BIN -S $DEMO_SOCK -f /dev/null"
	PM=$(head -n 1 "$PGD/data/postmaster.pid")
	ok
}
# pg_running PID: the process runs (exists and is not a zombie)
pg_running() {
	st=$(ps -o stat= -p "$1" 2> /dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	return 0
}
# demo_gone HOW: the demo script has exited, its cluster stopped and its folder removed
demo_gone() {
	n=0
	while kill -0 "$demo_pid" 2> /dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
	kill -0 "$demo_pid" 2> /dev/null && not_ok "$1: the demo did not end" || ok
	wait "$demo_pid" 2> /dev/null
	demo_pid=
	[ ! -e "$DEMO_DIR" ] && ok || not_ok "$1: $DEMO_DIR is left"
	# ended: gone, or a zombie its parent has not reaped yet (an init that does not reap, as in
	# some containers, keeps it for good); given a few seconds to exit after its pid file went
	n=0
	while pg_running "$PM" && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	pg_running "$PM" && not_ok "$1: the PostgreSQL server ($PM) still runs" || ok
}

demo_up 1
A=$DEMO_SESSION:A
B=$DEMO_SESSION:B
contains "$T/demo1.out" "terminal A"
contains "$T/demo1.out" "tanaka / tanaka-demo / operator"
contains "$T/demo1.out" "at terminal B sign in as"
# two terminals, each its own id and key folder, one store
grep -q '^terminal_id = terminal-a$' "$A_CONF" && grep -q '^terminal_id = terminal-b$' "$B_CONF" && ok ||
	not_ok "the terminals' ids"
ka=$(sed -n 's/^key_dir = //p' "$A_CONF"); kb=$(sed -n 's/^key_dir = //p' "$B_CONF")
[ -n "$ka" ] && [ "$ka" != "$kb" ] && [ -f "$kb/trust.key" ] && ok || not_ok "B's own key folder ($ka, $kb)"
[ "$(sed -n 's/^database = //p' "$A_CONF")" = "$(sed -n 's/^database = //p' "$B_CONF")" ] && ok ||
	not_ok "A and B on different stores"
grep -q 'sslmode=verify-full' "$A_CONF" && ok || not_ok "the store is not reached with verify-full"
# B was enrolled, not given copies: key.import recorded by terminal-b
FUKUHON_CONFIG=$B_CONF expect 0 "$FUKUHONCTL" audit list --action key.import --result success --json
contains "$T/out" "terminal=terminal-a"

# both consoles at the sign-in, the demo's accounts listed (a demo store: B too)
for s in "$A" "$B"; do
	tui_wait "$s" "ユーザー名" 60
	tui_wait "$s" "tanaka / tanaka-demo"
done
# attempt SESSION USER PASSWORD
attempt() {
	tui_send "$1" "$2"; tui_key "$1" Enter
	tui_wait "$1" "Password"
	tui_send "$1" "$3"; tui_key "$1" Enter
}
failed="サインインできませんでした。ユーザー名とパスワードを確認してください。"
# R-LOCKOUT: five wrong passwords at A (the demo's lock_failures, the default)
for i in 1 2 3 4 5; do
	attempt "$A" tanaka "wrong-$i"
	tui_wait "$A" "$failed" 30
done
# (the keys typed ahead wait in the console's input, and a refusal's message may be the one
# before: the lock is awaited in the store, as terminal B reads it, before B is tried)
locked() {
	FUKUHON_CONFIG=$B_CONF FUKUHON_TEST_ACTOR=suzuki "$FUKUHONCTL" lockout list --json > "$T/list" 2>&1 &&
		grep -A7 '"user": "tanaka"' "$T/list" | grep -q '"locked_until": "[0-9u]'
}
deadline=$(($(date +%s) + 60))
until locked || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
locked && ok || not_ok "tanaka is not locked in the shared store: $(cat "$T/list")"
# ... refused at B with the right password
attempt "$B" tanaka tanaka-demo
tui_wait "$B" "$failed" 30
tui_screen "$B" > "$T/b-refused"
lacks "$T/b-refused" "ホーム"
lacks "$T/b-refused" "田中 一郎"
# the supervisor at B sees the lock and clears it, with a reason
attempt "$B" suzuki suzuki-demo
tui_wait "$B" "要確認: ロック中のアカウント 1 件" 30
tui_send "$B" L
tui_wait "$B" "tanaka"
tui_send "$B" u
tui_wait "$B" "解除の理由:"
tui_send "$B" "本人確認のうえ解除"; tui_key "$B" Enter
tui_wait "$B" "tanaka のロックを解除しました。"
tui_key "$B" Escape
tui_wait "$B" "要確認: ロック中のアカウントはありません"
tui_send "$B" q; tui_wait "$B" "(y/n)"; tui_send "$B" y
tui_wait "$B" "ユーザー名"
# tanaka signs in at B, and at A
attempt "$B" tanaka tanaka-demo
tui_wait "$B" "ホーム" 30
attempt "$A" tanaka tanaka-demo
tui_wait "$A" "ホーム" 30
# the unlock is recorded by terminal B, in the shared history
FUKUHON_CONFIG=$A_CONF expect 0 "$FUKUHONCTL" audit list --action lockout.unlock --result success --json
contains "$T/out" "本人確認のうえ解除"
contains "$T/out" '"terminal": "terminal-b"'

# both consoles closed (signed out, Esc at the user name) end the demo: the cluster stopped, the
# folder removed
for s in "$A" "$B"; do
	tui_send "$s" q; tui_wait "$s" "(y/n)"; tui_send "$s" y
	tui_wait "$s" "ユーザー名"
	tui_key "$s" Escape
done
demo_gone "both consoles closed"

# a second run comes up; Ctrl-C (SIGINT to the script) cleans up as well
demo_up 2
tui_wait "$DEMO_SESSION:B" "ユーザー名" 60
kill -INT "$demo_pid"
demo_gone "Ctrl-C"
finish
