/* Benchmark: what the lockout decision adds to a sign-in (target <= 2 ms): the key and the
 * reservation before PAM (one write transaction, R-LOCKOUT), set against the read-only check it
 * replaced, and the release with the reset after success. Usage: bench_lockout CONFIG [N].
 * Prints medians. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

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
	if ((fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK)) {
		fprintf(stderr, "bench_lockout: %s\n", err.msg);
		return 1;
	}
	int64_t *check = calloc((size_t)n, sizeof *check), *reserve = calloc((size_t)n, sizeof *reserve),
		*reset = calloc((size_t)n, sizeof *reset);
	if (!check || !reserve || !reset)
		return 1;
	int locked, rc = 0;
	fk_error_clear(&err);
	for (int i = 0; i < n && !rc; i++) {
		char key[FK_LOCK_KEY_MAX];
		uint64_t id;
		fk_lock_verdict v;
		int64_t t0 = fk_mono_ns();
		rc |= fk_lockout_key(ctx, "bench-user", i & 1, key, &err) != FK_OK;
		rc |= fk_lockout_admit(ctx, key, &locked, &err) != FK_OK;
		int64_t t1 = fk_mono_ns();
		rc |= fk_lockout_key(ctx, "bench-user", i & 1, key, &err) != FK_OK;
		rc |= fk_lockout_reserve(ctx, key, &id, &v, &err) != FK_OK || v != FK_LOCK_RESERVED;
		int64_t t2 = fk_mono_ns();
		/* The release and reset run inside the sign-in's own transaction
		 * (which the history record needs anyway): timed without its commit. */
		rc |= fk_ctx_begin(ctx, &err) != FK_OK;
		int64_t t3 = fk_mono_ns();
		rc |= fk_lockout_success(ctx, key, id, &err) != FK_OK;
		int64_t t4 = fk_mono_ns();
		rc |= fk_audit(ctx, "signin", "operator", key, FK_RESULT_SUCCESS, "", NULL, &err) != FK_OK;
		rc |= fk_ctx_end(ctx, FK_OK, &err) != FK_OK;
		check[i] = t1 - t0;
		reserve[i] = t2 - t1;
		reset[i] = t4 - t3;
	}
	if (rc) {
		fprintf(stderr, "bench_lockout: %s\n", err.msg[0] ? err.msg : "no reservation");
		return 1;
	}
	printf("lockout check before PAM, read only (key + check; before reservations): median %.1f us over %d\n",
	       median_us(check, n), n);
	printf("lockout reservation before PAM (key + one write transaction): median %.1f us\n",
	       median_us(reserve, n));
	printf("lockout release and reset after success (in the sign-in transaction): median %.1f us\n",
	       median_us(reset, n));
	free(check);
	free(reserve);
	free(reset);
	fk_ctx_close(ctx);
	return 0;
}
