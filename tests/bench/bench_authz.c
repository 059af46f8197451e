/* Benchmark of permissions (issue targets): fk_authorize with 10,000 grants in the database,
 * every row it decides from checked against its MAC (≤ 30 µs median, issue 9; 14.7 µs before
 * the row checks), and a page of 50 permitted search results, decided and recorded (≤ 20 ms
 * median). The grants are made once: a terminal kept with BENCH_DIR is reused as it is.
 * Run by tests/bench/run.sh (`make bench`); prints figures against the targets. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define TARGET_AUTHZ_US 30.0
#define TARGET_SEARCH_MS 20.0

static int misses;

static const char *verdict(double v, double target)
{
	misses += v > target;
	return v <= target ? "PASS" : "MISS";
}

static int die(const fk_error *err)
{
	fprintf(stderr, "bench_authz: %s\n", err->msg);
	return 1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The median in µs. */
static double report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
	printf("%-46s n=%d  median %8.1f µs  p95 %8.1f µs  max %8.1f µs\n", what, n, ns[n / 2] / 1e3,
	       ns[n * 95 / 100] / 1e3, ns[n - 1] / 1e3);
	return ns[n / 2] / 1e3;
}

static int decisions(fk_ctx *ctx, const munis *ms, fk_rng *rng, int rounds)
{
	fk_error err;
	int64_t *ns = calloc((size_t)rounds, sizeof *ns);
	int allowed = 0;
	for (int i = 0; i < rounds; i++) {
		static const fk_op file_ops[] = {FK_OP_REGISTER_LIST, FK_OP_REGISTER_SEARCH, FK_OP_REGISTER_OPEN,
						 FK_OP_REGISTER_COMPARE, FK_OP_REGISTER_EXPORT,
						 FK_OP_REGISTER_PRINT, FK_OP_REGISTER_DISPOSE};
		fk_authz_req r = {.op = file_ops[fk_rng_below(rng, 7)],
				  .municipality = ms->code[fk_rng_below(rng, (uint64_t)ms->n)],
				  .kind = 1 + (int)fk_rng_below(rng, 4)};
		fk_authz_decision d;
		int64_t t0 = fk_mono_ns();
		if (fk_authorize(ctx, &r, &d, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t0;
		allowed += d.allowed;
	}
	double m = report("fk_authorize (10,000 grants in the database)", ns, rounds);
	printf("  (%d of %d allowed; rows checked: the operator, the municipality, its grants)\n", allowed, rounds);
	printf("  target: median <= %.0f µs with row checks (14.7 µs before, without): %.1f µs %s\n",
	       TARGET_AUTHZ_US, m, verdict(m, TARGET_AUTHZ_US));
	free(ns);
	return 0;
}

/* Each call timed: a first page of 50 and, when full, the next page after it. */
static int searches(fk_ctx *ctx, const fk_names *names, fk_rng *rng, int rounds, const char *label)
{
	fk_error err;
	int64_t *ns = calloc((size_t)rounds * 2, sizeof *ns), ids[50], hits = 0;
	int calls = 0;
	for (int i = 0; i < rounds; i++) {
		const fk_name *nm = &names->last[fk_rng_below(rng, names->n_last)];
		fk_search q = {FK_FIELD_READING, nm->hira, NULL, 0, 0, 0, 50};
		for (int page = 0; page < 2; page++) {
			int n;
			int64_t t0 = fk_mono_ns();
			if (fk_access_search(ctx, &q, ids, &n, &err) != FK_OK)
				return die(&err);
			ns[calls++] = fk_mono_ns() - t0;
			hits += n;
			if (n < 50)
				break;
			q.after_id = ids[49];
		}
	}
	double m = report(label, ns, calls) / 1e3;
	printf("  (%.1f results per call)  target: median <= %.0f ms: %.2f ms %s\n", (double)hits / calls,
	       TARGET_SEARCH_MS, m, verdict(m, TARGET_SEARCH_MS));
	free(ns);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_authz CONFIG [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 1000;
	fk_ctx *ctx;
	fk_error err;
	fk_names names;
	munis ms = {.n = 0};
	fk_rng rng;
	fk_rng_seed(&rng, 5);
	if ((fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK))
		return die(&err);
	char *path = fk_path_join(ctx->cfg.data_dir, "gimei-names.yml", &err);
	int rc = 0, made = 0;
	if (!path || fk_names_load(path, &names, &err) != FK_OK)
		rc = die(&err);
	free(path);
	int64_t t0 = fk_mono_ns();
	if (!rc && bench_grants(ctx, &ms, &made, &err) != FK_OK)
		rc = die(&err);
	else if (made)
		printf("%d grants for %d operators made and recorded in %.1f s\n", GRANTS, OPERATORS,
		       (fk_mono_ns() - t0) / 1e9);
	else if (!rc)
		printf("%d grants for %d operators made before (terminal kept)\n", GRANTS, OPERATORS);
	if (!rc) {
		bench_act_as(ctx, "bench", &err);
		rc = decisions(ctx, &ms, &rng, rounds * 10);
	}
	if (!rc)
		rc = searches(ctx, &names, &rng, rounds,
			      "fk_access_search page of 50, 10 munis permitted");
	if (!rc) {
		bench_act_as(ctx, "benchall", &err);
		rc = searches(ctx, &names, &rng, rounds, "fk_access_search page of 50, all permitted");
	}
	if (!rc)
		fk_names_free(&names);
	fk_ctx_close(ctx);
	if (!rc)
		printf("permissions: %s\n", misses ? "MISS" : "PASS");
	return rc;
}
