/* Benchmark of permissions (issue targets): fk_authorize with 10,000 grants in the database
 * (≤ 50 µs median) and a page of 50 permitted search results, decided and recorded (≤ 20 ms
 * median). Run by tests/bench/run_authz.sh (`make bench`) on a demo store; prints figures. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define OPERATORS 200
#define GRANTS 10000

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

static void report(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
	printf("%-46s n=%d  median %8.1f µs  p90 %8.1f µs  max %8.1f µs\n", what, n, ns[n / 2] / 1e3,
	       ns[n * 9 / 10] / 1e3, ns[n - 1] / 1e3);
}

typedef struct munis {
	char code[128][7];
	int n;
} munis;

static int add_muni(const fk_muni *m, void *arg)
{
	munis *ms = arg;
	if (ms->n < 128)
		memcpy(ms->code[ms->n++], m->code, 7);
	return 0;
}

/* 200 operators with 10,000 grants between them; "bench" gets view of 戸籍 and
 * 除籍 in 10 municipalities, "benchall" in all of them (plus random others). */
static fk_status make_grants(fk_ctx *ctx, const munis *ms, fk_rng *rng, fk_error *err)
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
	report("fk_authorize (10,000 grants in the database)", ns, rounds);
	printf("  (%d of %d allowed)\n", allowed, rounds);
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
	report(label, ns, calls);
	printf("  (%.1f results per call)\n", (double)hits / calls);
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
	fk_bureau b;
	fk_rng rng;
	fk_rng_seed(&rng, 5);
	if ((fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK))
		return die(&err);
	char *path = fk_path_join(ctx->cfg.data_dir, "gimei-names.yml", &err);
	int rc = 0;
	if (!path || fk_names_load(path, &names, &err) != FK_OK ||
	    fk_bureau_find(ctx, "東京法務局", &b, &err) != FK_OK ||
	    fk_muni_list(ctx, b.id, add_muni, &ms, &err) != FK_OK)
		rc = die(&err);
	free(path);
	int64_t t0 = fk_mono_ns();
	if (!rc && make_grants(ctx, &ms, &rng, &err) != FK_OK)
		rc = die(&err);
	if (!rc)
		printf("%d grants for %d operators made and recorded in %.1f s\n", GRANTS, OPERATORS,
		       (fk_mono_ns() - t0) / 1e9);
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
	return rc;
}
