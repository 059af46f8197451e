/* Shadow lists and staged rows before publishing (prepublish.h; R-BATCH-ATOMIC). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aad.h"
#include "audit.h"
#include "crypto.h"
#include "datakey.h"
#include "db.h"
#include "order.h"
#include "ordersort.h"
#include "prepublish.h"
#include "stage.h"
#include "trust.h"
#include "util.h"

int fk_prepublish_stop_after;
int fk_prepublish_batch = 2000;

/* Each step's work before its commit: the consoles wait for the write lock (issue 10: at
 * most 200 ms), and a step also waits for its commit's synchronous writes. */
#define STEP_NS (INT64_C(40) * 1000000)
/* A list's sort keys in memory at most (ordersort.h: beyond it, sealed runs in a file). */
#define SORT_MEM ((size_t)8 << 20)

static const char SQL_STATS_N[] =
	"SELECT coalesce((SELECT n FROM municipality_stats WHERE municipality = ?1 AND kind = ?2), 0)";
static const char SQL_OTHER[] =
	"SELECT count(*) FROM staged_change WHERE package_id = ?1 AND change <> 3";
/* The package's new registers of a kind, from their rows: not from their staged rows, which
 * a run before may have begun to remove once the shadows were whole. */
static const char SQL_NEW_N[] = "SELECT count(*) FROM register WHERE id > ?1 AND kind = ?2";
static const char SQL_KEPT[] =
	"SELECT register_id, sort_keys FROM staged_change WHERE package_id = ?1 AND change = 3 "
	"AND kind = ?2";
static const char SQL_DROP_IDS[] =
	"SELECT register_id FROM staged_change WHERE package_id = ?1 AND change = 3 LIMIT ?2";
static const char SQL_STAGED_DELETE[] = "DELETE FROM staged_change WHERE register_id = ?1";

typedef struct pre {
	fk_ctx *ctx;
	const fk_pkgrow *p;
	const char *oid;
	int steps; /* transactions committed */
} pre;

/* One integer from sql with ?1 text or integer a, and ?2 integer b if it has one. */
static fk_status one_int(fk_ctx *ctx, const char *sql, const char *text, int64_t a, int64_t b,
			 int64_t *out, fk_error *err)
{
	sqlite3_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, b);
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "planning the sorted lists");
}

static fk_status step_begin(pre *g, fk_error *err)
{
	return fk_ctx_begin(g->ctx, err);
}

/* Commit a step with its record; a pause after it lets a waiting console in. */
static fk_status step_end(pre *g, fk_status s, const char *detail, fk_error *err)
{
	if (s == FK_OK)
		s = fk_audit_op(g->ctx, (fk_op)g->p->op, g->oid, FK_RESULT_SUCCESS, "listing", detail, err);
	s = fk_ctx_end(g->ctx, s, err);
	if (s != FK_OK)
		return s;
	fk_stage_yield();
	if (fk_prepublish_stop_after > 0 && ++g->steps >= fk_prepublish_stop_after)
		return fk_fail(err, FK_ERR_INTERNAL, "stopped after %d listing steps (test)", g->steps);
	return FK_OK;
}

/* ---- one field's order, from the kept keys ---- */

/* The new registers of kind k with their key for field f (1 or 2), into a sort of bounded
 * memory (ordersort.h) whose file goes beside the database. */
static fk_status sorted_keys(pre *g, int k, int f, fk_ordersort **out, fk_error *err)
{
	sqlite3_stmt *st;
	uint8_t mkey[FK_KEY_LEN];
	int64_t kid;
	char dir[4096];
	const char *db = sqlite3_db_filename(g->ctx->db, "main");
	const char *slash = db ? strrchr(db, '/') : NULL;
	if (slash && slash > db)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - db), db);
	else
		fk_copy_str(dir, sizeof dir, slash ? "/" : ".");
	*out = NULL;
	fk_status s = fk_ordersort_new(dir, SORT_MEM, out, err);
	if (s == FK_OK)
		s = fk_datakey_municipality(g->ctx, g->p->municipality, &kid, mkey, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(g->ctx, SQL_KEPT, &st, err);
	if (s != FK_OK) {
		fk_wipe(mkey, sizeof mkey);
		return s;
	}
	sqlite3_bind_int64(st, 1, g->p->id);
	sqlite3_bind_int(st, 2, k);
	uint8_t plain[8192];
	int rc;
	while (s == FK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 1), pn = 0;
		fk_aad a;
		fk_aad_payload(&a, "staged_change", id, g->p->municipality);
		if (n <= FK_SEAL_OVERHEAD || n - FK_SEAL_OVERHEAD >= sizeof plain) {
			s = fk_fail(err, FK_ERR_CORRUPT, "register %lld: its kept sort keys are missing or too long",
				    (long long)id);
			break;
		}
		if ((s = fk_open(mkey, a.b, a.n, sqlite3_column_blob(st, 1), n, plain, &pn, err)) != FK_OK)
			break;
		plain[pn] = '\0';
		size_t n0 = strlen((char *)plain);
		const char *key = f == 1 ? (char *)plain : n0 < pn ? (char *)plain + n0 + 1 : "";
		s = fk_ordersort_add(*out, id, key, strlen(key), err);
		fk_wipe(plain, pn);
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(g->ctx->db, rc, err, "reading kept sort keys");
	sqlite3_reset(st);
	fk_wipe(mkey, sizeof mkey);
	return s;
}

/* The shadow of (municipality, k, f) written in the sort's order, a step at a time; the
 * first step clears what a run before may have left. */
static fk_status write_shadow(pre *g, int k, int f, fk_ordersort *o, fk_error *err)
{
	char detail[96];
	int64_t ids[16 * FK_ORDER_CHUNK];
	size_t pos = 0, n = fk_ordersort_count(o), got = 0;
	fk_status s = FK_OK;
	int first = 1;
	while (s == FK_OK && (pos < n || first)) {
		int64_t t0 = fk_mono_ns();
		size_t from = pos;
		if ((s = step_begin(g, err)) != FK_OK)
			break;
		if (first && f == 1)
			s = fk_order_shadow_clear(g->ctx, g->p->municipality, k, err);
		first = 0;
		while (s == FK_OK && pos < n && fk_mono_ns() - t0 < STEP_NS) {
			if ((s = fk_ordersort_next(o, ids, sizeof ids / sizeof *ids, &got, err)) != FK_OK)
				break;
			if (!got) {
				s = fk_fail(err, FK_ERR_INTERNAL, "the sort gave %zu of %zu ids", pos, n);
				break;
			}
			s = fk_order_shadow_write(g->ctx, g->p->municipality, k, (fk_order_field)f,
						  (int64_t)pos, ids, got, err);
			pos += got;
		}
		snprintf(detail, sizeof detail, "list=%d field=%d positions=%zu-%zu of %zu", k, f, from, pos, n);
		s = step_end(g, s, detail, err);
	}
	return s;
}

/* Both shadows of list k, unless a run before wrote them whole. */
static fk_status shadow_list(pre *g, int k, int64_t want, fk_error *err)
{
	int64_t have[2];
	fk_status s = FK_OK;
	for (int f = 1; f <= 2 && s == FK_OK; f++)
		s = fk_order_shadow_count(g->ctx, g->p->municipality, k, (fk_order_field)f, &have[f - 1], err);
	if (s != FK_OK || (have[0] == want && have[1] == want))
		return s;
	/* field 1's first step clears both: field 2 is written after it, whole or again */
	for (int f = 1; f <= 2 && s == FK_OK; f++) {
		fk_ordersort *o = NULL;
		s = sorted_keys(g, k, f, &o, err);
		if (s == FK_OK && (int64_t)fk_ordersort_count(o) != want)
			s = fk_fail(err, FK_ERR_CORRUPT, "list %d: %zu kept sort keys for %lld new registers",
				    k, fk_ordersort_count(o), (long long)want);
		if (s == FK_OK)
			s = write_shadow(g, k, f, o, err);
		fk_ordersort_free(o);
	}
	return s;
}

/* The new registers' staged rows (their keys served), a step at a time. */
static fk_status drop_kept(pre *g, fk_error *err)
{
	char detail[64];
	int64_t batch = fk_prepublish_batch > 0 ? fk_prepublish_batch : 1;
	int64_t *ids = malloc((size_t)batch * sizeof *ids);
	fk_status s = ids ? FK_OK : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	int64_t n = batch;
	while (s == FK_OK && n == batch) {
		sqlite3_stmt *st, *del;
		int64_t t0 = fk_mono_ns(), done = 0;
		n = 0;
		if ((s = step_begin(g, err)) != FK_OK)
			break;
		if ((s = fk_ctx_stmt(g->ctx, SQL_DROP_IDS, &st, err)) == FK_OK) {
			int rc;
			sqlite3_bind_int64(st, 1, g->p->id);
			sqlite3_bind_int64(st, 2, batch);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < batch)
				ids[n++] = sqlite3_column_int64(st, 0);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				s = fk_db_fail(g->ctx->db, rc, err, "reading staged rows");
			sqlite3_reset(st);
		}
		for (; done < n && s == FK_OK && fk_mono_ns() - t0 < STEP_NS; done++) {
			s = fk_trust_unseal(g->ctx, FK_T_STAGED, FK_VAL_INT(ids[done]), 1, err);
			if (s == FK_OK && (s = fk_ctx_stmt(g->ctx, SQL_STAGED_DELETE, &del, err)) == FK_OK) {
				sqlite3_bind_int64(del, 1, ids[done]);
				s = fk_ctx_exec(g->ctx, del, err, "removing a staged change");
			}
		}
		if (done < n)
			n = batch; /* the time ran out first: more to do */
		snprintf(detail, sizeof detail, "staged rows removed=%lld", (long long)done);
		s = step_end(g, s, detail, err);
	}
	free(ids);
	return s;
}

fk_status fk_prepublish(fk_ctx *ctx, const fk_pkgrow *p, const char *oid, fk_error *err)
{
	pre g = {.ctx = ctx, .p = p, .oid = oid};
	int64_t other, want[3] = {0}, have;
	int any = 0;
	/* Reads only: nothing else writes registers while a package stages (visible.h). */
	fk_status s = one_int(ctx, SQL_OTHER, NULL, p->id, 0, &other, err);
	for (int k = 1; k <= 2 && s == FK_OK && other == 0; k++) {
		if ((s = one_int(ctx, SQL_STATS_N, p->municipality, 0, k, &have, err)) != FK_OK ||
		    (s = one_int(ctx, SQL_NEW_N, NULL, p->wm[FK_WM_REGISTER], k, &want[k], err)) != FK_OK)
			break;
		if (have != 0)
			want[k] = 0; /* a list kept already: publishing places the package's registers */
		any |= want[k] > 0;
	}
	if (s != FK_OK || !any)
		return s;
	for (int k = 1; k <= 2 && s == FK_OK; k++)
		if (want[k])
			s = shadow_list(&g, k, want[k], err);
	return s == FK_OK ? drop_kept(&g, err) : s;
}
