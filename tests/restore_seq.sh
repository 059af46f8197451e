#!/bin/sh
# What a restore must not roll back stays in force (R-BACKUP, R-BATCH-PROTO, R-PRINT): a
# package sequence received after the backup is still refused after restoring it (intake.seq in
# the key folder), and output numbers continue after the restore, never handed out again
# (print.seq). Both files are left as they were by the restore.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
command -v sqlite3 > /dev/null || { echo "sqlite3 not found: skipped"; exit 77; }
FKPKG="$top_builddir/tests/fkpkg"
[ -x "$FKPKG" ] || { echo "no tests/fkpkg: skipped"; exit 77; }
make_config "print_spool = spool
approval_valid = 1h"
mkdir -m 700 "$T/spool"
C=$FUKUHONCTL
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" 131016 > /dev/null 2>&1 || exit 99
expect 0 $C init $TEST_INIT
expect 0 $C ca add "$P/ca.crt"
expect 0 $C crl add "$P/ca.crl"
expect 0 $C cert install "$P/receiver.crt" --key "$P/receiver.key"
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C demo-data --registers 3 --seed 7
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,print --reason "窓口での写し交付"
REG=$(sqlite3 "$T/db/fukuhon.db" "SELECT min(id) FROM register")


expect 0 $C backup "$T/before"
# After the backup: a package received, a copy printed.
"$FKPKG" -o "$T/one.pkg" --quiet --signer-key "$P/muni-131016.key" --signer-cert "$P/muni-131016.crt" \
	--to "$P/receiver.crt" --municipality 131016 --sequence 1 --kind full --registers 5 ||
	not_ok "fkpkg could not make the package"
expect 0 $C import "$T/one.pkg"
contains "$T/out" "applied"
print_copy "$REG"
first=$NUMBER
[ -n "$first" ] && ok || not_ok "no output number printed"
cp "$T/keys/intake.seq" "$T/intake.seq.before"
cp "$T/keys/print.seq" "$T/print.seq.before"

expect 0 $C restore "$T/before"
cmp -s "$T/keys/intake.seq" "$T/intake.seq.before" && ok || not_ok "restore changed intake.seq"
cmp -s "$T/keys/print.seq" "$T/print.seq.before" && ok || not_ok "restore changed print.seq"
# The package the restored database forgot is not taken again.
expect 1 $C import "$T/one.pkg"
contains "$T/out" "refused"
# The next copy gets the next number, not the one handed out before the restore.
print_copy "$REG"
[ -n "$NUMBER" ] && [ "$NUMBER" != "$first" ] && ok || not_ok "output number $NUMBER reused after the restore (was $first)"
n1=$(printf '%s' "$first" | sed 's/[^0-9]//g'); n2=$(printf '%s' "$NUMBER" | sed 's/[^0-9]//g')
[ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -gt "$n1" ] && ok || not_ok "output numbers went back: $first then $NUMBER"
finish
