/* PostgreSQL: the terminal's role may do exactly what sql/terminal_grants.pg.sql grants, nothing more (R-MINIMAL, R-DETECT). */
#ifndef FK_PGPRIVS_H
#define FK_PGPRIVS_H

#include <stddef.h>

#include "sql.h"
#include "status.h"

/* One privilege: kind ("table", "column", "sequence", "function", "schema", "database",
 * "role"), the object (a table, "*" for every table of the schema, a function with its
 * argument types), the column ("" but for kind column) and the privilege ("UPDATE", …; a role
 * attribute such as "SUPERUSER" for kind role). */
typedef struct fk_pg_priv {
	char kind[12];
	char object[96];
	char column[64];
	char priv[16];
} fk_pg_priv;

/* The privileges the embedded sql/terminal_grants.pg.sql gives fukuhon_terminal, parsed from
 * its GRANT statements (the one list: the schema's owner runs the same text). *out is
 * malloc'ed (free it), *n its length. A GRANT of a form this does not read, one to another
 * role, or a REVOKE after a GRANT fails (FK_ERR_INTERNAL): the list could not be trusted. */
fk_status fk_pg_privs_expected(const char *grants, fk_pg_priv **out, size_t *n, fk_error *err);

/* At open of a PostgreSQL store, by the terminal's own connection: the role's effective
 * privileges on the store (one query over the catalogue) compared with the expected list.
 * The schema's owner (database_admin, or a store whose terminals all sign in as its owner)
 * owns every object and is not compared. FK_ERR_TAMPER (FK_MSG_STORE_ROLE_SURPLUS, naming the
 * first surplus privilege and counting them) when the role holds more. On SQLite: FK_OK. */
fk_status fk_pg_privs_check(fk_sql *db, fk_error *err);

#endif
