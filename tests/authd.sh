#!/bin/sh
# fukuhonctl signing in through fukuhon-authd --listen (issue 15; R-AUTH, R-LOCKOUT, R-LOG,
# R-MINIMAL): only the helper runs under pam_wrapper + pam_matrix, so a sign-in that worked
# without it could not have been PAM in fukuhonctl's own process. The right password signs in;
# a wrong one is refused and counted; a caller that is not the allowed account, an oversized or
# malformed frame are closed at once; a client killed at the prompt ends the helper's child; a
# helper that is not running is said so (in Japanese on the console) and recorded. The console,
# without pam_wrapper too, signs in through it; the helper killed at its password prompt refuses
# that sign-in, and the console signs in again; the idle lock unlocks through the session's own
# helper process, which ends at sign-out. A helper that sends an oversized frame is hung up on
# and the sign-in refused as its failure.
. "$(dirname "$0")/lib.sh"
unset FUKUHON_TEST_ACTOR
make_pam kanri:kanri-pw:fukuhon tanaka:tanaka-pw:fukuhon
AUTHD=$top_builddir/fukuhon-authd
PROBE=$top_builddir/tests/authd_probe
C=$FUKUHONCTL
# The socket's folder is reachable by the other uid of the peer check (the rest of $T is not
# readable by it: the password file stays 0600).
chmod 711 "$T"
mkdir -m 755 "$T/run"
S=$T/run/authd.sock
APID=
authd_start() {
	# env execs the helper, so $! is the listener itself (a shell function would be a subshell).
	env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam" \
		UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		"$AUTHD" --allow-user root --listen "$S" 2>> "$T/authd.err" &
	APID=$!
	i=0
	until [ -S "$S" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -S "$S" ] || not_ok "fukuhon-authd did not listen: $(cat "$T/authd.err")"
}
authd_stop() {
	[ -n "$APID" ] && kill "$APID" 2> /dev/null && wait "$APID" 2> /dev/null
	APID=
	rm -f "$S"
}
trap 'authd_stop; tui_stop; store_drop; rm -rf "$T"' EXIT
authd_start
make_config "language = en
lock_failures = 3
lock_duration = 0
fail_delay = 1
auth_helper = $S"
as() {
	u=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" | timeout 60 "$C" --user "$u" --password-stdin "$@"
}

# The first administrator's check goes through the helper too (its op CHECK).
printf 'wrong\n' | timeout 60 "$C" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 1 ] && ok || not_ok "init with a wrong password was not refused"
printf 'kanri-pw\n' | timeout 60 "$C" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 0 ] && ok || not_ok "init through the helper: $(cat "$T/err")"

# R-AUTH: the right password, through the helper.
expect 0 as kanri kanri-pw status
expect 0 as kanri kanri-pw operator add tanaka --role operator --bureau 東京法務局
expect 0 as tanaka tanaka-pw requests
# R-LOCKOUT: a wrong password is refused and counted by the console's core, as without it.
expect 1 as tanaka wrong-1 requests
contains "$T/err" "sign-in refused"
as kanri kanri-pw lockout list --json > "$T/locks" 2> /dev/null
grep -A2 '"user": "tanaka"' "$T/locks" | grep -q '"failures": 1' && ok || not_ok "the failure was not counted: $(cat "$T/locks")"
as kanri kanri-pw audit list --action signin > "$T/hist" 2> /dev/null
grep -Eq 'tanaka +failed +auth' "$T/hist" && ok || not_ok "no recorded auth refusal: $(cat "$T/hist")"

# SO_PEERCRED: another uid is refused before anything is read, and logged.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups timeout 30 "$PROBE" "$S" start kanri 2>&1)
[ "$out" = closed ] && ok || not_ok "uid 65534 was answered: $out"
contains "$T/authd.err" "refused a caller: uid 65534"
out=$(timeout 30 "$PROBE" "$S" start kanri)
[ "$out" = answered ] && ok || not_ok "the allowed uid was not answered: $out"

# The helper keeps a sign-in's order: account, password change, credentials and session
# before a successful authentication are refused (PAM_PERM_DENIED, 6).
out=$(timeout 30 "$PROBE" "$S" order kanri)
[ "$out" = "6 6 6 6" ] && ok || not_ok "steps out of order were run: $out"
contains "$T/authd.err" "refused out of order"

# Rate limits: each refused password answered after 1 s, and the fifth closes the connection.
out=$(timeout 60 "$PROBE" "$S" guess kanri)
[ "${out% *}" = 5 ] && ok || not_ok "refused passwords before the connection closed: $out (wanted 5)"
[ "${out#* }" -ge 5 ] && ok || not_ok "5 refused passwords took ${out#* } s (wanted at least 5)"

# Hard limits: an oversized length, a NUL inside a name: closed.
out=$(timeout 30 "$PROBE" "$S" oversize)
[ "$out" = closed ] && ok || not_ok "an oversized frame was not closed at once: $out"
out=$(timeout 30 "$PROBE" "$S" nul)
[ "$out" = closed ] && ok || not_ok "a malformed frame was not closed at once: $out"
# The helper's listener is still there for the next.
expect 0 as kanri kanri-pw status

# A client killed at the prompt: the child ends its PAM transaction and exits.
"$PROBE" "$S" hang kanri > "$T/hang" &
HPID=$!
i=0
until grep -q prompted "$T/hang" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
contains "$T/hang" prompted
[ "$(pgrep -P "$APID" | wc -l)" -ge 1 ] && ok || not_ok "no child serving the prompt"
kill -9 "$HPID"
wait "$HPID" 2> /dev/null
i=0
while [ "$(pgrep -P "$APID" | wc -l)" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(pgrep -P "$APID" | wc -l)" = 0 ] && ok || not_ok "a child outlived its client"

# ---- the console, with no PAM of its own (no pam_wrapper): every answer goes to the helper ----
if [ -n "${TMUX_BIN:-}" ]; then
	tui_start c1 "$FUKUHON" --config "$T/fukuhon.conf"
	tui_wait c1 "User name:"
	attempt() {
		tui_send c1 "$1"; tui_key c1 Enter
		tui_wait c1 "Password:"
		tui_send c1 "$2"; tui_key c1 Enter
	}
	attempt tanaka tanaka-pw
	tui_wait c1 "tanaka (operator)"
	tui_send c1 qy
	tui_wait c1 "User name:"
	attempt tanaka wrong-2
	tui_wait c1 "Sign-in failed. Check the user name and password."
	# The helper's child killed while the console waits at the password prompt: refused, said
	# so, and the console stays on its sign-in screen, usable.
	tui_send c1 tanaka; tui_key c1 Enter
	tui_wait c1 "Password:"
	kids=$(pgrep -P "$APID")
	[ "$(echo "$kids" | wc -w)" = 1 ] && ok || not_ok "not one child for the console: $kids"
	kill -9 $kids
	tui_send c1 tanaka-pw; tui_key c1 Enter
	tui_wait c1 "failed during the sign-in"
	attempt tanaka tanaka-pw
	tui_wait c1 "tanaka (operator)"
	tui_send c1 qy
	tui_wait c1 "User name:"
	as kanri kanri-pw audit list --action signin > "$T/hist" 2> /dev/null
	grep -Eq 'tanaka +failed +auth-helper-failed' "$T/hist" && ok || not_ok "helper-failed not recorded: $(cat "$T/hist")"
	$TMUX_CMD kill-session -t c1
	# The idle lock's re-authentication goes through the session's own helper process, which
	# lives as long as the session and ends with it.
	{ cat "$T/fukuhon.conf"; echo "idle_timeout = 10s"; } > "$T/idle.conf"
	tui_start c3 "$FUKUHON" --config "$T/idle.conf"
	tui_wait c3 "User name:"
	tui_send c3 tanaka; tui_key c3 Enter
	tui_wait c3 "Password:"
	tui_send c3 tanaka-pw; tui_key c3 Enter
	tui_wait c3 "tanaka (operator)"
	[ "$(pgrep -P "$APID" | wc -l)" = 1 ] && ok || not_ok "no helper process for the session"
	tui_wait c3 "This screen is locked." 25
	tui_key c3 Enter
	tui_wait c3 "Password:"
	tui_send c3 wrong-unlock-pw; tui_key c3 Enter
	tui_wait c3 "Unlock failed."
	tui_key c3 Enter
	tui_wait c3 "Password:"
	tui_send c3 tanaka-pw; tui_key c3 Enter
	tui_wait c3 "tanaka (operator)"
	tui_send c3 qy
	tui_wait c3 "User name:"
	i=0
	while [ "$(pgrep -P "$APID" | wc -l)" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(pgrep -P "$APID" | wc -l)" = 0 ] && ok || not_ok "the session's helper outlived the sign-out"
	as kanri kanri-pw audit list --action session.unlock > "$T/hist" 2> /dev/null
	grep -Eq 'tanaka +session\.unlock .* success' "$T/hist" && ok || not_ok "no unlock recorded: $(cat "$T/hist")"
	$TMUX_CMD kill-session -t c3
fi

# Started as systemd starts it (Accept=yes: the connection as fd 3 with LISTEN_FDS=1 and
# LISTEN_PID), and inetd-style (the connection as standard input): a sign-in through each.
if command -v systemd-socket-activate > /dev/null; then
	for how in fd3 inetd; do
		A=$T/run/$how.sock
		flag=
		[ $how = inetd ] && flag=--inetd
		systemd-socket-activate -l "$A" -a $flag -E LD_PRELOAD="$PAM_WRAPPER_LIB" -E PAM_WRAPPER=1 \
			-E PAM_WRAPPER_SERVICE_DIR="$T/pam" -E UID_WRAPPER_DISABLE_DEEPBIND=1 \
			-E PAM_WRAPPER_DISABLE_DEEPBIND=1 "$AUTHD" --allow-user root 2>> "$T/authd.err" &
		SPID=$!
		i=0
		until [ -S "$A" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
		sed "s|^auth_helper = .*|auth_helper = $A|" "$T/fukuhon.conf" > "$T/$how.conf"
		printf 'kanri-pw\n' | timeout 60 "$C" --config "$T/$how.conf" --user kanri --password-stdin status > "$T/out" 2> "$T/err"
		[ $? = 0 ] && ok || not_ok "sign-in through the helper started $how: $(cat "$T/err")"
		kill $SPID
		wait $SPID 2> /dev/null
	done
fi

# The helper not running: said so, not counted (tanaka's one failure stays one), recorded.
expect 1 as tanaka wrong-3 requests
authd_stop
expect 1 as tanaka tanaka-pw requests
contains "$T/err" "fukuhon-authd) is not running"
# The console says it in Japanese on its sign-in screen.
if [ -n "${TMUX_BIN:-}" ]; then
	ja_catalogue
	sed 's/^language = en/language = ja/' "$T/fukuhon.conf" > "$T/ja.conf"
	tui_console c2 "$T/ja.conf"
	tui_wait c2 "ユーザー名"
	tui_send c2 tanaka; tui_key c2 Enter
	tui_wait c2 "fukuhon-authd）が動いていません"
	$TMUX_CMD kill-session -t c2
fi
authd_start
as kanri kanri-pw audit list --action signin > "$T/hist" 2> /dev/null
grep -Eq 'tanaka +failed +auth-helper-down' "$T/hist" && ok || not_ok "helper-down not recorded: $(cat "$T/hist")"
as kanri kanri-pw lockout list --json > "$T/locks" 2> /dev/null
grep -A2 '"user": "tanaka"' "$T/locks" | grep -q '"failures": 1' && ok || not_ok "helper-down was counted: $(cat "$T/locks")"

# The other direction: a helper that sends an oversized frame. The client closes, and the
# sign-in is refused as the helper's failure, recorded, not counted.
"$PROBE" "$T/run/bad.sock" bad-helper > "$T/bad" &
BPID=$!
i=0
until grep -q listening "$T/bad" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
sed "s|^auth_helper = .*|auth_helper = $T/run/bad.sock|" "$T/fukuhon.conf" > "$T/bad.conf"
as kanri kanri-pw audit list --action signin > "$T/hist" 2> /dev/null
before=$(grep -Ec 'tanaka +failed +auth-helper-failed' "$T/hist")
printf 'tanaka-pw\n' | timeout 60 "$C" --config "$T/bad.conf" --user tanaka --password-stdin requests > "$T/out" 2> "$T/err"
[ $? = 1 ] && ok || not_ok "a sign-in through a broken helper was not refused"
contains "$T/err" "failed during the sign-in"
wait $BPID
contains "$T/bad" closed
as kanri kanri-pw audit list --action signin > "$T/hist" 2> /dev/null
[ "$(grep -Ec 'tanaka +failed +auth-helper-failed' "$T/hist")" = $((before + 1)) ] && ok || not_ok "not recorded: $(cat "$T/hist")"

# --listen's window: 20 refused passwords in 60 s (four connections of five, at once), and the
# next connection is closed before anything is read.
gpids=
for k in 1 2 3 4; do
	timeout 60 "$PROBE" "$S" guess kanri > "$T/guess$k" &
	gpids="$gpids $!"
done
# shellcheck disable=SC2086 # the pids are words
wait $gpids
# Until the listener has reaped them: it counts a child's refusals then.
i=0
while [ "$(pgrep -P "$APID" | wc -l)" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$(timeout 30 "$PROBE" "$S" start kanri)
[ "$out" = closed ] && ok || not_ok "a connection after 20 refusals in a minute was served: $out"
contains "$T/authd.err" "refused authentications in 60 s: connection refused"
finish
