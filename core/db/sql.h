/* The store's statements over either backend: SQLite (the embedded default, one file) or
 * PostgreSQL (a store shared by several terminals, core/db/sql_pg.c, issue 14).
 *
 * One thin layer, shaped like SQLite's own API so that every query in core is written once:
 * prepare, bind, step, read columns, reset. The differences between the backends live here
 * and in the two drivers, nowhere else:
 *   - placeholders: queries are written with SQLite's `?` and `?NNN`; the PostgreSQL driver
 *     rewrites them to `$N` once, at prepare;
 *   - result codes: the vocabulary is SQLite's (SQLITE_OK, SQLITE_ROW, SQLITE_DONE,
 *     SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY, SQLITE_FULL, …) so that core/db/dberr.c maps both
 *     backends' failures to statuses in one place; the PostgreSQL driver maps SQLSTATEs onto
 *     them (23505 → SQLITE_CONSTRAINT_UNIQUE, 40001/40P01/55P03 → SQLITE_BUSY, 53100 →
 *     SQLITE_FULL, 08xxx → SQLITE_IOERR, …);
 *   - types: integers are 64-bit, text is UTF-8, blobs are bytes (bytea); a column's type is
 *     reported as SQLITE_INTEGER / SQLITE_TEXT / SQLITE_BLOB / SQLITE_NULL;
 *   - transactions: fk_db_begin (core/db/db.c) takes the write lock up front on both (BEGIN
 *     IMMEDIATE; on PostgreSQL BEGIN, READ COMMITTED, plus the store's advisory write lock),
 *     so two terminals never deadlock half-way;
 *   - what only SQLite has (the online backup API, PRAGMAs, the schema cookie) is reached
 *     through fk_sql_lite() by the few places that need it, each of which says what it does
 *     on PostgreSQL.
 * A statement belongs to its connection and to one thread. */
#ifndef FK_SQL_H
#define FK_SQL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "sql_pg.h"

typedef enum fk_backend {
	FK_BACKEND_SQLITE = 0,
	FK_BACKEND_PG = 1,
} fk_backend;

struct fk_pg;      /* sql_pg.c: a PostgreSQL connection */
struct fk_pg_stmt; /* sql_pg.c: a prepared statement and its current result */

/* A connection to the store. */
typedef struct fk_sql {
	fk_backend backend;
	sqlite3 *lite;      /* FK_BACKEND_SQLITE */
	struct fk_pg *pg;   /* FK_BACKEND_PG */
	/* Statements run on this connection (fk_sql_exec calls and statement executions, not
	 * their rows): on PostgreSQL each is at least one round trip, so a screen's count says
	 * whether it reads a page in a handful of statements or one per row (issue 14). Always
	 * on, as it costs one increment; read with fk_sql_statements. */
	uint64_t statements;
} fk_sql;

/* A prepared statement. */
typedef struct fk_stmt {
	fk_sql *db;
	sqlite3_stmt *lite;
	struct fk_pg_stmt *pg;
	int running; /* stepped since the last reset or the end of its rows: counted once */
} fk_stmt;

/* ---- connections ---- */

/* Wrap an open SQLite handle (owned by the result from now on; fk_sql_close closes it).
 * NULL when out of memory (the handle is then closed). */
fk_sql *fk_sql_wrap_lite(sqlite3 *lite);
/* Connect to PostgreSQL with a libpq connection string or URI (postgresql://…): see
 * sql_pg.c for what it requires (TLS verify-full, a client certificate, a connect
 * timeout). On failure *out is NULL, the return is not SQLITE_OK, and msg (when not NULL)
 * holds libpq's reason. */
int fk_sql_connect_pg(const char *conninfo, fk_sql **out, char *msg, size_t msglen);
int fk_sql_close(fk_sql *db); /* NULL is fine */
/* The SQLite handle, for what only SQLite has; NULL on PostgreSQL. */
static inline sqlite3 *fk_sql_lite(fk_sql *db) { return db && db->backend == FK_BACKEND_SQLITE ? db->lite : NULL; }
static inline int fk_sql_is_pg(const fk_sql *db) { return db && db->backend == FK_BACKEND_PG; }
/* Statements run on db so far (see fk_sql.statements); a caller measures a stretch by the
 * difference. */
static inline uint64_t fk_sql_statements(const fk_sql *db) { return db ? db->statements : 0; }

/* Run fixed SQL text without results (DDL, BEGIN, COMMIT): one or several statements. */
int fk_sql_exec(fk_sql *db, const char *sql);
const char *fk_sql_errmsg(fk_sql *db);
int fk_sql_errcode(fk_sql *db);          /* the primary code of the last failure */
int fk_sql_extended_errcode(fk_sql *db); /* the extended code of the last failure */
int fk_sql_changes(fk_sql *db);          /* rows changed by the last INSERT/UPDATE/DELETE */
int64_t fk_sql_last_insert_rowid(fk_sql *db);
int fk_sql_get_autocommit(fk_sql *db); /* 1 outside a transaction */

/* Writes sent without waiting for each answer: between begin and end, inside a
 * transaction, only prepared INSERTs, UPDATEs and DELETEs without RETURNING are stepped; each
 * step answers SQLITE_DONE at once (or the run's first failure, once known), and end gives
 * the run's outcome: its first failure. After a failure the caller rolls the transaction
 * back: statements of the run sent before the failure may stand in it until then, and on
 * PostgreSQL every statement but ROLLBACK (a COMMIT too) fails with the run's failure.
 * fk_sql_changes is not known meanwhile. On PostgreSQL this is one round trip for the run
 * instead of one a statement (libpq's pipeline mode; sql_pg.c); on SQLite, where a statement
 * costs no round trip, both are no-ops and every step runs as usual, its failure its own, as
 * outside a run. End must be called once begin succeeded, whatever happens (a ROLLBACK ends
 * it too, dropping its outcome). */
int fk_sql_pipeline_begin(fk_sql *db);
int fk_sql_pipeline_end(fk_sql *db);

/* ---- statements ---- */

/* flags: 0, SQLITE_PREPARE_PERSISTENT (a statement kept for the connection's life), and
 * FK_SQL_LARGE for a statement whose result may be large (a scan of every register, export,
 * re-indexing, disposal): on PostgreSQL its rows come through a server-side cursor, FK_SQL_BATCH
 * at a time, so the terminal's memory stays bounded whatever the result's size (sql_pg.c);
 * SQLite steps row by row anyway. Other statements may run between its steps, as on SQLite. */
/* FK_SQL_LARGE and FK_SQL_BATCH are defined in sql_pg.h, which the driver includes alone. */

/* A page's rows by id in one statement (`id IN (` FK_SQL_IN32 `)`), the same text on both
 * backends: FK_SQL_IN_MAX values bound, those not needed bound NULL (which matches nothing).
 * On PostgreSQL a statement per row is a round trip per row (issue 14). */
#define FK_SQL_IN_MAX 32
/* Bind ids[0..n) (n <= FK_SQL_IN_MAX) to ?1..?n and NULL to the rest of FK_SQL_IN32. */
void fk_sql_bind_ids(fk_stmt *st, const int64_t *ids, int n);
#define FK_SQL_IN32                                                                               \
	"?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"                                 \
	"?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32"

int fk_sql_prepare(fk_sql *db, const char *sql, unsigned flags, fk_stmt **out);
int fk_sql_finalize(fk_stmt *st); /* NULL is fine */
int fk_sql_step(fk_stmt *st);     /* SQLITE_ROW, SQLITE_DONE or a failure */
int fk_sql_reset(fk_stmt *st);
int fk_sql_clear_bindings(fk_stmt *st);
int fk_sql_bind_parameter_count(fk_stmt *st);
/* Every bound value is copied by the PostgreSQL driver; with SQLite the destructor has
 * SQLite's meaning (SQLITE_STATIC, SQLITE_TRANSIENT). */
int fk_sql_bind_int64(fk_stmt *st, int i, int64_t v);
int fk_sql_bind_int(fk_stmt *st, int i, int v);
int fk_sql_bind_text(fk_stmt *st, int i, const char *s, int n, void (*destructor)(void *));
int fk_sql_bind_blob(fk_stmt *st, int i, const void *p, int n, void (*destructor)(void *));
int fk_sql_bind_null(fk_stmt *st, int i);
int fk_sql_column_count(fk_stmt *st);
const char *fk_sql_column_name(fk_stmt *st, int i);
int fk_sql_column_type(fk_stmt *st, int i);
int64_t fk_sql_column_int64(fk_stmt *st, int i);
int fk_sql_column_int(fk_stmt *st, int i);
/* Valid until the next step, reset or finalize of st; never NULL for a non-NULL value.
 * column_bytes after column_text or column_blob, as with SQLite. */
const unsigned char *fk_sql_column_text(fk_stmt *st, int i);
const void *fk_sql_column_blob(fk_stmt *st, int i);
int fk_sql_column_bytes(fk_stmt *st, int i);

#endif
