/* Benchmarks: act as a bench terminal's first administrator, as its tests do (R-TEST-ENV). */
#ifndef FK_BENCH_H
#define FK_BENCH_H

#include "fk.h"

static inline fk_status bench_act_as(fk_ctx *ctx, const char *user, fk_error *err)
{
	fk_operator op;
	fk_status s = fk_operator_get(ctx, user, &op, err);
	if (s == FK_OK)
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
	return s;
}

#endif
