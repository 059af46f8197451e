/* Reading grants for the supervisor's screens and the CLI: lists, a bureau's operators,
 * expiring grants, the effective matrix; each read decided and recorded (R-FILES, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "grant.h"
#include "util.h"

static const char SQL_LIST[] =
	"SELECT g.id, g.operator_id, o.username, o.bureau_id, b.name, coalesce(g.municipality, ''), "
	"coalesce(m.name, ''), g.kinds, g.rights, g.valid_from, coalesce(g.valid_until, 0), "
	"g.granted_at, coalesce(g.revoked_at, 0), g.granted_by_user, coalesce(g.revoked_by_user, ''), "
	"g.reason, coalesce(g.revoke_reason, '') "
	"FROM permission_grant g JOIN operator o ON o.id = g.operator_id "
	"JOIN bureau b ON b.id = o.bureau_id LEFT JOIN municipality m ON m.code = g.municipality "
	"WHERE (?1 IS NULL OR o.username = ?1) AND (?2 = 0 OR o.bureau_id = ?2) "
	"AND (?3 = 0 OR (g.revoked_at IS NULL AND g.valid_from <= ?4 "
	"     AND (g.valid_until IS NULL OR g.valid_until > ?4))) "
	"AND (?5 = 0 OR (g.valid_until IS NOT NULL AND g.valid_until <= ?5)) "
	"ORDER BY g.id";

static const char *const state_ids[] = {"active", "pending", "expired", "revoked"};

const char *fk_grant_state_id(fk_grant_state s)
{
	return (unsigned)s < FK_ARRAY_LEN(state_ids) ? state_ids[s] : "?";
}

static void col(sqlite3_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

static void row_to_grant(sqlite3_stmt *st, int64_t now, fk_grant *g)
{
	memset(g, 0, sizeof *g);
	g->id = sqlite3_column_int64(st, 0);
	g->operator_id = sqlite3_column_int64(st, 1);
	col(st, 2, g->user, sizeof g->user);
	g->bureau_id = sqlite3_column_int64(st, 3);
	col(st, 4, g->bureau, sizeof g->bureau);
	col(st, 5, g->municipality, sizeof g->municipality);
	col(st, 6, g->muni_name, sizeof g->muni_name);
	g->kinds = (unsigned)sqlite3_column_int(st, 7);
	g->rights = (unsigned)sqlite3_column_int(st, 8);
	g->valid_from = sqlite3_column_int64(st, 9);
	g->valid_until = sqlite3_column_int64(st, 10);
	g->granted_at = sqlite3_column_int64(st, 11);
	g->revoked_at = sqlite3_column_int64(st, 12);
	col(st, 13, g->granted_by, sizeof g->granted_by);
	col(st, 14, g->revoked_by, sizeof g->revoked_by);
	col(st, 15, g->reason, sizeof g->reason);
	col(st, 16, g->revoke_reason, sizeof g->revoke_reason);
	g->state = g->revoked_at ? FK_GRANT_REVOKED
		: g->valid_from > now ? FK_GRANT_PENDING
		: g->valid_until && g->valid_until <= now ? FK_GRANT_EXPIRED : FK_GRANT_ACTIVE;
}

/* The rows of f, without authorisation (callers decide first). */
static fk_status select_grants(fk_ctx *ctx, const fk_grant_filter *f, fk_grant_cb cb, void *arg,
			       fk_error *err)
{
	sqlite3_stmt *st;
	int64_t now = fk_authz_now();
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (s != FK_OK)
		return s;
	if (f->user)
		sqlite3_bind_text(st, 1, f->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, f->bureau_id);
	sqlite3_bind_int(st, 3, f->active_only || f->expiring_before);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, f->expiring_before);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fk_grant g;
		row_to_grant(st, now, &g);
		if (cb(&g, arg))
			break;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK
						      : fk_db_fail(ctx->db, rc, err, "reading grants");
}

/* Decide and record a read of grants of user (or of bureau when user is
 * NULL); FK_OK only when allowed and recorded. */
static fk_status authorize_read(fk_ctx *ctx, const char *action, const char *user, int64_t bureau,
				fk_error *err)
{
	fk_operator op;
	fk_authz_decision d = {0};
	char oid[80];
	fk_authz_req r = {FK_ACT_GRANTS_READ, NULL, 0, 0, 0, 0, bureau, 0};
	fk_status s = FK_OK;
	if (user) {
		fk_copy_str(oid, sizeof oid, user);
		if ((s = fk_operator_get(ctx, user, &op, err)) == FK_OK)
			r.target_operator = op.id;
	} else {
		snprintf(oid, sizeof oid, "%lld", (long long)bureau);
	}
	const char *otype = user ? "operator" : "bureau";
	if (s == FK_OK && (s = fk_authorize(ctx, &r, &d, err)) == FK_OK)
		return fk_authz_record(ctx, action, otype, oid, &d, NULL, err);
	return fk_audit_outcome(ctx, action, otype, oid, s, err);
}

fk_status fk_grant_list(fk_ctx *ctx, const fk_grant_filter *f, fk_grant_cb cb, void *arg,
			fk_error *err)
{
	fk_status s = authorize_read(ctx, "grant.list", f->user, f->bureau_id, err);
	return s == FK_OK ? select_grants(ctx, f, cb, arg, err) : s;
}

fk_status fk_grant_expiring(fk_ctx *ctx, int64_t bureau_id, int days, fk_grant_cb cb, void *arg,
			    fk_error *err)
{
	if (days < 0 || days > 3660)
		return fk_fail(err, FK_ERR_INVALID, "days must be 0-3660");
	fk_grant_filter f = {NULL, bureau_id, 1, fk_authz_now() + (int64_t)days * 86400 * 1000000000LL};
	return fk_grant_list(ctx, &f, cb, arg, err);
}

typedef struct collect {
	void *v;
	int n, cap;
	size_t size;
	int64_t bureau; /* operators: only this bureau's */
	int failed;
} collect;

static int push(collect *c, const void *item)
{
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		void *v = realloc(c->v, (size_t)cap * c->size);
		if (!v) {
			c->failed = 1;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	memcpy((char *)c->v + (size_t)c->n++ * c->size, item, c->size);
	return 0;
}

static int collect_op(const fk_operator *op, void *arg)
{
	collect *c = arg;
	return op->bureau_id == c->bureau ? push(c, op) : 0;
}

static int collect_grant(const fk_grant *g, void *arg)
{
	return push(arg, g);
}

fk_status fk_grant_bureau_operators(fk_ctx *ctx, int64_t bureau_id, fk_grant_operator_cb cb,
				    void *arg, fk_error *err)
{
	if (bureau_id <= 0)
		return fk_fail(err, FK_ERR_INVALID, "which bureau?");
	collect ops = {NULL, 0, 0, sizeof(fk_operator), bureau_id, 0};
	collect gs = {NULL, 0, 0, sizeof(fk_grant), 0, 0};
	fk_status s = authorize_read(ctx, "grant.operators", NULL, bureau_id, err);
	if (s == FK_OK)
		s = fk_operator_list(ctx, collect_op, &ops, err);
	if (s == FK_OK && ops.failed)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int i = 0; s == FK_OK && i < ops.n; i++) {
		const fk_operator *op = (const fk_operator *)ops.v + i;
		fk_grant_filter f = {op->username, bureau_id, 0, 0};
		gs.n = 0;
		if ((s = select_grants(ctx, &f, collect_grant, &gs, err)) == FK_OK && gs.failed)
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
		if (s == FK_OK && cb(op, gs.v, gs.n, arg))
			break;
	}
	free(ops.v);
	free(gs.v);
	return s;
}

fk_status fk_grant_matrix(fk_ctx *ctx, const char *user, fk_perm_matrix *m, fk_error *err)
{
	fk_operator op;
	memset(m, 0, sizeof *m);
	fk_status s = authorize_read(ctx, "grant.matrix", user, 0, err);
	if (s == FK_OK)
		s = fk_operator_get(ctx, user, &op, err);
	return s == FK_OK ? fk_authz_matrix(ctx, op.id, 0, m, err) : s;
}
