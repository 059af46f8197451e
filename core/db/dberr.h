/* SQLite's result codes as the core's statuses (below the database's opening, its pinned
 * schema and its context, which all report SQLite's failures through it). */
#ifndef FK_DBERR_H
#define FK_DBERR_H

#include "sql.h"

#include "status.h"

/* Map a result code (SQLite's vocabulary, whichever backend: core/db/sql.h) to a status with
 * a message ("what: reason"). SQLITE_FULL → FK_ERR_FULL, BUSY/LOCKED → FK_ERR_BUSY,
 * CORRUPT/NOTADB → FK_ERR_CORRUPT, CONSTRAINT → FK_ERR_EXISTS or FK_ERR_INVALID, else
 * FK_ERR_DB. db is the store's fk_sql * (or NULL); the few SQLite-only places
 * (build-aux/sql-port.sh lists them) pass their own sqlite3 *, so that both report alike. */
#define fk_db_fail(db, rc, err, what)                                                              \
	fk_failed(_Generic((db), sqlite3 *: fk_db_fail_lite_msg, default: fk_db_fail_msg)((db), (rc), \
											  (err), (what)))
fk_status fk_db_fail_msg(fk_sql *db, int rc, fk_error *err, const char *what);
fk_status fk_db_fail_lite_msg(sqlite3 *db, int rc, fk_error *err, const char *what);

#endif
