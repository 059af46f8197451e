/* Data-encryption keys: one per register and per municipality, wrapped by a master key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "datakey.h"
#include "db.h"
#include "meta.h"
#include "trust.h"
#include "util.h"

static const char SQL_NEXT_ID[] = "SELECT coalesce(max(id), 0) + 1 FROM data_key";
static const char SQL_INSERT[] =
	"INSERT INTO data_key(id, kek_id, wrapped, created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_GET[] = "SELECT kek_id, wrapped FROM data_key WHERE id = ?1";
static const char SQL_MUNI_KEY[] =
	"SELECT " FK_COLS_MUNICIPALITY ", mac FROM municipality WHERE code = ?1";
static const char SQL_DESTROYED[] = "SELECT count(*) FROM data_key WHERE id = ?1 AND wrapped IS NULL";
static const char SQL_MUNI_SET[] = "UPDATE municipality SET key_id = ?2 WHERE code = ?1";

/* Another process may have rotated the master key since ours was loaded:
 * never wrap a new key under one that is about to be retired (rotate.c). */
static fk_status follow_rotation(fk_ctx *ctx, fk_error *err)
{
	char buf[16];
	fk_status s = fk_meta_get(ctx, "kek_current", buf, sizeof buf, err);
	if (s != FK_OK)
		return s;
	unsigned long want = strtoul(buf, NULL, 10);
	if (want > fk_keys_current_id(ctx->keys) && (s = fk_keys_reload(ctx->keys, err)) != FK_OK)
		return s;
	/* Announced by another terminal of a shared store that this one has not received: no key
	 * is made under an older one, which that terminal's rotation would never re-wrap. */
	if (want > fk_keys_current_id(ctx->keys))
		return fk_fail_id(err, FK_ERR_NOKEY, FK_MSG_MASTER_KEY_MISSING, NULL, (long long)want);
	return FK_OK;
}

/* Row ids are taken once per transaction and then counted up: BEGIN
 * IMMEDIATE makes this process the only writer until it commits. */
fk_status fk_datakey_reserve(fk_ctx *ctx, int64_t n, int64_t *first, fk_error *err)
{
	if (ctx->tx_depth <= 0)
		return fk_fail(err, FK_ERR_INTERNAL, "data key created outside a transaction");
	if (ctx->next_key_id < 0) {
		fk_status s = follow_rotation(ctx, err);
		if (s == FK_OK)
			s = fk_ctx_int64(ctx, SQL_NEXT_ID, &ctx->next_key_id, err, "data key id");
		if (s != FK_OK) {
			ctx->next_key_id = -1;
			return s;
		}
	}
	*first = ctx->next_key_id;
	ctx->next_key_id += n;
	return FK_OK;
}

fk_status fk_datakey_make(const fk_keyring *keys, int64_t id, uint8_t dk[FK_KEY_LEN],
			  uint8_t wrapped[FK_WRAPPED_LEN], uint32_t *kek, fk_error *err)
{
	fk_status s = fk_random(dk, FK_KEY_LEN, err);
	if (s == FK_OK)
		s = fk_keys_wrap(keys, id, dk, wrapped, kek, err);
	if (s != FK_OK)
		fk_wipe(dk, FK_KEY_LEN);
	return s;
}

fk_status fk_datakey_insert(fk_ctx *ctx, int64_t id, uint32_t kek,
			    const uint8_t wrapped[FK_WRAPPED_LEN], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	fk_sql_bind_int64(st, 2, kek);
	fk_sql_bind_blob(st, 3, wrapped, FK_WRAPPED_LEN, SQLITE_STATIC);
	fk_sql_bind_int64(st, 4, fk_now_ns());
	return fk_ctx_exec(ctx, st, err, "storing a data key");
}

fk_status fk_datakey_new(fk_ctx *ctx, int64_t *id, uint8_t dk[FK_KEY_LEN], fk_error *err)
{
	uint8_t wrapped[FK_WRAPPED_LEN];
	uint32_t kek;
	fk_status s = fk_datakey_reserve(ctx, 1, id, err);
	if (s == FK_OK)
		s = fk_datakey_make(ctx->keys, *id, dk, wrapped, &kek, err);
	if (s == FK_OK && (s = fk_datakey_insert(ctx, *id, kek, wrapped, err)) != FK_OK)
		fk_wipe(dk, FK_KEY_LEN);
	return s;
}

static fk_status unwrap_row(fk_ctx *ctx, int64_t id, uint32_t kek, const void *w, size_t n,
			    uint8_t dk[FK_KEY_LEN], fk_error *err)
{
	fk_status s = fk_keys_unwrap(ctx->keys, kek, id, w, n, dk, err);
	if (s == FK_ERR_NOKEY && fk_keys_reload(ctx->keys, err) == FK_OK)
		s = fk_keys_unwrap(ctx->keys, kek, id, w, n, dk, err);
	/* Newer than any in the folder even now: another terminal of the store rotated the master
	 * key and this one has not received it (docs/deployment.md, "Keys after enrolment"). Said
	 * so, with what to do; nothing is read or written. An older one missing is a key destroyed
	 * here (key destroy-old: a backup from before it), which keeps keys.c's message. */
	if (s == FK_ERR_NOKEY && kek > fk_keys_current_id(ctx->keys))
		fk_fail_id(err, s, FK_MSG_MASTER_KEY_MISSING, NULL, (long long)kek);
	return s;
}

fk_status fk_datakey_unwrap(fk_ctx *ctx, int64_t id, uint32_t kek, const void *wrapped, size_t n,
			    uint8_t dk[FK_KEY_LEN], fk_error *err)
{
	if (!wrapped)
		return fk_fail(err, FK_ERR_NOTFOUND, "data key %lld was destroyed", (long long)id);
	return unwrap_row(ctx, id, kek, wrapped, n, dk, err);
}

void fk_datakey_memo_wipe(fk_datakey_memo *m)
{
	fk_wipe(m, sizeof *m);
}

fk_status fk_datakey_of_row(fk_ctx *ctx, fk_stmt *st, int first, int64_t id, fk_datakey_memo *m,
			    const uint8_t **dk, fk_error *err)
{
	*dk = NULL;
	if (fk_sql_column_type(st, first) == SQLITE_NULL)
		return fk_fail(err, FK_ERR_NOTFOUND, "data key %lld does not exist", (long long)id);
	uint32_t kek = (uint32_t)fk_sql_column_int64(st, first + 1);
	const void *w = fk_sql_column_type(st, first + 2) == SQLITE_NULL ? NULL : fk_sql_column_blob(st, first + 2);
	size_t n = w ? (size_t)fk_sql_column_bytes(st, first + 2) : 0;
	if (!(m->valid && m->id == id && m->kek == kek && w && n == FK_WRAPPED_LEN && !memcmp(m->wrapped, w, n))) {
		fk_datakey_memo_wipe(m);
		fk_status s = fk_datakey_unwrap(ctx, id, kek, w, n, m->dk, err);
		if (s != FK_OK) {
			fk_datakey_memo_wipe(m);
			return s;
		}
		if (n == FK_WRAPPED_LEN) {
			m->valid = 1;
			m->id = id;
			m->kek = kek;
			memcpy(m->wrapped, w, n);
		}
	}
	*dk = m->dk;
	return FK_OK;
}

fk_status fk_datakey_get(fk_ctx *ctx, int64_t id, uint8_t dk[FK_KEY_LEN], fk_error *err)
{
	fk_stmt *st;
	int found;
	fk_status s = fk_ctx_row(ctx, SQL_GET, id, &st, &found, err, "reading a data key");
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "data key %lld does not exist", (long long)id);
	if (s != FK_OK)
		return s;
	if (fk_sql_column_type(st, 1) == SQLITE_NULL) {
		fk_sql_reset(st);
		return fk_fail(err, FK_ERR_NOTFOUND, "data key %lld was destroyed", (long long)id);
	}
	uint32_t kek = (uint32_t)fk_sql_column_int64(st, 0);
	s = unwrap_row(ctx, id, kek, fk_sql_column_blob(st, 1), (size_t)fk_sql_column_bytes(st, 1),
		       dk, err);
	fk_sql_reset(st);
	return s;
}

fk_status fk_datakey_municipality_id(fk_ctx *ctx, const char *code, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	*id = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI_KEY, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_MUNICIPALITY, st, 0, err)) == FK_OK &&
	    fk_sql_column_type(st, FK_C_MUNI_KEY) != SQLITE_NULL)
		*id = fk_sql_column_int64(st, FK_C_MUNI_KEY);
	else if (rc == SQLITE_DONE)
		s = fk_fail(err, FK_ERR_NOTFOUND, "municipality %s is not known", code);
	else if (rc != SQLITE_ROW)
		s = fk_db_fail(ctx->db, rc, err, "reading a municipality");
	fk_sql_reset(st);
	return s;
}

fk_status fk_datakey_municipality(fk_ctx *ctx, const char *code, int64_t *id,
				  uint8_t dk[FK_KEY_LEN], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_datakey_municipality_id(ctx, code, id, err);
	if (s != FK_OK)
		return s;
	if (*id)
		return fk_datakey_get(ctx, *id, dk, err);
	/* The municipality's row names its key: the row is sealed again. */
	if ((s = fk_datakey_new(ctx, id, dk, err)) != FK_OK ||
	    (s = fk_trust_unseal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(code), 0, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_MUNI_SET, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, *id);
	if ((s = fk_ctx_exec(ctx, st, err, "linking a municipality key")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(code), err);
}

fk_status fk_datakey_destroyed(fk_ctx *ctx, int64_t id, int *gone, fk_error *err)
{
	fk_stmt *st;
	*gone = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_DESTROYED, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*gone = fk_sql_column_int64(st, 0) > 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "reading a data key");
}

fk_status fk_datakey_municipality_renew(fk_ctx *ctx, const char *code, int64_t *id, fk_error *err)
{
	uint8_t dk[FK_KEY_LEN];
	fk_stmt *st;
	fk_status s = fk_datakey_new(ctx, id, dk, err);
	fk_wipe(dk, sizeof dk);
	if (s != FK_OK || (s = fk_trust_unseal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(code), 0, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_MUNI_SET, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, *id);
	if ((s = fk_ctx_exec(ctx, st, err, "linking a municipality's new key")) != FK_OK)
		return s;
	return fk_trust_seal(ctx, FK_T_MUNICIPALITY, FK_VAL_TEXT(code), err);
}

fk_status fk_datakey_terminal(fk_ctx *ctx, fk_error *err)
{
	char buf[32];
	fk_status st = fk_meta_get(ctx, "terminal_key_id", buf, sizeof buf, err);
	if (st != FK_OK)
		return st;
	ctx->terminal_key_id = strtoll(buf, NULL, 10);
	return fk_datakey_get(ctx, ctx->terminal_key_id, ctx->terminal_key, err);
}
