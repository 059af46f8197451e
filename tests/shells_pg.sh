#!/bin/sh
# The shell tests that touch the store, run again on PostgreSQL (issue 14: "the same test suite
# passes on both backends"; R-TEST-ENV). One throwaway PostgreSQL 15 cluster (tests/pg/cluster.sh,
# stopped on exit whatever happens); each listed test runs with FK_TEST_PG naming it, so that
# tests/lib.sh's make_config makes a fresh database of the test's own there (the terminal on its
# own restricted role, the schema's owner as database_admin) instead of db/fukuhon.db, drops it
# on exit, and the test's direct reads and writes (store_sql, store_forge) go to it as the
# server's administrator. Two tests at a time, each with a bound of its own, the whole run one
# too; each result printed, a failure's last 60 lines with it; logs in tests/shells_pg/NAME.log
# of the build tree. The SQLite-only checks a listed test skips print "SKIP-ON-PG: test: why"
# (counted and listed below the results).
#
# Run on both backends (this list; the plain run of every one is unchanged):
#   import_cli.sh   packages imported, refused (revoked, sequence gap), delivered again
#
# SQLite only, and why (every other store-touching shell test is not yet switched: it makes its
# terminal with make_config but reads or writes the file with sqlite3 directly, or times its
# run on SQLite; switching one is making its direct reads store_sql and listing it here):
#   tests that already run a PostgreSQL part of their own on a cluster of their own
#     (lockout_race.sh, dispose_muni.sh, keydist.sh, enrol.sh, migrate.sh, tui_notice.sh,
#     tui_revoke.sh, receiver_pg.sh, multiterm_pg.sh, store_pg.sh, pg_*.sh): not listed, they
#     would start a second cluster
#   tests about SQLite's file itself (schema.sh: sqlite_schema; restore_drill.sh,
#     restore_seq.sh, backup.sh: the online backup API, PostgreSQL's are pg_restore_drill.sh
#     and pg_restore_two.sh)
. "$(dirname "$0")/lib.sh"

# The tests run on PostgreSQL here (each also runs plain in the suite).
TESTS_PG="import_cli"

pg_pass_cluster

out=$top_builddir/tests/shells_pg
rm -rf "$out"
mkdir -p "$out" || exit 99
# Each test's bound, and the whole run's (two at a time).
per_test=${FK_SHELLS_PG_TIMEOUT:-300}
export FK_TEST_PG="$PGD/env" out per_test top_srcdir
start=$(date +%s)
printf '%s\n' $TESTS_PG | timeout -k 10 900 xargs -P 2 -I{} sh -c '
	t0=$(date +%s)
	timeout -k 10 "$per_test" sh "$top_srcdir/tests/$1.sh" > "$out/$1.log" 2>&1
	echo $? > "$out/$1.rc"
	echo $(($(date +%s) - t0)) > "$out/$1.time"' run_one {}
total=$(($(date +%s) - start))

for t in $TESTS_PG; do
	rc=$(cat "$out/$t.rc" 2> /dev/null || echo "not run")
	s=$(grep -c '^SKIP-ON-PG:' "$out/$t.log" 2> /dev/null)
	[ "${s:-0}" != 0 ] || s=
	echo "$t.sh on PostgreSQL: exit $rc in $(cat "$out/$t.time" 2> /dev/null || echo ?) s: $(tail -n 1 "$out/$t.log" 2> /dev/null)${s:+, $s check(s) skipped on PostgreSQL}"
	if [ "$rc" = 0 ]; then ok; else
		not_ok "$t.sh on PostgreSQL (exit $rc); its last 60 lines:"
		tail -n 60 "$out/$t.log" >&2
	fi
done
grep -h '^SKIP-ON-PG:' "$out"/*.log 2> /dev/null | sort -u
# nothing left on the cluster: each test drops its database on exit
left=$($FK_PG_PSQL -A -t -c "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'fks\_%'")
[ -z "$left" ] && ok || not_ok "databases left on the cluster: $left"
echo "shell tests on PostgreSQL: $(echo $TESTS_PG | wc -w) tests in $total s"
finish
