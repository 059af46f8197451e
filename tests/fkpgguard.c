/* Test tool: one long-lived terminal process on a store, so that a change made to the store
 * between two of its write transactions meets the per-transaction schema guard (issue 14;
 * R-LOGSEAL, R-DETECT) and the trust base's check of the sealed rows: tests/store_pg.sh
 * plants objects and alters rows while it runs. Commands on stdin,
 * one a line, each answered by one line on stdout:
 *   tx        a write transaction begun and committed: "ok" or "refused: MESSAGE"
 *   current   the trust base's check before a decision, outside a transaction
 *             (fk_trust_current): "ok" or "refused: MESSAGE"
 *   time N    N transactions, then the guard alone N times (fk_schema_guard) and the full
 *             comparison N times (fk_schema_check_full): median and p99 of each, in ms
 *   record    a record written by this process (its start, fk_audit_start): "ok" or
 *             "refused: MESSAGE" — a program left running on a terminal retired meanwhile
 *             (tests/keydist.sh)
 *   rotate    a master-key rotation by this process as the administrator "admin"
 *             (fk_key_rotate): "ok N" (the new key's id) or "refused: MESSAGE" — a rotation
 *             begun by a process that opened before another terminal's (tests/keydist.sh)
 * Usage: fkpgguard CONFIG. Never installed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fk.h"
#include "schema.h"

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void figure(const char *what, int64_t *ns, int n)
{
	qsort(ns, (size_t)n, sizeof *ns, cmp);
	int i99 = n * 99 / 100 < n ? n * 99 / 100 : n - 1;
	printf("%s: n=%d median %.3f ms p99 %.3f ms; ", what, n, ns[n / 2] / 1e6, ns[i99] / 1e6);
}

static fk_status tx(fk_ctx *ctx, fk_error *err)
{
	fk_status st = fk_ctx_begin(ctx, err);
	return st == FK_OK ? fk_ctx_end(ctx, FK_OK, err) : st;
}

/* n rounds of each; 1 when one failed (its message printed). */
static int timing(fk_ctx *ctx, int n)
{
	int64_t *v = calloc((size_t)n, sizeof *v);
	fk_error err;
	if (!v)
		return 1;
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < n; i++) {
			int64_t t0 = fk_mono_ns();
			fk_status st = k == 0 ? tx(ctx, &err) : k == 1 ? fk_schema_guard(ctx, &err)
								       : fk_schema_check_full(ctx->db, &err);
			v[i] = fk_mono_ns() - t0;
			if (st != FK_OK) {
				printf("refused: %s\n", err.msg);
				free(v);
				return 1;
			}
		}
		figure(k == 0 ? "write transaction" : k == 1 ? "schema guard" : "full comparison", v, n);
	}
	printf("\n");
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fkpgguard CONFIG\n");
		return 2;
	}
	fk_ctx *ctx;
	fk_error err;
	if (fk_ctx_open(argv[1], FK_CTX_OPEN, &ctx, &err) != FK_OK) {
		fprintf(stderr, "fkpgguard: %s\n", err.msg);
		return 1;
	}
	char line[64];
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "time ", 5) == 0) {
			int n = atoi(line + 5);
			(void)timing(ctx, n >= 1 && n <= 100000 ? n : 100);
		} else if (strcmp(line, "rotate\n") == 0) {
			fk_operator op;
			int64_t n = 0;
			uint32_t id = 0;
			if (fk_operator_get(ctx, "admin", &op, &err) == FK_OK) {
				fk_ctx_act_as(ctx, op.id, op.username, op.role, op.bureau_id);
				if (fk_key_rotate(ctx, 1000, &n, &id, &err) == FK_OK) {
					printf("ok %u\n", (unsigned)id);
					continue;
				}
			}
			printf("refused: %s\n", err.msg);
		} else if (strcmp(line, "record\n") == 0) {
			if (fk_audit_start(ctx, "fkpgguard", &err) == FK_OK)
				printf("ok\n");
			else
				printf("refused: %s\n", err.msg);
		} else if (strcmp(line, "tx\n") == 0 || strcmp(line, "current\n") == 0) {
			if ((line[0] == 't' ? tx(ctx, &err) : fk_trust_current(ctx, &err)) == FK_OK)
				printf("ok\n");
			else
				printf("refused: %s\n", err.msg);
		} else {
			printf("unknown command\n");
		}
	}
	fk_ctx_close(ctx);
	return 0;
}
