#!/bin/sh
# The restore drill of a PostgreSQL store that two terminals write (issue 14; R-BACKUP,
# R-LOGSEAL, R-DETECT, R-KEYS; docs/operations-backup.md "A PostgreSQL store"): terminal A makes
# the store, enrols B (key export --for / key import --from), both work; the server's base
# backup (pg_basebackup); both work more; the server restored from the base backup into a fresh
# cluster folder. Then each terminal refuses the rolled-back store (its own anchor), and keeps
# refusing it after the other has recovered; each recovers with `fukuhonctl restore
# --database-restored` (A first, then B: B must measure the store as A's recovery left it);
# afterwards both write, each opens again after the other wrote, and each `audit verify` with
# the other's K0 (--other-key) reports the history intact, the records lost being the ones after
# the base backup, named by each terminal's store.recover record.
# tests/pg_restore_drill.sh is the one-terminal drill (disposal, counters, packages).
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl not found: skipped"; exit 77; }
pg_start || exit $?
[ -x "$FK_PG_BIN/pg_basebackup" ] || { echo "no pg_basebackup: skipped"; exit 77; }
C=$FUKUHONCTL
sql() { $FK_PG_PSQL -A -t -c "$1"; }
pgctl() { (cd / && $FK_PG_AS "$FK_PG_BIN/pg_ctl" "$@" > /dev/null); }

# terminal X: its folder $T/X (configuration, key folder, K0), the shared store
for x in a b; do
	mkdir -m 700 "$T/$x"
	pg_config "$T/$x/fukuhon.conf"
	sed -i "s|^key_dir = .*|key_dir = $T/$x/keys|; s|^terminal_id = .*|terminal_id = terminal-$x|" "$T/$x/fukuhon.conf"
done
A() { FUKUHON_CONFIG=$T/a/fukuhon.conf "$@"; }
B() { FUKUHON_CONFIG=$T/b/fukuhon.conf "$@"; }
P=$T/pki
sh "$top_srcdir/tests/pki.sh" "$P" terminal-a:terminal terminal-b:terminal > /dev/null 2>&1 || exit 99

# ---- A makes the store and enrols B ----
A expect 0 $C init $TEST_INIT
A expect 0 $C demo-data --registers 3 --seed 11
A expect 0 $C key export --for "$P/terminal-b.crt" --out "$T/b.pkg" \
	--signer-cert "$P/terminal-a.crt" --signer-key "$P/terminal-a.key"
B expect 0 $C key import "$T/b.pkg" --from "$P/terminal-a.crt" --cert "$P/terminal-b.crt" --key "$P/terminal-b.key"
# both work before the backup
A expect 0 $C operator add tanaka --role operator --bureau 東京法務局
B expect 0 $C operator add suzuki --role supervisor --bureau 東京法務局
A expect 0 $C status
B expect 0 $C status

# ---- the server's base backup, the key folders' ----
mkdir -m 700 "$PGD/base"
[ -z "$FK_PG_AS" ] || chown postgres "$PGD/base" 2> /dev/null || chown nobody "$PGD/base"
(cd / && $FK_PG_AS "$FK_PG_BIN/pg_basebackup" -h "$FK_PG_SOCK" -p "$FK_PG_PORT" -U postgres -D "$PGD/base" \
	-X stream -c fast) > "$T/basebackup.log" 2>&1 && ok || not_ok "pg_basebackup: $(cat "$T/basebackup.log")"
seq_backup=$(sql "SELECT max(seq) FROM audit_log")

# ---- both work more: records, operators and registers the restored server will not hold ----
A expect 0 $C operator add sato --role auditor --bureau 東京法務局
B expect 0 $C operator add kato --role operator --bureau 東京法務局
B expect 0 $C demo-data --registers 2 --seed 12
A expect 0 $C operator list --json
contains "$T/out" '"kato"'
seq_lost=$(sql "SELECT max(seq) FROM audit_log")
for x in a b; do
	n=$(sql "SELECT count(*) FROM audit_log WHERE terminal = 'terminal-$x' AND seq > $seq_backup")
	[ "$n" -ge 1 ] && ok || not_ok "terminal-$x wrote nothing after the base backup"
	# what each will lose: its own records after its last one the base backup holds
	eval "last_$x=\$(sql \"SELECT max(seq) FROM audit_log WHERE terminal = 'terminal-$x'\")"
	eval "kept_$x=\$(sql \"SELECT max(seq) FROM audit_log WHERE terminal = 'terminal-$x' AND seq <= $seq_backup\")"
done

# ---- the server restored from its base backup into a fresh folder ----
pgctl -D "$FK_PG_DATA" -w -t 30 stop -m fast || not_ok "stopping the server"
mv "$FK_PG_DATA" "$PGD/data.lost"
mv "$PGD/base" "$FK_PG_DATA"
pgctl -D "$FK_PG_DATA" -l "$FK_PG_DATA/pg.log" -w -t 60 start || not_ok "the restored server did not start"
[ "$(sql "SELECT max(seq) FROM audit_log")" = "$seq_backup" ] && ok || not_ok "the server was not put back"
[ "$(sql "SELECT count(*) FROM operator WHERE username IN ('sato', 'kato')")" = 0 ] && ok ||
	not_ok "the restored store holds operators added after the backup"

# ---- each refuses the rolled-back store (its own anchor) ----
for x in A B; do
	$x expect 1 $C status
	contains "$T/err" "put back to an older copy"
	contains "$T/err" "restore --database-restored"
done

# ---- A recovers; B still refuses until it recovers too ----
A expect 0 $C restore --database-restored
contains "$T/out" "anchored again"
A expect 0 $C status
# A writes on the recovered store while B still refuses it
A expect 0 $C operator add sato --role auditor --bureau 東京法務局
B expect 1 $C status
contains "$T/err" "restore --database-restored"
B expect 0 $C restore --database-restored
contains "$T/out" "anchored again"
B expect 0 $C status
A expect 0 $C status
# a second recovery at either: the store opens as it is
A expect 1 $C restore --database-restored
contains "$T/err" "opens as it is"
B expect 1 $C restore --database-restored
contains "$T/err" "opens as it is"
# each recovery recorded by its terminal, naming what its own chain lost
for x in a b; do
	[ "$(sql "SELECT count(*) FROM audit_log WHERE action = 'store.recover' AND result = 'success' AND terminal = 'terminal-$x'")" = 1 ] &&
		ok || not_ok "terminal-$x's store.recover is not on record once"
done
# ... naming exactly the records each lost: its own, numbered after its last one the base
# backup holds, up to the last it wrote (the other terminal's records in between are kept)
A expect 0 $C audit list --action store.recover --json
contains "$T/out" "put back by its server to record $seq_backup; records $((kept_a + 1))-$last_a this terminal wrote are not in it"
B expect 0 $C audit list --action store.recover --json
contains "$T/out" "records $((kept_b + 1))-$last_b this terminal wrote are not in it"

# ---- afterwards both work, each opening after the other wrote ----
B expect 0 $C operator add kato --role operator --bureau 東京法務局
B expect 0 $C demo-data --registers 2 --seed 13
A expect 0 $C operator list --json
contains "$T/out" '"kato"'
B expect 0 $C operator list --json
contains "$T/out" '"sato"'
A expect 0 $C status --check
contains "$T/out" "integrity       ok"
B expect 0 $C status --check
contains "$T/out" "integrity       ok"

# ---- each verifies both chains with both K0s ----
A expect 0 $C audit verify --key "$T/a/audit-initial-key" --other-key "$T/b/audit-initial-key"
cp "$T/out" "$T/verify-a"
contains "$T/verify-a" "history intact"
B expect 0 $C audit verify --key "$T/b/audit-initial-key" --other-key "$T/a/audit-initial-key"
cp "$T/out" "$T/verify-b"
contains "$T/verify-b" "history intact"
echo "records lost with the server's restore: $((seq_backup + 1))-$seq_lost"
finish
