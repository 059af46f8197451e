/* The core context: configuration, database, keys and the acting identity of one process. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "db.h"
#include "schema.h"
#include "util.h"

static const char *const role_ids[] = {"none", "operator", "supervisor", "auditor", "administrator"};

const char *fk_role_id(fk_role r)
{
	return (unsigned)r < FK_ARRAY_LEN(role_ids) ? role_ids[r] : "none";
}

int fk_role_parse(const char *s)
{
	for (size_t i = 1; i < FK_ARRAY_LEN(role_ids); i++)
		if (!strcmp(s, role_ids[i]))
			return (int)i;
	if (!strcmp(s, "admin"))
		return FK_ROLE_ADMIN;
	return -1;
}

static fk_status cached_stmt(fk_ctx *ctx, const char *sql, unsigned flags, fk_stmt **out, fk_error *err)
{
	for (unsigned i = 0; i < ctx->nstmts; i++)
		if (ctx->stmts[i].sql == sql) {
			fk_sql_reset(ctx->stmts[i].stmt);
			fk_sql_clear_bindings(ctx->stmts[i].stmt);
			*out = ctx->stmts[i].stmt;
			return FK_OK;
		}
	if (ctx->nstmts == FK_STMT_CACHE)
		return fk_fail(err, FK_ERR_INTERNAL, "statement cache full");
	fk_stmt *st;
	int rc = fk_sql_prepare(ctx->db, sql, SQLITE_PREPARE_PERSISTENT | flags, &st);
	if (rc != SQLITE_OK)
		return fk_db_fail(ctx->db, rc, err, "preparing a statement");
	ctx->stmts[ctx->nstmts].sql = sql;
	ctx->stmts[ctx->nstmts].stmt = st;
	ctx->nstmts++;
	*out = st;
	return FK_OK;
}

fk_status fk_ctx_stmt(fk_ctx *ctx, const char *sql, fk_stmt **out, fk_error *err)
{
	return cached_stmt(ctx, sql, 0, out, err);
}

fk_status fk_ctx_stmt_large(fk_ctx *ctx, const char *sql, fk_stmt **out, fk_error *err)
{
	return cached_stmt(ctx, sql, FK_SQL_LARGE, out, err);
}

fk_status fk_ctx_exec(fk_ctx *ctx, fk_stmt *st, fk_error *err, const char *what)
{
	int rc = fk_sql_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		fk_sql_reset(st);
		return FK_OK;
	}
	rc = fk_sql_extended_errcode(ctx->db);
	fk_sql_reset(st);
	return fk_db_fail(ctx->db, rc, err, what);
}

fk_status fk_ctx_row(fk_ctx *ctx, const char *sql, int64_t id, fk_stmt **out, int *found, fk_error *err,
		     const char *what)
{
	*found = 0;
	fk_status s = fk_ctx_stmt(ctx, sql, out, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(*out, 1, id);
	int rc = fk_sql_step(*out);
	if (rc == SQLITE_ROW) {
		*found = 1;
		return FK_OK;
	}
	fk_sql_reset(*out);
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, what);
}

fk_status fk_ctx_int64(fk_ctx *ctx, const char *sql, int64_t *out, fk_error *err, const char *what)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	if (fk_sql_step(st) == SQLITE_ROW) {
		*out = fk_sql_column_int64(st, 0);
		fk_sql_reset(st);
		return FK_OK;
	}
	/* Only the row sets *out: whatever the error code, the failure stays a failure. */
	int rc = fk_sql_extended_errcode(ctx->db);
	fk_sql_reset(st);
	return fk_db_fail(ctx->db, rc, err, what);
}

/* The schema cookie, which SQLite bumps on every schema change by any
 * connection. Alone it is not enough: whoever plants an object can set it
 * back (PRAGMA schema_version = N), and this connection still loads the
 * object if it reads the file in between or rolls back a transaction that
 * created one of its temporary tables. So the guard also watches a
 * statement that reads a main table: SQLite re-prepares it whenever this
 * connection reloads its main schema (the PRAGMA never is), and its
 * re-prepare count is the second integer compared (tests/test_schema.c). */
static const char SQL_COOKIE[] = "PRAGMA main.schema_version";
static const char SQL_LOADED[] = "SELECT 1 FROM main.sqlite_schema WHERE 0";

/* PostgreSQL has no schema cookie: at every write transaction, under the store's write lock,
 * before the transaction reads or writes, a digest of the catalogue rows' versions is read and
 * the catalogue compared when it moved (core/db/schema.c). */
static fk_status schema_guard_pg(fk_ctx *ctx, fk_error *err)
{
	fk_stmt *digest;
	fk_status s = fk_ctx_stmt(ctx, fk_schema_pg_digest_sql, &digest, err);
	if (s == FK_OK)
		s = fk_schema_check_pg(ctx->db, digest, err);
	if (s == FK_ERR_TAMPER && ctx->schema_report > 0) {
		fk_error_clear(err);
		s = FK_OK;
	}
	return s;
}

fk_status fk_schema_guard(fk_ctx *ctx, fk_error *err)
{
	if (fk_sql_is_pg(ctx->db))
		return schema_guard_pg(ctx, err);
	int64_t cookie;
	fk_stmt *st;
	fk_status s = fk_ctx_int64(ctx, SQL_COOKIE, &cookie, err, "reading the schema version");
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_LOADED, &st, err);
	if (s == FK_OK)
		s = fk_ctx_exec(ctx, st, err, "reading the schema");
	if (s != FK_OK)
		return s;
	int prepares = sqlite3_stmt_status(st->lite, SQLITE_STMTSTATUS_REPREPARE, 0);
	if (ctx->schema_seen && cookie == ctx->schema_cookie && prepares == ctx->schema_prepares)
		return FK_OK;
	if ((s = fk_schema_check(ctx->db, err)) == FK_OK) {
		ctx->schema_seen = 1;
		ctx->schema_cookie = cookie;
		ctx->schema_prepares = prepares;
	} else if (s == FK_ERR_TAMPER && ctx->schema_report > 0) {
		fk_error_clear(err);
		s = FK_OK;
	}
	return s;
}

static void reset_ids(fk_ctx *ctx)
{
	ctx->next_key_id = ctx->next_register_id = ctx->next_version_id = -1;
}

static void rollback(fk_ctx *ctx)
{
	fk_db_rollback(ctx->db);
	if (ctx->hooks && ctx->hooks->rolledback)
		ctx->hooks->rolledback(ctx);
	if (ctx->tx_notes)
		ctx->tx_notes(ctx, 0);
}

fk_status fk_ctx_begin(fk_ctx *ctx, fk_error *err)
{
	if (ctx->snapshot)
		return fk_fail(err, FK_ERR_INTERNAL, "a write inside a read snapshot");
	if (ctx->tx_depth++ > 0)
		return FK_OK;
	reset_ids(ctx);
	fk_status st = fk_db_begin(ctx->db, err);
	/* Checked under the write lock, before the transaction reads or writes anything: the
	 * schema first (a planted trigger must not run), then the trust base's state. */
	if (st == FK_OK && (st = fk_schema_guard(ctx, err)) != FK_OK)
		fk_db_rollback(ctx->db);
	else if (st == FK_OK && ctx->hooks && ctx->hooks->begin && (st = ctx->hooks->begin(ctx, err)) != FK_OK)
		rollback(ctx);
	if (st != FK_OK)
		ctx->tx_depth = 0;
	return st;
}

fk_status fk_ctx_snapshot_begin(fk_ctx *ctx, fk_error *err)
{
	if (ctx->tx_depth > 0 || ctx->snapshot)
		return fk_fail(err, FK_ERR_INTERNAL, "a read snapshot inside a transaction");
	fk_status st = fk_db_begin_snapshot(ctx->db, err);
	ctx->snapshot = st == FK_OK;
	return st;
}

void fk_ctx_snapshot_end(fk_ctx *ctx)
{
	if (!ctx->snapshot)
		return;
	fk_db_rollback(ctx->db);
	ctx->snapshot = 0;
}

fk_status fk_ctx_end(fk_ctx *ctx, fk_status st, fk_error *err)
{
	if (ctx->tx_depth <= 0)
		return st;
	if (--ctx->tx_depth > 0)
		return st;
	reset_ids(ctx);
	ctx->bulk_tags = 0;
	ctx->bulk_n = 0;
	if (st == FK_OK && ctx->hooks && ctx->hooks->precommit)
		st = ctx->hooks->precommit(ctx, err);
	if (st != FK_OK) {
		rollback(ctx);
		return st;
	}
	if ((st = fk_db_commit(ctx->db, err)) != FK_OK) {
		if (ctx->hooks && ctx->hooks->rolledback)
			ctx->hooks->rolledback(ctx);
		if (ctx->tx_notes)
			ctx->tx_notes(ctx, 0);
		return st;
	}
	if (ctx->hooks && ctx->hooks->committed)
		ctx->hooks->committed(ctx);
	if (ctx->tx_notes)
		ctx->tx_notes(ctx, 1);
	return FK_OK;
}

fk_status fk_ctx_seal(fk_ctx *ctx, const char *aad, const char *plain, uint8_t **out,
		      size_t *outlen, fk_error *err)
{
	size_t n = strlen(plain);
	uint8_t *buf = malloc(n + FK_SEAL_OVERHEAD);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status st = fk_seal(ctx->terminal_key, aad, strlen(aad), plain, n, buf, err);
	if (st != FK_OK) {
		free(buf);
		return st;
	}
	*out = buf;
	*outlen = n + FK_SEAL_OVERHEAD;
	return FK_OK;
}

fk_status fk_ctx_open_sealed(fk_ctx *ctx, const char *aad, const uint8_t *blob, size_t len,
			     char **out, fk_error *err)
{
	if (len < FK_SEAL_OVERHEAD)
		return fk_fail(err, FK_ERR_CORRUPT, "sealed value too short");
	char *buf = malloc(len - FK_SEAL_OVERHEAD + 1);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	size_t n;
	fk_status st = fk_open(ctx->terminal_key, aad, strlen(aad), blob, len, (uint8_t *)buf, &n, err);
	if (st != FK_OK) {
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*out = buf;
	return FK_OK;
}

int64_t fk_ctx_now(const fk_ctx *ctx)
{
	return ctx->clock ? ctx->clock() : fk_now_ns();
}

void fk_ctx_act_as(fk_ctx *ctx, int64_t operator_id, const char *user, fk_role role, int64_t bureau_id)
{
	memset(&ctx->actor, 0, sizeof ctx->actor);
	ctx->actor.operator_id = operator_id;
	fk_copy_str(ctx->actor.user, sizeof ctx->actor.user, user);
	ctx->actor.role = role;
	ctx->actor.bureau_id = bureau_id;
}

void fk_ctx_act_as_nobody(fk_ctx *ctx)
{
	fk_ctx_act_as(ctx, 0, "-", FK_ROLE_NONE, 0);
}

static void session_init(fk_ctx *ctx)
{
	uint8_t raw[16];
	if (fk_random(raw, sizeof raw, NULL) != FK_OK)
		memset(raw, 0, sizeof raw);
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(ctx->session + 2 * i, 3, "%02x", raw[i]);
	const char *tty = ttyname(STDIN_FILENO);
	fk_copy_str(ctx->tty, sizeof ctx->tty, tty ? tty : "-");
}

/* A new terminal on a PostgreSQL store: the store first, so that a database that is not empty
 * is refused (FK_ERR_EXISTS) before any key is made; then the key folder. The schema is made
 * as its owner when database_admin names one: a terminal's own role cannot create it. */
static fk_status create_on_pg(fk_ctx *ctx, int flags, fk_error *err)
{
	const char *uri = ctx->cfg.database_admin[0] ? ctx->cfg.database_admin : ctx->cfg.database;
	fk_status st = fk_db_open(uri, FK_DB_CREATE | ((flags & FK_CTX_NEW_UNPINNED) ? FK_DB_UNPINNED : 0),
				  &ctx->db, err);
	if (st == FK_OK && (st = fk_keys_create(ctx->cfg.key_dir, err)) == FK_OK)
		st = fk_keys_open(ctx->cfg.key_dir, &ctx->keys, err);
	return st;
}

static fk_status open_store(fk_ctx *ctx, int flags, fk_error *err)
{
	fk_status st;
	if ((flags & FK_CTX_NEW_CREATE) && fk_config_is_store_uri(ctx->cfg.database))
		return create_on_pg(ctx, flags, err);
	if (flags & FK_CTX_NEW_CREATE) {
		char *dir = fk_dirname(ctx->cfg.database, err);
		if (!dir)
			return FK_ERR_NOMEM;
		st = fk_mkdir_private(dir, err);
		free(dir);
		if (st != FK_OK)
			return st;
		struct stat sb;
		if (stat(ctx->cfg.database, &sb) == 0)
			return fk_fail(err, FK_ERR_EXISTS, "the database %s already exists",
				       ctx->cfg.database);
		if ((st = fk_keys_create(ctx->cfg.key_dir, err)) != FK_OK)
			return st;
	}
	if ((st = fk_keys_open(ctx->cfg.key_dir, &ctx->keys, err)) != FK_OK)
		return st;
	fk_schema_pg_remember_in(ctx->cfg.key_dir);
	return fk_db_open(ctx->cfg.database, ((flags & FK_CTX_NEW_CREATE) ? FK_DB_CREATE : FK_DB_OPEN) |
					     ((flags & FK_CTX_NEW_UNPINNED) ? FK_DB_UNPINNED : 0) |
					     ((flags & FK_CTX_NEW_COPY) ? FK_DB_READONLY : 0),
			  &ctx->db, err);
}

/* The context over the configured database, or over db_path instead (a copy). */
static fk_status ctx_new(const char *config_path, const char *db_path, int flags, fk_ctx **out,
			 fk_error *err)
{
	*out = NULL;
	fk_ctx *ctx = calloc(1, sizeof *ctx);
	if (!ctx)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	reset_ids(ctx);
	fk_status st = fk_config_load(config_path, &ctx->cfg, err);
	if (st == FK_OK && db_path) {
		char *p = fk_strdup(db_path, err);
		if (!p)
			st = FK_ERR_NOMEM;
		else {
			free(ctx->cfg.database);
			ctx->cfg.database = p;
		}
	}
	if (st == FK_OK) {
		session_init(ctx);
		fk_ctx_act_as_nobody(ctx);
		st = open_store(ctx, flags, err);
	}
	if (st != FK_OK) {
		fk_ctx_close(ctx);
		return st;
	}
	*out = ctx;
	return FK_OK;
}

fk_status fk_ctx_new(const char *config_path, int flags, fk_ctx **out, fk_error *err)
{
	return ctx_new(config_path, NULL, flags & ~FK_CTX_NEW_COPY, out, err);
}

fk_status fk_ctx_new_copy(const char *config_path, const char *db_path, fk_ctx **out, fk_error *err)
{
	return ctx_new(config_path, db_path, FK_CTX_NEW_COPY, out, err);
}

void fk_ctx_close(fk_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->hooks && ctx->hooks->close)
		ctx->hooks->close(ctx);
	if (ctx->order_memo_free)
		ctx->order_memo_free(ctx);
	if (ctx->tx_notes)
		ctx->tx_notes(ctx, -1);
	for (unsigned i = 0; i < ctx->nstmts; i++)
		fk_sql_finalize(ctx->stmts[i].stmt);
	if (ctx->db) {
		fk_db_rollback(ctx->db);
		fk_sql_close(ctx->db);
	}
	fk_keys_close(ctx->keys);
	free(ctx->bulk_buf);
	fk_wipe(ctx->terminal_key, sizeof ctx->terminal_key);
	fk_wipe(ctx->audit_k0, sizeof ctx->audit_k0);
	fk_config_free(&ctx->cfg);
	free(ctx);
}
