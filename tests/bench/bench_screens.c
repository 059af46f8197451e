/* Benchmark: the data of each console screen from the core (home, a page of the list, first and
 * last page, a search, one register laid out) on the store given. Prints medians. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "fk.h"

#define ROUNDS 200
#define PAGE 30

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp);
	printf("%-36s median %7.3f ms  p90 %7.3f ms  max %7.3f ms\n", what, ns[n / 2] / 1e6,
	       ns[n * 9 / 10] / 1e6, ns[n - 1] / 1e6);
}

static int die(const fk_error *e)
{
	fprintf(stderr, "bench: %s\n", e->msg);
	return 1;
}

int main(int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	if (argc < 2 || fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK)
		return argc < 2 ? 2 : die(&err);
	fk_bureau b;
	if (fk_bureau_find(ctx, ctx->cfg.bureau, &b, &err) != FK_OK)
		return die(&err);
	static int64_t ns[ROUNDS];
	static fk_reg_row rows[PAGE];
	fk_muni_stat *home;
	int n, nh;
	/* Home. */
	for (int i = 0; i < ROUNDS; i++) {
		int64_t t = fk_mono_ns();
		if (fk_browse_home(ctx, b.id, 0, &home, &nh, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t;
		if (i < ROUNDS - 1)
			free(home);
	}
	report("home (municipality figures)", ns, ROUNDS);
	/* The busiest municipality's list. */
	int best = 0;
	for (int i = 1; i < nh; i++)
		if (home[i].n[1] > home[best].n[1])
			best = i;
	const char *m = home[best].m.code;
	printf("  (list of %s: %lld registers)\n", home[best].m.name, (long long)home[best].n[1]);
	fk_rng rng;
	fk_rng_seed(&rng, 7);
	int64_t first = 0;
	for (int i = 0; i < ROUNDS; i++) {
		int64_t tot, t = fk_mono_ns();
		if (fk_browse_registers(ctx, m, 1, 0, 1, PAGE, rows, &n, &err) != FK_OK ||
		    fk_browse_total(ctx, m, 1, &tot, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t;
		first = rows[0].id;
	}
	report("first page of the list (30 rows)", ns, ROUNDS);
	int64_t last = 0;
	for (int i = 0; i < ROUNDS; i++) {
		int64_t tot, t = fk_mono_ns();
		if (fk_browse_registers(ctx, m, 1, 0, -1, PAGE, rows, &n, &err) != FK_OK ||
		    fk_browse_total(ctx, m, 1, &tot, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t;
		last = rows[n - 1].id;
	}
	report("last page of the list (End)", ns, ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		int64_t anchor = first + (int64_t)fk_rng_below(&rng, (uint64_t)(last - first));
		int64_t tot, t = fk_mono_ns();
		if (fk_browse_registers(ctx, m, 1, anchor, 1, PAGE, rows, &n, &err) != FK_OK ||
		    fk_browse_total(ctx, m, 1, &tot, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t;
	}
	report("a page in the middle (PgDn)", ns, ROUNDS);
	/* Search: a page of 50 by reading, each decrypted for display. */
	fk_names names;
	char *path = fk_path_join(ctx->cfg.data_dir, "gimei-names.yml", &err);
	if (!path || fk_names_load(path, &names, &err) != FK_OK)
		return die(&err);
	free(path);
	for (int i = 0; i < ROUNDS; i++) {
		int64_t ids[50];
		fk_search q = {FK_FIELD_READING, names.last[fk_rng_below(&rng, names.n_last)].hira, NULL,
			       b.id, 0, 0, 50};
		int64_t t = fk_mono_ns();
		if (fk_store_search(ctx, &q, ids, &n, &err) != FK_OK)
			return die(&err);
		for (int k = 0; k < n; k++)
			if (fk_browse_register_row(ctx, ids[k], &rows[k % PAGE], &err) != FK_OK)
				return die(&err);
		ns[i] = fk_mono_ns() - t;
	}
	report("search page (50 results, decrypted)", ns, ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		int64_t id = first + (int64_t)fk_rng_below(&rng, (uint64_t)(last - first));
		json_t *doc;
		fk_reg_info info;
		fk_lines l = {0};
		int64_t t = fk_mono_ns();
		fk_status s = fk_store_read(ctx, id, 0, &doc, &info, &err);
		if (s == FK_ERR_NOTFOUND)
			continue;
		if (s != FK_OK || fk_cert_lines(doc, info.kind, &l, &err) != FK_OK)
			return die(&err);
		ns[i] = fk_mono_ns() - t;
		json_decref(doc);
		fk_lines_free(&l);
	}
	report("one register laid out", ns, ROUNDS);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of this process: %.1f MB\n", ru.ru_maxrss / 1024.0);
	free(home);
	fk_names_free(&names);
	fk_ctx_close(ctx);
	return 0;
}
