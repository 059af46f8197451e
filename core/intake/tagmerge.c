/* A large package's new registers' search tags merged into the index (tagmerge.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "prepublish.h"
#include "stage.h"
#include "store.h"
#include "tagmerge.h"
#include "tagsort.h"
#include "trust.h"
#include "util.h"

int fk_tagmerge_stop_after;
int fk_tagmerge_step_tags;
int64_t fk_tagmerge_step_ns = INT64_C(40) * 1000000;

/* Each step's work before its commit (as prepublish.c's: a console waits at most 200 ms). */
/* The pairs sorted in memory at most (6 MB: 262,144 pairs, the tags of some 19,000
 * registers); beyond, runs in a file (some 50 at 1,000,000 registers). */
#define SORT_MEM ((size_t)6 << 20)

static const char SQL_NEW_TAGS[] =
	"SELECT " FK_COLS_STAGED ", mac FROM staged_change WHERE package_id = ?1 AND change = 3";
enum { C_REG = 0, C_NEW = 7 }; /* in FK_COLS_STAGED */
/* The same statement as the store's (store.c): a pair already there is no error, as after a
 * step that committed before a crash the position did not name. */
static const char SQL_TAG_PUT[] =
	"INSERT INTO register_index(tag, register_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";

/* Every new register's tags, checked row by row, into the sort. */
static fk_status collect(fk_ctx *ctx, const fk_pkgrow *p, fk_tagsort *o, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_NEW_TAGS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, p->id);
	int rc;
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_trust_check(ctx, FK_T_STAGED, st, 0, err)) != FK_OK)
			break;
		int64_t id = fk_sql_column_int64(st, C_REG);
		int bytes = fk_sql_column_bytes(st, C_NEW);
		const uint8_t *t = fk_sql_column_blob(st, C_NEW);
		if (bytes < 0 || bytes % FK_BLIND_LEN || bytes / FK_BLIND_LEN > FK_TAGS_MAX) {
			s = fk_fail(err, FK_ERR_CORRUPT, "register %lld: its kept search tags are malformed",
				    (long long)id);
			break;
		}
		for (int i = 0; i < bytes / FK_BLIND_LEN && s == FK_OK; i++)
			s = fk_tagsort_add(o, t + (size_t)i * FK_BLIND_LEN, id, err);
	}
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the new registers' search tags");
	fk_sql_reset(st);
	return s;
}

/* One step: pairs from *pos on, for fk_tagmerge_step_ns at most (one batch at least), the
 * position kept in the package's row, committed with its record. */
static fk_status step(fk_ctx *ctx, fk_pkgrow *p, fk_tagsort *o, size_t *pos, size_t n,
		      const char *oid, int64_t *max_ns, fk_error *err)
{
	char detail[96];
	fk_stmt *st;
	int64_t t0 = fk_mono_ns(), before = p->lines_staged;
	size_t from = *pos;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = fk_ctx_stmt(ctx, SQL_TAG_PUT, &st, err);
	size_t last = fk_tagmerge_step_tags > 0 && n - from > (size_t)fk_tagmerge_step_tags
			      ? from + (size_t)fk_tagmerge_step_tags : n;
	/* At least one batch whatever the clock says: a step whose start (the write lock, the
	 * trust base's checks) used its whole budget would otherwise commit no progress, and the
	 * merge would go on recording empty steps for as long as the machine stays that busy. */
	while (s == FK_OK && *pos < last &&
	       (*pos == from || (*pos - from) % 256 || fk_mono_ns() - t0 < fk_tagmerge_step_ns)) {
		uint8_t tag[FK_BLIND_LEN];
		int64_t id;
		int got;
		if ((s = fk_tagsort_next(o, tag, &id, &got, err)) != FK_OK)
			break;
		if (!got) {
			s = fk_fail(err, FK_ERR_INTERNAL, "the sort gave %zu of %zu tags", *pos, n);
			break;
		}
		fk_sql_bind_blob(st, 1, tag, FK_BLIND_LEN, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, id);
		s = fk_ctx_exec(ctx, st, err, "indexing a new register");
		++*pos;
	}
	p->lines_staged = *pos == n ? -1 : (int64_t)*pos;
	if (s == FK_OK)
		s = fk_pkgrow_save(ctx, p, NULL, 0, err);
	snprintf(detail, sizeof detail, "tags=%zu-%zu of %zu", from, *pos, n);
	if (s == FK_OK)
		s = fk_audit_op(ctx, (fk_op)p->op, oid, FK_RESULT_SUCCESS, "indexing", detail, err);
	s = fk_ctx_end(ctx, s, err);
	if (s != FK_OK)
		p->lines_staged = before;
	if (fk_mono_ns() - t0 > *max_ns)
		*max_ns = fk_mono_ns() - t0;
	return s;
}

fk_status fk_tagmerge(fk_ctx *ctx, fk_pkgrow *p, const char *oid, int64_t *max_ns, fk_error *err)
{
	char dir[4096];
	fk_tagsort *o = NULL;
	*max_ns = 0;
	if (p->lines_staged < 0)
		return FK_OK; /* merged before a crash */
	fk_prepublish_sort_dir(ctx, dir, sizeof dir);
	fk_status s = fk_tagsort_new(dir, SORT_MEM, &o, err);
	if (s == FK_OK)
		s = collect(ctx, p, o, err);
	size_t n = s == FK_OK ? fk_tagsort_count(o) : 0, pos = 0;
	/* Resumed: the same rows sort the same way; the pairs committed before are passed. */
	for (; s == FK_OK && (int64_t)pos < p->lines_staged && pos < n; pos++) {
		uint8_t tag[FK_BLIND_LEN];
		int64_t id;
		int got;
		s = fk_tagsort_next(o, tag, &id, &got, err);
	}
	for (int steps = 0; s == FK_OK && pos < n;) {
		s = step(ctx, p, o, &pos, n, oid, max_ns, err);
		if (s == FK_OK && pos < n)
			fk_stage_yield(); /* a waiting console in */
		if (s == FK_OK && fk_tagmerge_stop_after > 0 && ++steps >= fk_tagmerge_stop_after && pos < n)
			s = fk_fail(err, FK_ERR_INTERNAL, "stopped after %d indexing steps (test)", steps);
	}
	fk_tagsort_free(o);
	return s;
}
