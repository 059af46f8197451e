/* The schema's migrations, embedded in the program (generated from sql/NNN_*.sql by sql/embed.sh
 * into core/db/sql_migrations.c): what the database is migrated with and pinned to. */
#ifndef FK_MIGRATIONS_H
#define FK_MIGRATIONS_H

struct fk_migration {
	unsigned version;
	const char *name;
	const char *sql;    /* SQLite's text (sql/NNN_name.sql) */
	const char *sql_pg; /* PostgreSQL 15's (sql/NNN_name.pg.sql); the runner, not the text,
			     * records the version, as PRAGMA user_version does on SQLite */
};
extern const struct fk_migration fk_migrations[];
extern const unsigned fk_migration_count;

#endif
