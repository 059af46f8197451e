/* Abandoning a staging package (import.h): its rows removed in short transactions, each on
 * record, the watermarks and the package's row last, so that nothing of it ever shows. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "datakey.h"
#include "db.h"
#include "gate.h"
#include "import.h"
#include "order.h"
#include "pkgrow.h"
#include "publish.h"
#include "stage.h"
#include "store.h"
#include "str.h"
#include "trust.h"
#include "util.h"

/* Rows removed per transaction: each one is unsealed (read, checked), so a few hundred keep
 * the write lock well under the consoles' wait. */
#define BATCH 500

typedef struct part {
	fk_table t;
	const char *select; /* keys: ?1 the package id or the watermark, ?2 the batch */
	const char *remove;
	int wm;             /* FK_WM_* bound as ?1, or -1: the package id */
	int is_register;    /* its search tags and data key go with it */
	int is_staged;      /* the search tags its amendment wrote are undone first */
} part;

static const part parts[] = {
	{FK_T_PKG_REJECT, "SELECT id FROM package_reject WHERE package_id = ?1 LIMIT ?2",
	 "DELETE FROM package_reject WHERE id = ?1", -1, 0, 0},
	{FK_T_STAGED, "SELECT register_id FROM staged_change WHERE package_id = ?1 LIMIT ?2",
	 "DELETE FROM staged_change WHERE register_id = ?1", -1, 0, 1},
	{FK_T_REGISTER_REF, "SELECT id FROM register_ref WHERE id > ?1 LIMIT ?2",
	 "DELETE FROM register_ref WHERE id = ?1", FK_WM_REF, 0, 0},
	{FK_T_DOC, "SELECT id FROM notification_doc WHERE id > ?1 LIMIT ?2",
	 "DELETE FROM notification_doc WHERE id = ?1", FK_WM_DOC, 0, 0},
	{FK_T_LEDGER, "SELECT id FROM ledger_entry WHERE id > ?1 LIMIT ?2",
	 "DELETE FROM ledger_entry WHERE id = ?1", FK_WM_LEDGER, 0, 0},
	{FK_T_REGISTER, "SELECT id FROM register WHERE id > ?1 LIMIT ?2",
	 "DELETE FROM register WHERE id = ?1", FK_WM_REGISTER, 1, 0},
	{FK_T_VERSION, "SELECT id FROM register_version WHERE id > ?1 LIMIT ?2",
	 "DELETE FROM register_version WHERE id = ?1", FK_WM_VERSION, 0, 0},
};
static const char SQL_KEY_OF[] = "SELECT key_id FROM register WHERE id = ?1";
static const char SQL_KEY_DELETE[] = "DELETE FROM data_key WHERE id = ?1";
static const char SQL_VERSIONS_OF[] = "SELECT id FROM register_version WHERE register_id = ?1";
static const char SQL_VERSION_DELETE[] = "DELETE FROM register_version WHERE id = ?1";

static fk_status run_one(fk_ctx *ctx, const char *sql, int64_t id, fk_error *err);

static fk_status run_one(fk_ctx *ctx, const char *sql, int64_t id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	return fk_ctx_exec(ctx, st, err, "abandoning a package");
}

static fk_status drop_versions(fk_ctx *ctx, int64_t reg, fk_error *err)
{
	fk_stmt *st;
	int64_t ids[64];
	int n = 0, rc;
	fk_status s = fk_ctx_stmt(ctx, SQL_VERSIONS_OF, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, reg);
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && n < 64)
		ids[n++] = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fk_db_fail(ctx->db, rc, err, "reading a register's versions");
	for (int i = 0; i < n && s == FK_OK; i++) {
		s = fk_trust_unseal(ctx, FK_T_VERSION, FK_VAL_INT(ids[i]), 1, err);
		if (s == FK_OK)
			s = run_one(ctx, SQL_VERSION_DELETE, ids[i], err);
	}
	/* More than 64 versions of one register in one package: the rest next time round. */
	return s == FK_OK && n == 64 ? drop_versions(ctx, reg, err) : s;
}

/* A new register's search tags (of its first version: a later one's were swapped back by
 * undo_tags, its staged row's part coming first) and its versions go before it, and
 * its data key (nothing else was sealed under it) after it. */
static fk_status drop_register(fk_ctx *ctx, int64_t reg, fk_error *err)
{
	fk_stage_reg r;
	uint8_t key[FK_KEY_LEN], tags[FK_TAGS_MAX][FK_BLIND_LEN];
	int n = 0;
	json_t *doc = NULL;
	fk_status s = fk_stage_reg_read(ctx, reg, &r, err);
	fk_reg_info info = {.id = reg, .key_id = r.key_id, .kind = (fk_reg_kind)r.kind, .version = 1};
	fk_copy_str(info.municipality, sizeof info.municipality, r.municipality);
	fk_stage_reg_clear(&r);
	if (s == FK_OK)
		s = fk_datakey_get(ctx, info.key_id, key, err);
	if (s == FK_OK)
		s = fk_regver_read_staged(ctx, &info, 1, key, &doc, err);
	fk_wipe(key, sizeof key);
	if (s == FK_OK)
		s = fk_store_tags(ctx->keys, doc, tags, &n, err);
	json_decref(doc);
	if (s == FK_OK)
		s = fk_store_tags_write(ctx, reg, (const uint8_t(*)[FK_BLIND_LEN])tags, n, 1, err);
	return s == FK_OK ? drop_versions(ctx, reg, err) : s;
}

/* An amendment's search tags, written while staging (store.h: fk_store_tags_stage), undone:
 * those it added gone, those it marked removed kept again; a register new in the package
 * (its tags swapped in place) loses its last version's, and the rest of it goes below. */
static fk_status undo_tags(fk_ctx *ctx, const fk_pkgrow *p, int64_t reg, fk_error *err)
{
	fk_stage_reg r;
	fk_status s = fk_stage_reg_read(ctx, reg, &r, err);
	if (s == FK_OK && r.staged > 0 && r.staged != 3) {
		const uint8_t(*told)[FK_BLIND_LEN] = (const uint8_t(*)[FK_BLIND_LEN])r.tags_old;
		const uint8_t(*tnew)[FK_BLIND_LEN] = (const uint8_t(*)[FK_BLIND_LEN])r.tags_new;
		if (reg > p->wm[FK_WM_REGISTER])
			s = fk_store_tags_write(ctx, reg, tnew, r.ntags_new, 1, err);
		else
			s = fk_store_tags_unstage(ctx, reg, p->id, told, r.ntags_old, tnew, r.ntags_new, err);
	}
	fk_stage_reg_clear(&r);
	return s;
}

static fk_status key_of(fk_ctx *ctx, int64_t reg, int64_t *key, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_KEY_OF, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, reg);
	int rc = fk_sql_step(st);
	*key = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FK_OK
						      : fk_db_fail(ctx->db, rc, err, "reading a register's key");
}

/* One batch of p's rows of one part, in a transaction with its record; *n how many. */
static fk_status batch(fk_ctx *ctx, fk_op op, const fk_pkgrow *r, const part *p, const char *oid,
		       int64_t *n, fk_error *err)
{
	fk_stmt *st;
	int64_t ids[BATCH];
	char detail[96];
	*n = 0;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, p->select, &st, err)) == FK_OK) {
		int rc;
		fk_sql_bind_int64(st, 1, p->wm < 0 ? r->id : r->wm[p->wm]);
		fk_sql_bind_int(st, 2, BATCH);
		while ((rc = fk_sql_step(st)) == SQLITE_ROW && *n < BATCH)
			ids[(*n)++] = fk_sql_column_int64(st, 0);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "reading a staged package's rows");
		fk_sql_reset(st);
	}
	for (int64_t i = 0; i < *n && s == FK_OK; i++) {
		int64_t key = 0;
		if (p->is_register && (s = key_of(ctx, ids[i], &key, err)) == FK_OK)
			s = drop_register(ctx, ids[i], err);
		if (s == FK_OK && p->is_staged)
			s = undo_tags(ctx, r, ids[i], err);
		if (s == FK_OK)
			s = fk_trust_unseal(ctx, p->t, FK_VAL_INT(ids[i]), 1, err);
		if (s == FK_OK)
			s = run_one(ctx, p->remove, ids[i], err);
		if (s == FK_OK && key)
			s = run_one(ctx, SQL_KEY_DELETE, key, err);
	}
	snprintf(detail, sizeof detail, "table=%s rows=%lld", fk_table_name(p->t), (long long)*n);
	if (s == FK_OK && *n)
		s = fk_audit_op(ctx, op, oid, FK_RESULT_SUCCESS, "rows", detail, err);
	s = fk_ctx_end(ctx, s, err);
	if (s == FK_OK)
		fk_stage_yield(); /* a waiting console takes the lock between batches */
	return s;
}

static fk_status forget(fk_ctx *ctx, fk_op op, const fk_pkgrow *r, const char *oid, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	/* lists written ahead of publishing (prepublish.h) */
	for (int k = 1; k <= 2 && s == FK_OK; k++)
		s = fk_order_shadow_clear(ctx, r->municipality, k, err);
	if (s == FK_OK)
		s = fk_publish_watermarks(ctx, 0, NULL, err);
	if (s == FK_OK)
		s = fk_pkgrow_delete(ctx, r->id, err);
	if (s == FK_OK)
		s = fk_audit_op(ctx, op, oid, FK_RESULT_SUCCESS, "forgotten", NULL, err);
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_intake_abandon(fk_ctx *ctx, int op, int64_t *removed, fk_error *err)
{
	fk_gate g;
	fk_pkgrow r;
	int found;
	char oid[96] = "staging", detail[64];
	*removed = 0;
	/* The receiving service gives up a package it could not open as itself (import.h). */
	fk_authz_req req = {.op = op == FK_OP_RECEIVE ? FK_OP_RECEIVE : FK_OP_IMPORT_ABANDON};
	fk_status s = fk_gate_begin(ctx, &g, &req, oid, err);
	if (s != FK_OK)
		return s;
	s = fk_pkgrow_staging(ctx, &r, &found, err);
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no package is being imported");
	if (s == FK_OK)
		fk_hex(r.digest, 32, oid);
	for (size_t i = 0; i < sizeof parts / sizeof *parts && s == FK_OK; i++) {
		int64_t n;
		do {
			s = batch(ctx, req.op, &r, &parts[i], oid, &n, err);
			*removed += s == FK_OK ? n : 0;
		} while (s == FK_OK && n == BATCH);
	}
	if (s == FK_OK)
		s = forget(ctx, req.op, &r, oid, err);
	snprintf(detail, sizeof detail, "package=%.16s rows=%lld", oid, (long long)*removed);
	return fk_gate_end(ctx, &g, s, detail, err);
}
