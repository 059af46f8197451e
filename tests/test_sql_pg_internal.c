/* The PostgreSQL driver's pipelines from the inside (static functions and the session's
 * state, so the source is included): what happens when a run's answers cannot be read to its
 * end, a state libpq's own error paths leave (a read or write that failed while the link still
 * says "OK") and no test can bring about from outside. Run by tests/sql_pg.sh on its cluster
 * (FK_PG_CONNINFO); skipped (77) without one. Issue 14; R-BATCH-ATOMIC. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql_pg.c"

static struct fk_pg *open_pg(void)
{
	struct fk_pg *pg = NULL;
	char msg[512];
	int rc = fk_pg_connect(getenv("FK_PG_CONNINFO"), &pg, msg, sizeof msg);
	ck_assert_msg(rc == SQLITE_OK, "connect: %d %s", rc, msg);
	return pg;
}

static void exec_ok(struct fk_pg *pg, const char *sql)
{
	int rc = fk_pg_exec(pg, sql);
	ck_assert_msg(rc == SQLITE_OK, "%s: %d %s", sql, rc, fk_pg_errmsg(pg));
}

static long rows(struct fk_pg *pg)
{
	struct fk_pg_stmt *st = NULL;
	ck_assert_int_eq(fk_pg_prepare(pg, "SELECT count(*) FROM t_unsure", 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_pg_step(st), SQLITE_ROW);
	long n = (long)fk_pg_column_int64(st, 0);
	fk_pg_finalize(st);
	return n;
}

static int64_t pid_of(struct fk_pg *pg)
{
	struct fk_pg_stmt *st = NULL;
	ck_assert_int_eq(fk_pg_prepare(pg, "SELECT pg_backend_pid()", 0, &st), SQLITE_OK);
	ck_assert_int_eq(fk_pg_step(st), SQLITE_ROW);
	int64_t pid = fk_pg_column_int64(st, 0);
	fk_pg_finalize(st);
	return pid;
}

/* An empty table, BEGIN, a run of three INSERTs (not read yet); the INSERT statement for the
 * caller to finalize. */
static struct fk_pg_stmt *run_of_three(struct fk_pg *pg)
{
	exec_ok(pg, "CREATE TABLE IF NOT EXISTS t_unsure (k bigint PRIMARY KEY)");
	exec_ok(pg, "DELETE FROM t_unsure");
	struct fk_pg_stmt *ins = NULL;
	ck_assert_int_eq(fk_pg_prepare(pg, "INSERT INTO t_unsure (k) VALUES (?)", 0, &ins), SQLITE_OK);
	exec_ok(pg, "BEGIN");
	ck_assert_int_eq(fk_pg_pipeline_begin(pg), SQLITE_OK);
	for (int k = 1; k <= 3; k++) {
		ck_assert_int_eq(fk_pg_bind_int64(ins, 1, k), SQLITE_OK);
		ck_assert_int_eq(fk_pg_step(ins), SQLITE_DONE);
		fk_pg_reset(ins);
	}
	return ins;
}

/* After an unsure run: everything but ROLLBACK fails (a COMMIT too), the ROLLBACK reconnects
 * (a new session: the old one is never used again), and nothing of the run was committed. */
static void unsure_until_rollback(struct fk_pg *pg, struct fk_pg_stmt *ins, int64_t pid)
{
	ck_assert(pg->unsure && pg->lost_in_tx && pg->run_failed);
	ck_assert_int_eq(fk_pg_get_autocommit(pg), 0);
	ck_assert_int_eq(fk_pg_exec(pg, "COMMIT"), SQLITE_IOERR);
	ck_assert_int_eq(fk_pg_bind_int64(ins, 1, 9), SQLITE_OK);
	ck_assert_int_eq(fk_pg_step(ins), SQLITE_IOERR);
	fk_pg_reset(ins);
	exec_ok(pg, "ROLLBACK");
	ck_assert(!pg->unsure && !pg->lost_in_tx && !pg->run_failed);
	ck_assert_int_eq(fk_pg_get_autocommit(pg), 1);
	ck_assert_msg(pid_of(pg) != pid, "the unsure session was used again");
	ck_assert_int_eq(rows(pg), 0);
	/* and the new session works: the statement is prepared again there */
	ck_assert_int_eq(fk_pg_bind_int64(ins, 1, 42), SQLITE_OK);
	ck_assert_int_eq(fk_pg_step(ins), SQLITE_DONE);
	fk_pg_reset(ins);
	ck_assert_int_eq(rows(pg), 1);
	exec_ok(pg, "DELETE FROM t_unsure");
}

/* The Sync's answer read already (as when libpq gave up on the queue): reading on finds two
 * NULLs in a row. Without the guard pipe_read would spin here until the case's timeout. */
START_TEST(answers_that_end_before_the_sync_leave_the_session_unsure)
{
	struct fk_pg *pg = open_pg();
	int64_t pid = pid_of(pg);
	struct fk_pg_stmt *ins = run_of_three(pg);
	ck_assert(PQpipelineSync(pg->conn));
	for (;;) { /* every answer, up to and with the Sync's, read here */
		PGresult *r = PQgetResult(pg->conn);
		if (r && PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		ck_assert(!r || PQresultStatus(r) == PGRES_COMMAND_OK);
		PQclear(r);
	}
	pipe_read(pg);
	pg->queued = 0; /* as pipe_collect, whose read this was */
	ck_assert_int_eq(pg->pipe_rc, SQLITE_IOERR);
	ck_assert_int_eq(fk_pg_pipeline_end(pg), SQLITE_IOERR);
	ck_assert_msg(strstr(fk_pg_errmsg(pg), "ended before its end"), "%s", fk_pg_errmsg(pg));
	unsure_until_rollback(pg, ins, pid);
	fk_pg_finalize(ins);
	fk_pg_close(pg);
}
END_TEST

/* Answers left unread when the run ends (a count of them gone wrong): pipeline mode cannot be
 * left, and the session is not used again. */
START_TEST(a_pipeline_that_cannot_be_left_leaves_the_session_unsure)
{
	struct fk_pg *pg = open_pg();
	int64_t pid = pid_of(pg);
	struct fk_pg_stmt *ins = run_of_three(pg);
	ck_assert_int_eq(PQflush(pg->conn), 0); /* the three INSERTs are on the server */
	pg->queued = 0; /* pipe_finish reads nothing: three answers stay unread */
	ck_assert_int_eq(fk_pg_pipeline_end(pg), SQLITE_IOERR);
	unsure_until_rollback(pg, ins, pid);
	fk_pg_finalize(ins);
	fk_pg_close(pg);
}
END_TEST

/* What the driver takes for a ROLLBACK that leaves no transaction open (answered by the
 * driver itself after a lost link, and the end of a failed run's refusal). */
START_TEST(what_is_a_rollback)
{
	static const struct {
		const char *sql;
		int is;
	} cases[] = {
		{"ROLLBACK", 1}, {"  rollback;", 1}, {"ABORT", 1}, {"ROLLBACK WORK", 1},
		{"ROLLBACK TRANSACTION", 1}, {"ROLLBACK AND NO CHAIN", 1}, {"abort work and no chain", 1},
		{"ROLLBACK TO SAVEPOINT s", 0}, {"ROLLBACK TO s", 0}, {"ROLLBACK WORK TO SAVEPOINT s", 0},
		{"ROLLBACK TRANSACTION TO s", 0}, {"ROLLBACK PREPARED 'x'", 0}, {"ROLLBACK AND CHAIN", 0},
		{"ABORT TRANSACTION AND CHAIN", 0}, {"ROLLBACKS", 0}, {"COMMIT", 0}, {"SELECT 1", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(is_rollback(cases[i].sql) == cases[i].is, "%s", cases[i].sql);
}
END_TEST

int main(void)
{
	if (!getenv("FK_PG_CONNINFO") || !*getenv("FK_PG_CONNINFO")) {
		printf("no PostgreSQL cluster (FK_PG_CONNINFO): skipped; tests/sql_pg.sh runs this\n");
		return 77;
	}
	Suite *s = suite_create("sql_pg_internal");
	TCase *tc = tcase_create("postgresql");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, answers_that_end_before_the_sync_leave_the_session_unsure);
	tcase_add_test(tc, a_pipeline_that_cannot_be_left_leaves_the_session_unsure);
	tcase_add_test(tc, what_is_a_rollback);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
