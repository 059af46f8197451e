/* The one gate: decide by the operation table, record the refusal or the outcome (gate.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gate.h"
#include "trust.h"
#include "util.h"

/* A refusal: recorded as denied with its reason, then FK_ERR_DENIED with the message. */
static fk_status refuse(fk_ctx *ctx, fk_gate *g, fk_error *err)
{
	fk_error rec;
	fk_error_clear(&rec);
	fk_status s = g->unrecorded ? FK_OK
		: fk_audit_op(ctx, g->op, g->oid, FK_RESULT_DENIED, fk_reason_id(g->d.reason), NULL, &rec);
	if (g->in_tx) {
		s = fk_ctx_end(ctx, s, &rec);
		g->in_tx = 0;
	}
	/* A refusal that cannot be recorded still refuses: the message says so. */
	fk_fail(err, FK_ERR_DENIED, "%s%s", g->d.msg, s == FK_OK ? "" : " (and the refusal could not be recorded)");
	if (err)
		err->reason = (int)g->d.reason;
	return FK_ERR_DENIED;
}

/* The decision could not be made: the database failed its check, or could not be read. The
 * failure is recorded where the history can still take it. */
static fk_status failed(fk_ctx *ctx, fk_gate *g, fk_status st, fk_error *err)
{
	if (g->in_tx) {
		fk_ctx_end(ctx, st, NULL);
		g->in_tx = 0;
	}
	if (g->unrecorded)
		return st;
	/* Refused because the database failed its check: on record as long as the history
	 * itself is intact (core/trust keeps the tables as anchored, so they keep failing). */
	if (st == FK_ERR_TAMPER)
		fk_trust_degrade(ctx, 1);
	st = fk_audit_outcome(ctx, fk_op_name(g->op), fk_op_get(g->op)->otype, g->oid, st, err);
	fk_trust_degrade(ctx, 0);
	return st;
}

fk_status fk_gate_open(fk_ctx *ctx, fk_gate *g, fk_op op, const char *oid, fk_error *err)
{
	memset(g, 0, sizeof *g);
	g->op = op;
	fk_copy_str(g->oid, sizeof g->oid, oid && *oid ? oid : "-");
	fk_status st = FK_OK;
	/* A database that failed its checks, opened to examine it: only a diagnosis runs, and
	 * unrecorded, since nothing can be written; every other operation is refused. */
	const char *broken = fk_trust_broken(ctx);
	if (broken && !fk_op_get(op)->diagnosis)
		return fk_fail(err, FK_ERR_TAMPER, "%s", broken);
	g->unrecorded = broken != NULL;
	/* The lock first: the decision and the work see the same database. */
	if (fk_op_get(op)->one_tx && !g->unrecorded) {
		if ((st = fk_ctx_begin(ctx, err)) != FK_OK)
			return failed(ctx, g, st, err);
		g->in_tx = 1;
	}
	return FK_OK;
}

fk_status fk_gate_decide(fk_ctx *ctx, fk_gate *g, const fk_authz_req *req, fk_error *err)
{
	fk_authz_req r = *req;
	r.op = g->op;
	fk_status st = fk_authorize(ctx, &r, &g->d, err);
	if (st != FK_OK)
		return failed(ctx, g, st, err);
	return g->d.allowed ? FK_OK : refuse(ctx, g, err);
}

fk_status fk_gate_begin(fk_ctx *ctx, fk_gate *g, const fk_authz_req *req, const char *oid,
			fk_error *err)
{
	fk_status st = fk_gate_open(ctx, g, req->op, oid, err);
	return st == FK_OK ? fk_gate_decide(ctx, g, req, err) : st;
}

fk_status fk_gate_refuse(fk_ctx *ctx, fk_gate *g, fk_reason reason, const char *msg, fk_error *err)
{
	g->d.allowed = 0;
	g->d.reason = reason;
	fk_copy_str(g->d.msg, sizeof g->d.msg, msg);
	return refuse(ctx, g, err);
}

void fk_gate_allowed(fk_gate *g, const fk_authz_decision *d)
{
	if (d->allowed)
		g->d = *d;
}

int fk_gate_adopt_tx(fk_gate *g)
{
	if (g->unrecorded || g->in_tx)
		return 0;
	g->in_tx = 1;
	return 1;
}

fk_status fk_gate_commit_step(fk_ctx *ctx, fk_gate *g, fk_error *err)
{
	if (g->unrecorded || !g->in_tx)
		return fk_fail(err, FK_ERR_INTERNAL, "no transaction of the gate to commit");
	g->in_tx = 0;
	fk_status st = fk_ctx_end(ctx, FK_OK, err);
	return st == FK_OK ? FK_OK : failed(ctx, g, st, err);
}

fk_status fk_gate_end(fk_ctx *ctx, fk_gate *g, fk_status st, const char *detail, fk_error *err)
{
	if (g->unrecorded)
		return st;
	if (st == FK_OK) {
		st = fk_audit_op(ctx, g->op, g->oid, FK_RESULT_SUCCESS, fk_reason_id(g->d.reason), detail, err);
		if (g->in_tx)
			st = fk_ctx_end(ctx, st, err);
		g->in_tx = 0;
		if (st == FK_OK)
			return FK_OK;
		/* The work is undone with its record: nothing happened. */
		return st == FK_ERR_AUDIT ? st : fk_fail(err, FK_ERR_AUDIT,
			"could not record the operation, so it was not performed (%s)", err ? err->msg : "");
	}
	return failed(ctx, g, st, err);
}

fk_status fk_gate_end_keep(fk_ctx *ctx, fk_gate *g, fk_status st, fk_gate_keep_fn keep, void *arg,
			   fk_error *err)
{
	if (g->unrecorded || st == FK_OK || !keep)
		return fk_gate_end(ctx, g, st, NULL, err);
	if (g->in_tx) {
		fk_ctx_end(ctx, st, NULL); /* the work's own writes go */
		g->in_tx = 0;
	}
	fk_error e;
	fk_error_clear(&e);
	fk_status ks = fk_ctx_begin(ctx, &e);
	if (ks == FK_OK)
		ks = keep(ctx, arg, &e);
	if (ks == FK_OK)
		ks = fk_audit(ctx, fk_op_name(g->op), fk_op_get(g->op)->otype, g->oid,
			      st == FK_ERR_DENIED ? FK_RESULT_DENIED : FK_RESULT_FAILED, fk_status_name(st),
			      err ? err->msg : NULL, &e);
	if ((ks = fk_ctx_end(ctx, ks, &e)) == FK_OK)
		return st;
	/* The refusal still goes on record, without its row; and nothing is answered. */
	failed(ctx, g, st, err);
	if (!err)
		return fk_failed(ks);
	*err = e;
	return fk_fail_wrap(err, "the refusal's row could not be kept");
}

fk_status fk_gate_check(fk_ctx *ctx, const fk_authz_req *req, const char *oid, const char *detail,
			fk_error *err)
{
	fk_gate g;
	fk_status st = fk_gate_begin(ctx, &g, req, oid, err);
	return st == FK_OK ? fk_gate_end(ctx, &g, FK_OK, detail, err) : st;
}

void fk_gate_abandon(fk_ctx *ctx, fk_gate *g)
{
	if (g->in_tx)
		fk_ctx_end(ctx, FK_ERR_INTERNAL, NULL); /* nothing was done: nothing to keep */
	g->in_tx = 0;
}
