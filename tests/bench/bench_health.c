/* Benchmark of `fukuhonctl health` without --check (issue 13: ≤ 1 s on the 1,000,000-register
 * store): the report's reads — the newest records of five operations through the history's index,
 * statvfs, the key folder, the PKI state, the lockdown row — on a store made by bench_store and a
 * history topped up to RECORDS records, with none of backup.create or backup.verify among them
 * (the index's worst case: an action that is not there). Usage: bench_health CONFIG RECORDS.
 * Run by tests/bench/run_health.sh (`make bench-health`). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define TARGET_S 1.0
#define RUNS 21

static int die(const fk_error *err)
{
	fprintf(stderr, "bench_health: %s\n", err->msg);
	return 1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_health CONFIG RECORDS\n");
		return 2;
	}
	fk_ctx *ctx;
	fk_error err;
	int64_t want = atoll(argv[2]), have = 0, regs = 0;
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK)
		return die(&err);
	static const char SQL_END[] = "SELECT coalesce(max(seq), 0) FROM audit_log";
	static const char SQL_REGS[] = "SELECT count(*) FROM register";
	if (fk_ctx_int64(ctx, SQL_END, &have, &err, "the history's end") != FK_OK ||
	    fk_ctx_int64(ctx, SQL_REGS, &regs, &err, "registers") != FK_OK)
		return die(&err);
	if (have < want && fk_chain_fill(ctx, want - have, "bench.fill", &err) != FK_OK)
		return die(&err);
	/* One full check on record, as a weekly run leaves it (not timed: it is the slow part). */
	fk_hc_report *r = calloc(1, sizeof *r);
	if (!r)
		return 1;
	int64_t t0 = fk_mono_ns();
	if (fk_health_report(ctx, 1, r, NULL, NULL, &err) != FK_OK)
		return die(&err);
	double full = (fk_mono_ns() - t0) / 1e9;
	if (fk_chain_fill(ctx, 1000, "bench.fill", &err) != FK_OK)
		return die(&err);
	int64_t ns[RUNS];
	for (int i = 0; i < RUNS; i++) {
		t0 = fk_mono_ns();
		if (fk_health_report(ctx, 0, r, NULL, NULL, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t0;
	}
	qsort(ns, RUNS, sizeof *ns, cmp_i64);
	fk_ctx_int64(ctx, SQL_END, &have, &err, "the history's end");
	printf("store                               %lld registers, %lld history records\n", (long long)regs,
	       (long long)have);
	printf("health --check (full check)         %.2f s (not a target: run weekly)\n", full);
	printf("health (no --check), in-process     n=%d  median %.2f ms  max %.2f ms  target <= %.0f ms: %s\n",
	       RUNS, ns[RUNS / 2] / 1e6, ns[RUNS - 1] / 1e6, TARGET_S * 1e3,
	       ns[RUNS - 1] / 1e9 <= TARGET_S ? "PASS" : "MISS");
	free(r);
	fk_ctx_close(ctx);
	return 0;
}
