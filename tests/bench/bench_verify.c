/* Benchmark of `audit verify` on either backend (issue 14): the history of the terminal CONFIG
 * names (SQLite file or PostgreSQL store) filled to RECORDS records, then verified as
 * `fukuhonctl audit verify` does it (records, checkpoints, the sealed rows; no integrity check),
 * RUNS times; the median is reported. Usage: bench_verify CONFIG K0FILE RECORDS.
 * Run by tests/bench/bench_verify_pg.sh (`make bench-verify`). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RUNS 3

static int die(const fk_error *err)
{
	fprintf(stderr, "bench_verify: %s\n", err->msg);
	return 1;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* kB of a /proc/self/status field (VmRSS, VmHWM), -1 if unreadable */
static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	size_t n = strlen(field);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* Start the peak (VmHWM) again from the current RSS (Linux: "5" to clear_refs), so that the
 * peak after verify is verify's own, not the fill's. */
static int reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok = f && fputs("5", f) >= 0;
	if (f && fclose(f) != 0)
		ok = 0;
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_verify CONFIG K0FILE RECORDS\n");
		return 2;
	}
	int64_t n = strtoll(argv[3], NULL, 10), have = 0;
	fk_ctx *ctx;
	fk_error err;
	uint8_t k0[FK_KEY_LEN];
	static const char SQL_END[] = "SELECT coalesce(max(seq), 0) FROM audit_log";
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK || bench_act_as(ctx, "admin", &err) != FK_OK ||
	    fk_chain_k0_read(argv[2], k0, &err) != FK_OK ||
	    fk_ctx_int64(ctx, SQL_END, &have, &err, "the history's end") != FK_OK)
		return die(&err);
	int64_t t0 = fk_mono_ns();
	if (have < n && fk_chain_fill(ctx, n - have, "bench.fill", &err) != FK_OK)
		return die(&err);
	printf("history filled to %lld records in %.1f s\n", (long long)n, (fk_mono_ns() - t0) / 1e9);
	fk_verify_opts o = {.k0 = k0, .skip_integrity = 1};
	fk_verify_report r;
	double s[RUNS];
	long before = status_kb("VmRSS");
	int peak_ok = reset_peak();
	for (int i = 0; i < RUNS; i++) {
		t0 = fk_mono_ns();
		if (fk_audit_verify(ctx, &o, &r, &err) != FK_OK)
			return die(&err);
		s[i] = (fk_mono_ns() - t0) / 1e9;
	}
	qsort(s, RUNS, sizeof *s, cmp_dbl);
	printf("verify %lld records and %lld sealed rows: median %.2f s (min %.2f, max %.2f) = %.0f records/s; %lld problems\n",
	       (long long)r.records, (long long)r.rows, s[RUNS / 2], s[0], s[RUNS - 1], r.records / s[RUNS / 2],
	       (long long)r.problems);
	if (peak_ok)
		printf("peak RSS while verifying %.1f MB (%.1f MB before it)\n", status_kb("VmHWM") / 1024.0,
		       before / 1024.0);
	fk_wipe(k0, sizeof k0);
	fk_ctx_close(ctx);
	return r.problems ? 1 : 0;
}
