/* The statement layer's dispatch (sql.h): SQLite's calls as they are, PostgreSQL's through
 * sql_pg.c. Nothing here knows SQL. */
#include "config.h"

#include <stdlib.h>

#include "sql.h"
#include "sql_pg.h"

fk_sql *fk_sql_wrap_lite(sqlite3 *lite)
{
	fk_sql *db = calloc(1, sizeof *db);
	if (!db) {
		sqlite3_close(lite);
		return NULL;
	}
	db->backend = FK_BACKEND_SQLITE;
	db->lite = lite;
	return db;
}

int fk_sql_connect_pg(const char *conninfo, fk_sql **out, char *msg, size_t msglen)
{
	*out = NULL;
	fk_sql *db = calloc(1, sizeof *db);
	if (!db)
		return SQLITE_NOMEM;
	db->backend = FK_BACKEND_PG;
	int rc = fk_pg_connect(conninfo, &db->pg, msg, msglen);
	if (rc != SQLITE_OK) {
		free(db);
		return rc;
	}
	*out = db;
	return SQLITE_OK;
}

int fk_sql_close(fk_sql *db)
{
	if (!db)
		return SQLITE_OK;
	int rc = SQLITE_OK;
	if (db->backend == FK_BACKEND_PG)
		fk_pg_close(db->pg);
	else
		rc = sqlite3_close(db->lite);
	free(db);
	return rc;
}

#define PG(db) ((db)->backend == FK_BACKEND_PG)

int fk_sql_exec(fk_sql *db, const char *sql)
{
	db->statements++;
	return PG(db) ? fk_pg_exec(db->pg, sql) : sqlite3_exec(db->lite, sql, NULL, NULL, NULL);
}
const char *fk_sql_errmsg(fk_sql *db) { return PG(db) ? fk_pg_errmsg(db->pg) : sqlite3_errmsg(db->lite); }
/* With extended result codes on (db.c turns them on), sqlite3_errcode gives the extended
 * code: the primary is its low byte. */
int fk_sql_errcode(fk_sql *db) { return PG(db) ? fk_pg_errcode(db->pg) : sqlite3_errcode(db->lite) & 0xff; }
int fk_sql_extended_errcode(fk_sql *db)
{
	return PG(db) ? fk_pg_extended_errcode(db->pg) : sqlite3_extended_errcode(db->lite);
}
int fk_sql_changes(fk_sql *db) { return PG(db) ? fk_pg_changes(db->pg) : sqlite3_changes(db->lite); }
int64_t fk_sql_last_insert_rowid(fk_sql *db)
{
	return PG(db) ? fk_pg_last_insert_rowid(db->pg) : sqlite3_last_insert_rowid(db->lite);
}
int fk_sql_get_autocommit(fk_sql *db)
{
	return PG(db) ? fk_pg_get_autocommit(db->pg) : sqlite3_get_autocommit(db->lite);
}

int fk_sql_pipeline_begin(fk_sql *db) { return PG(db) ? fk_pg_pipeline_begin(db->pg) : SQLITE_OK; }
int fk_sql_pipeline_end(fk_sql *db) { return PG(db) ? fk_pg_pipeline_end(db->pg) : SQLITE_OK; }

int fk_sql_prepare(fk_sql *db, const char *sql, unsigned flags, fk_stmt **out)
{
	*out = NULL;
	fk_stmt *st = calloc(1, sizeof *st);
	if (!st)
		return SQLITE_NOMEM;
	st->db = db;
	int rc = PG(db) ? fk_pg_prepare(db->pg, sql, flags, &st->pg)
			: sqlite3_prepare_v3(db->lite, sql, -1, flags & ~FK_SQL_LARGE, &st->lite, NULL);
	if (rc != SQLITE_OK || (!st->lite && !st->pg)) {
		/* SQLite gives no statement for empty text: nothing to run is a misuse here. */
		free(st);
		return rc != SQLITE_OK ? rc : SQLITE_MISUSE;
	}
	*out = st;
	return SQLITE_OK;
}

int fk_sql_finalize(fk_stmt *st)
{
	if (!st)
		return SQLITE_OK;
	int rc = SQLITE_OK;
	if (st->pg)
		fk_pg_finalize(st->pg);
	else
		rc = sqlite3_finalize(st->lite);
	free(st);
	return rc;
}

int fk_sql_step(fk_stmt *st)
{
	if (!st->running) {
		st->running = 1;
		st->db->statements++;
	}
	int rc = st->pg ? fk_pg_step(st->pg) : sqlite3_step(st->lite);
	if (rc != SQLITE_ROW)
		st->running = 0; /* done or failed: the next step runs it again (auto-reset) */
	return rc;
}
int fk_sql_reset(fk_stmt *st)
{
	st->running = 0;
	return st->pg ? fk_pg_reset(st->pg) : sqlite3_reset(st->lite);
}
int fk_sql_clear_bindings(fk_stmt *st)
{
	return st->pg ? fk_pg_clear_bindings(st->pg) : sqlite3_clear_bindings(st->lite);
}
int fk_sql_bind_parameter_count(fk_stmt *st)
{
	return st->pg ? fk_pg_bind_parameter_count(st->pg) : sqlite3_bind_parameter_count(st->lite);
}
int fk_sql_bind_int64(fk_stmt *st, int i, int64_t v)
{
	return st->pg ? fk_pg_bind_int64(st->pg, i, v) : sqlite3_bind_int64(st->lite, i, v);
}
int fk_sql_bind_int(fk_stmt *st, int i, int v)
{
	return st->pg ? fk_pg_bind_int64(st->pg, i, v) : sqlite3_bind_int(st->lite, i, v);
}
/* PostgreSQL's binding copies the value at once: a destructor the caller passed (SQLite's
 * contract: the value is handed over, and freed by the binding even when it fails) is
 * called here, as SQLite would, or the value would leak. */
static int pg_handed_over(int rc, const void *p, void (*destructor)(void *))
{
	if (destructor != SQLITE_STATIC && destructor != SQLITE_TRANSIENT)
		destructor((void *)p);
	return rc;
}
int fk_sql_bind_text(fk_stmt *st, int i, const char *s, int n, void (*destructor)(void *))
{
	return st->pg ? pg_handed_over(fk_pg_bind_text(st->pg, i, s, n), s, destructor)
		      : sqlite3_bind_text(st->lite, i, s, n, destructor);
}
int fk_sql_bind_blob(fk_stmt *st, int i, const void *p, int n, void (*destructor)(void *))
{
	return st->pg ? pg_handed_over(fk_pg_bind_blob(st->pg, i, p, n), p, destructor)
		      : sqlite3_bind_blob(st->lite, i, p, n, destructor);
}
void fk_sql_bind_ids(fk_stmt *st, const int64_t *ids, int n)
{
	for (int j = 0; j < FK_SQL_IN_MAX; j++)
		if (j < n)
			fk_sql_bind_int64(st, j + 1, ids[j]);
		else
			fk_sql_bind_null(st, j + 1);
}
int fk_sql_bind_null(fk_stmt *st, int i)
{
	return st->pg ? fk_pg_bind_null(st->pg, i) : sqlite3_bind_null(st->lite, i);
}
int fk_sql_column_count(fk_stmt *st)
{
	return st->pg ? fk_pg_column_count(st->pg) : sqlite3_column_count(st->lite);
}
const char *fk_sql_column_name(fk_stmt *st, int i)
{
	return st->pg ? fk_pg_column_name(st->pg, i) : sqlite3_column_name(st->lite, i);
}
int fk_sql_column_type(fk_stmt *st, int i)
{
	return st->pg ? fk_pg_column_type(st->pg, i) : sqlite3_column_type(st->lite, i);
}
int64_t fk_sql_column_int64(fk_stmt *st, int i)
{
	return st->pg ? fk_pg_column_int64(st->pg, i) : sqlite3_column_int64(st->lite, i);
}
int fk_sql_column_int(fk_stmt *st, int i)
{
	return st->pg ? (int)fk_pg_column_int64(st->pg, i) : sqlite3_column_int(st->lite, i);
}
const unsigned char *fk_sql_column_text(fk_stmt *st, int i)
{
	return st->pg ? fk_pg_column_text(st->pg, i) : sqlite3_column_text(st->lite, i);
}
const void *fk_sql_column_blob(fk_stmt *st, int i)
{
	if (st->pg)
		return fk_pg_column_blob(st->pg, i);
	/* SQLite gives NULL for an empty blob; sql.h promises a pointer for every non-NULL value. */
	int type = sqlite3_column_type(st->lite, i);
	const void *p = sqlite3_column_blob(st->lite, i);
	return p || type == SQLITE_NULL ? p : "";
}
int fk_sql_column_bytes(fk_stmt *st, int i)
{
	return st->pg ? fk_pg_column_bytes(st->pg, i) : sqlite3_column_bytes(st->lite, i);
}
