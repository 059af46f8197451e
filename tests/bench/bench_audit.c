/* Benchmark of the sealed history (issue 9): one durable record, and verification of a history of
 * RECORDS records as `fukuhonctl audit verify` does it — the records' MACs, links and
 * checkpoints, then the row cross-check (every sealed row against its MAC and the latest record
 * that wrote it, every table against the anchor) — against the target (≥ 800,000 records/s with
 * the row cross-check; 909,000/s before, without). The history is made with 10,000 grants in it
 * (their records carry row references to cross-check) and topped up to RECORDS; a kept terminal
 * is reused. Usage: bench_audit CONFIG K0FILE RECORDS. Run by tests/bench/run.sh (`make bench`). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

#define TARGET_RATE 800000.0
#define RUNS 3 /* verification runs; the median is reported */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int die(const fk_error *err)
{
	fprintf(stderr, "bench_audit: %s\n", err->msg);
	return 1;
}

static int64_t history_end(fk_ctx *ctx)
{
	fk_error err;
	int64_t n = 0;
	static const char SQL_END[] = "SELECT coalesce(max(seq), 0) FROM audit_log";
	return fk_ctx_int64(ctx, SQL_END, &n, &err, "the history's end") == FK_OK ? n : -1;
}

/* RUNS verifications with o; the median time in s (and the last report in r). */
static double verify(fk_ctx *ctx, const fk_verify_opts *o, fk_verify_report *r)
{
	double s[RUNS];
	fk_error err;
	for (int i = 0; i < RUNS; i++) {
		int64_t t0 = fk_mono_ns();
		if (fk_audit_verify(ctx, o, r, &err) != FK_OK)
			exit(die(&err));
		s[i] = (fk_mono_ns() - t0) / 1e9;
	}
	qsort(s, RUNS, sizeof *s, cmp_dbl);
	return s[RUNS / 2];
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
	munis ms;
	int made;
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
	printf("one durable record                  n=%d  median %.3f ms  p95 %.3f ms  (0.36 ms before the anchor)\n",
	       ONE, ns[ONE / 2] / 1e6, ns[ONE * 95 / 100] / 1e6);
	int64_t t0 = fk_mono_ns();
	if (bench_grants(ctx, &ms, &made, &err) != FK_OK)
		return die(&err);
	int64_t have = history_end(ctx);
	if (have < 0)
		return 1;
	if (have < n && fk_chain_fill(ctx, n - have, "bench.fill", &err) != FK_OK)
		return die(&err);
	printf("history                             %lld records (%lld made now, %d grants %s) in %.1f s\n",
	       (long long)history_end(ctx), (long long)(have < n ? n - have : 0), GRANTS,
	       made ? "made now" : "made before", (fk_mono_ns() - t0) / 1e9);
	fk_verify_report r;
	/* The history alone: what the 909,000 records/s before the row checks measured. */
	fk_verify_opts o = {.k0 = k0, .skip_integrity = 1, .skip_rows = 1};
	double s = verify(ctx, &o, &r);
	printf("verify the records alone            %lld records in %.2f s = %.0f records/s; %lld problems\n",
	       (long long)r.records, s, r.records / s, (long long)r.problems);
	int64_t problems = r.problems;
	/* As fukuhonctl audit verify does it, but for SQLite's own integrity_check (below). */
	o.skip_rows = 0;
	s = verify(ctx, &o, &r);
	double rate = r.records / s;
	printf("verify with the row cross-check     %lld records and %lld sealed rows in %.2f s = %.0f records/s; %lld problems\n",
	       (long long)r.records, (long long)r.rows, s, rate, (long long)r.problems);
	printf("  target: >= %.0f records/s with the row cross-check (909,000/s before, without): %s\n",
	       TARGET_RATE, rate >= TARGET_RATE ? "PASS" : "MISS");
	problems += r.problems;
	o.skip_integrity = 0;
	t0 = fk_mono_ns();
	if (fk_audit_verify(ctx, &o, &r, &err) != FK_OK)
		return die(&err);
	s = (fk_mono_ns() - t0) / 1e9;
	printf("  the same with SQLite's integrity_check (fukuhonctl audit verify): %.2f s = %.0f records/s\n", s,
	       r.records / s);
	problems += r.problems;
	fk_wipe(k0, sizeof k0);
	fk_ctx_close(ctx);
	return problems ? 1 : 0;
}
