/* Reading grants for the supervisor's screens and the CLI: lists, a bureau's operators,
 * expiring grants, the effective matrix; each read decided and recorded (R-FILES, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "gate.h"
#include "grant.h"
#include "trust.h"
#include "util.h"

/* The grant's covered columns and MAC (checked as read), then what the list shows with it. */
#define GRANT_ROWS                                                                                \
	"SELECT g.*, o.username, o.bureau_id, b.name, coalesce(m.name, '') "                      \
	"FROM (SELECT " FK_COLS_GRANT ", mac FROM permission_grant) g JOIN operator o ON o.id = g.operator_id " \
	"JOIN bureau b ON b.id = o.bureau_id LEFT JOIN municipality m ON m.code = g.municipality "
/* The filter (fk_grant_filter, bound by bind_filter). */
#define GRANT_WHERE                                                                               \
	"WHERE (CAST(?1 AS TEXT) IS NULL OR o.username = ?1) AND (?2 = 0 OR o.bureau_id = ?2) "   \
	"AND (?3 = 0 OR (g.revoked_at IS NULL AND g.valid_from <= ?4 "                            \
	"     AND (g.valid_until IS NULL OR g.valid_until > ?4))) "                                \
	"AND (CAST(?5 AS BIGINT) = 0 OR (g.valid_until IS NOT NULL AND g.valid_until <= ?5)) "
static const char SQL_LIST[] = GRANT_ROWS GRANT_WHERE "ORDER BY g.id";

/* One page of the same, in id order after ?6, at most ?7 rows. A bureau holds 10,000 grants
 * at the bureau's scale: its screen asks a page at a time and checks only the rows it shows
 * (issue 14). */
static const char SQL_PAGE[] = GRANT_ROWS GRANT_WHERE "AND g.id > ?6 ORDER BY g.id LIMIT ?7";
/* How many the filter matches from ?6 on: the screen's count. Only the ids and the filter's
 * columns, no row sent (a window over SQL_PAGE made SQLite carry every row's text along). A
 * count is no grant's content: rows are checked when they are shown. */
static const char SQL_PAGE_COUNT[] =
	"SELECT count(*) FROM permission_grant g JOIN operator o ON o.id = g.operator_id " GRANT_WHERE
	"AND g.id > ?6";

static const char *const state_ids[] = {"active", "pending", "expired", "revoked"};

const char *fk_grant_state_id(fk_grant_state s)
{
	return (unsigned)s < FK_ARRAY_LEN(state_ids) ? state_ids[s] : "?";
}

static void col(fk_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, i);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

enum { C_USER = FK_C_GRANT_MAC + 1, C_BUREAU, C_BUREAU_NAME, C_MUNI_NAME };

void fk_grant_fill(fk_stmt *st, int64_t now, fk_grant *g)
{
	memset(g, 0, sizeof *g);
	g->id = fk_sql_column_int64(st, FK_C_GRANT_ID);
	g->operator_id = fk_sql_column_int64(st, FK_C_GRANT_OPERATOR);
	col(st, C_USER, g->user, sizeof g->user);
	g->bureau_id = fk_sql_column_int64(st, C_BUREAU);
	col(st, C_BUREAU_NAME, g->bureau, sizeof g->bureau);
	col(st, FK_C_GRANT_MUNI, g->municipality, sizeof g->municipality);
	col(st, C_MUNI_NAME, g->muni_name, sizeof g->muni_name);
	g->kinds = (unsigned)fk_sql_column_int(st, FK_C_GRANT_KINDS);
	g->rights = (unsigned)fk_sql_column_int(st, FK_C_GRANT_RIGHTS);
	g->valid_from = fk_sql_column_int64(st, FK_C_GRANT_FROM);
	g->valid_until = fk_sql_column_int64(st, FK_C_GRANT_UNTIL);
	g->granted_at = fk_sql_column_int64(st, FK_C_GRANT_AT);
	g->revoked_at = fk_sql_column_int64(st, FK_C_GRANT_REVOKED_AT);
	col(st, FK_C_GRANT_BY_USER, g->granted_by, sizeof g->granted_by);
	col(st, FK_C_GRANT_REVOKED_BY_USER, g->revoked_by, sizeof g->revoked_by);
	col(st, FK_C_GRANT_REASON, g->reason, sizeof g->reason);
	col(st, FK_C_GRANT_REVOKE_REASON, g->revoke_reason, sizeof g->revoke_reason);
	g->state = g->revoked_at ? FK_GRANT_REVOKED
		: g->valid_from > now ? FK_GRANT_PENDING
		: g->valid_until && g->valid_until <= now ? FK_GRANT_EXPIRED : FK_GRANT_ACTIVE;
}

static fk_status row_to_grant(fk_ctx *ctx, fk_stmt *st, int64_t now, fk_grant *g, fk_error *err)
{
	memset(g, 0, sizeof *g);
	fk_status s = fk_trust_check(ctx, FK_T_GRANT, st, 0, err);
	if (s == FK_OK)
		fk_grant_fill(st, now, g);
	return s;
}

static void bind_filter(fk_stmt *st, const fk_grant_filter *f, int64_t now)
{
	if (f->user)
		fk_sql_bind_text(st, 1, f->user, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, f->bureau_id);
	fk_sql_bind_int(st, 3, f->active_only || f->expiring_before);
	fk_sql_bind_int64(st, 4, now);
	fk_sql_bind_int64(st, 5, f->expiring_before);
}

/* The rows of f, without authorisation (callers decide first). */
static fk_status select_grants(fk_ctx *ctx, const fk_grant_filter *f, fk_grant_cb cb, void *arg,
			       fk_error *err)
{
	fk_stmt *st;
	int64_t now = fk_authz_now();
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (s != FK_OK)
		return s;
	bind_filter(st, f, now);
	int rc = SQLITE_DONE;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_grant g;
		if ((s = row_to_grant(ctx, st, now, &g, err)) == FK_OK && cb(&g, arg))
			break;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading grants");
	return s;
}

/* Decide and record a read of grants of user (or of bureau when user is NULL): FK_OK only
 * when allowed and recorded. The reading follows, in the gate's transaction. */
static fk_status authorize_read(fk_ctx *ctx, fk_gate *g, fk_op op, const char *user, int64_t bureau,
				fk_error *err)
{
	fk_operator who;
	char oid[80];
	fk_authz_req r = {.op = op, .target_bureau = bureau};
	if (user)
		fk_copy_str(oid, sizeof oid, user);
	else
		snprintf(oid, sizeof oid, "%lld", (long long)bureau);
	fk_status s = fk_gate_open(ctx, g, op, oid, err);
	if (s != FK_OK)
		return s;
	if (user && (s = fk_operator_get(ctx, user, &who, err)) != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (user)
		r.target_operator = who.id;
	return fk_gate_decide(ctx, g, &r, err);
}

fk_status fk_grant_list(fk_ctx *ctx, const fk_grant_filter *f, fk_grant_cb cb, void *arg,
			fk_error *err)
{
	fk_gate g;
	fk_status s = authorize_read(ctx, &g, FK_OP_GRANT_LIST, f->user, f->bureau_id, err);
	if (s != FK_OK)
		return s;
	/* Recorded before the rows go out: a callback cannot be taken back. */
	s = fk_gate_end(ctx, &g, FK_OK, NULL, err);
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

/* Read under the gate's lock: the rows go out only once the page is on record. */
static fk_status select_page(fk_ctx *ctx, const fk_grant_filter *f, int64_t after_id, int limit,
			     fk_grant *out, int *n, int64_t *rest, fk_error *err)
{
	fk_stmt *st;
	int64_t now = fk_authz_now();
	int rc = SQLITE_ROW;
	fk_status s = rest ? fk_ctx_stmt(ctx, SQL_PAGE_COUNT, &st, err) : FK_OK;
	if (s == FK_OK && rest) {
		bind_filter(st, f, now);
		fk_sql_bind_int64(st, 6, after_id);
		if ((rc = fk_sql_step(st)) == SQLITE_ROW)
			*rest = fk_sql_column_int64(st, 0);
		fk_sql_reset(st);
	}
	if (s != FK_OK || rc != SQLITE_ROW)
		return s != FK_OK ? s : fk_db_fail(ctx->db, rc, err, "counting grants");
	if ((s = fk_ctx_stmt(ctx, SQL_PAGE, &st, err)) != FK_OK)
		return s;
	bind_filter(st, f, now);
	fk_sql_bind_int64(st, 6, after_id);
	fk_sql_bind_int(st, 7, limit);
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && *n < limit) {
		if ((s = row_to_grant(ctx, st, now, &out[*n], err)) != FK_OK)
			break;
		(*n)++;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading grants");
	return s;
}

fk_status fk_grant_page(fk_ctx *ctx, const fk_grant_filter *f, int64_t after_id, int limit,
			fk_grant *out, int *n, int64_t *rest, fk_error *err)
{
	fk_gate g;
	char detail[96];
	*n = 0;
	if (rest)
		*rest = 0;
	if (limit < 1 || limit > FK_GRANT_PAGE_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a page holds 1-%d grants", FK_GRANT_PAGE_MAX);
	fk_status s = authorize_read(ctx, &g, FK_OP_GRANT_LIST, f->user, f->bureau_id, err);
	if (s != FK_OK)
		return s;
	s = select_page(ctx, f, after_id, limit, out, n, rest, err);
	snprintf(detail, sizeof detail, "grants %lld..%lld (%d)", *n ? (long long)out[0].id : 0LL,
		 *n ? (long long)out[*n - 1].id : 0LL, *n);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		memset(out, 0, (size_t)*n * sizeof *out);
		*n = 0;
		if (rest)
			*rest = 0;
	}
	return s;
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
	fk_gate g;
	fk_status s = authorize_read(ctx, &g, FK_OP_GRANT_OPERATORS, NULL, bureau_id, err);
	if (s == FK_OK)
		s = fk_gate_end(ctx, &g, FK_OK, NULL, err);
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
	fk_gate g;
	memset(m, 0, sizeof *m);
	fk_status s = authorize_read(ctx, &g, FK_OP_GRANT_MATRIX, user, 0, err);
	if (s != FK_OK)
		return s;
	if ((s = fk_operator_get(ctx, user, &op, err)) == FK_OK)
		s = fk_authz_matrix(ctx, op.id, 0, m, err);
	/* Read under the gate's lock, handed out only once recorded. */
	if ((s = fk_gate_end(ctx, &g, s, NULL, err)) != FK_OK)
		fk_perm_matrix_free(m);
	return s;
}
