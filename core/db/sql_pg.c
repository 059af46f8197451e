/* The PostgreSQL driver (issue 14): not built yet. Every entry refuses, so a
 * postgresql:// store is refused with a clear message rather than half-used. */
#include "config.h"

#include <sqlite3.h> /* the result codes it answers with */
#include <stdio.h>

#include "sql_pg.h"

int fk_pg_connect(const char *conninfo, struct fk_pg **out, char *msg, size_t msglen)
{
	(void)conninfo;
	*out = NULL;
	if (msg && msglen)
		snprintf(msg, msglen, "this build has no PostgreSQL driver");
	return SQLITE_CANTOPEN;
}
void fk_pg_close(struct fk_pg *pg) { (void)pg; }
int fk_pg_exec(struct fk_pg *pg, const char *sql) { (void)pg; (void)sql; return SQLITE_MISUSE; }
const char *fk_pg_errmsg(struct fk_pg *pg) { (void)pg; return "no PostgreSQL driver"; }
int fk_pg_errcode(struct fk_pg *pg) { (void)pg; return SQLITE_MISUSE; }
int fk_pg_extended_errcode(struct fk_pg *pg) { (void)pg; return SQLITE_MISUSE; }
int fk_pg_changes(struct fk_pg *pg) { (void)pg; return 0; }
int64_t fk_pg_last_insert_rowid(struct fk_pg *pg) { (void)pg; return 0; }
int fk_pg_get_autocommit(struct fk_pg *pg) { (void)pg; return 1; }
int fk_pg_prepare(struct fk_pg *pg, const char *sql, unsigned flags, struct fk_pg_stmt **out)
{
	(void)pg; (void)sql; (void)flags;
	*out = NULL;
	return SQLITE_MISUSE;
}
void fk_pg_finalize(struct fk_pg_stmt *st) { (void)st; }
int fk_pg_step(struct fk_pg_stmt *st) { (void)st; return SQLITE_MISUSE; }
int fk_pg_reset(struct fk_pg_stmt *st) { (void)st; return SQLITE_MISUSE; }
int fk_pg_clear_bindings(struct fk_pg_stmt *st) { (void)st; return SQLITE_MISUSE; }
int fk_pg_bind_parameter_count(struct fk_pg_stmt *st) { (void)st; return 0; }
int fk_pg_bind_int64(struct fk_pg_stmt *st, int i, int64_t v) { (void)st; (void)i; (void)v; return SQLITE_MISUSE; }
int fk_pg_bind_text(struct fk_pg_stmt *st, int i, const char *s, int n) { (void)st; (void)i; (void)s; (void)n; return SQLITE_MISUSE; }
int fk_pg_bind_blob(struct fk_pg_stmt *st, int i, const void *p, int n) { (void)st; (void)i; (void)p; (void)n; return SQLITE_MISUSE; }
int fk_pg_bind_null(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return SQLITE_MISUSE; }
int fk_pg_column_count(struct fk_pg_stmt *st) { (void)st; return 0; }
const char *fk_pg_column_name(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return NULL; }
int fk_pg_column_type(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return SQLITE_NULL; }
int64_t fk_pg_column_int64(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return 0; }
const unsigned char *fk_pg_column_text(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return NULL; }
const void *fk_pg_column_blob(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return NULL; }
int fk_pg_column_bytes(struct fk_pg_stmt *st, int i) { (void)st; (void)i; return 0; }
