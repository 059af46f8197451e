/* Maintenance operations of the administrator, through the gate (R-LOG). */
#include "config.h"

#include <stdio.h>

#include "gate.h"
#include "maintenance.h"
#include "order.h"

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
