/* The pinned schema: the database's main schema must be exactly what the embedded migrations create (R-LOGSEAL, R-DETECT). */
#ifndef FK_SCHEMA_H
#define FK_SCHEMA_H

#include "sql.h"
#include <stddef.h>

#include "status.h"

#define FK_SCHEMA_MSG_MAX 384

typedef enum fk_schema_change {
	FK_SCHEMA_MISSING,    /* the migrations create it; the database lacks it */
	FK_SCHEMA_UNEXPECTED, /* the database has it; the migrations do not create it */
	FK_SCHEMA_CHANGED,    /* both have it, with another definition or table */
} fk_schema_change;

/* One difference. type, name and table are the database's text (the
 * migrations' for a missing object): anyone who wrote the file chose them,
 * so print them through the sanitiser. */
typedef struct fk_schema_diff {
	fk_schema_change change;
	const char *type;  /* table, index, trigger, view (or whatever was planted) */
	const char *name;
	const char *table; /* the table an index or trigger is on */
	char msg[FK_SCHEMA_MSG_MAX]; /* "unexpected trigger 'x' on audit_log" */
} fk_schema_diff;

/* Called for every difference; a non-zero return stops the comparison. */
typedef int (*fk_schema_diff_fn)(const fk_schema_diff *d, void *arg);

/* Compare every row of db's main.sqlite_schema (type, name, table and SQL
 * text) with what the embedded migrations create, calling fn (may be NULL)
 * for each difference; *ndiff (may be NULL) counts those reported. FK_OK
 * when the comparison ran, whatever it found. */
fk_status fk_schema_diff_each_lite(sqlite3 *db, fk_schema_diff_fn fn, void *arg, unsigned *ndiff,
				   fk_error *err);

/* FK_OK when db's main schema is exactly the migrations'; else FK_ERR_TAMPER
 * with "the database schema was altered: " and the first difference. */
fk_status fk_schema_check_lite(sqlite3 *db, fk_error *err);

/* The same over the store's handle (core/db/sql.h) or SQLite's own (the file being opened, a
 * test's second connection): the schema pinned is SQLite's, read through fk_sql_lite; a
 * PostgreSQL store is refused until its catalogue is compared (issue 14). */
fk_status fk_schema_diff_each_sql(fk_sql *db, fk_schema_diff_fn fn, void *arg, unsigned *ndiff,
				  fk_error *err);
fk_status fk_schema_check_sql(fk_sql *db, fk_error *err);
/* On PostgreSQL fk_schema_check_sql compares the catalogue only when a digest of its rows'
 * versions moved since the last comparison that found it exact (core/db/schema.c);
 * fk_schema_check_full always compares (at open). On SQLite both are fk_schema_check_lite. */
fk_status fk_schema_check_full(fk_sql *db, fk_error *err);
/* fk_schema_check_sql with the digest read through digest, a statement of
 * fk_schema_pg_digest_sql the caller keeps prepared (the per-transaction guard, core/db/ctx.c):
 * no prepare and deallocate round trips per transaction. */
extern const char fk_schema_pg_digest_sql[];
fk_status fk_schema_check_pg(fk_sql *db, fk_stmt *digest, fk_error *err);
#define fk_schema_diff_each(db, fn, arg, ndiff, err)                                                 \
	_Generic((db), sqlite3 *: fk_schema_diff_each_lite, default: fk_schema_diff_each_sql)((db), (fn), \
												 (arg), (ndiff), (err))
#define fk_schema_check(db, err) _Generic((db), sqlite3 *: fk_schema_check_lite, default: fk_schema_check_sql)((db), (err))

/* Build the expected schema (once per process: the migrations applied to an
 * in-memory database) and give its number of objects. Every call above does
 * this on first use; tests and benchmarks call it to measure the cost. */
fk_status fk_schema_expected(size_t *nobjects, fk_error *err);

/* The key folder where a PostgreSQL store's expected catalogue is remembered between
 * processes (its digest, so that an open need not build it again: core/db/schema.c); NULL or
 * never called: built at every process's first open. */
void fk_schema_pg_remember_in(const char *key_dir);

#endif
