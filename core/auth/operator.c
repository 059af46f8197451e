/* Operators enrolled on this terminal (R-ENROL): user name, role, bureau, enabled. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "norm.h"
#include "operator.h"
#include "refdata.h"
#include "trust.h"
#include "util.h"

static const char SQL_ADD[] =
	"INSERT INTO operator(username, role, bureau_id, enabled, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, 1, ?4, ?4)";
static const char SQL_SET_NAME[] = "UPDATE operator SET display_name = ?2 WHERE id = ?1";
static const char SQL_ENABLE[] =
	"UPDATE operator SET enabled = ?2, updated_at = ?3 WHERE username = ?1";
/* The operator's covered columns and MAC first (checked as read), then its bureau's name. */
static const char SQL_SELECT[] =
	"SELECT o.id, o.username, o.role, o.bureau_id, o.enabled, o.display_name, o.created_at, "
	"o.updated_at, o.mac, b.name FROM operator o JOIN bureau b ON b.id = o.bureau_id "
	"WHERE (CAST(?1 AS TEXT) IS NULL OR o.username = ?1) ORDER BY o.username";
enum { C_ID, C_USER, C_ROLE, C_BUREAU, C_ENABLED, C_NAME, C_CREATED, C_UPDATED, C_MAC, C_BUREAU_NAME };
static const char SQL_ID[] = "SELECT id FROM operator WHERE username = ?1";

fk_status fk_operator_name_valid(const char *user, fk_error *err)
{
	size_t n = strlen(user);
	if (n == 0 || n > 64 || strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789._-") != n || user[0] == '.' || user[0] == '-')
		return fk_fail(err, FK_ERR_INVALID,
			       "user name must be 1-64 characters of A-Z a-z 0-9 . _ - "
			       "starting with a letter or digit");
	return FK_OK;
}

static void name_aad(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "fk:operator:%lld", (long long)id);
}

static fk_status add_locked(fk_ctx *ctx, const char *user, fk_role role, int64_t bureau_id,
			    const char *display, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_ADD, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, user, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, fk_role_id(role), -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 3, bureau_id);
	fk_sql_bind_int64(st, 4, fk_now_ns());
	if ((s = fk_ctx_exec(ctx, st, err, "enrolling the operator")) != FK_OK) {
		if (s == FK_ERR_EXISTS)
			fk_fail(err, s, "operator %s already exists", user);
		return s;
	}
	*id = fk_sql_last_insert_rowid(ctx->db);
	if (display && *display) {
		char aad[48];
		uint8_t *blob;
		size_t len;
		name_aad(*id, aad, sizeof aad);
		if ((s = fk_ctx_seal(ctx, aad, display, &blob, &len, err)) != FK_OK)
			return s;
		if ((s = fk_ctx_stmt(ctx, SQL_SET_NAME, &st, err)) != FK_OK) {
			free(blob);
			return s;
		}
		fk_sql_bind_int64(st, 1, *id);
		fk_sql_bind_blob(st, 2, blob, (int)len, SQLITE_TRANSIENT);
		free(blob);
		if ((s = fk_ctx_exec(ctx, st, err, "storing the display name")) != FK_OK)
			return s;
	}
	return fk_trust_seal(ctx, FK_T_OPERATOR, FK_VAL_INT(*id), err);
}

fk_status fk_operator_insert(fk_ctx *ctx, const char *user, fk_role role, const char *bureau,
			     const char *display, int64_t *id, fk_error *err)
{
	fk_bureau b;
	fk_status s = fk_operator_name_valid(user, err);
	if (s == FK_OK && (role < FK_ROLE_OPERATOR || role > FK_ROLE_ADMIN))
		s = fk_fail(err, FK_ERR_INVALID, "unknown role");
	if (s == FK_OK && display && strlen(display) > 120)
		s = fk_fail(err, FK_ERR_INVALID, "display name longer than 120 bytes");
	if (s == FK_OK && display && !fk_utf8_valid(display, strlen(display)))
		s = fk_fail(err, FK_ERR_INVALID, "display name is not valid UTF-8");
	if (s == FK_OK)
		s = fk_bureau_find(ctx, bureau, &b, err);
	return s == FK_OK ? add_locked(ctx, user, role, b.id, display, id, err) : s;
}

static fk_status operator_id(fk_ctx *ctx, const char *user, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_ID, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, user, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*id = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	if (rc == SQLITE_DONE)
		return fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_OPERATOR_UNKNOWN, user, 0);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "finding the operator");
}

fk_status fk_operator_write_enabled(fk_ctx *ctx, const char *user, int enabled, fk_error *err)
{
	fk_stmt *st;
	int64_t id = 0;
	fk_status s;
	if ((s = operator_id(ctx, user, &id, err)) != FK_OK ||
	    (s = fk_trust_unseal(ctx, FK_T_OPERATOR, FK_VAL_INT(id), 0, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_ENABLE, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, user, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, enabled ? 1 : 0);
	fk_sql_bind_int64(st, 3, fk_now_ns());
	if ((s = fk_ctx_exec(ctx, st, err, "changing the operator")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_OPERATOR, FK_VAL_INT(id), err);
}

static fk_status row_to_op(fk_ctx *ctx, fk_stmt *st, fk_operator *op, fk_error *err)
{
	memset(op, 0, sizeof *op);
	/* Role, bureau and enabled decide access: the row must be what this terminal wrote. */
	fk_status s = fk_trust_check(ctx, FK_T_OPERATOR, st, C_ID, err);
	if (s != FK_OK)
		return s;
	op->id = fk_sql_column_int64(st, C_ID);
	fk_copy_str(op->username, sizeof op->username, (const char *)fk_sql_column_text(st, C_USER));
	int role = fk_role_parse((const char *)fk_sql_column_text(st, C_ROLE));
	op->role = role > 0 ? (fk_role)role : FK_ROLE_NONE;
	op->bureau_id = fk_sql_column_int64(st, C_BUREAU);
	fk_copy_str(op->bureau, sizeof op->bureau, (const char *)fk_sql_column_text(st, C_BUREAU_NAME));
	op->enabled = fk_sql_column_int(st, C_ENABLED) == 1;
	op->created_at = fk_sql_column_int64(st, C_CREATED);
	op->updated_at = fk_sql_column_int64(st, C_UPDATED);
	if (fk_sql_column_type(st, C_NAME) == SQLITE_NULL)
		return FK_OK;
	char aad[48], *name;
	name_aad(op->id, aad, sizeof aad);
	s = fk_ctx_open_sealed(ctx, aad, fk_sql_column_blob(st, C_NAME),
			       (size_t)fk_sql_column_bytes(st, C_NAME), &name, err);
	if (s == FK_OK) {
		fk_copy_str(op->display, sizeof op->display, name);
		free(name);
	}
	return s;
}

static fk_status select_ops(fk_ctx *ctx, const char *user, fk_operator_cb cb, void *arg, int *found,
			    fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_SELECT, &st, err);
	if (s != FK_OK)
		return s;
	if (user)
		fk_sql_bind_text(st, 1, user, -1, SQLITE_STATIC);
	int rc = SQLITE_DONE;
	*found = 0;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_operator op;
		if ((s = row_to_op(ctx, st, &op, err)) != FK_OK)
			break;
		(*found)++;
		if (cb(&op, arg))
			break;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading operators");
	return s;
}

fk_status fk_operator_list(fk_ctx *ctx, fk_operator_cb cb, void *arg, fk_error *err)
{
	int found;
	return select_ops(ctx, NULL, cb, arg, &found, err);
}

static int copy_op(const fk_operator *op, void *arg)
{
	*(fk_operator *)arg = *op;
	return 1;
}

fk_status fk_operator_get(fk_ctx *ctx, const char *user, fk_operator *out, fk_error *err)
{
	int found;
	fk_status s = select_ops(ctx, user, copy_op, out, &found, err);
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no operator named %.64s", user);
	return s;
}
