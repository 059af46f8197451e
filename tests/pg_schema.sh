#!/bin/sh
# The PostgreSQL twins of the migrations (sql/NNN_name.pg.sql) make the same schema as SQLite's
# (issue 14; R-LOG, R-LOGSEAL, R-APPROVE, R-PRINT): applied in order on a throwaway PostgreSQL
# 15, they give the same tables, the same columns in the same order (types compared loosely:
# INTEGER and bigint, BLOB and bytea, TEXT and text), the same NOT NULLs, unique keys and named
# indexes, and the same triggers; each trigger and check that protects something refuses on
# PostgreSQL a statement it must refuse.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/pg_lib.sh"

pg_migrate && ok || { not_ok "the PostgreSQL migrations do not apply"; finish; exit 1; }
v=$(pg -c "SELECT version FROM fk_schema_version")
last=$(basename "$(migrations | tail -n 1)" | sed 's/^0*\([0-9][0-9]*\)_.*/\1/')
[ "$v" = "$last" ] && ok || not_ok "schema version $v after the migrations, wanted $last"

DB=$T/fresh.db
lite_fresh "$DB" || { not_ok "SQLite's migrations do not apply"; finish; exit 1; }

# ---- the shape, one line per fact, sorted, on both sides ----
# columns: "column TABLE POSITION NAME TYPE NOTNULL" (a key column counts as NOT NULL: SQLite
# lets a text primary key hold NULL, which nothing of ours writes)
sqlite3 "$DB" "SELECT 'column', m.name, p.cid + 1, p.name,
	CASE upper(p.type) WHEN 'INTEGER' THEN 'int' WHEN 'BLOB' THEN 'bytes' WHEN 'TEXT' THEN 'text'
	ELSE p.type END, CASE WHEN p.\"notnull\" OR p.pk THEN 'notnull' ELSE 'null' END
	FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'" | tr '|' ' ' > "$T/lite.shape"
pg -F ' ' -c "SELECT 'column', c.relname, row_number() OVER (PARTITION BY c.relname ORDER BY a.attnum),
	a.attname, CASE format_type(a.atttypid, a.atttypmod) WHEN 'bigint' THEN 'int'
	WHEN 'bytea' THEN 'bytes' WHEN 'text' THEN 'text' ELSE format_type(a.atttypid, a.atttypmod) END,
	CASE WHEN a.attnotnull THEN 'notnull' ELSE 'null' END
	FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
	AND c.relname <> 'fk_schema_version'" > "$T/pg.shape"

# keys and indexes: "key TABLE COLUMNS" for a PRIMARY KEY or UNIQUE constraint (SQLite's
# rowid key included), "index NAME TABLE unique|plain COLUMNS" for a named index; an
# expression is "expr".
sqlite3 "$DB" "SELECT CASE WHEN l.origin = 'c' THEN 'index ' || l.name || ' ' || m.name || ' ' ||
		CASE WHEN l.\"unique\" THEN 'unique' ELSE 'plain' END
		ELSE 'key ' || m.name END || ' ' ||
	(SELECT group_concat(c, ',') FROM (SELECT coalesce(i.name, 'expr') AS c
		FROM pragma_index_xinfo(l.name) i WHERE i.key ORDER BY i.seqno))
	FROM sqlite_master m, pragma_index_list(m.name) l WHERE m.type = 'table'
	UNION ALL
	SELECT 'key ' || m.name || ' ' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
	WHERE m.type = 'table' AND p.pk = 1 AND upper(p.type) = 'INTEGER'
	AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) q WHERE q.pk > 1)
	AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) x WHERE x.origin = 'pk')" >> "$T/lite.shape"
pg -c "SELECT CASE WHEN con.oid IS NULL THEN 'index ' || ic.relname || ' ' || t.relname || ' ' ||
		CASE WHEN i.indisunique THEN 'unique' ELSE 'plain' END
		ELSE 'key ' || t.relname END || ' ' ||
	(SELECT string_agg(coalesce(a.attname, 'expr'), ',' ORDER BY k.ord)
		FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
		LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0)
	FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
	JOIN pg_namespace n ON n.oid = t.relnamespace
	LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
	WHERE n.nspname = 'public' AND t.relname <> 'fk_schema_version'" >> "$T/pg.shape"

# triggers: "trigger NAME TABLE". PostgreSQL has triggers of its own that SQLite has no need
# of: *_no_truncate refuse TRUNCATE (no row trigger fires for it), *_rowid fill a key as SQLite
# fills a rowid (sql/001_initial.pg.sql).
sqlite3 "$DB" "SELECT 'trigger ' || name || ' ' || tbl_name FROM sqlite_master WHERE type = 'trigger'" \
	>> "$T/lite.shape"
pg -c "SELECT 'trigger ' || tg.tgname || ' ' || c.relname FROM pg_trigger tg
	JOIN pg_class c ON c.oid = tg.tgrelid WHERE NOT tg.tgisinternal AND tg.tgname NOT LIKE '%\\_no\\_truncate'
	AND tg.tgname NOT LIKE '%\\_rowid'" \
	>> "$T/pg.shape"

sort "$T/lite.shape" > "$T/lite.sorted"
sort "$T/pg.shape" > "$T/pg.sorted"
if diff -u "$T/lite.sorted" "$T/pg.sorted" > "$T/shape.diff"; then ok; else
	not_ok "the schemas differ (- SQLite, + PostgreSQL):"; cat "$T/shape.diff" >&2
fi
# The comparison itself bites: it saw every table and trigger.
n=$(grep -c '^column ' "$T/lite.sorted")
[ "$n" -gt 250 ] && ok || not_ok "only $n columns compared"
grep -q '^trigger audit_log_no_update audit_log$' "$T/pg.sorted" && ok || not_ok "no trigger compared"

# ---- the protections, each shown by one statement it must refuse ----
# refuse STATE WHAT SQL: SQL must fail with SQLSTATE STATE and a message containing WHAT.
refuse() {
	if pg -v VERBOSITY=verbose -c "$3" > "$T/pgout" 2>&1; then
		not_ok "PostgreSQL accepted: $3"
	elif grep -q "ERROR:  $1: .*$2" "$T/pgout"; then ok; else
		not_ok "refused otherwise than by $1 '$2': $3: $(head -c 300 "$T/pgout")"
	fi
}
accept() {
	pg -c "$1" > "$T/pgout" 2>&1 && ok || not_ok "PostgreSQL refused: $1: $(head -c 300 "$T/pgout")"
}
accept "INSERT INTO prefecture(id, name, kana) VALUES (13, '東京都', 'とうきょうと')"
accept "INSERT INTO bureau(id, name, kana, kind, pref_id) VALUES (1, '東京法務局', 'とうきょうほうむきょく', '法務局', 13)"
accept "INSERT INTO data_key(id, kek_id, wrapped, created_at) VALUES (1, 1, '\\x00', 0)"
accept "INSERT INTO municipality(code, pref_id, name, kana, bureau_id) VALUES ('131016', 13, '千代田区', 'ちよだく', 1)"
accept "INSERT INTO operator(id, username, role, bureau_id, created_at, updated_at) VALUES
	(1, 'tanaka', 'operator', 1, 0, 0), (2, 'sato', 'supervisor', 1, 0, 0)"
# checks: a municipality code that is not six digits (SQLite: GLOB), a user name twice by case
refuse 23514 municipality_code_check "INSERT INTO municipality(code, pref_id, name, kana, bureau_id)
	VALUES ('13101a', 13, 'x', 'x', 1)"
refuse 23505 operator_name_folded "INSERT INTO operator(id, username, role, bureau_id, created_at, updated_at)
	VALUES (3, 'TANAKA', 'operator', 1, 0, 0)"
# the history and its checkpoints are append-only (R-LOG, R-LOGSEAL)
accept "INSERT INTO audit_log(ts_ns, mono_ns, clock_synced, terminal, tty, pid, session, operator,
	role, action, object_type, object_id, result, reason) VALUES
	(1, 1, 1, 't', 'tty', 1, 's', 'tanaka', 'operator', 'login', 'session', 's', 'success', '')"
refuse P0001 "append-only" "UPDATE audit_log SET operator = 'sato'"
refuse P0001 "append-only" "DELETE FROM audit_log"
refuse P0001 "append-only" "TRUNCATE audit_log"
accept "INSERT INTO audit_checkpoint(terminal, seq, epoch, head_mac, ts_ns, signature)
	VALUES ('t', 1, 1, '\\x00', 1, '\\x00')"
refuse P0001 "append-only" "UPDATE audit_checkpoint SET seq = 2"
refuse P0001 "append-only" "DELETE FROM audit_checkpoint"
refuse P0001 "append-only" "TRUNCATE audit_checkpoint"
# approvals are never deleted, outputs never changed or deleted (R-APPROVE, R-PRINT)
accept "INSERT INTO approval_request(id, kind, bureau_id, requester_id, requester_user, reason,
	items, n_items, created_at, state) VALUES (1, 'print', 1, 1, 'tanaka', 'r', '1:1', 1, 0, 'waiting')"
refuse 23514 approval_request_check "UPDATE approval_request SET decided_by = 1,
	decided_by_user = 'tanaka', decided_at = 1 WHERE id = 1"
refuse P0001 "never deleted" "DELETE FROM approval_request"
refuse P0001 "never deleted" "TRUNCATE approval_request CASCADE"
accept "INSERT INTO print_output(id, request_id, register_id, version, bureau_id, year, serial,
	number, operator_user, approver_user, printed_at, pages, sha256, file_name) VALUES
	(1, 1, 1, 1, 1, 2026, 1, 'n1', 'tanaka', 'sato', 0, 1, repeat('0', 64), 'f')"
accept "UPDATE print_output SET mac = '\\x01'"
refuse P0001 "never changed" "UPDATE print_output SET pages = 2"
refuse P0001 "never deleted" "DELETE FROM print_output"
refuse P0001 "never deleted" "TRUNCATE print_output"
accept "INSERT INTO export_output(id, request_id, bureau_id, year, serial, number, operator_user,
	approver_user, exported_at, registers, recipient, recipient_sha256, sha256, file_name) VALUES
	(1, 1, 1, 2026, 2, 'n2', 'tanaka', 'sato', 0, 1, 'r', repeat('0', 64), repeat('0', 64), 'f')"
accept "UPDATE export_output SET mac = '\\x01'"
refuse P0001 "never changed" "UPDATE export_output SET recipient = 'x'"
refuse P0001 "never deleted" "DELETE FROM export_output"
refuse P0001 "never deleted" "TRUNCATE export_output"

# ---- keys filled as SQLite fills rowids: one more than the largest, a key given kept ----
accept "INSERT INTO data_key(id, kek_id, created_at) VALUES (41, 1, 0)"
accept "INSERT INTO data_key(kek_id, created_at) VALUES (1, 0)"
[ "$(pg -c "SELECT max(id) FROM data_key")" = 42 ] && ok || not_ok "a key not filled as a rowid"
[ "$(pg -c "INSERT INTO data_key(kek_id, created_at) VALUES (1, 0); SELECT lastval()")" = 43 ] &&
	ok || not_ok "lastval() is not the key made"
[ "$(pg -c "INSERT INTO data_key(id, kek_id, created_at) VALUES (50, 1, 0); SELECT lastval()")" = 50 ] &&
	ok || not_ok "lastval() is not the key given"

# ---- the counting triggers count, and skip rows above a staging package's watermark ----
count() { pg -c "SELECT coalesce((SELECT n FROM municipality_stats WHERE municipality = '131016' AND kind = $1), 0)"; }
accept "INSERT INTO register(id, municipality, kind, key_id, version, received_at) VALUES (1, '131016', 1, 1, 1, 5)"
[ "$(count 1)" = 1 ] && ok || not_ok "a register was not counted: $(count 1)"
accept "INSERT INTO meta(key, value) VALUES ('intake.visible.register', '1')"
accept "INSERT INTO register(id, municipality, kind, key_id, version, received_at) VALUES (2, '131016', 1, 1, 1, 6)"
[ "$(count 1)" = 1 ] && ok || not_ok "a staged register was counted: $(count 1)"
accept "DELETE FROM meta"
accept "UPDATE register SET kind = 2 WHERE id = 1"
[ "$(count 1)/$(count 2)" = "0/1" ] && ok || not_ok "a register moved to 除籍 counted $(count 1)/$(count 2)"
accept "UPDATE register SET disposed_at = 7 WHERE id = 1"
[ "$(count 2)" = 0 ] && ok || not_ok "a disposed register still counted: $(count 2)"
accept "INSERT INTO ledger_entry(municipality, key_id, received_at, accepted_on, payload)
	VALUES ('131016', 1, 9, '2026-12-01', '\\x00')"
[ "$(count 3)" = 1 ] && ok || not_ok "a ledger entry was not counted: $(count 3)"
[ "$(pg -c "SELECT last_received FROM municipality_stats WHERE municipality = '131016' AND kind = 3")" = 9 ] &&
	ok || not_ok "last_received not kept"
accept "INSERT INTO notification_doc(municipality, key_id, doc_type, received_at, payload)
	VALUES ('131016', 1, '出生届', 3, '\\x00')"
[ "$(count 4)" = 1 ] && ok || not_ok "a document was not counted: $(count 4)"

finish
