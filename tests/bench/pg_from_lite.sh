#!/bin/sh
# Bulk path for the PostgreSQL bench store (issue 14; not installed, not in make check):
# every row of a SQLite bench terminal (made by the core's own demo-data generator, so each
# register is encrypted, indexed and sealed by the core as usual) copied byte for byte into
# a PostgreSQL store with COPY, and a terminal made on it with the same key folder, so that
# its keys, MACs and anchor hold as they do on the SQLite file. Generating through the
# PostgreSQL driver one statement at a time runs at about 270 registers/s on loopback TLS
# (about an hour for 1,000,000); this takes minutes.
#
#   pg_from_lite.sh SQLITE_CONFIG PG_CONNINFO OUTDIR
# FK_PG_PSQL (tests/pg/cluster.sh's env) must reach the database as its superuser: the
# protecting triggers are off for the copy (session_replication_role = replica, that
# session only), as for a restore. OUTDIR/fukuhon.conf is the PostgreSQL terminal's.
set -eu
top_srcdir=${FK_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${FK_TOP_BUILDDIR:-$top_srcdir}
LITE_CONF=${1:?usage: pg_from_lite.sh SQLITE_CONFIG PG_CONNINFO OUTDIR}
CONNINFO=${2:?usage}
OUT=${3:?usage}
: "${FK_PG_PSQL:?FK_PG_PSQL (the superuser psql of tests/pg/cluster.sh) is needed}"
ldir=$(cd "$(dirname "$LITE_CONF")" && pwd)
db=$ldir/$(sed -n 's/^database = //p' "$LITE_CONF")
keys=$ldir/$(sed -n 's/^key_dir = //p' "$LITE_CONF")
tid=$(sed -n 's/^terminal_id = //p' "$LITE_CONF")
bureau=$(sed -n 's/^bureau = //p' "$LITE_CONF")
mkdir -p "$OUT"
t0=$(date +%s)
# The schema, made by the program itself on the empty database (a throwaway terminal), then
# emptied: the rows come from the SQLite terminal.
cat > "$OUT/init.conf" <<CONF
database = $CONNINFO
key_dir = init-keys
data_dir = $top_srcdir/data
terminal_id = $tid
bureau = $bureau
CONF
FUKUHON_TEST_ACTOR=admin "$top_builddir/fukuhonctl" --config "$OUT/init.conf" init --admin admin \
	--bureau "$bureau" --mode test > /dev/null
rm -rf "$OUT/init-keys" "$OUT/init.conf" "$OUT/audit-initial-key"
tables=$(sqlite3 "$db" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
# shellcheck disable=SC2086
$FK_PG_PSQL -c "SET session_replication_role = replica" -c "TRUNCATE $(echo $tables | sed 's/ /, /g')" > /dev/null
for t in $tables; do
	cols= sel=
	for c in $(sqlite3 "$db" "SELECT name FROM pragma_table_info('$t') ORDER BY cid"); do
		type=$($FK_PG_PSQL -A -t -c "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$t' AND column_name = '$c'")
		cols="$cols${cols:+, }$c"
		# bytea as PostgreSQL's hex input; everything else as SQLite prints it
		if [ "$type" = bytea ]; then
			sel="$sel${sel:+, }CASE WHEN $c IS NULL THEN NULL ELSE '\\x' || hex($c) END"
		else
			sel="$sel${sel:+, }$c"
		fi
	done
	sqlite3 -csv -cmd ".nullvalue ~NULL~" "$db" "SELECT $sel FROM $t" |
		PGOPTIONS="-c session_replication_role=replica" $FK_PG_PSQL -c "\\copy $t ($cols) FROM STDIN (FORMAT csv, NULL '~NULL~')"
	echo "  $t: $(sqlite3 "$db" "SELECT count(*) FROM $t") rows" >&2
done
$FK_PG_PSQL -c "VACUUM ANALYZE" > /dev/null
rm -rf "$OUT/keys"
cp -a "$keys" "$OUT/keys"
cat > "$OUT/fukuhon.conf" <<CONF
database = $CONNINFO
key_dir = keys
data_dir = $top_srcdir/data
terminal_id = $tid
bureau = $bureau
CONF
chmod 600 "$OUT/fukuhon.conf"
echo "copied in $(($(date +%s) - t0)) s; database size $($FK_PG_PSQL -A -t -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
