/* The terminal's state at a glance: counts, schema, keys, database integrity. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "disposal.h"
#include "meta.h"
#include "schema.h"
#include "gate.h"
#include "health.h"
#include "rotate.h"
#include "util.h"
#include "visible.h"

static const char SQL_COUNTS[] =
	"SELECT (SELECT count(*) FROM bureau), (SELECT count(*) FROM municipality), "
	"(SELECT count(*) FROM operator), (SELECT count(*) FROM register WHERE disposed_at IS NULL "
	"AND id <= " FK_VIS_REGISTER "), "
	"(SELECT count(*) FROM register WHERE kind = 2 AND disposed_at IS NULL AND id <= " FK_VIS_REGISTER "), "
	"(SELECT count(*) FROM register_version WHERE id <= " FK_VIS_VERSION "), "
	"(SELECT count(*) FROM ledger_entry WHERE id <= " FK_VIS_LEDGER "), "
	"(SELECT count(*) FROM notification_doc WHERE id <= " FK_VIS_DOC "), (SELECT coalesce(max(seq), 0) FROM audit_log)";
static const char SQL_QUICK_CHECK[] = "PRAGMA quick_check(1)";

/* Imports stop when a CRL passes its nextUpdate: say so days before (issue 10). */
static fk_status pki_warnings(fk_ctx *ctx, fk_health *h, fk_error *err)
{
	/* A database that failed its checks is examined, not used: its pki_item rows are
	 * reported by the check like every sealed row, not read for warnings. */
	if (fk_trust_broken(ctx))
		return FK_OK;
	fk_pki_state *st = malloc(sizeof *st);
	if (!st)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status s = fk_pki_state_get(ctx, fk_ctx_now(ctx) / 1000000000, 0, st, err);
	if (s == FK_OK) {
		h->pki_nwarn = st->nwarn;
		memcpy(h->pki_warn, st->warn, sizeof h->pki_warn);
	}
	free(st);
	return s;
}

static fk_status gather(fk_ctx *ctx, fk_health *h, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_meta_get(ctx, "terminal_id", h->terminal_id, sizeof h->terminal_id, err);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_COUNTS, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW) {
		int64_t *v[] = {&h->bureaus, &h->municipalities, &h->operators, &h->registers,
				&h->joseki, &h->versions, &h->ledger, &h->documents, &h->history};
		for (int i = 0; i < 9; i++)
			*v[i] = fk_sql_column_int64(st, i);
	}
	fk_sql_reset(st);
	if (rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "counting");
	h->schema_version = fk_db_schema_version();
	h->master_key_id = fk_keys_current_id(ctx->keys);
	h->master_keys = fk_keys_master_count(ctx->keys);
	h->clock_synced = fk_clock_synced();
	if ((s = pki_warnings(ctx, h, err)) != FK_OK)
		return s;
	uint32_t kek;
	if (!fk_trust_broken(ctx) &&
	    (s = fk_disposal_rotation_due(ctx, &h->rotation_due, &h->rotation_due_since, &kek, err)) != FK_OK)
		return s;
	return fk_key_pending(ctx, &h->pending_rewrap, err);
}

/* PostgreSQL has no quick_check: its pages carry checksums only when the cluster was made with
 * them, and amcheck is an extension the terminal's role may not be allowed to install or run.
 * What stands in its place is the application's own: the schema compared with the migrations'
 * through the catalogue here, then (fk_health_check_db) every row of every sealed table against
 * its MAC and every table against its anchored digest (docs/storage.md). */
static fk_status catalogue_check(fk_ctx *ctx, fk_health *h, fk_error *err)
{
	fk_error e;
	fk_status s = fk_schema_check(ctx->db, &e);
	if (s == FK_ERR_TAMPER)
		fk_copy_str(h->integrity, sizeof h->integrity, e.msg);
	else if (s == FK_OK)
		fk_copy_str(h->integrity, sizeof h->integrity, "ok");
	else {
		if (err)
			*err = e;
		return s;
	}
	h->integrity_checked = 1;
	return FK_OK;
}

static fk_status quick_check(fk_ctx *ctx, fk_health *h, fk_error *err)
{
	if (fk_sql_is_pg(ctx->db))
		return catalogue_check(ctx, h, err);
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_QUICK_CHECK, &st, err);
	if (s != FK_OK)
		return s;
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		fk_copy_str(h->integrity, sizeof h->integrity, (const char *)fk_sql_column_text(st, 0));
	fk_sql_reset(st);
	if (rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "checking the database");
	h->integrity_checked = 1;
	return FK_OK;
}

/* The outcome on record as the terminal's own step, so that health finds when the database was
 * last checked and what it showed (R-DETECT). A database that failed its checks at open takes
 * no record (it is examined, not written): health then reads critical from the open itself. */
static fk_status record_check(fk_ctx *ctx, const fk_health *h, fk_error *err)
{
	if (fk_trust_broken(ctx))
		return FK_OK;
	int good = !strcmp(h->integrity, "ok") && !h->trust_problems && !h->failed[0];
	char detail[200];
	snprintf(detail, sizeof detail, "integrity=%.100s sealed_rows=%lld problems=%lld", h->integrity,
		 (long long)h->trust_rows, (long long)h->trust_problems);
	return fk_audit_op(ctx, FK_OP_HEALTH_CHECK, ctx->cfg.terminal_id,
			   good ? FK_RESULT_SUCCESS : FK_RESULT_FAILED, good ? "" : "problems", detail, err);
}

fk_status fk_health_check_db(fk_ctx *ctx, fk_health *h, fk_trust_fn fn, void *arg, fk_error *err)
{
	fk_status s = quick_check(ctx, h, err);
	if (s != FK_OK)
		return s;
	const char *broken = fk_trust_broken(ctx);
	fk_copy_str(h->failed, sizeof h->failed, broken ? broken : "");
	fk_trust_report tr;
	if ((s = fk_trust_verify(ctx, 1, NULL, fn, arg, &tr, err)) != FK_OK)
		return s;
	h->trust_checked = 1;
	h->trust_rows = tr.rows;
	h->trust_problems = tr.problems;
	return record_check(ctx, h, err);
}

fk_status fk_health_get(fk_ctx *ctx, int check, fk_health *h, fk_trust_fn fn, void *arg,
			fk_error *err)
{
	memset(h, 0, sizeof *h);
	/* On record before the figures go out; the check's own reads take their time outside
	 * the write lock, so that consoles are not held up by it. */
	fk_authz_req r = {.op = FK_OP_STATUS_VIEW};
	fk_status s = fk_gate_check(ctx, &r, ctx->cfg.terminal_id, check ? "check" : NULL, err);
	if (s == FK_OK)
		s = gather(ctx, h, err);
	if (s != FK_OK || !check)
		return s;
	return fk_health_check_db(ctx, h, fn, arg, err);
}
