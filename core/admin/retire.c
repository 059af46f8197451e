/* Retiring a terminal of a shared store: its chain closed, its later records reported, its programs refused (retire.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_chain.h"
#include "db.h"
#include "gate.h"
#include "meta.h"
#include "retire.h"
#include "str.h"
#include "util.h"

static const char SQL_LAST[] = "SELECT seq FROM audit_log WHERE terminal = ?1 ORDER BY seq DESC LIMIT 1";

fk_status fk_terminal_retired(fk_ctx *ctx, const char *id, int64_t *seq, fk_error *err)
{
	char key[160], buf[32];
	*seq = 0;
	if (snprintf(key, sizeof key, FK_RETIRED_META "%s", id) >= (int)sizeof key)
		return FK_OK; /* longer than any id retire accepts */
	fk_status s = fk_meta_get(ctx, key, buf, sizeof buf, err);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s == FK_OK)
		*seq = strtoll(buf, NULL, 10);
	return s;
}

/* The last record terminal id wrote (0: none), through the index on (terminal, seq). */
static fk_status last_record(fk_ctx *ctx, const char *id, int64_t *seq, fk_error *err)
{
	fk_stmt *st;
	*seq = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_LAST, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*seq = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading a terminal's history");
}

static fk_status check_args(fk_ctx *ctx, const char *id, const char *reason, fk_error *err)
{
	if (!id || !id[0] || strlen(id) > 63 || strpbrk(id, "\n\r\t "))
		return fk_fail(err, FK_ERR_USAGE, "a terminal's id is one word of at most 63 bytes");
	if (!reason || !reason[0])
		return fk_fail_id(err, FK_ERR_USAGE, FK_MSG_REASON_REQUIRED, NULL, 0);
	if (strlen(reason) > 400)
		return fk_fail_id(err, FK_ERR_USAGE, FK_MSG_REASON_TOO_LONG, NULL, 400);
	if (strpbrk(reason, "\n\r"))
		return fk_fail_id(err, FK_ERR_USAGE, FK_MSG_REASON_ONE_LINE, NULL, 0);
	/* A terminal cannot close its own chain: another one witnesses the end. */
	if (ctx->cfg.terminal_id && !strcmp(id, ctx->cfg.terminal_id))
		return fk_fail(err, FK_ERR_INVALID, "a terminal cannot retire itself: retire %s from another terminal", id);
	return FK_OK;
}

/* Under the gate's write lock: the retired terminal's end, and the sealed mark. */
static fk_status mark(fk_ctx *ctx, const char *id, int64_t *last_seq, fk_error *err)
{
	int64_t already = 0;
	char key[160], val[32];
	fk_status s = fk_terminal_retired(ctx, id, &already, err);
	if (s == FK_OK && already)
		return fk_fail(err, FK_ERR_EXISTS, "terminal %s is already retired (its last record %lld)", id,
			       (long long)already);
	if (s == FK_OK)
		s = last_record(ctx, id, last_seq, err);
	if (s == FK_OK && !*last_seq)
		return fk_fail(err, FK_ERR_NOTFOUND, "terminal %s has written no record in this store's history", id);
	snprintf(key, sizeof key, FK_RETIRED_META "%s", id);
	snprintf(val, sizeof val, "%lld", (long long)*last_seq);
	return s == FK_OK ? fk_meta_set(ctx, key, val, err) : s;
}

fk_status fk_terminal_retire(fk_ctx *ctx, const char *id, const char *reason, int64_t *last_seq,
			     fk_error *err)
{
	char detail[600] = "";
	*last_seq = 0;
	fk_status s = check_args(ctx, id, reason, err);
	if (s != FK_OK)
		return s;
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_TERMINAL_RETIRE};
	if ((s = fk_gate_begin(ctx, &g, &r, id, err)) != FK_OK)
		return s;
	s = mark(ctx, id, last_seq, err);
	snprintf(detail, sizeof detail, "last record=%lld reason=%s", (long long)*last_seq, reason);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK)
		return s;
	/* This terminal's seal witnesses the retired chain's head (a shared store): the chain is
	 * closed at it, whoever cuts it afterwards. */
	s = fk_chain_seal(ctx, "retire", 1, err);
	return s == FK_OK ? fk_chain_advance(ctx, err) : s;
}
