/* Recording decisions and grant expiry in the history, and the decisions' clock (R-LOG). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "authz.h"
#include "db.h"
#include "trust.h"
#include "util.h"

static const char SQL_EXPIRY_DUE[] =
	"SELECT 1 FROM permission_grant WHERE id = ?1 "
	"AND expiry_recorded_at IS NULL AND valid_until IS NOT NULL AND valid_until <= ?2";
static const char SQL_NOTE_EXPIRED[] =
	"UPDATE permission_grant SET expiry_recorded_at = ?2 WHERE id = ?1";
static const char SQL_GRANT_DESC[] =
	"SELECT o.username, coalesce(g.municipality, '*'), g.kinds, g.rights, g.valid_until "
	"FROM permission_grant g JOIN operator o ON o.id = g.operator_id WHERE g.id = ?1";

/* ---- the clock ---- */

static int64_t (*clock_fn)(void);

int64_t fk_authz_now(void)
{
	return clock_fn ? clock_fn() : fk_now_ns();
}

void fk_authz_set_clock(int64_t (*fn)(void))
{
	clock_fn = fn;
}

/* ---- recording ---- */

fk_status fk_authz_note_expired(fk_ctx *ctx, int64_t grant_id, fk_error *err)
{
	fk_stmt *st;
	int due = 0;
	int64_t now = fk_authz_now();
	fk_status s = fk_ctx_begin(ctx, err);
	/* Once per grant: another process may have recorded it meanwhile. */
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_EXPIRY_DUE, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, grant_id);
		fk_sql_bind_int64(st, 2, now);
		int rc = fk_sql_step(st);
		due = rc == SQLITE_ROW;
		fk_sql_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "reading a grant");
	}
	if (s == FK_OK && due && (s = fk_trust_unseal(ctx, FK_T_GRANT, FK_VAL_INT(grant_id), 0, err)) == FK_OK &&
	    (s = fk_ctx_stmt(ctx, SQL_NOTE_EXPIRED, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, grant_id);
		fk_sql_bind_int64(st, 2, now);
		if ((s = fk_ctx_exec(ctx, st, err, "recording a grant's expiry")) == FK_OK)
			s = fk_trust_seal(ctx, FK_T_GRANT, FK_VAL_INT(grant_id), err);
	}
	if (s == FK_OK && due && (s = fk_ctx_stmt(ctx, SQL_GRANT_DESC, &st, err)) == FK_OK) {
		char id[24], detail[200] = "", kinds[48], rights[48], until[32] = "";
		fk_sql_bind_int64(st, 1, grant_id);
		if (fk_sql_step(st) == SQLITE_ROW) {
			fk_kinds_format((unsigned)fk_sql_column_int(st, 2), kinds, sizeof kinds);
			fk_rights_format((unsigned)fk_sql_column_int(st, 3), rights, sizeof rights);
			fk_fmt_utc(fk_sql_column_int64(st, 4), until, sizeof until);
			snprintf(detail, sizeof detail, "operator=%s municipality=%s kinds=%s rights=%s until=%s",
				 (const char *)fk_sql_column_text(st, 0),
				 (const char *)fk_sql_column_text(st, 1), kinds, rights, until);
		}
		fk_sql_reset(st);
		snprintf(id, sizeof id, "%lld", (long long)grant_id);
		s = fk_audit_op(ctx, FK_OP_GRANT_EXPIRED, id, FK_RESULT_SUCCESS, "expired", detail, err);
	}
	return fk_ctx_end(ctx, s, err);
}

