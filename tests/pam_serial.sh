#!/bin/sh
# The test harness's own guard (tests/pam_serial.c): processes of two tests that set pam_wrapper
# up at the same moment never share its folder /tmp/pam.X. Without the guard, 480 set-ups at
# once (24 at a time, from two tests' service folders) met about 15 such collisions here, each a
# process reading the other test's password file (tests/ctl_pam.sh's refused right password).
. "$(dirname "$0")/lib.sh"
[ -n "${PAM_WRAPPER_LIB:-}" ] || { echo "pam_wrapper is not available: skipped"; exit 77; }
case $PAM_WRAPPER_LIB in
*pam_serial.so*) ;;
*) not_ok "tests/lib.sh does not preload tests/pam_serial.so (PAM_WRAPPER_LIB=$PAM_WRAPPER_LIB)" ;;
esac
for x in a b; do
	mkdir -p "$T/$x"
	for t in auth account password session; do echo "$t required pam_deny.so"; done > "$T/$x/other"
	echo "auth required pam_deny.so # $x" > "$T/$x/fukuhon"
done
# pam_wrapper sets itself up in its constructor: any program it is preloaded into will do.
for r in $(seq 20); do
	for i in $(seq 12); do
		for x in a b; do
			env LD_PRELOAD="$PAM_WRAPPER_LIB" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/$x" true 2>> "$T/err.$x" &
		done
	done
	wait
done
n=$(cat "$T/err.a" "$T/err.b" | grep -c 'Failed to create pam_wrapper config dir')
[ "$n" = 0 ] && ok || not_ok "$n of 480 set-ups shared another's pam_wrapper folder: $(sort -u "$T/err.a" | head -3)"
[ -z "$(cat "$T/err.a" "$T/err.b")" ] && ok || not_ok "pam_wrapper complained: $(sort -u "$T/err.a" "$T/err.b" | head -5)"
finish
