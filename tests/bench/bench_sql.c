/* Benchmark: the statement layer's costs on each backend (issue 14): one round trip
 * (SELECT 1), one committed single-row insert, and opening a connection, as median and p99.
 * PostgreSQL when FK_PG_CONNINFO is set (tests/bench/bench_sql.sh starts a throwaway TLS 1.3
 * cluster on loopback), else SQLite in a file with the store's settings (WAL,
 * synchronous=FULL). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sql.h"

#define ROUND_TRIPS 2000
#define INSERTS 500
#define CONNECTS 30

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *backend, const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	int p99 = (int)((double)n * 0.99);
	if (p99 >= n)
		p99 = n - 1;
	printf("%-10s %-28s median %9.4f ms  p99 %9.4f ms  (n=%d)\n", backend, what, v[n / 2], v[p99], n);
}

static char lite_path[64];

static int open_db(fk_sql **db, char *msg, size_t len)
{
	const char *pg = getenv("FK_PG_CONNINFO");
	if (pg && *pg)
		return fk_sql_connect_pg(pg, db, msg, len);
	sqlite3 *lite;
	int rc = sqlite3_open_v2(lite_path, &lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(msg, len, "%s", sqlite3_errstr(rc));
		sqlite3_close(lite);
		return rc;
	}
	*db = fk_sql_wrap_lite(lite);
	if (!*db)
		return SQLITE_NOMEM;
	/* the store's settings (core/db/db.c) */
	rc = fk_sql_exec(*db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
	if (rc != SQLITE_OK)
		snprintf(msg, len, "%s", fk_sql_errmsg(*db));
	return rc;
}

static int fail(fk_sql *db, const char *what)
{
	fprintf(stderr, "bench_sql: %s: %s\n", what, db ? fk_sql_errmsg(db) : "");
	return 1;
}

int main(void)
{
	static double v[ROUND_TRIPS];
	char tmpl[] = "/tmp/fkbench.XXXXXX", msg[512];
	char *path = lite_path;
	if (!mkdtemp(tmpl))
		return 1;
	snprintf(lite_path, sizeof lite_path, "%s/bench.db", tmpl);
	const char *pgc = getenv("FK_PG_CONNINFO");
	const char *name = pgc && *pgc ? "postgresql" : "sqlite";

	fk_sql *db = NULL;
	for (int i = 0; i < CONNECTS; i++) {
		double t0 = now_ms();
		if (open_db(&db, msg, sizeof msg) != SQLITE_OK) {
			fprintf(stderr, "bench_sql: connect: %s\n", msg);
			return 1;
		}
		v[i] = now_ms() - t0;
		if (i + 1 < CONNECTS)
			fk_sql_close(db);
	}
	report(name, "connect", v, CONNECTS);

	fk_stmt *one;
	if (fk_sql_prepare(db, "SELECT 1", 0, &one) != SQLITE_OK)
		return fail(db, "prepare");
	for (int i = 0; i < ROUND_TRIPS; i++) {
		double t0 = now_ms();
		if (fk_sql_step(one) != SQLITE_ROW || fk_sql_column_int(one, 0) != 1)
			return fail(db, "SELECT 1");
		fk_sql_reset(one);
		v[i] = now_ms() - t0;
	}
	fk_sql_finalize(one);
	report(name, "round trip (SELECT 1)", v, ROUND_TRIPS);

	if (fk_sql_exec(db, "DROP TABLE IF EXISTS bench_ins") != SQLITE_OK ||
	    fk_sql_exec(db, "CREATE TABLE bench_ins (k BIGINT PRIMARY KEY, v TEXT)") != SQLITE_OK)
		return fail(db, "create");
	fk_stmt *ins;
	if (fk_sql_prepare(db, "INSERT INTO bench_ins (k, v) VALUES (?, ?)", 0, &ins) != SQLITE_OK)
		return fail(db, "prepare");
	for (int i = 0; i < INSERTS; i++) {
		double t0 = now_ms();
		fk_sql_bind_int64(ins, 1, i);
		fk_sql_bind_text(ins, 2, "山田 花子 東京都千代田区", -1, SQLITE_STATIC);
		if (fk_sql_step(ins) != SQLITE_DONE)
			return fail(db, "insert");
		fk_sql_reset(ins);
		v[i] = now_ms() - t0;
	}
	fk_sql_finalize(ins);
	report(name, "committed single-row insert", v, INSERTS);
	fk_sql_exec(db, "DROP TABLE bench_ins");
	fk_sql_close(db);
	unlink(path);
	snprintf(msg, sizeof msg, "%s-wal", path);
	unlink(msg);
	snprintf(msg, sizeof msg, "%s-shm", path);
	unlink(msg);
	rmdir(tmpl);
	return 0;
}
