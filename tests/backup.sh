#!/bin/sh
# fukuhonctl backup, backup verify, backup prune, restore, key backup and key restore on a test
# terminal: a signed, verified copy; every kind of damage refused naming why; a full disk or a
# read-only folder leaves nothing that looks complete; another terminal's backup refused;
# restore refused while the database is open, the old history's tail exported, the restore
# recorded and verified; keys backed up under a passphrase, never inside a data backup
# (R-BACKUP, R-HANDOVER, R-TAKEOUT, R-LOG).
. "$(dirname "$0")/lib.sh"
make_config
C=$FUKUHONCTL
B=$T/backups
mkdir -m 700 "$B"

expect 0 $C init $TEST_INIT
expect 0 $C demo-data --registers 120 --seed 3
expect 0 $C backup "$B/one"
contains "$T/out" "manifest sha256"
[ "$(stat -c %a "$B/one")" = 700 ] && ok || not_ok "backup folder mode $(stat -c %a "$B/one")"
[ "$(stat -c %a "$B/one/fukuhon.db")" = 600 ] && ok || not_ok "copy mode"
[ "$(stat -c %a "$B/one/manifest")" = 600 ] && ok || not_ok "manifest mode"
contains "$B/one/manifest" "terminal test-terminal"
contains "$B/one/manifest" "table register 120 "
# Recorded for health: the folder and the manifest's hash.
sha=$(sha256sum "$B/one/manifest" | cut -d' ' -f1)
expect 0 $C audit list --action backup.create --json
contains "$T/out" "dest=$B/one manifest-sha256=$sha"
# A backup goes into a new folder.
expect 1 $C backup "$B/one"
contains "$T/err" "already exists"

expect 0 $C backup verify "$B/one"
for check in manifest signature sha256 open history rows; do
	grep -qE "^$check +ok" "$T/out" && ok || not_ok "verify did not report $check ok: $(cat "$T/out")"
done
expect 0 $C audit list --action backup.verify --json
contains "$T/out" "verified=yes"
# Read only: verifying left nothing beside the copy (no -wal, -shm or journal) and changed no byte.
[ "$(ls -A "$B/one" | tr '\n' ' ')" = "fukuhon.db manifest " ] && ok || not_ok "verify left $(ls -A "$B/one")"
grep -q "^sha256 $(sha256sum "$B/one/fukuhon.db" | cut -d' ' -f1)$" "$B/one/manifest" && ok ||
	not_ok "verify changed the copy"

# ---- damage: each refused, naming why ----
cp -a "$B/one" "$T/flip"
printf 'X' | dd of="$T/flip/fukuhon.db" bs=1 seek=40000 conv=notrunc 2>/dev/null
expect 1 $C backup verify "$T/flip"
grep -qE "^sha256 +FAILED" "$T/out" && ok || not_ok "a flipped byte: $(cat "$T/out")"
contains "$T/err" "not the file the manifest names"
cp -a "$B/one" "$T/cut"
truncate -s 65536 "$T/cut/fukuhon.db"
expect 1 $C backup verify "$T/cut"
contains "$T/err" "damaged, cut short or replaced"
cp -a "$B/one" "$T/edit"
sed -i 's/^table register 120 /table register 119 /' "$T/edit/manifest"
expect 1 $C backup verify "$T/edit"
grep -qE "^manifest +FAILED" "$T/out" && ok || not_ok "an edited manifest: $(cat "$T/out")"
contains "$T/err" "edited after it was signed"
cp -a "$B/one" "$T/short"
head -c 300 "$B/one/manifest" > "$T/short/manifest"
expect 1 $C backup verify "$T/short"
contains "$T/err" "not a whole backup manifest"
mkdir "$T/empty"
expect 1 $C backup verify "$T/empty"
contains "$T/err" "not a backup"

# ---- a full disk, a read-only folder: an error, and nothing that looks like a backup ----
if mkdir "$T/small" && mount -t tmpfs -o size=256k tmpfs "$T/small" 2>/dev/null; then
	expect 1 $C backup "$T/small/b"
	contains "$T/err" "full"
	[ -z "$(ls -A "$T/small")" ] && ok || not_ok "a full disk left $(ls -A "$T/small")"
	umount "$T/small"
	mkdir "$T/ro" && mount -t tmpfs -o ro,size=1m tmpfs "$T/ro"
	expect 1 $C backup "$T/ro/b"
	contains "$T/err" "cannot create the folder"
	umount "$T/ro"
else
	echo "no tmpfs mount here (not root): the full-disk cases are skipped"
fi

# ---- keys: under a passphrase, never inside a data backup ----
expect 1 $C key backup "$B/one/keys.bak" --passphrase-fd 3 3<<EOF
correct horse battery staple
EOF
contains "$T/err" "inside a backup of the data"
expect 1 $C key backup "$T/keys.bak" --passphrase-fd 3 3<<EOF
short
EOF
contains "$T/err" "at least 12"
expect 0 $C key backup "$T/keys.bak" --passphrase-fd 3 3<<EOF
correct horse battery staple
EOF
[ "$(stat -c %a "$T/keys.bak")" = 600 ] && ok || not_ok "key backup mode"
if grep -qF "FKTRUST1" "$T/keys.bak"; then not_ok "the key backup holds a key file in clear"; else ok; fi
expect 0 $C audit list --action backup.keys --json
contains "$T/out" "dest=$T/keys.bak"
expect 1 $C key restore "$T/keys.bak" "$T/keys2" --passphrase-fd 3 3<<EOF
wrong horse battery staple
EOF
contains "$T/err" "wrong passphrase"
[ -e "$T/keys2" ] && not_ok "a wrong passphrase wrote keys" || ok
expect 0 $C key restore "$T/keys.bak" "$T/keys2" --passphrase-fd 3 3<<EOF
correct horse battery staple
EOF
# The files that do not move with every write (the anchor and the history key do) are equal.
for f in trust.key index.key master-00000001.key audit-sign.key; do
	cmp -s "$T/keys/$f" "$T/keys2/$f" && ok || not_ok "restored $f differs"
done
[ -e "$T/keys2/trust.anchor" ] && [ -e "$T/keys2/audit.key" ] && ok || not_ok "the anchor or history key was not backed up"
[ "$(stat -c %a "$T/keys2")" = 700 ] && ok || not_ok "restored key folder mode"

# ---- another terminal: its backup is refused here ----
mkdir "$T/other"
cat > "$T/other/fukuhon.conf" <<CONF
database = db/fukuhon.db
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = other-terminal
bureau = 東京法務局
CONF
expect 0 $C --config "$T/other/fukuhon.conf" init $TEST_INIT
expect 0 $C --config "$T/other/fukuhon.conf" backup "$T/other/b"
expect 1 $C backup verify "$T/other/b"
grep -qE "^signature +FAILED" "$T/out" && ok || not_ok "another terminal's backup: $(cat "$T/out")"
contains "$T/err" "made by another terminal"
expect 1 $C restore "$T/other/b"
contains "$T/err" "another terminal"

# ---- restore ----
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
# Refused while another process has the database open (its -shm lock).
python3 - "$T/db/fukuhon.db" "$T/held" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1]); c.execute("select count(*) from audit_log").fetchone()
open(sys.argv[2], "w").close()
time.sleep(30)
PY
held=$!
i=0; while [ ! -e "$T/held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect 1 $C restore "$B/one"
contains "$T/err" "open in another process"
kill $held; wait $held 2>/dev/null
expect 0 $C restore "$B/one"
contains "$T/out" "exported to"
contains "$T/out" "old database: removed, the restored one verified"
tail=$(ls "$T/db/"fukuhon.db.tail-*.jsonl)
contains "$tail" '"action":"operator.add"'
expect 0 $C audit verify
expect 0 $C audit list --action backup.restore --json
contains "$T/out" "restored from backup $B/one"
contains "$T/out" "exported to $tail"
expect 1 $C operator add tanaka2 --role operator --bureau 架空法務局
expect 0 $C operator list
lacks "$T/out" "tanaka"
# A second backup of the restored terminal verifies; the older one still restores.
expect 0 $C backup "$B/two"
expect 0 $C backup verify "$B/two"

# The database destroyed: restored from the backup all the same, nothing to export.
rm -f "$T/db/fukuhon.db" "$T/db/fukuhon.db-wal" "$T/db/fukuhon.db-shm"
expect 1 $C status
expect 0 $C restore "$B/two"
contains "$T/out" "not read (there was no database)"
expect 0 $C audit verify
expect 0 $C status --check

# ---- prune: the newest kept (a timer's dated backups, --into) ----
expect 0 $C backup --into "$B"
contains "$T/out" "backup written to $B/test-terminal-"
expect 2 $C backup "$B/x" --into "$B"
mkdir "$B/not-a-backup"
expect 0 $C backup prune "$B" --keep 2
contains "$T/out" "1 old backup removed"
[ -e "$B/one" ] && not_ok "the oldest backup was kept" || ok
[ -d "$B/two" ] && [ -d "$B"/test-terminal-* ] && [ -d "$B/not-a-backup" ] && ok || not_ok "prune removed too much"
expect 2 $C backup prune "$B"
finish
