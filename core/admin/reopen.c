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
#include "str.h"
#include "trust.h"
#include "util.h"

static const char SQL_REFS[] =
	"SELECT r.id FROM register_ref r JOIN register g ON g.id = r.register_id "
	"WHERE r.municipality = ?1 AND g.disposed_at IS NOT NULL ORDER BY r.id";
static const char SQL_REF_DEL[] = "DELETE FROM register_ref WHERE id = ?1";

/* The references of the municipality's disposed registers: read whole first (the statement is
 * not kept open over the deletes), then each taken out of its table's digest and deleted. */
static fk_status release_refs(fk_ctx *ctx, const char *code, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	int64_t *ids = NULL, cap = 0, len = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_REFS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			int64_t *more = realloc(ids, (size_t)(cap = cap ? cap * 2 : 256) * sizeof *ids);
			if (!more) {
				s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
				break;
			}
			ids = more;
		}
		ids[len++] = fk_sql_column_int64(st, 0);
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading a municipality's references");
	for (int64_t i = 0; s == FK_OK && i < len; i++) {
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

fk_status fk_muni_reopen(fk_ctx *ctx, const char *code, const char *reason, fk_reopen_result *out,
			 fk_error *err)
{
	fk_gate g;
	char detail[600] = "";
	int run = 0, gone = 0;
	memset(out, 0, sizeof *out);
	if (!code || strspn(code, "0123456789") != 6 || code[6] || !reason || !reason[0] ||
	    strlen(reason) > 400)
		return fk_fail(err, FK_ERR_USAGE, "a re-opening names a municipality (6 digits) and a "
			       "reason (at most 400 bytes)");
	fk_authz_req r = {.op = FK_OP_MUNI_REOPEN, .municipality = code};
	fk_status s = fk_gate_begin(ctx, &g, &r, code, err);
	if (s != FK_OK)
		return s;
	s = fk_datakey_municipality_id(ctx, code, &out->old_key, err);
	/* the question intake asks of a package */
	if (s == FK_OK)
		s = fk_intake_muni_disposal(ctx, code, out->old_key, &run, &gone, err);
	if (s == FK_OK && run)
		s = fk_fail(err, FK_ERR_INVALID, "the %s of municipality %s is still running: carry "
			    "it out to its end first", run == 2 ? "return" : "disposal", code);
	if (s == FK_OK && !gone)
		s = fk_fail(err, FK_ERR_INVALID, "municipality %s was not disposed of: it receives "
			    "packages already", code);
	if (s == FK_OK)
		s = release_refs(ctx, code, &out->refs, err);
	if (s == FK_OK)
		s = fk_datakey_municipality_renew(ctx, code, &out->new_key, err);
	if (s == FK_OK)
		snprintf(detail, sizeof detail, "old_key=%lld new_key=%lld references_released=%lld "
			 "reason=%s", (long long)out->old_key, (long long)out->new_key,
			 (long long)out->refs, reason);
	return fk_gate_end(ctx, &g, s, detail, err);
}
