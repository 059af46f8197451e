#!/bin/sh
# A throwaway PostgreSQL 15 cluster for tests and for `make demo-shared`, reached over mutually
# authenticated TLS 1.3 on loopback (issue 14; R-MUTUAL, R-INTRANSIT). Never for real use;
# nothing system-wide touched. The tests call it as tests/pg/cluster.sh (a wrapper that runs
# this file), the two-terminal demo (build-aux/demo-shared.sh) directly.
#
#   build-aux/pg-cluster.sh start DIR     make the test PKI, initdb, start; writes DIR/env
#   build-aux/pg-cluster.sh stop DIR      stop it (idempotent: fine on a DIR never started)
#
# A script that uses it stops it whatever happens, and can read the environment it wrote:
#   PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX")
#   trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"' EXIT
#   sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD" || exit $?     # 77: no PostgreSQL 15
#   . "$PGD/env"
# (tests/lib.sh sets its own EXIT trap: a script that sources it and starts a cluster puts both
# into its trap.) DIR must be reachable by the server's user: when run as root, PostgreSQL
# refuses root, so the server runs as the `postgres` account (the package makes it; `nobody`
# otherwise) and DIR's parent folders must be searchable by it (mktemp -d under /tmp is).
#
# DIR/env (sh syntax, exported):
#   FK_PG_CONNINFO          the terminal "terminal1": verify-full, its client certificate; the
#                           role owns the database (one role for schema and terminal)
#   FK_PG_CONNINFO_OWNER    the same: the schema's owner, for database_admin (init, migrate)
#   FK_PG_CONNINFO_A        terminal-a, a terminal's own role: member of fukuhon_terminal only
#                           (sql/terminal_grants.pg.sql once a store is made), CN = role
#   FK_PG_CONNINFO_B        terminal-b, the same; its certificate's CN is terminal-b.store.test,
#                           which pg_ident.conf maps to the role terminal-b
#   FK_PG_TERMINAL_ROLES    "terminal-a terminal-b"
#   FK_PG_CONNINFO_EXPIRED  the same with terminal-expired's certificate (expired yesterday)
#   FK_PG_CONNINFO_REVOKED  the same with terminal-revoked's certificate (in the server's CRL)
#   FK_PG_CERTS             the client side's files: ca.crt, terminal*.crt/.key (keys 0600)
#   FK_PG_PORT FK_PG_HOST   127.0.0.1 and the free port taken
#   FK_PG_ADMIN             a libpq conninfo for the harness's own setup: the superuser over the
#                           unix socket in DIR (0700, trust). The product never uses it.
#   FK_PG_PSQL              psql with it, e.g. `$FK_PG_PSQL -c "select 1"`
#   FK_PG_DATA FK_PG_SOCK   the cluster's data folder and socket folder (the restore drill)
#   FK_PG_BIN               the server's programs (pg_ctl, pg_basebackup)
#   FK_PG_AS                the command prefix that runs one as the server's user ("" unless root)
# The database is `fk`, owned by terminal1; the roles terminal-expired and terminal-revoked
# exist too, so that their refusals come from the certificate and not from a missing role.
# The group role fukuhon_terminal, its database privileges and the roles terminal-a and
# terminal-b are made by build-aux/pg-roles.sh, the statements docs/deployment.md gives a
# server's administrator; nobody else may connect to fk (PUBLIC's CONNECT revoked).
# pg_hba.conf has only `hostssl all all 127.0.0.1/32 cert map=fukuhon` and the superuser's socket
# lines; pg_ident.conf maps a CN to the role of the same name, and terminal-b.store.test to
# terminal-b (docs/deployment.md).
# Exit 77 (skip) only where PostgreSQL 15 is not installed.
set -eu
roles_sh=$(cd "$(dirname "$0")" && pwd)/pg-roles.sh
PGBIN=${FK_PG_BIN:-/usr/lib/postgresql/15/bin}

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# = 2 ] || usage
cmd=$1
dir=$2

# Run a command as the server's user (PostgreSQL refuses to run as root).
pguser=
if [ "$(id -u)" = 0 ]; then
	if id postgres > /dev/null 2>&1; then pguser=postgres; else pguser=nobody; fi
fi
as_pg() {
	if [ -n "$pguser" ]; then runuser -u "$pguser" -- "$@"; else "$@"; fi
}

stop() {
	[ -d "$dir/data" ] || return 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$dir/data" -w -t 20 stop -m fast > /dev/null 2>&1 || true
	fi
	# pg_ctl may have failed (a half-started server): make sure nothing is left running.
	if [ -f "$dir/data/postmaster.pid" ]; then
		pid=$(head -n 1 "$dir/data/postmaster.pid")
		case $pid in '' | *[!0-9]*) ;; *) kill -9 "$pid" 2> /dev/null || true ;; esac
		rm -f "$dir/data/postmaster.pid"
	fi
	return 0
}

case $cmd in
stop) stop; exit 0 ;;
start) ;;
*) usage ;;
esac

if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql > /dev/null 2>&1; then
	echo "SKIP: PostgreSQL 15 is not installed ($PGBIN/initdb; apt-get install postgresql-15)" >&2
	exit 77
fi
command -v openssl > /dev/null 2>&1 || { echo "$0: openssl is needed" >&2; exit 99; }

umask 077
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ ! -e "$dir/data" ] || { echo "$0: $dir/data exists: one cluster per folder" >&2; exit 99; }
# The server's user must reach DIR; nothing in it but data/ and sock/ is its own.
chmod 711 "$dir"
if [ -n "$pguser" ] && ! runuser -u "$pguser" -- test -x "$dir"; then
	echo "$0: $pguser cannot reach $dir (a parent folder is not searchable): use mktemp -d under /tmp" >&2
	exit 99
fi

# ---- the test PKI: a CA, the server's certificate, the terminals' certificates, a CRL ----
ca=$dir/ca
certs=$dir/certs
mkdir -p "$ca/db" "$certs"
: > "$ca/db/index.txt"
echo 1000 > "$ca/db/serial"
echo 01 > "$ca/db/crlnumber"
cat > "$ca/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $ca/db
database = $ca/db/index.txt
new_certs_dir = $ca/db
serial = $ca/db/serial
crlnumber = $ca/db/crlnumber
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
default_crl_days = 30
[ any ]
commonName = supplied
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
ossl() { openssl "$@" > /dev/null 2>&1 || { echo "$0: openssl $1 failed" >&2; exit 99; }; }
ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	-subj "/CN=fukuhon test store CA" -keyout "$ca/ca.key" -out "$ca/ca.crt" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
cp "$ca/ca.crt" "$certs/ca.crt"

# leaf NAME EXT OUTDIR [openssl ca options...]: NAME.key and NAME.crt (CN=NAME, or $cn) in OUTDIR
leaf() {
	name=$1 ext=$2 out=$3
	shift 3
	ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=${cn:-$name}" \
		-keyout "$out/$name.key" -out "$ca/$name.csr"
	ossl ca -batch -config "$ca/ca.cnf" -cert "$ca/ca.crt" -keyfile "$ca/ca.key" \
		-extensions "$ext" -in "$ca/$name.csr" -out "$out/$name.crt" -notext "$@"
	chmod 600 "$out/$name.key"
}
leaf server server "$ca" -days 365
leaf terminal1 client "$certs" -days 365
leaf terminal-expired client "$certs" -startdate "$(date -u -d '-2 years' +%Y%m%d%H%M%SZ)" \
	-enddate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
leaf terminal-revoked client "$certs" -days 365
leaf terminal-a client "$certs" -days 365
cn=terminal-b.store.test leaf terminal-b client "$certs" -days 365
ossl ca -batch -config "$ca/ca.cnf" -cert "$ca/ca.crt" -keyfile "$ca/ca.key" -revoke "$certs/terminal-revoked.crt"
ossl ca -batch -config "$ca/ca.cnf" -cert "$ca/ca.crt" -keyfile "$ca/ca.key" -gencrl -out "$ca/ca.crl"

# ---- initdb as the server's user ----
mkdir "$dir/data" "$dir/sock"
[ -z "$pguser" ] || chown "$pguser" "$dir/data" "$dir/sock"
chmod 700 "$dir/data" "$dir/sock"
as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --no-sync -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 ||
	{ echo "$0: initdb failed: $(tail -n 5 "$dir/initdb.log")" >&2; exit 99; }
for f in server.crt server.key ca.crt ca.crl; do
	cp "$ca/$f" "$dir/data/$f"
	[ -z "$pguser" ] || chown "$pguser" "$dir/data/$f"
	chmod 600 "$dir/data/$f"
done
# Replace the whole file: initdb's own lines come first and would match first.
cat > "$dir/data/pg_hba.conf" <<HBA
# the harness's own setup, over the socket in DIR (0700): never used by the product; replication
# for the restore drill's pg_basebackup (tests/pg_restore_drill.sh)
local all postgres trust
local replication postgres trust
# terminals: TLS and a client certificate whose CN names the role (through pg_ident.conf's
# map); nothing else
hostssl all all 127.0.0.1/32 cert map=fukuhon
HBA
# A CN that is a role's name is that role; a terminal's CN in the site's own naming maps to its
# role. No other CN reaches a role (docs/deployment.md).
cat > "$dir/data/pg_ident.conf" <<IDENT
fukuhon  /^([a-z0-9_-]+)\$                    \\1
fukuhon  terminal-b.store.test                 terminal-b
IDENT

# ---- a free port, then start (a port taken between the probe and the start: try another) ----
port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
started=
for try in 1 2 3 4 5; do
	port=$(( ($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000) + 20000 ))
	port_free "$port" || continue
	cat > "$dir/data/fukuhon-test.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/sock'
unix_socket_permissions = 0700
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_ca_file = 'ca.crt'
ssl_crl_file = 'ca.crl'
ssl_min_protocol_version = 'TLSv1.3'
max_connections = 40
shared_buffers = 32MB
log_connections = on
CONF
	[ -z "$pguser" ] || chown "$pguser" "$dir/data/fukuhon-test.conf"
	grep -q "^include 'fukuhon-test.conf'" "$dir/data/postgresql.conf" ||
		echo "include 'fukuhon-test.conf'" >> "$dir/data/postgresql.conf"
	if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/data/pg.log" -w -t 30 start > /dev/null 2>&1; then
		started=1
		break
	fi
	stop
done
[ -n "$started" ] || { echo "$0: the server did not start: $(tail -n 5 "$dir/data/pg.log" 2>/dev/null)" >&2; exit 99; }

admin="host=$dir/sock port=$port user=postgres dbname=postgres"
psql_admin() { psql "$admin" -X -q -v ON_ERROR_STOP=1 "$@" > /dev/null; }
{
	psql_admin -c 'create role terminal1 login' &&
	psql_admin -c 'create role "terminal-expired" login' &&
	psql_admin -c 'create role "terminal-revoked" login' &&
	psql_admin -c 'create database fk owner terminal1' &&
	psql_admin -c 'grant all on database fk to "terminal-expired", "terminal-revoked"' &&
	sh "$roles_sh" group fk | psql_admin -f - &&
	sh "$roles_sh" terminal terminal-a | psql_admin -f - &&
	sh "$roles_sh" terminal terminal-b | psql_admin -f -
} || { echo "$0: setting up roles failed" >&2; stop; exit 99; }

uri() {
	printf 'postgresql://%s@localhost:%s/fk?hostaddr=127.0.0.1&sslmode=verify-full&sslcert=%s&sslkey=%s&sslrootcert=%s' \
		"$1" "$port" "$certs/$1.crt" "$certs/$1.key" "$certs/ca.crt"
}
cat > "$dir/env" <<ENV
FK_PG_CONNINFO='$(uri terminal1)'
FK_PG_CONNINFO_EXPIRED='$(uri terminal-expired)'
FK_PG_CONNINFO_REVOKED='$(uri terminal-revoked)'
FK_PG_CONNINFO_OWNER='$(uri terminal1)'
FK_PG_CONNINFO_A='$(uri terminal-a)'
FK_PG_CONNINFO_B='$(uri terminal-b)'
FK_PG_TERMINAL_ROLES='terminal-a terminal-b'
FK_PG_CERTS='$certs'
FK_PG_HOST=127.0.0.1
FK_PG_PORT=$port
FK_PG_ADMIN='host=$dir/sock port=$port user=postgres dbname=fk'
FK_PG_PSQL='psql -X -q -v ON_ERROR_STOP=1 -h $dir/sock -p $port -U postgres -d fk'
FK_PG_DATA='$dir/data'
FK_PG_SOCK='$dir/sock'
FK_PG_BIN='$PGBIN'
FK_PG_AS='${pguser:+runuser -u $pguser --}'
export FK_PG_CONNINFO FK_PG_CONNINFO_EXPIRED FK_PG_CONNINFO_REVOKED FK_PG_CERTS FK_PG_HOST FK_PG_PORT FK_PG_ADMIN FK_PG_PSQL
export FK_PG_DATA FK_PG_SOCK FK_PG_BIN FK_PG_AS
export FK_PG_CONNINFO_OWNER FK_PG_CONNINFO_A FK_PG_CONNINFO_B FK_PG_TERMINAL_ROLES
ENV
chmod 600 "$dir/env"
