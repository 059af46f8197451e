/* Benchmarks: act as a bench terminal's first administrator, as its tests do (R-TEST-ENV);
 * the 10,000 grants the permission and history benchmarks run with, made once per terminal. */
#ifndef FK_BENCH_H
#define FK_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"

#define OPERATORS 200
#define GRANTS 10000

static inline fk_status bench_act_as(fk_ctx *ctx, const char *user, fk_error *err)
{
	fk_operator op;
	fk_status s = fk_operator_get(ctx, user, &op, err);
	if (s == FK_OK)
		fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
	return s;
}

static inline int bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The worst, p99 and median of n times (ns, sorted here), against a target in ms. */
static inline void bench_print_waits(const char *what, int64_t *ns, int n, double target_ms)
{
	if (n == 0) {
		printf("%-11s no rounds\n", what);
		return;
	}
	qsort(ns, (size_t)n, sizeof *ns, bench_cmp_i64);
	int i99 = (n * 99) / 100 < n ? (n * 99) / 100 : n - 1;
	printf("%-11s worst %8.1f ms  p99 %7.1f ms  median %6.2f ms  [%s: %.0f ms]\n", what,
	       ns[n - 1] / 1e6, ns[i99] / 1e6, ns[n / 2] / 1e6,
	       ns[n - 1] / 1e6 <= target_ms ? "PASS" : "MISS", target_ms);
}

typedef struct munis {
	char code[128][7];
	int n;
} munis;

static inline int bench_add_muni(const fk_muni *m, void *arg)
{
	munis *ms = arg;
	if (ms->n < 128)
		memcpy(ms->code[ms->n++], m->code, 7);
	return 0;
}

/* 200 operators with 10,000 grants between them; "bench" gets view of 戸籍 and
 * 除籍 in 10 municipalities, "benchall" in all of them (plus random others). */
static inline fk_status bench_make_grants(fk_ctx *ctx, const munis *ms, fk_rng *rng, fk_error *err)
{
	char user[16];
	int64_t id;
	fk_status s = fk_ctx_begin(ctx, err);
	for (int i = 0; s == FK_OK && i < OPERATORS; i++) {
		snprintf(user, sizeof user, i == 0 ? "bench" : i == 1 ? "benchall" : "op%03d", i);
		s = fk_operator_add(ctx, user, FK_ROLE_OPERATOR, "東京法務局", NULL, &id, err);
	}
	for (int i = 0; s == FK_OK && i < 10; i++) {
		fk_grant_spec g = {"bench", ms->code[i * 3 % ms->n], 3, FK_RIGHT_VIEW, 0, 0, "bench"};
		s = fk_grant_add(ctx, &g, &id, err);
	}
	fk_grant_spec all = {"benchall", NULL, 3, FK_RIGHT_VIEW, 0, 0, "bench"};
	if (s == FK_OK)
		s = fk_grant_add(ctx, &all, &id, err);
	int64_t now = fk_now_ns(), day = 86400LL * 1000000000LL;
	for (int i = 11; s == FK_OK && i < GRANTS; i++) {
		snprintf(user, sizeof user, "op%03d", 2 + (int)fk_rng_below(rng, OPERATORS - 2));
		if (i % OPERATORS == 0)
			snprintf(user, sizeof user, "bench"); /* ~50 grants of its own */
		fk_grant_spec g = {user, fk_rng_below(rng, 8) ? ms->code[fk_rng_below(rng, (uint64_t)ms->n)] : NULL,
				   1 + (unsigned)fk_rng_below(rng, 15), 1 + (unsigned)fk_rng_below(rng, 15),
				   0, 0, "bench"};
		if (!strcmp(user, "bench"))
			g.rights &= ~(unsigned)FK_RIGHT_VIEW; /* keep its view set at 10 */
		if (!g.rights)
			g.rights = FK_RIGHT_PRINT;
		if (fk_rng_below(rng, 3) == 0)
			g.valid_until = now + (int64_t)(1 + fk_rng_below(rng, 365)) * day;
		s = fk_grant_add(ctx, &g, &id, err);
	}
	return fk_ctx_end(ctx, s, err);
}

/* The bureau's first 128 municipalities in ms, and the grants made unless operator "bench"
 * already has them (a kept terminal); *made says whether they were made now. */
static inline fk_status bench_grants(fk_ctx *ctx, munis *ms, int *made, fk_error *err)
{
	fk_bureau b;
	fk_operator op;
	fk_rng rng;
	fk_rng_seed(&rng, 5);
	ms->n = 0;
	*made = 0;
	fk_status s = fk_bureau_find(ctx, "東京法務局", &b, err);
	if (s == FK_OK)
		s = fk_muni_list(ctx, b.id, bench_add_muni, ms, err);
	if (s != FK_OK || fk_operator_get(ctx, "bench", &op, NULL) == FK_OK)
		return s;
	*made = 1;
	return bench_make_grants(ctx, ms, &rng, err);
}

#endif
