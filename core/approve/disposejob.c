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
#include "meta.h"
#include "order.h"
#include "regver.h"
#include "store.h"
#include "trust.h"
#include "visible.h"

static const char SQL_STAGED[] = "SELECT package_id FROM staged_change WHERE register_id = ?1";
static const char SQL_DISPOSED[] = "UPDATE register SET disposed_at = ?2 WHERE id = ?1";
/* The key's wrapped bytes go; with secure_delete on, the space they held is zeroed. */
static const char SQL_KEY_DESTROY[] =
	"UPDATE data_key SET wrapped = NULL, destroyed_at = coalesce(destroyed_at, ?2) "
	"WHERE id = ?1 AND (wrapped IS NOT NULL OR destroyed_at IS NULL)";
/* The versions stay as the record that they existed (who, when, which version); the content
 * sealed under the destroyed key is emptied as well, so that not even a copy of the key kept
 * elsewhere opens anything of this database (docs/disposal.md). */
static const char SQL_CONTENT_EMPTY[] =
	"UPDATE register_version SET content = substr(content, 1, 0) WHERE register_id = ?1 AND length(content) > 0";
/* Without the content (a key already gone) the tags cannot be computed: found by a scan. */
static const char SQL_TAGS_SCAN[] = "DELETE FROM register_index WHERE register_id = ?1";
static const char SQL_DESTROYED[] = "SELECT count(*) FROM data_key WHERE wrapped IS NULL";
static const char SQL_SECURE_ON[] = "PRAGMA secure_delete = ON";

#define META_STATE "disposal.state" /* "<ledger records> <destroyed keys>" at the last disposal */

void fk_dispose_result_free(fk_dispose_result *r)
{
	free(r->ids);
	r->ids = NULL;
	r->n = 0;
}

/* ---- one register ---- */

static fk_status exec_id(fk_ctx *ctx, const char *sql, int64_t id, int64_t at, int *changes,
			 const char *what, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	if (fk_sql_bind_parameter_count(st) >= 2)
		fk_sql_bind_int64(st, 2, at);
	s = fk_ctx_exec(ctx, st, err, what);
	if (s == FK_OK && changes)
		*changes = fk_sql_changes(ctx->db);
	return s;
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
		s = exec_id(ctx, SQL_TAGS_SCAN, info->id, 0, NULL, "removing search tags", err);
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
		if (s == FK_OK)
			s = fk_trust_unseal(ctx, FK_T_REGISTER, FK_VAL_INT(info->id), 0, err);
		if (s == FK_OK)
			s = exec_id(ctx, SQL_DISPOSED, info->id, now, NULL, "marking a register disposed of", err);
		if (s == FK_OK)
			s = fk_trust_seal(ctx, FK_T_REGISTER, FK_VAL_INT(info->id), err);
		*changed = 1;
	}
	if (s == FK_OK)
		s = exec_id(ctx, SQL_KEY_DESTROY, info->key_id, now, &keys, "destroying a data key", err);
	if (s == FK_OK)
		s = exec_id(ctx, SQL_CONTENT_EMPTY, info->id, 0, &contents, "emptying a register's versions", err);
	*changed |= keys > 0 || contents > 0;
	return s;
}

/* secure_delete is set at every open (core/db/db.c); set again and read back here, because the
 * erasure rests on it: freed space in the pages written is zeroed, not left holding the key. */
static fk_status secure_on(fk_ctx *ctx, fk_error *err)
{
	int64_t on = 0;
	fk_status s = fk_ctx_int64(ctx, SQL_SECURE_ON, &on, err, "secure_delete");
	if (s == FK_OK && on != 1)
		s = fk_fail(err, FK_ERR_INTERNAL, "SQLite's secure_delete cannot be turned on: nothing is disposed of");
	return s;
}

/* The counts the next open compares (META_STATE), in the caller's transaction. */
static fk_status note_state(fk_ctx *ctx, int64_t ledger, fk_error *err)
{
	int64_t destroyed;
	char v[64];
	fk_status s = fk_ctx_int64(ctx, SQL_DESTROYED, &destroyed, err, "destroyed keys");
	if (s != FK_OK)
		return s;
	snprintf(v, sizeof v, "%lld %lld", (long long)ledger, (long long)destroyed);
	return fk_meta_set(ctx, META_STATE, v, err);
}

/* After the commit: the WAL's frames (copies of pages as they were written, the key's among
 * them before this transaction) copied into the database and the WAL cut to nothing. */
static void empty_wal(fk_ctx *ctx, char *warning, size_t len)
{
	int log = 0, done = 0;
	/* PostgreSQL keeps no WAL of ours to empty: the server's VACUUM and CHECKPOINT (later). */
	if (!fk_sql_lite(ctx->db))
		return;
	int rc = sqlite3_wal_checkpoint_v2(fk_sql_lite(ctx->db), NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (rc != SQLITE_OK || log != 0)
		snprintf(warning, len, "the write-ahead log could not be emptied (%s): it may still hold a copy "
			 "of a destroyed key until the next checkpoint; close the other sessions and run "
			 "`fukuhonctl status`", sqlite3_errstr(rc));
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

static fk_status run(job *j, fk_error *err)
{
	fk_ctx *ctx = j->ctx;
	char oid[24], detail[300];
	int64_t count = 0;
	fk_status s = secure_on(ctx, err);
	for (int i = 0; s == FK_OK && i < j->req.n_items; i++) {
		const fk_reg_info *info = &j->info[i];
		int changed;
		s = erase(ctx, info, 0, j->now, &changed, err);
		if (s != FK_OK)
			break;
		j->ledger[i] = (fk_disposal_entry){info->id, info->key_id, j->req.id, j->now};
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
		s = note_state(ctx, count, err);
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
		 (s = not_staging(&j, &g, err)) == FK_OK) {
		s = run(&j, err);
		snprintf(detail, sizeof detail, "registers=%d approved_by=%s", out->n, j.req.decided_by);
		s = fk_gate_end(ctx, &g, s, detail, err);
		if (s == FK_OK)
			empty_wal(ctx, out->warning, sizeof out->warning);
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

/* Nothing to do when the ledger and the destroyed keys are as the last disposal left them. */
static fk_status in_step(fk_ctx *ctx, int64_t ledger, int *same, fk_error *err)
{
	int64_t destroyed;
	char v[64], want[64];
	fk_error e;
	*same = 0;
	fk_status s = fk_ctx_int64(ctx, SQL_DESTROYED, &destroyed, err, "destroyed keys");
	if (s != FK_OK)
		return s;
	s = fk_meta_get(ctx, META_STATE, v, sizeof v, &e);
	if (s == FK_ERR_NOTFOUND)
		return FK_OK;
	if (s != FK_OK) {
		if (err)
			*err = e;
		return s;
	}
	snprintf(want, sizeof want, "%lld %lld", (long long)ledger, (long long)destroyed);
	*same = strcmp(v, want) == 0;
	return FK_OK;
}

/* Each entry's register disposed of again where anything of it came back; the counts noted,
 * then each register so disposed recorded (a sealed change is taken by the record after it). */
static fk_status reapply_all(fk_ctx *ctx, const fk_disposal_entry *v, int64_t nv, int64_t *n,
			     fk_error *err)
{
	char oid[24], detail[200];
	int64_t now = fk_authz_now();
	char *again = calloc((size_t)nv, 1);
	fk_status s = again ? secure_on(ctx, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	for (int64_t i = 0; s == FK_OK && i < nv; i++) {
		fk_reg_info info;
		int disposed = 0, changed = 0, more = 0;
		if ((s = fk_store_info_any(ctx, v[i].register_id, &info, &disposed, err)) == FK_ERR_NOTFOUND) {
			s = FK_OK; /* a backup from before the register came: nothing of it to dispose of */
			continue;
		}
		if (s != FK_OK)
			break;
		/* The key the ledger names is the one destroyed, whatever the row says now. */
		if (info.key_id != v[i].key_id)
			s = exec_id(ctx, SQL_KEY_DESTROY, v[i].key_id, now, &changed, "destroying a data key", err);
		if (s == FK_OK)
			s = erase(ctx, &info, disposed, now, &more, err);
		again[i] = changed || more;
		*n += again[i];
	}
	if (s == FK_OK)
		s = note_state(ctx, nv, err);
	for (int64_t i = 0; s == FK_OK && i < nv; i++) {
		if (!again[i])
			continue;
		snprintf(oid, sizeof oid, "%lld", (long long)v[i].register_id);
		snprintf(detail, sizeof detail, "request=%lld key=%lld disposed_at=%lld ledger record %lld: "
			 "disposed of again (a restored or interrupted database)", (long long)v[i].request_id,
			 (long long)v[i].key_id, (long long)v[i].at, (long long)i + 1);
		s = fk_audit_op(ctx, FK_OP_DISPOSE_REAPPLY, oid, FK_RESULT_SUCCESS, "system", detail, err);
	}
	/* Nothing came back (the counts differed for another reason): the counts noted, on record. */
	if (s == FK_OK && *n == 0)
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
	if ((s = in_step(ctx, count, &same, err)) != FK_OK || same)
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
		empty_wal(ctx, warning, sizeof warning); /* best effort: the next disposal retries */
	}
	if (s != FK_OK)
		*n = 0;
	return s;
}
