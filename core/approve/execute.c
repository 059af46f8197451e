/* Deciding whether an approved request may be carried out now (execute.h). */
#include "config.h"

#include <stdio.h>

#include "db.h"
#include "execute.h"
#include "outseq.h"

/* Prints and exports share one counter (R-PRINT): the largest serial of either. */
static const char SQL_MAX_SERIAL[] =
	"SELECT max(ifnull((SELECT max(serial) FROM print_output), 0), "
	"ifnull((SELECT max(serial) FROM export_output), 0))";

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
fk_status fk_output_first_serial(fk_ctx *ctx, int64_t *serial, fk_error *err)
{
	sqlite3_stmt *st;
	int64_t kept = 0, recorded = 0;
	fk_status s = fk_outseq_get(ctx, &kept, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_MAX_SERIAL, &st, err);
	if (s != FK_OK)
		return s;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		recorded = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "reading the output numbers");
	*serial = (kept > recorded ? kept : recorded) + 1;
	return FK_OK;
}
