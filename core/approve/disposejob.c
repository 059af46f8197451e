/* Carrying out an approved disposal (disposejob.h): decide, erase each register in the gate's
 * transaction, name them in the key folder's ledger, commit, empty the WAL. And the ledger
 * applied again to a database that came back from before it (a restore). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datakey.h"
#include "db.h"
#include "disposal.h"
#include "disposejob.h"
#include "execute.h"
#include "gate.h"
#include "munidispose.h"
#include "order.h"
#include "regver.h"
#include "store.h"
#include "trust.h"
#include "visible.h"

/* A staged row of a package still staging (one published leaves its rows until they are
 * settled, core/intake/publish.h: they change the register no more). */
static const char SQL_STAGED[] =
	"SELECT c.package_id FROM staged_change c JOIN package p ON p.id = c.package_id "
	"WHERE c.register_id = ?1 AND p.state = 'staging'";
/* Without the content (a key already gone) the tags cannot be computed: found by a scan. */
static const char SQL_TAGS_SCAN[] = "DELETE FROM register_index WHERE register_id = ?1";

void fk_dispose_result_free(fk_dispose_result *r)
{
	free(r->ids);
	r->ids = NULL;
	r->n = 0;
}

/* ---- one register ---- */

static fk_status tags_scan(fk_ctx *ctx, int64_t id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_TAGS_SCAN, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	return fk_ctx_exec(ctx, st, err, "removing search tags");
}

/* The register out of the search index and the sorted lists, by its current content while its
 * key still opens it (a few lookups), else by scanning (a key already destroyed). */
static fk_status unlist(fk_ctx *ctx, const fk_reg_info *info, fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
	int ntags = 0;
	json_t *doc = NULL;
	fk_error e;
	fk_status s = fk_datakey_get(ctx, info->key_id, key, &e);
	if (s == FK_OK)
		s = fk_regver_read(ctx, info, info->version, key, &doc, &e);
	fk_wipe(key, sizeof key);
	if (s == FK_OK)
		s = fk_store_tags(ctx->keys, doc, tags, &ntags, &e);
	if (s != FK_OK) {
		json_decref(doc);
		s = tags_scan(ctx, info->id, err);
		return s == FK_OK ? fk_order_remove(ctx, info->municipality, (int)info->kind, info->id, err) : s;
	}
	s = fk_store_tags_write(ctx, info->id, (const uint8_t(*)[FK_BLIND_LEN])tags, ntags, 1, err);
	fk_wipe(tags, sizeof tags);
	if (s == FK_OK)
		s = fk_order_remove_keyed(ctx, info->municipality, (int)info->kind, info->id, doc, err);
	json_decref(doc);
	return s;
}

/* Dispose of register id, in the caller's transaction: whatever of it is still there goes
 * (idempotent: *changed 0 when nothing was left to do). */
static fk_status erase(fk_ctx *ctx, const fk_reg_info *info, int disposed, int64_t now, int *changed,
		       fk_error *err)
{
	int keys = 0, contents = 0;
	fk_status s = FK_OK;
	*changed = 0;
	if (!disposed) {
		s = unlist(ctx, info, err);
		*changed = 1;
	}
	if (s == FK_OK)
		s = fk_disposal_erase_rows(ctx, info->id, info->key_id, !disposed, now, &keys, &contents, err);
	*changed |= keys > 0 || contents > 0;
	return s;
}

/* ---- carrying out a request ---- */

typedef struct job {
	fk_ctx *ctx;
	fk_request req;
	fk_reg_info *info;
	fk_disposal_entry *ledger;
	int64_t now;
	fk_dispose_result *out;
} job;

/* No register of the request may be changing under a package being imported: its staged
 * change would publish it again. Nor may any package be staging: its sorted lists may be
 * being written beside the ones shown (order.h), and would list the register again. */
static fk_status not_staging(job *j, fk_gate *g, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char msg[320];
	fk_stmt *st;
	int on = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_STAGED, &st, err);
	for (int i = 0; s == FK_OK && i < j->req.n_items; i++) {
		fk_sql_bind_int64(st, 1, j->req.items[i].register_id);
		int rc = fk_sql_step(st);
		int64_t pkg = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
		fk_sql_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return fk_gate_end(ctx, g, fk_db_fail(ctx->db, rc, err, "reading staged changes"), NULL, err);
		if (rc == SQLITE_ROW) {
			snprintf(msg, sizeof msg, "register %lld is being changed by package %lld, which is being "
				 "imported: dispose of it when the package is published or abandoned",
				 (long long)j->req.items[i].register_id, (long long)pkg);
			return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_STAGING, msg, err);
		}
	}
	if (s == FK_OK)
		s = fk_store_staging(ctx, &on, err);
	if (s != FK_OK)
		return fk_gate_end(ctx, g, s, NULL, err);
	if (on)
		return fk_gate_refuse(ctx, g, FK_WHY_REGISTER_STAGING, "a package is being imported: dispose "
				      "of registers when it is published or abandoned", err);
	return FK_OK;
}

/* Nor may a return hold a register's municipality (approve.h, fk_request_return_holding): it
 * was asked for, or began, after the request was made. */
static fk_status not_held(job *j, fk_gate *g, fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; s == FK_OK && i < j->req.n_items; i++)
		if (i == 0 || strcmp(j->info[i].municipality, j->info[i - 1].municipality) != 0)
			s = fk_request_refuse_held(j->ctx, g, j->info[i].municipality, 0, err);
	return s;
}

static fk_status run(job *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char oid[24], detail[300];
	int64_t count = 0;
	fk_status s = fk_disposal_secure_on(ctx, err);
	for (int i = 0; s == FK_OK && i < j->req.n_items; i++) {
		const fk_reg_info *info = &j->info[i];
		int changed;
		s = erase(ctx, info, 0, j->now, &changed, err);
		if (s != FK_OK)
			break;
		j->ledger[i] = (fk_disposal_entry){.register_id = info->id, .key_id = info->key_id,
						   .request_id = j->req.id, .at = j->now};
		j->out->ids[i] = info->id;
		j->out->n = i + 1;
		snprintf(oid, sizeof oid, "%lld", (long long)info->id);
		snprintf(detail, sizeof detail, "request=%lld version=%d municipality=%s key=%lld approved_by=%s "
			 "key destroyed, content emptied, search tags and sorted lists cleared",
			 (long long)j->req.id, info->version, info->municipality, (long long)info->key_id,
			 j->req.decided_by);
		s = fk_audit_op(ctx, FK_OP_DISPOSE_REGISTER, oid, FK_RESULT_SUCCESS, "system", detail, err);
	}
	if (s == FK_OK)
		s = fk_request_mark_executed(ctx, &j->req, j->now, err);
	/* The ledger before the commit: a crash after this line leaves the ledger naming
	 * registers the database may still hold, and the next open disposes of them
	 * (fk_disposal_reapply); the other order could lose a disposal to a restore. */
	if (s == FK_OK)
		s = fk_disposal_append(ctx, j->ledger, j->req.n_items, err);
	if (s == FK_OK)
		s = fk_disposal_count(ctx, &count, err);
	if (s == FK_OK)
		s = fk_disposal_note_state(ctx, count, err);
	return s;
}

fk_status fk_dispose_execute(fk_ctx *ctx, int64_t id, fk_dispose_result *out, fk_error *err)
{
	fk_gate g;
	struct timespec t0, t1;
	char detail[200] = "";
	job j = {.ctx = ctx, .out = out, .now = fk_authz_now()};
	memset(out, 0, sizeof *out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* One lock from the decision to the record: nothing changes under the job, and every
	 * register is disposed of with the record or none is. */
	fk_status s = fk_request_open_execution(ctx, &g, FK_OP_DISPOSE_EXECUTE, id, &j.req, err);
	if (s != FK_OK)
		return s;
	j.info = calloc((size_t)j.req.n_items, sizeof *j.info);
	j.ledger = calloc((size_t)j.req.n_items, sizeof *j.ledger);
	out->ids = calloc((size_t)j.req.n_items, sizeof *out->ids);
	if (!j.info || !j.ledger || !out->ids)
		s = fk_gate_end(ctx, &g, fk_fail(err, FK_ERR_NOMEM, "out of memory"), NULL, err);
	else if ((s = fk_request_decide_execution(ctx, &g, &j.req, FK_REQ_DISPOSE, j.info, j.now, err)) == FK_OK &&
		 (s = not_staging(&j, &g, err)) == FK_OK && (s = not_held(&j, &g, err)) == FK_OK) {
		s = run(&j, err);
		snprintf(detail, sizeof detail, "registers=%d approved_by=%s", out->n, j.req.decided_by);
		s = fk_gate_end(ctx, &g, s, detail, err);
		if (s == FK_OK)
			fk_disposal_empty_wal(ctx, out->warning, sizeof out->warning);
	}
	if (s != FK_OK)
		fk_dispose_result_free(out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->ms = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	free(j.info);
	free(j.ledger);
	fk_request_clear(&j.req);
	return s;
}

/* ---- the ledger applied again ---- */

/* Each entry's register disposed of again where anything of it came back; the counts noted,
 * then each register so disposed recorded (a sealed change is taken by the record after it). */
static fk_status reapply_all(fk_ctx *ctx, const fk_disposal_entry *v, int64_t nv, int64_t *n,
			     fk_error *err)
{
	char oid[24], detail[200];
	int64_t now = fk_authz_now(), recorded = 0;
	char *again = calloc((size_t)nv, 1);
	fk_status s = again ? fk_disposal_secure_on(ctx, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int64_t i = 0; s == FK_OK && i < nv; i++) {
		fk_reg_info info;
		int disposed = 0, changed = 0, more = 0;
		if (v[i].municipality) {
			int64_t m = 0;
			s = fk_muni_reapply(ctx, &v[i], now, &m, err); /* recorded there, once */
			*n += m;
			continue;
		}
		if ((s = fk_store_info_any(ctx, v[i].register_id, &info, &disposed, err)) == FK_ERR_NOTFOUND) {
			s = FK_OK; /* a backup from before the register came: nothing of it to dispose of */
			continue;
		}
		if (s != FK_OK)
			break;
		/* The key the ledger names is the one destroyed, whatever the row says now. */
		if (info.key_id != v[i].key_id)
			s = fk_disposal_destroy_key(ctx, v[i].key_id, now, &changed, err);
		if (s == FK_OK)
			s = erase(ctx, &info, disposed, now, &more, err);
		again[i] = changed || more;
		*n += again[i];
	}
	if (s == FK_OK)
		s = fk_disposal_note_state(ctx, nv, err);
	for (int64_t i = 0; s == FK_OK && i < nv; i++) {
		if (!again[i])
			continue;
		snprintf(oid, sizeof oid, "%lld", (long long)v[i].register_id);
		snprintf(detail, sizeof detail, "request=%lld key=%lld disposed_at=%lld ledger record %lld: "
			 "disposed of again (a restored or interrupted database)", (long long)v[i].request_id,
			 (long long)v[i].key_id, (long long)v[i].at, (long long)i + 1);
		s = fk_audit_op(ctx, FK_OP_DISPOSE_REAPPLY, oid, FK_RESULT_SUCCESS, "system", detail, err);
		recorded++;
	}
	/* No register record after the counts (nothing came back, or only a municipality, which
	 * is recorded where it is applied): the counts noted, on record. */
	if (s == FK_OK && recorded == 0)
		s = fk_audit_op(ctx, FK_OP_DISPOSE_REAPPLY, FK_DISPOSAL_FILE, FK_RESULT_SUCCESS, "system",
				"every register of the ledger is disposed of: its counts noted", err);
	free(again);
	return s;
}

fk_status fk_disposal_reapply(fk_ctx *ctx, int64_t *n, fk_error *err)
{
	int64_t count = 0, nv = 0;
	fk_disposal_entry *v = NULL;
	int same = 0;
	*n = 0;
	fk_status s = fk_disposal_count(ctx, &count, err);
	if (s != FK_OK || count == 0)
		return s; /* nothing was ever disposed of here (the common case: one stat) */
	if ((s = fk_disposal_in_step(ctx, count, &same, err)) != FK_OK || same)
		return s;
	if ((s = fk_ctx_begin(ctx, err)) != FK_OK)
		return s;
	/* Read under the write lock: another terminal's disposal appends before its commit. */
	s = fk_disposal_read(ctx, &v, &nv, err);
	if (s == FK_OK)
		s = reapply_all(ctx, v, nv, n, err);
	free(v);
	s = fk_ctx_end(ctx, s, err);
	if (s == FK_OK && *n > 0) {
		char warning[512] = "";
		fk_disposal_empty_wal(ctx, warning, sizeof warning); /* best effort: the next disposal retries */
	}
	if (s != FK_OK)
		*n = 0;
	return s;
}
