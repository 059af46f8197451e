/* Granting, revoking and the expiry sweep of file permissions (R-FILES, R-JURIS, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "gate.h"
#include "grant.h"
#include "trust.h"
#include "norm.h"
#include "util.h"

static const char SQL_INSERT[] =
	"INSERT INTO permission_grant(operator_id, municipality, kinds, rights, valid_from, "
	"valid_until, granted_by, granted_by_user, granted_at, reason) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_GRANT_OWNER[] =
	"SELECT " FK_COLS_GRANT ", mac FROM permission_grant WHERE id = ?1";
static const char SQL_REVOKE[] =
	"UPDATE permission_grant SET revoked_at = ?2, revoked_by = ?3, revoked_by_user = ?4, "
	"revoke_reason = ?5 WHERE id = ?1 AND revoked_at IS NULL";
static const char SQL_UNRECORDED_EXPIRY[] =
	"SELECT id FROM permission_grant WHERE valid_until IS NOT NULL AND expiry_recorded_at IS NULL "
	"AND valid_until <= ?1 AND revoked_at IS NULL ORDER BY id LIMIT 256";

fk_status fk_reason_check(const char *reason, size_t max, fk_error *err)
{
	size_t n = reason ? strlen(reason) : 0;
	if (n == 0)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_REASON_REQUIRED, NULL, 0);
	if (n > max || !fk_utf8_valid(reason, n))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_REASON_TOO_LONG, NULL, (long long)max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_REASON_ONE_LINE, NULL, 0);
	return FK_OK;
}

static fk_status check_reason(const char *reason, fk_error *err)
{
	return fk_reason_check(reason, FK_GRANT_REASON_MAX, err);
}

/* The spec's terms, all but the reason. */
static fk_status check_terms(const fk_grant_spec *g, int64_t now, int64_t *from, fk_error *err)
{
	if (!g->user || !*g->user)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_GRANTEE_REQUIRED, NULL, 0);
	if (!g->kinds || (g->kinds & ~FK_KINDS_ALL))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_KINDS_REQUIRED, NULL, 0);
	if (!g->rights || (g->rights & ~FK_RIGHTS_ALL))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_RIGHTS_REQUIRED, NULL, 0);
	*from = g->valid_from ? g->valid_from : now;
	if (g->valid_until && g->valid_until <= now)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_GRANT_ALREADY_ENDED, NULL, 0);
	if (g->valid_until && g->valid_until <= *from)
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_GRANT_ENDS_BEFORE_START, NULL, 0);
	return FK_OK;
}

static fk_status check_spec(const fk_grant_spec *g, int64_t now, int64_t *from, fk_error *err)
{
	fk_status s = check_terms(g, now, from, err);
	return s == FK_OK ? check_reason(g->reason, err) : s;
}

/* The decision fk_grant_add makes, without the reason. */
static fk_authz_req add_req(const fk_grant_spec *g, const fk_operator *op, int64_t now)
{
	fk_authz_req r = {.op = FK_OP_GRANT_ADD, .municipality = g->municipality, .kinds = g->kinds,
			  .rights = g->rights, .target_operator = op->id, .at = now};
	return r;
}

fk_status fk_grant_precheck(fk_ctx *ctx, const fk_grant_spec *g, int record, fk_error *err)
{
	int64_t now = fk_authz_now(), from = 0;
	fk_operator op;
	fk_authz_decision d;
	fk_status s = check_terms(g, now, &from, err);
	if (s == FK_OK)
		s = fk_operator_get(ctx, g->user, &op, err);
	if (s != FK_OK)
		return s;
	fk_authz_req r = add_req(g, &op, now);
	if (record) {
		/* Through the gate: a refusal is recorded as fk_grant_add's would be. */
		fk_gate gate;
		if ((s = fk_gate_open(ctx, &gate, FK_OP_GRANT_ADD, g->user, err)) != FK_OK ||
		    (s = fk_gate_decide(ctx, &gate, &r, err)) != FK_OK)
			return s;
		fk_gate_abandon(ctx, &gate);
		return FK_OK;
	}
	if ((s = fk_authorize(ctx, &r, &d, err)) != FK_OK)
		return s;
	if (d.allowed)
		return FK_OK;
	fk_fail(err, FK_ERR_DENIED, "%s", d.msg);
	if (err)
		err->reason = (int)d.reason;
	return FK_ERR_DENIED;
}

static void describe(const fk_grant_spec *g, int64_t from, char *buf, size_t len)
{
	char kinds[48], rights[48], f[32], u[32] = "-";
	fk_kinds_format(g->kinds, kinds, sizeof kinds);
	fk_rights_format(g->rights, rights, sizeof rights);
	fk_fmt_utc(from, f, sizeof f);
	if (g->valid_until)
		fk_fmt_utc(g->valid_until, u, sizeof u);
	snprintf(buf, len, "operator=%s municipality=%s kinds=%s rights=%s from=%s until=%s reason=%s",
		 g->user, g->municipality ? g->municipality : "*", kinds, rights, f, u, g->reason);
}

static fk_status insert(fk_ctx *ctx, const fk_grant_spec *g, int64_t grantee, int64_t from,
			int64_t now, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, grantee);
	if (g->municipality)
		fk_sql_bind_text(st, 2, g->municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 3, (int)g->kinds);
	fk_sql_bind_int(st, 4, (int)g->rights);
	fk_sql_bind_int64(st, 5, from);
	if (g->valid_until)
		fk_sql_bind_int64(st, 6, g->valid_until);
	if (ctx->actor.operator_id)
		fk_sql_bind_int64(st, 7, ctx->actor.operator_id);
	fk_sql_bind_text(st, 8, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 9, now);
	fk_sql_bind_text(st, 10, g->reason, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "storing the grant")) != FK_OK)
		return s;
	*id = fk_sql_last_insert_rowid(ctx->db);
	return fk_trust_seal(ctx, FK_T_GRANT, FK_VAL_INT(*id), err);
}

fk_status fk_grant_add(fk_ctx *ctx, const fk_grant_spec *g, int64_t *id, fk_error *err)
{
	int64_t now = fk_authz_now(), from = 0;
	char detail[840] = "";
	fk_operator op;
	fk_gate gate;
	/* Decided inside the write lock: nothing can change between the decision and the grant. */
	fk_status s = fk_gate_open(ctx, &gate, FK_OP_GRANT_ADD, g->user, err);
	if (s != FK_OK)
		return s;
	if ((s = check_spec(g, now, &from, err)) == FK_OK && (s = fk_operator_get(ctx, g->user, &op, err)) == FK_OK) {
		fk_authz_req r = add_req(g, &op, now);
		if ((s = fk_gate_decide(ctx, &gate, &r, err)) != FK_OK)
			return s;
		s = insert(ctx, g, op.id, from, now, id, err);
	}
	if (s == FK_OK) {
		int n = snprintf(detail, sizeof detail, "id=%lld ", (long long)*id);
		describe(g, from, detail + n, sizeof detail - (size_t)n);
	}
	return fk_gate_end(ctx, &gate, s, detail, err);
}

/* The grant's owner and whether it is revoked, from its row (checked). */
static fk_status grant_owner(fk_ctx *ctx, int64_t id, int64_t *owner, int *revoked, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_GRANT_OWNER, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_GRANT, st, 0, err)) == FK_OK) {
		*owner = fk_sql_column_int64(st, FK_C_GRANT_OPERATOR);
		*revoked = fk_sql_column_type(st, FK_C_GRANT_REVOKED_AT) != SQLITE_NULL;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc == SQLITE_DONE)
		s = fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_GRANT_NOT_FOUND, NULL, (long long)id);
	else if (s == FK_OK && rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading the grant");
	return s;
}

static fk_status revoke_row(fk_ctx *ctx, int64_t id, const char *reason, fk_error *err)
{
	fk_stmt *st;
	fk_status s;
	if ((s = fk_trust_unseal(ctx, FK_T_GRANT, FK_VAL_INT(id), 0, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_REVOKE, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	fk_sql_bind_int64(st, 2, fk_authz_now());
	fk_sql_bind_int64(st, 3, ctx->actor.operator_id);
	fk_sql_bind_text(st, 4, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	if ((s = fk_ctx_exec(ctx, st, err, "revoking the grant")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_GRANT, FK_VAL_INT(id), err);
}

fk_status fk_grant_revoke(fk_ctx *ctx, int64_t id, const char *reason, fk_error *err)
{
	char oid[24], detail[FK_GRANT_REASON_MAX + 16];
	int64_t owner = 0;
	int revoked = 0;
	fk_gate gate;
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	fk_status s = fk_gate_open(ctx, &gate, FK_OP_GRANT_REVOKE, oid, err);
	if (s != FK_OK)
		return s;
	if ((s = fk_reason_check(reason, FK_GRANT_REASON_MAX, err)) == FK_OK)
		s = grant_owner(ctx, id, &owner, &revoked, err);
	/* Decided before "no such grant" is told: someone who may not revoke at all learns
	 * nothing of which grant numbers exist. */
	if (s == FK_OK || s == FK_ERR_NOTFOUND) {
		fk_error nf = err ? *err : (fk_error){0};
		fk_status found = s;
		fk_authz_req r = {.op = FK_OP_GRANT_REVOKE, .target_operator = owner};
		if ((s = fk_gate_decide(ctx, &gate, &r, err)) != FK_OK)
			return s;
		if (found != FK_OK) {
			if (err)
				*err = nf;
			s = found;
		} else {
			s = revoked ? fk_fail_id(err, FK_ERR_INVALID, FK_MSG_GRANT_ALREADY_REVOKED, NULL, (long long)id)
				    : revoke_row(ctx, id, reason, err);
		}
	}
	snprintf(detail, sizeof detail, "reason=%s", reason ? reason : "");
	return fk_gate_end(ctx, &gate, s, detail, err);
}

fk_status fk_grant_sweep_expired(fk_ctx *ctx, int *n, fk_error *err)
{
	*n = 0;
	for (;;) {
		int64_t ids[256];
		int got = 0, rc;
		fk_stmt *st;
		fk_status s = fk_ctx_stmt(ctx, SQL_UNRECORDED_EXPIRY, &st, err);
		if (s != FK_OK)
			return s;
		fk_sql_bind_int64(st, 1, fk_authz_now());
		while ((rc = fk_sql_step(st)) == SQLITE_ROW && got < 256)
			ids[got++] = fk_sql_column_int64(st, 0);
		fk_sql_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return fk_db_fail(ctx->db, rc, err, "looking for expired grants");
		for (int i = 0; i < got; i++)
			if ((s = fk_authz_note_expired(ctx, ids[i], err)) != FK_OK)
				return s;
		*n += got;
		if (got < 256)
			return FK_OK;
	}
}
