/* The index key's check value: proof that index.key is the key the search index was built with (R-KEYS). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "indexkey.h"
#include "meta.h"
#include "store.h"
#include "util.h"

static const char CHECK_LABEL[] = "fukuhon index key check v1";
#define TERMINAL_ID_MAX 256
/* Registers tried when a key is adopted: enough to find one whose tags are indexed. */
#define PROBE_REGISTERS 8

static const char SQL_PROBE_REGISTERS[] =
	"SELECT id FROM register WHERE disposed_at IS NULL ORDER BY id LIMIT 8"; /* PROBE_REGISTERS */
static const char SQL_PROBE_TAG[] =
	"SELECT 1 FROM register_index WHERE tag = ?1 AND register_id = ?2";

fk_status fk_indexkey_value(const uint8_t key[FK_KEY_LEN], const char *terminal_id,
			    uint8_t out[FK_MAC_LEN], fk_error *err)
{
	char buf[sizeof CHECK_LABEL - 1 + TERMINAL_ID_MAX];
	size_t n = strlen(terminal_id);
	if (!key)
		return fk_fail(err, FK_ERR_NOKEY, "no index key loaded");
	if (n >= TERMINAL_ID_MAX)
		return fk_fail(err, FK_ERR_INVALID, "the terminal id is longer than %d bytes",
			       TERMINAL_ID_MAX - 1);
	/* The label first, fixed in length: no other label and id can make the same bytes. */
	memcpy(buf, CHECK_LABEL, sizeof CHECK_LABEL - 1);
	memcpy(buf + sizeof CHECK_LABEL - 1, terminal_id, n);
	return fk_hmac(key, buf, sizeof CHECK_LABEL - 1 + n, out, err);
}

/* The check value this terminal's index key should have: of the terminal id as the database
 * keeps it (sealed), not as configured, which a renamed host would change. */
static fk_status expected(fk_ctx *ctx, uint8_t want[FK_MAC_LEN], fk_error *err)
{
	/* Twice the longest id: a longer one read here is cut, but never below the longest,
	 * so fk_indexkey_value refuses it rather than checking a prefix. */
	char id[2 * TERMINAL_ID_MAX];
	fk_status s = fk_meta_get(ctx, "terminal_id", id, sizeof id, err);
	return s == FK_OK ? fk_indexkey_value(fk_keys_index(ctx->keys), id, want, err) : s;
}

static fk_status mismatch(fk_ctx *ctx, fk_error *err)
{
	return fk_fail(err, FK_ERR_TAMPER,
		       "index.key is not the key this terminal's search index was built with: "
		       "restore the key folder (%s) from backup", ctx->cfg.key_dir);
}

fk_status fk_indexkey_check(fk_ctx *ctx, fk_error *err)
{
	char hex[2 * FK_MAC_LEN + 8];
	uint8_t stored[FK_MAC_LEN], want[FK_MAC_LEN];
	fk_error e;
	fk_status s = fk_meta_get(ctx, FK_META_INDEX_CHECK, hex, sizeof hex, &e);
	if (s == FK_ERR_NOTFOUND)
		return fk_fail(err, s, "this terminal has no check value of its index key");
	if (s != FK_OK) {
		if (err)
			*err = e;
		return s;
	}
	if ((s = expected(ctx, want, err)) != FK_OK)
		return s;
	/* A malformed value cannot be this key's: the row is sealed, so only a key folder and
	 * database that do not belong together get here with one. */
	int same = fk_unhex(hex, stored, sizeof stored) == 0 && fk_memeq_ct(stored, want, FK_MAC_LEN) == 0;
	fk_wipe(want, sizeof want);
	return same ? FK_OK : mismatch(ctx, err);
}

/* Whether register id's tags under the loaded index key are in the index: *tried 1 when it
 * could be read and has tags, *found 1 when any of them is there. */
static fk_status probe_one(fk_ctx *ctx, int64_t id, int *tried, int *found, fk_error *err)
{
	uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
	json_t *doc = NULL;
	fk_stmt *st;
	int n = 0;
	*tried = *found = 0;
	/* One that cannot be read (altered, its key destroyed) says nothing about the index key:
	 * reading it is refused in its own place. */
	if (fk_store_read(ctx, id, 0, &doc, NULL, NULL) != FK_OK)
		return FK_OK;
	fk_status s = fk_store_tags(ctx->keys, doc, tags, &n, err);
	json_decref(doc);
	if (s == FK_OK)
		s = fk_ctx_stmt(ctx, SQL_PROBE_TAG, &st, err);
	for (int i = 0; s == FK_OK && i < n && !*found; i++) {
		fk_sql_bind_blob(st, 1, tags[i], FK_BLIND_LEN, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, id);
		int rc = fk_sql_step(st);
		fk_sql_reset(st);
		if (rc == SQLITE_ROW)
			*found = 1;
		else if (rc != SQLITE_DONE)
			s = fk_db_fail(ctx->db, rc, err, "reading the search index");
	}
	*tried = s == FK_OK && n > 0;
	return s;
}

/* The loaded index key on the search index: refused when registers could be tried and not
 * one tag of theirs is found under it. A single tag found is enough, so that a register
 * indexed under an older normalisation does not make the right key look wrong. */
static fk_status probe_index(fk_ctx *ctx, fk_error *err)
{
	int64_t ids[PROBE_REGISTERS];
	int n = 0, rc = SQLITE_DONE, tried = 0, found = 0;
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_PROBE_REGISTERS, &st, err);
	while (s == FK_OK && n < PROBE_REGISTERS && (rc = fk_sql_step(st)) == SQLITE_ROW)
		ids[n++] = fk_sql_column_int64(st, 0);
	if (s == FK_OK && n < PROBE_REGISTERS && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the registers");
	fk_sql_reset(st);
	for (int i = 0; s == FK_OK && i < n && !found; i++) {
		int t = 0;
		s = probe_one(ctx, ids[i], &t, &found, err);
		tried |= t;
	}
	if (s == FK_OK && tried && !found)
		return mismatch(ctx, err);
	return s;
}

fk_status fk_indexkey_record(fk_ctx *ctx, fk_error *err)
{
	uint8_t value[FK_MAC_LEN];
	char hex[2 * FK_MAC_LEN + 1];
	if (ctx->tx_depth <= 0)
		return fk_fail(err, FK_ERR_INTERNAL, "the index key's check value written outside a transaction");
	fk_status s = probe_index(ctx, err);
	if (s == FK_OK)
		s = expected(ctx, value, err);
	if (s != FK_OK)
		return s;
	fk_hex(value, sizeof value, hex);
	return fk_meta_set(ctx, FK_META_INDEX_CHECK, hex, err);
}
