/* A municipality re-opened for packages after its return or disposal (R-DISPOSE; docs/disposal.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datakey.h"
#include "db.h"
#include "gate.h"
#include "import.h"
#include "reopen.h"
#include "stage.h"
#include "str.h"
#include "trust.h"
#include "util.h"

/* The next references of the municipality's disposed registers, a step's worth. */
static const char SQL_REFS[] =
	"SELECT r.id FROM register_ref r JOIN register g ON g.id = r.register_id "
	"WHERE r.municipality = ?1 AND g.disposed_at IS NOT NULL ORDER BY r.id LIMIT ?2";
static const char SQL_REF_DEL[] = "DELETE FROM register_ref WHERE id = ?1";

int fk_reopen_step_refs = 500;

/* Up to fk_reopen_step_refs references released in the caller's transaction: read first (the
 * statement is not kept open over the deletes), then each taken out of its table's digest and
 * deleted. *n: how many. */
static fk_status release_refs(fk_ctx *ctx, const char *code, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	int cap = fk_reopen_step_refs > 0 ? fk_reopen_step_refs : 1, len = 0;
	int64_t *ids = calloc((size_t)cap, sizeof *ids);
	*n = 0;
	fk_status s = ids ? fk_ctx_stmt(ctx, SQL_REFS, &st, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s != FK_OK) {
		free(ids);
		return s;
	}
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, cap);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && len < cap)
		ids[len++] = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading a municipality's references");
	for (int i = 0; s == FK_OK && i < len; i++) {
		if ((s = fk_trust_unseal(ctx, FK_T_REGISTER_REF, FK_VAL_INT(ids[i]), 1, err)) != FK_OK ||
		    (s = fk_ctx_stmt(ctx, SQL_REF_DEL, &st, err)) != FK_OK)
			break;
		fk_sql_bind_int64(st, 1, ids[i]);
		s = fk_ctx_exec(ctx, st, err, "releasing a reference");
	}
	free(ids);
	*n = s == FK_OK ? len : 0;
	return s;
}

/* Whether code may be re-opened now: its disposal ended (or a return of it is not running),
 * its key destroyed. *old: the municipality's key. */
static fk_status may_reopen(fk_ctx *ctx, const char *code, int64_t *old, fk_error *err)
{
	int run = 0, gone = 0;
	fk_status s = fk_datakey_municipality_id(ctx, code, old, err);
	/* the question intake asks of a package */
	if (s == FK_OK)
		s = fk_intake_muni_disposal(ctx, code, *old, &run, &gone, err);
	if (s == FK_OK && run)
		s = fk_fail(err, FK_ERR_INVALID, "the %s of municipality %s is still running: carry "
			    "it out to its end first", run == 2 ? "return" : "disposal", code);
	if (s == FK_OK && !gone)
		s = fk_fail(err, FK_ERR_INVALID, "municipality %s was not disposed of: it receives "
			    "packages already", code);
	return s;
}

/* One short transaction of references released, on record; *n: how many (0: none left). */
static fk_status release_step(fk_ctx *ctx, const char *code, int64_t *n, int64_t *total, fk_error *err)
{
	char detail[160];
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = release_refs(ctx, code, n, err);
	if (s == FK_OK && *n > 0) {
		*total += *n;
		snprintf(detail, sizeof detail, "references_released=%lld (%lld so far)", (long long)*n,
			 (long long)*total);
		s = fk_audit_op(ctx, FK_OP_MUNI_REOPEN_STEP, code, FK_RESULT_SUCCESS, "system", detail, err);
	}
	s = fk_ctx_end(ctx, s, err);
	if (s == FK_OK && *n > 0)
		fk_stage_yield(); /* a console waiting for the lock gets in between */
	return s;
}

fk_status fk_muni_reopen(fk_ctx *ctx, const char *code, const char *reason, fk_reopen_result *out,
			 fk_error *err)
{
	fk_gate g;
	char detail[600] = "";
	memset(out, 0, sizeof *out);
	if (!code || strspn(code, "0123456789") != 6 || code[6] || !reason || !reason[0] ||
	    strlen(reason) > 400)
		return fk_fail(err, FK_ERR_USAGE, "a re-opening names a municipality (6 digits) and a "
			       "reason (at most 400 bytes)");
	fk_authz_req r = {.op = FK_OP_MUNI_REOPEN, .municipality = code};
	fk_status s = fk_gate_begin(ctx, &g, &r, code, err);
	if (s != FK_OK)
		return s;
	s = may_reopen(ctx, code, &out->old_key, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, &g, s, NULL, err);
	/* The references in short transactions (100,000 of them held the lock 2 s at once): the
	 * municipality still refuses packages meanwhile (its key stays destroyed until the last
	 * step), and an interrupted re-opening is simply asked for again. */
	if ((s = fk_gate_commit_step(ctx, &g, err)) != FK_OK)
		return s;
	for (int64_t n = 1; s == FK_OK && n > 0;)
		s = release_step(ctx, code, &n, &out->refs, err);
	/* The last: decided again under the lock (another re-opening may have ended meanwhile),
	 * the fresh key, the whole recorded with it. */
	if (s == FK_OK && (s = fk_ctx_begin(ctx, err)) == FK_OK && !fk_gate_adopt_tx(&g))
		s = fk_ctx_end(ctx, fk_fail(err, FK_ERR_INTERNAL, "the re-opening's record cannot be kept"), err);
	if (s == FK_OK)
		s = may_reopen(ctx, code, &out->old_key, err);
	if (s == FK_OK)
		s = fk_datakey_municipality_renew(ctx, code, &out->new_key, err);
	if (s == FK_OK)
		snprintf(detail, sizeof detail, "old_key=%lld new_key=%lld references_released=%lld "
			 "reason=%s", (long long)out->old_key, (long long)out->new_key,
			 (long long)out->refs, reason);
	return fk_gate_end(ctx, &g, s, detail, err);
}
