/* Deciding whether an approved request may be carried out now (execute.h). */
#include "config.h"

#include <stdio.h>

#include "db.h"
#include "execute.h"
#include "outseq.h"
#include "returnjob.h"
#include "trust.h"

/* Prints and exports share one counter (R-PRINT): the largest serial of either. The row holding
 * it is read whole and checked against its MAC (R-LOGSEAL): a row inserted or altered outside
 * fukuhon to push the counter somewhere (a gap, or a number another office holds) is refused,
 * naming the row. Deleting the row with the largest serial (its trigger dropped first) to have
 * its number handed out again is not something a MAC can see; the key folder's counter
 * (print.seq, outseq.h), out of the database's reach, guards that, and the table digest
 * (`audit verify`) notices the missing row. */
static const char SQL_LAST_PRINT[] =
	"SELECT " FK_COLS_PRINT_OUTPUT ", mac FROM print_output ORDER BY serial DESC LIMIT 1";
static const char SQL_LAST_EXPORT[] =
	"SELECT " FK_COLS_EXPORT_OUTPUT ", mac FROM export_output ORDER BY serial DESC LIMIT 1";
/* Where serial stands among each table's covered columns (rows.h). */
enum { C_PRINT_SERIAL = 6, C_EXPORT_SERIAL = 4 };

static const char *kind_sentence(fk_req_kind k)
{
	return k == FK_REQ_PRINT ? "this request is not for a print"
	       : k == FK_REQ_EXPORT ? "this request is not for an export"
				    : "this request is not of this kind";
}

/* Every register at the version the request fixed, and still allowed. */
static fk_status decide_items(fk_ctx *ctx, fk_gate *g, fk_request *r, fk_reg_info *info,
			      fk_error *err)
{
	char msg[320];
	fk_authz_decision d = {0};
	for (int i = 0; i < r->n_items; i++) {
		fk_error nf;
		fk_status s = fk_store_info(ctx, r->items[i].register_id, &info[i], &nf);
		if (s == FK_ERR_NOTFOUND) {
			snprintf(msg, sizeof msg, "register %lld no longer exists or was disposed of",
				 (long long)r->items[i].register_id);
			return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_GONE, msg, err);
		}
		if (s != FK_OK) {
			if (err)
				*err = nf;
			return fk_gate_end(ctx, g, s, NULL, err);
		}
		if (info[i].version != r->items[i].version) {
			snprintf(msg, sizeof msg, "register %lld is at version %d, the request fixed version %d",
				 (long long)r->items[i].register_id, info[i].version, r->items[i].version);
			return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_CHANGED, msg, err);
		}
		fk_authz_req q = {.op = g->op, .municipality = info[i].municipality, .kind = (int)info[i].kind};
		if ((s = fk_authorize(ctx, &q, &d, err)) != FK_OK)
			return fk_gate_end(ctx, g, s, NULL, err);
		if (!d.allowed) {
			snprintf(msg, sizeof msg, "register %lld: %s", (long long)r->items[i].register_id, d.msg);
			return fk_gate_refuse(ctx, g, d.reason, msg, err);
		}
	}
	fk_gate_allowed(g, &d);
	return FK_OK;
}

fk_status fk_request_open_execution(fk_ctx *ctx, fk_gate *g, fk_op op, int64_t id, fk_request *r,
				    fk_error *err)
{
	char oid[24];
	fk_error nf;
	snprintf(oid, sizeof oid, "%lld", (long long)id);
	fk_status s = fk_gate_open(ctx, g, op, oid, err);
	if (s != FK_OK)
		return s;
	s = fk_request_get(ctx, id, r, &nf);
	if (s == FK_ERR_NOTFOUND)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_FOUND, "no such request", err);
	if (s != FK_OK) {
		if (err)
			*err = nf;
		return fk_gate_end(ctx, g, s, NULL, err);
	}
	return FK_OK;
}

fk_status fk_request_decide_execution(fk_ctx *ctx, fk_gate *g, fk_request *r, fk_req_kind kind,
				      fk_reg_info *info, int64_t now, fk_error *err)
{
	if (r->kind != kind)
		return fk_gate_refuse(ctx, g, FK_WHY_INVALID, kind_sentence(kind), err);
	if (r->requester_id != ctx->actor.operator_id)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_REQUESTER, "only the requester carries out a request", err);
	if (r->state == FK_REQ_EXECUTED)
		return fk_gate_refuse(ctx, g, FK_WHY_EXECUTED, "this request has been carried out already", err);
	fk_status s = fk_request_note_expired(ctx, r, now, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (r->state == FK_REQ_EXPIRED)
		return fk_gate_refuse(ctx, g, FK_WHY_APPROVAL_EXPIRED, "the approval has expired", err);
	if (r->state != FK_REQ_APPROVED)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_APPROVED, "this request is not approved", err);
	return decide_items(ctx, g, r, info, err);
}

/* The next serial: past both the key folder's counter and every output on record, so that a
 * restored older database (behind the counter) and a lost counter file (behind the database)
 * both still never hand out a number twice. */
/* The largest serial in one output table (0 when it is empty), from a row whose MAC holds. */
static fk_status last_serial(fk_ctx *ctx, const char *sql, fk_table t, int col, int64_t *serial,
			     fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	*serial = 0;
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, t, st, 0, err)) == FK_OK)
		*serial = fk_sql_column_int64(st, col);
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading the output numbers");
	return s;
}

fk_status fk_output_first_serial(fk_ctx *ctx, int64_t *serial, fk_error *err)
{
	int64_t kept = 0, printed = 0, exported = 0, running = 0, voided = 0;
	fk_status s = fk_outseq_get(ctx, &kept, err);
	if (s == FK_OK)
		s = last_serial(ctx, SQL_LAST_PRINT, FK_T_PRINT_OUTPUT, C_PRINT_SERIAL, &printed, err);
	if (s == FK_OK)
		s = last_serial(ctx, SQL_LAST_EXPORT, FK_T_EXPORT_OUTPUT, C_EXPORT_SERIAL, &exported, err);
	/* A return writes its package outside the write lock with the number it kept: past it too. */
	if (s == FK_OK)
		s = fk_return_run_max(ctx, &running, err);
	/* A number a return kept and gave up is void: the key folder's counter is past it too, but
	 * a lost counter file must not hand it out again either. */
	if (s == FK_OK)
		s = fk_return_void_max(ctx, &voided, err);
	if (s != FK_OK)
		return s;
	int64_t recorded = printed > exported ? printed : exported;
	recorded = running > recorded ? running : recorded;
	recorded = voided > recorded ? voided : recorded;
	*serial = (kept > recorded ? kept : recorded) + 1;
	return FK_OK;
}
