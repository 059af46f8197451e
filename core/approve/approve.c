/* Requests and their decisions (approve.h): made, approved or rejected, listed, expired. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approve.h"
#include "db.h"
#include "gate.h"
#include "norm.h"
#include "regver.h"
#include "trust.h"
#include "util.h"

enum {
	C_ID, C_KIND, C_BUREAU, C_REQUESTER, C_REQUESTER_USER, C_REASON, C_ITEMS, C_N_ITEMS,
	C_CREATED, C_STATE, C_DECIDED_BY, C_DECIDED_BY_USER, C_DECIDED_AT, C_DECISION_REASON,
	C_VALID_UNTIL, C_EXECUTED_AT, C_MAC
};

static const char SQL_INSERT[] =
	"INSERT INTO approval_request(kind, bureau_id, requester_id, requester_user, reason, items, "
	"n_items, created_at, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'waiting')";
static const char SQL_ONE[] = "SELECT " FK_COLS_APPROVAL ", mac FROM approval_request WHERE id = ?1";
static const char SQL_DECIDE[] =
	"UPDATE approval_request SET state = ?2, decided_by = ?3, decided_by_user = ?4, "
	"decided_at = ?5, decision_reason = ?6, valid_until = ?7 WHERE id = ?1 AND state = 'waiting'";
static const char SQL_STATE[] =
	"UPDATE approval_request SET state = ?2, executed_at = ?3 WHERE id = ?1 "
	"AND state IN ('approved', 'running')";
static const char SQL_LIST[] =
	"SELECT " FK_COLS_APPROVAL ", mac FROM approval_request "
	"WHERE (?1 = 0 OR requester_id = ?1) AND (?2 = 0 OR bureau_id = ?2) "
	"AND (CAST(?3 AS TEXT) IS NULL OR state = ?3) ORDER BY id DESC LIMIT ?4";
static const char SQL_WAITING[] =
	"SELECT count(*) FROM approval_request WHERE bureau_id = ?1 AND state = 'waiting'";
/* The return holding a municipality: running, or carried out with a disposal after it asked
 * for and not carried out (its items "CODE@RETURN-ID", approval.h). */
static const char SQL_RETURN_HOLDING[] =
	"SELECT " FK_COLS_APPROVAL ", mac FROM approval_request r WHERE kind = 'return' AND "
	"substr(items, 1, 6) = ?1 AND (state = 'running' OR (?2 = 0 AND state = 'executed' AND EXISTS "
	"(SELECT 1 FROM approval_request d WHERE d.kind = 'dispose-municipality' AND d.state IN ('waiting', "
	"'approved', 'running') AND d.items = ?1 || '@' || CAST(r.id AS TEXT)))) ORDER BY id LIMIT 1";
static const char SQL_ACTOR_BUREAU[] = "SELECT " FK_COLS_OPERATOR ", mac FROM operator WHERE id = ?1";

static const char *const kind_ids[] = {"?", "print", "export", "dispose", "return", "dispose-municipality"};
static const char *const state_ids[] = {"?", "waiting", "approved", "rejected", "expired", "executed", "running",
					 "cancelled"};

const char *fk_req_kind_id(fk_req_kind k)
{
	return k >= FK_REQ_PRINT && k <= FK_REQ_DISPOSE_MUNI ? kind_ids[k] : "?";
}

int fk_req_kind_parse(const char *s)
{
	for (int k = FK_REQ_PRINT; k <= FK_REQ_DISPOSE_MUNI; k++)
		if (s && !strcmp(s, kind_ids[k]))
			return k;
	return 0;
}

const char *fk_req_state_id(fk_req_state s)
{
	return s >= FK_REQ_WAITING && s <= FK_REQ_CANCELLED ? state_ids[s] : "?";
}

static int state_parse(const char *s)
{
	for (int i = FK_REQ_WAITING; i <= FK_REQ_CANCELLED; i++)
		if (s && !strcmp(s, state_ids[i]))
			return i;
	return 0;
}

/* Each kind is its own operation: the right it needs is in its row (ops.h). */
static fk_op kind_op(fk_req_kind k)
{
	switch (k) {
	case FK_REQ_PRINT: return FK_OP_REQUEST_PRINT;
	case FK_REQ_EXPORT: return FK_OP_REQUEST_EXPORT;
	case FK_REQ_DISPOSE: return FK_OP_REQUEST_DISPOSE;
	case FK_REQ_RETURN: return FK_OP_REQUEST_RETURN;
	case FK_REQ_DISPOSE_MUNI: return FK_OP_REQUEST_DISPOSE_MUNI;
	}
	return FK_OP_NONE;
}

void fk_request_clear(fk_request *r)
{
	free(r->items);
	memset(r, 0, sizeof *r);
}

static fk_status check_reason(const char *reason, fk_error *err)
{
	size_t n = reason ? strlen(reason) : 0;
	if (n == 0)
		return fk_fail(err, FK_ERR_INVALID, "a reason is required");
	if (n > FK_REQ_REASON_MAX || !fk_utf8_valid(reason, n))
		return fk_fail(err, FK_ERR_INVALID, "the reason must be 1-%d bytes of UTF-8", FK_REQ_REASON_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return fk_fail(err, FK_ERR_INVALID, "the reason must be one line of text");
	return FK_OK;
}

static void col(fk_stmt *st, int i, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, i);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

/* A request naming a municipality: "131016", or "131016@12" after return 12. */
static fk_status parse_municipality(const char *s, fk_request *r, fk_error *err)
{
	char *end = NULL;
	if (!s || strspn(s, "0123456789") != 6 || (s[6] && s[6] != '@'))
		return fk_fail(err, FK_ERR_CORRUPT, "request %lld: its municipality is malformed", (long long)r->id);
	memcpy(r->municipality, s, 6);
	r->municipality[6] = '\0';
	if (s[6] == '@' && ((r->after_return = strtoll(s + 7, &end, 10)) < 1 || *end))
		return fk_fail(err, FK_ERR_CORRUPT, "request %lld: its return is malformed", (long long)r->id);
	return FK_OK;
}

/* "12:3,40:1" → items; the row's MAC was checked, so a malformed list is the program's fault
 * or an old key's: refused all the same. */
static fk_status parse_items(const char *s, int n, fk_request *r, fk_error *err)
{
	if (n == 0 && (r->kind == FK_REQ_RETURN || r->kind == FK_REQ_DISPOSE_MUNI))
		return parse_municipality(s, r, err);
	if (n < 1 || n > fk_req_items_max(r->kind))
		return fk_fail(err, FK_ERR_CORRUPT, "request %lld lists %d registers", (long long)r->id, n);
	r->items = calloc((size_t)n, sizeof *r->items);
	if (!r->items)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	const char *p = s;
	for (int i = 0; i < n; i++) {
		char *end;
		long long id = strtoll(p, &end, 10);
		if (end == p || *end != ':')
			return fk_fail(err, FK_ERR_CORRUPT, "request %lld: its register list is malformed", (long long)r->id);
		p = end + 1;
		long v = strtol(p, &end, 10);
		if (end == p || (*end != ',' && *end) || (i == n - 1) != !*end || v < 1 || id < 1)
			return fk_fail(err, FK_ERR_CORRUPT, "request %lld: its register list is malformed", (long long)r->id);
		r->items[i].register_id = id;
		r->items[i].version = (int)v;
		p = *end ? end + 1 : end;
	}
	r->n_items = n;
	return FK_OK;
}

/* The row st stands on, checked against its MAC. */
static fk_status read_row(fk_ctx *ctx, fk_stmt *st, fk_request *r, fk_error *err)
{
	memset(r, 0, sizeof *r);
	fk_status s = fk_trust_check(ctx, FK_T_APPROVAL, st, 0, err);
	if (s != FK_OK)
		return s;
	r->id = fk_sql_column_int64(st, C_ID);
	r->kind = (fk_req_kind)fk_req_kind_parse((const char *)fk_sql_column_text(st, C_KIND));
	r->state = (fk_req_state)state_parse((const char *)fk_sql_column_text(st, C_STATE));
	r->bureau_id = fk_sql_column_int64(st, C_BUREAU);
	r->requester_id = fk_sql_column_int64(st, C_REQUESTER);
	col(st, C_REQUESTER_USER, r->requester, sizeof r->requester);
	col(st, C_REASON, r->reason, sizeof r->reason);
	r->created_at = fk_sql_column_int64(st, C_CREATED);
	col(st, C_DECIDED_BY_USER, r->decided_by, sizeof r->decided_by);
	col(st, C_DECISION_REASON, r->decision_reason, sizeof r->decision_reason);
	r->decided_at = fk_sql_column_int64(st, C_DECIDED_AT);
	r->valid_until = fk_sql_column_int64(st, C_VALID_UNTIL);
	r->executed_at = fk_sql_column_int64(st, C_EXECUTED_AT);
	if (!r->kind || !r->state)
		return fk_fail(err, FK_ERR_CORRUPT, "request %lld has an unknown kind or state", (long long)r->id);
	return parse_items((const char *)fk_sql_column_text(st, C_ITEMS), fk_sql_column_int(st, C_N_ITEMS), r, err);
}

fk_status fk_request_get(fk_ctx *ctx, int64_t id, fk_request *r, fk_error *err)
{
	fk_stmt *st;
	memset(r, 0, sizeof *r);
	fk_status s = fk_ctx_stmt(ctx, SQL_ONE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		s = read_row(ctx, st, r, err);
	else if (rc == SQLITE_DONE)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no request %lld", (long long)id);
	else
		s = fk_db_fail(ctx->db, rc, err, "reading a request");
	fk_sql_reset(st);
	if (s != FK_OK)
		fk_request_clear(r);
	return s;
}

/* The acting person's bureau as their row says now (checked), not as cached at sign-in. */
static fk_status actor_bureau(fk_ctx *ctx, int64_t *bureau, fk_error *err)
{
	fk_stmt *st;
	*bureau = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_ACTOR_BUREAU, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, ctx->actor.operator_id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_OPERATOR, st, 0, err)) == FK_OK)
		*bureau = fk_sql_column_int64(st, FK_C_OP_BUREAU);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the operator");
	fk_sql_reset(st);
	return s;
}

/* ---- making a request ---- */

typedef struct items_buf {
	char *s;
	size_t len, cap;
} items_buf;

static fk_status items_add(items_buf *b, int64_t id, int version, fk_error *err)
{
	char one[48];
	int n = snprintf(one, sizeof one, "%s%lld:%d", b->len ? "," : "", (long long)id, version);
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *p = realloc(b->s, cap);
		if (!p)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, one, (size_t)n + 1);
	b->len += (size_t)n;
	return FK_OK;
}

int fk_req_items_max(fk_req_kind k)
{
	return k == FK_REQ_EXPORT || k == FK_REQ_RETURN ? FK_REQ_ITEMS_MAX : FK_REQ_ITEMS_MAX_PRINT;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static fk_status check_ids(fk_req_kind kind, const int64_t *ids, int n, fk_error *err)
{
	int max = fk_req_items_max(kind);
	if (n < 1 || n > max)
		return fk_fail(err, FK_ERR_INVALID, "a request of this kind names 1-%d registers", max);
	/* sorted, a repeat is a neighbour: 10,000 ids compared pairwise would be 50 million steps */
	int64_t *v = malloc((size_t)n * sizeof *v);
	if (!v)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	memcpy(v, ids, (size_t)n * sizeof *v);
	qsort(v, (size_t)n, sizeof *v, cmp_id);
	fk_status s = FK_OK;
	if (v[0] < 1)
		s = fk_fail(err, FK_ERR_INVALID, "register ids are positive numbers");
	for (int i = 1; s == FK_OK && i < n; i++)
		if (v[i] == v[i - 1])
			s = fk_fail(err, FK_ERR_INVALID, "register %lld is named twice", (long long)v[i]);
	free(v);
	return s;
}

static fk_status held_refusal(fk_ctx *ctx, fk_gate *g, const char *code, int64_t ret, fk_error *err);

/* Decide the request's right on each register, as the grant rule decides it now, and fix
 * each one's current version. FK_ERR_DENIED: refused (recorded; the gate is closed). */
static fk_status decide_items(fk_ctx *ctx, fk_gate *g, const int64_t *ids, int n, items_buf *b,
			      fk_error *err)
{
	fk_authz_decision d = {0};
	fk_status s = FK_OK;
	char muni[7] = "";
	for (int i = 0; i < n && s == FK_OK; i++) {
		fk_reg_info info;
		fk_error nf;
		fk_error_clear(&nf);
		s = fk_store_info(ctx, ids[i], &info, &nf);
		if (s == FK_ERR_NOTFOUND) {
			char msg[160];
			snprintf(msg, sizeof msg, "register %lld does not exist or is outside your jurisdiction",
				 (long long)ids[i]);
			return fk_gate_refuse(ctx, g, FK_WHY_NOT_FOUND, msg, err);
		}
		if (s != FK_OK) {
			if (err)
				*err = nf;
			return s;
		}
		fk_authz_req r = {.op = g->op, .municipality = info.municipality, .kind = (int)info.kind};
		if ((s = fk_authorize(ctx, &r, &d, err)) != FK_OK)
			return s;
		if (!d.allowed) {
			char msg[400];
			/* A register out of reach is refused like one that does not exist (R-JURIS). */
			if (d.reason == FK_WHY_JURISDICTION || d.reason == FK_WHY_UNKNOWN_MUNICIPALITY)
				snprintf(msg, sizeof msg, "register %lld does not exist or is outside your jurisdiction",
					 (long long)ids[i]);
			else
				snprintf(msg, sizeof msg, "register %lld: %s", (long long)ids[i], d.msg);
			return fk_gate_refuse(ctx, g, d.reason, msg, err);
		}
		/* A return goes back to one municipality, as one package addressed to it; an export
		 * is one package too, and a package carries one municipality's registers. */
		if (g->op == FK_OP_REQUEST_RETURN && muni[0] && strcmp(muni, info.municipality) != 0)
			return fk_fail(err, FK_ERR_INVALID, "a return is of one municipality's registers");
		if (g->op == FK_OP_REQUEST_EXPORT && muni[0] && strcmp(muni, info.municipality) != 0)
			return fk_fail(err, FK_ERR_INVALID, "an export is of one municipality's registers "
				       "(one package each: make one request per municipality)");
		/* A register a return holds stays until the return and its disposal are done. */
		int64_t ret = 0;
		if (g->op == FK_OP_REQUEST_DISPOSE && strcmp(muni, info.municipality) != 0 &&
		    (s = fk_request_return_holding(ctx, info.municipality, 0, &ret, err)) != FK_OK)
			return s;
		if (ret)
			return held_refusal(ctx, g, info.municipality, ret, err);
		fk_copy_str(muni, sizeof muni, info.municipality);
		s = items_add(b, ids[i], info.version, err);
	}
	if (s == FK_OK)
		fk_gate_allowed(g, &d);
	return s;
}

static fk_status insert(fk_ctx *ctx, fk_req_kind kind, int64_t bureau, const char *reason,
			const items_buf *b, int n, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, fk_req_kind_id(kind), -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, bureau);
	fk_sql_bind_int64(st, 3, ctx->actor.operator_id);
	fk_sql_bind_text(st, 4, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 6, b->s, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 7, n);
	fk_sql_bind_int64(st, 8, fk_authz_now());
	if ((s = fk_ctx_exec(ctx, st, err, "storing the request")) != FK_OK)
		return s;
	*id = fk_sql_last_insert_rowid(ctx->db);
	return fk_trust_seal(ctx, FK_T_APPROVAL, FK_VAL_INT(*id), err);
}

fk_status fk_request_make(fk_ctx *ctx, fk_req_kind kind, const int64_t *ids, int n,
			  const char *reason, int64_t *id, fk_error *err)
{
	fk_gate g;
	items_buf b = {0};
	int64_t bureau = 0;
	char *detail = NULL;
	fk_op op = kind_op(kind);
	*id = 0;
	if (op == FK_OP_NONE)
		return fk_fail(err, FK_ERR_INVALID, "a request is for print, export, dispose or return");
	if (kind == FK_REQ_RETURN || kind == FK_REQ_DISPOSE_MUNI)
		return fk_fail(err, FK_ERR_INVALID, "a return or a municipality's disposal names the municipality, "
			       "not registers: all of its data goes");
	/* Decided and written under one lock: the versions fixed are the ones decided on. */
	fk_status s = fk_gate_open(ctx, &g, op, "new", err);
	if (s != FK_OK)
		return s;
	if ((s = check_reason(reason, err)) == FK_OK && (s = check_ids(kind, ids, n, err)) == FK_OK) {
		s = decide_items(ctx, &g, ids, n, &b, err);
		if (s == FK_ERR_DENIED) {
			free(b.s);
			return s;
		}
	}
	if (s == FK_OK)
		s = actor_bureau(ctx, &bureau, err);
	if (s == FK_OK)
		s = insert(ctx, kind, bureau, reason, &b, n, id, err);
	if (s == FK_OK) {
		/* The record's object is the request just made. */
		snprintf(g.oid, sizeof g.oid, "%lld", (long long)*id);
		size_t len = b.len + strlen(reason) + 96;
		if ((detail = malloc(len)) != NULL)
			snprintf(detail, len, "kind=%s registers=%s reason=%s", fk_req_kind_id(kind), b.s, reason);
		else
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	s = fk_gate_end(ctx, &g, s, detail, err);
	free(detail);
	free(b.s);
	if (s != FK_OK)
		*id = 0;
	return s;
}

/* ---- a request for a whole municipality ---- */

/* The right the kind needs on every kind of file of the municipality: a return carries its
 * registers, ledger and documents, and a disposal destroys all four. */
fk_status fk_request_decide_municipality(fk_ctx *ctx, fk_gate *g, const char *code, fk_error *err)
{
	fk_authz_decision d = {0};
	char msg[400];
	for (int k = 1; k <= FK_FILE_KINDS; k++) {
		fk_authz_req r = {.op = g->op, .municipality = code, .kind = k};
		fk_status s = fk_authorize(ctx, &r, &d, err);
		if (s != FK_OK)
			return fk_gate_end(ctx, g, s, NULL, err);
		if (d.allowed)
			continue;
		/* One out of reach is refused like one that does not exist (R-JURIS). */
		if (d.reason == FK_WHY_JURISDICTION || d.reason == FK_WHY_UNKNOWN_MUNICIPALITY)
			snprintf(msg, sizeof msg, "municipality %s does not exist or is outside your jurisdiction", code);
		else
			snprintf(msg, sizeof msg, "municipality %s, %s: %s", code, fk_file_kind_id(k), d.msg);
		return fk_gate_refuse(ctx, g, d.reason, msg, err);
	}
	fk_gate_allowed(g, &d);
	return FK_OK;
}

/* A disposal after a return: the return must be of the same municipality and carried out. */
static fk_status check_return(fk_ctx *ctx, fk_gate *g, const char *code, int64_t ret, fk_error *err)
{
	fk_request r;
	fk_error e;
	char msg[200];
	fk_status s = fk_request_get(ctx, ret, &r, &e);
	if (s == FK_ERR_NOTFOUND || (s == FK_OK && (r.kind != FK_REQ_RETURN || strcmp(r.municipality, code) != 0))) {
		fk_request_clear(&r);
		snprintf(msg, sizeof msg, "request %lld is not a return of municipality %s", (long long)ret, code);
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_RETURNED, msg, err);
	}
	if (s != FK_OK) {
		if (err)
			*err = e;
		return fk_gate_end(ctx, g, s, NULL, err);
	}
	int done = r.state == FK_REQ_EXECUTED, cancelled = r.state == FK_REQ_CANCELLED;
	fk_request_clear(&r);
	if (cancelled) {
		snprintf(msg, sizeof msg, "return %lld was given up: nothing was returned, so nothing is disposed "
			 "of after it", (long long)ret);
		return fk_gate_refuse(ctx, g, FK_WHY_RETURN_CANCELLED, msg, err);
	}
	if (!done) {
		snprintf(msg, sizeof msg, "return %lld has not been carried out: the municipality's data is "
			 "disposed of only after it was returned", (long long)ret);
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_RETURNED, msg, err);
	}
	return FK_OK;
}

fk_status fk_request_make_municipality(fk_ctx *ctx, fk_req_kind kind, const char *code,
				       int64_t after_return, const char *reason, int64_t *id,
				       fk_error *err)
{
	fk_gate g;
	char items[40], detail[600];
	int64_t bureau = 0;
	*id = 0;
	if (kind != FK_REQ_RETURN && kind != FK_REQ_DISPOSE_MUNI)
		return fk_fail(err, FK_ERR_INVALID, "a request for a whole municipality is a return or a disposal");
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return fk_fail(err, FK_ERR_INVALID, "a municipality is named by its 6-digit code");
	if (after_return < 0 || (after_return && kind != FK_REQ_DISPOSE_MUNI))
		return fk_fail(err, FK_ERR_INVALID, "only a disposal follows a return");
	fk_status s = check_reason(reason, err);
	if (s != FK_OK)
		return s;
	/* Decided and written under one lock, the return's state among what is decided. */
	if ((s = fk_gate_open(ctx, &g, kind_op(kind), "new", err)) != FK_OK)
		return s;
	if ((s = fk_request_decide_municipality(ctx, &g, code, err)) != FK_OK)
		return s;
	/* One return of a municipality at a time, and no disposal of it while one runs. */
	if ((s = fk_request_refuse_held(ctx, &g, code, 1, err)) != FK_OK)
		return s;
	if (after_return && (s = check_return(ctx, &g, code, after_return, err)) != FK_OK)
		return s;
	if (after_return)
		snprintf(items, sizeof items, "%s@%lld", code, (long long)after_return);
	else
		snprintf(items, sizeof items, "%s", code);
	items_buf b = {.s = items, .len = strlen(items), .cap = sizeof items};
	s = actor_bureau(ctx, &bureau, err);
	if (s == FK_OK)
		s = insert(ctx, kind, bureau, reason, &b, 0, id, err);
	if (s == FK_OK)
		snprintf(g.oid, sizeof g.oid, "%lld", (long long)*id);
	snprintf(detail, sizeof detail, "kind=%s municipality=%s after_return=%lld reason=%s",
		 fk_req_kind_id(kind), code, (long long)after_return, reason);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s != FK_OK)
		*id = 0;
	return s;
}

/* ---- deciding ---- */

static fk_status store_decision(fk_ctx *ctx, const fk_request *r, int approve, const char *reason,
				int64_t now, int64_t until, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_APPROVAL, FK_VAL_INT(r->id), 0, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_DECIDE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, r->id);
	fk_sql_bind_text(st, 2, approve ? "approved" : "rejected", -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 3, ctx->actor.operator_id);
	fk_sql_bind_text(st, 4, ctx->actor.user, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 5, now);
	fk_sql_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	if (approve)
		fk_sql_bind_int64(st, 7, until);
	if ((s = fk_ctx_exec(ctx, st, err, "storing the decision")) != FK_OK)
		return s;
	if (fk_sql_changes(ctx->db) != 1)
		return fk_fail(err, FK_ERR_INTERNAL, "request %lld was not waiting", (long long)r->id);
	return fk_trust_seal(ctx, FK_T_APPROVAL, FK_VAL_INT(r->id), err);
}

fk_status fk_request_decide(fk_ctx *ctx, int64_t id, int approve, const char *reason,
			    fk_error *err)
{
	fk_gate g;
	fk_request r = {0};
	char oid[24], detail[600] = "", until_s[32] = "-";
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	fk_status s = fk_gate_open(ctx, &g, approve ? FK_OP_REQUEST_APPROVE : FK_OP_REQUEST_REJECT, oid, err);
	if (s != FK_OK)
		return s;
	if ((s = check_reason(reason, err)) == FK_OK) {
		fk_error nf;
		s = fk_request_get(ctx, id, &r, &nf);
		if (s == FK_ERR_NOTFOUND)
			return fk_gate_refuse(ctx, &g, FK_WHY_NOT_FOUND, "no such request", err);
		if (s != FK_OK && err)
			*err = nf;
	}
	if (s == FK_OK) {
		fk_authz_req q = {.target_bureau = r.bureau_id, .target_operator = r.requester_id};
		if ((s = fk_gate_decide(ctx, &g, &q, err)) != FK_OK) {
			fk_request_clear(&r);
			return s;
		}
		if (r.state != FK_REQ_WAITING) {
			char msg[120];
			snprintf(msg, sizeof msg, "request %lld is %s, not waiting", (long long)id,
				 fk_req_state_id(r.state));
			fk_request_clear(&r);
			return fk_gate_refuse(ctx, &g, FK_WHY_NOT_WAITING, msg, err);
		}
		int64_t now = fk_authz_now(), until = now + (int64_t)ctx->cfg.approval_valid * 1000000000;
		s = store_decision(ctx, &r, approve, reason, now, until, err);
		if (approve)
			fk_fmt_utc(until, until_s, sizeof until_s);
		snprintf(detail, sizeof detail, "kind=%s requester=%s registers=%d valid_until=%s reason=%s",
			 fk_req_kind_id(r.kind), r.requester, r.n_items, until_s, reason);
	}
	fk_request_clear(&r);
	return fk_gate_end(ctx, &g, s, detail, err);
}

/* ---- expiry and execution, for the steps that carry requests out ---- */

static fk_status set_state(fk_ctx *ctx, fk_request *r, fk_req_state to, int64_t at, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_APPROVAL, FK_VAL_INT(r->id), 0, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_STATE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, r->id);
	fk_sql_bind_text(st, 2, fk_req_state_id(to), -1, SQLITE_STATIC);
	if (to == FK_REQ_EXECUTED)
		fk_sql_bind_int64(st, 3, at);
	if ((s = fk_ctx_exec(ctx, st, err, "changing a request's state")) != FK_OK)
		return s;
	if (fk_sql_changes(ctx->db) != 1)
		return fk_fail(err, FK_ERR_INTERNAL, "request %lld was not approved", (long long)r->id);
	if ((s = fk_trust_seal(ctx, FK_T_APPROVAL, FK_VAL_INT(r->id), err)) == FK_OK) {
		r->state = to;
		if (to == FK_REQ_EXECUTED)
			r->executed_at = at;
	}
	return s;
}

fk_status fk_request_note_expired(fk_ctx *ctx, fk_request *r, int64_t at, fk_error *err)
{
	char oid[24], detail[320], until[32];
	if (r->state != FK_REQ_APPROVED || r->valid_until > at)
		return FK_OK;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s == FK_OK)
		s = set_state(ctx, r, FK_REQ_EXPIRED, at, err);
	if (s == FK_OK) {
		snprintf(oid, sizeof oid, "%lld", (long long)r->id);
		fk_fmt_utc(r->valid_until, until, sizeof until);
		snprintf(detail, sizeof detail, "kind=%s requester=%s approved_by=%s valid_until=%s",
			 fk_req_kind_id(r->kind), r->requester, r->decided_by, until);
		s = fk_audit_op(ctx, FK_OP_REQUEST_EXPIRE, oid, FK_RESULT_SUCCESS, "expired", detail, err);
	}
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_request_mark_executed(fk_ctx *ctx, fk_request *r, int64_t at, fk_error *err)
{
	return set_state(ctx, r, FK_REQ_EXECUTED, at, err);
}

fk_status fk_request_mark_running(fk_ctx *ctx, fk_request *r, int64_t at, fk_error *err)
{
	return set_state(ctx, r, FK_REQ_RUNNING, at, err);
}

fk_status fk_request_mark_cancelled(fk_ctx *ctx, fk_request *r, fk_error *err)
{
	/* Only from running: set_state's statement also takes an approved one, which a cancel
	 * never is (an approved return that never began is left to expire). */
	if (r->state != FK_REQ_RUNNING)
		return fk_fail(err, FK_ERR_INTERNAL, "request %lld is not running", (long long)r->id);
	return set_state(ctx, r, FK_REQ_CANCELLED, 0, err);
}

fk_status fk_request_return_holding(fk_ctx *ctx, const char *code, int running_only, int64_t *id,
				    fk_error *err)
{
	fk_stmt *st;
	*id = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_RETURN_HOLDING, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	fk_sql_bind_int(st, 2, running_only != 0);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_APPROVAL, st, 0, err)) == FK_OK)
		*id = fk_sql_column_int64(st, C_ID);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the municipality's returns");
	fk_sql_reset(st);
	return s;
}

static fk_status held_refusal(fk_ctx *ctx, fk_gate *g, const char *code, int64_t ret, fk_error *err)
{
	char msg[240];
	snprintf(msg, sizeof msg, "return %lld of municipality %s is in progress or awaits the disposal asked "
		 "for after it: carry them out, or give the return up, first", (long long)ret, code);
	return fk_gate_refuse(ctx, g, FK_WHY_RETURN_RUNNING, msg, err);
}

fk_status fk_request_refuse_held(fk_ctx *ctx, fk_gate *g, const char *code, int running_only, fk_error *err)
{
	int64_t ret = 0;
	fk_status s = fk_request_return_holding(ctx, code, running_only, &ret, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	return ret ? held_refusal(ctx, g, code, ret, err) : FK_OK;
}

fk_status fk_request_check_reason(const char *reason, fk_error *err)
{
	return check_reason(reason, err);
}

fk_status fk_request_actor_bureau(fk_ctx *ctx, int64_t *bureau, fk_error *err)
{
	return actor_bureau(ctx, bureau, err);
}

/* ---- lists ---- */

typedef struct req_set {
	fk_request *v;
	int n;
} req_set;

static fk_status read_list(fk_ctx *ctx, int64_t requester, int64_t bureau, const char *state,
			   int limit, req_set *rs, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (s != FK_OK)
		return s;
	rs->v = calloc((size_t)limit, sizeof *rs->v);
	if (!rs->v)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_sql_bind_int64(st, 1, requester);
	fk_sql_bind_int64(st, 2, bureau);
	if (state)
		fk_sql_bind_text(st, 3, state, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 4, limit);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW)
		if ((s = read_row(ctx, st, &rs->v[rs->n], err)) == FK_OK)
			rs->n++;
		else
			fk_request_clear(&rs->v[rs->n]);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing requests");
	fk_sql_reset(st);
	return s;
}

fk_status fk_request_list(fk_ctx *ctx, fk_req_filter f, int limit, fk_request_fn cb, void *arg,
			  fk_error *err)
{
	fk_gate g;
	req_set rs = {0};
	char detail[96];
	if (limit < 1 || limit > 1000)
		return fk_fail(err, FK_ERR_INVALID, "a list holds 1-1000 requests");
	fk_authz_req q = {.op = FK_OP_REQUEST_LIST};
	const char *what = f == FK_REQ_LIST_MINE ? "mine" : f == FK_REQ_LIST_WAITING ? "waiting" : "default";
	fk_status s = fk_gate_begin(ctx, &g, &q, what, err);
	if (s != FK_OK)
		return s;
	/* A supervisor answers for the bureau's requests; anyone else sees only their own. */
	int64_t bureau = 0;
	int sup = ctx->actor.role == FK_ROLE_SUPERVISOR && f != FK_REQ_LIST_MINE;
	if (sup)
		s = actor_bureau(ctx, &bureau, err);
	if (s == FK_OK)
		s = read_list(ctx, sup ? 0 : ctx->actor.operator_id, sup ? bureau : 0,
			      f == FK_REQ_LIST_WAITING ? "waiting" : NULL, limit, &rs, err);
	int64_t now = fk_authz_now();
	for (int i = 0; s == FK_OK && i < rs.n; i++)
		s = fk_request_note_expired(ctx, &rs.v[i], now, err);
	snprintf(detail, sizeof detail, "filter=%s results=%d", what, rs.n);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) == FK_OK)
		for (int i = 0; i < rs.n && !cb(&rs.v[i], arg); i++)
			;
	for (int i = 0; i < rs.n; i++)
		fk_request_clear(&rs.v[i]);
	free(rs.v);
	return s;
}

fk_status fk_request_waiting_count(fk_ctx *ctx, int64_t *n, fk_error *err)
{
	fk_gate g;
	fk_stmt *st;
	int64_t bureau = 0;
	char detail[64];
	*n = 0;
	/* Decided and recorded like the list it summarises (issue 12): the count tells what the
	 * bureau is asking for, so the console asks through the gate and the history shows it. */
	fk_authz_req q = {.op = FK_OP_REQUEST_LIST};
	fk_status s = fk_gate_begin(ctx, &g, &q, "waiting-count", err);
	if (s != FK_OK)
		return s;
	if (ctx->actor.role != FK_ROLE_SUPERVISOR)
		return fk_gate_end(ctx, &g, FK_OK, "results=0", err);
	s = actor_bureau(ctx, &bureau, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_WAITING, &st, err);
	if (s == FK_OK) {
		fk_sql_bind_int64(st, 1, bureau);
		int rc = fk_sql_step(st);
		if (rc == SQLITE_ROW)
			*n = fk_sql_column_int64(st, 0);
		else
			s = fk_db_fail(ctx->db, rc, err, "counting requests");
		fk_sql_reset(st);
	}
	snprintf(detail, sizeof detail, "filter=waiting-count results=%lld", (long long)*n);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s != FK_OK)
		*n = 0;
	return s;
}

void fk_progress_tell(fk_progress *p, int64_t done, int64_t total)
{
	struct timespec t;
	if (!p || !p->fn || clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return;
	int64_t ms = (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
	/* Often enough to see it move, seldom enough that drawing costs nothing against the job. */
	if (done < total && ms - p->last_ms < 100)
		return;
	p->last_ms = ms;
	p->fn(p->arg, done, total);
}
