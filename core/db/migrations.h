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

/* PostgreSQL's version of the schema (SQLite's PRAGMA user_version): the one-row table the
 * runner makes on an empty store and sets in each migration's transaction (core/db/db.c); the
 * pinned schema expects it too (core/db/schema.c). The tests' runner makes the same
 * (tests/pg_lib.sh). */
#define FK_PG_VERSION_TABLE                                                                        \
	"CREATE TABLE fk_schema_version (version bigint NOT NULL); "                              \
	"INSERT INTO fk_schema_version VALUES (0)"
extern const unsigned fk_migration_count;

/* What a terminal's role may do in a PostgreSQL store (sql/terminal_grants.pg.sql): set by the
 * schema's owner after the migrations, in their transaction (core/db/db.c). */
extern const char fk_pg_terminal_grants[];

#endif
