/* The PostgreSQL driver behind core/db/sql.h: sql.c dispatches to these when a connection or
 * statement is PostgreSQL's. Same meanings and result codes as the fk_sql_ functions. */
#ifndef FK_SQL_PG_H
#define FK_SQL_PG_H

#include <stddef.h>
#include <stdint.h>

/* fk_sql_prepare's flag for a statement whose result may be large, and the rows a cursor
 * fetches at a time (core/db/sql.h says what they do). */
#define FK_SQL_LARGE 0x10000u
#define FK_SQL_BATCH 1000

/* Not sql.h: sql.c includes this header, and units of a folder include each other one way
 * only (tests/layering.sh). */
struct fk_pg;
struct fk_pg_stmt;

int fk_pg_connect(const char *conninfo, struct fk_pg **out, char *msg, size_t msglen);
void fk_pg_close(struct fk_pg *pg);
int fk_pg_exec(struct fk_pg *pg, const char *sql);
const char *fk_pg_errmsg(struct fk_pg *pg);
int fk_pg_errcode(struct fk_pg *pg);
int fk_pg_extended_errcode(struct fk_pg *pg);
int fk_pg_changes(struct fk_pg *pg);
int64_t fk_pg_last_insert_rowid(struct fk_pg *pg);
int fk_pg_get_autocommit(struct fk_pg *pg);

int fk_pg_pipeline_begin(struct fk_pg *pg);
int fk_pg_pipeline_end(struct fk_pg *pg);

int fk_pg_prepare(struct fk_pg *pg, const char *sql, unsigned flags, struct fk_pg_stmt **out);
void fk_pg_finalize(struct fk_pg_stmt *st);
int fk_pg_step(struct fk_pg_stmt *st);
int fk_pg_reset(struct fk_pg_stmt *st);
int fk_pg_clear_bindings(struct fk_pg_stmt *st);
int fk_pg_bind_parameter_count(struct fk_pg_stmt *st);
int fk_pg_bind_int64(struct fk_pg_stmt *st, int i, int64_t v);
int fk_pg_bind_text(struct fk_pg_stmt *st, int i, const char *s, int n);
int fk_pg_bind_blob(struct fk_pg_stmt *st, int i, const void *p, int n);
int fk_pg_bind_null(struct fk_pg_stmt *st, int i);
int fk_pg_column_count(struct fk_pg_stmt *st);
const char *fk_pg_column_name(struct fk_pg_stmt *st, int i);
int fk_pg_column_type(struct fk_pg_stmt *st, int i);
int64_t fk_pg_column_int64(struct fk_pg_stmt *st, int i);
const unsigned char *fk_pg_column_text(struct fk_pg_stmt *st, int i);
const void *fk_pg_column_blob(struct fk_pg_stmt *st, int i);
int fk_pg_column_bytes(struct fk_pg_stmt *st, int i);

#endif
