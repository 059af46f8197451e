/* A return given up (retcancel.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "execute.h"
#include "meta.h"
#include "outseq.h"
#include "retcancel.h"
#include "returnjob.h"
#include "util.h"

static const char SQL_ITEMS_RELEASE[] = "DELETE FROM return_item WHERE request_id = ?1";

typedef struct cjob {
	fk_ctx *ctx;
	fk_request req;
	int64_t serial;
	int year;
	char *tmps; /* the temporary files the runs opened ("\nPATH…") */
	fk_return_cancel_result *out;
} cjob;

/* Who may give it up, and what: the bureau first (another bureau's request says nothing of
 * its state), then the person, then the request's state. */
static fk_status decide(cjob *j, fk_gate *g, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	const fk_request *r = &j->req;
	char msg[200];
	int64_t bureau = 0;
	fk_authz_req q = {.op = FK_OP_RETURN_CANCEL};
	fk_status s = fk_gate_decide(ctx, g, &q, err);
	if (s != FK_OK)
		return s;
	if ((s = fk_request_actor_bureau(ctx, &bureau, err)) != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (r->bureau_id != bureau)
		return fk_gate_refuse(ctx, g, FK_WHY_JURISDICTION, "the request is another bureau's", err);
	if (r->requester_id != ctx->actor.operator_id && ctx->actor.role != FK_ROLE_SUPERVISOR)
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_REQUESTER_NOR_SUPERVISOR,
				      "only the requester or a supervisor of the bureau gives a return up", err);
	if (r->kind != FK_REQ_RETURN || r->state != FK_REQ_RUNNING) {
		snprintf(msg, sizeof msg, "request %lld is a %s %s, not a return in progress", (long long)r->id,
			 fk_req_kind_id(r->kind), fk_req_state_id(r->state));
		return fk_gate_refuse(ctx, g, FK_WHY_NOT_RUNNING, msg, err);
	}
	return FK_OK;
}

/* In the gate's transaction: what the return kept released (sealed rows unsealed and removed,
 * its items deleted), its number void, the request cancelled. */
static fk_status release(cjob *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char key[40], sha[65];
	int found = 0;
	fk_stmt *st;
	fk_status s = fk_return_run_get(ctx, j->req.id, &j->serial, &j->year, sha, j->tmps, FK_RETURN_TMPS_MAX,
					&found, err);
	if (s == FK_OK && found) {
		snprintf(j->out->number, sizeof j->out->number, "%lld/%d/%06lld", (long long)j->req.bureau_id,
			 j->year, (long long)j->serial);
		s = fk_return_void_note(ctx, j->serial, err);
	}
	snprintf(key, sizeof key, "return.run.%lld", (long long)j->req.id);
	if (s == FK_OK)
		s = fk_meta_del(ctx, key, NULL, err);
	/* Written only when a return is carried out; released all the same should it be there. */
	snprintf(key, sizeof key, "return.%lld", (long long)j->req.id);
	if (s == FK_OK)
		s = fk_meta_del(ctx, key, NULL, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_ITEMS_RELEASE, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, j->req.id);
		if ((s = fk_ctx_exec(ctx, st, err, "releasing what the return held")) == FK_OK)
			j->out->items = fk_sql_changes(ctx->db);
	}
	if (s == FK_OK)
		s = fk_request_mark_cancelled(ctx, &j->req, err);
	return s;
}

fk_status fk_return_cancel(fk_ctx *ctx, int64_t id, const char *reason, fk_return_cancel_result *out,
			   fk_error *err)
{
	fk_gate g;
	fk_error e;
	char detail[FK_REQ_REASON_MAX + 200];
	cjob j = {.ctx = ctx, .out = out};
	memset(out, 0, sizeof *out);
	fk_status s = fk_request_check_reason(reason, err);
	if (s != FK_OK)
		return s;
	if (!(j.tmps = calloc(1, FK_RETURN_TMPS_MAX)))
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	s = fk_request_open_execution(ctx, &g, FK_OP_RETURN_CANCEL, id, &j.req, err);
	if (s == FK_OK && (s = decide(&j, &g, err)) == FK_OK) {
		memcpy(out->municipality, j.req.municipality, sizeof out->municipality);
		s = release(&j, err);
		snprintf(detail, sizeof detail, "municipality=%s output=%s void items_released=%lld requester=%s "
			 "reason=%s", j.req.municipality, out->number[0] ? out->number : "-", (long long)out->items,
			 j.req.requester, reason);
		s = fk_gate_end(ctx, &g, s, detail, err);
	}
	if (s == FK_OK) {
		out->files = fk_return_tmps_remove(j.tmps, out->warning, sizeof out->warning);
		/* Already past it since the run began; again, should that write have failed. */
		if (j.serial > 0 && fk_outseq_put(ctx, j.serial, &e) != FK_OK && !out->warning[0])
			snprintf(out->warning, sizeof out->warning, "the output counter in the key folder could not be "
				 "moved on (%.160s): tell the administrator", e.msg);
	} else {
		memset(out, 0, sizeof *out);
	}
	free(j.tmps);
	fk_request_clear(&j.req);
	return s;
}
