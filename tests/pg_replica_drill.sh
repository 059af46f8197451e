#!/bin/sh
# A replica in the second data centre (issue 14; R-BACKUP, R-INTRANSIT, R-MUTUAL): PostgreSQL's
# own streaming replication, as docs/deployment.md §10 "A replica" sets it up — a standby made
# with `pg_basebackup -R`, streaming from the primary over TLS 1.3 as a replication role that
# signs in with its client certificate (`hostssl replication … cert`), no password.
#
# (a) Failover with everything replayed: the primary stops, the standby is promoted, the
#     terminal pointed at it opens it as it left it (its anchor matches), works, and the
#     history verifies.
# (b) Failover that lost the tail: a standby that stopped receiving before the terminal's last
#     writes is promoted; the terminal refuses it as a store put back to an older copy (never
#     writing into it), an operator cannot recover it, an administrator does
#     (`restore --database-restored`, recorded), and afterwards the terminal works and the
#     history verifies; what was lost is the records after the standby's last replayed
#     transaction, and the key folder's counters do not go back.
. "$(dirname "$0")/lib.sh"
command -v openssl > /dev/null || { echo "openssl is missing: skipped"; exit 77; }
pg_part || { finish; exit; }
[ -x "$FK_PG_BIN/pg_basebackup" ] || { echo "no pg_basebackup: skipped"; finish; exit 77; }
mkdir -m 700 "$T/t"
pg_config "$T/t/fukuhon.conf"
C=$FUKUHONCTL
as() { who=$1; shift; FUKUHON_TEST_ACTOR=$who "$@"; }
# pgctl ARGS: the server's pg_ctl as its own user, from a folder it can enter
pgctl() { (cd / && $FK_PG_AS "$FK_PG_BIN/pg_ctl" "$@" > /dev/null); }
# on SOCKET_DIR PORT SQL: one value from that server, as its administrator
on() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U postgres -d fk -c "$3"; }
PRIMARY_SOCK=$FK_PG_SOCK PRIMARY_PORT=$FK_PG_PORT PRIMARY_DATA=$FK_PG_DATA
# the standbys stop with the primary, even when the test fails
trap 'for d in s1 s2; do [ ! -f "$PGD/$d/postmaster.pid" ] || pgctl -D "$PGD/$d" -w -t 20 stop -m immediate; done
sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; rm -rf "$T"' EXIT

# ---- the replication role: a certificate of the store's test CA, a pg_hba line for it ----
CA=$PGD/ca
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=replicator" \
	-keyout "$T/replicator.key" -out "$T/replicator.csr" > /dev/null 2>&1 &&
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > "$T/ext" &&
	openssl x509 -req -in "$T/replicator.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" -CAcreateserial \
		-days 30 -extfile "$T/ext" -out "$T/replicator.crt" > /dev/null 2>&1 || exit 99
on "$PRIMARY_SOCK" "$PRIMARY_PORT" "CREATE ROLE replicator LOGIN REPLICATION" > /dev/null || exit 99
# before the terminals' line (the first matching line wins); the data folder is the server's
{ echo "hostssl replication replicator 127.0.0.1/32 cert"; cat "$PRIMARY_DATA/pg_hba.conf"; } > "$T/hba"
cp "$T/hba" "$PRIMARY_DATA/pg_hba.conf"
on "$PRIMARY_SOCK" "$PRIMARY_PORT" "SELECT pg_reload_conf()" > /dev/null || exit 99

free_port() {
	while :; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000) + 20000 ))
		(exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
	done
}
# standby NAME FROM_SOCK FROM_PORT: a standby of that server in $PGD/NAME, streaming over TLS
# as replicator; its port in $SB_PORT, its socket folder in $SB_SOCK; started, streaming
standby() {
	name=$1 from_sock=$2 from_port=$3
	d=$PGD/$name
	mkdir -m 700 "$d" "$d.sock"
	[ -z "$FK_PG_AS" ] || chown postgres "$d" "$d.sock" 2> /dev/null || chown nobody "$d" "$d.sock"
	(cd / && $FK_PG_AS "$FK_PG_BIN/pg_basebackup" -h "$from_sock" -p "$from_port" -U postgres -D "$d" \
		-X stream -c fast -R) > "$T/basebackup-$name.log" 2>&1 || { not_ok "pg_basebackup: $(cat "$T/basebackup-$name.log")"; return 1; }
	cp "$T/replicator.crt" "$T/replicator.key" "$d/"
	[ -z "$FK_PG_AS" ] || chown "$(stat -c %U "$d")" "$d/replicator.crt" "$d/replicator.key"
	chmod 600 "$d/replicator.key"
	SB_PORT=$(free_port) SB_SOCK=$d.sock
	sed -i "s|^port = .*|port = $SB_PORT|; s|^unix_socket_directories = .*|unix_socket_directories = '$SB_SOCK'|" \
		"$d/fukuhon-test.conf"
	# pg_basebackup -R wrote a primary_conninfo over the socket; the standby's own is over TLS
	cat >> "$d/postgresql.auto.conf" <<CONF
primary_conninfo = 'host=localhost hostaddr=127.0.0.1 port=$from_port user=replicator application_name=$name sslmode=verify-full sslcert=$d/replicator.crt sslkey=$d/replicator.key sslrootcert=$d/ca.crt ssl_min_protocol_version=TLSv1.3'
CONF
	pgctl -D "$d" -l "$d/pg.log" -w -t 60 start || { not_ok "the standby $name did not start: $(tail -5 "$d/pg.log")"; return 1; }
	for i in $(seq 100); do
		[ "$(on "$from_sock" "$from_port" "SELECT count(*) FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = '$name' AND r.state = 'streaming' AND s.ssl AND s.version = 'TLSv1.3'")" = 1 ] &&
			{ ok; return 0; }
		sleep 0.2
	done
	not_ok "the standby $name is not streaming over TLS 1.3: $(tail -5 "$d/pg.log")"
	return 1
}
# caught_up FROM_SOCK FROM_PORT: the standby has replayed everything its primary wrote
caught_up() {
	lsn=$(on "$1" "$2" "SELECT pg_current_wal_lsn()")
	for i in $(seq 150); do
		[ "$(on "$SB_SOCK" "$SB_PORT" "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && { ok; return 0; }
		sleep 0.2
	done
	not_ok "the standby did not catch up with $lsn"
	return 1
}
# point_at PORT: the terminal's store is the server on PORT (the same name and certificate: a
# failover moves the name, here the port)
point_at() {
	sed -i "s|^database = \(postgresql://[^:]*:\)[0-9]*/|database = \1$1/|" "$T/t/fukuhon.conf"
}

# ---- the terminal on the primary ----
expect 0 $C init $TEST_INIT
expect 0 $C operator add tanaka --role operator --bureau 東京法務局
expect 0 $C demo-data --registers 5 --seed 3
standby s1 "$PRIMARY_SOCK" "$PRIMARY_PORT" || { finish; exit 1; }
expect 0 $C operator add sato --role supervisor --bureau 東京法務局
expect 0 $C status
caught_up "$PRIMARY_SOCK" "$PRIMARY_PORT"

# ---- (a) failover with everything replayed: the terminal carries on ----
pgctl -D "$PRIMARY_DATA" -w -t 30 stop -m fast || not_ok "stopping the primary"
pgctl -D "$PGD/s1" -w -t 60 promote || not_ok "promoting s1"
point_at "$SB_PORT"
expect 0 $C status
contains "$T/out" "registers"
expect 0 $C operator add suzuki --role operator --bureau 東京法務局
expect 0 $C operator list --json
contains "$T/out" '"sato"'
contains "$T/out" '"suzuki"'
expect 0 $C audit verify
contains "$T/out" "history intact"
P1_SOCK=$SB_SOCK P1_PORT=$SB_PORT

# ---- (b) a standby that stopped before the last writes, promoted: refused, then recovered ----
standby s2 "$P1_SOCK" "$P1_PORT" || { finish; exit 1; }
expect 0 $C status
caught_up "$P1_SOCK" "$P1_PORT"
pgctl -D "$PGD/s2" -w -t 30 stop -m fast || not_ok "stopping s2"
# the tail s2 never receives: an operator added, another disabled
expect 0 $C operator add takahashi --role operator --bureau 東京法務局
expect 0 $C operator disable tanaka
cp "$T/t/keys/intake.seq" "$T/intake.seq.before" 2> /dev/null || :
records=$(on "$P1_SOCK" "$P1_PORT" "SELECT count(*) FROM audit_log")
pgctl -D "$PGD/s1" -w -t 30 stop -m fast || not_ok "stopping s1"
pgctl -D "$PGD/s2" -l "$PGD/s2/pg.log" -w -t 60 start || not_ok "s2 did not start again"
pgctl -D "$PGD/s2" -w -t 60 promote || not_ok "promoting s2"
lost=$((records - $(on "$SB_SOCK" "$SB_PORT" "SELECT count(*) FROM audit_log")))
[ "$lost" -ge 2 ] && ok || not_ok "the promoted standby lost $lost records (2 or more expected)"
point_at "$SB_PORT"
expect 1 $C status
contains "$T/err" "put back to an older copy"
contains "$T/err" "restore --database-restored"
expect 1 $C operator add ito --role operator --bureau 東京法務局
[ "$(on "$SB_SOCK" "$SB_PORT" "SELECT count(*) FROM operator WHERE username = 'ito'")" = 0 ] && ok ||
	not_ok "the terminal wrote into a store it refused"
expect 1 as sato $C restore --database-restored
contains "$T/err" "not an enabled administrator"
expect 0 $C restore --database-restored
contains "$T/out" "anchored again"
expect 0 $C status
expect 0 $C audit list --action store.recover --json
contains "$T/out" "put back by its server"
# the lost tail is lost (takahashi), what was replayed is there (suzuki), work goes on
expect 0 $C operator list --json
contains "$T/out" '"suzuki"'
lacks "$T/out" '"takahashi"'
expect 0 $C operator add ito --role operator --bureau 東京法務局
expect 0 $C audit verify
contains "$T/out" "history intact"
[ ! -f "$T/intake.seq.before" ] || { cmp -s "$T/t/keys/intake.seq" "$T/intake.seq.before" && ok || not_ok "the recovery changed intake.seq"; }
pgctl -D "$PGD/s2" -w -t 30 stop -m fast
finish
