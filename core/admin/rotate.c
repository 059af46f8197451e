/* Master-key rotation (R-KEYS): re-wrap every data key under a new master key, without downtime. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "gate.h"
#include "db.h"
#include "disposal.h"
#include "meta.h"
#include "rotate.h"
#include "util.h"

#define ROTATE_BATCH_MAX 100000

static const char SQL_PENDING[] =
	"SELECT id, kek_id, wrapped FROM data_key WHERE wrapped IS NOT NULL AND kek_id <> ?1 "
	"ORDER BY id LIMIT ?2";
static const char SQL_COUNT_PENDING[] =
	"SELECT count(*) FROM data_key WHERE wrapped IS NOT NULL AND kek_id <> ?1";
static const char SQL_REWRAP[] = "UPDATE data_key SET kek_id = ?2, wrapped = ?3 WHERE id = ?1";

fk_status fk_key_pending(fk_ctx *ctx, int64_t *n, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_COUNT_PENDING, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, fk_keys_current_id(ctx->keys));
	int rc = fk_sql_step(st);
	*n = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting data keys");
}

static fk_status rewrap_one(fk_ctx *ctx, int64_t id, uint32_t kek, const void *w, size_t n,
			    fk_error *err)
{
	uint8_t dk[FK_KEY_LEN], out[FK_WRAPPED_LEN];
	uint32_t new_kek;
	fk_stmt *st;
	fk_status s = fk_keys_unwrap(ctx->keys, kek, id, w, n, dk, err);
	if (s == FK_OK)
		s = fk_keys_wrap(ctx->keys, id, dk, out, &new_kek, err);
	fk_wipe(dk, sizeof dk);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_REWRAP, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		fk_sql_bind_int64(st, 2, new_kek);
		fk_sql_bind_blob(st, 3, out, sizeof out, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "re-wrapping a data key");
	}
	return s;
}

/* One transaction: re-wrap up to batch keys; *done gets how many. */
static fk_status rewrap_batch(fk_ctx *ctx, int batch, int64_t *done, fk_error *err)
{
	fk_stmt *st;
	*done = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_PENDING, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, fk_keys_current_id(ctx->keys));
	fk_sql_bind_int(st, 2, batch);
	int rc = SQLITE_DONE;
	/* The UPDATE touches rows the SELECT has passed: SQLite allows that. */
	while (s == FK_OK && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		int64_t id = fk_sql_column_int64(st, 0);
		uint32_t kek = (uint32_t)fk_sql_column_int64(st, 1);
		size_t n = (size_t)fk_sql_column_bytes(st, 2);
		uint8_t w[FK_WRAPPED_LEN];
		if (n != sizeof w) {
			s = fk_fail(err, FK_ERR_CORRUPT, "data key %lld has a damaged wrapping", (long long)id);
			break;
		}
		memcpy(w, fk_sql_column_blob(st, 2), n);
		if ((s = rewrap_one(ctx, id, kek, w, n, err)) == FK_OK)
			(*done)++;
	}
	fk_sql_reset(st);
	/* a failed step is an error, not the end of the keys to re-wrap */
	if (s == FK_OK && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the data keys to re-wrap");
	return s;
}

static fk_status announce(fk_ctx *ctx, uint32_t id, fk_error *err)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%u", id);
	fk_status s = fk_ctx_begin(ctx, err);
	if (s == FK_OK)
		s = fk_meta_set(ctx, "kek_current", buf, err);
	/* Every sealed change is on record with the change (core/trust). */
	if (s == FK_OK)
		s = fk_audit_op(ctx, FK_OP_KEY_ANNOUNCE, buf, FK_RESULT_SUCCESS, "",
			     "new data keys are wrapped under it from now on", err);
	return fk_ctx_end(ctx, s, err);
}

/* The store's announced master key (meta kek_current). */
static fk_status announced(fk_ctx *ctx, unsigned long *id, fk_error *err)
{
	char buf[16];
	fk_status s = fk_meta_get(ctx, "kek_current", buf, sizeof buf, err);
	*id = s == FK_OK ? strtoul(buf, NULL, 10) : 0;
	return s;
}

/* Steps 1 and the announcement, under the write lock: the store's announced key is read first,
 * and a terminal that has not received the key another terminal of the store announced makes
 * none of its own. Both would be "master key N+1", different keys under one id: the data keys
 * each re-wrapped would open at one terminal only (docs/deployment.md, "Keys after
 * enrolment"). The new key is written before the announcement commits; if that fails, the
 * unannounced key is left and the next rotation says another process rotated. */
static fk_status add_and_announce(fk_ctx *ctx, uint32_t *new_id, fk_error *err)
{
	unsigned long want = 0;
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = announced(ctx, &want, err);
	if (s == FK_OK && want > fk_keys_current_id(ctx->keys) && (s = fk_keys_reload(ctx->keys, err)) == FK_OK &&
	    want > fk_keys_current_id(ctx->keys))
		s = fk_fail_id(err, FK_ERR_NOKEY, FK_MSG_MASTER_KEY_MISSING, NULL, (long long)want);
	if (s == FK_OK && (s = fk_keys_add_master(ctx->keys, err)) == FK_OK) {
		*new_id = fk_keys_current_id(ctx->keys);
		s = announce(ctx, *new_id, err);
	}
	return fk_ctx_end(ctx, s, err);
}

static fk_status retire_old(fk_ctx *ctx, fk_error *err)
{
	uint32_t cur = fk_keys_current_id(ctx->keys);
	fk_status s = FK_OK;
	while (s == FK_OK && fk_keys_master_count(ctx->keys) > 1) {
		uint32_t id = fk_keys_master_id_at(ctx->keys, 0);
		if (id == cur)
			id = fk_keys_master_id_at(ctx->keys, 1);
		s = fk_keys_retire_master(ctx->keys, id, err);
	}
	return s;
}

fk_status fk_key_rotate(fk_ctx *ctx, int batch, int64_t *rewrapped, uint32_t *new_id, fk_error *err)
{
	return fk_key_rotate_keep(ctx, batch, 0, rewrapped, new_id, err);
}

fk_status fk_key_rotate_keep(fk_ctx *ctx, int batch, int keep_old, int64_t *rewrapped,
			     uint32_t *new_id, fk_error *err)
{
	fk_gate g;
	char detail[96] = "", obj[16] = "-";
	if (batch <= 0 || batch > ROTATE_BATCH_MAX)
		batch = 1000;
	*rewrapped = 0;
	int64_t done;
	fk_authz_req r = {.op = FK_OP_KEY_ROTATE};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	s = add_and_announce(ctx, new_id, err);
	do {
		if (s == FK_OK && (s = fk_ctx_begin(ctx, err)) == FK_OK) {
			s = rewrap_batch(ctx, batch, &done, err);
			s = fk_ctx_end(ctx, s, err);
			*rewrapped += s == FK_OK ? done : 0;
		}
	} while (s == FK_OK && done == batch);
	/* Last pass under the write lock: a writer that wrapped under the old key
	 * just before the announcement has committed by now. */
	if (s == FK_OK && (s = fk_ctx_begin(ctx, err)) == FK_OK) {
		do {
			s = rewrap_batch(ctx, ROTATE_BATCH_MAX, &done, err);
			*rewrapped += s == FK_OK ? done : 0;
		} while (s == FK_OK && done == ROTATE_BATCH_MAX);
		/* Every data key is under the new master key now: a rotation a disposal made due
		 * is done (the old key's destruction follows, below). */
		int cleared = 0;
		if (s == FK_OK)
			s = fk_disposal_rotation_done(ctx, *new_id, &cleared, err);
		if (s == FK_OK && cleared) {
			char buf[16];
			snprintf(buf, sizeof buf, "%u", *new_id);
			s = fk_audit_op(ctx, FK_OP_KEY_ROTATION_DUE, buf, FK_RESULT_SUCCESS, "",
					"done: every data key re-wrapped under this master key", err);
		}
		s = fk_ctx_end(ctx, s, err);
	}
	if (s == FK_OK && !keep_old)
		s = retire_old(ctx, err);
	if (s == FK_OK) {
		snprintf(detail, sizeof detail, "master key %u, %lld data keys re-wrapped%s", *new_id,
			 (long long)*rewrapped,
			 keep_old ? "; the old master keys kept until key.destroy-old" : "");
		snprintf(obj, sizeof obj, "%u", *new_id);
		fk_copy_str(g.oid, sizeof g.oid, obj);
	}
	return fk_gate_end(ctx, &g, s, detail, err);
}

fk_status fk_key_destroy_old(fk_ctx *ctx, const char *reason, unsigned *destroyed, fk_error *err)
{
	fk_gate g;
	char detail[600] = "", ids[160] = "";
	int64_t pending = 0;
	*destroyed = 0;
	if (!reason || !reason[0] || strlen(reason) > 400)
		return fk_fail(err, FK_ERR_USAGE, "a reason is required (at most 400 bytes)");
	fk_authz_req r = {.op = FK_OP_KEY_DESTROY_OLD};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	/* Under the write lock, so that no rotation or writer moves keys meanwhile. */
	if ((s = fk_ctx_begin(ctx, err)) == FK_OK) {
		if ((s = fk_key_pending(ctx, &pending, err)) == FK_OK && pending > 0)
			s = fk_fail(err, FK_ERR_INVALID, "%lld data key(s) are still wrapped under an old "
				    "master key: run key rotate to its end first", (long long)pending);
		for (unsigned i = 0; s == FK_OK && i < fk_keys_master_count(ctx->keys); i++) {
			uint32_t id = fk_keys_master_id_at(ctx->keys, i);
			size_t n = strlen(ids);
			if (id != fk_keys_current_id(ctx->keys) && n + 12 < sizeof ids)
				snprintf(ids + n, sizeof ids - n, "%s%u", n ? "," : "", id);
		}
		if (s == FK_OK) {
			*destroyed = fk_keys_master_count(ctx->keys) - 1;
			s = retire_old(ctx, err);
		}
		s = fk_ctx_end(ctx, s, err);
	}
	if (s == FK_OK)
		snprintf(detail, sizeof detail, "master keys destroyed: %s; reason=%s",
			 ids[0] ? ids : "none", reason);
	return fk_gate_end(ctx, &g, s, detail, err);
}
