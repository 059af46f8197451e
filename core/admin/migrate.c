/* fukuhonctl migrate: pending schema migrations listed, applied by an administrator, recorded. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "gate.h"
#include "meta.h"
#include "migrate.h"
#include "migrations.h"
#include "operator.h"
#include "str.h"
#include "terminal.h"
#include "trust.h"

/* The rows who may migrate rests on, with their MACs: checked before they are believed. */
static const char SQL_PERSON[] = "SELECT " FK_COLS_OPERATOR ", mac FROM operator WHERE username = ?1";
static const char SQL_MODE[] = "SELECT " FK_COLS_META ", mac FROM meta WHERE key = 'mode'";

/* The first row of sql (user bound as ?1 when given), a sealed row of t, checked against its
 * MAC under the key folder's trust key before anything of it is used: its text column col into
 * out ("" when there is no row) and, with n, its column ncol as an integer. */
static fk_status read_row(fk_sql *db, const char *key_dir, fk_table t, const char *sql, const char *user, int col,
			  char *out, size_t len, int ncol, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = FK_OK;
	out[0] = '\0';
	int rc = fk_sql_prepare(db, sql, 0, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(db, rc, err, "reading the store before migrating");
	if (user)
		fk_sql_bind_text(st, 1, user, -1, SQLITE_STATIC);
	if ((rc = fk_sql_step(st)) == SQLITE_ROW && (s = fk_trust_check_with(key_dir, t, st, 0, err)) == FK_OK) {
		const char *v = (const char *)fk_sql_column_text(st, col);
		fk_copy_str(out, len, v ? v : "");
		if (n)
			*n = fk_sql_column_int64(st, ncol);
	}
	fk_sql_finalize(st);
	if (s != FK_OK)
		return s;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK : fk_db_fail(db, rc, err, "reading the store before migrating");
}

/* Before anything changes: an enabled administrator, and where $FUKUHON_TEST_ACTOR names them a
 * test or demo store, each as its row says once the row has passed its MAC (an operator row or
 * the mode made an administrator's or a test store's by the database's administrator is
 * refused here, before a migration runs; the gate decides again once the store is migrated and
 * its trust base open, and records the decision). */
static fk_status may_migrate(fk_sql *db, const char *key_dir, const char *user, int test_actor, fk_error *err)
{
	char role[32], mode[32];
	int64_t enabled = 0;
	fk_status st = read_row(db, key_dir, FK_T_OPERATOR, SQL_PERSON, user, FK_C_OP_ROLE, role, sizeof role,
				FK_C_OP_ENABLED, &enabled, err);
	if (st == FK_OK && (strcmp(role, "administrator") || enabled != 1))
		st = fk_fail(err, FK_ERR_DENIED, "%s is not an enabled administrator of this store: only "
			     "administrators migrate", user);
	if (st == FK_OK && test_actor &&
	    (st = read_row(db, key_dir, FK_T_META, SQL_MODE, NULL, 1, mode, sizeof mode, 0, NULL, err)) == FK_OK &&
	    strcmp(mode, FK_MODE_TEST) && strcmp(mode, FK_MODE_DEMO))
		st = fk_fail(err, FK_ERR_DENIED, "a production terminal's store is migrated by a person signed in, "
			     "not by $FUKUHON_TEST_ACTOR");
	return st;
}

static fk_status list(fk_sql *db, fk_migrate_report *r, fk_error *err)
{
	fk_status st = fk_db_store_version(db, &r->have, err);
	r->want = fk_db_schema_version();
	if (st == FK_OK && r->have > r->want)
		return fk_fail(err, FK_ERR_SCHEMA, "the store has schema version %u, newer than this program's %u: "
			       "use a newer fukuhon; nothing was changed", r->have, r->want);
	for (unsigned i = 0; st == FK_OK && i < fk_migration_count; i++) {
		if (fk_migrations[i].version <= r->have)
			continue;
		if (r->npending == FK_MIGRATE_MAX)
			return fk_fail(err, FK_ERR_INTERNAL, "more than %d migrations pending", FK_MIGRATE_MAX);
		r->version[r->npending] = fk_migrations[i].version;
		fk_copy_str(r->name[r->npending++], sizeof r->name[0], fk_migrations[i].name);
	}
	return st;
}

static fk_status record(const char *config_path, const char *user, const fk_migrate_report *r, fk_error *err)
{
	fk_ctx *ctx;
	fk_operator op;
	char detail[FK_MIGRATE_MAX * 70 + 64];
	size_t at = r->npending ? (size_t)snprintf(detail, sizeof detail, "schema %u -> %u:", r->have, r->want)
				: (size_t)snprintf(detail, sizeof detail, "schema %u: the terminals' privileges set again",
						   r->have);
	for (int i = 0; i < r->npending && at < sizeof detail; i++)
		at += (size_t)snprintf(detail + at, sizeof detail - at, " %s", r->name[i]);
	fk_status st = fk_ctx_open(config_path, FK_CTX_OPEN, &ctx, err);
	if (st != FK_OK)
		return st;
	if ((st = fk_operator_get(ctx, user, &op, err)) == FK_OK) {
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
		fk_authz_req req = {.op = FK_OP_MIGRATE};
		st = fk_gate_check(ctx, &req, ctx->cfg.terminal_id, detail, err);
	}
	fk_ctx_close(ctx);
	return st;
}

fk_status fk_migrate(const char *config_path, const char *user, int test_actor, int dry_run,
		     fk_migrate_report *r, fk_error *err)
{
	fk_config cfg;
	fk_sql *db = NULL;
	memset(r, 0, sizeof *r);
	memset(&cfg, 0, sizeof cfg);
	fk_status st = fk_config_load(fk_config_default_path(config_path), &cfg, err);
	if (st == FK_OK)
		st = fk_db_open(cfg.database, FK_DB_PENDING, &db, err);
	if (st == FK_OK)
		st = list(db, r, err);
	/* As the schema's owner where one is named (PostgreSQL: a terminal's role cannot), who also
	 * sets the terminals' privileges again with nothing pending (a store older than them). */
	int owner = st == FK_OK && cfg.database_admin && cfg.database_admin[0];
	const char *uri = owner ? cfg.database_admin : cfg.database;
	int apply = st == FK_OK && !dry_run && (r->npending || owner);
	if (apply)
		st = may_migrate(db, cfg.key_dir, user ? user : "", test_actor, err);
	if (db)
		fk_sql_close(db);
	db = NULL;
	if (st == FK_OK && apply && (st = fk_db_open(uri, FK_DB_MIGRATE, &db, err)) == FK_OK) {
		fk_sql_close(db);
		r->applied = r->npending > 0;
		r->granted = owner;
		st = record(config_path, user, r, err);
	}
	fk_config_free(&cfg);
	return st;
}
