/* Benchmark: the data of each console screen from the core (home, a page of the list, first and
 * last page, a search, one register laid out) on the store given. Prints medians. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"

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

/* The list in each sort order: first, last and random pages by position, and a change of
 * order that keeps a register selected (finds its position), each with its rows decrypted. */
static void sorted_pages(fk_ctx *ctx, const char *m, int64_t total, fk_rng *rng)
{
	static int64_t ns[ROUNDS];
	static fk_reg_row rows[PAGE];
	static const char *const label[] = {"", "本籍", "reading"};
	char what[80];
	fk_error err;
	int n = 0;
	for (int f = FK_ORDER_HONSEKI; f <= FK_ORDER_READING; f++) {
		const char *how[] = {"first page", "last page (End)", "a page in the middle", "change of order, kept"};
		for (int k = 0; k < 4; k++) {
			for (int i = 0; i < ROUNDS; i++) {
				int64_t tot, off = k == 0 ? 0 : k == 1 ? -1 : (int64_t)fk_rng_below(rng, (uint64_t)total);
				int64_t keep = k == 3 ? rows[i % (n ? n : 1)].id : 0;
				int64_t t = fk_mono_ns();
				if (fk_browse_registers_at(ctx, m, 1, (fk_order_field)f, &off, keep, 10, PAGE, rows,
							   &n, &tot, &err) != FK_OK) {
					fprintf(stderr, "bench: %s\n", err.msg);
					exit(1);
				}
				ns[i] = fk_mono_ns() - t;
			}
			snprintf(what, sizeof what, "sorted by %s: %s", label[f], how[k]);
			report(what, ns, ROUNDS);
		}
	}
}

/* One list of 1,000,000 ids (synthetic, in a transaction rolled back): the sealed order's
 * own cost at that size, without the rows' decryption (measured above). */
static void sorted_million(fk_ctx *ctx, const char *m)
{
	enum { N = 1000000 };
	static int64_t ns[ROUNDS];
	static int64_t ids[PAGE];
	fk_error err;
	fk_order_entry *v = calloc(N, sizeof *v);
	char *keys = malloc((size_t)N * 2 * 12);
	fk_status s = v && keys ? fk_ctx_begin(ctx, &err) : fk_fail(&err, FK_ERR_NOMEM, "out of memory");
	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE municipality_stats SET n = %d WHERE municipality = '%s' AND kind = 2", N, m);
	if (s == FK_OK && sqlite3_exec(ctx->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		s = fk_fail(&err, FK_ERR_DB, "%s", sqlite3_errmsg(ctx->db));
	if (s == FK_OK && sqlite3_exec(ctx->db, "DELETE FROM register_order WHERE kind = 2", NULL, NULL, NULL) != SQLITE_OK)
		s = fk_fail(&err, FK_ERR_DB, "%s", sqlite3_errmsg(ctx->db));
	for (int i = 0; s == FK_OK && i < N; i++) {
		v[i].id = i + 1;
		for (int f = 0; f < 2; f++) {
			v[i].key[f] = keys + ((size_t)i * 2 + (size_t)f) * 12;
			snprintf(v[i].key[f], 12, "%010u", (unsigned)((uint64_t)(i + 1) * (f ? 2654435761u : 40503u) % 4294967291u));
		}
	}
	int64_t t0 = fk_mono_ns();
	if (s == FK_OK)
		s = fk_order_bulk(ctx, m, 2, v, N, &err);
	if (s == FK_OK)
		printf("sorted list of 1,000,000 ids written (both orders): %.0f ms\n", (fk_mono_ns() - t0) / 1e6);
	const char *how[] = {"first page", "last page (End)", "a page in the middle", "position of an id"};
	for (int k = 0; k < 4 && s == FK_OK; k++) {
		/* A position scans chunks in turn: 20 rounds are enough. */
		for (int i = 0; i < (k == 3 ? 20 : ROUNDS) && s == FK_OK; i++) {
			int n;
			int64_t pos, off = k == 0 ? 0 : k == 1 ? N - PAGE : (int64_t)(i * 4999) % N;
			int64_t t = fk_mono_ns();
			s = k == 3 ? fk_order_position(ctx, m, 2, FK_ORDER_READING, v[(i * 7919) % N].id, &pos, &err)
				   : fk_order_page(ctx, m, 2, FK_ORDER_READING, off, PAGE, ids, &n, &err);
			ns[i] = fk_mono_ns() - t;
		}
		char what[80];
		snprintf(what, sizeof what, "1M-id order: %s", how[k]);
		if (s == FK_OK)
			report(what, ns, k == 3 ? 20 : ROUNDS);
	}
	if (s != FK_OK)
		fprintf(stderr, "bench: %s\n", err.msg);
	fk_ctx_end(ctx, FK_ERR_INTERNAL, NULL); /* roll back: the bench terminal stays as it was */
	free(v);
	free(keys);
}

int main(int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	if (argc < 2 || (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK))
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
	sorted_pages(ctx, m, home[best].n[1], &rng);
	sorted_million(ctx, m);
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
