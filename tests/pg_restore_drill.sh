#!/bin/sh
# The restore drill of a PostgreSQL store (issue 14, 12; R-BACKUP, R-DISPOSE, R-PRINT,
# R-BATCH-PROTO, R-LOGSEAL, R-DETECT; docs/operations-backup.md "A PostgreSQL store"): a store
# with registers; the server's base backup (pg_basebackup) and the terminal's own (`fukuhonctl
# backup`: the key folder, sealed under a passphrase); more work (a package received, a copy
# printed, a register disposed of with its approval); the server restored from its base backup
# into a fresh cluster folder. Then:
#  (a) the terminal refuses the store as a rollback (the anchor in the key folder), and the
#      recovery command refuses an operator, a store whose row was altered by the server's
#      administrator, and a second run on a store that opens as it is;
#  (b) `fukuhonctl restore --database-restored` by an administrator makes it open, recorded;
#  (c) the register disposed of after the backup is disposed of again from the key folder's
#      ledger: its data key holds nothing, no live row holds its wrapped key, nothing of it can
#      be asked for; health --check passes (the catalogue and every row MAC on PostgreSQL);
#  (d) the package received after the backup is still refused and output numbers continue from
#      the key folder's (intake.seq, print.seq untouched);
#  and the server's old files (WAL, dead tuples) still hold the disposed key's wrapped bytes
#  until the master key they are wrapped under is rotated out of the key folder.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
FKPKG="$top_builddir/tests/fkpkg"
[ -x "$FKPKG" ] || { echo "no tests/fkpkg: skipped"; exit 77; }
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; rm -rf "$T"' EXIT
sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD" || exit $?
. "$PGD/env"
[ -x "$FK_PG_BIN/pg_basebackup" ] || { echo "no pg_basebackup: skipped"; exit 77; }
C=$FUKUHONCTL
sql() { $FK_PG_PSQL -A -t -c "$1"; }
# pgctl ARGS: the server's pg_ctl as its own user, from a folder it can enter
pgctl() { (cd / && $FK_PG_AS "$FK_PG_BIN/pg_ctl" "$@" > /dev/null); }
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
refused() { why=$1; shift; expect 1 "$@"; contains "$T/err" "refused [$why]"; }

# The terminal on its own role (terminal-a), the store made by its owner (database_admin).
pg_terminal_config "$T/fukuhon.conf" "print_spool = spool
approval_valid = 1h"
mkdir -m 700 "$T/spool"

# ---- a store with registers, receiving from 131016 ----
receiving_terminal 131016
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C demo-data --registers 3 --seed 7
expect 0 $C grant tanaka --all --kind koseki,joseki --rights view,print,dispose --reason "窓口での写し交付と廃棄"
REG=$(sql "SELECT min(id) FROM register")
KEY=$(sql "SELECT key_id FROM register WHERE id = $REG")
WRAPPED=$(sql "SELECT encode(wrapped, 'hex') FROM data_key WHERE id = $KEY")
[ ${#WRAPPED} -ge 64 ] && ok || not_ok "no wrapped key read ($WRAPPED)"


# ---- the backups: the server's base backup, the terminal's key folder ----
mkdir -m 700 "$PGD/base"
[ -z "$FK_PG_AS" ] || chown postgres "$PGD/base" 2> /dev/null || chown nobody "$PGD/base"
start=$(date +%s)
(cd / && $FK_PG_AS "$FK_PG_BIN/pg_basebackup" -h "$FK_PG_SOCK" -p "$FK_PG_PORT" -U postgres -D "$PGD/base" \
	-X stream -c fast) > "$T/basebackup.log" 2>&1 && ok || not_ok "pg_basebackup: $(cat "$T/basebackup.log")"
echo "pg_basebackup: $(($(date +%s) - start)) s, $(du -sk "$PGD/base" | cut -f1) KiB"
printf 'a passphrase for the drill\n' > "$T/pass"
expect 0 $C backup "$T/keys.bk" --passphrase-fd 3 3< "$T/pass"
contains "$T/out" "key files written"
contains "$T/out" "backed up on its server"
[ "$(stat -c %a "$T/keys.bk")" = 600 ] && ok || not_ok "the key folder's backup is mode $(stat -c %a "$T/keys.bk")"
expect 0 $C key restore "$T/keys.bk" "$T/keys-check" --passphrase-fd 3 3< "$T/pass"
# (the anchor itself moves on with the record of this very backup)
for f in trust.key trust.anchor; do
	[ -f "$T/keys-check/$f" ] && ok || not_ok "the key backup does not hold $f"
done
cmp -s "$T/keys/trust.key" "$T/keys-check/trust.key" && ok || not_ok "the key backup's trust key differs"
expect 0 $C audit list --action backup.keys
contains "$T/out" "backup.keys"

# ---- more work after the backup: a package received, a copy printed, a register disposed of ----
"$FKPKG" -o "$T/one.pkg" --quiet --signer-key "$P/muni-131016.key" --signer-cert "$P/muni-131016.crt" \
	--to "$P/receiver.crt" --municipality 131016 --sequence 1 --kind full --registers 2 ||
	not_ok "fkpkg could not make the package"
expect 0 $C import "$T/one.pkg"
contains "$T/out" "applied"
print_copy "$REG"
first=$NUMBER
[ -n "$first" ] && ok || not_ok "no output number printed"
expect 0 as tanaka $C request dispose --register "$REG" --reason "保存期間満了"
id=$(sed -n 's/^request \([0-9]*\):.*/\1/p' "$T/out")
expect 0 as sato $C approve "$id" --reason "確認済み"
expect 0 as tanaka $C dispose "$id" --json
contains "$T/out" '"warning": ""'
[ "$(sql "SELECT count(*) FROM data_key WHERE id = $KEY AND wrapped IS NULL AND destroyed_at IS NOT NULL")" = 1 ] &&
	ok || not_ok "the disposal left key material"
refused not-found as tanaka $C request print --register "$REG" --reason "写し"
cp "$T/keys/intake.seq" "$T/intake.seq.before"
cp "$T/keys/print.seq" "$T/print.seq.before"
registers=$(sql "SELECT count(*) FROM register")

# ---- the server restored from its base backup into a fresh cluster folder ----
pgctl -D "$FK_PG_DATA" -w -t 30 stop -m fast || not_ok "stopping the server"
mv "$FK_PG_DATA" "$PGD/data.lost"
mv "$PGD/base" "$FK_PG_DATA"
pgctl -D "$FK_PG_DATA" -l "$FK_PG_DATA/pg.log" -w -t 60 start || not_ok "the restored server did not start"
[ "$(sql "SELECT count(*) FROM register")" -lt "$registers" ] && ok || not_ok "the server was not put back"
[ "$(sql "SELECT count(*) FROM data_key WHERE id = $KEY AND wrapped IS NOT NULL")" = 1 ] && ok ||
	not_ok "the restored store does not hold the wrapped key again"

# ---- (a) refused as a rollback until an administrator recovers it ----
expect 1 $C status
contains "$T/err" "put back to an older copy"
contains "$T/err" "restore --database-restored"
expect 1 $C restore "$T/keys.bk"
contains "$T/err" "restored on its server"
expect 1 as tanaka $C restore --database-restored
contains "$T/err" "not an enabled administrator"
expect 1 $C status
# A row the server's administrator altered: the recovery refuses the whole store.
role=$(sql "SELECT role FROM operator WHERE username = 'tanaka'")
sql "UPDATE operator SET role = 'administrator' WHERE username = 'tanaka'" > /dev/null
expect 1 $C restore --database-restored
contains "$T/err" "changed outside fukuhon"
sql "UPDATE operator SET role = '$role' WHERE username = 'tanaka'" > /dev/null
expect 1 $C status

# ---- (b) the recovery, recorded ----
expect 0 $C restore --database-restored
contains "$T/out" "anchored again"
contains "$T/out" "disposed of again: 1 register(s)"
expect 0 $C status
expect 0 $C audit list --action store.recover --json
contains "$T/out" '"operator": "admin"'
contains "$T/out" "put back by its server"
expect 1 $C restore --database-restored
contains "$T/err" "opens as it is"

# ---- (c) the register disposed of after the backup stays disposed of ----
[ "$(sql "SELECT count(*) FROM data_key WHERE id = $KEY AND wrapped IS NULL AND destroyed_at IS NOT NULL")" = 1 ] &&
	ok || not_ok "the restored data key was not destroyed again"
[ "$(sql "SELECT count(*) FROM data_key WHERE encode(wrapped, 'hex') = '$WRAPPED'")" = 0 ] && ok ||
	not_ok "a live row still holds the disposed register's wrapped key"
[ "$(sql "SELECT count(*) FROM register_version WHERE register_id = $REG AND length(content) > 0")" = 0 ] && ok ||
	not_ok "the disposed register's versions still hold ciphertext"
[ "$(sql "SELECT count(*) FROM register WHERE id = $REG AND disposed_at IS NOT NULL")" = 1 ] && ok ||
	not_ok "the register is not marked disposed of"
[ "$(sql "SELECT count(*) FROM register_index WHERE register_id = $REG")" = 0 ] && ok ||
	not_ok "the search index still finds the disposed register"
refused not-found as tanaka $C request print --register "$REG" --reason "写し"
expect 0 $C audit list --action dispose.reapply
contains "$T/out" " $REG "
expect 0 $C status --check
contains "$T/out" "integrity       ok"
contains "$T/out" "each as this terminal wrote it"
expect 0 $C audit list --action health.check --json
contains "$T/out" "integrity=ok"

# ---- (d) counters continue from the key folder's ----
cmp -s "$T/keys/intake.seq" "$T/intake.seq.before" && ok || not_ok "the recovery changed intake.seq"
cmp -s "$T/keys/print.seq" "$T/print.seq.before" && ok || not_ok "the recovery changed print.seq"
expect 1 $C import "$T/one.pkg"
contains "$T/out" "refused"
REG=$(sql "SELECT max(id) FROM register WHERE disposed_at IS NULL")
print_copy "$REG"
n1=$(printf '%s' "$first" | sed 's/[^0-9]//g'); n2=$(printf '%s' "$NUMBER" | sed 's/[^0-9]//g')
[ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -gt "$n1" ] && ok || not_ok "output numbers went back: $first then $NUMBER"

# ---- the server's old copies, and the master-key rotation that leaves them unreadable ----
# (docs/storage.md, "Disposal on PostgreSQL"): the cluster as it was after the disposal still
# holds the wrapped key's bytes (its WAL, and the dead tuple until VACUUM), as do base backups
# and replicas; they are wrapped under master key $kek, which the rotation removes from the key
# folder, the only place it ever was.
if command -v perl > /dev/null; then
	found=$(find "$PGD/data.lost/base" "$PGD/data.lost/pg_wal" -type f | xargs perl -e '
		my $n = pack("H*", shift); my $hits = 0;
		for my $f (@ARGV) { open(my $h, "<:raw", $f) or next; local $/; my $d = <$h>; $hits++ if index($d, $n) >= 0 }
		print $hits' "$WRAPPED")
	[ "${found:-0}" -ge 1 ] && ok || not_ok "the server's old files were expected to hold the wrapped key"
	echo "files of the cluster after the disposal still holding the disposed register's wrapped key: $found"
fi
kek=$(sql "SELECT kek_id FROM data_key WHERE id = $KEY")
[ -e "$T/keys/master-$(printf %08d "$kek").key" ] && ok || not_ok "master key $kek is not in the key folder"
expect 0 $C key rotate
contains "$T/out" "old master keys removed"
[ -e "$T/keys/master-$(printf %08d "$kek").key" ] && not_ok "master key $kek survived the rotation" || ok
[ "$(sql "SELECT count(*) FROM data_key WHERE wrapped IS NOT NULL AND kek_id = $kek")" = 0 ] && ok ||
	not_ok "a live data key is still wrapped under master key $kek"
expect 0 $C status --check
contains "$T/out" "each as this terminal wrote it"
# health on PostgreSQL: the key folder's backup is the terminal's backup (its record before the
# base backup's end went with the restore: a new one), the database's disk and backups are the
# server's (no figure invented for them)
$C health > "$T/out" 2> "$T/err"
grep -Eq '^backup +WARNING +no backup recorded' "$T/out" && ok || not_ok "health found a backup: $(cat "$T/out")"
expect 0 $C backup --into "$T" --passphrase-fd 3 3< "$T/pass"
ls "$T"/pg-terminal-*.keys > /dev/null 2>&1 && ok || not_ok "backup --into wrote no TERMINAL-TIME.keys"
$C health > "$T/out" 2> "$T/err"
grep -Eq '^backup +OK +passed' "$T/out" && ok || not_ok "health does not find the key folder's backup: $(cat "$T/out")"
grep -Eq "^disk_database +OK +on the store's server" "$T/out" && ok || not_ok "health measured a database folder: $(cat "$T/out")"
lacks "$T/out" "disk_database="
finish
