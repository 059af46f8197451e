#!/bin/sh
# The kiosk's units (issue 15, item 2; R-MINIMAL, 第5 5(2)): `make install` into a DESTDIR puts
# them where configure said, with this build's paths, and systemd-analyze verifies them there
# (it fails on an ExecStart that is not an executable file). Then what makes it a kiosk: the
# console as the service account, restarted whenever it ends, kmscon starting the installed
# console itself and never a login or a shell, and the sandbox. Skipped without systemd-analyze.
. "$(dirname "$0")/lib.sh"
SA=$(command -v systemd-analyze) || { echo "systemd-analyze not found: skipped"; exit 77; }
D="$T/root"
MAKE=${MAKE:-make}
if $MAKE -s -C "$top_builddir" install DESTDIR="$D" > "$T/install" 2>&1; then ok; else
	not_ok "make install DESTDIR failed: $(tail -c 600 "$T/install")"
	finish
	exit 1
fi
# only the line of assignments: a make run inside make's own check may print a warning about
# its jobserver on the same output, which eval would try to run
eval "$($MAKE -s --no-print-directory -C "$top_builddir" kiosk-paths | grep '^unitdir=')"
unit="$D$unitdir/fukuhon-console@.service"
conf="$D$sysconfdir/fukuhon/kmscon/kmscon.conf"
for f in "$unit" "$conf" "$D$docdir/examples/fukuhon-console.pam"; do
	if [ -f "$f" ]; then ok; else not_ok "not installed: $f"; fi
done
[ -f "$unit" ] && [ -f "$conf" ] || { finish; exit 1; }
# Nothing of the build tree leaks into what is installed.
for f in "$unit" "$conf"; do
	if grep -qE '@[a-z]+@' "$f"; then not_ok "$f keeps a placeholder: $(grep -E '@[a-z]+@' "$f")"; else ok; fi
done
lacks "$unit" "$top_builddir"

# kmscon's login= is the installed console itself (through env for the locale), nothing else.
login=$(sed -n 's/^login=//p' "$conf")
set -- $login
if [ "$1" = /usr/bin/env ] && [ "$2" = LANG=C.UTF-8 ] && [ "$3" = "$bindir/fukuhon" ] && [ "$4" = --kiosk ]; then ok; else
	not_ok "kmscon.conf login= is not the console: $login"
fi
if [ -x "$D$3" ]; then ok; else not_ok "login= names $3, not installed as an executable"; fi
for bad in sh bash login agetty getty su sudo; do
	if printf '%s\n' "$login" | tr ' ' '\n' | grep -qE "(^|/)$bad\$"; then not_ok "login= runs $bad"; else ok; fi
done

# The unit: the properties a kiosk stands on, each checked so that removing it fails here.
want() {
	if grep -qxF -- "$1" "$unit"; then ok; else not_ok "fukuhon-console@.service lacks '$1'"; fi
}
want "User=fukuhon"
want "Restart=always"
want "NoNewPrivileges=yes"
want "CapabilityBoundingSet="
want "ProtectSystem=strict"
want "ProtectHome=yes"
want "PrivateTmp=yes"
want "RestrictAddressFamilies=AF_UNIX AF_NETLINK"
want "DevicePolicy=closed"
want "ReadWritePaths=-$localstatedir/lib/fukuhon -$sysconfdir/fukuhon"
want "Conflicts=getty@%i.service autovt@%i.service kmsconvt@%i.service"
grep -q '^ExecStart=/usr/libexec/kmscon/kmscon --configdir='"$sysconfdir"'/fukuhon/kmscon ' "$unit" && ok ||
	not_ok "ExecStart does not start kmscon with the installed configuration: $(grep ^ExecStart "$unit")"

# systemd-analyze verify, with the paths as installed. kmscon is Debian's, not ours: where it is
# not installed (a build machine), a stand-in executable takes its path so that the rest is
# still verified (the man pages of Documentation= are not looked up: they are installed under
# the DESTDIR, kmscon's not at all). The instance tty1 is what docs/deployment.md enables.
mkdir -p "$T/verify"
kmscon=/usr/libexec/kmscon/kmscon
if [ ! -x "$kmscon" ]; then
	mkdir -p "$T/stub"
	printf '#!/bin/sh\nexit 0\n' > "$T/stub/kmscon"
	chmod 755 "$T/stub/kmscon"
	echo "kmscon not installed here: verified with a stand-in at its path"
	kmscon="$T/stub/kmscon"
fi
sed -e "s|^ExecStart=/usr/libexec/kmscon/kmscon |ExecStart=$kmscon |" "$unit" > "$T/verify/fukuhon-console@.service"
# A unit that names a missing program must fail, or this check proves nothing.
sed -e "s|^ExecStart=[^ ]* |ExecStart=$T/missing/kmscon |" "$unit" > "$T/broken@.service"
mkdir -p "$T/broken" && mv "$T/broken@.service" "$T/broken/fukuhon-console@.service"
if "$SA" verify --man=no "$T/broken/fukuhon-console@tty1.service" > "$T/broken.out" 2>&1; then
	not_ok "systemd-analyze verify passed a unit with a missing ExecStart"
else
	ok
fi
if "$SA" verify --man=no "$T/verify/fukuhon-console@tty1.service" > "$T/verify.out" 2>&1; then ok; else
	not_ok "systemd-analyze verify fukuhon-console@tty1.service: $(cat "$T/verify.out")"
fi
cat "$T/verify.out"
finish
