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
# In this pass, on both backends (each also runs plain in the suite; longest first, so that the
# two lanes end together). What each bites for on PostgreSQL is what it bites for on SQLite:
#   tamper.sh         every attack by the server's administrator refused or reported, naming it
#   e2e_login.sh      sign-in, lockout and unlock through the console
#   jurisdiction.sh   jurisdiction; an assignment changed in the store refused
#   return.sh         a municipality's return, its package and its disposal
#   perm.sh           grants and revokes, each on record
#   approve.sh        the four-eyes print, its PDF and numbers
#   tui_requests.sh   requests and decisions in the console
#   cli.sh            init, reference data, re-indexing, rotation, refusals
#   tui_grants_cols.sh, tui_alerts.sh, tui_dispose.sh, tui_juris.sh   the console's grants,
#                     alerts, disposal and jurisdiction
#   export.sh         an approved export, opened by its recipient only
#   health.sh         the monitor's checks, a sealed row changed in the store
#   audit.sh          the history listed, exported, verified; forged records located
#   dispose.sh        disposal; the key row put back by the attacker destroyed again
#   lockdown.sh       the lockdown; its row changed or removed in the store refused
#   import_cli.sh     packages imported, refused, delivered again
# SQLite-only checks inside them, skipped on PostgreSQL with the reason printed (and asserted
# otherwise where PostgreSQL has an equivalent): cli.sh the database file's modes and its bytes
# (no live row holds the clear text instead), dispose.sh the file's and WAL's bytes (no live row
# holds the wrapped key instead), health.sh the database folder's free space (the line says the
# server watches it instead).
#
# Also in the full pass (the default: every test that touches the store on both backends;
# FK_PG_PASS=core leaves them out, as .ci/run's second run under AddressSanitizer does: CI runs
# the suite three times within 90 minutes), longest first; measured alone on PostgreSQL at load
# 2-5 before the expected catalogue was remembered (core/db/schema.c), seconds:
#   tui_grants_many.sh (175), receiver.sh (151), ctl_pam.sh (150), pki_cli.sh (103): hundreds
#     of fukuhonctl processes, each connecting over TLS and reading the catalogue
#   tui_idle_dialogs.sh (61), authd.sh (48), tui_keys.sh (41), print_ipp.sh (41),
#     tui_packages.sh (25), export_chunks.sh (25), tui_views.sh (24), tui_reasons.sh (17),
#     tui_return.sh (16), tui.sh (14), tui_romaji.sh (11), tui_cert.sh (10),
#     tui_dispose_muni.sh (10), receiver_ec.sh (4), indexkey.sh (the check value's row
#     deleted or altered as the server's administrator; its second terminal's store a file),
#     privsep_unix.sh (16: the console and fukuhonctl as the service account, in a private
#     /etc and mount namespace, connecting with copies of the terminal's client certificate
#     and key in its own folder; it needs root and unshare, and exits 77 without them, on
#     either backend, which this pass reports as skipped)
#
# SQLite only, and why:
#   about SQLite's file itself: schema.sh (the pinned sqlite_schema; PostgreSQL's catalogue is
#     pinned in store_pg.sh and pg_schema.sh); backup.sh, restore_drill.sh, restore_seq.sh,
#     dispose_rotate.sh (fukuhonctl backup and restore: SQLite's online backup API; a PostgreSQL
#     store's backup is pg_basebackup, drilled by pg_restore_drill.sh and pg_restore_two.sh)
#   demo.sh: the demo stays on SQLite (issue 14); demo_shared.sh is the PostgreSQL one
#   with a PostgreSQL part on a cluster of their own (they would start a second one here):
#     enrol.sh (its SQLite part is terminal B on A's file; on PostgreSQL B on A's store),
#     lockout_race.sh, dispose_muni.sh, keydist.sh, migrate.sh, tui_notice.sh, tui_revoke.sh,
#     receiver_pg.sh, multiterm_pg.sh, store_pg.sh, pg_*.sh; units_pg.sh, sql_pg.sh (Check)
#   no store: layering.sh, po.sh, sqlport.sh, migration_twins.sh, opsdoc.sh, pkgfile.sh,
#     authd_units.sh, units.sh, tui_kiosk.sh
. "$(dirname "$0")/lib.sh"

# The tests run on PostgreSQL here (the header says which and why), and any extra ones asked for.
TESTS_CORE="tamper e2e_login jurisdiction return perm approve tui_requests cli tui_grants_cols export
	health audit dispose lockdown tui_alerts tui_dispose tui_juris import_cli"
TESTS_FULL="tui_grants_many receiver ctl_pam pki_cli tui_idle_dialogs authd tui_keys print_ipp
	tui_packages export_chunks tui_views tui_reasons tui_return tui tui_romaji tui_cert
	tui_dispose_muni receiver_ec indexkey privsep_unix"
case ${FK_PG_PASS:-full} in
core) TESTS_PG="$TESTS_CORE ${FK_SHELLS_PG_EXTRA:-}" bound=900 ;;
full) TESTS_PG="$(echo $TESTS_FULL | cut -d' ' -f1-4) $TESTS_CORE $(echo $TESTS_FULL | cut -d' ' -f5-) ${FK_SHELLS_PG_EXTRA:-}"
	bound=2400 ;;
off) ;; # pg_pass_cluster skips
*) echo "FK_PG_PASS=${FK_PG_PASS}: core, full or off"; exit 99 ;;
esac

pg_pass_cluster

out=$top_builddir/tests/shells_pg
rm -rf "$out"
mkdir -p "$out" || exit 99
# Each test's bound, and the whole run's (two at a time).
per_test=${FK_SHELLS_PG_TIMEOUT:-600}
export FK_TEST_PG="$PGD/env" out per_test top_srcdir
start=$(date +%s)
printf '%s\n' $TESTS_PG | timeout -k 10 "$bound" xargs -P 2 -I{} sh -c '
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
	if [ "$rc" = 0 ]; then ok
	elif [ "$rc" = 77 ]; then
		echo "  skipped (exit 77: the line above says why), as it is on SQLite on this machine"
	else
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
