/* The one gate every operation of a person passes: decided by its row in the operation table
 * (ops.h) through fk_authorize, and recorded by the gate itself — the refusal, or the outcome
 * with what the operation did — so that no caller can forget either (R-ACCESS, R-LOG).
 *
 *	fk_gate g;
 *	fk_authz_req r = {.op = FK_OP_REGISTER_OPEN, .municipality = m, .kind = k};
 *	if ((st = fk_gate_begin(ctx, &g, &r, oid, err)) != FK_OK)
 *		return st;                      // refused (and recorded), or failed
 *	st = …the work…;
 *	return fk_gate_end(ctx, &g, st, detail, err);  // recorded; FK_OK only when on record
 *
 * For an operation of one transaction (ops.h, FK_OP_ONE_TX) the gate takes the write lock
 * before deciding and keeps it until the record is committed: nothing can change between
 * the decision and the work, and the work's writes commit with their record or not at all. */
#ifndef FK_GATE_H
#define FK_GATE_H

#include "audit.h"
#include "authz.h"
#include "ctx.h"
#include "status.h"

typedef struct fk_gate {
	fk_op op;
	char oid[96];
	fk_authz_decision d;
	int in_tx;      /* the gate's transaction is open */
	int unrecorded; /* a diagnosis over a database that failed its checks (ops.h) */
} fk_gate;

/* Decide req->op on object oid (NULL: "-"). FK_OK: allowed; the operation runs (inside
 * the gate's transaction for one-transaction operations). FK_ERR_DENIED: refused, the
 * refusal recorded with its reason (err->reason) and message. Anything else: the decision
 * could not be made (a database that failed its check: FK_ERR_TAMPER naming the row); it is
 * recorded when the history still can be. In every case but FK_OK the gate is closed. */
fk_status fk_gate_begin(fk_ctx *ctx, fk_gate *g, const fk_authz_req *req, const char *oid,
			fk_error *err);

/* fk_gate_begin in two steps, for operations that read what their decision needs (the
 * grant a revoke names) under the same lock: open, read, decide. An operation that fails
 * between the two ends with fk_gate_end (the failure recorded). */
fk_status fk_gate_open(fk_ctx *ctx, fk_gate *g, fk_op op, const char *oid, fk_error *err);
fk_status fk_gate_decide(fk_ctx *ctx, fk_gate *g, const fk_authz_req *req, fk_error *err);

/* For operations decided pair by pair (the permitted set of a search or a count, authz.h):
 * refuse with the decision's reason (recorded; FK_ERR_DENIED), or take the decision as the
 * gate's (its reason recorded with the success). */
fk_status fk_gate_refuse(fk_ctx *ctx, fk_gate *g, fk_reason reason, const char *msg, fk_error *err);
void fk_gate_allowed(fk_gate *g, const fk_authz_decision *d);

/* The work opened a transaction after the decision and left it open (an operation that is
 * one transaction only sometimes: an import of a one-chunk package): fk_gate_end records the
 * outcome in it and commits both, as for a one_tx operation (ops.h). 0 when the gate records
 * nothing (a diagnosis): the caller ends the transaction itself. */
int fk_gate_adopt_tx(fk_gate *g);

/* The other way round, for an operation decided under the lock whose work then runs in
 * transactions of its own (a municipality's return, core/approve): commit what the decision's
 * transaction did so far — which carries its own record — and keep the gate open without a
 * transaction; fk_gate_end records the outcome later (in a transaction adopted again, or its
 * own). A failed commit ends the gate with the failure, recorded. */
fk_status fk_gate_commit_step(fk_ctx *ctx, fk_gate *g, fk_error *err);

/* End the operation with its status st. FK_OK: the success is recorded with detail (sealed:
 * it may name people) and committed with the work; if it cannot be, the work is undone and
 * FK_ERR_AUDIT returned (hand nothing out then). Otherwise the work is undone and the failure
 * recorded. Returns the operation's final status. */
fk_status fk_gate_end(fk_ctx *ctx, fk_gate *g, fk_status st, const char *detail, fk_error *err);

/* End an operation that its work refused (not its decision: a package refused as a whole,
 * core/intake) and whose refusal leaves a row of its own: keep(ctx, arg, err) writes the row in
 * the transaction that records the failure (st, err's message), so that both are on record or
 * neither. Returns st when both are; when the row cannot be written, the refusal is recorded
 * without it and keep's failure returned (the caller answers nothing: fail closed). */
typedef fk_status (*fk_gate_keep_fn)(fk_ctx *ctx, void *arg, fk_error *err);
fk_status fk_gate_end_keep(fk_ctx *ctx, fk_gate *g, fk_status st, fk_gate_keep_fn keep, void *arg,
			   fk_error *err);

/* Close an allowed gate that did nothing, unrecorded: a check made ahead of an operation
 * that will be decided and recorded again when it runs (fk_grant_precheck). Its refusals
 * were recorded by fk_gate_decide; an allowance alone changes nothing worth a record. */
void fk_gate_abandon(fk_ctx *ctx, fk_gate *g);

/* Decide and record in one step, for operations whose work is done when they are decided
 * (a refusal is FK_ERR_DENIED, as from fk_gate_begin). */
fk_status fk_gate_check(fk_ctx *ctx, const fk_authz_req *req, const char *oid, const char *detail,
			fk_error *err);

#endif
