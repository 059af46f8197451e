#!/bin/sh
# Privilege separation with the real pam_unix, touching nothing of the host (issue 15 item 3;
# R-AUTH, R-LOCKOUT, R-MINIMAL): in a private mount namespace a copy of /etc is bound over /etc,
# and in it the service account fukuhon, three operators with passwords (one expired, chage -d 0)
# and the PAM service pam/fukuhon.pam. fukuhon-authd runs as root; fukuhonctl and the console
# run as fukuhon. Through the helper two operators sign in on the console, a wrong password is
# counted, the expired password is changed; the console's uid cannot read /etc/shadow; and
# without the helper the same console cannot sign anyone in (the bug of issue 15).
if [ "$(id -u)" != 0 ]; then
	echo "privsep_unix: needs root (unshare -m, accounts in a private /etc): skipped"
	exit 77
fi
if [ -z "${FK_PRIVSEP_NS:-}" ]; then
	if ! unshare -m true 2> /dev/null; then
		echo "privsep_unix: no mount namespace can be made here (unshare -m): skipped"
		exit 77
	fi
	FK_PRIVSEP_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
unset FUKUHON_TEST_ACTOR
[ -n "${TMUX_BIN:-}" ] || { echo "tmux is not available: skipped"; exit 77; }
for p in useradd chpasswd chage setpriv; do
	command -v $p > /dev/null || { echo "$p is not installed: skipped"; exit 77; }
done
[ -f /lib/x86_64-linux-gnu/security/pam_unix.so ] || [ -n "$(find /lib /usr/lib -name pam_unix.so 2> /dev/null | head -n 1)" ] ||
	{ echo "pam_unix is not installed: skipped"; exit 77; }

# ---- the private /etc: everything below changes the copy only ----
cp -a /etc "$T/etc"
mount --bind "$T/etc" /etc || { not_ok "mount --bind of the copy of /etc"; finish; exit 1; }
useradd --system --no-create-home --shell /usr/sbin/nologin fukuhon || not_ok "useradd fukuhon"
for u in opone optwo opexp; do useradd --no-create-home --shell /usr/sbin/nologin $u || not_ok "useradd $u"; done
printf 'opone:One-pw-1x\noptwo:Two-pw-2x\nopexp:Old-pw-3x\n' | chpasswd || not_ok "chpasswd"
chage -d 0 opexp || not_ok "chage -d 0"
install -m 644 "$top_srcdir/pam/fukuhon.pam" /etc/pam.d/fukuhon
AS="setpriv --reuid=fukuhon --regid=fukuhon --init-groups"

# ---- the helper, as root, with the real PAM stack ----
mkdir -m 755 "$T/run"
S=$T/run/authd.sock
# An AddressSanitizer build: its crypt_r interceptor finds the real one only in libraries
# loaded at start, and pam_unix loads libcrypt later (a call through a null pointer); loaded
# first, it is the same library pam_unix would load.
pre=
# (gcc links libasan dynamically, clang statically: both leave the runtime's entry point in it)
if grep -aq __asan_init "$top_builddir/fukuhon-authd"; then
	pre=$(ldconfig -p | sed -n 's/.*libcrypt\.so\.1 .*=> //p' | head -n 1)
fi
${pre:+env LD_PRELOAD=$pre} "$top_builddir/fukuhon-authd" --allow-user fukuhon --listen "$S" 2>> "$T/authd.err" &
APID=$!
trap 'kill $APID 2> /dev/null; tui_stop; umount /etc; store_drop; rm -rf "$T"' EXIT
i=0
until [ -S "$S" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done

# ---- the terminal: its folder the service account's alone (the database and keys in it) ----
chown fukuhon:fukuhon "$T"
chmod 700 "$T"
make_config "language = en
lock_failures = 3
lock_duration = 0
fail_delay = 1
auth_helper = $S"
# On a PostgreSQL store (tests/shells_pg.sh) the service account connects with the terminal's
# client certificate and key in a folder of its own, as a real terminal's are its account's
# (docs/deployment.md): the cluster's copies are under a folder only root may enter.
if on_pg; then
	mkdir -m 700 "$T/pgcerts" && cp "$FK_PG_CERTS"/* "$T/pgcerts/" &&
		chown -R fukuhon:fukuhon "$T/pgcerts" &&
		sed -i "s|$FK_PG_CERTS/|$T/pgcerts/|g" "$T/fukuhon.conf" || { not_ok "the certificates for fukuhon"; finish; exit 1; }
fi
grep -v '^auth_helper' "$T/fukuhon.conf" > "$T/inprocess.conf"
C=$FUKUHONCTL
as() {
	u=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" | timeout 60 $AS "$C" --user "$u" --password-stdin "$@"
}
# The first administrator is checked through the helper (pam_unix as root behind it).
printf 'One-pw-1x\n' | timeout 60 $AS "$C" --password-stdin init --admin opone --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 0 ] && ok || not_ok "init as fukuhon through the helper: $(cat "$T/err") $(cat "$T/authd.err")"
expect 0 as opone One-pw-1x operator add optwo --role operator --bureau 東京法務局
expect 0 as opone One-pw-1x operator add opexp --role operator --bureau 東京法務局
[ "$(stat -c %U "$T/keys")" = fukuhon ] && ok || not_ok "the key folder is not the service account's"

# ---- the console as fukuhon, in tmux ----
tui_start c1 $AS "$FUKUHON" --config "$T/fukuhon.conf"
tui_wait c1 "User name:"
attempt() {
	tui_send c1 "$1"; tui_key c1 Enter
	tui_wait c1 "Password:"
	tui_send c1 "$2"; tui_key c1 Enter
}
signed_in() {
	tui_wait c1 "$1"
	tui_send c1 qy
	tui_wait c1 "User name:"
}
# The console's process: the service account's uid throughout, no capability, no shadow.
pid=$($TMUX_CMD display-message -p -t c1 '#{pane_pid}')
fk_uid=$(id -u fukuhon)
grep -Eq "^Uid:[[:space:]]+$fk_uid[[:space:]]+$fk_uid[[:space:]]+$fk_uid[[:space:]]+$fk_uid$" "/proc/$pid/status" && ok ||
	not_ok "the console's uids: $(grep ^Uid "/proc/$pid/status")"
grep -q '^CapEff:[[:space:]]*0*$' "/proc/$pid/status" && ok || not_ok "the console has capabilities: $(grep ^CapEff "/proc/$pid/status")"
$AS cat /etc/shadow > /dev/null 2>&1 && not_ok "the service account can read /etc/shadow" || ok

# Two operators through pam_unix via the helper.
attempt opone One-pw-1x
signed_in "opone (administrator)"
attempt optwo Two-pw-2x
signed_in "optwo (operator)"
# A wrong password: refused and counted.
attempt optwo Wrong-pw-9
tui_wait c1 "Sign-in failed. Check the user name and password."
as opone One-pw-1x lockout list --json > "$T/locks" 2> /dev/null
grep -A2 '"user": "optwo"' "$T/locks" | grep -q '"failures": 1' && ok || not_ok "optwo's failure not counted: $(cat "$T/locks")"

# The expired password: pam_unix asks for the current one and a new one, twice.
attempt opexp Old-pw-3x
tui_wait c1 "urrent password"
tui_send c1 Old-pw-3x; tui_key c1 Enter
tui_wait c1 "ew password"
tui_send c1 New-pw-7q-Kz; tui_key c1 Enter
tui_wait c1 "etype new password"
tui_send c1 New-pw-7q-Kz; tui_key c1 Enter
signed_in "opexp (operator)"
attempt opexp New-pw-7q-Kz
signed_in "opexp (operator)"
as opone One-pw-1x audit list --action password.change > "$T/hist" 2> /dev/null
grep -Eq 'opexp +password\.change .* success +expired' "$T/hist" && ok || not_ok "the change is not recorded: $(cat "$T/hist")"
$TMUX_CMD kill-session -t c1

# Without the helper the same account cannot check another person's password (unix_chkpwd).
printf 'Two-pw-2x\n' | FUKUHON_CONFIG="$T/inprocess.conf" timeout 60 $AS "$C" --user optwo --password-stdin status > "$T/out" 2> "$T/err"
[ $? = 1 ] && ok || not_ok "in-process PAM as fukuhon signed optwo in: the test proves nothing"
finish
