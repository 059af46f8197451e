/* The store (an SQLite file or a PostgreSQL database): opening, schema migrations, transactions. */
#ifndef FK_DB_H
#define FK_DB_H

#include "sql.h"

#include "dberr.h" /* fk_db_fail: every user of the database reports through it */
#include "status.h"

/* The schema version this program writes (the last migration). */
unsigned fk_db_schema_version(void);

/* FK_DB_UNPINNED: skip the pinned-schema check, for the commands that
 * report the differences themselves (core/db/schema.h). */
enum { FK_DB_OPEN = 0, FK_DB_CREATE = 1, FK_DB_UNPINNED = 2, FK_DB_READONLY = 4, FK_DB_MIGRATE = 8,
       FK_DB_PENDING = 16 };
/* Pending migrations (docs/deployment.md, "Upgrades"): a store whose meta says it is a
 * production terminal's is refused with FK_ERR_SCHEMA, naming 'fukuhonctl migrate', unless
 * FK_DB_MIGRATE (that command) is given; a test or demo terminal's, or a store with no terminal
 * yet, is migrated at open as before. FK_DB_PENDING: opened as it is, nothing migrated, the
 * schema not pinned (fukuhonctl migrate reads the version and lists what is pending). */
/* FK_DB_READONLY: a copy (a backup, core/admin/backup.h) read as it is, never written:
 * opened immutable (no locks, no journal, no -wal or -shm beside it), no journal mode set
 * and no migration run; its schema must be this program's (fk_schema_check). */

/* Open path (creating it 0600 with FK_DB_CREATE, refusing a missing file
 * otherwise), set WAL, foreign_keys, a busy wait (5 s, trying every ms), secure_delete and full
 * synchronous writes, and apply any pending migration. A database written by
 * a newer program (user_version above ours) is refused with FK_ERR_SCHEMA;
 * a file that is not a database with FK_ERR_CORRUPT; one whose schema is not
 * exactly what the migrations create with FK_ERR_TAMPER (fk_schema_check). */
fk_status fk_db_open(const char *path, int flags, fk_sql **out, fk_error *err);

/* The store's schema version as recorded (SQLite's user_version, PostgreSQL's
 * fk_schema_version; 0 for a store without one). */
fk_status fk_db_store_version(fk_sql *db, unsigned *v, fk_error *err);

/* BEGIN IMMEDIATE: every write takes the write lock up front, so two
 * terminals never deadlock half-way through a transaction. On PostgreSQL BEGIN and the
 * store's advisory write lock (db.c says why). */
fk_status fk_db_begin(fk_sql *db, fk_error *err);
fk_status fk_db_commit(fk_sql *db, fk_error *err);
void fk_db_rollback(fk_sql *db);
/* A read-only transaction that sees one moment of the store until fk_db_rollback, without the
 * write lock: SQLite's WAL reader (writers go on meanwhile), PostgreSQL's REPEATABLE READ. */
fk_status fk_db_begin_snapshot(fk_sql *db, fk_error *err);

/* PostgreSQL has no PRAGMA data_version (SQLite's count of the commits of other connections):
 * a value that differs at every call, so that what is skipped while nobody else wrote is
 * always done again there. */
int64_t fk_db_pg_data_version(void);

#endif
