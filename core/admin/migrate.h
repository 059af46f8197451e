/* fukuhonctl migrate: the pending schema migrations of a store listed, and applied by an
 * administrator, recorded (docs/deployment.md, "Upgrades"; R-PROGRAM, R-LOG). */
#ifndef FK_MIGRATE_H
#define FK_MIGRATE_H

#include "status.h"

#define FK_MIGRATE_MAX 64

typedef struct fk_migrate_report {
	unsigned have, want;           /* the store's version before, this program's */
	int npending;                  /* migrations this program would apply */
	unsigned version[FK_MIGRATE_MAX];
	char name[FK_MIGRATE_MAX][64];
	int applied;                   /* 1: applied and recorded (maintenance.migrate) */
	int granted;                   /* 1: PostgreSQL, as the schema's owner (database_admin): the
					* terminals' privileges set (sql/terminal_grants.pg.sql) and
					* recorded, even with nothing pending */
} fk_migrate_report;

/* The store of the configuration at config_path opened as it is (nothing migrated), its version
 * read and the pending migrations listed; a store newer than this program is refused
 * (FK_ERR_SCHEMA, nothing touched). Unless dry_run, and when any is pending: user must be an
 * enabled administrator in the store (with test_actor, a test or demo store only) — read
 * before the migrations, from the operator row as the old schema holds it — then every pending
 * migration is applied (SQLite one transaction each, PostgreSQL all in one), the store opened as
 * usual and the migration recorded as user (maintenance.migrate: from, to, names), the gate
 * deciding again over the migrated store. With database_admin (PostgreSQL) the store is migrated
 * over that connection, as the schema's owner, and the terminals' privileges are set again
 * whether or not anything is pending. */
fk_status fk_migrate(const char *config_path, const char *user, int test_actor, int dry_run,
		     fk_migrate_report *r, fk_error *err);

#endif
