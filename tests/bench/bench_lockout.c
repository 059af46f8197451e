/* Benchmark: what the lockout decision adds to a sign-in (target <= 2 ms): the key, the check
 * before PAM, and the reset after success. Usage: bench_lockout CONFIG [N]. Prints medians. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fk.h"

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_us(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return (double)v[n / 2] / 1000.0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_lockout CONFIG [N]\n");
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 1000;
	if (n < 1 || n > 100000)
		n = 1000;
	fk_ctx *ctx;
	fk_error err;
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK) {
		fprintf(stderr, "bench_lockout: %s\n", err.msg);
		return 1;
	}
	int64_t *check = calloc((size_t)n, sizeof *check), *reset = calloc((size_t)n, sizeof *reset);
	if (!check || !reset)
		return 1;
	int locked, rc = 0;
	for (int i = 0; i < n && !rc; i++) {
		char key[FK_LOCK_KEY_MAX];
		int64_t t0 = fk_mono_ns();
		rc |= fk_lockout_key(ctx, "bench-user", i & 1, key, &err) != FK_OK;
		rc |= fk_lockout_admit(ctx, key, &locked, &err) != FK_OK;
		int64_t t1 = fk_mono_ns();
		/* The reset runs inside the sign-in's own transaction (which the
		 * history record needs anyway): time it alone in an open one. */
		rc |= fk_ctx_begin(ctx, &err) != FK_OK;
		int64_t t2 = fk_mono_ns();
		rc |= fk_lockout_success(ctx, key, 0, &err) != FK_OK;
		int64_t t3 = fk_mono_ns();
		rc |= fk_ctx_end(ctx, FK_ERR_INTERNAL, &err) != FK_ERR_INTERNAL; /* roll back */
		check[i] = t1 - t0;
		reset[i] = t3 - t2;
	}
	if (rc) {
		fprintf(stderr, "bench_lockout: %s\n", err.msg);
		return 1;
	}
	printf("lockout decision before PAM (key + check): median %.1f us over %d\n", median_us(check, n), n);
	printf("lockout reset after success (in the sign-in transaction): median %.1f us\n", median_us(reset, n));
	free(check);
	free(reset);
	fk_ctx_close(ctx);
	return 0;
}
