#!/bin/sh
# fukuhonctl migrate on both backends (issue 14; R-PROGRAM, R-LOG, R-AUTH; docs/deployment.md
# "Upgrades"): a PRODUCTION terminal, people signed in through PAM (pam_wrapper), whose store is
# put back to the schema before the last migration (that migration's objects undone by hand, as
# a program one version older left them). Then: the store is refused at open naming `fukuhonctl
# migrate`; `migrate --dry-run` lists the pending migration and changes nothing; an operator's
# `migrate` is refused; an administrator's applies it, recorded as maintenance.migrate, and the
# store opens; a store of a newer schema is refused and left alone. The PostgreSQL part is
# skipped where postgresql-15 is absent. The undo is written for the migration that is last
# (below): a newer migration without its undo there fails the test.
. "$(dirname "$0")/lib.sh"
unset FUKUHON_TEST_ACTOR
make_pam kanri:kanri-pw:fukuhon tanaka:tanaka-pw:fukuhon
C=$FUKUHONCTL
CTL_AS_TIMEOUT=120
as() { ctl_as "$@"; }
last=$(ls "$top_srcdir"/sql/[0-9][0-9][0-9]_*.sql | grep -v '\.pg\.sql$' | tail -n 1 | sed 's|.*/||')
lastv=$(printf '%s' "$last" | sed 's|^0*\([0-9][0-9]*\)_.*|\1|')
before=$((lastv - 1))

# The objects the last migration adds, undone on each backend as the program one version older
# left them. Written for the migration that is last now: a new last migration needs its undo
# here, or the test fails.
case $last in
025_register_live_id.sql)
	UNDO_COMMON="DROP INDEX register_live;
CREATE INDEX register_live ON register(municipality, kind) WHERE disposed_at IS NULL;" ;;
026_return_cancel.sql)
	# the state 'cancelled' taken out of approval_request's CHECK again: SQLite rebuilds the
	# table as 022 made it, PostgreSQL changes the constraint back
	UNDO_COMMON="-- approval_request as before the cancelled state"
	UNDO_LITE_ONLY=$(sed -n '/^PRAGMA defer_foreign_keys/,/^BEGIN SELECT RAISE/p' "$top_srcdir/sql/022_muni_return.sql")
	UNDO_PG_ONLY="ALTER TABLE approval_request DROP CONSTRAINT approval_request_state_check,
	ADD CONSTRAINT approval_request_state_check
		CHECK (state IN ('waiting', 'approved', 'rejected', 'expired', 'executed', 'running'));" ;;
*) UNDO_COMMON= ;;
esac
UNDO_LITE="$UNDO_COMMON
${UNDO_LITE_ONLY:-}
PRAGMA user_version = $before;"
UNDO_PG="$UNDO_COMMON
${UNDO_PG_ONLY:-}
UPDATE fk_schema_version SET version = $before;"

# drill NAME UNDO NEWER RESET: the drill on the terminal of $FUKUHON_CONFIG; UNDO, NEWER and
# RESET run the store's own SQL tool on what they are given (stdin).
drill() {
	name=$1 undo=$2 newer=$3 reset=$4
	printf 'kanri-pw\n' | timeout 120 $PAM "$C" --password-stdin init --admin kanri --bureau 東京法務局 > "$T/out" 2> "$T/err"
	[ $? = 0 ] && ok || not_ok "$name: init: $(cat "$T/err")"
	expect 0 as kanri kanri-pw operator add tanaka --role operator --bureau 東京法務局
	expect 0 as kanri kanri-pw migrate --dry-run
	contains "$T/out" "nothing to migrate"
	expect 0 as kanri kanri-pw migrate
	contains "$T/out" "nothing to migrate"
	if [ -n "$UNDO_COMMON" ]; then
		printf '%s\n' "$UNDO" | $undo > "$T/undo.log" 2>&1 && ok || not_ok "$name: undoing $last: $(cat "$T/undo.log")"
		expect 1 as kanri kanri-pw status
		contains "$T/err" "fukuhonctl migrate"
		expect 0 as kanri kanri-pw migrate --dry-run
		contains "$T/out" "schema: the store $before, this program $lastv"
		contains "$T/out" "pending $lastv ${last%.sql}"
		expect 1 as kanri kanri-pw status
		expect 1 as tanaka tanaka-pw migrate
		contains "$T/err" "not an enabled administrator"
		# tanaka's row made an administrator's (and the mode a test store's) by the database's
		# administrator: refused on the rows' MACs before any migration runs (R-DETECT)
		for alter in "UPDATE operator SET role = 'administrator' WHERE username = 'tanaka';" \
			"UPDATE meta SET value = 'test' WHERE key = 'mode';"; do
			printf '%s\n' "$alter" | $undo > "$T/undo.log" 2>&1 || not_ok "$name: $alter: $(cat "$T/undo.log")"
		done
		expect 1 as tanaka tanaka-pw migrate
		contains "$T/err" "operator row"
		contains "$T/err" "changed outside fukuhon"
		expect 1 env FUKUHON_TEST_ACTOR=kanri "$C" migrate
		contains "$T/err" "changed outside fukuhon"
		expect 0 as kanri kanri-pw migrate --dry-run
		contains "$T/out" "pending $lastv ${last%.sql}"
		printf "%s\n" "UPDATE operator SET role = 'operator' WHERE username = 'tanaka';" \
			"UPDATE meta SET value = 'production' WHERE key = 'mode';" | $undo > "$T/undo.log" 2>&1 ||
			not_ok "$name: putting the rows back: $(cat "$T/undo.log")"
		expect 1 as kanri kanri-pw status
		expect 0 as kanri kanri-pw migrate
		contains "$T/out" "applied $lastv ${last%.sql}"
		expect 0 as kanri kanri-pw status
		contains "$T/out" "(schema $lastv)"
		expect 0 as kanri kanri-pw audit list --action maintenance.migrate --json
		contains "$T/out" '"operator": "kanri"'
		contains "$T/out" "schema $before -> $lastv: ${last%.sql}"
		expect 0 as kanri kanri-pw status --check
		contains "$T/out" "integrity       ok"
	else
		not_ok "$name: no undo written in tests/migrate.sh for the last migration $last"
	fi
	echo "$newer" | $reset > /dev/null 2>&1 || not_ok "$name: could not plant a newer version"
	expect 1 as kanri kanri-pw migrate --dry-run
	contains "$T/err" "newer than this program's"
	expect 1 as kanri kanri-pw migrate
	expect 1 as kanri kanri-pw status
	contains "$T/err" "newer than this program's"
}

# ---- SQLite ----
command -v sqlite3 > /dev/null || { echo "sqlite3 is missing: skipped"; exit 77; }
make_config "language = en"
UNDO=$UNDO_LITE
lite() { sqlite3 -cmd '.timeout 10000' "$T/db/fukuhon.db"; }
drill sqlite lite "PRAGMA user_version = $((lastv + 1));" lite

# ---- PostgreSQL (skipped where postgresql-15 is absent) ----
PGD=$(mktemp -d "${TMPDIR:-/tmp}/fkpg.XXXXXX") || exit 99
trap 'sh "$top_srcdir/tests/pg/cluster.sh" stop "$PGD"; rm -rf "$PGD"; rm -rf "$T"' EXIT
sh "$top_srcdir/tests/pg/cluster.sh" start "$PGD"
rc=$?
if [ $rc = 77 ]; then
	echo "PostgreSQL 15 is not installed: its part skipped"
	finish
fi
[ $rc = 0 ] || exit 99
. "$PGD/env"
mkdir "$T/pg"
pg_config "$T/pg/fukuhon.conf"
UNDO=$UNDO_PG
pg() { $FK_PG_PSQL -v ON_ERROR_STOP=1 -1 -f -; }
drill postgresql pg "UPDATE fk_schema_version SET version = $((lastv + 1));" pg
finish
