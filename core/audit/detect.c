/* The detectors of intrusion and the alerts they raise (detect.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "db.h"
#include "detect.h"
#include "ops.h"
#include "rows.h"
#include "trust.h"
#include "util.h"

static const char *const detector_ids[] = {
#define FK_ALERT_DET_NAME(id, name) name,
	FK_ALERT_DETECTORS(FK_ALERT_DET_NAME)
#undef FK_ALERT_DET_NAME
};

const char *fk_alert_detector_id(fk_alert_detector d)
{
	return (unsigned)d < FK_ALERT_DETECTOR_COUNT ? detector_ids[d] : "?";
}

int fk_alert_detector_parse(const char *id)
{
	for (int i = 0; i < FK_ALERT_DETECTOR_COUNT; i++)
		if (!strcmp(id, detector_ids[i]))
			return i;
	return -1;
}

/* Failed sign-ins are recorded by nobody ("-"): the name typed is not a person until it
 * signs in. A prompt cancelled or left to time out tried nothing. LIMIT: the count stops at
 * the threshold, so a long attack costs no more to count than a short one. */
static const char SQL_SIGNINS[] =
	"SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE operator = '-' AND action = 'signin' "
	"AND ts_ns >= ?1 AND result <> 'success' AND reason NOT IN ('cancelled', 'timeout') "
	"AND (CAST(?2 AS TEXT) IS NULL OR terminal = ?2) LIMIT ?3) AS recent";
static const char SQL_REFUSALS[] =
	"SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE operator = ?1 AND result = 'denied' "
	"AND ts_ns >= ?2 LIMIT ?3) AS recent";
/* Every attempt counts, allowed or refused: the index alone answers (no row is read). */
static const char SQL_OPENS[] =
	"SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE operator = ?1 AND action = 'register.open' "
	"AND ts_ns >= ?2 LIMIT ?3) AS recent";
static const char SQL_RAISED[] =
	"SELECT 1 FROM alert WHERE detector = ?1 AND subject = ?2 AND raised_at > ?3 LIMIT 1";
static const char SQL_BUREAU[] = "SELECT id FROM bureau WHERE name = ?1";
static const char SQL_INSERT[] =
	"INSERT INTO alert(detector, subject, bureau_id, terminal, count, threshold, window_s, "
	"raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

#define NS_PER_S INT64_C(1000000000)
#define NOTES_MAX 8

/* Alerts raised in the open transaction, told once it commits. */
struct fk_alert_notes {
	int n;
	int dropped;
	char text[NOTES_MAX][224];
};

static fk_alert_sink sink;

void fk_alert_set_sink(fk_alert_sink s)
{
	sink = s;
}

static void tell(int priority, const char *text)
{
	static int opened;
	if (sink) {
		sink(priority, text);
		return;
	}
	if (!opened) {
		openlog("fukuhon", LOG_PID, LOG_AUTHPRIV);
		opened = 1;
	}
	syslog(LOG_AUTHPRIV | priority, "%s", text);
}

static void notes_end(fk_ctx *ctx, int outcome)
{
	struct fk_alert_notes *n = ctx->alert_notes;
	if (!n)
		return;
	if (outcome == 1) {
		for (int i = 0; i < n->n; i++)
			tell(LOG_WARNING, n->text[i]);
		if (n->dropped)
			tell(LOG_WARNING, "more alerts raised: see fukuhonctl alert list");
	}
	n->n = n->dropped = 0;
	if (outcome < 0) {
		free(n);
		ctx->alert_notes = NULL;
		ctx->tx_notes = NULL;
	}
}

static fk_status note(fk_ctx *ctx, const char *text, fk_error *err)
{
	if (!ctx->alert_notes) {
		if (!(ctx->alert_notes = calloc(1, sizeof *ctx->alert_notes)))
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		ctx->tx_notes = notes_end;
	}
	struct fk_alert_notes *n = ctx->alert_notes;
	if (n->n < NOTES_MAX)
		fk_copy_str(n->text[n->n++], sizeof n->text[0], text);
	else
		n->dropped = 1;
	return FK_OK;
}

/* One integer from st (bound by the caller). */
static fk_status step_int(fk_ctx *ctx, fk_stmt *st, int64_t *out, fk_error *err, const char *what)
{
	*out = 0;
	int rc = fk_sql_step(st);
	fk_status s = FK_OK;
	if (rc == SQLITE_ROW)
		*out = fk_sql_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, what);
	fk_sql_reset(st);
	return s;
}

/* What one detector saw, and what to raise. */
typedef struct sighting {
	fk_alert_detector d;
	const char *subject;
	int64_t count, threshold, window_s, bureau_id;
} sighting;

static fk_status already_raised(fk_ctx *ctx, const sighting *w, int64_t now, int *yes, fk_error *err)
{
	fk_stmt *st;
	int64_t one;
	fk_status s = fk_ctx_stmt(ctx, SQL_RAISED, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, fk_alert_detector_id(w->d), -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, w->subject, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 3, now - w->window_s * NS_PER_S);
	s = step_int(ctx, st, &one, err, "reading the alerts");
	*yes = one != 0;
	return s;
}

/* The sentence for syslog: counts, the terminal, and the person's user name at most. */
static void describe(const fk_ctx *ctx, int64_t id, const sighting *w, char *buf, size_t len)
{
	const char *term = ctx->cfg.terminal_id ? ctx->cfg.terminal_id : "-";
	switch (w->d) {
	case FK_ALERT_SIGNIN_BURST:
		snprintf(buf, len, "alert %" PRId64 " signin-burst: %" PRId64 " failed sign-ins in %" PRId64
			 " s across accounts (threshold %" PRId64 "), seen on %s", id, w->count, w->window_s,
			 w->threshold, term);
		break;
	case FK_ALERT_SIGNIN_TERMINAL:
		snprintf(buf, len, "alert %" PRId64 " signin-terminal: %" PRId64 " failed sign-ins in %" PRId64
			 " s on terminal %s (threshold %" PRId64 ")", id, w->count, w->window_s, term,
			 w->threshold);
		break;
	case FK_ALERT_REFUSALS:
		snprintf(buf, len, "alert %" PRId64 " refusals: %s refused %" PRId64 " times in %" PRId64
			 " s on %s (threshold %" PRId64 ")", id, w->subject, w->count, w->window_s, term,
			 w->threshold);
		break;
	default:
		snprintf(buf, len, "alert %" PRId64 " bulk-view: %s opened %" PRId64 " registers in %" PRId64
			 " s on %s (threshold %" PRId64 ")", id, w->subject, w->count, w->window_s, term,
			 w->threshold);
		break;
	}
}

/* The row, sealed, and alert.raise on record, in the transaction of the record that raised it. */
static fk_status raise_alert(fk_ctx *ctx, const sighting *w, int64_t now, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	const char *term = ctx->cfg.terminal_id ? ctx->cfg.terminal_id : "-";
	fk_sql_bind_text(st, 1, fk_alert_detector_id(w->d), -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, w->subject, -1, SQLITE_STATIC);
	if (w->bureau_id > 0)
		fk_sql_bind_int64(st, 3, w->bureau_id);
	fk_sql_bind_text(st, 4, term, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 5, w->count);
	fk_sql_bind_int64(st, 6, w->threshold);
	fk_sql_bind_int64(st, 7, w->window_s);
	fk_sql_bind_int64(st, 8, now);
	if ((s = fk_ctx_exec(ctx, st, err, "raising an alert")) != FK_OK)
		return s;
	int64_t id = fk_sql_last_insert_rowid(ctx->db);
	if ((s = fk_trust_seal(ctx, FK_T_ALERT, FK_VAL_INT(id), err)) != FK_OK)
		return s;
	char oid[24], detail[224];
	snprintf(oid, sizeof oid, "%" PRId64, id);
	snprintf(detail, sizeof detail, "subject=%s count=%" PRId64 " threshold=%" PRId64 " window=%" PRId64 "s",
		 w->subject, w->count, w->threshold, w->window_s);
	const fk_op_info *o = fk_op_get(FK_OP_ALERT_RAISE);
	fk_chain_entry rec = {FK_CHAIN_RECORD, o->name, o->otype, oid, "success",
			      fk_alert_detector_id(w->d), detail};
	if ((s = fk_chain_append(ctx, &rec, err)) != FK_OK)
		return s;
	describe(ctx, id, w, detail, sizeof detail);
	return note(ctx, detail, err);
}

/* Raise w unless under its threshold or raised for its subject within its window. */
static fk_status consider(fk_ctx *ctx, const sighting *w, int64_t now, fk_error *err)
{
	if (w->count < w->threshold)
		return FK_OK;
	int yes = 0;
	fk_status s = already_raised(ctx, w, now, &yes, err);
	return s != FK_OK || yes ? s : raise_alert(ctx, w, now, err);
}

/* How many records st counts since now - window_s, stopping at limit. */
static fk_status count_since(fk_ctx *ctx, fk_stmt *st, int since_at, int limit_at, int64_t now,
			     int64_t window_s, int64_t limit, int64_t *n, fk_error *err)
{
	fk_sql_bind_int64(st, since_at, now - window_s * NS_PER_S);
	fk_sql_bind_int64(st, limit_at, limit);
	return step_int(ctx, st, n, err, "counting recent records");
}

static fk_status terminal_bureau(fk_ctx *ctx, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_BUREAU, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, ctx->cfg.bureau ? ctx->cfg.bureau : "", -1, SQLITE_STATIC);
	return step_int(ctx, st, id, err, "reading the terminal's bureau");
}

static fk_status signin_failed(fk_ctx *ctx, int64_t now, fk_error *err)
{
	const fk_config *c = &ctx->cfg;
	fk_stmt *st;
	fk_status s = FK_OK;
	char term[97]; /* the alert's subject column takes 96 bytes */
	fk_copy_str(term, sizeof term, c->terminal_id ? c->terminal_id : "-");
	sighting t = {FK_ALERT_SIGNIN_TERMINAL, term, 0, c->alert_terminal_failures,
		      c->alert_signin_window, 0};
	sighting a = {FK_ALERT_SIGNIN_BURST, "*", 0, c->alert_signin_failures, c->alert_signin_window, 0};
	if ((t.threshold > 0 || a.threshold > 0) && (s = terminal_bureau(ctx, &t.bureau_id, err)) != FK_OK)
		return s;
	a.bureau_id = t.bureau_id;
	if (t.threshold > 0 && (s = fk_ctx_stmt(ctx, SQL_SIGNINS, &st, err)) == FK_OK) {
		fk_sql_bind_text(st, 2, t.subject, -1, SQLITE_STATIC);
		if ((s = count_since(ctx, st, 1, 3, now, t.window_s, t.threshold, &t.count, err)) == FK_OK)
			s = consider(ctx, &t, now, err);
	}
	if (s == FK_OK && a.threshold > 0 && (s = fk_ctx_stmt(ctx, SQL_SIGNINS, &st, err)) == FK_OK &&
	    (s = count_since(ctx, st, 1, 3, now, a.window_s, a.threshold, &a.count, err)) == FK_OK)
		s = consider(ctx, &a, now, err);
	return s;
}

/* A record of the acting person (refusals, opens) counted over their own records. */
static fk_status person(fk_ctx *ctx, fk_alert_detector d, const char *sql, int64_t threshold,
			int64_t window_s, int64_t now, fk_error *err)
{
	fk_stmt *st;
	sighting w = {d, ctx->actor.user, 0, threshold, window_s, ctx->actor.bureau_id};
	if (threshold <= 0)
		return FK_OK;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, ctx->actor.user, -1, SQLITE_STATIC);
	s = count_since(ctx, st, 2, 3, now, window_s, threshold, &w.count, err);
	return s == FK_OK ? consider(ctx, &w, now, err) : s;
}

fk_status fk_alert_observe(fk_ctx *ctx, const fk_chain_entry *e, fk_error *err)
{
	if (e->kind != FK_CHAIN_RECORD || !e->action || !e->result)
		return FK_OK;
	int success = !strcmp(e->result, "success");
	int nobody = ctx->actor.operator_id == 0;
	/* The cheap tests first: most records concern no detector. */
	if (!success && nobody && !strcmp(e->action, "signin") &&
	    !(e->reason && (!strcmp(e->reason, "cancelled") || !strcmp(e->reason, "timeout"))))
		return signin_failed(ctx, fk_ctx_now(ctx), err);
	if (nobody)
		return FK_OK;
	if (!strcmp(e->result, "denied"))
		return person(ctx, FK_ALERT_REFUSALS, SQL_REFUSALS, ctx->cfg.alert_refusals,
			      ctx->cfg.alert_refusals_window, fk_ctx_now(ctx), err);
	if (!strcmp(e->action, "register.open"))
		return person(ctx, FK_ALERT_BULK_VIEW, SQL_OPENS, ctx->cfg.alert_opens_per_hour, 3600,
			      fk_ctx_now(ctx), err);
	return FK_OK;
}
