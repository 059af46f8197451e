#!/bin/sh
# Collect the text of every statement core runs (issue 14): the tests named below run with
# FK_SQL_TRACE (core/db/db.c records each statement's text), and what they ran is kept when it
# is a string of the core library itself: statements the tests run on their own (counting
# rows, tampering) are not core's. Writes tests/pg/queries.txt, sorted, one statement a line,
# which tests/pg_queries.sh prepares on PostgreSQL. Run from the build folder:
#   make pg-queries          (after adding or changing a query)
set -eu
srcdir=${1:-.}
out=$srcdir/tests/pg/queries.txt
TESTS_RUN="tests/test_store tests/test_gate tests/test_access tests/test_authz tests/test_intake
tests/test_audit tests/test_lockout tests/test_order tests/test_browse tests/test_credential
tests/test_pki tests/test_alert tests/test_juris tests/test_rotate tests/test_trust
tests/test_indexkey tests/test_register tests/test_demo tests/test_auth tests/test_schema
tests/test_db tests/test_audit_tamper tests/test_packages tests/test_approve tests/test_export
tests/test_dispose tests/test_health tests/backup.sh tests/health.sh tests/cli.sh
tests/restore_drill.sh tests/keydist.sh tests/return.sh"
trace=$(mktemp "${TMPDIR:-/tmp}/fktrace.XXXXXX")
lib=$(mktemp "${TMPDIR:-/tmp}/fklib.XXXXXX")
trap 'rm -f "$trace" "$lib"' EXIT
: > "$trace"
# Every test is run, failing or not: a failing test still ran its statements.
FK_SQL_TRACE=$trace ${MAKE:-make} check TESTS="$(echo $TESTS_RUN)" > /dev/null 2>&1 || true
strings -e S -n 6 core/libfukuhon.a | sort -u > "$lib"
# One statement a line (a newline inside one, only ever whitespace in ours, becomes a space).
tr '\0\n' '\001 ' < "$trace" | tr '\001' '\n' | sort -u |
	while IFS= read -r s; do if grep -qxF -- "$s" "$lib"; then printf '%s\n' "$s"; fi; done > "$out.tmp"
mv "$out.tmp" "$out"
echo "$(wc -l < "$out") statements in $out"
