/* The authorised way to fukuhon: decide (fk_authorize), read the store, record (R-ACCESS,
 * R-FILES, R-JURIS, R-LOG). Nothing is handed out unless its record was written. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "audit.h"
#include "gate.h"
#include "trust.h"
#include "db.h"
#include "visible.h"
#include "util.h"

/* Rows handed out are checked against their MACs (covered columns first, core/trust). */
static const char SQL_LIST_REGS[] =
	"SELECT " FK_COLS_REGISTER ", mac FROM register "
	"WHERE municipality = ?1 AND kind = ?2 AND disposed_at IS NULL AND id > ?3 "
	"AND id <= " FK_VIS_REGISTER " ORDER BY id LIMIT ?4";
/* CROSS JOIN keeps SQLite's loop order (the permitted set outside); the join's terms are in WHERE,
 * as PostgreSQL's CROSS JOIN takes no ON (docs/storage.md). */
static const char SQL_COUNT_REGS[] =
	"SELECT v.kind, count(r.id) FROM authz_view v CROSS JOIN register r "
	"WHERE r.municipality = v.municipality AND r.kind = v.kind AND r.disposed_at IS NULL "
	"AND r.id <= " FK_VIS_REGISTER " AND v.kind IN (1, 2) GROUP BY v.kind";
static const char SQL_COUNT_LEDGER[] =
	"SELECT count(l.id) FROM authz_view v CROSS JOIN ledger_entry l "
	"WHERE l.municipality = v.municipality AND l.id <= " FK_VIS_LEDGER " AND v.kind = 3";
static const char SQL_COUNT_DOCS[] =
	"SELECT count(d.id) FROM authz_view v CROSS JOIN notification_doc d "
	"WHERE d.municipality = v.municipality AND d.id <= " FK_VIS_DOC " AND v.kind = 4";
/* Per municipality and kind of the permitted set: each branch reads an
 * index of its table for the pair (register_live, ledger_muni, notification_muni). */
static const char SQL_COUNT_EACH[] =
	"SELECT v.municipality, v.kind, CASE v.kind "
	"WHEN 3 THEN (SELECT count(*) FROM ledger_entry l WHERE l.municipality = v.municipality "
	"AND l.id <= " FK_VIS_LEDGER ") "
	"WHEN 4 THEN (SELECT count(*) FROM notification_doc d WHERE d.municipality = v.municipality "
	"AND d.id <= " FK_VIS_DOC ") "
	"ELSE (SELECT count(*) FROM register r WHERE r.municipality = v.municipality "
	"AND r.kind = v.kind AND r.disposed_at IS NULL AND r.id <= " FK_VIS_REGISTER ") END "
	"FROM authz_view v ORDER BY v.municipality, v.kind";
static const char SQL_LEDGER_LIST[] =
	"SELECT " FK_COLS_LEDGER ", mac FROM ledger_entry "
	"WHERE municipality = ?1 AND id > ?2 AND id <= " FK_VIS_LEDGER " ORDER BY id LIMIT ?3";
static const char SQL_DOCS_LIST[] =
	"SELECT " FK_COLS_DOC ", mac FROM notification_doc WHERE municipality = ?1 AND id > ?2 "
	"AND id <= " FK_VIS_DOC " ORDER BY id LIMIT ?3";
/* id, municipality, key_id, received_at, then accepted_on (ledger) or doc_type, register_id */
enum { C_REC_ID, C_REC_MUNI, C_REC_KEY, C_LEDGER_RECEIVED, C_LEDGER_ACCEPTED };
enum { C_DOC_TYPE = 3, C_DOC_RECEIVED, C_DOC_REGISTER };
static const char SQL_LEDGER_MUNI[] = "SELECT municipality FROM ledger_entry WHERE id = ?1 AND id <= " FK_VIS_LEDGER;
static const char SQL_DOC_MUNI[] = "SELECT municipality FROM notification_doc WHERE id = ?1 AND id <= " FK_VIS_DOC;


/* ---- deciding and recording ---- */

/* A named municipality and kind, decided under the gate's lock. */
static fk_status gate_on(fk_ctx *ctx, fk_gate *g, fk_op op, const char *muni, int kind,
			 const char *oid, fk_error *err)
{
	fk_authz_req r = {.op = op, .municipality = muni, .kind = kind};
	return fk_gate_begin(ctx, g, &r, oid, err);
}

/* Requests by id: decided on the row's municipality and kind (muni "" when the row does
 * not exist). A missing row and one outside the jurisdiction get the same answer, so ids
 * cannot be probed (R-JURIS). */
static fk_status decide_row(fk_ctx *ctx, fk_gate *g, const char *what, int64_t id,
			    const char *muni, int kind, fk_error *err)
{
	fk_authz_req r = {.op = g->op, .municipality = muni, .kind = kind};
	fk_status s = muni[0] ? fk_gate_decide(ctx, g, &r, err)
			      : fk_gate_refuse(ctx, g, FK_WHY_NOT_FOUND, "not found", err);
	if (s == FK_ERR_DENIED && err &&
	    (err->reason == FK_WHY_NOT_FOUND || err->reason == FK_WHY_JURISDICTION ||
	     err->reason == FK_WHY_UNKNOWN_MUNICIPALITY))
		snprintf(err->msg, sizeof err->msg, "%s %lld does not exist or is outside your jurisdiction",
			 what, (long long)id);
	return s;
}

/* The caller's array holds limit rows: a limit out of range is refused
 * rather than replaced by a bigger default. */
static fk_status check_limit(int limit, fk_error *err)
{
	if (limit < 1 || limit > FK_ACCESS_PAGE_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a page holds 1-%d rows", FK_ACCESS_PAGE_MAX);
	return FK_OK;
}

static void col(fk_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, i);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

/* ---- registers ---- */

fk_status fk_access_search(fk_ctx *ctx, const fk_search *q, int64_t *ids, int *n, fk_error *err)
{
	fk_authz_decision d = {0};
	fk_gate g;
	int pairs = 0;
	char detail[320];
	*n = 0;
	unsigned bits = FK_KIND_BIT(FK_FILE_KOSEKI) | FK_KIND_BIT(FK_FILE_JOSEKI);
	/* The set is decided pair by pair (fk_authz_view_set); the gate records it. */
	fk_status s = fk_gate_open(ctx, &g, FK_OP_REGISTER_SEARCH, q->municipality ? q->municipality : "*", err);
	if (s != FK_OK)
		return s;
	if (q->kind == FK_FILE_KOSEKI || q->kind == FK_FILE_JOSEKI)
		bits = FK_KIND_BIT(q->kind);
	else if (q->kind)
		s = fk_fail(err, FK_ERR_INVALID, "search is over 戸籍 and 除籍 only");
	if (s == FK_OK)
		s = check_limit(q->limit, err);
	if (s == FK_OK)
		s = fk_authz_view_set(ctx, q->municipality, bits, &d, &pairs, err);
	if (s == FK_OK && !d.allowed)
		return fk_gate_refuse(ctx, &g, d.reason, d.msg, err);
	if (s == FK_OK) {
		fk_search p = *q;
		p.bureau_id = 0;
		s = fk_store_search_permitted(ctx, &p, ids, n, err);
	}
	fk_gate_allowed(&g, &d);
	snprintf(detail, sizeof detail, "field=%d kind=%d after=%lld results=%d query=%.200s",
		 (int)q->field, q->kind, (long long)q->after_id, *n, q->query ? q->query : "");
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK)
		*n = 0;
	return s;
}

static void reg_info_from(fk_stmt *st, fk_reg_info *r)
{
	memset(r, 0, sizeof *r);
	r->id = fk_sql_column_int64(st, FK_C_REG_ID);
	col(st, FK_C_REG_MUNI, r->municipality, sizeof r->municipality);
	r->kind = (fk_reg_kind)fk_sql_column_int(st, FK_C_REG_KIND);
	r->version = fk_sql_column_int(st, FK_C_REG_VERSION);
	r->received_at = fk_sql_column_int64(st, FK_C_REG_RECEIVED);
	r->key_id = fk_sql_column_int64(st, FK_C_REG_KEY);
}

static fk_status list_registers(fk_ctx *ctx, const char *muni, int kind, int64_t after_id, int limit,
				fk_reg_info *out, int *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST_REGS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, kind);
	fk_sql_bind_int64(st, 3, after_id);
	fk_sql_bind_int(st, 4, limit);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_REGISTER, st, 0, err)) == FK_OK)
		reg_info_from(st, &out[(*n)++]);
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing registers");
	return s;
}

fk_status fk_access_list(fk_ctx *ctx, const char *muni, int kind, int64_t after_id, int limit,
			 fk_reg_info *out, int *n, fk_error *err)
{
	fk_gate g;
	char detail[96];
	*n = 0;
	fk_status s = FK_OK;
	if (!muni || (kind != FK_FILE_KOSEKI && kind != FK_FILE_JOSEKI))
		s = fk_fail(err, FK_ERR_INVALID, "a municipality and 戸籍 or 除籍 are required");
	if (s == FK_OK)
		s = check_limit(limit, err);
	if (s != FK_OK)
		return s;
	if ((s = gate_on(ctx, &g, FK_OP_REGISTER_LIST, muni, kind, muni, err)) != FK_OK)
		return s;
	s = list_registers(ctx, muni, kind, after_id, limit, out, n, err);
	snprintf(detail, sizeof detail, "kind=%s after=%lld results=%d", fk_file_kind_id(kind),
		 (long long)after_id, *n);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK)
		*n = 0;
	return s;
}

/* Find the register (under the gate's lock) and decide op on it. */
static fk_status decide_register(fk_ctx *ctx, fk_gate *g, int64_t id, fk_reg_info *info,
				 fk_error *err)
{
	fk_error nf;
	memset(info, 0, sizeof *info);
	fk_status s = fk_store_info(ctx, id, info, &nf);
	if (s == FK_ERR_NOTFOUND) {
		memset(info, 0, sizeof *info); /* decided as "no such register" */
	} else if (s != FK_OK) {
		if (err)
			*err = nf;
		return fk_gate_end(ctx, g, s, NULL, err);
	}
	return decide_row(ctx, g, "register", id, info->municipality, (int)info->kind, err);
}

static void register_detail(const fk_reg_info *info, int version, const fk_gate *g, char *buf,
			    size_t len)
{
	snprintf(buf, len, "municipality=%s kind=%s version=%d grant=%lld",
		 info->municipality[0] ? info->municipality : "-", fk_file_kind_id((int)info->kind),
		 version, (long long)g->d.grant_id);
}

/* Open the gate for op on register id and find it: FK_OK with info filled and the work to do. */
static fk_status gate_register(fk_ctx *ctx, fk_gate *g, fk_op op, int64_t id, fk_reg_info *info,
			       fk_error *err)
{
	char oid[24];
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	fk_status s = fk_gate_open(ctx, g, op, oid, err);
	return s == FK_OK ? decide_register(ctx, g, id, info, err) : s;
}

fk_status fk_access_register_open(fk_ctx *ctx, fk_op op, int64_t id, int version,
				  json_t **doc, fk_reg_info *info, fk_error *err)
{
	fk_reg_info tmp;
	fk_gate g;
	char detail[128];
	info = info ? info : &tmp;
	*doc = NULL;
	if (op != FK_OP_REGISTER_OPEN && op != FK_OP_REGISTER_EXPORT && op != FK_OP_REGISTER_PRINT)
		return fk_fail(err, FK_ERR_INVALID, "open, export or print");
	fk_status s = gate_register(ctx, &g, op, id, info, err);
	if (s != FK_OK)
		return s;
	s = fk_store_read(ctx, id, version, doc, info, err);
	register_detail(info, version, &g, detail, sizeof detail);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		json_decref(*doc);
		*doc = NULL;
	}
	return s;
}

fk_status fk_access_register_versions(fk_ctx *ctx, int64_t id, fk_reg_version *out, int max,
				      int *n, fk_error *err)
{
	fk_reg_info info;
	fk_gate g;
	char detail[128];
	*n = 0;
	fk_status s = gate_register(ctx, &g, FK_OP_REGISTER_VERSIONS, id, &info, err);
	if (s != FK_OK)
		return s;
	s = fk_store_versions(ctx, id, out, max, n, err);
	register_detail(&info, 0, &g, detail, sizeof detail);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK)
		*n = 0;
	return s;
}

fk_status fk_access_register_compare(fk_ctx *ctx, int64_t id, int v1, int v2, json_t **a,
				     json_t **b, fk_error *err)
{
	fk_reg_info info;
	fk_gate g;
	char detail[160];
	*a = *b = NULL;
	fk_status s = gate_register(ctx, &g, FK_OP_REGISTER_COMPARE, id, &info, err);
	if (s != FK_OK)
		return s;
	if ((s = fk_store_read(ctx, id, v1, a, NULL, err)) == FK_OK)
		s = fk_store_read(ctx, id, v2, b, NULL, err);
	register_detail(&info, v1, &g, detail, sizeof detail);
	snprintf(detail + strlen(detail), sizeof detail - strlen(detail), " with=%d", v2);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		json_decref(*a);
		json_decref(*b);
		*a = *b = NULL;
	}
	return s;
}

fk_status fk_access_demand(fk_ctx *ctx, fk_op op, int64_t id, fk_reg_info *info, fk_error *err)
{
	fk_reg_info tmp;
	fk_gate g;
	char detail[128];
	info = info ? info : &tmp;
	if (fk_op_get(op)->rule != FK_RULE_FILE || strncmp(fk_op_name(op), "register.", 9) != 0)
		return fk_fail(err, FK_ERR_INVALID, "not an operation on a register");
	fk_status s = gate_register(ctx, &g, op, id, info, err);
	if (s != FK_OK)
		return s;
	register_detail(info, 0, &g, detail, sizeof detail);
	return fk_gate_end(ctx, &g, FK_OK, detail, err);
}

/* ---- counts ---- */

static fk_status count_one(fk_ctx *ctx, const char *sql, int64_t *out, int by_kind, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (by_kind) {
			int k = fk_sql_column_int(st, 0);
			if (k >= 1 && k <= FK_FILE_KINDS)
				out[k - 1] = fk_sql_column_int64(st, 1);
		} else {
			*out = fk_sql_column_int64(st, 0);
		}
	}
	fk_sql_reset(st);
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting");
}

/* The permitted set of muni (NULL: all) decided under the gate: FK_OK with the set filled. */
static fk_status gate_set(fk_ctx *ctx, fk_gate *g, const char *muni, int *pairs, fk_error *err)
{
	fk_authz_decision d = {0};
	fk_status s = fk_gate_open(ctx, g, FK_OP_COUNTS, muni ? muni : "*", err);
	if (s != FK_OK)
		return s;
	if ((s = fk_authz_view_set(ctx, muni, FK_KINDS_ALL, &d, pairs, err)) != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (!d.allowed)
		return fk_gate_refuse(ctx, g, d.reason, d.msg, err);
	fk_gate_allowed(g, &d);
	return FK_OK;
}

fk_status fk_access_counts(fk_ctx *ctx, const char *muni, fk_access_counts_t *out, fk_error *err)
{
	fk_gate g;
	int pairs = 0;
	char detail[96];
	memset(out, 0, sizeof *out);
	fk_status s = gate_set(ctx, &g, muni, &pairs, err);
	if (s != FK_OK)
		return s;
	if ((s = count_one(ctx, SQL_COUNT_REGS, out->n, 1, err)) == FK_OK &&
	    (s = count_one(ctx, SQL_COUNT_LEDGER, &out->n[FK_FILE_LEDGER - 1], 0, err)) == FK_OK)
		s = count_one(ctx, SQL_COUNT_DOCS, &out->n[FK_FILE_DOCS - 1], 0, err);
	snprintf(detail, sizeof detail, "pairs=%d", pairs);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK)
		memset(out, 0, sizeof *out);
	return s;
}

static fk_status count_each(fk_ctx *ctx, fk_access_counts_cb cb, void *arg, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_COUNT_EACH, &st, err);
	if (s != FK_OK)
		return s;
	fk_access_counts_t c;
	char muni[7] = "", code[7];
	int rc, stop = 0;
	memset(&c, 0, sizeof c);
	while (!stop && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		col(st, 0, code, sizeof code);
		if (muni[0] && strcmp(code, muni) != 0) {
			stop = cb(muni, &c, arg);
			memset(&c, 0, sizeof c);
		}
		memcpy(muni, code, sizeof muni);
		int k = fk_sql_column_int(st, 1);
		if (k >= 1 && k <= FK_FILE_KINDS)
			c.n[k - 1] = fk_sql_column_int64(st, 2);
	}
	fk_sql_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "counting");
	if (!stop && muni[0])
		cb(muni, &c, arg);
	return FK_OK;
}

fk_status fk_access_counts_each(fk_ctx *ctx, fk_access_counts_cb cb, void *arg, fk_error *err)
{
	fk_gate g;
	int pairs = 0;
	char detail[32];
	fk_status s = gate_set(ctx, &g, NULL, &pairs, err);
	if (s != FK_OK)
		return s;
	/* Recorded before the rows go out: a callback cannot be taken back. The set stays in the
	 * connection's temporary table for the counting. */
	snprintf(detail, sizeof detail, "pairs=%d", pairs);
	if ((s = fk_gate_end(ctx, &g, FK_OK, detail, err)) != FK_OK)
		return s;
	return count_each(ctx, cb, arg, err);
}

/* ---- 受付帳情報 and 届書等情報 ---- */

typedef fk_status (*row_fn)(fk_ctx *ctx, fk_stmt *st, void *out, int i, fk_error *err);

static fk_status list_rows(fk_ctx *ctx, fk_op op, const char *sql, int kind, const char *muni,
			   int64_t after_id, int limit, row_fn fn, void *out, int *n, fk_error *err)
{
	fk_gate g;
	fk_stmt *st;
	char detail[64];
	*n = 0;
	fk_status s = muni ? check_limit(limit, err)
			   : fk_fail(err, FK_ERR_INVALID, "a municipality is required");
	if (s != FK_OK || (s = gate_on(ctx, &g, op, muni, kind, muni, err)) != FK_OK)
		return s;
	if ((s = fk_ctx_stmt(ctx, sql, &st, err)) == FK_OK) {
		fk_sql_bind_text(st, 1, muni, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, after_id);
		fk_sql_bind_int(st, 3, limit);
		int rc;
		while ((rc = fk_sql_step(st)) == SQLITE_ROW && (s = fn(ctx, st, out, *n, err)) == FK_OK)
			(*n)++;
		fk_sql_reset(st);
		if (s == FK_OK && rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "listing");
	}
	snprintf(detail, sizeof detail, "after=%lld results=%d", (long long)after_id, *n);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK)
		*n = 0;
	return s;
}

static fk_status ledger_row(fk_ctx *ctx, fk_stmt *st, void *out, int i, fk_error *err)
{
	fk_ledger_info *r = (fk_ledger_info *)out + i;
	memset(r, 0, sizeof *r);
	fk_status s = fk_trust_check(ctx, FK_T_LEDGER, st, 0, err);
	r->id = fk_sql_column_int64(st, C_REC_ID);
	col(st, C_REC_MUNI, r->municipality, sizeof r->municipality);
	col(st, C_LEDGER_ACCEPTED, r->accepted_on, sizeof r->accepted_on);
	r->received_at = fk_sql_column_int64(st, C_LEDGER_RECEIVED);
	return s;
}

static fk_status doc_row(fk_ctx *ctx, fk_stmt *st, void *out, int i, fk_error *err)
{
	fk_doc_info *r = (fk_doc_info *)out + i;
	memset(r, 0, sizeof *r);
	fk_status s = fk_trust_check(ctx, FK_T_DOC, st, 0, err);
	r->id = fk_sql_column_int64(st, C_REC_ID);
	col(st, C_REC_MUNI, r->municipality, sizeof r->municipality);
	col(st, C_DOC_TYPE, r->doc_type, sizeof r->doc_type);
	r->received_at = fk_sql_column_int64(st, C_DOC_RECEIVED);
	r->register_id = fk_sql_column_int64(st, C_DOC_REGISTER);
	return s;
}

fk_status fk_access_ledger_list(fk_ctx *ctx, const char *muni, int64_t after_id, int limit,
				fk_ledger_info *out, int *n, fk_error *err)
{
	return list_rows(ctx, FK_OP_LEDGER_LIST, SQL_LEDGER_LIST, FK_FILE_LEDGER, muni, after_id, limit,
			 ledger_row, out, n, err);
}

fk_status fk_access_docs_list(fk_ctx *ctx, const char *muni, int64_t after_id, int limit,
			      fk_doc_info *out, int *n, fk_error *err)
{
	return list_rows(ctx, FK_OP_DOC_LIST, SQL_DOCS_LIST, FK_FILE_DOCS, muni, after_id, limit, doc_row,
			 out, n, err);
}

typedef fk_status (*read_fn)(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err);

static fk_status open_payload(fk_ctx *ctx, fk_op op, const char *what, const char *sql, int kind,
			      read_fn rd, int64_t id, json_t **payload, fk_error *err)
{
	fk_gate g;
	fk_stmt *st;
	char muni[7] = "", oid[24], detail[64];
	*payload = NULL;
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	fk_status s = fk_gate_open(ctx, &g, op, oid, err);
	if (s != FK_OK)
		return s;
	if ((s = fk_ctx_stmt(ctx, sql, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		int rc = fk_sql_step(st);
		if (rc == SQLITE_ROW)
			col(st, 0, muni, sizeof muni);
		fk_sql_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "finding the entry");
	}
	/* The row's municipality is checked with its MAC when the payload is read. */
	if (s != FK_OK)
		return fk_gate_end(ctx, &g, s, NULL, err);
	if ((s = decide_row(ctx, &g, what, id, muni, kind, err)) != FK_OK)
		return s;
	s = rd(ctx, id, payload, err);
	snprintf(detail, sizeof detail, "municipality=%s grant=%lld", muni[0] ? muni : "-",
		 (long long)g.d.grant_id);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		json_decref(*payload);
		*payload = NULL;
	}
	return s;
}

fk_status fk_access_ledger_open(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err)
{
	return open_payload(ctx, FK_OP_LEDGER_OPEN, "ledger", SQL_LEDGER_MUNI, FK_FILE_LEDGER,
			    fk_ledger_read, id, payload, err);
}

fk_status fk_access_doc_open(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err)
{
	return open_payload(ctx, FK_OP_DOC_OPEN, "doc", SQL_DOC_MUNI, FK_FILE_DOCS, fk_doc_read, id,
			    payload, err);
}
