#!/bin/sh
# The restore drill on a PRODUCTION terminal, people signed in through PAM (pam_wrapper +
# pam_matrix): make a terminal, work in it (sign-ins, a grant), back up, work more, destroy the
# database, restore, verify the backup and the history, sign in again. Then the refusals: a
# flipped byte, an edited manifest (also one re-signed with the terminal's own key over a copy
# it does not describe), terminal A's backup on terminal B, a person who is no administrator in
# the backup (R-BACKUP, R-LOGSEAL, R-AUTH, R-DOCS: docs/operations-backup.md's drill).
. "$(dirname "$0")/lib.sh"
unset FUKUHON_TEST_ACTOR
make_pam kanri:kanri-pw:fukuhon tanaka:tanaka-pw:fukuhon
make_config "language = en"
C=$FUKUHONCTL
DB=$T/db/fukuhon.db
CTL_AS_TIMEOUT=120
as() { ctl_as "$@"; }

# ---- a terminal, and work in it ----
printf 'kanri-pw\n' | timeout 60 $PAM "$C" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 0 ] && ok || not_ok "init: $(cat "$T/err")"
expect 0 as kanri kanri-pw operator add tanaka --role operator --bureau 東京法務局
expect 0 as kanri kanri-pw grant tanaka --municipality 131016 --kind koseki --rights view --reason "drill"
expect 0 as kanri kanri-pw grants --json
contains "$T/out" '"user": "tanaka"'
expect 0 as kanri kanri-pw backup "$T/nightly"
expect 0 as kanri kanri-pw backup verify "$T/nightly"

# ---- more work after the backup, then the database is lost ----
expect 0 as kanri kanri-pw operator add sato --role supervisor --bureau 東京法務局
expect 0 as kanri kanri-pw status
rm -f "$DB" "$DB-wal" "$DB-shm"
expect 1 as kanri kanri-pw status

# ---- restore: signed in through PAM, an administrator of the backup ----
expect 1 as kanri wrong-pw restore "$T/nightly"
[ -e "$DB" ] && not_ok "a wrong password restored" || ok
expect 1 as tanaka tanaka-pw restore "$T/nightly"
contains "$T/err" "not an enabled administrator in the backup"
[ -e "$DB" ] && not_ok "an operator restored" || ok
expect 0 as kanri kanri-pw restore "$T/nightly"
contains "$T/out" "verified:"
[ "$(stat -c %a "$DB")" = 600 ] && ok || not_ok "restored database mode $(stat -c %a "$DB")"

# ---- verified, and people sign in ----
expect 0 as kanri kanri-pw backup verify "$T/nightly"
expect 0 as kanri kanri-pw audit verify
contains "$T/out" "history intact"
expect 0 as kanri kanri-pw status --check
expect 0 as kanri kanri-pw grants --json
contains "$T/out" '"user": "tanaka"'
expect 0 as kanri kanri-pw operator list
lacks "$T/out" "sato"
expect 0 as kanri kanri-pw audit list --action backup.restore --json
contains "$T/out" '"operator": "kanri"'
contains "$T/out" "the old history after record"
expect 0 as tanaka tanaka-pw permissions tanaka
expect 0 as kanri kanri-pw audit list --action signin --json
contains "$T/out" '"operator": "tanaka"'

# ---- tampered backups: refused, naming why ----
cp -a "$T/nightly" "$T/flip"
printf 'X' | dd of="$T/flip/fukuhon.db" bs=1 seek=30000 conv=notrunc 2>/dev/null
expect 1 as kanri kanri-pw backup verify "$T/flip"
contains "$T/err" "not the file the manifest names"
expect 1 as kanri kanri-pw restore "$T/flip"
cp -a "$T/nightly" "$T/edit"
sed -i 's/^terminal test-terminal$/terminal other/' "$T/edit/manifest"
expect 1 as kanri kanri-pw backup verify "$T/edit"
contains "$T/err" "edited after it was signed"

# Re-signed with the terminal's own key over a copy it does not describe: the copy's rows and
# history are checked against the manifest, not only its hash (openssl signs with the raw key).
if command -v openssl > /dev/null && command -v xxd > /dev/null; then
	cp -a "$T/nightly" "$T/resigned"
	sed -i 's/^\(table operator \)\([0-9]*\)/\1999/' "$T/resigned/manifest"
	head -n -1 "$T/resigned/manifest" > "$T/body"
	{ printf '302e020100300506032b657004220420' ; tail -c +9 "$T/keys/audit-sign.key" | head -c 32 | xxd -p -c 64; } \
		| xxd -r -p > "$T/sign.der"
	openssl pkey -inform DER -in "$T/sign.der" -out "$T/sign.pem" 2>/dev/null
	sig=$(openssl pkeyutl -sign -inkey "$T/sign.pem" -rawin -in "$T/body" | xxd -p -c 128)
	{ cat "$T/body"; printf 'signature %s\n' "$sig"; } > "$T/resigned/manifest"
	expect 1 as kanri kanri-pw backup verify "$T/resigned"
	grep -qE "^signature +ok" "$T/out" && ok || not_ok "the re-signed manifest did not pass its signature: $(cat "$T/out")"
	grep -qE "^rows +FAILED" "$T/out" && ok || not_ok "rows not checked against the manifest: $(cat "$T/out")"
	contains "$T/err" "not what its manifest says"
	rm -f "$T/sign.der" "$T/sign.pem"
fi

# Terminal A's backup restored on terminal B: refused.
mkdir "$T/b"
sed 's/^terminal_id = .*/terminal_id = terminal-b/' "$T/fukuhon.conf" > "$T/b/fukuhon.conf"
printf 'kanri-pw\n' | timeout 60 $PAM "$C" --config "$T/b/fukuhon.conf" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
[ $? = 0 ] && ok || not_ok "init of terminal B: $(cat "$T/err")"
expect 1 as kanri kanri-pw --config "$T/b/fukuhon.conf" restore "$T/nightly"
contains "$T/err" "made by another terminal"
expect 0 as kanri kanri-pw --config "$T/b/fukuhon.conf" status
finish
