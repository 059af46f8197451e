/* The console's once-a-second check that its session still stands (fk_auth_standing, issue 14): its cost. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

/* bench_standing CONFIG USER [ROUNDS]: USER's standing asked ROUNDS times (default 1000) on the
 * terminal of CONFIG, as an open console asks it every second; on PostgreSQL each is three
 * round trips. Then, for comparison, what the console polled before (fk_lockdown_get, which
 * brings the tables' digests up to date first: a write transaction whenever another process
 * wrote, and on PostgreSQL every time). Target: well under the console's half-second tick. */
int main(int argc, char **argv)
{
	if (argc < 3)
		return fprintf(stderr, "usage: bench_standing CONFIG USER [ROUNDS]\n"), 2;
	int n = argc > 3 ? atoi(argv[3]) : 1000;
	if (n < 1 || n > 1000000)
		return fprintf(stderr, "bench_standing: ROUNDS is 1 to 1000000\n"), 2;
	fk_ctx *ctx = NULL;
	fk_error err;
	fk_error_clear(&err);
	int64_t *ns = calloc((size_t)n, sizeof *ns);
	if (!ns || fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK ||
	    bench_act_as(ctx, argv[2], &err) != FK_OK) {
		fprintf(stderr, "bench_standing: %s\n", err.msg);
		free(ns);
		fk_ctx_close(ctx);
		return 1;
	}
	int bad = 0;
	for (int i = 0; i < n; i++) {
		fk_standing why;
		int64_t t0 = fk_mono_ns();
		bad += fk_auth_standing(ctx, &why, &err) != FK_OK || why != FK_STANDING_OK;
		ns[i] = fk_mono_ns() - t0;
	}
	bench_print_waits("standing", ns, n, 5);
	for (int i = 0; i < n; i++) {
		fk_lockdown ld;
		int64_t t0 = fk_mono_ns();
		bad += fk_lockdown_get(ctx, &ld, &err) != FK_OK;
		ns[i] = fk_mono_ns() - t0;
	}
	bench_print_waits("lockdown", ns, n, 5);
	if (bad)
		printf("%d of %d rounds did not read as standing: %s\n", bad, n, err.msg);
	free(ns);
	fk_ctx_close(ctx);
	return bad != 0;
}
