#!/bin/sh
# The Check unit tests that touch the store, run again on PostgreSQL (issue 14: "the same test
# suite passes on both backends"; R-TEST-ENV). One throwaway PostgreSQL 15 cluster
# (tests/pg/cluster.sh, stopped on exit whatever happens); every binary whose source makes a
# test terminal (fkt_env_init) runs with FK_TEST_PG naming it, so that each env gets a fresh
# database of its own there (tests/fktest.c) instead of db/fukuhon.db, and the attacker's
# writes (fkt_outside, fkt_outside_past_trigger) run as the server's administrator through
# libpq. Two binaries at a time; each keeps its Check timeouts (CK_DEFAULT_TIMEOUT) and has a
# bound of its own, and the whole run one too. Each binary's result is reported, its output in
# tests/units_pg/NAME.log of the build tree.
#
# The cluster is a test's, not a store's: fsync is off in it (measured: a terminal created in
# 1.2 s instead of 3.5 s), which changes nothing the product does or checks.
#
# Cases skipped on PostgreSQL, each printing "FKT-SKIP-ON-PG: file:test: what: why" (counted
# below; docs/deployment.md §10 keeps the same list). Where the protection has an equivalent on
# PostgreSQL, the case asserts that instead of passing by:
#   test_dispose no_copy_of_the_wrapped_key_is_left_in_the_file_or_its_wal, test_dispose_muni
#     (both cases), test_store round_trip_and_nothing_in_clear: SQLite's file and WAL bytes;
#     instead no live row holds the wrapped key / the name (fkt_pg_rows_hold)
#   test_store full_disk_during_demo_data_changes_nothing, test_intake
#     a_full_disk_leaves_the_chunk_unapplied_and_a_retry_continues: PRAGMA max_page_count
#   test_dispose a_restored_key_is_destroyed_again_from_the_ledger,
#     a_restored_register_is_disposed_of_again, test_intake
#     a_restored_older_database_refuses_the_municipality: a copy by VACUUM INTO or of the file
#     (tests/pg_restore_drill.sh drills PostgreSQL's)
#   test_health the_newest_record_is_found_through_the_index: EXPLAIN QUERY PLAN;
#     backups_verifications_and_checkpoints_are_found_in_the_history: backup.verify is the
#     server's (the item is asserted OK)
#   test_gate each_operation_records_itself_and_its_refusal: backup.create and backup.verify
#     walked to their refusal only (the allowed call is refused naming pg_basebackup)
#   test_schema (18 cases): SQLite's pinned schema (tests/store_pg.sh, tests/pg_schema.sh pin
#     PostgreSQL's catalogue)
#   test_audit legacy_rows_before_the_chain (a schema-1 terminal), and
#     references_before_an_adoption_are_not_held_against_the_rows: on PostgreSQL the refusal of
#     a key folder without its trust key is asserted instead
#   test_credential an_anchor_from_before_credentials_opens: the anchor file's table width
#   test_indexkey older_terminal_is_adopted_on_record, older_terminal_with_wrong_key_is_not_
#     adopted: a terminal from before the index key's check (none on PostgreSQL)
#   test_alert failed_signins_across_terminals: another terminal played by renaming this one
#   test_gate's walk, terminal.retire: the same (retiring on PostgreSQL: tests/keydist.sh)
#   test_audit_tamper forged_seal_time_does_not_overflow_the_epoch_age: the trust base refuses
#     the forged record first on PostgreSQL
#
# tests/test_sql is not run here: tests/sql_pg.sh runs it on PostgreSQL already (FK_PG_CONNINFO).
. "$(dirname "$0")/lib.sh"
pg_pass_cluster

# Every unit test whose source makes a test terminal; test_sql apart (above).
bins=
for src in "$top_srcdir"/tests/test_*.c; do
	name=$(basename "$src" .c)
	[ "$name" = test_sql ] && continue
	grep -q 'fkt_env_init' "$src" || continue
	if [ ! -x "$top_builddir/tests/$name" ]; then
		echo "$name: not built in this configuration: not run"
		continue
	fi
	bins="$bins $name"
done
[ -n "$bins" ] || { echo "no unit test binary found in $top_builddir/tests"; exit 99; }

out=$top_builddir/tests/units_pg
rm -rf "$out"
mkdir -p "$out" || exit 99
export FK_TEST_PG="$PGD/env" CK_DEFAULT_TIMEOUT="${CK_DEFAULT_TIMEOUT:-60}"
# Each binary's bound, and the whole run's (two at a time).
per_bin=${FK_UNITS_PG_TIMEOUT:-900}
start=$(date +%s)
# One binary (through xargs, two at a time): its log, its exit code in NAME.rc, its seconds in
# NAME.time.
export top_builddir out per_bin
printf '%s\n' $bins | timeout -k 10 2400 xargs -P 2 -I{} sh -c '
	b0=$(date +%s)
	timeout -k 10 "$per_bin" "$top_builddir/tests/$1" > "$out/$1.log" 2>&1
	echo $? > "$out/$1.rc"
	echo $(($(date +%s) - b0)) > "$out/$1.time"' run_one {}
total=$(($(date +%s) - start))

cases=0
skips=0
for b in $bins; do
	rc=$(cat "$out/$b.rc" 2> /dev/null || echo "not run")
	summary=$(grep -E '^[0-9]+%: Checks' "$out/$b.log" 2> /dev/null | tail -n 1)
	n=$(printf '%s' "$summary" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	s=$(grep -c '^FKT-SKIP-ON-PG:' "$out/$b.log" 2> /dev/null)
	cases=$((cases + ${n:-0}))
	skips=$((skips + ${s:-0}))
	echo "$b: exit $rc in $(cat "$out/$b.time" 2> /dev/null || echo ?) s: ${summary:-no summary}${s:+, $s case(s) skipped on PostgreSQL}"
	if [ "$rc" = 0 ]; then ok; else
		not_ok "$b on PostgreSQL: $(grep -E ':[EF]:' "$out/$b.log" | head -n 5)"
		# the cause where Check names none (a sanitizer's report ends the process)
		grep -v '^FKT-SKIP-ON-PG:' "$out/$b.log" | grep -E -A20 'ERROR: |runtime error|SUMMARY' | head -n 40 >&2
	fi
done
grep -h '^FKT-SKIP-ON-PG:' "$out"/*.log 2> /dev/null | sort -u
echo "units on PostgreSQL: $(echo $bins | wc -w) binaries, $cases cases run, $skips skipped on PostgreSQL, $total s"
finish
