/* Terminal-wide facts in the meta table, each row sealed (R-KEYS, R-ATREST). */
#include "config.h"

#include <string.h>

#include "db.h"
#include "meta.h"
#include "trust.h"
#include "util.h"

static const char SQL_META_GET[] = "SELECT " FK_COLS_META ", mac FROM meta WHERE key = ?1";
static const char SQL_META_EXISTS[] = "SELECT 1 FROM meta WHERE key = ?1";
static const char SQL_META_SET[] =
	"INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2";
static const char SQL_META_DEL[] = "DELETE FROM meta WHERE key = ?1";

fk_status fk_meta_get(fk_ctx *ctx, const char *key, char *buf, size_t len, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_META_GET, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_META, st, 0, err)) == FK_OK)
		fk_copy_str(buf, len, (const char *)fk_sql_column_text(st, 1));
	fk_sql_reset(st);
	if (rc == SQLITE_ROW)
		return s;
	if (rc == SQLITE_DONE)
		return fk_fail(err, FK_ERR_NOTFOUND, "the database has no '%s': was it initialised?", key);
	return fk_db_fail(ctx->db, rc, err, "reading meta");
}

fk_status fk_meta_set(fk_ctx *ctx, const char *key, const char *value, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_META_EXISTS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading meta");
	if (rc == SQLITE_ROW && (s = fk_trust_unseal(ctx, FK_T_META, FK_VAL_TEXT(key), 0, err)) != FK_OK)
		return s;
	if ((s = fk_ctx_stmt(ctx, SQL_META_SET, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "writing meta")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_META, FK_VAL_TEXT(key), err);
}

fk_status fk_meta_del(fk_ctx *ctx, const char *key, int *removed, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_META_EXISTS, &st, err);
	if (removed)
		*removed = 0;
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	fk_sql_reset(st);
	if (rc == SQLITE_DONE)
		return FK_OK;
	if (rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "reading meta");
	if ((s = fk_trust_unseal(ctx, FK_T_META, FK_VAL_TEXT(key), 1, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_META_DEL, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "removing meta")) == FK_OK && removed)
		*removed = 1;
	return s;
}

fk_status fk_terminal_mode(fk_ctx *ctx, char *buf, size_t len, fk_error *err)
{
	fk_error e;
	fk_status s = fk_meta_get(ctx, "mode", buf, len, &e);
	if (s == FK_ERR_NOTFOUND) {
		fk_copy_str(buf, len, FK_MODE_PRODUCTION);
		return FK_OK;
	}
	if (s != FK_OK && err)
		*err = e;
	return s;
}

int fk_terminal_is_test(fk_ctx *ctx)
{
	char mode[16];
	return fk_terminal_mode(ctx, mode, sizeof mode, NULL) == FK_OK &&
	       (!strcmp(mode, FK_MODE_TEST) || !strcmp(mode, FK_MODE_DEMO));
}
