#!/bin/sh
# fukuhonctl migrate on both backends (issue 14; R-PROGRAM, R-LOG, R-AUTH; docs/deployment.md
# "Upgrades"): a PRODUCTION terminal, people signed in through PAM (pam_wrapper), whose store is
# put back to the schema before the last migration (that migration's objects undone by hand, as
# a program one version older left them). Then: the store is refused at open naming `fukuhonctl
# migrate`; `migrate --dry-run` lists the pending migration and changes nothing; an operator's
# `migrate` is refused; an administrator's applies it, recorded as maintenance.migrate, and the
# store opens; a store of a newer schema is refused and left alone. The PostgreSQL part is
# skipped where postgresql-15 is absent. The undo is written for migration 023 (publish_ahead):
# with another migration last, that part says so and is skipped (the refusal of a newer schema
# and the nothing-to-do run still run).
. "$(dirname "$0")/lib.sh"
unset FUKUHON_TEST_ACTOR
make_pam kanri:kanri-pw:fukuhon tanaka:tanaka-pw:fukuhon
C=$FUKUHONCTL
CTL_AS_TIMEOUT=120
as() { ctl_as "$@"; }
last=$(ls "$top_srcdir"/sql/[0-9][0-9][0-9]_*.sql | grep -v '\.pg\.sql$' | tail -n 1 | sed 's|.*/||')
lastv=$(printf '%s' "$last" | sed 's|^0*\([0-9][0-9]*\)_.*|\1|')
before=$((lastv - 1))

# The objects migration 023 adds, on each backend (register_stats_update back as 011 left it).
UNDO_COMMON="DROP INDEX staged_change_publish;
ALTER TABLE register_index DROP COLUMN added_by;
ALTER TABLE register_index DROP COLUMN removed_by;
ALTER TABLE staged_change DROP COLUMN reg_mac;
ALTER TABLE staged_change DROP COLUMN reg_mac_old;
ALTER TABLE staged_change DROP COLUMN reg_c_old;
ALTER TABLE staged_change DROP COLUMN reg_c_new;
ALTER TABLE staged_change DROP COLUMN reg_version_old;
ALTER TABLE staged_change DROP COLUMN reg_kind_old;
ALTER TABLE staged_change DROP COLUMN reg_received_old;"
UNDO_LITE="$UNDO_COMMON
DROP TRIGGER register_stats_update;
$(sed -n '/^CREATE TRIGGER register_stats_update/,/^END;/p' "$top_srcdir/sql/011_intake.sql")
PRAGMA user_version = $before;"
UNDO_PG="$UNDO_COMMON
$(sed -n '/^CREATE OR REPLACE FUNCTION fk_register_stats_update/,/^END \$\$;/p' "$top_srcdir/sql/011_intake.pg.sql")
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
	if [ "$last" = 023_publish_ahead.sql ]; then
		printf '%s\n' "$UNDO" | $undo > "$T/undo.log" 2>&1 && ok || not_ok "$name: undoing $last: $(cat "$T/undo.log")"
		expect 1 as kanri kanri-pw status
		contains "$T/err" "fukuhonctl migrate"
		expect 0 as kanri kanri-pw migrate --dry-run
		contains "$T/out" "schema: the store $before, this program $lastv"
		contains "$T/out" "pending $lastv 023_publish_ahead"
		expect 1 as kanri kanri-pw status
		expect 1 as tanaka tanaka-pw migrate
		contains "$T/err" "not an enabled administrator"
		expect 1 as kanri kanri-pw status
		expect 0 as kanri kanri-pw migrate
		contains "$T/out" "applied $lastv 023_publish_ahead"
		expect 0 as kanri kanri-pw status
		contains "$T/out" "(schema $lastv)"
		expect 0 as kanri kanri-pw audit list --action maintenance.migrate --json
		contains "$T/out" '"operator": "kanri"'
		contains "$T/out" "schema $before -> $lastv: 023_publish_ahead"
		expect 0 as kanri kanri-pw status --check
		contains "$T/out" "integrity       ok"
	else
		echo "$name: the last migration is $last, not 023: the pending part is skipped"
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
