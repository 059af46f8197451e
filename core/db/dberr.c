/* SQLite's result codes as the core's statuses, each with one line saying what failed. */
#include "config.h"

#include "dberr.h"

static fk_status fail(const char *msg, int rc, fk_error *err, const char *what);

fk_status fk_db_fail_msg(fk_sql *db, int rc, fk_error *err, const char *what)
{
	return fail(db ? fk_sql_errmsg(db) : sqlite3_errstr(rc), rc, err, what);
}

fk_status fk_db_fail_lite_msg(sqlite3 *db, int rc, fk_error *err, const char *what)
{
	return fail(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc, err, what);
}

static fk_status fail(const char *msg, int rc, fk_error *err, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return fk_fail(err, FK_ERR_FULL, "%s: the disk is full (%s)", what, msg);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return fk_fail(err, FK_ERR_BUSY, "%s: the database is locked by another process; try again", what);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return fk_fail(err, FK_ERR_CORRUPT, "%s: the database file is damaged or not a fukuhon database (%s)",
			       what, msg);
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return fk_fail(err, FK_ERR_EXISTS, "%s: already exists", what);
		return fk_fail(err, FK_ERR_INVALID, "%s: %s", what, msg);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return fk_fail(err, FK_ERR_IO, "%s: %s", what, msg);
	default:
		return fk_fail(err, FK_ERR_DB, "%s: %s", what, msg);
	}
}
