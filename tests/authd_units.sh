#!/bin/sh
# fukuhon-authd's installation (issue 15 items 1 and 4; R-MINIMAL): make install puts the
# helper in sbin, 0755 and not setuid, and its units beside it in the DESTDIR; systemd-analyze
# verifies them with the installed program as ExecStart (it fails on a missing path).
. "$(dirname "$0")/lib.sh"
D=$T/dest
# The units go where systemd's are (configure --with-systemdsystemunitdir); a build configured
# without them has none to check.
grep -q '^dist_systemdsystemunit_DATA' "$top_builddir/Makefile" || { echo "configured without systemd units: skipped"; exit 77; }
make -s -C "$top_builddir" install-sbinPROGRAMS install-dist_systemdsystemunitDATA install-nodist_systemdsystemunitDATA \
	DESTDIR="$D" > "$T/install.log" 2>&1 || not_ok "make install: $(tail -5 "$T/install.log")"
H=$(find "$D" -type f -name fukuhon-authd)
[ -n "$H" ] && ok || not_ok "fukuhon-authd not installed"
[ "$(stat -c %a "$H")" = 755 ] && ok || not_ok "mode $(stat -c %a "$H"), wanted 755 (never setuid)"
U=$(dirname "$(find "$D" -type f -name fukuhon-authd.socket)")
[ -f "$U/fukuhon-authd@.service" ] && ok || not_ok "fukuhon-authd@.service not installed"
grep -q '^Accept=yes$' "$U/fukuhon-authd.socket" && ok || not_ok "not one process per connection"
grep -q '^ListenStream=/run/fukuhon/authd.sock$' "$U/fukuhon-authd.socket" && ok || not_ok "socket path"
grep -q '^ExecStart=/.*/fukuhon-authd --allow-user fukuhon$' "$U/fukuhon-authd@.service" && ok ||
	not_ok "ExecStart: $(grep ExecStart "$U/fukuhon-authd@.service")"
if ! command -v systemd-analyze > /dev/null; then
	echo "systemd-analyze is not installed: the units' check skipped"
	finish
	exit $?
fi
# The installed path inside the DESTDIR, as the system would see it at /.
mkdir "$T/units"
cp "$U/fukuhon-authd.socket" "$T/units/"
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$U/fukuhon-authd@.service")
sed "s|^ExecStart=$exec_path|ExecStart=$D$exec_path|" "$U/fukuhon-authd@.service" > "$T/units/fukuhon-authd@.service"
(cd "$T/units" && timeout 60 systemd-analyze verify --man=no ./fukuhon-authd.socket ./fukuhon-authd@.service) \
	> "$T/verify" 2>&1 && ok || not_ok "systemd-analyze verify: $(cat "$T/verify")"
[ -s "$T/verify" ] && not_ok "systemd-analyze verify said: $(cat "$T/verify")" || ok
# It bites: a missing program is reported.
sed -i "s|^ExecStart=[^ ]*|ExecStart=$T/missing/fukuhon-authd|" "$T/units/fukuhon-authd@.service"
(cd "$T/units" && timeout 60 systemd-analyze verify --man=no ./fukuhon-authd.socket ./fukuhon-authd@.service) \
	> "$T/verify" 2>&1
grep -q 'not executable' "$T/verify" && ok || not_ok "a missing ExecStart was not reported: $(cat "$T/verify")"
finish
