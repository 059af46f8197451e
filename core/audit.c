/* The operation history (R-LOG): the one function every operation is recorded through. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "db.h"
#include "util.h"

static const char SQL_NEXT_SEQ[] = "SELECT coalesce(max(seq), 0) + 1 FROM audit_log";
static const char SQL_APPEND[] =
	"INSERT INTO audit_log(seq, ts_ns, mono_ns, clock_synced, terminal, tty, pid, session, "
	"operator, role, action, object_type, object_id, result, reason, detail) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
static const char SQL_LIST[] =
	"SELECT seq, ts_ns, mono_ns, clock_synced, terminal, tty, pid, session, operator, role, "
	"action, object_type, object_id, result, reason, detail FROM audit_log WHERE seq > ?1 "
	"ORDER BY seq LIMIT ?2";

static const char *const result_ids[] = {"success", "denied", "failed"};

const char *fk_result_id(fk_result r)
{
	return (unsigned)r < 3 ? result_ids[r] : "failed";
}

static void detail_aad(int64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "fk:audit:%lld", (long long)seq);
}

static fk_status append(fk_ctx *ctx, const char *action, const char *otype, const char *oid,
			fk_result result, const char *reason, const char *detail, fk_error *err)
{
	sqlite3_stmt *st;
	uint8_t *sealed = NULL;
	size_t slen = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_NEXT_SEQ, &st, err);
	if (s != FK_OK)
		return s;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return fk_db_fail(ctx->db, sqlite3_extended_errcode(ctx->db), err, "history sequence");
	}
	int64_t seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (detail && *detail) {
		char aad[48];
		detail_aad(seq, aad, sizeof aad);
		if ((s = fk_ctx_seal(ctx, aad, detail, &sealed, &slen, err)) != FK_OK)
			return s;
	}
	if ((s = fk_ctx_stmt(ctx, SQL_APPEND, &st, err)) != FK_OK) {
		free(sealed);
		return s;
	}
	int i = 1;
	sqlite3_bind_int64(st, i++, seq);
	sqlite3_bind_int64(st, i++, fk_now_ns());
	sqlite3_bind_int64(st, i++, fk_mono_ns());
	sqlite3_bind_int(st, i++, fk_clock_synced());
	sqlite3_bind_text(st, i++, ctx->cfg.terminal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, ctx->tty, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i++, (int)getpid());
	sqlite3_bind_text(st, i++, ctx->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, ctx->actor.user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, fk_role_id(ctx->actor.role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, otype ? otype : "-", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, oid ? oid : "-", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, fk_result_id(result), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, reason ? reason : "", -1, SQLITE_STATIC);
	if (sealed)
		sqlite3_bind_blob(st, i, sealed, (int)slen, SQLITE_STATIC);
	s = fk_ctx_exec(ctx, st, err, "recording the operation");
	free(sealed);
	return s;
}

fk_status fk_audit(fk_ctx *ctx, const char *action, const char *otype, const char *oid,
		   fk_result result, const char *reason, const char *detail, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return fk_fail(err, FK_ERR_AUDIT, "the operation was not performed: %s", err ? err->msg : "");
	s = append(ctx, action, otype, oid, result, reason, detail, err);
	s = fk_ctx_end(ctx, s, err);
	if (s != FK_OK && err) {
		char why[FK_ERRMSG_MAX];
		memcpy(why, err->msg, sizeof why);
		fk_fail(err, FK_ERR_AUDIT, "could not record the operation, so it was not performed (%s)", why);
		return FK_ERR_AUDIT;
	}
	return s;
}

fk_status fk_audit_outcome(fk_ctx *ctx, const char *action, const char *otype, const char *oid,
			   fk_status st, fk_error *err)
{
	if (st == FK_OK)
		return st;
	fk_error rec;
	fk_error_clear(&rec);
	fk_result r = st == FK_ERR_DENIED || st == FK_ERR_LOCKED ? FK_RESULT_DENIED : FK_RESULT_FAILED;
	if (fk_audit(ctx, action, otype, oid, r, fk_status_name(st), err ? err->msg : NULL, &rec) != FK_OK &&
	    err) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (and the failure could not be recorded)");
	}
	return st;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

static fk_status row_from(fk_ctx *ctx, sqlite3_stmt *st, fk_audit_row *r, fk_error *err)
{
	memset(r, 0, sizeof *r);
	r->seq = sqlite3_column_int64(st, 0);
	r->ts_ns = sqlite3_column_int64(st, 1);
	r->mono_ns = sqlite3_column_int64(st, 2);
	r->clock_synced = sqlite3_column_int(st, 3);
	copy_col(st, 4, r->terminal, sizeof r->terminal);
	copy_col(st, 5, r->tty, sizeof r->tty);
	r->pid = sqlite3_column_int(st, 6);
	copy_col(st, 7, r->session, sizeof r->session);
	copy_col(st, 8, r->operator_, sizeof r->operator_);
	copy_col(st, 9, r->role, sizeof r->role);
	copy_col(st, 10, r->action, sizeof r->action);
	copy_col(st, 11, r->object_type, sizeof r->object_type);
	copy_col(st, 12, r->object_id, sizeof r->object_id);
	copy_col(st, 13, r->result, sizeof r->result);
	copy_col(st, 14, r->reason, sizeof r->reason);
	if (sqlite3_column_type(st, 15) == SQLITE_NULL)
		return FK_OK;
	char aad[48];
	detail_aad(r->seq, aad, sizeof aad);
	return fk_ctx_open_sealed(ctx, aad, sqlite3_column_blob(st, 15),
				  (size_t)sqlite3_column_bytes(st, 15), &r->detail, err);
}

fk_status fk_audit_list(fk_ctx *ctx, int64_t after, fk_audit_row *out, int max, int *n,
			fk_error *err)
{
	sqlite3_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (s != FK_OK)
		return s;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	*n = 0;
	int rc = SQLITE_DONE;
	while (s == FK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((s = row_from(ctx, st, &out[*n], err)) == FK_OK)
			(*n)++;
	sqlite3_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading the history");
	if (s != FK_OK) {
		fk_audit_rows_free(out, *n);
		*n = 0;
	}
	return s;
}

void fk_audit_rows_free(fk_audit_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		free(rows[i].detail);
		rows[i].detail = NULL;
	}
}
