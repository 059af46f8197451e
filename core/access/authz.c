/* The one authorisation decision (R-ACCESS, R-FILES, R-JURIS): one rule, used for single
 * requests, for the permitted set that filters search and counts, and for the matrix. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "meta.h"
#include "trust.h"
#include "db.h"
#include "sql.h"
#include "util.h"

/* Every row a decision is made from is checked against its MAC as it is read (core/trust):
 * the covered columns come first, then the MAC. */
static const char SQL_SUBJECT[] = "SELECT " FK_COLS_OPERATOR ", mac FROM operator WHERE id = ?1";
static const char SQL_SUBJECT_NAMED[] =
	"SELECT " FK_COLS_OPERATOR ", mac FROM operator WHERE username = ?1";
static const char SQL_MUNI_BUREAU[] =
	"SELECT " FK_COLS_MUNICIPALITY ", mac FROM municipality WHERE code = ?1";
static const char SQL_GRANTS[] =
	"SELECT " FK_COLS_GRANT ", mac FROM permission_grant "
	"WHERE operator_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR municipality IS NULL OR municipality = ?2)";
/* An office's municipalities, and its 支局's when the terminal lets a bureau reach them (?3:
 * parent_sees_branches). The bureau rows the subquery reads are a small table, checked whole
 * against its anchored digest before every decision (fk_trust_current in load_subject). */
static const char SQL_BUREAU_MUNIS[] =
	"SELECT " FK_COLS_MUNICIPALITY ", mac FROM municipality WHERE (bureau_id = ?1 OR (?3 <> 0 AND "
	"bureau_id IN (SELECT id FROM bureau WHERE kind = '支局' AND parent_id = ?1))) "
	"AND (CAST(?2 AS TEXT) IS NULL OR code = ?2) ORDER BY code";
static const char SQL_BRANCH[] =
	"SELECT " FK_COLS_BUREAU ", mac FROM bureau WHERE id = ?1 AND kind = '支局'";
enum { C_OFFICE_PARENT = 4 };
/* In each backend's words (docs/storage.md): PostgreSQL has no WITHOUT ROWID, and its kind is an
 * integer there for the browse list's 1 << (kind - 1) (a shift takes an integer). The statements
 * that use the table name it without its schema: both look in the temporary schema first. */
static const char *const SQL_VIEW_CREATE[FK_BACKEND_PG + 1] = {
	[FK_BACKEND_SQLITE] = "CREATE TEMP TABLE IF NOT EXISTS authz_view (municipality TEXT NOT NULL, "
			      "kind INTEGER NOT NULL, PRIMARY KEY (municipality, kind)) WITHOUT ROWID",
	[FK_BACKEND_PG] = "CREATE TEMP TABLE IF NOT EXISTS authz_view (municipality text NOT NULL, "
			  "kind integer NOT NULL, PRIMARY KEY (municipality, kind))",
};
static const char SQL_VIEW_CLEAR[] = "DELETE FROM authz_view";
/* The permitted pairs go in VIEW_BATCH at a time: one statement per pair was one round trip
 * per pair on PostgreSQL (about 240 for a bureau's home screen, issue 14). A last, partial
 * batch repeats its first pair, which ON CONFLICT DO NOTHING drops. */
#define VIEW_BATCH 64
#define VIEW_1 "(?, ?)"
#define VIEW_4 VIEW_1 ", " VIEW_1 ", " VIEW_1 ", " VIEW_1
#define VIEW_16 VIEW_4 ", " VIEW_4 ", " VIEW_4 ", " VIEW_4
static const char SQL_VIEW_ADD[] = "INSERT INTO authz_view(municipality, kind) VALUES "
	VIEW_16 ", " VIEW_16 ", " VIEW_16 ", " VIEW_16 " ON CONFLICT DO NOTHING";

/* ---- what a decision is made from ---- */

typedef struct subject {
	int64_t id;
	char user[72];
	fk_role role;
	int64_t bureau_id;
	int found, enabled;
} subject;

typedef struct grant_row {
	int64_t id;
	char muni[7]; /* "" = every municipality of the grantee's bureau */
	unsigned kinds, rights;
	int64_t from, until, revoked_at; /* 0: none */
	int expiry_recorded;
} grant_row;

typedef struct grant_set {
	grant_row *v;
	int n, cap;
} grant_set;

/* The subject as the database says now. The acting identity must match its
 * row: a session whose operator was renamed or removed acts as nobody. */
static fk_status load_subject(fk_ctx *ctx, int64_t id, int is_actor, subject *s, fk_error *err)
{
	memset(s, 0, sizeof *s);
	s->id = id;
	/* Every decision starts here. An older copy of a row put back by another process has a
	 * valid MAC: the tables are checked against the anchor first when another process wrote
	 * (inside the gate's transaction this costs nothing: its start checked them). */
	fk_status r = fk_trust_current(ctx, err);
	if (r != FK_OK)
		return r;
	if (id == 0)
		return FK_OK; /* nobody: every rule but the system's and the public's refuses */
	fk_stmt *st;
	r = fk_ctx_stmt(ctx, SQL_SUBJECT, &st, err);
	if (r != FK_OK)
		return r;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (r = fk_trust_check(ctx, FK_T_OPERATOR, st, 0, err)) == FK_OK) {
		fk_copy_str(s->user, sizeof s->user, (const char *)fk_sql_column_text(st, FK_C_OP_USER));
		int role = fk_role_parse((const char *)fk_sql_column_text(st, FK_C_OP_ROLE));
		s->role = role > 0 ? (fk_role)role : FK_ROLE_NONE;
		s->bureau_id = fk_sql_column_int64(st, FK_C_OP_BUREAU);
		s->enabled = fk_sql_column_int(st, FK_C_OP_ENABLED) == 1;
		s->found = !is_actor || strcmp(s->user, ctx->actor.user) == 0;
	}
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading the operator");
	return r;
}

/* One integer column of one sealed row found by key, the row checked against its MAC (0: no
 * such row). */
static fk_status checked_int(fk_ctx *ctx, const char *sql, fk_table t, const char *key, int col,
			     int64_t *out, fk_error *err, const char *what)
{
	fk_stmt *st;
	*out = 0;
	fk_status r = fk_ctx_stmt(ctx, sql, &st, err);
	if (r != FK_OK)
		return r;
	fk_sql_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (r = fk_trust_check(ctx, t, st, 0, err)) == FK_OK)
		*out = fk_sql_column_int64(st, col);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, what);
	return r;
}

/* The bureau of the person named user now (0: nobody of that name). */
static fk_status named_bureau(fk_ctx *ctx, const char *user, int64_t *bureau, fk_error *err)
{
	return checked_int(ctx, SQL_SUBJECT_NAMED, FK_T_OPERATOR, user, FK_C_OP_BUREAU, bureau, err,
			   "reading an operator");
}

/* The municipality's bureau now (0: no such municipality). */
static fk_status muni_bureau(fk_ctx *ctx, const char *code, int64_t *bureau, fk_error *err)
{
	return checked_int(ctx, SQL_MUNI_BUREAU, FK_T_MUNICIPALITY, code, FK_C_MUNI_BUREAU, bureau, err,
			   "reading a municipality");
}

/* Whether a municipality whose office is muni_bur lies in the jurisdiction of office: its own,
 * or — only where the terminal's configuration says parent_sees_branches — one of its 支局's
 * (docs/permissions.md). Never another bureau's, and never across a 地方法務局's parent_id
 * (the regional 法務局 is no 支局's parent). The 支局's row is checked against its MAC. */
static fk_status in_jurisdiction(fk_ctx *ctx, int64_t muni_bur, int64_t office, int *in,
				 fk_error *err)
{
	*in = muni_bur != 0 && muni_bur == office;
	if (*in || !muni_bur || !office || !ctx->cfg.parent_sees_branches)
		return FK_OK;
	/* The id as text: compared with the INTEGER column, SQLite reads it as the number. */
	char key[24];
	int64_t parent;
	snprintf(key, sizeof key, "%lld", (long long)muni_bur);
	fk_status r = checked_int(ctx, SQL_BRANCH, FK_T_BUREAU, key, C_OFFICE_PARENT, &parent, err,
				  "reading an office");
	*in = r == FK_OK && parent == office;
	return r;
}

/* The subject's grants, all of them or those that can reach muni. */
static fk_status load_grants(fk_ctx *ctx, int64_t op, const char *muni, grant_set *gs, fk_error *err)
{
	fk_stmt *st;
	gs->n = 0;
	fk_status r = fk_ctx_stmt(ctx, SQL_GRANTS, &st, err);
	if (r != FK_OK)
		return r;
	fk_sql_bind_int64(st, 1, op);
	if (muni)
		fk_sql_bind_text(st, 2, muni, -1, SQLITE_STATIC);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((r = fk_trust_check(ctx, FK_T_GRANT, st, 0, err)) != FK_OK) {
			fk_sql_reset(st);
			return r;
		}
		if (gs->n == gs->cap) {
			int cap = gs->cap ? gs->cap * 2 : 16;
			grant_row *v = realloc(gs->v, (size_t)cap * sizeof *v);
			if (!v) {
				fk_sql_reset(st);
				return fk_fail(err, FK_ERR_NOMEM, "out of memory");
			}
			gs->v = v;
			gs->cap = cap;
		}
		grant_row *g = &gs->v[gs->n++];
		const unsigned char *m = fk_sql_column_text(st, FK_C_GRANT_MUNI);
		g->id = fk_sql_column_int64(st, FK_C_GRANT_ID);
		fk_copy_str(g->muni, sizeof g->muni, m ? (const char *)m : "");
		g->kinds = (unsigned)fk_sql_column_int(st, FK_C_GRANT_KINDS);
		g->rights = (unsigned)fk_sql_column_int(st, FK_C_GRANT_RIGHTS);
		g->from = fk_sql_column_int64(st, FK_C_GRANT_FROM);
		g->until = fk_sql_column_int64(st, FK_C_GRANT_UNTIL);
		g->revoked_at = fk_sql_column_int64(st, FK_C_GRANT_REVOKED_AT);
		g->expiry_recorded = fk_sql_column_type(st, FK_C_GRANT_EXPIRY_RECORDED) != SQLITE_NULL;
	}
	fk_sql_reset(st);
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading grants");
}

/* ---- the rule ---- */

static int deny(fk_authz_decision *d, fk_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int deny(fk_authz_decision *d, fk_reason reason, const char *fmt, ...)
{
	va_list ap;
	d->allowed = 0;
	d->grant_id = 0;
	d->reason = reason;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return 0;
}

static int allow(fk_authz_decision *d, fk_reason reason, int64_t grant_id)
{
	d->allowed = 1;
	d->grant_id = grant_id;
	d->reason = reason;
	snprintf(d->msg, sizeof d->msg, "allowed");
	return 1;
}

static int subject_active(const subject *s, fk_authz_decision *d)
{
	if (!s->found)
		return deny(d, FK_WHY_NOT_ENROLLED, "you are not an enrolled operator of this terminal");
	if (!s->enabled)
		return deny(d, FK_WHY_DISABLED, "operator %s is disabled", s->user);
	return 1;
}

/* May subject s use right on kind of municipality muni (whose bureau is now
 * muni_bur, 0 if unknown; in: inside the subject's jurisdiction, in_jurisdiction)
 * at time at? Deny by default: only an enabled operator or supervisor, inside its
 * bureau's jurisdiction, with a grant that is in force and covers the municipality,
 * the kind and the right. */
static int decide_file(const subject *s, const char *muni, int64_t muni_bur, int in, int kind,
		       unsigned right, const grant_set *gs, int64_t at, fk_authz_decision *d)
{
	if (!subject_active(s, d))
		return 0;
	if (s->role != FK_ROLE_OPERATOR && s->role != FK_ROLE_SUPERVISOR)
		return deny(d, FK_WHY_ROLE, "the %s role never reads fukuhon", fk_role_id(s->role));
	if (kind < 1 || kind > FK_FILE_KINDS || !right)
		return deny(d, FK_WHY_INVALID, "unknown kind of file or action");
	if (muni_bur == 0)
		return deny(d, FK_WHY_UNKNOWN_MUNICIPALITY, "no municipality %.6s", muni);
	if (!in)
		return deny(d, FK_WHY_JURISDICTION, "municipality %.6s is outside your bureau's jurisdiction",
			    muni);
	int seen = 0;
	for (int i = 0; i < gs->n; i++) {
		const grant_row *g = &gs->v[i];
		if ((g->muni[0] && strcmp(g->muni, muni) != 0) || !(g->kinds & FK_KIND_BIT(kind)) ||
		    !(g->rights & right))
			continue;
		if (g->revoked_at)
			seen |= 1;
		else if (g->from > at)
			seen |= 2;
		else if (g->until && g->until <= at)
			seen |= 4;
		else
			return allow(d, FK_WHY_GRANTED, g->id);
	}
	fk_reason why = seen & 4 ? FK_WHY_GRANT_EXPIRED : seen & 2 ? FK_WHY_GRANT_PENDING
		: seen & 1 ? FK_WHY_GRANT_REVOKED : FK_WHY_NO_GRANT;
	return deny(d, why, "no grant in force lets you %s %s of %.6s (%s)",
		    right == FK_RIGHT_VIEW ? "view" : right == FK_RIGHT_EXPORT ? "export"
		    : right == FK_RIGHT_PRINT ? "print" : "dispose of",
		    fk_file_kind_name(kind), muni, fk_reason_id(why));
}

/* Grant management by role (docs/permissions.md, "who may grant"). */
static int decide_manage(const subject *a, const fk_authz_req *r, const subject *t,
			 int64_t scope_bur, int scope_in, fk_authz_decision *d)
{
	if (!subject_active(a, d))
		return 0;
	int admin = a->role == FK_ROLE_ADMIN, sup = a->role == FK_ROLE_SUPERVISOR;
	if (r->op != FK_OP_GRANT_ADD && r->op != FK_OP_GRANT_REVOKE) {
		if (admin || a->role == FK_ROLE_AUDITOR)
			return allow(d, FK_WHY_BY_ROLE, 0);
		if (t->found && t->id == a->id)
			return allow(d, FK_WHY_OWN, 0);
		if (sup && (t->found ? t->bureau_id : r->target_bureau) == a->bureau_id)
			return allow(d, FK_WHY_BY_ROLE, 0);
		return deny(d, sup ? FK_WHY_JURISDICTION : FK_WHY_ROLE,
			    "you may read only %s grants", sup ? "your bureau's" : "your own");
	}
	if (!admin && !sup)
		return deny(d, FK_WHY_ROLE, "the %s role cannot grant or revoke", fk_role_id(a->role));
	/* A revoke of a grant that does not exist (grant.c): decided on the role alone, so that
	 * who may not revoke learns nothing of which numbers exist; the caller then fails it. */
	if (r->op == FK_OP_GRANT_REVOKE && !r->target_operator)
		return allow(d, FK_WHY_BY_ROLE, 0);
	if (!t->found)
		return deny(d, FK_WHY_UNKNOWN_OPERATOR, "no such operator");
	if (a->id == t->id)
		return deny(d, FK_WHY_SELF, "nobody grants or revokes their own permissions");
	if (t->role != FK_ROLE_OPERATOR && t->role != FK_ROLE_SUPERVISOR)
		return deny(d, FK_WHY_GRANTEE_ROLE, "the %s role never receives fukuhon permissions",
			    fk_role_id(t->role));
	if (sup && t->role != FK_ROLE_OPERATOR)
		return deny(d, FK_WHY_GRANTEE_ROLE,
			    "a supervisor grants only to operators; supervisors are granted by the administrator");
	if (sup && t->bureau_id != a->bureau_id)
		return deny(d, FK_WHY_JURISDICTION, "operator %s belongs to another bureau", t->user);
	if (r->op == FK_OP_GRANT_ADD) {
		if (!r->kinds || (r->kinds & ~FK_KINDS_ALL) || !r->rights || (r->rights & ~FK_RIGHTS_ALL))
			return deny(d, FK_WHY_INVALID, "a grant needs kinds and rights");
		if (r->municipality && scope_bur == 0)
			return deny(d, FK_WHY_UNKNOWN_MUNICIPALITY, "no municipality %.6s", r->municipality);
		if (r->municipality && !scope_in)
			return deny(d, FK_WHY_JURISDICTION,
				    "municipality %.6s is outside the jurisdiction of %s's bureau",
				    r->municipality, t->user);
	}
	return allow(d, FK_WHY_BY_ROLE, 0);
}

/* Grants of gs that have ended (by the clock, not only at the decision's
 * time) and whose expiry is not yet in the history. */
static fk_status note_expired(fk_ctx *ctx, const grant_set *gs, int64_t at, fk_error *err)
{
	fk_status s = FK_OK;
	int64_t now = fk_authz_now();
	for (int i = 0; i < gs->n && s == FK_OK; i++) {
		const grant_row *g = &gs->v[i];
		if (g->until && g->until <= at && g->until <= now && !g->expiry_recorded && !g->revoked_at)
			s = fk_authz_note_expired(ctx, g->id, err);
	}
	return s;
}

/* ---- many pairs: the permitted set and the matrix ---- */

typedef int (*muni_fn)(const char *code, const char *name, void *arg);

static fk_status each_muni(fk_ctx *ctx, int64_t bureau, const char *only, muni_fn fn, void *arg,
			   fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_BUREAU_MUNIS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, bureau);
	if (only)
		fk_sql_bind_text(st, 2, only, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 3, ctx->cfg.parent_sees_branches);
	int rc, stop = 0;
	while (!stop && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		/* Which municipalities are the bureau's decides jurisdiction (R-JURIS). */
		if ((s = fk_trust_check(ctx, FK_T_MUNICIPALITY, st, 0, err)) != FK_OK)
			break;
		stop = fn((const char *)fk_sql_column_text(st, FK_C_MUNI_CODE),
			  (const char *)fk_sql_column_text(st, FK_C_MUNI_NAME), arg);
	}
	fk_sql_reset(st);
	if (s != FK_OK)
		return s;
	if (stop < 0)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	return stop || rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading municipalities");
}

typedef struct pairs {
	fk_ctx *ctx;
	const subject *s;
	const grant_set *gs;
	unsigned kind_bits, right;
	int64_t at;
	int insert, count;
	fk_status st;
	fk_error *err;
	fk_authz_decision last; /* the most telling refusal met */
	char muni[VIEW_BATCH][16]; /* permitted pairs not yet written (codes are 6 digits) */
	int kind[VIEW_BATCH];
	int nbuf;
} pairs;

/* Write the pairs held (p->st says how it went); 1 when it failed. */
static int flush_pairs(pairs *p)
{
	fk_stmt *st;
	if (!p->nbuf)
		return 0;
	if ((p->st = fk_ctx_stmt(p->ctx, SQL_VIEW_ADD, &st, p->err)) != FK_OK)
		return 1;
	for (int i = 0; i < VIEW_BATCH; i++) {
		int j = i < p->nbuf ? i : 0;
		fk_sql_bind_text(st, 2 * i + 1, p->muni[j], -1, SQLITE_TRANSIENT);
		fk_sql_bind_int(st, 2 * i + 2, p->kind[j]);
	}
	p->nbuf = 0;
	return (p->st = fk_ctx_exec(p->ctx, st, p->err, "permitted set")) != FK_OK;
}

static int pair_cb(const char *code, const char *name, void *arg)
{
	(void)name;
	pairs *p = arg;
	for (int k = 1; k <= FK_FILE_KINDS; k++) {
		if (!(p->kind_bits & FK_KIND_BIT(k)))
			continue;
		fk_authz_decision one;
		if (!decide_file(p->s, code, p->s->bureau_id, 1, k, p->right, p->gs, p->at, &one)) {
			if (one.reason != FK_WHY_NO_GRANT || !p->last.reason)
				p->last = one;
			continue;
		}
		p->count++;
		if (!p->insert)
			continue;
		if (strlen(code) >= sizeof p->muni[0]) {
			p->st = fk_fail(p->err, FK_ERR_CORRUPT, "a municipality code of %zu bytes", strlen(code));
			return 1;
		}
		memcpy(p->muni[p->nbuf], code, strlen(code) + 1);
		p->kind[p->nbuf++] = k;
		if (p->nbuf == VIEW_BATCH && flush_pairs(p))
			return 1;
	}
	return 0;
}

/* Decide right on every (municipality, kind) in scope for the acting
 * operator; with insert, write the permitted ones to temp.authz_view. */
static fk_status evaluate_pairs(fk_ctx *ctx, const char *muni, unsigned kind_bits, unsigned right,
				int64_t at, int insert, fk_authz_decision *d, int *npairs,
				fk_error *err)
{
	subject s;
	grant_set gs = {0};
	*npairs = 0;
	fk_status st = load_subject(ctx, ctx->actor.operator_id, 1, &s, err);
	if (st != FK_OK || !subject_active(&s, d))
		return st;
	if (s.role != FK_ROLE_OPERATOR && s.role != FK_ROLE_SUPERVISOR) {
		deny(d, FK_WHY_ROLE, "the %s role never reads fukuhon", fk_role_id(s.role));
		return FK_OK;
	}
	if (muni) {
		/* A named municipality gets the single decision's exact reason
		 * (jurisdiction, unknown) even when it is not one of ours. */
		int64_t b;
		int in;
		if ((st = muni_bureau(ctx, muni, &b, err)) != FK_OK ||
		    (st = in_jurisdiction(ctx, b, s.bureau_id, &in, err)) != FK_OK)
			return st;
		if (!in) {
			grant_set none = {0};
			decide_file(&s, muni, b, 0, FK_FILE_KOSEKI, right, &none, at, d);
			return FK_OK;
		}
	}
	if ((st = load_grants(ctx, s.id, muni, &gs, err)) != FK_OK) {
		free(gs.v);
		return st;
	}
	pairs p = {.ctx = ctx, .s = &s, .gs = &gs, .kind_bits = kind_bits, .right = right, .at = at,
		   .insert = insert, .st = FK_OK, .err = err};
	st = each_muni(ctx, s.bureau_id, muni, pair_cb, &p, err);
	if (st == FK_OK)
		st = p.st;
	if (st == FK_OK && flush_pairs(&p))
		st = p.st;
	if (st == FK_OK)
		st = note_expired(ctx, &gs, at, err);
	free(gs.v);
	*npairs = p.count;
	if (st == FK_OK && p.count)
		allow(d, FK_WHY_GRANTED, 0);
	else if (st == FK_OK && p.last.reason)
		*d = p.last;
	else if (st == FK_OK)
		deny(d, FK_WHY_NO_GRANT, "no grant in force lets you do this");
	return st;
}

fk_status fk_authz_view_set(fk_ctx *ctx, const char *municipality, unsigned kind_bits,
			    fk_authz_decision *d, int *npairs, fk_error *err)
{
	fk_stmt *st;
	deny(d, FK_WHY_ERROR, "not decided");
	*npairs = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_VIEW_CREATE[ctx->db->backend], &st, err);
	if (s == FK_OK)
		s = fk_ctx_exec(ctx, st, err, "permitted set");
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_VIEW_CLEAR, &st, err)) == FK_OK)
		s = fk_ctx_exec(ctx, st, err, "permitted set");
	if (s == FK_OK)
		s = evaluate_pairs(ctx, municipality, kind_bits & FK_KINDS_ALL, FK_RIGHT_VIEW,
				   fk_authz_now(), 1, d, npairs, err);
	if (s != FK_OK)
		deny(d, FK_WHY_ERROR, "the decision failed");
	return s;
}

/* ---- the one entry point ---- */

static fk_status authorize_file(fk_ctx *ctx, const fk_authz_req *r, unsigned right, int64_t at,
				fk_authz_decision *d, fk_error *err)
{
	if (!right || r->kind < 0 || r->kind > FK_FILE_KINDS) {
		deny(d, FK_WHY_INVALID, "unknown action or kind of file");
		return FK_OK;
	}
	if (!r->municipality || !r->kind) {
		int n;
		unsigned bits = r->kind ? FK_KIND_BIT(r->kind) : FK_KINDS_ALL;
		return evaluate_pairs(ctx, r->municipality, bits, right, at, 0, d, &n, err);
	}
	subject s;
	grant_set gs = {0};
	int64_t b;
	int in = 0;
	fk_status st = load_subject(ctx, ctx->actor.operator_id, 1, &s, err);
	if (st == FK_OK)
		st = muni_bureau(ctx, r->municipality, &b, err);
	if (st == FK_OK)
		st = in_jurisdiction(ctx, b, s.bureau_id, &in, err);
	if (st == FK_OK && s.found)
		st = load_grants(ctx, s.id, r->municipality, &gs, err);
	if (st == FK_OK) {
		decide_file(&s, r->municipality, b, in, r->kind, right, &gs, at, d);
		st = note_expired(ctx, &gs, at, err);
	}
	free(gs.v);
	return st;
}

static fk_status authorize_manage(fk_ctx *ctx, const fk_authz_req *r, fk_authz_decision *d,
				  fk_error *err)
{
	subject a, t = {0};
	int64_t scope = 0;
	int in = 0;
	fk_status st = load_subject(ctx, ctx->actor.operator_id, 1, &a, err);
	if (st == FK_OK && r->target_operator)
		st = load_subject(ctx, r->target_operator, 0, &t, err);
	if (st == FK_OK && r->municipality)
		st = muni_bureau(ctx, r->municipality, &scope, err);
	if (st == FK_OK && r->municipality && t.found)
		st = in_jurisdiction(ctx, scope, t.bureau_id, &in, err);
	if (st == FK_OK)
		decide_manage(&a, r, &t, scope, in, d);
	return st;
}

/* Roles by the person's row as it is now, never as cached at sign-in: a supervisor disabled
 * or demoted from another terminal is refused at once. */
static fk_status authorize_person(fk_ctx *ctx, const fk_authz_req *r, const fk_op_info *op,
				  fk_authz_decision *d, fk_error *err)
{
	subject s;
	fk_status st = load_subject(ctx, ctx->actor.operator_id, 1, &s, err);
	if (st != FK_OK || !subject_active(&s, d))
		return st;
	if (op->rule == FK_RULE_ANYONE) {
		allow(d, FK_WHY_ENROLLED, 0);
		return FK_OK;
	}
	if (!(op->mask & (1u << s.role))) {
		deny(d, FK_WHY_ROLE, "the %s role may not do %s", fk_role_id(s.role), op->name);
		return FK_OK;
	}
	if (r->op == FK_OP_LOCKOUT_UNLOCK && r->target_name && !strcmp(r->target_name, s.user)) {
		deny(d, FK_WHY_SELF, "nobody unlocks their own account");
		return FK_OK;
	}
	/* R-INTRUSION: an alert is answered in its bureau (administrators: any; an alert of every
	 * bureau by any supervisor), never by the person it is about. */
	if (r->op == FK_OP_ALERT_ACK && r->target_name && !strcmp(r->target_name, s.user)) {
		deny(d, FK_WHY_SELF, "nobody acknowledges an alert about themselves");
		return FK_OK;
	}
	if (r->op == FK_OP_ALERT_ACK && s.role != FK_ROLE_ADMIN && r->target_bureau &&
	    r->target_bureau != s.bureau_id) {
		deny(d, FK_WHY_JURISDICTION, "the alert belongs to another bureau");
		return FK_OK;
	}
	/* A supervisor answers for their own bureau's people only (R-LOCKOUT, R-JURIS): the
	 * account's bureau as its row says now; a name nobody is enrolled under has none, and
	 * only an administrator clears it. */
	if (r->op == FK_OP_LOCKOUT_UNLOCK && s.role == FK_ROLE_SUPERVISOR) {
		int64_t b;
		if ((st = named_bureau(ctx, r->target_name ? r->target_name : "", &b, err)) != FK_OK)
			return st;
		if (b != s.bureau_id) {
			deny(d, FK_WHY_JURISDICTION, "the account is not of your bureau");
			return FK_OK;
		}
	}
	/* A supervisor re-opens only a municipality of the bureau's jurisdiction (R-JURIS). */
	if (r->op == FK_OP_MUNI_REOPEN && s.role == FK_ROLE_SUPERVISOR) {
		int64_t b = 0;
		int in = 0;
		if (r->municipality && (st = muni_bureau(ctx, r->municipality, &b, err)) != FK_OK)
			return st;
		if ((st = in_jurisdiction(ctx, b, s.bureau_id, &in, err)) != FK_OK)
			return st;
		if (!in) {
			deny(d, b ? FK_WHY_JURISDICTION : FK_WHY_UNKNOWN_MUNICIPALITY,
			     "the municipality is not of your bureau");
			return FK_OK;
		}
	}
	/* Four eyes (R-APPROVE): a request is decided in its own bureau, never by its maker. */
	if (op->rule == FK_RULE_APPROVE && r->target_bureau != s.bureau_id) {
		deny(d, FK_WHY_JURISDICTION, "the request belongs to another bureau");
		return FK_OK;
	}
	if (op->rule == FK_RULE_APPROVE && (!r->target_operator || r->target_operator == s.id)) {
		deny(d, FK_WHY_OWN_REQUEST, "nobody approves or rejects their own request");
		return FK_OK;
	}
	if (op->rule == FK_RULE_TESTING && !fk_terminal_is_test(ctx)) {
		deny(d, FK_WHY_NOT_TESTING, "%s is only for test and demo terminals", op->name);
		return FK_OK;
	}
	allow(d, FK_WHY_BY_ROLE, 0);
	return FK_OK;
}

fk_status fk_authorize(fk_ctx *ctx, const fk_authz_req *r, fk_authz_decision *d, fk_error *err)
{
	memset(d, 0, sizeof *d);
	deny(d, FK_WHY_ERROR, "not decided");
	const fk_op_info *op = fk_op_get(r->op);
	int64_t at = r->at ? r->at : fk_authz_now();
	fk_status st = FK_OK;
	if (r->op <= FK_OP_NONE || r->op >= FK_OP_COUNT)
		deny(d, FK_WHY_INVALID, "unknown operation");
	else if (op->rule == FK_RULE_SYSTEM)
		allow(d, FK_WHY_SYSTEM, 0);
	else if (op->rule == FK_RULE_PUBLIC)
		allow(d, FK_WHY_PUBLIC, 0);
	else if (op->rule == FK_RULE_MANAGE)
		st = authorize_manage(ctx, r, d, err);
	else if (op->rule == FK_RULE_FILE)
		st = authorize_file(ctx, r, op->mask, at, d, err);
	else
		st = authorize_person(ctx, r, op, d, err);
	if (st != FK_OK)
		deny(d, st == FK_ERR_TAMPER ? FK_WHY_TAMPERED : FK_WHY_ERROR, "the decision failed");
	return st;
}

/* ---- the matrix ---- */

typedef struct matrix_arg {
	const subject *s;
	const grant_set *gs;
	int64_t at;
	fk_perm_matrix *m;
	int cap;
} matrix_arg;

static int matrix_cb(const char *code, const char *name, void *arg)
{
	matrix_arg *a = arg;
	fk_perm_matrix *m = a->m;
	if (m->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 64;
		fk_perm_row *v = realloc(m->rows, (size_t)cap * sizeof *v);
		if (!v)
			return -1;
		m->rows = v;
		a->cap = cap;
	}
	fk_perm_row *row = &m->rows[m->n++];
	memset(row, 0, sizeof *row);
	fk_copy_str(row->municipality, sizeof row->municipality, code);
	fk_copy_str(row->name, sizeof row->name, name);
	for (int k = 1; k <= FK_FILE_KINDS; k++)
		for (unsigned bit = 1; bit <= 8; bit <<= 1) {
			fk_authz_decision d;
			if (decide_file(a->s, code, a->s->bureau_id, 1, k, bit, a->gs, a->at, &d))
				row->rights[k - 1] |= bit;
		}
	return 0;
}

fk_status fk_authz_matrix(fk_ctx *ctx, int64_t operator_id, int64_t at, fk_perm_matrix *m,
			  fk_error *err)
{
	subject s;
	grant_set gs = {0};
	memset(m, 0, sizeof *m);
	m->operator_id = operator_id;
	fk_status st = load_subject(ctx, operator_id, 0, &s, err);
	if (st == FK_OK && !s.found)
		st = fk_fail(err, FK_ERR_NOTFOUND, "no operator %lld", (long long)operator_id);
	if (st == FK_OK)
		st = load_grants(ctx, operator_id, NULL, &gs, err);
	if (st == FK_OK) {
		matrix_arg a = {&s, &gs, at ? at : fk_authz_now(), m, 0};
		st = each_muni(ctx, s.bureau_id, NULL, matrix_cb, &a, err);
	}
	free(gs.v);
	if (st != FK_OK)
		fk_perm_matrix_free(m);
	return st;
}

void fk_perm_matrix_free(fk_perm_matrix *m)
{
	free(m->rows);
	m->rows = NULL;
	m->n = 0;
}
