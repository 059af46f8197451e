/* The authorised way to the console's screens: each page is decided by fk_authorize and recorded
 * (with what it showed) before its rows are handed out (R-ACCESS, R-FILES, R-JURIS, R-LOG). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "audit.h"
#include "audit_chain.h"
#include "audit_verify.h"
#include "gate.h"
#include "authz.h"
#include "browse.h"
#include "lockout.h"
#include "operator.h"
#include "cert.h"
#include "store.h"
#include "util.h"

/* A page of one municipality's files of kind: decided under the gate's lock. */
static fk_status gate_page(fk_ctx *ctx, fk_gate *g, fk_op op, const char *muni, int kind, fk_error *err)
{
	fk_authz_req r = {.op = op, .municipality = muni, .kind = kind};
	return fk_gate_begin(ctx, g, &r, muni, err);
}

/* Whatever was read goes back unseen when the page is not on record. */
static fk_status page_end(fk_ctx *ctx, fk_gate *g, fk_status s, const char *detail, void *out,
			  size_t size, int *n, fk_error *err)
{
	if ((s = fk_gate_end(ctx, g, s, detail, err)) != FK_OK) {
		memset(out, 0, (size_t)*n * size);
		*n = 0;
	}
	return s;
}

fk_status fk_access_home(fk_ctx *ctx, fk_muni_stat **rows, int *n, fk_error *err)
{
	fk_authz_decision d = {0};
	fk_gate g;
	int pairs = 0;
	char detail[48];
	*rows = NULL;
	*n = 0;
	fk_authz_req r = {.op = FK_OP_VIEW_HOME};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	/* Nothing permitted is still a home screen (every count 0), not a refusal: the
	 * municipalities of one's own bureau are public reference data. */
	s = fk_authz_view_set(ctx, NULL, FK_KINDS_ALL, &d, &pairs, err);
	if (s == FK_OK && !d.allowed)
		g.d.reason = FK_WHY_NOTHING_GRANTED;
	if (s == FK_OK)
		s = fk_browse_home(ctx, ctx->actor.bureau_id, 1, rows, n, err);
	snprintf(detail, sizeof detail, "permitted pairs=%d", pairs);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	return s;
}

fk_status fk_access_register_page(fk_ctx *ctx, const char *muni, int kind, int64_t anchor, int dir,
				  int limit, fk_reg_row *out, int *n, int64_t *total, fk_error *err)
{
	fk_gate g;
	char detail[96];
	*n = 0;
	if (kind != FK_FILE_KOSEKI && kind != FK_FILE_JOSEKI)
		return fk_fail(err, FK_ERR_INVALID, "戸籍 or 除籍 is required");
	fk_status s = gate_page(ctx, &g, FK_OP_REGISTER_PAGE, muni, kind, err);
	if (s != FK_OK)
		return s;
	/* Read under the lock, record what is shown, hand out only after the record. */
	s = fk_browse_registers(ctx, muni, kind, anchor, dir, limit, out, n, err);
	if (s == FK_OK)
		s = fk_browse_total(ctx, muni, kind, total, err);
	snprintf(detail, sizeof detail, "kind=%d registers %lld..%lld (%d)", kind,
		 *n ? (long long)out[0].id : 0LL, *n ? (long long)out[*n - 1].id : 0LL, *n);
	return page_end(ctx, &g, s, detail, out, sizeof *out, n, err);
}

fk_status fk_access_register_page_at(fk_ctx *ctx, const char *muni, int kind, fk_order_field order,
				     int64_t *offset, int64_t keep_id, int keep_row, int limit,
				     fk_reg_row *out, int *n, int64_t *total, fk_error *err)
{
	static const char *const names[] = {"id", "honseki", "reading"};
	fk_gate g;
	char detail[2400];
	*n = 0;
	if (kind != FK_FILE_KOSEKI && kind != FK_FILE_JOSEKI)
		return fk_fail(err, FK_ERR_INVALID, "戸籍 or 除籍 is required");
	if (order < FK_ORDER_ID || order > FK_ORDER_READING)
		return fk_fail(err, FK_ERR_INVALID, "unknown sort order %d", (int)order);
	fk_status s = gate_page(ctx, &g, FK_OP_REGISTER_PAGE, muni, kind, err);
	if (s != FK_OK)
		return s;
	s = fk_browse_registers_at(ctx, muni, kind, order, offset, keep_id, keep_row, limit, out, n,
				   total, err);
	/* Sorted pages are not id ranges: the ids shown are listed. */
	int k = snprintf(detail, sizeof detail, "kind=%d order=%s from %lld (%d): ", kind, names[order],
			 (long long)(*n ? *offset + 1 : 0), *n);
	for (int i = 0; i < *n && k > 0 && (size_t)k + 24 < sizeof detail; i++)
		k += snprintf(detail + k, sizeof detail - (size_t)k, i ? ",%lld" : "%lld",
			      (long long)out[i].id);
	return page_end(ctx, &g, s, detail, out, sizeof *out, n, err);
}

fk_status fk_access_records_page(fk_ctx *ctx, const char *muni, int kind, const fk_record_row *after,
				 int limit, fk_record_row *out, int *n, fk_error *err)
{
	fk_gate g;
	char detail[96];
	*n = 0;
	if (kind != FK_FILE_LEDGER && kind != FK_FILE_DOCS)
		return fk_fail(err, FK_ERR_INVALID, "受付帳情報 or 届書等情報 is required");
	fk_status s = gate_page(ctx, &g, kind == FK_FILE_LEDGER ? FK_OP_LEDGER_PAGE : FK_OP_DOC_PAGE, muni,
				kind, err);
	if (s != FK_OK)
		return s;
	s = fk_browse_records(ctx, muni, kind, after, limit, out, n, err);
	snprintf(detail, sizeof detail, "%s %lld..%lld (%d)", kind == FK_FILE_LEDGER ? "ledger" : "documents",
		 *n ? (long long)out[0].id : 0LL, *n ? (long long)out[*n - 1].id : 0LL, *n);
	return page_end(ctx, &g, s, detail, out, sizeof *out, n, err);
}

fk_status fk_access_search_page(fk_ctx *ctx, const fk_search *q, fk_reg_row *out, int *n, int *more,
				fk_error *err)
{
	int64_t ids[FK_ACCESS_PAGE_MAX];
	fk_search q1 = *q;
	*n = 0;
	*more = 0;
	if (q->limit < 1 || q->limit >= FK_ACCESS_PAGE_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a page holds 1-%d rows", FK_ACCESS_PAGE_MAX - 1);
	q1.limit = q->limit + 1; /* one more tells whether there is a next page */
	fk_status s = fk_access_search(ctx, &q1, ids, n, err);
	if (s != FK_OK)
		return s;
	*more = *n > q->limit;
	if (*more)
		*n = q->limit;
	/* The search was decided and recorded with its result count: these rows
	 * are its results, read for display (a page at once: issue 14). */
	s = fk_browse_register_rows(ctx, ids, *n, out, err);
	if (s != FK_OK)
		*n = 0;
	return s;
}

fk_status fk_access_compare_lines(fk_ctx *ctx, int64_t id, int v1, int v2, fk_lines *out,
				  int *changes, fk_error *err)
{
	fk_lines l1 = {0}, l2 = {0};
	fk_reg_info info;
	json_t *a = NULL, *b = NULL;
	fk_status s = fk_access_register_compare(ctx, id, v1, v2, &a, &b, err);
	/* Decided and recorded above: the kind only titles the layout. */
	if (s == FK_OK)
		s = fk_store_info(ctx, id, &info, err);
	if (s == FK_OK)
		s = fk_cert_lines(a, info.kind, &l1, err);
	if (s == FK_OK)
		s = fk_cert_lines(b, info.kind, &l2, err);
	if (s == FK_OK)
		s = fk_lines_diff(&l1, &l2, out, changes, err);
	json_decref(a);
	json_decref(b);
	fk_lines_free(&l1);
	fk_lines_free(&l2);
	return s;
}

/* ---- the auditor's view of the operation history (R-LOG) ---- */

fk_status fk_access_history(fk_ctx *ctx, const fk_audit_filter *f, fk_audit_row *out, int max,
			    int *n, fk_error *err)
{
	char detail[160];
	fk_gate g;
	*n = 0;
	snprintf(detail, sizeof detail, "operator=%s action=%s result=%s %s %lld",
		 f->operator_ && *f->operator_ ? f->operator_ : "*", f->action && *f->action ? f->action : "*",
		 f->result && *f->result ? f->result : "*", f->before_seq ? "before" : "after",
		 (long long)(f->before_seq ? f->before_seq : f->after_seq));
	/* Auditors review the history, administrators manage it (R-LOGSEAL); it names what
	 * others looked at, so nobody else reads it. Decided on the person's row as it is now. */
	fk_authz_req r = {.op = FK_OP_HISTORY_VIEW};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	s = fk_audit_query(ctx, f, out, max, n, err);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		fk_audit_rows_free(out, *n);
		*n = 0;
	}
	return s;
}

fk_status fk_access_history_verify(fk_ctx *ctx, fk_verify_fn fn, void *arg, fk_verify_report *rep,
				   fk_error *err)
{
	uint8_t k0[FK_KEY_LEN];
	fk_gate g;
	memset(rep, 0, sizeof *rep);
	fk_authz_req r = {.op = FK_OP_HISTORY_VERIFY};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	char *path = fk_chain_k0_default_path(ctx->cfg.key_dir, err);
	s = path ? fk_chain_k0_read(path, k0, err) : FK_ERR_NOMEM;
	free(path);
	if (s != FK_OK) {
		fk_fail_wrap(err, "the history's initial key is not on this terminal (verify with "
				  "fukuhonctl audit verify --key FILE)");
		return fk_gate_end(ctx, &g, s, NULL, err);
	}
	fk_verify_opts o = {.k0 = k0, .fn = fn, .arg = arg};
	s = fk_audit_verify(ctx, &o, rep, err);
	fk_wipe(k0, sizeof k0);
	char detail[96];
	snprintf(detail, sizeof detail, "records=%lld problems=%lld", (long long)rep->records,
		 (long long)rep->problems);
	/* A history that is not intact is a verification that ran: its result is the record. */
	if (s == FK_OK && rep->problems)
		s = fk_fail_id(err, FK_ERR_TAMPER, FK_MSG_HISTORY_NOT_INTACT, NULL, (long long)rep->problems);
	s = fk_gate_end(ctx, &g, s, detail, err);
	return s == FK_ERR_TAMPER ? FK_OK : s;
}

/* ---- the supervisor's lockout screen (R-LOCKOUT) ---- */

typedef struct own_bureau {
	fk_ctx *ctx;
	int64_t bureau; /* 0: every account (an administrator) */
	fk_lockout_cb cb;
	void *arg;
	fk_status st;
	fk_error *err;
} own_bureau;

/* A supervisor sees only the accounts of their own bureau's people (R-LOCKOUT, R-JURIS): each
 * account's bureau as its row says now. A name nobody is enrolled under ("?…") has no bureau:
 * only administrators see it. */
static int own_bureau_row(const fk_lockout_row *row, void *arg)
{
	own_bureau *o = arg;
	if (o->bureau) {
		fk_operator op;
		fk_error e;
		if (row->user[0] == '?')
			return 0;
		fk_status s = fk_operator_get(o->ctx, row->user, &op, &e);
		if (s == FK_ERR_NOTFOUND)
			return 0;
		if (s != FK_OK) {
			*o->err = e;
			o->st = s;
			return 1;
		}
		if (op.bureau_id != o->bureau)
			return 0;
	}
	return o->cb(row, o->arg);
}

fk_status fk_access_lockouts(fk_ctx *ctx, fk_lockout_cb cb, void *arg, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_LOCKOUT_VIEW};
	fk_operator me;
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	/* Who may see what: by the person's row as it is now, as the gate decided. */
	if (s == FK_OK && (s = fk_operator_get(ctx, ctx->actor.user, &me, err)) != FK_OK)
		return fk_gate_end(ctx, &g, s, NULL, err);
	/* Recorded before the rows go out: a callback cannot be taken back. */
	if (s == FK_OK)
		s = fk_gate_end(ctx, &g, FK_OK, me.role == FK_ROLE_ADMIN ? "all" : "own bureau", err);
	if (s != FK_OK)
		return s;
	own_bureau o = {ctx, me.role == FK_ROLE_ADMIN ? 0 : me.bureau_id, cb, arg, FK_OK, err};
	s = fk_lockout_list(ctx, own_bureau_row, &o, err);
	return s == FK_OK ? o.st : s;
}
