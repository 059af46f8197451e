#!/bin/sh
# Every query core runs is valid on PostgreSQL 15 (issue 14; docs/storage.md): the statements
# collected from the tests (tests/pg/queries.txt, made by `make pg-queries`) are each
# PREPAREd on a throwaway cluster holding the schema of the sql/NNN_name.pg.sql twins, with
# SQLite's ?/?NNN parameters rewritten to $N as the driver does (not inside literals, quoted
# identifiers or comments). Fails naming every statement PostgreSQL rejects. Statements that
# are SQLite's alone by nature are left out by the list below, each with its reason.
. "$(dirname "$0")/lib.sh"
LIST=$top_srcdir/tests/pg/queries.txt
[ -s "$LIST" ] || { echo "no $LIST: run make pg-queries"; exit 99; }
. "$top_srcdir/tests/pg_lib.sh"
pg_migrate && ok || { not_ok "the PostgreSQL migrations do not apply"; finish; exit 1; }

# ---- SQLite's alone, not for PostgreSQL: pattern (grep -E, whole statement), reason ----
sqlite_only() {
	cat <<'LIST'
^PRAGMA 	settings and checks of SQLite's own file; PostgreSQL's are the server's
sqlite_(master|schema|temp_master) 	SQLite's catalogue: the schema pin reads pg_catalog there
^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END)( |$) 	transaction control: fk_sql_begin_write and the driver's own, not PREPAREd
LIST
}
sqlite_only | cut -f 1 | sed 's/ $//' > "$T/skip"

# ?NNN -> $NNN, a bare ? -> one more than the highest so far (SQLite's rule).
rewrite() {
	awk '{
		s = $0; out = ""; maxn = 0; i = 1; L = length(s)
		while (i <= L) {
			c = substr(s, i, 1)
			if (c == "\047" || c == "\"") {
				j = i + 1
				while (j <= L) {
					if (substr(s, j, 1) == c) {
						if (substr(s, j + 1, 1) == c) { j += 2; continue }
						break
					}
					j++
				}
				out = out substr(s, i, j - i + 1); i = j + 1; continue
			}
			if (c == "-" && substr(s, i + 1, 1) == "-") { out = out substr(s, i); break }
			if (c == "/" && substr(s, i + 1, 1) == "*") {
				j = index(substr(s, i + 2), "*/")
				if (j == 0) { out = out substr(s, i); break }
				out = out substr(s, i, j + 3); i = i + j + 3; continue
			}
			if (c == "?") {
				j = i + 1; num = ""
				while (j <= L && substr(s, j, 1) ~ /[0-9]/) { num = num substr(s, j, 1); j++ }
				if (num == "") { maxn++; num = maxn } else if (num + 0 > maxn) maxn = num + 0
				out = out "$" num; i = j; continue
			}
			out = out c; i++
		}
		print out
	}'
}

# Statements with two texts (docs/storage.md): a table indexed by fk_backend beside their user,
# [FK_BACKEND_SQLITE] = "…" and [FK_BACKEND_PG] = "…" (literals joined). SQLite's is left out of
# the list; PostgreSQL's is run: the temporary tables' CREATE before the others are prepared
# (they use the tables), their DROP after.
halves() {
	find "$top_srcdir/core" -name '*.c' -exec awk -v want="[$1]" '
		index($0, want " = \"") { on = 1; s = "" }
		on { line = $0; while (match(line, /"([^"\\]|\\.)*"/)) {
			s = s substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH) }
		     if ($0 ~ /",[[:space:]]*$/) { print s; on = 0 } }' {} + | sort
}
halves FK_BACKEND_SQLITE > "$T/lite_halves"
halves FK_BACKEND_PG > "$T/pg_halves"
[ -s "$T/pg_halves" ] && [ "$(wc -l < "$T/lite_halves")" = "$(wc -l < "$T/pg_halves")" ] && ok ||
	not_ok "the two-text statements were not found in core: $(cat "$T/lite_halves")"
grep -v -E -f "$T/skip" "$LIST" | grep -v -x -F -f "$T/lite_halves" > "$T/all"
# PostgreSQL's halves that take parameters are queries (a shared store's chain of one
# terminal, core/audit/audit_chain.c): prepared with the others.
grep -F '?' "$T/pg_halves" >> "$T/all"
# What PREPARE does not take (a temporary table's CREATE and DROP) is run, as the halves are.
{ grep -v -F '?' "$T/pg_halves"; grep -E '^(CREATE|DROP) ' "$T/all"; } > "$T/ddl"
grep -v -E '^(CREATE|DROP) ' "$T/all" > "$T/stmts"
n_all=$(wc -l < "$LIST")
n=$(wc -l < "$T/stmts")
n_ddl=$(wc -l < "$T/ddl")
n_pgq=$(grep -c -F '?' "$T/pg_halves")
echo "$n_all statements collected, $((n_all + n_pgq - n)) SQLite's alone or in two texts, $n prepared on PostgreSQL ($n_pgq of them PostgreSQL's halves), $(wc -l < "$T/ddl") run"
[ "$n" -gt 250 ] && ok || not_ok "only $n statements to prepare: collect them again (make pg-queries)"
rewrite < "$T/stmts" > "$T/pg_stmts"

# One session: each statement PREPAREd in its own subtransaction, the rejections kept with
# their SQLSTATE and message. \x1e and \x1f appear in no statement: the text is loaded as is.
{
	echo "SET client_min_messages = warning;"
	echo "CREATE TEMP TABLE q (n serial, sql text);"
	echo "COPY q(sql) FROM STDIN (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e');"
	cat "$T/pg_stmts"
	echo '\.'
	echo "CREATE TEMP TABLE d (n serial, sql text);"
	echo "COPY d(sql) FROM STDIN (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e');"
	grep '^CREATE' "$T/ddl"; grep -v '^CREATE' "$T/ddl"
	echo '\.'
	cat <<'SQL'
CREATE TEMP TABLE rejected (n int, state text, msg text);
-- Run the statements PREPARE does not take: the CREATEs (creates) or the others.
CREATE FUNCTION pg_temp.run_ddl(creates boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record; st text; m text;
BEGIN
	FOR r IN SELECT n, sql FROM d WHERE (sql LIKE 'CREATE %') = creates ORDER BY n LOOP
		BEGIN
			EXECUTE r.sql;
		EXCEPTION WHEN others THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
			INSERT INTO rejected VALUES (-r.n, st, m);
		END;
	END LOOP;
END $$;
-- A parameter number the text never uses (a statement sharing its bindings with another) is
-- declared text, as the driver declares it; the others are inferred from the text.
DO $$
DECLARE r record; st text; m text; used int[]; types text;
BEGIN
	PERFORM pg_temp.run_ddl(true);
	FOR r IN SELECT n, sql FROM q ORDER BY n LOOP
		used := ARRAY(SELECT CAST(x[1] AS int) FROM regexp_matches(r.sql, '\$([0-9]+)', 'g') AS x);
		SELECT string_agg(CASE WHEN i = ANY(used) THEN 'unknown' ELSE 'text' END, ', ' ORDER BY i)
			INTO types FROM generate_series(1, coalesce((SELECT max(u) FROM unnest(used) AS u), 0)) AS i;
		BEGIN
			EXECUTE 'PREPARE fkq' || r.n || coalesce('(' || types || ')', '') || ' AS ' || r.sql;
			-- A boolean result (SELECT a = b) reads as 0/1 on SQLite, as t/f here: its
			-- columns' types are those of a table made from it without running it.
			IF r.sql ~* '^\s*(SELECT|WITH|VALUES)' THEN
				BEGIN
					EXECUTE 'CREATE TEMP TABLE fkr AS EXECUTE fkq' || r.n || coalesce('(' ||
						(SELECT string_agg('NULL', ', ') FROM generate_series(1,
						(SELECT max(u) FROM unnest(used) AS u))) || ')', '') || ' WITH NO DATA';
				EXCEPTION WHEN duplicate_column THEN
					-- two columns of one name (count(*), count(*)): no table, no check
					NULL;
				END;
				IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('pg_temp.fkr')
					   AND attnum > 0 AND atttypid = 'boolean'::regtype) THEN
					RAISE EXCEPTION 'a result column is boolean (0/1 on SQLite, t/f here)'
						USING ERRCODE = '42804';
				END IF;
				DROP TABLE IF EXISTS pg_temp.fkr;
			END IF;
			EXECUTE 'DEALLOCATE fkq' || r.n;
		EXCEPTION WHEN others THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
			INSERT INTO rejected VALUES (r.n, st, m);
		END;
	END LOOP;
	PERFORM pg_temp.run_ddl(false);
END $$;
SELECT r.state || ' ' || r.msg || E'\n\t' || s.sql FROM rejected r
	JOIN (SELECT n, sql FROM q UNION ALL SELECT -n, sql FROM d) s USING (n) ORDER BY n;
SQL
} | pg -f - > "$T/rejected" 2>&1 || { not_ok "the check itself failed: $(head -c 500 "$T/rejected")"; finish; exit 1; }
bad=$(grep -c '^[0-9A-Z]\{5\} ' "$T/rejected")
echo "$bad of $((n + n_ddl)) rejected by PostgreSQL"
if [ "$bad" = 0 ]; then ok; else
	not_ok "PostgreSQL rejects $bad statements:"; cat "$T/rejected" >&2
fi
finish
