#!/bin/sh
# build-aux/sql-port.sh: core's statements onto the store's one layer, core/db/sql.h (issue 14).
#
# The mechanical half of the conversion, kept as a script so that it can be run again over a
# tree that others changed meanwhile (the merger runs it last, over the merged tree). Over the
# C sources of core/ tui/ ctl/ recv/ pam/ tests/ it rewrites SQLite's statement API, called on
# the store's handle, into the layer's:
#   sqlite3_stmt → fk_stmt; sqlite3 * → fk_sql *; #include <sqlite3.h> → "sql.h";
#   sqlite3_{bind_*,column_*,step,reset,finalize,clear_bindings,changes,last_insert_rowid,
#   errmsg,errcode,extended_errcode,get_autocommit,bind_parameter_count,close} → fk_sql_…;
#   sqlite3_exec(db, SQL, NULL, NULL, NULL) → fk_sql_exec(db, SQL);
#   sqlite3_prepare_v2(db, sql, -1, &st, NULL) → fk_sql_prepare(db, sql, 0, &st);
#   sqlite3_prepare_v3(db, sql, -1, FLAGS, &st, NULL) → fk_sql_prepare(db, sql, FLAGS, &st);
#   any other sqlite3_ call on a context's handle (X->db) → the call on fk_sql_lite(X->db).
# Every rule is written so that its output does not match it again: a second run changes
# nothing (tests/sqlport.sh checks that the tree is a fixed point of the script).
#
#   sh build-aux/sql-port.sh           convert the tree (from anywhere)
#   sh build-aux/sql-port.sh --check   change nothing; name the files a run would change, exit 1
#   sh build-aux/sql-port.sh --raw     print the places that keep SQLite's API (below)
#
# What keeps SQLite's own API is listed once, in raw_places below, each with why and what
# PostgreSQL will need there (issue 14's later work). A "lite" place is left as it is except
# that a context's handle X->db becomes fk_sql_lite(X->db); a "skip" file is not touched.
#
# After running, also (what a sed line cannot do; commit them apart, "… by hand"):
#  1. core/db/dberr.h, dberr.c: fk_db_fail picks by _Generic: fk_db_fail_msg for the layer's
#     fk_sql *, fk_db_fail_lite_msg for a raw sqlite3 * in the SQLite-only places.
#  2. core/db/schema.h, schema.c: fk_schema_check and fk_schema_diff_each the same way (_sql and
#     _lite); the fk_sql one refuses a PostgreSQL store (fk_sql_lite gives NULL).
#  3. core/db/db.c: fk_db_open and open_copy open the file with SQLite and hand back
#     fk_sql_wrap_lite(handle) (on failure fk_sql_close); configure() sets the busy handler and
#     extended result codes through fk_sql_lite(db).
#  4. core/db/ctx.c fk_schema_guard: sqlite3_stmt_status(st->lite, …), refused on PostgreSQL.
#  5. What happens where fk_sql_lite(ctx->db) is NULL (PostgreSQL), with a one-line comment
#     each: core/admin/backup.c copy_db refuses, core/audit/audit_verify.c scan reads
#     through the layer instead (scan_sql),
#     core/approve/disposal.c fk_disposal_empty_wal returns, core/intake/prepublish.c sort_new sorts in
#     the working directory; core/admin/restore.c export_tail: the comment only.
#  6. tests/test_db.c newer_schema_is_refused_and_left_alone and tests/test_schema.c
#     migrated_and_fresh_databases_compare_equal: fk_db_open's handle is an fk_sql *; the file
#     is looked at through SQLite's own (fk_sql_lite or a connection of its own).
#  7. Comments that name a converted call (core/store/store.c exec_fixed: fk_sql_exec).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# KIND|FILE|FIRST LINE (a regular expression valid as BRE and ERE: brackets, no parentheses)|WHY
# A place runs from its first line to the next line starting with "}" (the function's or the
# struct's end); "*" is the whole file.
raw_places() {
	cat <<'EOF'
skip|core/db/sql.c|*|the layer's SQLite dispatch itself
skip|core/db/sql.h|*|the layer's header: SQLite's vocabulary (result codes, flags) comes from here
skip|core/db/sql_pg.c|*|the PostgreSQL driver
skip|core/db/sql_pg.h|*|the PostgreSQL driver
skip|core/db/sql_pgtext.c|*|the PostgreSQL driver's text of statements (SQLite's result codes)
skip|core/db/schema.c|*|the pinned schema: sqlite_schema of the file against an in-memory SQLite built from the migrations (PostgreSQL: the catalogue, later)
skip|core/db/schema.h|*|the pinned schema's API takes the layer's handle or SQLite's (_Generic)
skip|core/db/dberr.h|*|fk_db_fail takes the layer's handle or, in the SQLite-only places, SQLite's (_Generic)
skip|core/db/dberr.c|*|the same, both kinds of handle
lite|core/db/db.c|^static fk_status open_copy[(]|opening a copy read only with an immutable URI (PostgreSQL: a backup is restored into a server, not opened)
lite|core/db/db.c|^fk_status fk_db_open[(]|opening the file with SQLite (PostgreSQL: fk_sql_connect_pg)
lite|core/db/db.c|^static void trace_hook[(]|the tests' statement trace on SQLite's handle (tests/pg_queries.sh collects from SQLite runs)
lite|tests/test_sql.c|^static fk_sql [*]open_db[(]|the layer's own test wraps an SQLite connection of its own
lite|tests/bench/bench_sql.c|^static int open_db[(]|the layer's benchmark wraps an SQLite connection of its own
lite|core/admin/backup.c|^static fk_status copy_db[(]|the online backup API (PostgreSQL: pg_basebackup, documented, not code)
lite|core/admin/restore.c|^static json_t [*]row_json[(]|reads a restored copy through its own SQLite connection
lite|core/admin/restore.c|^static fk_status export_tail[(]|a restored copy's own SQLite connection (PostgreSQL: the restored server)
lite|core/approve/disposal.c|^void fk_disposal_empty_wal[(]|WAL checkpoint after a disposal (PostgreSQL: the server's VACUUM and CHECKPOINT)
lite|core/audit/audit_verify.c|^struct reader [{]|the verifier's second, read-only, mmap'd SQLite connection and its sqlite3_value reads
lite|core/audit/audit_verify.c|^static int is_mac_v[(]|the verifier's reader (sqlite3_value)
lite|core/audit/audit_verify.c|^static int decode[(]|the verifier's reader (sqlite3_value)
lite|core/audit/audit_verify.c|^static int keep_refs[(]|the verifier's reader (sqlite3_value)
lite|core/audit/audit_verify.c|^static int take_row[(]|the verifier's reader (sqlite3_column_value)
lite|core/audit/audit_verify.c|^static void fill[(]|the verifier's reader
lite|core/audit/audit_verify.c|^static fk_status scan[(]|the verifier's reader opens its own connection (PostgreSQL: scan_sql, through the layer)
lite|tests/fktest.c|^void fkt_outside[(]|an attacker's own sqlite3 connection to the file
lite|tests/fktest.c|^void fkt_outside_past_trigger[(]|an attacker's own sqlite3 connection to the file
lite|tests/test_db.c|^START_TEST[(]newer_schema_is_refused_and_left_alone|looks at the file with SQLite's own connection
lite|tests/test_db.c|^static void older_store[(]|writes a store as a program one migration older left it, with SQLite's own connection
lite|tests/test_intake.c|^START_TEST[(]a_package_row_or_watermark_altered_is_refused|an attacker's own sqlite3 connection
lite|tests/test_schema.c|*|tamper test of the pinned schema: attackers' own sqlite3 connections
lite|tests/test_trust.c|*|tamper test of the trust base: an attacker's own sqlite3 connection
lite|tests/test_indexkey.c|*|tamper test: an attacker's own sqlite3 connection
EOF
}

# The functions renamed one for one: sqlite3_NAME( → fk_sql_NAME(.
RENAMED="bind_int64 bind_int bind_text bind_blob bind_null bind_parameter_count
column_int64 column_int column_text column_blob column_bytes column_type column_count column_name
step reset finalize clear_bindings changes last_insert_rowid errmsg errcode extended_errcode
get_autocommit close"

# An lvalue naming a context's handle: ctx->db, v->ctx->db, e.ctx->db.
H='[A-Za-z_][A-Za-z0-9_.]*\(->[A-Za-z_][A-Za-z0-9_]*\)*->db'

# X->db → fk_sql_lite(X->db), once (an already wrapped one is set aside first).
lite_rules() {
	cat <<EOF
s/fk_sql_lite(\([A-Za-z0-9_.>-]*\)->db)/@FKLITE@\1@/g
s/\($H\)\([^A-Za-z0-9_]\)/fk_sql_lite(\1)\3/g
s/@FKLITE@\([^@]*\)@/fk_sql_lite(\1->db)/g
EOF
}

port_rules() {
	# A call split before its last arguments is joined first, so that the rules below see it
	# whole; otherwise the line goes out as it is (P) and the next is taken up (D).
	cat <<'EOF'
/^[[:space:]]*char \*msg = NULL;$/{
N
s/^[[:space:]]*char \*msg = NULL;\n\(.*&msg) == SQLITE_OK, "%s: %s"\)/\1/
s/^[[:space:]]*char \*msg = NULL;\n\(.*fk_sql_errmsg(\)/\1/
}
s/^\([[:space:]]*char raw\[512\], sql\[600\]\), \*msg = NULL;$/\1;/
/,$/{
N
s/,\n[[:space:]]*NULL, NULL, NULL)/)/
s/-1, &\([A-Za-z_.>-]*\),\n[[:space:]]*NULL)/0, \&\1)/
s/-1,\n\([[:space:]]*\)&\([A-Za-z_.>-]*\), NULL)/0,\n\1\&\2)/
}
s/sqlite3_stmt\([^_A-Za-z0-9]\)/fk_stmt\1/g
s/sqlite3_stmt$/fk_stmt/
s/\([^A-Za-z0-9_]\)sqlite3 \*/\1fk_sql */g
s/^sqlite3 \*/fk_sql */
s/#include <sqlite3\.h>/#include "sql.h"/
s/sqlite3_exec(\([^,]*\), \([^,]*\), NULL, NULL, &msg) == SQLITE_OK, "%s: %s", \([A-Za-z_]*\), msg)/fk_sql_exec(\1, \2) == SQLITE_OK, "%s: %s", \3, fk_sql_errmsg(\1))/g
s/sqlite3_exec(/fk_sql_exec(/g
/fk_sql_exec(/s/, NULL, NULL, NULL)/)/
/^[[:space:]]*"/s/", NULL, NULL, NULL)/")/
s/sqlite3_prepare_v3(\([^,]*\), \([^,]*\), -1, \([A-Z_|]*\), &\([A-Za-z_.>-]*\), NULL)/fk_sql_prepare(\1, \2, \3, \&\4)/g
s/sqlite3_prepare_v2(/fk_sql_prepare(/g
/fk_sql_prepare(/s/-1, &\([A-Za-z_.>-]*\), NULL)/0, \&\1)/
/^[[:space:]]*"/s/-1, &\([A-Za-z_.>-]*\), NULL)/0, \&\1)/
/^[[:space:]]*-1, &/s/-1, &\([A-Za-z_.>-]*\), NULL)/0, \&\1)/
EOF
	for name in $RENAMED; do
		echo "s/sqlite3_$name(/fk_sql_$name(/g"
	done
	cat <<EOF
s/\(sqlite3_[a-z0-9_]*\)(\($H\)\([,)]\)/\1(fk_sql_lite(\2)\4/g
EOF
	# a joined pair left unjoined: its first line out, the second taken up afresh
	printf '%s\n' '/\n/{' 'P' 'D' '}'
}

# The sed program for one file: its raw places first (lite rules, then on to the next line).
program() {
	file=$1
	raw_places | while IFS='|' read -r kind path re why; do
		[ "$path" = "$file" ] || continue
		[ "$kind" = lite ] || continue
		if [ "$re" = "*" ]; then
			lite_rules
			echo b
		else
			printf '\\%%%s%%,/^}/{\n' "$re"
			lite_rules
			printf 'b\n}\n'
		fi
	done
	port_rules
}

whole() { # kind of the file as a whole: skip, lite or port
	k=$(raw_places | awk -F'|' -v f="$1" '$2 == f && $3 == "*" { print $1; exit }')
	echo "${k:-port}"
}

mode=${1:-}
case $mode in
--raw)
	raw_places
	exit 0
	;;
--check | "") ;;
*)
	echo "usage: $0 [--check | --raw]" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sqlport.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
changed=0
for dir in core tui ctl recv pam tests; do
	[ -d "$dir" ] || continue
	find "$dir" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort
done > "$tmp/files"
while read -r f; do
	[ "$(whole "$f")" = skip ] && continue
	grep -q -e sqlite3 -e fk_sql_ "$f" || continue
	program "$f" > "$tmp/prog.sed"
	sed -f "$tmp/prog.sed" "$f" > "$tmp/out"
	cmp -s "$f" "$tmp/out" && continue
	changed=1
	if [ "$mode" = --check ]; then
		echo "$f"
	else
		cat "$tmp/out" > "$f" # in place, keeping the file's mode
	fi
done < "$tmp/files"
[ "$mode" = --check ] && [ "$changed" = 1 ] && exit 1
exit 0
