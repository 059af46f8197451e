/* Benchmark of a console during a bulk import (issue 10; R-BATCH-ATOMIC): what a console
 * screen does — the gate's recorded view: the home screen, a page of 戸籍 in 受付 order and one
 * in 本籍 order, each a write (the history record) before it shows — in a loop, while another
 * process imports. Each round first probes the write lock alone (BEGIN IMMEDIATE until it is
 * held, then rolled back): that is the wait a screen's record has before it can commit.
 * Prints the worst, p99 and median lock wait and screen time when its standard input closes
 * (run_import_wait.sh closes it once the import has ended). Usage:
 *   bench_import_wait CONFIG setup   an operator "benchwait" who may view 131016 (once)
 *   bench_import_wait CONFIG read    the loop */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "db.h"

#define MUNI "131016"
#define USER "benchwait"
#define PAGE 30
#define MAX_ROUNDS 200000
#define TARGET_WAIT_MS 200.0 /* issue 10: no screen waits more than this for the lock */
#define PAUSE_MS 20          /* between screens: an operator reads, the import runs */

static int die(const char *what, const fk_error *e)
{
	fprintf(stderr, "bench_import_wait: %s: %s\n", what, e->msg);
	return 1;
}

static int setup(fk_ctx *ctx)
{
	fk_error err;
	int64_t id;
	fk_grant_spec g = {.user = USER, .municipality = MUNI, .kinds = 3, .rights = FK_RIGHT_VIEW,
			   .reason = "bench"};
	if (bench_act_as(ctx, "admin", &err) != FK_OK ||
	    fk_operator_add(ctx, USER, FK_ROLE_OPERATOR, "東京法務局", NULL, &id, &err) != FK_OK ||
	    fk_grant_add(ctx, &g, &id, &err) != FK_OK)
		return die("setup", &err);
	return 0;
}

/* One screen: which one goes round (home, 受付 order, 本籍 order). */
static fk_status screen(fk_ctx *ctx, int round, fk_error *err)
{
	static fk_reg_row rows[PAGE];
	int n;
	int64_t total, offset = 0;
	switch (round % 3) {
	case 0: {
		fk_muni_stat *v;
		fk_status s = fk_access_home(ctx, &v, &n, err);
		if (s == FK_OK)
			free(v);
		return s;
	}
	case 1:
		return fk_access_register_page(ctx, MUNI, 1, 0, 1, PAGE, rows, &n, &total, err);
	default:
		return fk_access_register_page_at(ctx, MUNI, 1, FK_ORDER_HONSEKI, &offset, 0, 0, PAGE,
						  rows, &n, &total, err);
	}
}

static int stdin_closed(void)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};
	char c;
	return poll(&p, 1, 0) > 0 && read(0, &c, 1) <= 0;
}

/* The longest waits and when they began (s after the console started), longest first: which
 * step of the import held the lock (run_import_wait.sh prints when the import began). */
#define WORST 5
static int64_t worst_ns[WORST], worst_at[WORST];

static void keep_worst(int64_t ns, int64_t at)
{
	for (int i = 0; i < WORST; i++)
		if (ns > worst_ns[i]) {
			memmove(worst_ns + i + 1, worst_ns + i, (WORST - 1 - (size_t)i) * sizeof *worst_ns);
			memmove(worst_at + i + 1, worst_at + i, (WORST - 1 - (size_t)i) * sizeof *worst_at);
			worst_ns[i] = ns;
			worst_at[i] = at;
			return;
		}
}

static int reader(fk_ctx *ctx)
{
	fk_error err;
	int64_t *wait = malloc(MAX_ROUNDS * sizeof *wait), *scr = malloc(MAX_ROUNDS * sizeof *scr);
	int n = 0, failed = 0;
	if (!wait || !scr || bench_act_as(ctx, USER, &err) != FK_OK)
		return wait && scr ? die("reader", &err) : 1;
	const struct timespec pause = {0, PAUSE_MS * 1000000L};
	int64_t start = fk_mono_ns();
	while (n < MAX_ROUNDS && !stdin_closed()) {
		int64_t t0 = fk_mono_ns();
		if (fk_db_begin(ctx->db, &err) != FK_OK) {
			fprintf(stderr, "bench_import_wait: lock: %s\n", err.msg);
			failed++;
		} else {
			fk_db_rollback(ctx->db);
		}
		int64_t t1 = fk_mono_ns();
		if (screen(ctx, n, &err) != FK_OK) {
			fprintf(stderr, "bench_import_wait: screen: %s\n", err.msg);
			failed++;
		}
		wait[n] = t1 - t0;
		keep_worst(t1 - t0, t0 - start);
		scr[n++] = fk_mono_ns() - t1;
		nanosleep(&pause, NULL);
	}
	printf("console during the import: %d screens (home, 受付 page, 本籍 page in turn), %d failed\n",
	       n, failed);
	bench_print_waits("lock wait", wait, n, TARGET_WAIT_MS);
	printf("longest waits:");
	for (int i = 0; i < WORST && worst_ns[i]; i++)
		printf(" %.0f ms at %.1f s%s", worst_ns[i] / 1e6, worst_at[i] / 1e9, i + 1 < WORST ? "," : "");
	printf(" (after the console began)\n");
	bench_print_waits("screen", scr, n, TARGET_WAIT_MS);
	free(wait);
	free(scr);
	return failed != 0;
}

int main(int argc, char **argv)
{
	fk_ctx *ctx;
	fk_error err;
	if (argc != 3 || (strcmp(argv[2], "setup") && strcmp(argv[2], "read")))
		return fprintf(stderr, "usage: bench_import_wait CONFIG setup|read\n"), 2;
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK)
		return die("open", &err);
	int rc = strcmp(argv[2], "setup") ? reader(ctx) : setup(ctx);
	fk_ctx_close(ctx);
	return rc;
}
