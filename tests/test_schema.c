/* Unit tests: the pinned schema refuses planted, dropped and changed objects, at open and in a running program (R-LOGSEAL, R-DETECT). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"

static fkt_env env;
static uint8_t k0[FK_KEY_LEN];

/* SQLite's pin: sqlite_schema, its cookie, temporary objects, the file. PostgreSQL's catalogue
 * pin has its own tests, object by object (tests/store_pg.sh, tests/pg_schema.sh). */
#define SQLITE_ONLY()                                                                              \
	do {                                                                                       \
		if (fkt_skip_on_pg("SQLite's pinned schema", "sqlite_schema, its cookie and the file; "   \
				   "PostgreSQL's catalogue pin: tests/store_pg.sh, tests/pg_schema.sh")) \
			return;                                                                    \
	} while (0)

static void setup(void)
{
	fkt_env_init(&env, NULL);
}

static void teardown(void)
{
	fkt_env_cleanup(&env);
}

static const char *db_file(void)
{
	static char p[700];
	snprintf(p, sizeof p, "%s/db/fukuhon.db", env.dir);
	return p;
}

static void exec_on(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
}

/* What an attacker does with the sqlite3 command line: its own connection. */
static void tamper(const char *sql)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open_v2(db_file(), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	exec_on(db, sql);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static int64_t scalar_on(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Every difference fk_schema_diff_each reports. */
struct listing {
	unsigned n;
	char msg[16][FK_SCHEMA_MSG_MAX];
};

static int collect(const fk_schema_diff *d, void *arg)
{
	struct listing *l = arg;
	if (l->n < FK_ARRAY_LEN(l->msg))
		memcpy(l->msg[l->n], d->msg, sizeof d->msg);
	l->n++;
	return 0;
}

static struct listing list_diffs(sqlite3 *db)
{
	struct listing l = {0};
	unsigned n;
	fk_error err;
	ck_assert_ok(fk_schema_diff_each(db, collect, &l, &n, &err), &err);
	ck_assert_uint_eq(n, l.n);
	return l;
}

static int listed(const struct listing *l, const char *want)
{
	for (unsigned i = 0; i < l->n && i < FK_ARRAY_LEN(l->msg); i++)
		if (strstr(l->msg[i], want))
			return 1;
	return 0;
}

static void expect_altered(const fk_error *err, const char *want)
{
	ck_assert_int_eq(err->code, FK_ERR_TAMPER);
	ck_assert_msg(strstr(err->msg, "the database schema was altered: ") && strstr(err->msg, want),
		      "wanted '%s' in: %s", want, err->msg);
}

static void expect_unrecorded(fk_ctx *ctx, const char *want);

static const struct tamper_case {
	const char *what, *sql, *first;
} cases[] = {
	{"a trigger that erases each record as it is written",
	 "CREATE TRIGGER erase_reads AFTER INSERT ON audit_log BEGIN "
	 "DELETE FROM audit_log WHERE seq = NEW.seq; END",
	 "unexpected trigger 'erase_reads' on audit_log"},
	{"a trigger that undoes every revoke",
	 "CREATE TRIGGER unrevoke AFTER UPDATE OF revoked_at ON permission_grant BEGIN "
	 "UPDATE permission_grant SET revoked_at = NULL, revoked_by = NULL, revoked_by_user = NULL "
	 "WHERE id = NEW.id; END",
	 "unexpected trigger 'unrevoke' on permission_grant"},
	{"a dropped append-only trigger", "DROP TRIGGER audit_log_no_delete",
	 "missing trigger 'audit_log_no_delete' on audit_log"},
	{"a changed trigger body",
	 "DROP TRIGGER audit_log_no_update; CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON "
	 "audit_log WHEN 0 BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END",
	 "trigger 'audit_log_no_update' on audit_log differs from the one fukuhon creates"},
	{"an append-only trigger renamed in another case",
	 "DROP TRIGGER audit_log_no_delete; CREATE TRIGGER Audit_Log_No_Delete BEFORE DELETE ON "
	 "audit_log BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END",
	 "unexpected trigger 'Audit_Log_No_Delete' on audit_log"},
	{"an extra index", "CREATE INDEX operator_role ON operator(role)",
	 "unexpected index 'operator_role' on operator"},
	{"a dropped index", "DROP INDEX audit_log_time", "missing index 'audit_log_time' on audit_log"},
	{"an extra view", "CREATE VIEW names AS SELECT username FROM operator", "unexpected view 'names'"},
	{"an extra table", "CREATE TABLE notes (x)", "unexpected table 'notes'"},
	{"a column added to a table", "ALTER TABLE operator ADD COLUMN note TEXT",
	 "table 'operator' differs from the one fukuhon creates"},
	{"a table's text edited in sqlite_schema",
	 "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, 'enabled IN (0, 1)', "
	 "'enabled IN (0, 1, 2)') WHERE name = 'operator'; PRAGMA writable_schema = OFF",
	 "table 'operator' differs from the one fukuhon creates"},
	{"planner statistics (ANALYZE)", "ANALYZE", "unexpected table 'sqlite_stat1'"},
	{"an AUTOINCREMENT table and its sqlite_sequence",
	 "CREATE TABLE t2 (id INTEGER PRIMARY KEY AUTOINCREMENT)", "unexpected table 'sqlite_sequence'"},
};

/* Open refuses with the first difference, a diagnosis lists it, writes stay
 * refused, and verify reports it as a problem. */
START_TEST(tampered_schema_is_refused)
{
	SQLITE_ONLY();
	const struct tamper_case *c = &cases[_i];
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_ctx_close(ctx);
	tamper(c->sql);
	fk_error err;
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_TAMPER);
	ck_assert_ptr_null(ctx);
	expect_altered(&err, c->first);

	ck_assert_ok(fk_ctx_open(env.config, FK_CTX_DIAGNOSE, &ctx, &err), &err);
	struct listing l = list_diffs(fk_sql_lite(ctx->db));
	ck_assert_msg(listed(&l, c->first), "%s: '%s' not listed", c->what, c->first);
	ck_assert_int_eq(fk_ctx_begin(ctx, &err), FK_ERR_TAMPER);
	expect_altered(&err, c->first);
	ck_assert_int_eq(ctx->tx_depth, 0);
	expect_unrecorded(ctx, c->first);

	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_ge(r.problems, 1);
	ck_assert(fkt_verify_saw(FK_VP_SCHEMA, 0));
	/* verify's own lock did not leave the schema pinned for the writes after it */
	ck_assert_int_eq(fk_ctx_begin(ctx, &err), FK_ERR_TAMPER);
	fk_ctx_close(ctx);
}
END_TEST

START_TEST(every_difference_is_listed)
{
	SQLITE_ONLY();
	fk_ctx *ctx = fkt_ctx_init_k0(&env, k0);
	fk_ctx_close(ctx);
	tamper("DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoint_no_update;"
	       "CREATE TRIGGER x AFTER INSERT ON audit_log BEGIN SELECT 1; END;"
	       "CREATE INDEX i ON lockout(failures); CREATE VIEW v AS SELECT 1;"
	       "ALTER TABLE meta ADD COLUMN note TEXT");
	fk_error err;
	ck_assert_ok(fk_ctx_open(env.config, FK_CTX_DIAGNOSE, &ctx, &err), &err);
	struct listing l = list_diffs(fk_sql_lite(ctx->db));
	ck_assert_uint_eq(l.n, 6);
	ck_assert(listed(&l, "missing trigger 'audit_log_no_delete' on audit_log"));
	ck_assert(listed(&l, "missing trigger 'audit_checkpoint_no_update' on audit_checkpoint"));
	ck_assert(listed(&l, "unexpected trigger 'x' on audit_log"));
	ck_assert(listed(&l, "unexpected index 'i' on lockout"));
	ck_assert(listed(&l, "unexpected view 'v'"));
	ck_assert(listed(&l, "table 'meta' differs from the one fukuhon creates"));
	fk_verify_report r = fkt_verify(ctx, k0, NULL);
	ck_assert_int_eq(r.problems, 6);
	ck_assert_int_eq(r.first_bad_seq, 0); /* no record is broken */
	fk_ctx_close(ctx);
}
END_TEST

/* Another connection plants a trigger while a context is open: the next
 * outermost transaction stops before anything is written. */
START_TEST(planted_while_running_stops_the_next_transaction)
{
	SQLITE_ONLY();
	fk_ctx *ctx = fkt_ctx_init(&env);
	fk_error err;
	ck_assert_ok(fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", NULL, &err), &err);
	int64_t rows = scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log");
	tamper("CREATE TRIGGER erase_reads AFTER INSERT ON audit_log BEGIN "
	       "DELETE FROM audit_log WHERE seq = NEW.seq; END");
	ck_assert_int_eq(fk_ctx_begin(ctx, &err), FK_ERR_TAMPER);
	expect_altered(&err, "unexpected trigger 'erase_reads' on audit_log");
	ck_assert_int_eq(ctx->tx_depth, 0);
	ck_assert_int_eq(sqlite3_get_autocommit(fk_sql_lite(ctx->db)), 1); /* the lock was given back */
	expect_unrecorded(ctx, "unexpected trigger 'erase_reads' on audit_log");
	/* put back as it was: the program goes on */
	tamper("DROP TRIGGER erase_reads");
	ck_assert_ok(fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", NULL, &err), &err);
	ck_assert_int_eq(scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log"), rows + 1);
	fk_ctx_close(ctx);
}
END_TEST

/* The planter sets the schema cookie back, after ctx (if not NULL) has read
 * the database in between. A trigger this connection never loads cannot run
 * in it; once it does load it (that read, or a rollback of its own
 * temporary table), the next transaction stops. */
static void plant_and_hide(fk_ctx *ctx)
{
	sqlite3 *db;
	char sql[96];
	ck_assert_int_eq(sqlite3_open_v2(db_file(), &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	int64_t cookie = scalar_on(db, "PRAGMA schema_version");
	exec_on(db, "CREATE TRIGGER erase_reads AFTER INSERT ON audit_log BEGIN "
		    "DELETE FROM audit_log WHERE seq = NEW.seq; END");
	if (ctx)
		fkt_scalar(ctx, "SELECT count(*) FROM audit_log WHERE seq > 0");
	snprintf(sql, sizeof sql, "PRAGMA schema_version = %lld", (long long)cookie);
	exec_on(db, sql);
	ck_assert_int_eq(scalar_on(db, "PRAGMA schema_version"), cookie);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

/* A write refused by the pinned schema, and nothing written. */
static void expect_unrecorded(fk_ctx *ctx, const char *want)
{
	fk_error err;
	int64_t rows = scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log");
	ck_assert_int_ne(fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", NULL, &err),
			 FK_OK);
	ck_assert_msg(strstr(err.msg, "the database schema was altered: ") && strstr(err.msg, want),
		      "wanted '%s' in: %s", want, err.msg);
	ck_assert_int_eq(scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log"), rows);
}

START_TEST(a_cookie_set_back_does_not_hide_a_loaded_trigger)
{
	SQLITE_ONLY();
	fk_ctx *ctx = fkt_ctx_init(&env);
	fk_error err;
	ck_assert_ok(fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", NULL, &err), &err);
	int64_t rows = scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log");

	/* loaded by a read between transactions */
	plant_and_hide(ctx);
	ck_assert_int_eq(fk_ctx_begin(ctx, &err), FK_ERR_TAMPER);
	expect_altered(&err, "unexpected trigger 'erase_reads' on audit_log");
	expect_unrecorded(ctx, "unexpected trigger 'erase_reads' on audit_log");
	ck_assert_int_eq(scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log"), rows);
	fk_ctx_close(ctx);
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_TAMPER);
	tamper("DROP TRIGGER erase_reads");

	/* loaded when our own temporary table is rolled back */
	ctx = fkt_ctx_open(&env);
	ck_assert_ok(fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", NULL, &err), &err);
	rows = scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log");
	plant_and_hide(NULL);
	/* not loaded yet, it cannot run here: a record is kept (or refused), never erased */
	fk_status st = fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", NULL, &err);
	rows += st == FK_OK;
	ck_assert_int_eq(scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log"), rows);
	exec_on(fk_sql_lite(ctx->db), "BEGIN IMMEDIATE; CREATE TEMP TABLE scratch (x); ROLLBACK");
	ck_assert_int_eq(fk_ctx_begin(ctx, &err), FK_ERR_TAMPER);
	expect_altered(&err, "unexpected trigger 'erase_reads' on audit_log");
	ck_assert_int_eq(scalar_on(fk_sql_lite(ctx->db), "SELECT count(*) FROM audit_log"), rows);
	fk_ctx_close(ctx);
}
END_TEST

/* The temp schema belongs to this connection alone: not compared. */
START_TEST(own_temporary_objects_do_not_count)
{
	SQLITE_ONLY();
	fk_ctx *ctx = fkt_ctx_init(&env);
	fk_error err;
	exec_on(fk_sql_lite(ctx->db), "CREATE TEMP TABLE scratch (x); CREATE TEMP VIEW scratch_v AS SELECT x FROM scratch");
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	ck_assert_uint_eq(list_diffs(fk_sql_lite(ctx->db)).n, 0);
	fk_ctx_close(ctx);
}
END_TEST

/* sqlite_schema as text, in one order, without the comparison under test. */
static char *dump(sqlite3 *db)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
		"SELECT group_concat(type || '|' || name || '|' || tbl_name || '|' || coalesce(sql, '-'), "
		"char(10)) FROM (SELECT * FROM sqlite_schema ORDER BY type, name)", -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	char *s = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* A database as a program of schema version k left it. */
static void create_at(const char *path, unsigned k)
{
	sqlite3 *db;
	char sql[64];
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	exec_on(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON");
	for (unsigned i = 0; i < k; i++) {
		exec_on(db, "BEGIN IMMEDIATE");
		exec_on(db, fk_migrations[i].sql);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %u; COMMIT", fk_migrations[i].version);
		exec_on(db, sql);
	}
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

START_TEST(migrated_and_fresh_databases_compare_equal)
{
	char path[700];
	sqlite3 *db;
	fk_sql *opened; /* fk_db_open's: the layer's handle over SQLite's, read here as SQLite */
	fk_error err;
	snprintf(path, sizeof path, "%s/fresh.db", env.dir);
	ck_assert_ok(fk_db_open(path, FK_DB_CREATE, &opened, &err), &err);
	char *fresh = dump(fk_sql_lite(opened));
	fk_sql_close(opened);
	ck_assert_uint_ge(fk_migration_count, 2);
	for (unsigned k = 1; k < fk_migration_count; k++) {
		snprintf(path, sizeof path, "%s/from%u.db", env.dir, k);
		create_at(path, k);
		ck_assert_ok(fk_db_open(path, FK_DB_OPEN, &opened, &err), &err);
		char *migrated = dump(fk_sql_lite(opened));
		ck_assert_msg(!strcmp(fresh, migrated), "from version %u:\n%s\n--- fresh:\n%s", k, migrated, fresh);
		ck_assert_uint_eq(list_diffs(fk_sql_lite(opened)).n, 0);
		free(migrated);
		fk_sql_close(opened);
	}
	free(fresh);
	/* an old database with a planted trigger is refused once migrated */
	snprintf(path, sizeof path, "%s/planted.db", env.dir);
	create_at(path, 3);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	exec_on(db, "CREATE TRIGGER forget AFTER INSERT ON lockout BEGIN DELETE FROM lockout; END");
	sqlite3_close(db);
	ck_assert_int_eq(fk_db_open(path, FK_DB_OPEN, &opened, &err), FK_ERR_TAMPER);
	expect_altered(&err, "unexpected trigger 'forget' on lockout");
}
END_TEST

static double since_us(int64_t t0, int n)
{
	return (double)(fk_mono_ns() - t0) / 1e3 / n;
}

/* The expected schema is built once; a transaction pays one statement
 * unless the schema moved. Bounds leave room for sanitizers and valgrind. */
START_TEST(the_check_costs_little)
{
	SQLITE_ONLY();
	fk_error err;
	size_t n;
	int64_t t0 = fk_mono_ns();
	ck_assert_ok(fk_schema_expected(&n, &err), &err);
	double build = since_us(t0, 1);
	ck_assert_uint_ge(n, 30);
	fk_ctx *ctx = fkt_ctx_init(&env);
	enum { COMPARES = 200, GUARDS = 20000 };
	t0 = fk_mono_ns();
	for (int i = 0; i < COMPARES; i++)
		ck_assert_ok(fk_schema_check(fk_sql_lite(ctx->db), &err), &err);
	double compare = since_us(t0, COMPARES);
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	t0 = fk_mono_ns();
	for (int i = 0; i < GUARDS; i++)
		ck_assert_ok(fk_schema_guard(ctx, &err), &err);
	double guard = since_us(t0, GUARDS);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	fprintf(stderr, "pinned schema: %zu objects; expected built once in %.0f us; "
		"full comparison %.1f us; guard per transaction %.2f us\n", n, build, compare, guard);
	ck_assert_msg(build < 500e3, "building the expected schema took %.0f us", build);
	ck_assert_msg(compare < 20e3, "a full comparison took %.0f us", compare);
	ck_assert_msg(guard < 50, "the guard took %.2f us", guard);
	ck_assert_msg(guard * 5 < compare, "the guard (%.2f us) is no cheaper than a comparison (%.1f us)",
		      guard, compare);
	fk_ctx_close(ctx);
}
END_TEST

/* A handle without its connection (SQLite's or PostgreSQL's) is never taken as pinned: both
 * checks refuse rather than read nothing and call it pinned (issue 14; R-DETECT). The
 * PostgreSQL store's own pin is tested on a server by tests/store_pg.sh. */
START_TEST(a_store_without_sqlite_is_never_taken_as_pinned)
{
	fk_sql pg = {.backend = FK_BACKEND_PG}, lite = {.backend = FK_BACKEND_SQLITE};
	fk_error err;
	unsigned n = 0;
	ck_assert_int_ne(fk_schema_check(&pg, &err), FK_OK);
	ck_assert_ptr_nonnull(strstr(err.msg, "no connection"));
	ck_assert_int_ne(fk_schema_diff_each(&pg, NULL, NULL, &n, &err), FK_OK);
	ck_assert_ptr_nonnull(strstr(err.msg, "no connection"));
	ck_assert_int_ne(fk_schema_check(&lite, &err), FK_OK);
	ck_assert_ptr_nonnull(strstr(err.msg, "no connection"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("pinned");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, tampered_schema_is_refused, 0, (int)FK_ARRAY_LEN(cases));
	tcase_add_test(tc, every_difference_is_listed);
	tcase_add_test(tc, planted_while_running_stops_the_next_transaction);
	tcase_add_test(tc, a_cookie_set_back_does_not_hide_a_loaded_trigger);
	tcase_add_test(tc, own_temporary_objects_do_not_count);
	tcase_add_test(tc, migrated_and_fresh_databases_compare_equal);
	tcase_add_test(tc, the_check_costs_little);
	tcase_add_test(tc, a_store_without_sqlite_is_never_taken_as_pinned);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
