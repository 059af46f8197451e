#!/bin/sh
# tests/pg/cluster.sh itself: the cluster it starts takes only TLS 1.3 with a client
# certificate, its keys are 0600, and a test that fails half-way leaves no server running
# because its EXIT trap stops it (issue 14; R-MUTUAL, R-INTRANSIT).
. "$(dirname "$0")/lib.sh"
cluster="$top_srcdir/tests/pg/cluster.sh"
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "SKIP: PostgreSQL 15 is not installed"; exit 77; }
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$cluster" stop "$PGD"; rm -rf "$PGD" "$T"' EXIT

# psql gives up on a server that does not answer rather than hang the suite
export PGCONNECT_TIMEOUT=10
running() { ps -eo args | grep -F -- "$1/data" | grep -v grep | grep -q postgres; }

# ---- a test script that fails half-way, after starting its cluster ----
cat > "$T/failing.sh" <<SCRIPT
set -e
trap 'sh "$cluster" stop "$PGD"' EXIT
sh "$cluster" start "$PGD"
. "$PGD/env"
echo "\$FK_PG_PORT" > "$T/port"
psql "\$FK_PG_CONNINFO" -X -q -t -A -c "select version from pg_stat_ssl where pid = pg_backend_pid()" > "$T/tls"
false   # the failure
echo "not reached"
SCRIPT
t0=$(date +%s%N)
sh "$T/failing.sh" > "$T/out" 2> "$T/err"
rc=$?
echo "start, use and stop took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
[ "$rc" != 0 ] && ok || not_ok "the failing script succeeded"
lacks "$T/out" "not reached"
contains "$T/tls" "TLSv1.3"
[ -s "$T/port" ] && ok || not_ok "no port written: $(cat "$T/err")"
if running "$PGD"; then not_ok "a postgres process is left after the failing test"; else ok; fi
[ ! -e "$PGD/data/postmaster.pid" ] && ok || not_ok "postmaster.pid left behind"
port=$(cat "$T/port")
if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then not_ok "port $port still answers"; else ok; fi

# ---- what it set up, seen from a fresh start in another folder ----
PGD2=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$cluster" stop "$PGD"; sh "$cluster" stop "$PGD2"; rm -rf "$PGD" "$PGD2" "$T"' EXIT
expect 0 sh "$cluster" start "$PGD2"
. "$PGD2/env"
for k in "$FK_PG_CERTS"/*.key "$PGD2/ca/ca.key" "$PGD2/data/server.key" "$PGD2/env"; do
	m=$(stat -c %a "$k")
	[ "$m" = 600 ] && ok || not_ok "$k is $m, not 600"
done
# pg_hba: only TLS with a certificate from the network, and the harness's socket lines (its
# setup, and replication for the restore drill's pg_basebackup)
hba=$PGD2/data/pg_hba.conf
[ "$(grep -v '^#' "$hba" | grep -c .)" = 3 ] && ok || not_ok "pg_hba.conf has other lines: $(cat "$hba")"
contains "$hba" "local replication postgres trust"
contains "$hba" "hostssl all all 127.0.0.1/32 cert"
# no TLS, or TLS without a client certificate: refused by the server
expect 2 psql "host=127.0.0.1 port=$FK_PG_PORT dbname=fk user=terminal1 sslmode=disable" -X -c "select 1"
contains "$T/err" "no pg_hba.conf entry"
expect 2 psql "host=localhost hostaddr=127.0.0.1 port=$FK_PG_PORT dbname=fk user=terminal1 sslmode=verify-full sslrootcert=$FK_PG_CERTS/ca.crt" -X -c "select 1"
contains "$T/err" "certificate"
# TLS 1.2 is not spoken
expect 2 psql "host=localhost hostaddr=127.0.0.1 port=$FK_PG_PORT dbname=fk user=terminal1 sslmode=verify-full sslrootcert=$FK_PG_CERTS/ca.crt sslcert=$FK_PG_CERTS/terminal1.crt sslkey=$FK_PG_CERTS/terminal1.key ssl_max_protocol_version=TLSv1.2" -X -c "select 1"
# another terminal's certificate does not sign in as terminal1
expect 2 psql "host=localhost hostaddr=127.0.0.1 port=$FK_PG_PORT dbname=fk user=terminal1 sslmode=verify-full sslrootcert=$FK_PG_CERTS/ca.crt sslcert=$FK_PG_CERTS/terminal-revoked.crt sslkey=$FK_PG_CERTS/terminal-revoked.key" -X -c "select 1"
expect 0 psql "$FK_PG_CONNINFO" -X -c "select 1"
expect 0 sh "$cluster" stop "$PGD2"
if running "$PGD2"; then not_ok "stop left a postgres process"; else ok; fi
expect 0 sh "$cluster" stop "$PGD2"   # twice is fine
finish
