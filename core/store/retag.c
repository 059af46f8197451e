/* The search index's tags recomputed from the registers (retag.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db.h"
#include "meta.h"
#include "regver.h"
#include "retag.h"
#include "store.h"
#include "util.h"
#include "visible.h"

static const char SQL_NEXT_IDS[] =
	"SELECT id FROM register WHERE id > ?1 AND disposed_at IS NULL ORDER BY id LIMIT ?2";

/* A step's work under the lock: short, so that a console's record waits little for it. */
#define STEP_NS (INT64_C(40) * 1000000)
#define STEP_MAX 4096

int fk_retag_stop_after;

static fk_status cursor(fk_ctx *ctx, int64_t *after, fk_error *err)
{
	char buf[32];
	*after = 0;
	fk_status s = fk_meta_get(ctx, FK_RETAG_META, buf, sizeof buf, err);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s == FK_OK) {
		char *end;
		long long v = strtoll(buf, &end, 10);
		if (*end || v < 0)
			return fk_fail(err, FK_ERR_TAMPER, "%s holds no register id", FK_RETAG_META);
		*after = v;
	}
	return s;
}

/* The next ids after *after, at most max of them. */
static fk_status next_ids(fk_ctx *ctx, int64_t after, int64_t *ids, int max, int *n, fk_error *err)
{
	fk_stmt *st;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_NEXT_IDS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, after);
	fk_sql_bind_int(st, 2, max);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW)
		ids[(*n)++] = fk_sql_column_int64(st, 0);
	if (rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing registers");
	fk_sql_reset(st);
	return s;
}

/* One register's tags, those missing added; *added how many were. */
static fk_status retag_one(fk_ctx *ctx, int64_t id, int64_t *added, fk_error *err)
{
	json_t *doc = NULL;
	fk_reg_info info;
	uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
	int n = 0;
	fk_status s = fk_store_read(ctx, id, 0, &doc, &info, err);
	if (s == FK_OK)
		s = fk_store_tags(ctx->keys, doc, tags, &n, err);
	json_decref(doc);
	if (s == FK_OK)
		s = fk_store_tags_add(ctx, id, (const uint8_t(*)[FK_BLIND_LEN])tags, n, added, err);
	return s;
}

/* One step: its registers, the cursor moved, its record; *done when no register was left. */
static fk_status step_once(fk_ctx *ctx, int batch, fk_retag_step_fn step, void *arg,
			   int64_t *registers, int64_t *added, int *done, fk_error *err)
{
	int64_t ids[STEP_MAX], add = 0, first = 0, after = 0, last = 0, t0 = fk_mono_ns();
	char value[32];
	int n = 0, i = 0;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	/* Read under the write lock: two passes at once share one cursor. */
	if ((s = fk_store_not_staging(ctx, err)) == FK_OK && (s = cursor(ctx, &after, err)) == FK_OK)
		s = next_ids(ctx, after, ids, batch, &n, err);
	last = after;
	for (; s == FK_OK && i < n && (i == 0 || fk_mono_ns() - t0 < STEP_NS); i++) {
		s = retag_one(ctx, ids[i], &add, err);
		last = ids[i];
	}
	if (n > 0)
		first = ids[0];
	*done = s == FK_OK && n < batch && i == n;
	snprintf(value, sizeof value, "%lld", *done ? 0LL : (long long)last);
	if (s == FK_OK)
		s = fk_meta_set(ctx, FK_RETAG_META, value, err);
	if (s == FK_OK && step)
		s = step(ctx, first, last, i, add, arg, err);
	if ((s = fk_ctx_end(ctx, s, err)) == FK_OK) {
		*registers += i;
		*added += add;
	}
	return s;
}

fk_status fk_retag(fk_ctx *ctx, int batch, fk_retag_step_fn step, void *arg, int64_t *registers,
		   int64_t *added, fk_error *err)
{
	const struct timespec gap = {0, 2000000L}; /* a console's turn at the lock */
	int done = 0, steps = 0;
	*registers = *added = 0;
	if (batch < 1 || batch > STEP_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a step holds 1 to %d registers", STEP_MAX);
	if (ctx->tx_depth > 0)
		return fk_fail(err, FK_ERR_INTERNAL, "retagging inside a transaction");
	fk_status s = FK_OK;
	while (s == FK_OK && !done) {
		if (fk_retag_stop_after && steps == fk_retag_stop_after)
			return fk_fail(err, FK_ERR_INTERNAL, "stopped after %d steps (test)", steps);
		s = step_once(ctx, batch, step, arg, registers, added, &done, err);
		steps++;
		if (s == FK_OK && !done)
			nanosleep(&gap, NULL);
	}
	return s;
}
