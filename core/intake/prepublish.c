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
#include "regver.h"
#include "stage.h"
#include "trust.h"
#include "util.h"

int fk_prepublish_stop_after;
int fk_prepublish_batch = 2000;
/* A list that is kept already gets a whole shadow once the package changes this many of its
 * places (new registers, registers moving out or in, counted as publishing counts them): one by
 * one, each costs publishing about 5 ms under the write lock (publish.c), so 16 are some 80 ms
 * of the 200 ms a console may wait; more is cheaper written ahead. */
int fk_prepublish_whole_min = 16;

/* Each step's work before its commit: the consoles wait for the write lock (issue 10: at
 * most 200 ms), and a step also waits for its commit's synchronous writes. */
int64_t fk_prepublish_step_ns = INT64_C(40) * 1000000;
/* A list's sort keys in memory at most (ordersort.h: beyond it, sealed runs in a file). 4 MB:
 * with 8 MB the import's peak came here (71 MB at 1,000,000 registers, issue 10's target
 * 64 MB); a list of 1,000,000 then sorts in some 15 runs. */
#define SORT_MEM ((size_t)4 << 20)

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
/* Only the new registers of the lists given shadows: the others' kept keys serve publishing. */
static const char SQL_DROP_IDS[] =
	"SELECT register_id FROM staged_change WHERE package_id = ?1 AND change = 3 "
	"AND kind IN (?3, ?4) LIMIT ?2";
/* The registers a list holds once the package is published: those kept (not disposed of) by
 * the kind the package gives them, at the version it gives them, and its new ones. Nothing
 * else writes registers while a package stages (import.h), so this stays true until its
 * publishing. */
static const char SQL_WHOLE[] =
	"SELECT r.id, r.key_id, coalesce(c.version, r.version), coalesce(c.kind, r.kind) "
	"FROM register r LEFT JOIN staged_change c ON c.register_id = r.id AND c.package_id = ?3 "
	"WHERE r.municipality = ?1 AND r.disposed_at IS NULL AND coalesce(c.kind, r.kind) = ?2 "
	"ORDER BY r.id";
static const char SQL_WHOLE_N[] =
	"SELECT count(*) FROM register r LEFT JOIN staged_change c ON c.register_id = r.id "
	"AND c.package_id = ?3 WHERE r.municipality = ?1 AND r.disposed_at IS NULL "
	"AND coalesce(c.kind, r.kind) = ?2";
/* The package's registers that move in the lists (change 2), by published and new kind. */
static const char SQL_MOVES[] =
	"SELECT r.kind, c.kind FROM staged_change c JOIN register r ON r.id = c.register_id "
	"WHERE c.package_id = ?1 AND c.change = 2 AND c.register_id <= ?2";
static const char SQL_STAGED_DELETE[] = "DELETE FROM staged_change WHERE register_id = ?1";

typedef struct pre {
	fk_ctx *ctx;
	const fk_pkgrow *p;
	const char *oid;
	int steps; /* transactions committed */
	int shadowed[3]; /* the lists given a shadow (their new registers' kept keys served) */
	int64_t t0, max_ns; /* the step under way began; the longest step (its commit too) */
} pre;

/* One integer from sql with ?1 text or integer a, and ?2 integer b if it has one. */
static fk_status one_int(fk_ctx *ctx, const char *sql, const char *text, int64_t a, int64_t b,
			 int64_t *out, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	if (text)
		fk_sql_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		fk_sql_bind_int64(st, 1, a);
	if (fk_sql_bind_parameter_count(st) > 1)
		fk_sql_bind_int64(st, 2, b);
	int rc = fk_sql_step(st);
	*out = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "planning the sorted lists");
}

static fk_status step_begin(pre *g, fk_error *err)
{
	g->t0 = fk_mono_ns();
	return fk_ctx_begin(g->ctx, err);
}

/* Commit a step with its record; a pause after it lets a waiting console in. */
static fk_status step_end(pre *g, fk_status s, const char *detail, fk_error *err)
{
	if (s == FK_OK)
		s = fk_audit_op(g->ctx, (fk_op)g->p->op, g->oid, FK_RESULT_SUCCESS, "listing", detail, err);
	s = fk_ctx_end(g->ctx, s, err);
	if (fk_mono_ns() - g->t0 > g->max_ns)
		g->max_ns = fk_mono_ns() - g->t0;
	if (s != FK_OK)
		return s;
	fk_stage_yield();
	if (fk_prepublish_stop_after > 0 && ++g->steps >= fk_prepublish_stop_after)
		return fk_fail(err, FK_ERR_INTERNAL, "stopped after %d listing steps (test)", g->steps);
	return FK_OK;
}

/* ---- one field's order, from the kept keys ---- */

void fk_prepublish_sort_dir(fk_ctx *ctx, char *dir, size_t size)
{
	/* PostgreSQL has no file beside which to sort: the working directory for now (later: a
	 * configured folder). */
	const char *db = fk_sql_lite(ctx->db) ? sqlite3_db_filename(fk_sql_lite(ctx->db), "main") : NULL;
	const char *slash = db ? strrchr(db, '/') : NULL;
	if (slash && slash > db)
		snprintf(dir, size, "%.*s", (int)(slash - db), db);
	else
		fk_copy_str(dir, size, slash ? "/" : ".");
}

/* A sort of bounded memory (ordersort.h) whose file goes beside the database. */
static fk_status sort_new(pre *g, fk_ordersort **out, fk_error *err)
{
	char dir[4096];
	fk_prepublish_sort_dir(g->ctx, dir, sizeof dir);
	*out = NULL;
	return fk_ordersort_new(dir, SORT_MEM, out, err);
}

/* The new registers of kind k with their key for field f (1 or 2), from the keys staging
 * kept, into a new sort. */
static fk_status sorted_keys(pre *g, int k, int f, fk_ordersort **out, fk_error *err)
{
	fk_stmt *st;
	uint8_t mkey[FK_KEY_LEN];
	int64_t kid;
	fk_status s = sort_new(g, out, err);
	if (s == FK_OK)
		s = fk_datakey_municipality(g->ctx, g->p->municipality, &kid, mkey, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(g->ctx, SQL_KEPT, &st, err);
	if (s != FK_OK) {
		fk_wipe(mkey, sizeof mkey);
		return s;
	}
	fk_sql_bind_int64(st, 1, g->p->id);
	fk_sql_bind_int(st, 2, k);
	uint8_t plain[8192];
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		int64_t id = fk_sql_column_int64(st, 0);
		size_t n = (size_t)fk_sql_column_bytes(st, 1), pn = 0;
		fk_aad a;
		fk_aad_payload(&a, "staged_change", id, g->p->municipality);
		if (n <= FK_SEAL_OVERHEAD || n - FK_SEAL_OVERHEAD >= sizeof plain) {
			s = fk_fail(err, FK_ERR_CORRUPT, "register %lld: its kept sort keys are missing or too long",
				    (long long)id);
			break;
		}
		if ((s = fk_open(mkey, a.b, a.n, fk_sql_column_blob(st, 1), n, plain, &pn, err)) != FK_OK)
			break;
		plain[pn] = '\0';
		size_t n0 = strlen((char *)plain);
		const char *key = f == 1 ? (char *)plain : n0 < pn ? (char *)plain + n0 + 1 : "";
		s = fk_ordersort_add(*out, id, key, strlen(key), err);
		fk_wipe(plain, pn);
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(g->ctx->db, rc, err, "reading kept sort keys");
	fk_sql_reset(st);
	fk_wipe(mkey, sizeof mkey);
	return s;
}

/* Both keys of one register of the whole list k, from the version the package gives it. */
static fk_status whole_one(pre *g, fk_stmt *st, int k, fk_ordersort *o[2], fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	json_t *doc = NULL;
	fk_reg_info info = {.id = fk_sql_column_int64(st, 0), .key_id = fk_sql_column_int64(st, 1),
			    .version = fk_sql_column_int(st, 2), .kind = (fk_reg_kind)k};
	fk_copy_str(info.municipality, sizeof info.municipality, g->p->municipality);
	fk_status s = fk_datakey_get(g->ctx, info.key_id, key, err);
	if (s == FK_OK)
		s = fk_regver_read_staged(g->ctx, &info, info.version, key, &doc, err);
	fk_wipe(key, sizeof key);
	for (int f = 1; f <= 2 && s == FK_OK; f++) {
		char *sk = NULL;
		if ((s = fk_order_key(doc, (fk_order_field)f, &sk, err)) == FK_OK)
			s = fk_ordersort_add(o[f - 1], info.id, sk, strlen(sk), err);
		if (sk)
			fk_wipe(sk, strlen(sk));
		free(sk);
	}
	json_decref(doc);
	return s;
}

/* Every register list k holds once the package is published, with both keys, each from the
 * version it will have (one decryption per register; reads only, outside any write
 * transaction: the consoles write meanwhile), into two sorts of bounded memory. */
static fk_status whole_keys(pre *g, int k, fk_ordersort *o[2], fk_error *err)
{
	fk_stmt *st;
	fk_status s = sort_new(g, &o[0], err);
	if (s == FK_OK)
		s = sort_new(g, &o[1], err);
	if (s == FK_OK)
		s = fk_ctx_stmt(g->ctx, SQL_WHOLE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, g->p->municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, k);
	fk_sql_bind_int64(st, 3, g->p->id);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW)
		s = whole_one(g, st, k, o, err);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(g->ctx->db, rc, err, "reading a list's registers");
	fk_sql_reset(st);
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
		/* At least one batch a step, whatever the clock says: the step's own start (the
		 * write lock, the trust base's checks) can take the whole budget on a busy
		 * PostgreSQL server, and a step that wrote nothing would be taken again and again,
		 * each with its record, for ever (found by tests/units_pg.sh; R-BATCH-RESUME). */
		while (s == FK_OK && pos < n && (pos == from || fk_mono_ns() - t0 < fk_prepublish_step_ns)) {
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

/* Both shadows of list k, unless a run before wrote them whole: from the new registers' kept
 * keys (whole = 0: the list was empty and only they go into it), or of the whole list. */
static fk_status shadow_list(pre *g, int k, int64_t want, int whole, fk_error *err)
{
	int64_t have[2];
	fk_status s = FK_OK;
	g->shadowed[k] = 1;
	for (int f = 1; f <= 2 && s == FK_OK; f++)
		s = fk_order_shadow_count(g->ctx, g->p->municipality, k, (fk_order_field)f, &have[f - 1], err);
	if (s != FK_OK || (have[0] == want && have[1] == want))
		return s;
	fk_ordersort *o[2] = {NULL, NULL};
	if (whole)
		s = whole_keys(g, k, o, err);
	/* field 1's first step clears both: field 2 is written after it, whole or again */
	for (int f = 1; f <= 2 && s == FK_OK; f++) {
		if (!whole)
			s = sorted_keys(g, k, f, &o[f - 1], err);
		if (s == FK_OK && (int64_t)fk_ordersort_count(o[f - 1]) != want)
			s = fk_fail(err, FK_ERR_CORRUPT, "list %d: %zu sort keys for %lld registers", k,
				    fk_ordersort_count(o[f - 1]), (long long)want);
		if (s == FK_OK)
			s = write_shadow(g, k, f, o[f - 1], err);
		fk_ordersort_free(o[f - 1]);
		o[f - 1] = NULL;
	}
	fk_ordersort_free(o[0]);
	fk_ordersort_free(o[1]);
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
		fk_stmt *st, *del;
		int64_t t0 = fk_mono_ns(), done = 0;
		n = 0;
		if ((s = step_begin(g, err)) != FK_OK)
			break;
		if ((s = fk_ctx_stmt(g->ctx, SQL_DROP_IDS, &st, err)) == FK_OK) {
			int rc;
			fk_sql_bind_int64(st, 1, g->p->id);
			fk_sql_bind_int64(st, 2, batch);
			fk_sql_bind_int(st, 3, g->shadowed[1] ? 1 : 0);
			fk_sql_bind_int(st, 4, g->shadowed[2] ? 2 : 0);
			while ((rc = fk_sql_step(st)) == SQLITE_ROW && n < batch)
				ids[n++] = fk_sql_column_int64(st, 0);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				s = fk_db_fail(g->ctx->db, rc, err, "reading staged rows");
			fk_sql_reset(st);
		}
		/* at least one row a step (write_shadow says why) */
		for (; done < n && s == FK_OK && (done == 0 || fk_mono_ns() - t0 < fk_prepublish_step_ns); done++) {
			s = fk_trust_unseal(g->ctx, FK_T_STAGED, FK_VAL_INT(ids[done]), 1, err);
			if (s == FK_OK && (s = fk_ctx_stmt(g->ctx, SQL_STAGED_DELETE, &del, err)) == FK_OK) {
				fk_sql_bind_int64(del, 1, ids[done]);
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

static fk_status whole_n(pre *g, int k, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(g->ctx, SQL_WHOLE_N, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, g->p->municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, k);
	fk_sql_bind_int64(st, 3, g->p->id);
	int rc = fk_sql_step(st);
	*n = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(g->ctx->db, rc, err, "counting a list");
}

/* How many places of each list the package changes, as publishing counts them (a register
 * moving within a list counts twice: out of its place, into another). */
static fk_status moves_of(pre *g, int64_t changes[3], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(g->ctx, SQL_MOVES, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, g->p->id);
	fk_sql_bind_int64(st, 2, g->p->wm[FK_WM_REGISTER]);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW)
		for (int c = 0; c < 2; c++)
			changes[fk_sql_column_int(st, c) == 2 ? 2 : 1]++;
	fk_sql_reset(st);
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(g->ctx->db, rc, err, "planning the sorted lists");
}

fk_status fk_prepublish(fk_ctx *ctx, const fk_pkgrow *p, const char *oid, int64_t *max_ns,
			fk_error *err)
{
	pre g = {.ctx = ctx, .p = p, .oid = oid};
	int64_t other, want[3] = {0}, have, changes[3] = {0};
	int whole[3] = {0}, any = 0;
	*max_ns = 0;
	/* Reads only: nothing else writes registers while a package stages (visible.h). */
	fk_status s = one_int(ctx, SQL_OTHER, NULL, p->id, 0, &other, err);
	if (s == FK_OK && other)
		s = moves_of(&g, changes, err);
	for (int k = 1; k <= 2 && s == FK_OK; k++) {
		if ((s = one_int(ctx, SQL_STATS_N, p->municipality, 0, k, &have, err)) != FK_OK ||
		    (s = one_int(ctx, SQL_NEW_N, NULL, p->wm[FK_WM_REGISTER], k, &want[k], err)) != FK_OK)
			break;
		changes[k] += want[k];
		/* Empty before, only the new registers go into it: written from their kept keys.
		 * Otherwise, when publishing would move many places one by one or rebuild the list
		 * under the write lock: the whole list, as it will be, written ahead. */
		if (have != 0 || other != 0) {
			whole[k] = changes[k] >= fk_prepublish_whole_min;
			want[k] = 0;
			if (whole[k])
				s = whole_n(&g, k, &want[k], err);
		}
		any |= want[k] > 0;
	}
	if (s != FK_OK || !any)
		return s;
	for (int k = 1; k <= 2 && s == FK_OK; k++)
		if (want[k])
			s = shadow_list(&g, k, want[k], whole[k], err);
	if (s == FK_OK)
		s = drop_kept(&g, err);
	*max_ns = g.max_ns;
	return s;
}
