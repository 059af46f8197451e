/* Unit tests: opening the database, migrations, refusals, append-only history (R-LOG). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"

static fkt_env env;

static void setup(void)
{
	fkt_env_init(&env, NULL);
}

static void teardown(void)
{
	fkt_env_cleanup(&env);
}

static char *db_path(void)
{
	static char p[700];
	snprintf(p, sizeof p, "%s/t.db", env.dir);
	return p;
}

static int pragma_int(fk_sql *db, const char *sql)
{
	fk_stmt *st;
	ck_assert_int_eq(fk_sql_prepare(db, sql, 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_sql_step(st), SQLITE_ROW);
	int v = fk_sql_column_int(st, 0);
	fk_sql_finalize(st);
	return v;
}

START_TEST(fresh_database_is_migrated_and_private)
{
	fk_sql *db;
	fk_error err;
	ck_assert_ok(fk_db_open(db_path(), FK_DB_CREATE, &db, &err), &err);
	ck_assert_int_eq(pragma_int(db, "PRAGMA user_version"), (int)fk_db_schema_version());
	ck_assert_int_eq(pragma_int(db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(pragma_int(db, "PRAGMA secure_delete"), 1);
	ck_assert_int_eq(pragma_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'register_version'"), 1);
	fk_sql_close(db);
	struct stat sb;
	ck_assert_int_eq(stat(db_path(), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	/* Reopening applies nothing twice. */
	ck_assert_ok(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), &err);
	fk_sql_close(db);
}
END_TEST

START_TEST(newer_schema_is_refused_and_left_alone)
{
	fk_sql *db;
	sqlite3 *own; /* SQLite's own connection: what fk_db_open refuses, it must leave as it was */
	fk_error err;
	ck_assert_ok(fk_db_open(db_path(), FK_DB_CREATE, &db, &err), &err);
	ck_assert_int_eq(fk_sql_exec(db, "PRAGMA user_version = 999"), SQLITE_OK);
	fk_sql_close(db);
	ck_assert_int_eq(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), FK_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer"));
	ck_assert_ptr_null(db);
	ck_assert_int_eq(sqlite3_open(db_path(), &own), SQLITE_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(own, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 999);
	sqlite3_finalize(st);
	sqlite3_close(own);
}
END_TEST

/* A store as a program one migration older left it, with its meta's mode (NULL: none). */
static void older_store(const char *mode)
{
	sqlite3 *own;
	char sql[160];
	ck_assert_int_eq(sqlite3_open(db_path(), &own), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(own, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_uint_ge(fk_migration_count, 2);
	for (unsigned i = 0; i + 1 < fk_migration_count; i++) {
		ck_assert_int_eq(sqlite3_exec(own, fk_migrations[i].sql, NULL, NULL, NULL), SQLITE_OK);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %u", fk_migrations[i].version);
		ck_assert_int_eq(sqlite3_exec(own, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	if (mode) {
		snprintf(sql, sizeof sql, "INSERT INTO meta(key, value) VALUES ('mode', '%s')", mode);
		ck_assert_int_eq(sqlite3_exec(own, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	ck_assert_int_eq(sqlite3_close(own), SQLITE_OK);
}

static unsigned version_of(fk_sql *db)
{
	unsigned v = 0;
	fk_error err;
	ck_assert_ok(fk_db_store_version(db, &v, &err), &err);
	return v;
}

/* A production store with a migration pending is refused at open, naming fukuhonctl migrate,
 * and left as it was; FK_DB_PENDING opens it as it is; FK_DB_MIGRATE (fukuhonctl migrate)
 * applies it (docs/deployment.md, "Upgrades"; R-PROGRAM). */
START_TEST(production_store_waits_for_migrate)
{
	fk_sql *db;
	fk_error err;
	unsigned older = fk_migrations[fk_migration_count - 2].version;
	older_store("production");
	ck_assert_int_eq(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), FK_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(err.msg, "fukuhonctl migrate"));
	ck_assert_ptr_null(db);
	ck_assert_ok(fk_db_open(db_path(), FK_DB_PENDING, &db, &err), &err);
	ck_assert_uint_eq(version_of(db), older);
	fk_sql_close(db);
	ck_assert_ok(fk_db_open(db_path(), FK_DB_MIGRATE, &db, &err), &err);
	ck_assert_uint_eq(version_of(db), fk_db_schema_version());
	fk_sql_close(db);
	ck_assert_ok(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), &err);
	fk_sql_close(db);
}
END_TEST

/* A test or demo terminal's store (and one with no terminal yet) keeps migrating at open. */
START_TEST(test_store_migrates_at_open)
{
	fk_sql *db;
	fk_error err;
	older_store("test");
	ck_assert_ok(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), &err);
	ck_assert_uint_eq(version_of(db), fk_db_schema_version());
	fk_sql_close(db);
}
END_TEST

START_TEST(corrupt_and_missing_files)
{
	fk_sql *db;
	fk_error err;
	ck_assert_int_eq(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), FK_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "fukuhonctl init"));
	FILE *f = fopen(db_path(), "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 4096; i++)
		fputc("garbage!"[i % 8], f);
	fclose(f);
	ck_assert_int_eq(fk_db_open(db_path(), FK_DB_OPEN, &db, &err), FK_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged"));
}
END_TEST

START_TEST(history_is_append_only)
{
	fk_ctx *ctx = fkt_ctx_init(&env);
	fk_error err;
	ck_assert_ok(fk_audit(ctx, "test.action", "thing", "1", FK_RESULT_SUCCESS, "", "山田 太郎 viewed", &err), &err);
	/* R-LOG: the triggers refuse changes and removal. */
	ck_assert_int_ne(fk_sql_exec(ctx->db, "UPDATE audit_log SET action = 'x'"), SQLITE_OK);
	ck_assert_int_ne(fk_sql_exec(ctx->db, "DELETE FROM audit_log"), SQLITE_OK);
	fk_audit_row rows[8];
	int n;
	ck_assert_ok(fk_audit_list(ctx, 0, rows, 8, &n, &err), &err);
	ck_assert_int_ge(n, 1);
	ck_assert_str_eq(rows[n - 1].action, "test.action");
	ck_assert_str_eq(rows[n - 1].detail, "山田 太郎 viewed");
	ck_assert_str_eq(rows[n - 1].terminal, "test-terminal");
	ck_assert_int_eq(rows[n - 1].seq, n);
	fk_audit_rows_free(rows, n);
	fk_ctx_close(ctx);
}
END_TEST

/* ---- the terminal role's privileges on PostgreSQL (core/db/pgprivs.h; R-MINIMAL, R-DETECT) ---- */

static int expects(const fk_pg_priv *v, size_t n, const char *kind, const char *obj, const char *col,
		   const char *priv)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].kind, kind) && !strcmp(v[i].object, obj) && !strcmp(v[i].column, col) &&
		    !strcmp(v[i].priv, priv))
			return 1;
	return 0;
}

/* The one list: what the owner grants (sql/terminal_grants.pg.sql, embedded) is what the
 * terminal expects to hold, read from the same text. */
START_TEST(the_expected_privileges_are_the_grants_file)
{
	fk_pg_priv *v;
	size_t n;
	fk_error err;
	ck_assert_ok(fk_pg_privs_expected(fk_pg_terminal_grants, &v, &n, &err), &err);
	ck_assert_int_gt(n, 150);
	ck_assert(expects(v, n, "table", "*", "", "SELECT"));
	ck_assert(expects(v, n, "table", "audit_log", "", "INSERT"));
	ck_assert(expects(v, n, "table", "register_version", "", "DELETE"));
	ck_assert(expects(v, n, "column", "operator", "enabled", "UPDATE"));
	ck_assert(expects(v, n, "column", "staged_change", "mac", "UPDATE"));
	ck_assert(expects(v, n, "sequence", "fk_last_rowid", "", "UPDATE"));
	ck_assert(expects(v, n, "function", "fk_stats_add(text,bigint,bigint)", "", "EXECUTE"));
	ck_assert(expects(v, n, "function", "fk_visible_new(text,bigint)", "", "EXECUTE"));
	ck_assert(expects(v, n, "schema", "fk_expected", "", "CREATE"));
	ck_assert(expects(v, n, "schema", "public", "", "USAGE"));
	/* what no operation needs is not expected */
	ck_assert(!expects(v, n, "table", "audit_log", "", "UPDATE"));
	ck_assert(!expects(v, n, "table", "audit_log", "", "DELETE"));
	ck_assert(!expects(v, n, "column", "operator", "role", "UPDATE"));
	ck_assert(!expects(v, n, "schema", "public", "", "CREATE"));
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strcmp(v[i].priv, "TRUNCATE") && strcmp(v[i].priv, "TRIGGER") &&
			      strcmp(v[i].priv, "REFERENCES"), "%s on %s", v[i].priv, v[i].object);
	free(v);
}
END_TEST

/* A statement the reader does not understand makes the list untrustworthy: refused, never
 * read as "nothing expected" or skipped. */
START_TEST(an_unread_grant_fails_closed)
{
	fk_pg_priv *v;
	size_t n;
	fk_error err;
	static const char *const bad[] = {
		"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO fukuhon_terminal;",
		"GRANT SELECT ON meta TO someone_else;",
		"GRANT SELECT ON meta TO fukuhon_terminal; REVOKE SELECT ON meta FROM fukuhon_terminal;",
		"GRANT CONNECT ON DATABASE fk TO fukuhon_terminal;",
		"GRANT ALL ON meta TO fukuhon_terminal;",
		"GRANT ALL PRIVILEGES ON meta TO fukuhon_terminal;",
		"GRANT SELECT ON meta TO fukuhon_terminal WITH GRANT OPTION;",
		"GRANT UPDATE (a ON t TO fukuhon_terminal;",
		"-- nothing granted\nREVOKE ALL ON meta FROM PUBLIC;",
		"GRANT SELECT ON meta TO fukuhon_terminal; REVOKE ALL ON t FROM PUBLIC, fukuhon_terminal;",
	};
	for (size_t i = 0; i < FK_ARRAY_LEN(bad); i++)
		ck_assert_msg(fk_pg_privs_expected(bad[i], &v, &n, &err) == FK_ERR_INTERNAL, "read: %s", bad[i]);
	ck_assert_ok(fk_pg_privs_expected("REVOKE ALL ON t1 FROM PUBLIC; DO $$ BEGIN PERFORM 1; END $$;\n"
					  "GRANT UPDATE (a, b), DELETE ON t1, t2 -- why\n TO fukuhon_terminal; REVOKE ALL ON t3 FROM PUBLIC;",
					  &v, &n, &err), &err);
	ck_assert_uint_eq(n, 6);
	ck_assert(expects(v, n, "column", "t2", "b", "UPDATE") && expects(v, n, "table", "t1", "", "DELETE"));
	free(v);
}
END_TEST

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The store's owner (here the test terminal's role owns its database) is not compared; the
 * query runs in full all the same, so its time is the check's cost at open. */
START_TEST(the_owner_is_not_compared_and_the_check_is_timed)
{
	fk_ctx *ctx = fkt_ctx_init(&env);
	fk_error err;
	double ms[15];
	for (size_t i = 0; i < FK_ARRAY_LEN(ms); i++) {
		int64_t t0 = fk_now_ns();
		ck_assert_ok(fk_pg_privs_check(ctx->db, &err), &err);
		ms[i] = (double)(fk_now_ns() - t0) / 1e6;
	}
	qsort(ms, FK_ARRAY_LEN(ms), sizeof ms[0], cmp_double);
	if (fkt_pg())
		printf("FKT-MEASURE: the terminal role's privilege check: median %.2f ms, max %.2f ms (%zu runs)\n",
		       ms[FK_ARRAY_LEN(ms) / 2], ms[FK_ARRAY_LEN(ms) - 1], FK_ARRAY_LEN(ms));
	fk_ctx_close(ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fresh_database_is_migrated_and_private);
	tcase_add_test(tc, newer_schema_is_refused_and_left_alone);
	tcase_add_test(tc, production_store_waits_for_migrate);
	tcase_add_test(tc, test_store_migrates_at_open);
	tcase_add_test(tc, corrupt_and_missing_files);
	tcase_add_test(tc, history_is_append_only);
	tcase_add_test(tc, the_expected_privileges_are_the_grants_file);
	tcase_add_test(tc, an_unread_grant_fails_closed);
	tcase_add_test(tc, the_owner_is_not_compared_and_the_check_is_timed);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
