/* The store: an SQLite file opened with safe settings, or a PostgreSQL database (issue 14);
 * schema migrations, transactions and the write lock on both. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "migrations.h"
#include "pgprivs.h"
#include "conf.h"
#include "schema.h"
#include "util.h"

#define BUSY_TIMEOUT_MS 5000

unsigned fk_db_schema_version(void)
{
	return fk_migration_count ? fk_migrations[fk_migration_count - 1].version : 0;
}

static fk_status exec(fk_sql *db, const char *sql, fk_error *err, const char *what)
{
	int rc = fk_sql_exec(db, sql);
	return rc == SQLITE_OK ? FK_OK : fk_db_fail(db, fk_sql_extended_errcode(db), err, what);
}

/* The store's write lock on PostgreSQL: one transaction-level advisory lock whose key is
 * "fukuhon" in ASCII, taken by every write transaction and by the migration runner, so that
 * writers run one at a time as SQLite's BEGIN IMMEDIATE makes them. Why a lock and not
 * SERIALIZABLE: core's transactions read, then write what they read (the history chain's head,
 * lockout counts, counters, keys made as max + 1 by the twins' fk_rowid) assuming no other
 * writer in between; SERIALIZABLE would catch the conflicts, but then every caller would have
 * to retry its whole transaction on SQLSTATE 40001, a larger change. The isolation stays READ
 * COMMITTED on purpose: each statement takes its snapshot after the lock is held, so the
 * transaction reads all that the previous writer committed (REPEATABLE READ would take it at
 * the lock's own statement, before the wait, and read stale rows). The wait is bounded by the
 * session's lock_timeout (5 s, sql_pg.c), as SQLite's busy wait is. Readers take no lock. */
#define PG_WRITE_LOCK "SELECT pg_advisory_xact_lock(28839552016215918)"

fk_status fk_db_begin(fk_sql *db, fk_error *err)
{
	if (!fk_sql_is_pg(db))
		return exec(db, "BEGIN IMMEDIATE", err, "starting a transaction");
	/* One round trip; the lock failing (lock_timeout) leaves an aborted transaction behind. */
	fk_status st = exec(db, "BEGIN; " PG_WRITE_LOCK, err, "taking the store's write lock");
	if (st != FK_OK)
		fk_db_rollback(db);
	return st;
}

fk_status fk_db_begin_snapshot(fk_sql *db, fk_error *err)
{
	/* SQLite takes its snapshot at the first read, not at BEGIN: read at once, so that the
	 * moment is the caller's. PostgreSQL takes it at the first statement after BEGIN. */
	fk_status st = exec(db, fk_sql_is_pg(db) ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1"
						 : "BEGIN DEFERRED; SELECT count(*) FROM sqlite_schema",
			    err, "starting a read snapshot");
	if (st != FK_OK)
		fk_db_rollback(db);
	return st;
}

fk_status fk_db_commit(fk_sql *db, fk_error *err)
{
	fk_status st = exec(db, "COMMIT", err, "committing");
	if (st != FK_OK)
		fk_db_rollback(db);
	return st;
}

void fk_db_rollback(fk_sql *db)
{
	if (!fk_sql_get_autocommit(db))
		(void)fk_sql_exec(db, "ROLLBACK");
}

static fk_status user_version(fk_sql *db, unsigned *v, fk_error *err)
{
	fk_stmt *st;
	int rc = fk_sql_prepare(db, "PRAGMA user_version", 0, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, rc, err, "reading the schema version");
	rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*v = (unsigned)fk_sql_column_int(st, 0);
	fk_sql_finalize(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(db, rc, err, "reading the schema version");
}

static const char SQL_MODE[] = "SELECT value FROM meta WHERE key = 'mode'";

/* A store at version have, with migrations pending: refused when its meta says production and
 * the caller is not fukuhonctl migrate. A production terminal's administrator decides when its
 * schema changes (and takes a backup first); tests and the demo keep migrating at open. The
 * meta row is read before the trust base can check it: changed to another mode, it only lets
 * the program's own migrations run at open, as they did before this rule. */
static fk_status pending_rule(fk_sql *db, unsigned have, int flags, fk_error *err)
{
	if (have >= fk_db_schema_version() || have < 1 || (flags & (FK_DB_MIGRATE | FK_DB_CREATE)))
		return FK_OK;
	fk_stmt *st;
	int production = 0, rc = fk_sql_prepare(db, SQL_MODE, 0, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, rc, err, "reading the terminal's mode");
	if ((rc = fk_sql_step(st)) == SQLITE_ROW)
		production = !strcmp((const char *)fk_sql_column_text(st, 0), "production");
	fk_sql_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(db, rc, err, "reading the terminal's mode");
	if (!production)
		return FK_OK;
	return fk_fail(err, FK_ERR_SCHEMA,
		       "the store has schema version %u and this program %u: migrations are pending, and on a "
		       "production terminal an administrator applies them: back up, then run 'fukuhonctl migrate' "
		       "(--dry-run lists them)", have, fk_db_schema_version());
}

static fk_status migrate(fk_sql *db, int flags, fk_error *err)
{
	unsigned have;
	fk_status st = user_version(db, &have, err);
	if (st != FK_OK)
		return st;
	if (have > fk_db_schema_version())
		return fk_fail(err, FK_ERR_SCHEMA,
			       "the database has schema version %u, newer than this program's %u: "
			       "use a newer fukuhon", have, fk_db_schema_version());
	if ((st = pending_rule(db, have, flags, err)) != FK_OK)
		return st;
	for (unsigned i = 0; i < fk_migration_count; i++) {
		const struct fk_migration *m = &fk_migrations[i];
		if (m->version <= have)
			continue;
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %u", m->version);
		if ((st = fk_db_begin(db, err)) != FK_OK)
			return st;
		/* Re-read inside the lock: another process may have migrated meanwhile. */
		if ((st = user_version(db, &have, err)) != FK_OK) {
			fk_db_rollback(db);
			return st;
		}
		if (have >= m->version) {
			fk_db_rollback(db);
			continue;
		}
		if (exec(db, m->sql, err, m->name) != FK_OK ||
		    exec(db, pragma, err, "setting the schema version") != FK_OK) {
			fk_db_rollback(db);
			return fk_fail_wrap(err, "migration %s", m->name);
		}
		if ((st = fk_db_commit(db, err)) != FK_OK)
			return st;
	}
	return FK_OK;
}

/* Create the file ourselves so it is 0600 from the first byte; SQLite gives
 * its -wal and -shm files the same mode. */
static fk_status precreate(const char *path, fk_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return FK_OK;
		return fk_fail(err, errno == ENOSPC ? FK_ERR_FULL : FK_ERR_IO,
			       "cannot create database %s: %s", path, strerror(errno));
	}
	close(fd);
	return FK_OK;
}

/* SQLite's own busy_timeout sleeps ever longer between tries (up to 100 ms), so a waiting
 * console misses the short gaps a bulk import leaves between its transactions and waits
 * through several of them (measured: 250 ms at p99 while parts held the lock 50 ms each).
 * Trying again every millisecond takes the first gap; the wait stays bounded by
 * BUSY_TIMEOUT_MS. */
static int busy_wait(void *arg, int tries)
{
	static _Thread_local int64_t since; /* this wait's first try, on this thread */
	(void)arg;
	int64_t now = fk_mono_ns();
	if (tries == 0)
		since = now;
	if (now - since >= (int64_t)BUSY_TIMEOUT_MS * 1000000)
		return 0;
	const struct timespec ms = {0, 1000000L};
	nanosleep(&ms, NULL);
	return 1;
}

static fk_status configure(fk_sql *db, fk_error *err)
{
	static const char *const pragmas[] = {
		"PRAGMA foreign_keys = ON",
		"PRAGMA secure_delete = ON",   /* deleted content is overwritten */
		"PRAGMA trusted_schema = OFF", /* no functions from schema objects */
		"PRAGMA synchronous = FULL",   /* a committed record survives power loss */
		"PRAGMA cache_size = -16384",  /* 16 MiB: keeps the bulk load inside its RSS budget */
	};
	/* PostgreSQL: lock waits are the server's (lock_timeout), set at connect (sql_pg.c). */
	sqlite3_busy_handler(fk_sql_lite(db), busy_wait, NULL);
	sqlite3_extended_result_codes(fk_sql_lite(db), 1);
	fk_status st;
	/* The first statement reads the header: a damaged file fails here. */
	fk_stmt *s;
	int rc = fk_sql_prepare(db, "PRAGMA journal_mode = WAL", 0, &s);
	if (rc == SQLITE_OK) {
		rc = fk_sql_step(s);
		if (rc == SQLITE_ROW &&
		    strcmp((const char *)fk_sql_column_text(s, 0), "wal") != 0)
			rc = SQLITE_CANTOPEN;
		fk_sql_finalize(s);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(db, rc, err, "opening the database");
	for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++)
		if ((st = exec(db, pragmas[i], err, pragmas[i])) != FK_OK)
			return st;
	return FK_OK;
}

/* Test only (tests/pg_queries.sh): with FK_SQL_TRACE=FILE, the text of every statement run
 * on this connection is appended to FILE, each ended by a NUL byte, so that the test can
 * prepare every query core runs on PostgreSQL. Not a log: the texts hold only ? parameters,
 * never the values bound. A failed write loses a line of the test's input, nothing else. */
static int trace_stmt(unsigned type, void *arg, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);
	(void)type;
	/* x names a trigger's program ("-- name"): its statement was recorded when it ran. */
	if (!sql || (x && strncmp(x, "--", 2) == 0))
		return 0;
	int fd = open(arg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		/* One write per text: concurrent test processes do not interleave. */
		(void)!write(fd, sql, strlen(sql) + 1);
		close(fd);
	}
	return 0;
}

static void trace_hook(sqlite3 *db)
{
	char *file = getenv("FK_SQL_TRACE");
	if (file && *file)
		(void)sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace_stmt, file); /* test only: see above */
}

/* ---- PostgreSQL ---------------------------------------------------------------- */

int64_t fk_db_pg_data_version(void)
{
	static _Atomic int64_t calls;
	return INT64_MIN + atomic_fetch_add(&calls, 1);
}

/* One integer from a statement without parameters. */
static fk_status pg_int(fk_sql *db, const char *sql, int64_t *v, fk_error *err, const char *what)
{
	fk_stmt *st;
	int rc = fk_sql_prepare(db, sql, 0, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, rc, err, what);
	rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*v = fk_sql_column_int64(st, 0);
	else
		rc = fk_sql_extended_errcode(db);
	fk_sql_finalize(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(db, rc, err, what);
}

static const char SQL_PG_HAS_VERSION[] =
	"SELECT CASE WHEN to_regclass('fk_schema_version') IS NULL THEN 0 ELSE 1 END";
/* What the store's schema already holds: relations and functions of its own. */
static const char SQL_PG_OBJECTS[] =
	"SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = to_regnamespace(current_schema())) + "
	"(SELECT count(*) FROM pg_proc WHERE pronamespace = to_regnamespace(current_schema()))";
/* -1 unless exactly one row: a version table that is not the runner's is not trusted. */
static const char SQL_PG_VERSION[] =
	"SELECT CASE WHEN count(*) = 1 THEN max(version) ELSE -1 END FROM fk_schema_version";
static const char SQL_PG_SET_VERSION[] = "UPDATE fk_schema_version SET version = ?";

fk_status fk_db_store_version(fk_sql *db, unsigned *v, fk_error *err)
{
	*v = 0;
	if (!fk_sql_is_pg(db))
		return user_version(db, v, err);
	int64_t has = 0, have = 0;
	fk_status st = pg_int(db, SQL_PG_HAS_VERSION, &has, err, "reading the store's schema version");
	if (st == FK_OK && has)
		st = pg_int(db, SQL_PG_VERSION, &have, err, "reading the store's schema version");
	if (st == FK_OK && have < 0)
		st = fk_fail(err, FK_ERR_CORRUPT, "the store's schema version is not one row");
	if (st == FK_OK)
		*v = (unsigned)have;
	return st;
}

/* Make the version table on an empty database (init), or find it (any other open). */
static fk_status pg_version_table(fk_sql *db, int flags, fk_error *err)
{
	int64_t has = 0, n = 0;
	fk_status st = pg_int(db, SQL_PG_HAS_VERSION, &has, err, "reading the store's schema version");
	if (st != FK_OK)
		return st;
	if (has && (flags & FK_DB_CREATE))
		return fk_fail(err, FK_ERR_EXISTS, "the store already holds a fukuhon schema");
	if (has)
		return FK_OK;
	if (!(flags & FK_DB_CREATE))
		return fk_fail(err, FK_ERR_NOTFOUND,
			       "the store holds no fukuhon schema: run 'fukuhonctl init' first");
	if ((st = pg_int(db, SQL_PG_OBJECTS, &n, err, "looking into the store")) != FK_OK)
		return st;
	if (n > 0)
		return fk_fail(err, FK_ERR_EXISTS,
			       "the store's database already holds %lld objects that are not fukuhon's: "
			       "give fukuhon an empty database", (long long)n);
	return exec(db, FK_PG_VERSION_TABLE, err, "creating the store's schema version");
}

static fk_status pg_set_version(fk_sql *db, unsigned v, fk_error *err)
{
	fk_stmt *st;
	int rc = fk_sql_prepare(db, SQL_PG_SET_VERSION, 0, &st);
	if (rc == SQLITE_OK) {
		fk_sql_bind_int64(st, 1, v);
		rc = fk_sql_step(st);
		if (rc != SQLITE_DONE)
			rc = fk_sql_extended_errcode(db);
		fk_sql_finalize(st);
	}
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(db, rc, err, "setting the schema version");
}

/* Every pending twin in one transaction under the write lock: two terminals starting at once
 * migrate once (the second waits, then finds the version up to date), and PostgreSQL's DDL is
 * transactional, so a failed migration leaves the store as it was. */
static fk_status pg_migrate(fk_sql *db, int flags, fk_error *err)
{
	int64_t have = 0;
	fk_status st = fk_db_begin(db, err);
	if (st != FK_OK)
		return st;
	if ((st = pg_version_table(db, flags, err)) == FK_OK)
		st = pg_int(db, SQL_PG_VERSION, &have, err, "reading the store's schema version");
	if (st == FK_OK && have < 0)
		st = fk_fail(err, FK_ERR_CORRUPT, "the store's schema version is not one row");
	if (st == FK_OK && have > (int64_t)fk_db_schema_version())
		st = fk_fail(err, FK_ERR_SCHEMA,
			     "the store has schema version %lld, newer than this program's %u: "
			     "use a newer fukuhon", (long long)have, fk_db_schema_version());
	if (st == FK_OK)
		st = pending_rule(db, (unsigned)have, flags, err);
	int applied = 0;
	for (unsigned i = 0; st == FK_OK && i < fk_migration_count; i++) {
		const struct fk_migration *m = &fk_migrations[i];
		if (m->version <= have)
			continue;
		if (exec(db, m->sql_pg, err, m->name) != FK_OK || pg_set_version(db, m->version, err) != FK_OK)
			st = fk_fail_wrap(err, "migration %s", m->name);
		applied = 1;
	}
	/* The terminals' privileges follow the schema they are on: set again whenever it changed,
	 * and at every init and migrate (a store made before the list existed gets it then). */
	if (st == FK_OK && (applied || (flags & (FK_DB_CREATE | FK_DB_MIGRATE))) &&
	    exec(db, fk_pg_terminal_grants, err, "granting the terminals' role its privileges") != FK_OK)
		st = fk_fail_wrap(err, "the terminals' privileges (only the schema's owner sets them: "
				  "database_admin in fukuhon.conf)");
	if (st != FK_OK) {
		fk_db_rollback(db);
		return st;
	}
	return fk_db_commit(db, err);
}

/* The store on PostgreSQL: connect (the driver refuses a weak conninfo and gives up on an
 * unreachable server after its connect_timeout), migrate, check the schema through the
 * catalogue. Messages never quote the URI: it names the terminal's key files. */
static fk_status open_pg(const char *uri, int flags, fk_sql **out, fk_error *err)
{
	if (flags & FK_DB_READONLY)
		return fk_fail(err, FK_ERR_INVALID,
			       "a PostgreSQL store has no copy to open: restore a backup into a server and "
			       "connect to it");
	char msg[FK_ERRMSG_MAX];
	fk_sql *db = NULL;
	int rc = fk_sql_connect_pg(uri, &db, msg, sizeof msg);
	if (rc != SQLITE_OK)
		return fk_fail(err, rc == SQLITE_NOMEM ? FK_ERR_NOMEM : FK_ERR_IO, "%s",
			       msg[0] ? msg : "cannot connect to the store");
	fk_status st = flags & FK_DB_PENDING ? FK_OK : pg_migrate(db, flags, err);
	if (st == FK_OK && !(flags & (FK_DB_UNPINNED | FK_DB_PENDING)))
		st = fk_schema_check_full(db, err);
	/* The role's privileges are not in the catalogue compared: checked on their own
	 * (core/db/pgprivs.h; the schema's owner is exempt). */
	if (st == FK_OK && !(flags & (FK_DB_UNPINNED | FK_DB_PENDING)))
		st = fk_pg_privs_check(db, err);
	if (st != FK_OK) {
		fk_fail_wrap(err, "the PostgreSQL store");
		fk_sql_close(db);
		return st;
	}
	*out = db;
	return FK_OK;
}

/* ---- SQLite --------------------------------------------------------------------- */

/* A copy, read only: immutable, so that reading it leaves nothing beside it and changes no
 * byte of it (its SHA-256 stays what its manifest says). */
static fk_status open_copy(const char *path, fk_sql **out, fk_error *err)
{
	/* SQLite's file only (PostgreSQL: a backup is restored into a server and connected to). */
	sqlite3 *lite;
	char *uri = sqlite3_mprintf("file:%s?mode=ro&immutable=1", path);
	if (!uri)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* A path with '?' or '#' would be cut by the URI: refused rather than misread. */
	if (strpbrk(path, "?#")) {
		sqlite3_free(uri);
		return fk_fail(err, FK_ERR_INVALID, "the copy %s has '?' or '#' in its path", path);
	}
	int rc = sqlite3_open_v2(uri, &lite, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW |
				 SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	sqlite3_free(uri);
	if (rc != SQLITE_OK) {
		fk_status st = fk_db_fail(lite, rc, err, path);
		sqlite3_close(lite);
		return st;
	}
	trace_hook(lite);
	sqlite3_extended_result_codes(lite, 1);
	fk_sql *db = fk_sql_wrap_lite(lite);
	if (!db)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status st = exec(db, "PRAGMA trusted_schema = OFF", err, "PRAGMA trusted_schema");
	if (st == FK_OK && (st = fk_schema_check(db, err)) != FK_OK)
		fk_fail_wrap(err, "%s", path);
	if (st != FK_OK) {
		fk_sql_close(db);
		return st;
	}
	*out = db;
	return FK_OK;
}

/* SQLite's count of its own memory takes a process-wide mutex around every one of its
 * allocations and frees, on every statement (5 % of an import's CPU with the connection's own
 * mutex, issue 10); nothing here reads the count or sets a heap limit that needs it. Before
 * main: the setting must come before SQLite's first use, and later it is refused (MISUSE),
 * which changes nothing. */
__attribute__((constructor)) static void lite_settings(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

fk_status fk_db_open(const char *path, int flags, fk_sql **out, fk_error *err)
{
	*out = NULL;
	if (fk_config_is_store_uri(path))
		return open_pg(path, flags, out, err);
	fk_status st;
	struct stat sb;
	if (!(flags & FK_DB_CREATE) && stat(path, &sb) != 0)
		return fk_fail(err, FK_ERR_NOTFOUND,
			       "database %s does not exist: run 'fukuhonctl init' first", path);
	if ((flags & FK_DB_CREATE) && (st = precreate(path, err)) != FK_OK)
		return st;
	/* SQLite's file (PostgreSQL: open_pg above). */
	sqlite3 *lite;
	if (flags & FK_DB_READONLY)
		return open_copy(path, out, err);
	int rc = sqlite3_open_v2(path, &lite,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX |
				 SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		st = fk_db_fail(lite, rc, err, path);
		sqlite3_close(lite);
		return st;
	}
	fk_sql *db = fk_sql_wrap_lite(lite); /* closes lite when out of memory */
	if (!db)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* Checked after migrating: a migration runs only our own SQL on new
	 * tables, and whatever a planted object did meanwhile, the database is
	 * refused here before anything of ours reads or writes it. */
	if ((st = configure(db, err)) != FK_OK ||
	    (!(flags & FK_DB_PENDING) && (st = migrate(db, flags, err)) != FK_OK) ||
	    (!(flags & (FK_DB_UNPINNED | FK_DB_PENDING)) && (st = fk_schema_check(db, err)) != FK_OK)) {
		fk_fail_wrap(err, "%s", path);
		fk_sql_close(db);
		return st;
	}
	trace_hook(lite); /* after migrating: the migrations have their own twins */
	*out = db;
	return FK_OK;
}
