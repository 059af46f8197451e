/* Publishing (publish.h; R-BATCH-ATOMIC, R-VERSION). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aad.h"
#include "audit.h"
#include "datakey.h"
#include "db.h"
#include "meta.h"
#include "order.h"
#include "publish.h"
#include "receipt.h"
#include "stage.h"
#include "store.h"
#include "str.h"
#include "trust.h"
#include "util.h"
#include "visible.h"

static const char SQL_MISSING[] =
	"SELECT r.ref FROM register_ref r JOIN register g ON g.id = r.register_id "
	"WHERE r.municipality = ?1 AND r.id <= ?2 AND g.disposed_at IS NULL AND NOT EXISTS "
	"(SELECT 1 FROM staged_change c WHERE c.register_id = r.register_id AND c.package_id = ?3) "
	"ORDER BY r.ref";
static const char SQL_STAGED_DELETE[] = "DELETE FROM staged_change WHERE register_id = ?1";
static const char SQL_NEW_REGS[] =
	"SELECT id FROM register WHERE id > ?1 ORDER BY id";
/* The new registers but those of one kind (whose list's shadow is put in place). */
static const char SQL_NEW_REGS_BUT[] =
	"SELECT id FROM register WHERE id > ?1 AND kind <> ?2 ORDER BY id";
static const char SQL_STATS_ADD[] =
	"INSERT INTO municipality_stats(municipality, kind, n, last_received) VALUES (?1, ?2, ?3, ?4) "
	"ON CONFLICT (municipality, kind) DO UPDATE SET n = municipality_stats.n + excluded.n, "
	"last_received = CASE WHEN municipality_stats.last_received >= excluded.last_received "
	"THEN municipality_stats.last_received ELSE excluded.last_received END";
static const char SQL_NEW_ENTRIES_LEDGER[] =
	"SELECT municipality, count(*), max(received_at) FROM ledger_entry WHERE id > ?1 "
	"GROUP BY municipality";
static const char SQL_NEW_ENTRIES_DOC[] =
	"SELECT municipality, count(*), max(received_at) FROM notification_doc WHERE id > ?1 "
	"GROUP BY municipality";
static const char SQL_DATA_VERSION[] = "PRAGMA data_version";
static const char SQL_MAX_REG[] = "SELECT coalesce(max(id), 0) FROM register";
static const char SQL_MAX_VER[] = "SELECT coalesce(max(id), 0) FROM register_version";
static const char SQL_MAX_LEDGER[] = "SELECT coalesce(max(id), 0) FROM ledger_entry";
static const char SQL_MAX_DOC[] = "SELECT coalesce(max(id), 0) FROM notification_doc";
static const char SQL_MAX_REF[] = "SELECT coalesce(max(id), 0) FROM register_ref";

static const char *const wm_keys[FK_WM_COUNT] = {FK_VISIBLE_KEY_REGISTER, FK_VISIBLE_KEY_VERSION,
						 FK_VISIBLE_KEY_LEDGER, FK_VISIBLE_KEY_DOC,
						 FK_VISIBLE_KEY_REF};
static const char *const wm_max[FK_WM_COUNT] = {SQL_MAX_REG, SQL_MAX_VER, SQL_MAX_LEDGER, SQL_MAX_DOC,
						SQL_MAX_REF};

fk_status fk_publish_watermarks(fk_ctx *ctx, int set, int64_t wm[], fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; i < FK_WM_COUNT + 1 && s == FK_OK; i++) {
		/* the last: the staging package's id (visible.h), set once its row exists */
		const char *key = i < FK_WM_COUNT ? wm_keys[i] : FK_VISIBLE_KEY_PACKAGE;
		if (set && i == FK_WM_COUNT)
			break;
		if (set) {
			char v[24];
			if ((s = fk_ctx_int64(ctx, wm_max[i], &wm[i], err, "highest id")) != FK_OK)
				break;
			snprintf(v, sizeof v, "%lld", (long long)wm[i]);
			s = fk_meta_set(ctx, wm_keys[i], v, err);
			continue;
		}
		s = fk_meta_del(ctx, key, NULL, err);
	}
	return s;
}

fk_status fk_publish_mark(fk_ctx *ctx, int64_t package_id, fk_error *err)
{
	char v[24];
	snprintf(v, sizeof v, "%lld", (long long)package_id);
	return fk_meta_set(ctx, FK_VISIBLE_KEY_PACKAGE, v, err);
}

fk_status fk_publish_missing(fk_ctx *ctx, const fk_pkgrow *p, json_t **missing, fk_error *err)
{
	fk_stmt *st;
	*missing = json_array();
	if (!*missing)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (p->kind != FK_PKG_FULL)
		return FK_OK;
	fk_status s = fk_ctx_stmt(ctx, SQL_MISSING, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, p->municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, p->wm[FK_WM_REF]);
	fk_sql_bind_int64(st, 3, p->id);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW)
		if (json_array_append_new(*missing, json_string((const char *)fk_sql_column_text(st, 0)))) {
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
			break;
		}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "listing missing registers");
	fk_sql_reset(st);
	return s;
}

/* Ids of sql's rows (one integer bound, or two), collected first: the loop body writes. */
static fk_status ids_of2(fk_ctx *ctx, const char *sql, int64_t arg, int64_t arg2, int64_t **ids,
			 size_t *n, fk_error *err)
{
	fk_stmt *st;
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, arg);
	if (fk_sql_bind_parameter_count(st) > 1)
		fk_sql_bind_int64(st, 2, arg2);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			int64_t *v = realloc(*ids, cap * sizeof *v);
			if (!v) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			*ids = v;
		}
		(*ids)[(*n)++] = fk_sql_column_int64(st, 0);
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading staged rows");
	fk_sql_reset(st);
	return s;
}

static fk_status ids_of(fk_ctx *ctx, const char *sql, int64_t arg, int64_t **ids, size_t *n,
			fk_error *err)
{
	return ids_of2(ctx, sql, arg, 0, ids, n, err);
}

/* How the package's registers get into the municipality's sorted lists (1 戸籍, 2 除籍): one
 * by one (fk_order_insert finds each place by decrypting registers along a binary search,
 * fk_order_remove scans the list: milliseconds each), or, when the package changes a good
 * part of a list, the list rebuilt once at the end (one decryption per register of it). */
typedef struct plan {
	int rebuild[3];
	int empty[3]; /* the list is empty before: written from the kept sort keys in one pass */
	int shadow[3]; /* ... or written before publishing (prepublish.h): put in place */
	int64_t added[3]; /* the package's new registers of the kind */
	int64_t have[3]; /* registers listed before */
	int64_t in[3], out[3]; /* the package's registers moving into, out of the list */
} plan;

/* What the plan reads only decides how fast publishing is, never what it does. */
static const char SQL_PLAN_NEW[] = "SELECT kind, count(*) FROM register WHERE id > ?1 GROUP BY kind";
/* Counted in SQL by (published kind, new kind): the kind published is the one staging saw
 * (sql/020), the register's row read only for a change staged without it. */
static const char SQL_PLAN_MOVED[] =
	"SELECT coalesce(c.reg_kind_old, (SELECT r.kind FROM register r WHERE r.id = c.register_id)), "
	"c.kind, count(*) FROM staged_change c WHERE c.package_id = ?1 AND c.change = 2 "
	"AND c.register_id <= ?2 GROUP BY 1, 2";
static const char SQL_PLAN_N[] =
	"SELECT coalesce((SELECT n FROM municipality_stats WHERE municipality = ?1 AND kind = ?2), 0)";
/* After fk_prepublish only the package's other changes are left: a few rows to count. */
static const char SQL_PLAN_OTHER[] =
	"SELECT count(*) FROM staged_change WHERE package_id = ?1 AND change <> 3";
/* One change in this many registers of a list, or more: rebuild it. Measured (100,000
 * registers, 2 cores): a register moved one by one costs about 5 ms (binary searches that
 * decrypt registers), a rebuild about 60 µs a register of the list; a moved register counts
 * twice (out of one list, into one). */
#define REBUILD_SHARE 40

static fk_status count_other(fk_ctx *ctx, const fk_pkgrow *p, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_PLAN_OTHER, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, p->id);
	int rc = fk_sql_step(st);
	*n = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "planning the sorted lists");
}

/* The length of each list's shadow (-1: its two fields differ, as a crash between them leaves
 * them) and, if there is any, the package's changes other than new registers. */
static fk_status shadow_lengths(fk_ctx *ctx, const fk_pkgrow *p, int64_t len[3], int64_t *other,
				fk_error *err)
{
	fk_status s = FK_OK;
	*other = -1;
	for (int k = 1; k <= 2 && s == FK_OK; k++) {
		int64_t have[2] = {0, 0};
		for (int f = 1; f <= 2 && s == FK_OK; f++)
			s = fk_order_shadow_count(ctx, p->municipality, k, (fk_order_field)f, &have[f - 1], err);
		len[k] = have[0] == have[1] ? have[0] : -1;
		if (s == FK_OK && (have[0] || have[1]) && *other < 0)
			s = count_other(ctx, p, other, err);
	}
	return s;
}

/* A list's shadow is put in place when it holds exactly as many registers as the list will
 * (prepublish.h wrote it for this package: the new registers of a list empty before, or the
 * whole list as the package leaves it; nothing else writes registers while a package stages);
 * its registers are then not moved one by one. Any other shadow is cleared, and the list made
 * as before. */
static fk_status plan_shadows(fk_ctx *ctx, const fk_pkgrow *p, plan *pl, const int64_t len[3],
			      fk_error *err)
{
	fk_status s = FK_OK;
	for (int k = 1; k <= 2 && s == FK_OK; k++) {
		if (len[k] == 0)
			continue;
		int64_t final = pl->have[k] + pl->added[k] + pl->in[k] - pl->out[k];
		pl->shadow[k] = len[k] == final;
		if (pl->shadow[k])
			pl->rebuild[k] = 1; /* nothing moved one by one: the flip lists them */
		else
			s = fk_order_shadow_clear(ctx, p->municipality, k, err);
	}
	return s;
}

/* The registers each list holds before the package. */
static fk_status read_have(fk_ctx *ctx, const fk_pkgrow *p, plan *pl, fk_error *err)
{
	fk_stmt *st;
	fk_status s = FK_OK;
	for (int k = 1; k <= 2 && s == FK_OK; k++) {
		if ((s = fk_ctx_stmt(ctx, SQL_PLAN_N, &st, err)) != FK_OK)
			break;
		fk_sql_bind_text(st, 1, p->municipality, -1, SQLITE_STATIC);
		fk_sql_bind_int(st, 2, k);
		int rc = fk_sql_step(st);
		pl->have[k] = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
		fk_sql_reset(st);
		if (rc != SQLITE_ROW)
			return fk_db_fail(ctx->db, rc, err, "planning the sorted lists");
	}
	return s;
}

/* From the counts of the package's changes by list: what each list needs. */
static fk_status plan_counts(fk_ctx *ctx, const fk_pkgrow *p, plan *pl, const int64_t changes[3],
			     const int64_t n[3], const int64_t len[3], fk_error *err)
{
	for (int k = 1; k <= 2; k++) {
		int64_t have = pl->have[k];
		pl->rebuild[k] = changes[k] && changes[k] * REBUILD_SHARE >= have + n[k];
		pl->empty[k] = pl->rebuild[k] && have == 0;
		pl->added[k] = n[k];
	}
	return plan_shadows(ctx, p, pl, len, err);
}

static fk_status make_plan(fk_ctx *ctx, const fk_pkgrow *p, plan *pl, fk_error *err)
{
	fk_stmt *st;
	int64_t changes[3] = {0}, n[3] = {0};
	int rc;
	int64_t len[3] = {0, 0, 0}, other;
	memset(pl, 0, sizeof *pl);
	fk_status s = shadow_lengths(ctx, p, len, &other, err);
	if (s == FK_OK)
		s = read_have(ctx, p, pl, err);
	/* Written ahead for every new register of the package, which changes nothing else, into
	 * lists empty before: the counts are the shadows' lengths (reading each new register's row
	 * would hold the lock about as long as writing the lists did: 1,000,000 rows). */
	if (s == FK_OK && other == 0 && len[1] >= 0 && len[2] >= 0 &&
	    len[1] + len[2] == p->n[FK_REC_REGISTER] && (!len[1] || !pl->have[1]) &&
	    (!len[2] || !pl->have[2])) {
		for (int k = 1; k <= 2; k++)
			changes[k] = n[k] = len[k];
		return plan_counts(ctx, p, pl, changes, n, len, err);
	}
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_PLAN_NEW, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, p->wm[FK_WM_REGISTER]);
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		int k = fk_sql_column_int(st, 0);
		if (k == 1 || k == 2) {
			changes[k] += fk_sql_column_int64(st, 1);
			n[k] += fk_sql_column_int64(st, 1);
		}
	}
	fk_sql_reset(st);
	if (rc != SQLITE_DONE || (s = fk_ctx_stmt(ctx, SQL_PLAN_MOVED, &st, err)) != FK_OK)
		return s != FK_OK ? s : fk_db_fail(ctx->db, rc, err, "planning the sorted lists");
	fk_sql_bind_int64(st, 1, p->id);
	fk_sql_bind_int64(st, 2, p->wm[FK_WM_REGISTER]);
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		int from = fk_sql_column_int(st, 0) == 2 ? 2 : 1, to = fk_sql_column_int(st, 1) == 2 ? 2 : 1;
		int64_t k = fk_sql_column_int64(st, 2);
		changes[from] += k;
		changes[to] += k;
		if (from != to) {
			pl->out[from] += k;
			pl->in[to] += k;
		}
	}
	fk_sql_reset(st);
	if (rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "planning the sorted lists");
	return plan_counts(ctx, p, pl, changes, n, len, err);
}

/* Re-list a register that moved in its sorted lists: out of them by its published version's
 * keys, into them by its new version's (in the lists that are not rebuilt whole). */
static fk_status relist(fk_ctx *ctx, const fk_stage_reg *r, const plan *pl, fk_error *err)
{
	int from = r->kind == 2 ? 2 : 1, to = r->staged_kind == 2 ? 2 : 1;
	if (pl->rebuild[from] && pl->rebuild[to])
		return FK_OK;
	uint8_t key[FK_KEY_LEN];
	json_t *old = NULL, *doc = NULL;
	fk_reg_info info = {.id = r->id, .key_id = r->key_id, .kind = (fk_reg_kind)r->staged_kind,
			    .version = r->staged_version};
	fk_copy_str(info.municipality, sizeof info.municipality, r->municipality);
	fk_status s = fk_datakey_get(ctx, r->key_id, key, err);
	if (s == FK_OK)
		s = fk_regver_read_staged(ctx, &info, r->staged_version, key, &doc, err);
	if (s == FK_OK && !pl->rebuild[from])
		s = fk_regver_read_staged(ctx, &info, r->version, key, &old, err);
	fk_wipe(key, sizeof key);
	if (s == FK_OK && !pl->rebuild[from])
		s = fk_order_remove_keyed(ctx, r->municipality, r->kind, r->id, old, err);
	/* its keys changed: a probe must not find the old ones */
	fk_order_memo_forget(ctx, r->id);
	if (s == FK_OK && !pl->rebuild[to])
		s = fk_order_insert(ctx, r->municipality, r->staged_kind, r->id, doc, err);
	json_decref(old);
	json_decref(doc);
	return s;
}

static fk_status staged_delete(fk_ctx *ctx, int64_t id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_STAGED, FK_VAL_INT(id), 1, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_STAGED_DELETE, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		s = fk_ctx_exec(ctx, st, err, "removing a staged change");
	}
	return s;
}

/* ---- after publishing: the staged rows and the search tags the package removed ---- */

/* Rows cleared per transaction, and the work one may do (the consoles wait for the lock). */
#define SETTLE_ROWS 500
#define SETTLE_NS (30 * 1000000LL)

static const char SQL_SETTLE_ROWS[] =
	"SELECT register_id, tags_old FROM staged_change WHERE package_id = ?1 LIMIT ?2";
static const char SQL_SETTLE_PENDING[] =
	"SELECT DISTINCT c.package_id FROM staged_change c JOIN package p ON p.id = c.package_id "
	"WHERE p.state = 'published' LIMIT 1";

/* Up to limit staged rows of package pkg (published) removed, each register's tags the package
 * removed deleted first, inside the caller's transaction; *n how many. */
static fk_status settle_rows(fk_ctx *ctx, int64_t pkg, int limit, int64_t deadline, int64_t *n,
			     fk_error *err)
{
	fk_stmt *st;
	int64_t *ids = NULL;
	uint8_t *tags = NULL;
	int *ntags = NULL;
	int rc = SQLITE_DONE, got = 0;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_SETTLE_ROWS, &st, err);
	if (s != FK_OK)
		return s;
	ids = malloc((size_t)limit * sizeof *ids);
	ntags = malloc((size_t)limit * sizeof *ntags);
	tags = malloc((size_t)limit * FK_TAGS_MAX * FK_BLIND_LEN);
	if (!ids || !ntags || !tags)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_sql_bind_int64(st, 1, pkg);
	fk_sql_bind_int(st, 2, limit);
	while (s == FK_OK && got < limit && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		int bytes = fk_sql_column_bytes(st, 1);
		ids[got] = fk_sql_column_int64(st, 0);
		ntags[got] = bytes > 0 && bytes % FK_BLIND_LEN == 0 && bytes / FK_BLIND_LEN <= FK_TAGS_MAX
				     ? bytes / FK_BLIND_LEN : 0;
		if (ntags[got])
			memcpy(tags + (size_t)got * FK_TAGS_MAX * FK_BLIND_LEN, fk_sql_column_blob(st, 1),
			       (size_t)bytes);
		got++;
	}
	if (s == FK_OK && got < limit && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading staged changes");
	fk_sql_reset(st);
	for (int i = 0; i < got && s == FK_OK; i++) {
		/* the row checked (its tags with it) as it leaves */
		s = staged_delete(ctx, ids[i], err);
		if (s == FK_OK)
			s = fk_store_tags_settle(ctx, ids[i], pkg,
						 (const uint8_t(*)[FK_BLIND_LEN])(tags + (size_t)i * FK_TAGS_MAX *
										   FK_BLIND_LEN),
						 ntags[i], err);
		if (s == FK_OK)
			++*n;
		if (deadline && fk_mono_ns() > deadline)
			break;
	}
	free(ids);
	free(ntags);
	free(tags);
	return s;
}

fk_status fk_publish_settle(fk_ctx *ctx, int64_t pkg, int op, const char *oid, fk_error *err)
{
	int64_t n, total = 0;
	fk_status s;
	do {
		char detail[96];
		if (fk_publish_settle_hook && fk_publish_settle_hook(ctx, total))
			return fk_fail(err, FK_ERR_INTERNAL, "stopped before settling (test)");
		if ((s = fk_ctx_begin(ctx, err)) != FK_OK)
			return s;
		s = settle_rows(ctx, pkg, SETTLE_ROWS, fk_mono_ns() + SETTLE_NS, &n, err);
		total += n;
		snprintf(detail, sizeof detail, "package=%lld rows=%lld", (long long)pkg, (long long)n);
		if (s == FK_OK && n)
			s = fk_audit_op(ctx, (fk_op)op, oid, FK_RESULT_SUCCESS, "settled", detail, err);
		if ((s = fk_ctx_end(ctx, s, err)) == FK_OK)
			fk_stage_yield(); /* a waiting console takes the lock between steps */
	} while (s == FK_OK && n > 0);
	return s;
}

int (*fk_publish_settle_hook)(fk_ctx *ctx, int64_t settled);
int (*fk_publish_sweep_hook)(fk_ctx *ctx, int64_t steps);

/* List rows removed per step: 2 kB each, so a step writes about as much as a staging part. */
#define SWEEP_ROWS 256

fk_status fk_publish_sweep(fk_ctx *ctx, int op, const char *oid, fk_error *err)
{
	int pending = 0, found = 0;
	fk_status s = fk_order_sweep_pending(ctx, &pending, err);
	for (int64_t steps = 0; s == FK_OK && pending; steps++) {
		char muni[16], detail[96];
		int64_t n = 0;
		if (fk_publish_sweep_hook && fk_publish_sweep_hook(ctx, steps))
			return fk_fail(err, FK_ERR_INTERNAL, "stopped before sweeping (test)");
		if ((s = fk_ctx_begin(ctx, err)) != FK_OK)
			return s;
		s = fk_order_sweep(ctx, SWEEP_ROWS, muni, sizeof muni, &n, &found, err);
		snprintf(detail, sizeof detail, "stale lists of %s: rows=%lld", muni, (long long)n);
		if (s == FK_OK && found)
			s = fk_audit_op(ctx, (fk_op)op, oid, FK_RESULT_SUCCESS, "settled", detail, err);
		if ((s = fk_ctx_end(ctx, s, err)) == FK_OK)
			fk_stage_yield(); /* a waiting console takes the lock between steps */
		if (s == FK_OK)
			s = fk_order_sweep_pending(ctx, &pending, err);
	}
	return s;
}

fk_status fk_publish_settle_pending(fk_ctx *ctx, int op, const char *oid, fk_error *err)
{
	fk_status s;
	for (;;) {
		int64_t pkg = 0;
		fk_stmt *st;
		if ((s = fk_ctx_stmt(ctx, SQL_SETTLE_PENDING, &st, err)) != FK_OK)
			return s;
		int rc = fk_sql_step(st);
		if (rc == SQLITE_ROW)
			pkg = fk_sql_column_int64(st, 0);
		fk_sql_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fk_db_fail(ctx->db, rc, err, "reading staged changes");
		if (rc == SQLITE_DONE)
			return fk_publish_sweep(ctx, op, oid, err);
		if ((s = fk_publish_settle(ctx, pkg, op, oid, err)) != FK_OK)
			return s;
	}
}

/* The registers that move in a list kept register by register (not rebuilt, nor put in place
 * whole): their rows changed and moved one by one, as before (each binary search decrypts
 * listed registers by their current version, so a register's row must change together with
 * its place). At most some fifteen a list: more, and the list is written ahead whole
 * (prepublish.h). ?2 the watermark, ?3 and ?4 whether the 戸籍 and 除籍 lists are rebuilt. */
#define ONE_BY_ONE                                                                                 \
	"(c.change = 2 AND c.register_id <= ?2 AND NOT ((CASE c.reg_kind_old WHEN 2 THEN " \
	"CAST(?4 AS BIGINT) ELSE CAST(?3 AS BIGINT) END) <> 0 AND (CASE c.kind WHEN 2 THEN " \
	"CAST(?4 AS BIGINT) ELSE CAST(?3 AS BIGINT) END) <> 0))"
static const char SQL_MOVED[] =
	"SELECT c.register_id FROM staged_change c WHERE c.package_id = ?1 AND " ONE_BY_ONE " "
	"ORDER BY c.register_id";
/* The other amended registers' digest contributions, before and after (staging made them). */
#define CHANGED_REST "c.package_id = ?1 AND c.change IN (1, 2) AND NOT " ONE_BY_ONE
static const char SQL_CHANGED_SUMS[] =
	"SELECT c.reg_c_old, c.reg_c_new FROM staged_change c WHERE " CHANGED_REST;
/* Their rows to their new versions in one statement, each sealed as staging prepared it, and
 * only a row still as staging checked it (else fewer rows change, and publishing refuses). */
static const char SQL_CHANGED_ROWS[] =
	"UPDATE register SET version = c.version, received_at = c.received_at, kind = c.kind, "
	"mac = c.reg_mac FROM staged_change c WHERE " CHANGED_REST " "
	"AND register.id = c.register_id AND register.mac = c.reg_mac_old "
	"AND register.version = c.reg_version_old AND register.kind = c.reg_kind_old "
	"AND register.received_at = c.reg_received_old AND register.disposed_at IS NULL";

static void bind_rest(fk_stmt *st, const fk_pkgrow *p, const plan *pl)
{
	fk_sql_bind_int64(st, 1, p->id);
	fk_sql_bind_int64(st, 2, p->wm[FK_WM_REGISTER]);
	fk_sql_bind_int(st, 3, pl->rebuild[1]);
	fk_sql_bind_int(st, 4, pl->rebuild[2]);
}

static fk_status move_one_by_one(fk_ctx *ctx, const fk_pkgrow *p, const plan *pl, fk_error *err)
{
	fk_stmt *st;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_DONE;
	if (pl->rebuild[1] && pl->rebuild[2])
		return FK_OK; /* both lists rebuilt or put in place whole: nothing moves alone */
	fk_status s = fk_ctx_stmt(ctx, SQL_MOVED, &st, err);
	if (s != FK_OK)
		return s;
	bind_rest(st, p, pl);
	/* collected first: the loop below writes */
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *v = realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof *v);
			if (!v) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			ids = v;
		}
		ids[n++] = fk_sql_column_int64(st, 0);
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading staged changes");
	for (size_t i = 0; i < n && s == FK_OK; i++) {
		fk_stage_reg r;
		if ((s = fk_stage_reg_read(ctx, ids[i], &r, err)) == FK_OK)
			s = fk_store_set_current(ctx, r.id, r.staged_version, p->received_at,
						 (fk_reg_kind)r.staged_kind, err);
		if (s == FK_OK)
			s = relist(ctx, &r, pl, err);
		fk_stage_reg_clear(&r);
	}
	free(ids);
	return s;
}

/* The figures of the amended registers publishing moves in one statement, counted as the
 * trigger it keeps aside would count them one by one (sql/020): by (kind published, new
 * kind), each register out of the one and into the other, the latest time kept. Only the
 * registers visible before (a new one is counted by list_new). */
static const char SQL_CHANGED_KINDS[] =
	"SELECT c.reg_kind_old, c.kind, count(*), max(c.received_at) FROM staged_change c WHERE "
	CHANGED_REST " AND c.register_id <= ?2 GROUP BY 1, 2";
static const char SQL_STATS_OUT[] =
	"UPDATE municipality_stats SET n = n - ?3 WHERE municipality = ?1 AND kind = ?2";
#define PUBLISHING_KEY "intake.publishing"

static fk_status count_changed(fk_ctx *ctx, const fk_pkgrow *p, const plan *pl, fk_error *err)
{
	fk_stmt *st, *up;
	int64_t v[4][4];
	int n = 0, rc = SQLITE_DONE;
	fk_status s = fk_ctx_stmt(ctx, SQL_CHANGED_KINDS, &st, err);
	if (s != FK_OK)
		return s;
	bind_rest(st, p, pl);
	while (n < 4 && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 4; i++)
			v[n][i] = fk_sql_column_int64(st, i);
		n++;
	}
	fk_sql_reset(st);
	if (rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "counting amended registers");
	for (int i = 0; i < n && s == FK_OK; i++) {
		if ((s = fk_ctx_stmt(ctx, SQL_STATS_OUT, &up, err)) != FK_OK)
			break;
		fk_sql_bind_text(up, 1, p->municipality, -1, SQLITE_STATIC);
		fk_sql_bind_int64(up, 2, v[i][0]);
		fk_sql_bind_int64(up, 3, v[i][2]);
		if ((s = fk_ctx_exec(ctx, up, err, "counting registers")) != FK_OK ||
		    (s = fk_ctx_stmt(ctx, SQL_STATS_ADD, &up, err)) != FK_OK)
			break;
		fk_sql_bind_text(up, 1, p->municipality, -1, SQLITE_STATIC);
		fk_sql_bind_int64(up, 2, v[i][1]);
		fk_sql_bind_int64(up, 3, v[i][2]);
		fk_sql_bind_int64(up, 4, v[i][3]);
		s = fk_ctx_exec(ctx, up, err, "counting registers");
	}
	return s;
}

/* The rows moved with the counting trigger aside (its meta row exists only meanwhile). */
static fk_status move_rows(fk_ctx *ctx, const fk_pkgrow *p, const plan *pl, int64_t *changed,
			   fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_meta_set(ctx, PUBLISHING_KEY, "1", err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_CHANGED_ROWS, &st, err)) == FK_OK) {
		bind_rest(st, p, pl);
		s = fk_ctx_exec(ctx, st, err, "publishing new versions");
		*changed = fk_sql_changes(ctx->db);
	}
	if (s == FK_OK)
		s = fk_meta_del(ctx, PUBLISHING_KEY, NULL, err);
	return s == FK_OK ? count_changed(ctx, p, pl, err) : s;
}

/* The changed registers' rows to their new versions (the figures counted alongside). Their search tags were written while staging
 * (fk_store_tags_stage) and show once the package's mark goes with the watermarks; their
 * staged rows are removed after publishing (fk_publish_settle). What is left per register is
 * its row changed, all in one statement, and the digest moved: no row read, no MAC made. */
static fk_status apply_changes(fk_ctx *ctx, const fk_pkgrow *p, const plan *pl, fk_error *err)
{
	fk_stmt *st;
	int64_t n = 0;
	int rc = SQLITE_DONE;
	fk_status s = move_one_by_one(ctx, p, pl, err);
	if (s != FK_OK || (s = fk_ctx_stmt(ctx, SQL_CHANGED_SUMS, &st, err)) != FK_OK)
		return s;
	bind_rest(st, p, pl);
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (fk_sql_column_bytes(st, 0) != FK_MAC_LEN || fk_sql_column_bytes(st, 1) != FK_MAC_LEN)
			s = fk_fail(err, FK_ERR_TAMPER, "a staged change of package %lld lacks what publishing "
				    "writes (staged by an older fukuhon, or altered): abandon it and import it again",
				    (long long)p->id);
		else
			s = fk_trust_moved(ctx, FK_T_REGISTER, fk_sql_column_blob(st, 0),
					   fk_sql_column_blob(st, 1), err);
		n++;
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading staged changes");
	fk_sql_reset(st);
	int64_t changed = 0;
	if (s != FK_OK || n == 0 || (s = move_rows(ctx, p, pl, &changed, err)) != FK_OK)
		return s;
	if (changed != n)
		return fk_fail(err, FK_ERR_TAMPER, "%lld of the %lld registers package %lld amends are no "
			       "longer as staging checked them: not published", (long long)(n - changed),
			       (long long)n, (long long)p->id);
	return FK_OK;
}

/* A new register's sort keys as staging kept them (or from its content when it was amended
 * in the package, or has none kept); its staged row goes. */
static const char SQL_SORT_KEYS[] = "SELECT sort_keys FROM staged_change WHERE register_id = ?1";

static fk_status kept_keys(fk_ctx *ctx, const fk_reg_info *info, const uint8_t mkey[FK_KEY_LEN],
			   char *keys[FK_ORDER_FIELDS], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_SORT_KEYS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, info->id);
	int rc = fk_sql_step(st);
	size_t n = rc == SQLITE_ROW ? (size_t)fk_sql_column_bytes(st, 0) : 0;
	const void *blob = rc == SQLITE_ROW ? fk_sql_column_blob(st, 0) : NULL;
	uint8_t *plain = blob && n > FK_SEAL_OVERHEAD ? malloc(n - FK_SEAL_OVERHEAD + 1) : NULL;
	size_t pn = 0;
	if (plain) {
		fk_aad a;
		fk_aad_payload(&a, "staged_change", info->id, info->municipality);
		s = fk_open(mkey, a.b, a.n, blob, n, plain, &pn, err);
		if (s == FK_OK) {
			plain[pn] = '\0';
			size_t n0 = strlen((char *)plain);
			keys[0] = strdup((char *)plain);
			keys[1] = n0 < pn ? strdup((char *)plain + n0 + 1) : strdup("");
			if (!keys[0] || !keys[1])
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
		}
		fk_wipe(plain, pn);
		free(plain);
	}
	fk_sql_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fk_db_fail(ctx->db, rc, err, "reading sort keys");
	if (s != FK_OK || plain)
		return s;
	/* none kept: from the register itself */
	json_t *doc = NULL;
	s = fk_store_read(ctx, info->id, 0, &doc, NULL, err);
	for (int f = 0; f < FK_ORDER_FIELDS && s == FK_OK; f++)
		s = fk_order_key(doc, (fk_order_field)(f + 1), &keys[f], err);
	json_decref(doc);
	return s;
}

static void entries_free(fk_order_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int f = 0; f < FK_ORDER_FIELDS; f++) {
			if (v[i].key[f])
				fk_wipe(v[i].key[f], strlen(v[i].key[f]));
			free(v[i].key[f]);
		}
	free(v);
}

/* The package's new registers counted and listed: one by one into a list kept so, all at
 * once into a list empty before (from the kept keys), or by the rebuild after. */
static fk_status list_new(fk_ctx *ctx, const fk_pkgrow *p, const plan *pl, fk_error *err)
{
	int64_t *ids;
	size_t n, nb[3] = {0};
	fk_stmt *st;
	fk_order_entry *bulk[3] = {NULL};
	uint8_t mkey[FK_KEY_LEN];
	int64_t kid;
	fk_status s = fk_datakey_municipality(ctx, p->municipality, &kid, mkey, err);
	ids = NULL, n = 0;
	/* A list whose shadow goes in place: its registers counted at once, none read. */
	for (int k = 1; k <= 2 && s == FK_OK; k++)
		if (pl->shadow[k] && (s = fk_ctx_stmt(ctx, SQL_STATS_ADD, &st, err)) == FK_OK) {
			fk_sql_bind_text(st, 1, p->municipality, -1, SQLITE_STATIC);
			fk_sql_bind_int(st, 2, k);
			fk_sql_bind_int64(st, 3, pl->added[k]);
			fk_sql_bind_int64(st, 4, p->received_at);
			if ((s = fk_ctx_exec(ctx, st, err, "counting registers")) == FK_OK)
				s = fk_order_shadow_flip(ctx, p->municipality, k, err);
		}
	/* Every new register of the package in a list whose shadow went in place (the plan counted
	 * them by kind): none to find. The query reads the row of every register the package made
	 * (127 ms of publishing's lock at 1,000,000, a package of 戸籍 alone). */
	int one_by_one = 0;
	for (int k = 1; k <= 2; k++)
		one_by_one |= !pl->shadow[k] && pl->added[k] > 0;
	if (s == FK_OK && !pl->shadow[1] && !pl->shadow[2])
		s = ids_of(ctx, SQL_NEW_REGS, p->wm[FK_WM_REGISTER], &ids, &n, err);
	else if (s == FK_OK && one_by_one && !(pl->shadow[1] && pl->shadow[2]))
		s = ids_of2(ctx, SQL_NEW_REGS_BUT, p->wm[FK_WM_REGISTER], pl->shadow[1] ? 1 : 2, &ids, &n,
			    err);
	for (int k = 1; k <= 2 && s == FK_OK; k++)
		if (pl->empty[k] && !pl->shadow[k] && n && !(bulk[k] = calloc(n, sizeof *bulk[k])))
			s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n && s == FK_OK; i++) {
		json_t *doc = NULL;
		fk_reg_info info;
		if ((s = fk_store_info(ctx, ids[i], &info, err)) != FK_OK)
			break;
		int k = info.kind == 2 ? 2 : 1;
		if (pl->shadow[k])
			continue; /* counted and listed with its list's shadow */
		if ((s = fk_ctx_stmt(ctx, SQL_STATS_ADD, &st, err)) == FK_OK) {
			fk_sql_bind_text(st, 1, info.municipality, -1, SQLITE_STATIC);
			fk_sql_bind_int(st, 2, info.kind);
			fk_sql_bind_int(st, 3, 1);
			fk_sql_bind_int64(st, 4, info.received_at);
			s = fk_ctx_exec(ctx, st, err, "counting registers");
		}
		if (s == FK_OK && pl->empty[k] && bulk[k]) {
			fk_order_entry *e = &bulk[k][nb[k]++];
			e->id = info.id;
			s = kept_keys(ctx, &info, mkey, e->key, err);
		} else if (s == FK_OK && !pl->rebuild[k]) {
			if ((s = fk_store_read(ctx, ids[i], 0, &doc, NULL, err)) == FK_OK)
				s = fk_order_insert(ctx, info.municipality, info.kind, info.id, doc, err);
		}
		json_decref(doc);
		/* its staged row (a new register's) has served: removed after publishing */
	}
	/* written in one pass when nothing else went into the list, else rebuilt (order.h) */
	for (int k = 1; k <= 2 && s == FK_OK; k++) {
		int64_t count;
		if (pl->shadow[k])
			continue;
		if (pl->empty[k] && nb[k])
			s = fk_order_bulk(ctx, p->municipality, k, bulk[k], nb[k], err);
		else if (pl->empty[k]) /* only registers moved into it (removals into 除籍) */
			s = fk_order_rebuild(ctx, p->municipality, k, &count, err);
	}
	for (int k = 1; k <= 2; k++)
		entries_free(bulk[k], nb[k]);
	fk_wipe(mkey, sizeof mkey);
	free(ids);
	return s;
}

static fk_status count_entries(fk_ctx *ctx, const char *sql, int64_t wm, int kind, fk_error *err)
{
	fk_stmt *st, *up;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, wm);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_ctx_stmt(ctx, SQL_STATS_ADD, &up, err)) != FK_OK)
			break;
		fk_sql_bind_text(up, 1, (const char *)fk_sql_column_text(st, 0), -1, SQLITE_TRANSIENT);
		fk_sql_bind_int(up, 2, kind);
		fk_sql_bind_int64(up, 3, fk_sql_column_int64(st, 1));
		fk_sql_bind_int64(up, 4, fk_sql_column_int64(st, 2));
		s = fk_ctx_exec(ctx, up, err, "counting entries");
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "counting entries");
	fk_sql_reset(st);
	return s;
}

/* A full re-send lacks registers the store has: never deleted (disposal needs a second
 * person), named in the receipt and, for supervisors, in the history. */
static fk_status record_missing(fk_ctx *ctx, const fk_pkgrow *p, json_t *missing, const char *oid,
				fk_error *err)
{
	char detail[2048];
	size_t i, n = json_array_size(missing);
	int len = snprintf(detail, sizeof detail, "municipality=%s missing=%zu refs=", p->municipality, n);
	for (i = 0; i < n && len > 0 && (size_t)len + FK_PKG_REF_MAX + 8 < sizeof detail; i++)
		len += snprintf(detail + len, sizeof detail - (size_t)len, "%s%s", i ? "," : "",
				json_string_value(json_array_get(missing, i)));
	if (i < n && len > 0)
		snprintf(detail + len, sizeof detail - (size_t)len, ",… (the receipt lists all)");
	return fk_audit_op(ctx, (fk_op)p->op, oid, FK_RESULT_SUCCESS, "missing", detail, err);
}

fk_status fk_publish(fk_ctx *ctx, fk_pkgrow *p, json_t *missing, const char *oid, char **receipt,
		     size_t *len, fk_error *err)
{
	fk_pkgrow before = *p;
	char detail[256], hex[65];
	*receipt = NULL;
	plan pl;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = make_plan(ctx, p, &pl, err);
	int64_t version = -1;
	/* The receiving service keeps the memo from one package to the next: the binary
	 * searches of one package after another decrypt the same listed registers. After
	 * another connection's commit each entry is checked against its register's version
	 * before it is used again (order.c). */
	if (s == FK_OK && ctx->order_memo_keep && fk_sql_is_pg(ctx->db))
		version = fk_db_pg_data_version(); /* another terminal may have written: not kept */
	else if (s == FK_OK && ctx->order_memo_keep)
		s = fk_ctx_int64(ctx, SQL_DATA_VERSION, &version, err, "reading the data version");
	if (s == FK_OK)
		s = fk_order_memo_keep(ctx, version, err);
	if (s == FK_OK)
		s = apply_changes(ctx, p, &pl, err);
	if (s == FK_OK)
		s = fk_publish_watermarks(ctx, 0, NULL, err);
	if (s == FK_OK)
		s = list_new(ctx, p, &pl, err);
	for (int k = 1; k <= 2 && s == FK_OK; k++) {
		int64_t count;
		if (pl.rebuild[k] && !pl.empty[k] && !pl.shadow[k])
			s = fk_order_rebuild(ctx, p->municipality, k, &count, err);
	}
	if (s != FK_OK || !ctx->order_memo_keep)
		fk_order_memo(ctx, 0, NULL);
	if (s == FK_OK)
		s = count_entries(ctx, SQL_NEW_ENTRIES_LEDGER, p->wm[FK_WM_LEDGER], 3, err);
	if (s == FK_OK)
		s = count_entries(ctx, SQL_NEW_ENTRIES_DOC, p->wm[FK_WM_DOC], 4, err);
	if (s == FK_OK) {
		fk_copy_str(p->state, sizeof p->state, "published");
		p->published_at = fk_ctx_now(ctx);
		s = fk_receipt_applied(ctx, p, missing, receipt, len, err);
	}
	if (s == FK_OK)
		s = fk_pkgrow_save(ctx, p, *receipt, *len, err);
	/* A package of one transaction (import.c: a few records) settles in it too. */
	for (int64_t n = 1; s == FK_OK && p->quiet && n > 0;)
		s = settle_rows(ctx, p->id, SETTLE_ROWS, 0, &n, err);
	fk_hex(p->digest, 32, hex);
	snprintf(detail, sizeof detail,
		 "digest=%s sequence=%lld register=%lld version=%lld removal=%lld ledger=%lld "
		 "document=%lld unchanged=%lld rejected=%lld missing=%zu",
		 hex, (long long)p->sequence, (long long)p->n[1], (long long)p->n[2], (long long)p->n[3],
		 (long long)p->n[4], (long long)p->n[5], (long long)p->unchanged, (long long)p->rejected,
		 missing ? json_array_size(missing) : (size_t)0);
	if (s == FK_OK)
		s = fk_audit_op(ctx, (fk_op)p->op, oid, FK_RESULT_SUCCESS, "published", detail, err);
	if (s == FK_OK && missing && json_array_size(missing))
		s = record_missing(ctx, p, missing, oid, err);
	s = fk_ctx_end(ctx, s, err);
	if (s != FK_OK) {
		fk_order_memo(ctx, 0, NULL); /* not committed: it may name registers that are not */
		*p = before;
		free(*receipt);
		*receipt = NULL;
	}
	return s;
}
