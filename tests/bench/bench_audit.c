/* Benchmark of the sealed history: one durable record (median), and verification speed over a bulk history.
 * Usage: bench_audit CONFIG K0FILE RECORDS. Prints its figures; run by tests/bench/run.sh (`make bench`). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int die(const fk_error *err)
{
	fprintf(stderr, "bench_audit: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_audit CONFIG K0FILE RECORDS\n");
		return 2;
	}
	int64_t n = strtoll(argv[3], NULL, 10);
	fk_ctx *ctx;
	fk_error err;
	uint8_t k0[FK_KEY_LEN];
	if ((fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK) ||
	    fk_chain_k0_read(argv[2], k0, &err) != FK_OK)
		return die(&err);
	enum { ONE = 300 };
	int64_t ns[ONE];
	for (int i = 0; i < ONE; i++) {
		int64_t t0 = fk_mono_ns();
		if (fk_audit(ctx, "register.view", "register", "1", FK_RESULT_SUCCESS, "", "bench detail",
			     &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t0;
	}
	qsort(ns, ONE, sizeof *ns, cmp_i64);
	printf("record one operation durably       n=%d  median %.3f ms  p90 %.3f ms  (target <= 2 ms)\n",
	       ONE, ns[ONE / 2] / 1e6, ns[ONE * 9 / 10] / 1e6);
	int64_t t0 = fk_mono_ns();
	if (fk_chain_fill(ctx, n, "bench.fill", &err) != FK_OK)
		return die(&err);
	printf("bulk history                        %lld records in %.1f s\n", (long long)n,
	       (fk_mono_ns() - t0) / 1e9);
	fk_verify_opts o = {.k0 = k0, .skip_integrity = 1};
	fk_verify_report r;
	t0 = fk_mono_ns();
	if (fk_audit_verify(ctx, &o, &r, &err) != FK_OK)
		return die(&err);
	double s = (fk_mono_ns() - t0) / 1e9;
	printf("verify (MACs, links, checkpoints)   %lld records in %.2f s = %.0f records/s (target >= 500000); %lld problems\n",
	       (long long)r.records, s, r.records / s, (long long)r.problems);
	fk_wipe(k0, sizeof k0);
	fk_ctx_close(ctx);
	return r.problems ? 1 : 0;
}
