/* Intrusion alerts read and acknowledged (alert.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "db.h"
#include "gate.h"
#include "rows.h"
#include "trust.h"
#include "util.h"

#define SELECT_ALERT "SELECT " FK_COLS_ALERT ", mac FROM alert "
/* Scope ?2: a supervisor's bureau (NULL: every alert). */
static const char SQL_COUNT[] =
	"SELECT count(*) FROM alert WHERE acked_at IS NULL "
	"AND (CAST(?1 AS BIGINT) IS NULL OR bureau_id IS NULL OR bureau_id = ?1)";
static const char SQL_LIST[] = SELECT_ALERT
	"WHERE (?1 <> 0 OR acked_at IS NULL) AND (CAST(?2 AS BIGINT) IS NULL OR bureau_id IS NULL OR bureau_id = ?2) "
	"ORDER BY id DESC LIMIT ?3";
static const char SQL_ONE[] = SELECT_ALERT "WHERE id = ?1";
static const char SQL_ACK[] =
	"UPDATE alert SET acked_by = ?2, acked_by_user = ?3, acked_at = ?4, ack_note = ?5 "
	"WHERE id = ?1 AND acked_at IS NULL";

enum { C_ID, C_DETECTOR, C_SUBJECT, C_BUREAU, C_TERMINAL, C_COUNT, C_THRESHOLD, C_WINDOW,
       C_RAISED, C_ACKED_BY, C_ACKED_USER, C_ACKED_AT, C_NOTE };

/* Supervisors see their own bureau's alerts; everyone else who may see any sees all. */
static void bind_scope(const fk_ctx *ctx, fk_stmt *st, int at)
{
	if (ctx->actor.role == FK_ROLE_SUPERVISOR)
		fk_sql_bind_int64(st, at, ctx->actor.bureau_id);
}

fk_status fk_alert_count_open(fk_ctx *ctx, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	*n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_COUNT, &st, err);
	if (s != FK_OK)
		return s;
	bind_scope(ctx, st, 1);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*n = fk_sql_column_int64(st, 0);
	else
		s = fk_db_fail(ctx->db, rc, err, "counting open alerts");
	fk_sql_reset(st);
	return s;
}

static void text_col(fk_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *t = fk_sql_column_text(st, col);
	fk_copy_str(dst, len, t ? (const char *)t : "");
}

static void from_row(fk_stmt *st, fk_alert *a)
{
	memset(a, 0, sizeof *a);
	a->id = fk_sql_column_int64(st, C_ID);
	const unsigned char *d = fk_sql_column_text(st, C_DETECTOR);
	int det = d ? fk_alert_detector_parse((const char *)d) : -1;
	a->detector = det < 0 ? FK_ALERT_DETECTOR_COUNT : (fk_alert_detector)det;
	text_col(st, C_SUBJECT, a->subject, sizeof a->subject);
	a->bureau_id = fk_sql_column_int64(st, C_BUREAU);
	text_col(st, C_TERMINAL, a->terminal, sizeof a->terminal);
	a->count = fk_sql_column_int64(st, C_COUNT);
	a->threshold = fk_sql_column_int64(st, C_THRESHOLD);
	a->window_s = fk_sql_column_int64(st, C_WINDOW);
	a->raised_at = fk_sql_column_int64(st, C_RAISED);
	a->acked_by = fk_sql_column_int64(st, C_ACKED_BY);
	text_col(st, C_ACKED_USER, a->acked_by_user, sizeof a->acked_by_user);
	a->acked_at = fk_sql_column_int64(st, C_ACKED_AT);
	text_col(st, C_NOTE, a->note, sizeof a->note);
}

/* Rows of st (bound by the caller), each checked against its MAC. */
static fk_status read_rows(fk_ctx *ctx, fk_stmt *st, fk_alert *out, int max, int *n, fk_error *err)
{
	fk_status s = FK_OK;
	int rc = SQLITE_DONE;
	*n = 0;
	while (*n < max && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_trust_check(ctx, FK_T_ALERT, st, 0, err)) != FK_OK)
			break;
		from_row(st, &out[(*n)++]);
	}
	if (s == FK_OK && *n < max && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the alerts");
	fk_sql_reset(st);
	if (s != FK_OK) {
		memset(out, 0, (size_t)*n * sizeof *out);
		*n = 0;
	}
	return s;
}

fk_status fk_alert_list(fk_ctx *ctx, int all, fk_alert *out, int max, int *n, fk_error *err)
{
	fk_gate g;
	fk_stmt *st;
	char detail[48];
	*n = 0;
	fk_authz_req r = {.op = FK_OP_ALERT_LIST};
	fk_status s = fk_gate_begin(ctx, &g, &r, all ? "all" : "open", err);
	if (s != FK_OK)
		return s;
	if ((s = fk_ctx_stmt(ctx, SQL_LIST, &st, err)) == FK_OK) {
		fk_sql_bind_int(st, 1, all != 0);
		bind_scope(ctx, st, 2);
		fk_sql_bind_int(st, 3, max > 0 ? max : 0);
		s = read_rows(ctx, st, out, max, n, err);
	}
	snprintf(detail, sizeof detail, "alerts shown=%d", *n);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		memset(out, 0, (size_t)*n * sizeof *out);
		*n = 0;
	}
	return s;
}

/* 1 to FK_ALERT_NOTE_MAX characters of valid UTF-8, none of them a control character: the
 * note is shown on screens and in the history. */
static int note_valid(const char *note)
{
	if (!note)
		return 0;
	int chars = 0;
	for (const unsigned char *p = (const unsigned char *)note; *p; chars++) {
		int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
			: (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || *p < 0x20 || *p == 0x7f)
			return 0;
		for (int i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += len;
	}
	return chars >= 1 && chars <= FK_ALERT_NOTE_MAX;
}

static fk_status read_one(fk_ctx *ctx, int64_t id, fk_alert *a, fk_error *err)
{
	fk_stmt *st;
	int n = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_ONE, &st, err);
	if (s == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		s = read_rows(ctx, st, a, 1, &n, err);
	}
	if (s == FK_OK && !n)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no alert %" PRId64, id);
	return s;
}

static fk_status write_ack(fk_ctx *ctx, int64_t id, const char *note, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_ALERT, FK_VAL_INT(id), 0, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_ACK, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		fk_sql_bind_int64(st, 2, ctx->actor.operator_id);
		fk_sql_bind_text(st, 3, ctx->actor.user, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 4, fk_ctx_now(ctx));
		fk_sql_bind_text(st, 5, note, -1, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "acknowledging an alert");
	}
	return s == FK_OK ? fk_trust_seal(ctx, FK_T_ALERT, FK_VAL_INT(id), err) : s;
}

fk_status fk_alert_ack(fk_ctx *ctx, int64_t id, const char *note, fk_error *err)
{
	fk_gate g;
	fk_alert a;
	char oid[24], detail[FK_ALERT_NOTE_MAX * 4 + 16];
	if (!note_valid(note))
		return fk_fail(err, FK_ERR_INVALID, "a note of 1 to %d characters is required, without "
			       "control characters", FK_ALERT_NOTE_MAX);
	snprintf(oid, sizeof oid, "%" PRId64, id);
	fk_status s = fk_gate_open(ctx, &g, FK_OP_ALERT_ACK, oid, err);
	if (s != FK_OK)
		return s;
	/* The alert first, under the gate's lock: its bureau and whom it is about decide. */
	if ((s = read_one(ctx, id, &a, err)) == FK_ERR_NOTFOUND) {
		/* by role alone first: nobody who may not acknowledge learns which alerts exist */
		fk_authz_req role = {.op = FK_OP_ALERT_ACK};
		if ((s = fk_gate_decide(ctx, &g, &role, err)) != FK_OK)
			return s;
		fk_fail(err, FK_ERR_NOTFOUND, "no alert %" PRId64, id);
		return fk_gate_end(ctx, &g, FK_ERR_NOTFOUND, NULL, err);
	}
	if (s != FK_OK)
		return fk_gate_end(ctx, &g, s, NULL, err);
	int about_person = a.detector == FK_ALERT_REFUSALS || a.detector == FK_ALERT_BULK_VIEW;
	fk_authz_req r = {.op = FK_OP_ALERT_ACK, .target_bureau = a.bureau_id,
			  .target_name = about_person ? a.subject : NULL};
	if ((s = fk_gate_decide(ctx, &g, &r, err)) != FK_OK)
		return s;
	if (a.acked_at)
		s = fk_fail(err, FK_ERR_INVALID, "alert %" PRId64 " was acknowledged already by %s", id,
			    a.acked_by_user);
	else
		s = write_ack(ctx, id, note, err);
	snprintf(detail, sizeof detail, "note=%s", note);
	return fk_gate_end(ctx, &g, s, detail, err);
}
