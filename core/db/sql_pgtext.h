/* The PostgreSQL driver's text work, apart from the link (sql_pg.c, issue 14): SQLite's
 * placeholders rewritten to PostgreSQL's, and SQLSTATEs as SQLite's result codes. No libpq. */
#ifndef FK_SQL_PGTEXT_H
#define FK_SQL_PGTEXT_H

/* SQLite's `?`/`?NNN` rewritten to `$N` (*out malloc'ed, *nparams the largest index);
 * SQLITE_RANGE for ?0 or past 32766, SQLITE_NOMEM. */
int fk_pg_rewrite(const char *sql, char **out, int *nparams);
/* A SQLSTATE's SQLite result code (extended); SQLITE_ERROR for any other or NULL. */
int fk_pg_sqlstate_code(const char *sqlstate);

#endif
