/* Benchmark of the store: bulk demo-data, open+decrypt one register, blind-index lookup.
 * Prints its figures; run by tests/bench/run.sh (`make bench`). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
	printf("%-34s n=%d  median %.3f ms  p90 %.3f ms  max %.3f ms\n", what, n, ns[n / 2] / 1e6,
	       ns[n * 9 / 10] / 1e6, ns[n - 1] / 1e6);
}

static long max_rss_kb(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static int die(const fk_error *err)
{
	fprintf(stderr, "bench: %s\n", err->msg);
	return 1;
}

static int64_t gen_t0;

static void progress(int64_t done, int64_t total, void *arg)
{
	(void)arg;
	if (done % 100000 == 0 || done == total)
		fprintf(stderr, "  %lld/%lld generated and stored after %.1f s\n", (long long)done,
			(long long)total, (fk_mono_ns() - gen_t0) / 1e9);
}

static int gen(fk_ctx *ctx, int64_t n)
{
	fk_error err;
	fk_demo_opts o = {n, 1, NULL, progress, NULL};
	gen_t0 = fk_mono_ns();
	fk_demo_stats st;
	int64_t t0 = fk_mono_ns();
	if (fk_demo_generate(ctx, &o, &st, &err) != FK_OK)
		return die(&err);
	double s = (fk_mono_ns() - t0) / 1e9;
	printf("demo-data %lld registers: %.1f s (%.0f registers/s), %.2f persons and %.2f events "
	       "per register, peak RSS %.1f MB\n", (long long)st.registers, s, st.registers / s,
	       (double)st.persons / st.registers, (double)st.events / st.registers,
	       max_rss_kb() / 1024.0);
	return 0;
}

static int lookups(fk_ctx *ctx, int rounds)
{
	fk_error err;
	fk_names names;
	int64_t total;
	char *path = fk_path_join(ctx->cfg.data_dir, "gimei-names.yml", &err);
	if (!path || fk_names_load(path, &names, &err) != FK_OK ||
	    fk_store_count(ctx, NULL, 0, &total, &err) != FK_OK)
		return die(&err);
	free(path);
	int64_t *ns = calloc((size_t)rounds, sizeof *ns), hits = 0;
	fk_rng rng;
	fk_rng_seed(&rng, 99);
	for (int i = 0; i < rounds; i++) {
		int64_t id = 1 + (int64_t)fk_rng_below(&rng, (uint64_t)total);
		json_t *doc;
		int64_t t0 = fk_mono_ns();
		if (fk_store_read(ctx, id, 0, &doc, NULL, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t0;
		json_decref(doc);
	}
	report("open+decrypt one register", ns, rounds);
	int64_t ids[50];
	for (int i = 0; i < rounds; i++) {
		const fk_name *nm = &names.last[fk_rng_below(&rng, names.n_last)];
		fk_search q = {FK_FIELD_READING, nm->hira, NULL, 0, 0, 0, 50};
		int n;
		int64_t t0 = fk_mono_ns();
		if (fk_store_search(ctx, &q, ids, &n, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t0;
		hits += n;
	}
	report("search 筆頭者 reading (page of 50)", ns, rounds);
	printf("  (%lld registers in the store, %.1f hits per search)\n", (long long)total,
	       (double)hits / rounds);
	free(ns);
	fk_names_free(&names);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_store CONFIG gen N | CONFIG lookup [ROUNDS]\n");
		return 2;
	}
	fk_ctx *ctx;
	fk_error err;
	if ((fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK))
		return die(&err);
	int rc;
	if (!strcmp(argv[2], "gen") && argc > 3)
		rc = gen(ctx, atoll(argv[3]));
	else
		rc = lookups(ctx, argc > 3 ? atoi(argv[3]) : 1000);
	fk_ctx_close(ctx);
	return rc;
}
