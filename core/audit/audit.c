/* The operation history (R-LOG): the one function every operation is recorded through, and the auditor's query. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_chain.h"
#include "db.h"
#include "detect.h"
#include "util.h"

static const char *const result_ids[] = {"success", "denied", "failed"};

const char *fk_result_id(fk_result r)
{
	return (unsigned)r < 3 ? result_ids[r] : "failed";
}

/* The record could not be written: the operation must not happen. */
static fk_status not_recorded(fk_status s, fk_error *err)
{
	if (s == FK_OK || !err)
		return s;
	char why[FK_ERRMSG_MAX];
	memcpy(why, err->msg, sizeof why);
	fk_fail(err, FK_ERR_AUDIT, "could not record the operation, so it was not performed (%s)", why);
	return FK_ERR_AUDIT;
}

static fk_status record(fk_ctx *ctx, const fk_chain_entry *e, fk_error *err)
{
	fk_status s = FK_OK;
	/* Inside a caller's transaction the epoch is sealed later: a seal must
	 * be committed before the key moves past it. */
	if (ctx->tx_depth == 0)
		s = fk_chain_seal(ctx, "hourly", 0, err);
	if (s == FK_OK && (s = fk_ctx_begin(ctx, err)) == FK_OK) {
		s = fk_chain_append(ctx, e, err);
		/* R-INTRUSION: an alert commits with the record that raised it, or neither does. */
		if (s == FK_OK)
			s = fk_alert_observe(ctx, e, err);
		s = fk_ctx_end(ctx, s, err);
	}
	return not_recorded(s, err);
}

fk_status fk_audit(fk_ctx *ctx, const char *action, const char *otype, const char *oid,
		   fk_result result, const char *reason, const char *detail, fk_error *err)
{
	fk_chain_entry e = {FK_CHAIN_RECORD, action, otype, oid, fk_result_id(result), reason, detail};
	return record(ctx, &e, err);
}

fk_status fk_audit_op(fk_ctx *ctx, fk_op op, const char *oid, fk_result result, const char *reason,
		      const char *detail, fk_error *err)
{
	const fk_op_info *o = fk_op_get(op);
	return fk_audit(ctx, o->name, o->otype, oid, result, reason, detail, err);
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

fk_status fk_audit_start_with(fk_ctx *ctx, const char *program, const char *extra, fk_error *err)
{
	char detail[160];
	snprintf(detail, sizeof detail, "%s %s%s%s", program, PACKAGE_VERSION, extra ? " " : "",
		 extra ? extra : "");
	fk_status s = fk_chain_seal(ctx, "start", 1, err);
	if (s == FK_OK)
		return fk_audit_op(ctx, FK_OP_PROGRAM_START, program, FK_RESULT_SUCCESS, "", detail, err);
	return not_recorded(s, err);
}

fk_status fk_audit_start(fk_ctx *ctx, const char *program, fk_error *err)
{
	return fk_audit_start_with(ctx, program, NULL, err);
}

fk_status fk_audit_stop(fk_ctx *ctx, const char *program, fk_error *err)
{
	fk_status s = fk_audit_op(ctx, FK_OP_PROGRAM_STOP, program, FK_RESULT_SUCCESS, "", NULL, err);
	if (s == FK_OK && (s = fk_chain_seal(ctx, "stop", 1, err)) == FK_OK)
		s = fk_chain_advance(ctx, err);
	return s;
}

fk_status fk_audit_tick(fk_ctx *ctx, fk_error *err)
{
	fk_status s = fk_chain_seal(ctx, "hourly", 0, err);
	return s == FK_OK ? fk_chain_advance(ctx, err) : s;
}

fk_status fk_audit_k0_write(fk_ctx *ctx, const char *path, fk_error *err)
{
	if (!ctx->audit_k0_held)
		return fk_fail(err, FK_ERR_NOTFOUND, "the initial history key is only held right after init");
	char *def = path ? NULL : fk_chain_k0_default_path(ctx->cfg.key_dir, err);
	if (!path && !def)
		return FK_ERR_NOMEM;
	fk_status s = fk_chain_k0_write(path ? path : def, ctx->cfg.terminal_id, ctx->audit_k0, err);
	free(def);
	fk_wipe(ctx->audit_k0, sizeof ctx->audit_k0);
	ctx->audit_k0_held = 0;
	return s;
}

/* ---- the auditor's query ---------------------------------------------------- */

#define ROW_COLS                                                                          \
	"SELECT seq, ts_ns, mono_ns, clock_synced, terminal, tty, pid, session, operator, role, " \
	"action, object_type, object_id, result, reason, detail, kind, epoch FROM audit_log "
#define ROW_FILTER                                                                          \
	"AND (CAST(?2 AS BIGINT) IS NULL OR ts_ns >= ?2) "                                   \
	"AND (CAST(?3 AS BIGINT) IS NULL OR ts_ns < ?3) "                                    \
	"AND (CAST(?4 AS TEXT) IS NULL OR operator = ?4) "                                   \
	"AND (CAST(?5 AS TEXT) IS NULL OR action = ?5 "                                      \
	"OR substr(action, 1, length(?5) + 1) = ?5 || '.') "                                 \
	"AND (CAST(?6 AS TEXT) IS NULL OR object_type = ?6) "                                \
	"AND (CAST(?7 AS TEXT) IS NULL OR object_id = ?7) "                                  \
	"AND (CAST(?8 AS TEXT) IS NULL OR result = ?8) "
static const char SQL_FORWARD[] = ROW_COLS "WHERE seq > ?1 " ROW_FILTER "ORDER BY seq LIMIT ?9";
static const char SQL_BACKWARD[] =
	ROW_COLS "WHERE seq < ?1 " ROW_FILTER "ORDER BY seq DESC LIMIT ?9";

static void copy_col(fk_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, col);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

static fk_status row_from(fk_ctx *ctx, fk_stmt *st, fk_audit_row *r, fk_error *err)
{
	memset(r, 0, sizeof *r);
	r->seq = fk_sql_column_int64(st, 0);
	r->ts_ns = fk_sql_column_int64(st, 1);
	r->mono_ns = fk_sql_column_int64(st, 2);
	r->clock_synced = fk_sql_column_int(st, 3);
	copy_col(st, 4, r->terminal, sizeof r->terminal);
	copy_col(st, 5, r->tty, sizeof r->tty);
	r->pid = fk_sql_column_int(st, 6);
	copy_col(st, 7, r->session, sizeof r->session);
	copy_col(st, 8, r->operator_, sizeof r->operator_);
	copy_col(st, 9, r->role, sizeof r->role);
	copy_col(st, 10, r->action, sizeof r->action);
	copy_col(st, 11, r->object_type, sizeof r->object_type);
	copy_col(st, 12, r->object_id, sizeof r->object_id);
	copy_col(st, 13, r->result, sizeof r->result);
	copy_col(st, 14, r->reason, sizeof r->reason);
	r->kind = fk_sql_column_int(st, 16);
	r->epoch = fk_sql_column_int64(st, 17);
	if (fk_sql_column_type(st, 15) == SQLITE_NULL)
		return FK_OK;
	char aad[48];
	fk_chain_detail_aad(r->seq, aad, sizeof aad);
	fk_status s = fk_ctx_open_sealed(ctx, aad, fk_sql_column_blob(st, 15),
					 (size_t)fk_sql_column_bytes(st, 15), &r->detail, err);
	/* An altered detail must not hide the rest of the history from the auditor. */
	if (s == FK_ERR_TAMPER || s == FK_ERR_CORRUPT) {
		r->detail_bad = 1;
		return FK_OK;
	}
	return s;
}

static void bind_opt(fk_stmt *st, int i, const char *v)
{
	if (v && *v)
		fk_sql_bind_text(st, i, v, -1, SQLITE_STATIC);
}

fk_status fk_audit_query(fk_ctx *ctx, const fk_audit_filter *f, fk_audit_row *out, int max,
			 int *n, fk_error *err)
{
	fk_stmt *st;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, f->before_seq > 0 ? SQL_BACKWARD : SQL_FORWARD, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, f->before_seq > 0 ? f->before_seq : f->after_seq);
	if (f->since_ns)
		fk_sql_bind_int64(st, 2, f->since_ns);
	if (f->until_ns)
		fk_sql_bind_int64(st, 3, f->until_ns);
	bind_opt(st, 4, f->operator_);
	bind_opt(st, 5, f->action);
	bind_opt(st, 6, f->object_type);
	bind_opt(st, 7, f->object_id);
	bind_opt(st, 8, f->result);
	fk_sql_bind_int(st, 9, max);
	int rc = SQLITE_DONE;
	while (s == FK_OK && *n < max && (rc = fk_sql_step(st)) == SQLITE_ROW)
		if ((s = row_from(ctx, st, &out[*n], err)) == FK_OK)
			(*n)++;
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading the history");
	if (s != FK_OK) {
		fk_audit_rows_free(out, *n);
		*n = 0;
	}
	return s;
}

fk_status fk_audit_list(fk_ctx *ctx, int64_t after, fk_audit_row *out, int max, int *n,
			fk_error *err)
{
	fk_audit_filter f;
	memset(&f, 0, sizeof f);
	f.after_seq = after;
	return fk_audit_query(ctx, &f, out, max, n, err);
}

void fk_audit_rows_free(fk_audit_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		free(rows[i].detail);
		rows[i].detail = NULL;
	}
}
