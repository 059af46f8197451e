#!/bin/sh
# `make demo-shared`: a bureau with two terminals on one PostgreSQL store (issue 14), in one tmux
# session — a throwaway PostgreSQL 15 cluster (build-aux/pg-cluster.sh: its own CA, server and
# client certificates, verify-full, `hostssl … cert`), terminal A made by the SQLite demo's own
# script (tests/demo.sh: the same accounts, data and PAM set-up) on it, terminal B enrolled by
# `fukuhonctl key export --for` at A and `key import --from` at B, and a console at each.
# Everything lives in one folder of its own under $TMPDIR; when the session ends (both consoles
# closed, or the session detached or killed) or on Ctrl-C, the cluster stops and the folder goes.
#
# Environment: FK_TOP_SRCDIR, FK_TOP_BUILDDIR, PAM_WRAPPER_LIB, PAM_WRAPPER_MODDIR, TMUX_BIN as
# `make demo-shared` sets them; DEMO_REGISTERS (default 600). For tests (tests/demo_shared.sh):
#   DEMO_SHARED_NO_ATTACH=1   do not attach: run until the tmux session ends, then clean up
#   DEMO_SHARED_INFO=FILE     written once both consoles run: sh lines DEMO_DIR, DEMO_SOCK,
#                             DEMO_SESSION, A_CONF, B_CONF, PGD (the cluster's folder)
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$(pwd)}
C="$top_builddir/fukuhonctl"
tmux_bin=${TMUX_BIN:-tmux}
command -v "$tmux_bin" > /dev/null 2>&1 || { echo "$0: tmux is needed (apt-get install tmux)" >&2; exit 1; }
wrapper=${PAM_WRAPPER_LIB:-$(pkg-config --libs pam_wrapper 2> /dev/null | sed 's/ *$//')}
[ -n "$wrapper" ] || { echo "$0: pam_wrapper is needed (apt-get install libpam-wrapper)" >&2; exit 1; }
export PAM_WRAPPER_MODDIR=${PAM_WRAPPER_MODDIR:-$(pkg-config --variable=modules pam_wrapper)}

# The folder: PostgreSQL's user (when run as root) must reach the cluster inside it, so it is
# searchable (0711) but not readable; the terminals' own folders inside are 0700.
W=$(mktemp -d "${TMPDIR:-/tmp}/fk-demo-shared.XXXXXX")
chmod 711 "$W"
PGD=$W/pg
SOCK=$W/tmux.sock
SESSION=fukuhon-shared
T="$tmux_bin -S $SOCK -f /dev/null"
cleanup() {
	trap - EXIT INT TERM HUP
	$T kill-server 2> /dev/null || true
	sh "$top_srcdir/build-aux/pg-cluster.sh" stop "$PGD" || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

started=$(date +%s)
echo "starting a throwaway PostgreSQL 15 in $PGD ..."
rc=0
sh "$top_srcdir/build-aux/pg-cluster.sh" start "$PGD" || rc=$?
[ "$rc" = 0 ] || { [ "$rc" != 77 ] || echo "$0: apt-get install postgresql-15" >&2; exit 1; }
. "$PGD/env"

# ---- terminal A: the demo's own script on the shared store ----
umask 077
A=$W/terminal-a
B=$W/terminal-b
echo "terminal A: the demo store, its accounts and registers ..."
DEMO_DIR=$A DEMO_DATABASE=$FK_PG_CONNINFO DEMO_TERMINAL_ID=terminal-a DEMO_QUIET=1 DEMO_NO_TUI=1 \
	DEMO_REGISTERS=${DEMO_REGISTERS:-600} FK_TOP_SRCDIR=$top_srcdir FK_TOP_BUILDDIR=$top_builddir \
	sh "$top_srcdir/tests/demo.sh" > "$W/demo-a.log" 2>&1 ||
	{ echo "$0: making terminal A failed:" >&2; tail -n 20 "$W/demo-a.log" >&2; exit 1; }

# ---- terminal B: enrolled by A (the bureau's keys wrapped to B's certificate, signed by A's) ----
# Each terminal's enrolment certificate (RSA: the package's key transport is RSA-OAEP) from the
# tests' PKI; in a bureau it is the terminal's own.
echo "terminal B: enrolled with key export --for / key import --from ..."
P=$W/terminal-pki
sh "$top_srcdir/tests/pki.sh" "$P" terminal-a:terminal terminal-b:terminal > /dev/null 2>&1 ||
	{ echo "$0: the terminals' certificates could not be made" >&2; exit 1; }
mkdir -m 700 "$B" "$B/keys"
sed "s|^key_dir = .*|key_dir = $B/keys|; s|^terminal_id = .*|terminal_id = terminal-b|; s|^# Demo terminal.*|# Demo terminal B of make demo-shared: enrolled by terminal A, the same store.|" \
	"$A/fukuhon.conf" > "$B/fukuhon.conf"
sed -i "s|^key_dir = .*|key_dir = $A/keys|; s|^# Demo terminal.*|# Demo terminal A of make demo-shared: the store is PostgreSQL's.|" "$A/fukuhon.conf"
chmod 600 "$A/fukuhon.conf" "$B/fukuhon.conf"
FUKUHON_CONFIG=$A/fukuhon.conf FUKUHON_TEST_ACTOR=admin "$C" key export --for "$P/terminal-b.crt" \
	--out "$W/enrol-b.pkg" --signer-cert "$P/terminal-a.crt" --signer-key "$P/terminal-a.key" > "$W/enrol.log" 2>&1 &&
	FUKUHON_CONFIG=$B/fukuhon.conf FUKUHON_TEST_ACTOR=admin "$C" key import "$W/enrol-b.pkg" \
		--from "$P/terminal-a.crt" --cert "$P/terminal-b.crt" --key "$P/terminal-b.key" >> "$W/enrol.log" 2>&1 ||
	{ echo "$0: enrolling terminal B failed:" >&2; cat "$W/enrol.log" >&2; exit 1; }
rm -f "$W/enrol-b.pkg"

# ---- the consoles: one tmux window each (side by side as panes when the terminal is wide) ----
export LANG=C.UTF-8 LC_ALL=C.UTF-8
L=$W/locale
mkdir -p "$L/ja/LC_MESSAGES"
for g in "$top_builddir/po/ja.gmo" "$top_srcdir/po/ja.gmo"; do
	if [ -f "$g" ]; then cp "$g" "$L/ja/LC_MESSAGES/fukuhon.mo"; break; fi
done
# console WHO: the console of terminal WHO under pam_wrapper (both variables, or PAM spins)
console() {
	printf 'env LD_PRELOAD=%s PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=%s FK_LOCALEDIR=%s %s --config %s' \
		"$wrapper" "$A/pam" "$L" "$top_builddir/fukuhon" "$W/terminal-$1/fukuhon.conf"
}
cols=$(tput cols 2> /dev/null || echo 80)
rows=$(tput lines 2> /dev/null || echo 24)
[ "$cols" -ge 80 ] || cols=80
[ "$rows" -ge 25 ] || rows=25
$T new-session -d -s "$SESSION" -n A -x "$cols" -y "$rows" -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 "$(console a)"
$T new-window -d -t "$SESSION:" -n B -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 "$(console b)"
$T set-option -t "$SESSION" status-left "[A: terminal-a | B: terminal-b] " > /dev/null
$T set-option -t "$SESSION" status-left-length 40 > /dev/null
$T set-option -t "$SESSION" status-right "C-b n: other terminal  C-b d: end" > /dev/null
if [ -z "${DEMO_SHARED_NO_ATTACH:-}" ] && [ "$cols" -ge 161 ] &&
	$T join-pane -h -s "$SESSION:B" -t "$SESSION:A" 2> /dev/null; then
	$T set-option -t "$SESSION" status-right "C-b o: other terminal  C-b d: end" > /dev/null
fi

cat <<MSG

Two terminals of 東京法務局 on one PostgreSQL store (up in $(($(date +%s) - started)) s):
  terminal A  $A/fukuhon.conf   (made the store, the demo data)
  terminal B  $B/fukuhon.conf   (enrolled by A: key export --for / key import --from)
  each with its own key folder and terminal_id; the store is PostgreSQL 15 on
  127.0.0.1:$FK_PG_PORT over TLS 1.3 with client certificates (verify-full), in $PGD.
  accounts (user / password / role), at either terminal:
    tanaka / tanaka-demo / operator     (田中 一郎)  may view every municipality of 東京法務局
    suzuki / suzuki-demo / supervisor   (鈴木 花子)  may view 千代田区 and 中央区 only
    sato   / sato-demo   / auditor      (佐藤 次郎)  reads the history, no fukuhon
    admin  / admin-demo  / administrator           manages the terminal, no fukuhon
  Try: at terminal A type tanaka and a wrong password five times; then at terminal B sign in as
  tanaka with tanaka-demo: refused (the same message as a wrong password: a lock is not told).
  Sign in as suzuki at either terminal: "1 locked account(s)"; L lists it, u and a reason clears
  it; tanaka then signs in at both. q y signs out; Esc at the user name closes a console.
  In tmux: Ctrl-b o switches terminal side by side (161 columns or more), Ctrl-b n in two
  windows (narrower); Ctrl-b d ends the demo. When both consoles close, the demo ends: the cluster stops, $W is removed.
MSG
if [ -n "${DEMO_SHARED_INFO:-}" ]; then
	cat > "$DEMO_SHARED_INFO.tmp" <<INFO
DEMO_DIR='$W'
DEMO_SOCK='$SOCK'
DEMO_SESSION='$SESSION'
A_CONF='$A/fukuhon.conf'
B_CONF='$B/fukuhon.conf'
PGD='$PGD'
INFO
	mv "$DEMO_SHARED_INFO.tmp" "$DEMO_SHARED_INFO"
fi

if [ -n "${DEMO_SHARED_NO_ATTACH:-}" ]; then
	while $T has-session -t "$SESSION" 2> /dev/null; do sleep 0.2; done
else
	printf '\nPress Enter to open the two consoles. '
	read -r _ || true
	# (from inside another tmux too: this one has its own server and socket)
	env -u TMUX $T attach-session -t "$SESSION" || true
fi
echo "stopping the demo's PostgreSQL and removing $W"
