# Shared by the PostgreSQL schema and query tests (sourced after tests/lib.sh): a throwaway
# PostgreSQL 15 cluster (tests/pg/cluster.sh, stopped on exit whatever happens) and the
# schema made on it from the sql/NNN_name.pg.sql twins, in order (docs/storage.md).
command -v sqlite3 > /dev/null || { echo "no sqlite3 command line: skipped"; exit 77; }
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; tui_stop; rm -rf "$T"' EXIT
sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD" || exit $?
. "$PGD/env"

# psql as the terminal (TLS, its client certificate): what the store's own role may do.
pg() { psql "$FK_PG_CONNINFO" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# The migrations in order, SQLite's and their twins.
migrations() { ls "$top_srcdir"/sql/[0-9][0-9][0-9]_*.sql | grep -v '\.pg\.sql$'; }

# Apply every twin as the migration runner does: each in one transaction with the version it
# reaches, kept in fk_schema_version (PostgreSQL has no PRAGMA user_version).
pg_migrate() {
	pg -c "CREATE TABLE fk_schema_version (version bigint NOT NULL)" \
	   -c "INSERT INTO fk_schema_version VALUES (0)" || return 1
	for m in $(migrations); do
		v=$(basename "$m" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
		{ echo "BEGIN;"; cat "${m%.sql}.pg.sql"; echo ";"
		  echo "UPDATE fk_schema_version SET version = $v;"; echo "COMMIT;"; } |
			pg -f - > "$T/pgmig.out" 2>&1 ||
			{ echo "migration $(basename "${m%.sql}.pg.sql"): $(cat "$T/pgmig.out")" >&2; return 1; }
	done
}

# SQLite's schema of a freshly created store: every migration applied with sqlite3.
lite_fresh() {
	rm -f "$1"
	for m in $(migrations); do
		sqlite3 -bail "$1" < "$m" > /dev/null || { echo "sqlite3: $m failed" >&2; return 1; }
	done
}
