/* Maintenance operations of the administrator, through the gate (R-LOG). */
#include "config.h"

#include <stdio.h>

#include "gate.h"
#include "maintenance.h"
#include "order.h"
#include "retag.h"

/* Each list rebuilt is on record with the list, in its transaction. */
static fk_status list_done(fk_ctx *ctx, const char *muni, int kind, int64_t count, void *arg,
			   fk_error *err)
{
	char detail[64];
	(void)arg;
	snprintf(detail, sizeof detail, "kind=%d registers=%lld", kind, (long long)count);
	return fk_audit_op(ctx, FK_OP_REINDEX, muni, FK_RESULT_SUCCESS, "list", detail, err);
}

fk_status fk_reindex(fk_ctx *ctx, const char *muni, int all, int64_t *lists, int64_t *registers,
		     fk_error *err)
{
	fk_gate g;
	char detail[64];
	*lists = *registers = 0;
	fk_authz_req r = {.op = FK_OP_REINDEX};
	fk_status s = fk_gate_begin(ctx, &g, &r, muni ? muni : all ? "*" : "out-of-step", err);
	if (s != FK_OK)
		return s;
	s = fk_order_reindex(ctx, muni, all, list_done, NULL, lists, registers, err);
	snprintf(detail, sizeof detail, "lists=%lld registers=%lld", (long long)*lists, (long long)*registers);
	return fk_gate_end(ctx, &g, s, detail, err);
}

/* Each step on record in its transaction, with the registers it covered. */
static fk_status tags_step(fk_ctx *ctx, int64_t first, int64_t last, int64_t registers,
			   int64_t added, void *arg, fk_error *err)
{
	char detail[96];
	(void)arg;
	snprintf(detail, sizeof detail, "ids=%lld-%lld registers=%lld added=%lld", (long long)first,
		 (long long)last, (long long)registers, (long long)added);
	return fk_audit_op(ctx, FK_OP_REINDEX_TAGS, "*", FK_RESULT_SUCCESS, "step", detail, err);
}

fk_status fk_reindex_tags(fk_ctx *ctx, int batch, int64_t *registers, int64_t *added, fk_error *err)
{
	fk_gate g;
	char detail[64];
	*registers = *added = 0;
	fk_authz_req r = {.op = FK_OP_REINDEX_TAGS};
	fk_status s = fk_gate_begin(ctx, &g, &r, "*", err);
	if (s != FK_OK)
		return s;
	s = fk_retag(ctx, batch, tags_step, NULL, registers, added, err);
	snprintf(detail, sizeof detail, "registers=%lld added=%lld", (long long)*registers,
		 (long long)*added);
	return fk_gate_end(ctx, &g, s, detail, err);
}
