/* Reception-ledger entries (受付帳情報) and notification documents (届書等情報), sealed per municipality. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aad.h"
#include "datakey.h"
#include "db.h"
#include "store.h"
#include "trust.h"
#include "util.h"
#include "visible.h"

static const char SQL_LEDGER_NEXT[] = "SELECT coalesce(max(id), 0) + 1 FROM ledger_entry";
static const char SQL_DOC_NEXT[] = "SELECT coalesce(max(id), 0) + 1 FROM notification_doc";
static const char SQL_LEDGER_INSERT[] =
	"INSERT INTO ledger_entry(id, municipality, key_id, received_at, accepted_on, payload, mac) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_DOC_INSERT[] =
	"INSERT INTO notification_doc(id, municipality, key_id, received_at, doc_type, register_id, "
	"payload, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The row's covered columns and MAC (checked as read), then the payload; the municipality and
 * the key are the second and third covered columns of both tables. */
static const char SQL_LEDGER_READ[] =
	"SELECT " FK_COLS_LEDGER ", mac, payload FROM ledger_entry WHERE id = ?1 "
	"AND id <= " FK_VIS_LEDGER;
static const char SQL_DOC_READ[] =
	"SELECT " FK_COLS_DOC ", mac, payload FROM notification_doc WHERE id = ?1 "
	"AND id <= " FK_VIS_DOC;
enum { C_MUNI = 1, C_KEY = 2 };

static fk_status next_id(fk_ctx *ctx, const char *sql, int64_t *id, fk_error *err)
{
	return fk_ctx_int64(ctx, sql, id, err, "row id");
}

/* Seal payload for (table, id, municipality) under the municipality's key. */
static fk_status seal_payload(fk_ctx *ctx, const char *table, int64_t id, const char *muni,
			      const json_t *payload, int64_t *key_id, uint8_t **out, size_t *len,
			      fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	char *plain = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	if (!plain || !json_is_object(payload)) {
		free(plain);
		return fk_fail(err, FK_ERR_INVALID, "%s payload must be a JSON object", table);
	}
	size_t n = strlen(plain);
	fk_status s = fk_datakey_municipality(ctx, muni, key_id, key, err);
	*out = s == FK_OK ? malloc(n + FK_SEAL_OVERHEAD) : NULL;
	if (s == FK_OK && !*out)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK) {
		fk_aad a;
		fk_aad_payload(&a, table, id, muni);
		s = fk_seal(key, a.b, a.n, plain, n, *out, err);
		*len = n + FK_SEAL_OVERHEAD;
	}
	fk_wipe(key, sizeof key);
	fk_wipe(plain, n);
	free(plain);
	if (s != FK_OK) {
		free(*out);
		*out = NULL;
	}
	return s;
}

fk_status fk_ledger_add(fk_ctx *ctx, const char *muni, const char *accepted_on,
			const json_t *payload, int64_t received_at, int64_t *id, fk_error *err)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int64_t key_id;
	fk_stmt *st;
	int64_t day;
	fk_status s = fk_parse_time(accepted_on, &day, err);
	if (s != FK_OK || strlen(accepted_on) != 10)
		return s != FK_OK ? s : fk_fail(err, FK_ERR_INVALID, "受付日 must be YYYY-MM-DD");
	if ((s = fk_ctx_begin(ctx, err)) != FK_OK)
		return s;
	uint8_t mac[FK_MAC_LEN];
	if ((s = next_id(ctx, SQL_LEDGER_NEXT, id, err)) == FK_OK &&
	    (s = seal_payload(ctx, "ledger_entry", *id, muni, payload, &key_id, &blob, &len, err)) == FK_OK) {
		const fk_val cols[] = {FK_VAL_INT(*id), FK_VAL_TEXT(muni), FK_VAL_INT(key_id),
				       FK_VAL_INT(received_at), FK_VAL_TEXT(accepted_on)};
		s = fk_trust_seal_new(ctx, FK_T_LEDGER, cols, mac, err);
	}
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_LEDGER_INSERT, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, *id);
		fk_sql_bind_text(st, 2, muni, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 3, key_id);
		fk_sql_bind_int64(st, 4, received_at);
		fk_sql_bind_text(st, 5, accepted_on, -1, SQLITE_STATIC);
		fk_sql_bind_blob(st, 6, blob, (int)len, SQLITE_STATIC);
		fk_sql_bind_blob(st, 7, mac, FK_MAC_LEN, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "storing a ledger entry");
	}
	free(blob);
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_doc_add(fk_ctx *ctx, const char *muni, const char *doc_type, int64_t register_id,
		     const json_t *payload, int64_t received_at, int64_t *id, fk_error *err)
{
	uint8_t *blob = NULL;
	size_t len = 0;
	int64_t key_id;
	fk_stmt *st;
	if (!doc_type || !*doc_type || strlen(doc_type) > 64)
		return fk_fail(err, FK_ERR_INVALID, "a document needs a type of at most 64 bytes");
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	uint8_t mac[FK_MAC_LEN];
	if ((s = next_id(ctx, SQL_DOC_NEXT, id, err)) == FK_OK &&
	    (s = seal_payload(ctx, "notification_doc", *id, muni, payload, &key_id, &blob, &len, err)) == FK_OK) {
		const fk_val cols[] = {FK_VAL_INT(*id), FK_VAL_TEXT(muni), FK_VAL_INT(key_id),
				       FK_VAL_TEXT(doc_type), FK_VAL_INT(received_at),
				       register_id > 0 ? FK_VAL_INT(register_id) : FK_VAL_NULL};
		s = fk_trust_seal_new(ctx, FK_T_DOC, cols, mac, err);
	}
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_DOC_INSERT, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, *id);
		fk_sql_bind_text(st, 2, muni, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 3, key_id);
		fk_sql_bind_int64(st, 4, received_at);
		fk_sql_bind_text(st, 5, doc_type, -1, SQLITE_STATIC);
		if (register_id > 0)
			fk_sql_bind_int64(st, 6, register_id);
		fk_sql_bind_blob(st, 7, blob, (int)len, SQLITE_STATIC);
		fk_sql_bind_blob(st, 8, mac, FK_MAC_LEN, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "storing a notification document");
	}
	free(blob);
	return fk_ctx_end(ctx, s, err);
}

static fk_status open_payload(const char *table, int64_t id, const char *muni, const uint8_t key[FK_KEY_LEN],
			      const uint8_t *blob, size_t len, json_t **out, fk_error *err);

static fk_status read_payload(fk_ctx *ctx, const char *sql, fk_table t, const char *table,
			      int64_t id, json_t **out, fk_error *err)
{
	fk_stmt *st;
	uint8_t key[FK_KEY_LEN];
	int found;
	fk_status s = fk_ctx_row(ctx, sql, id, &st, &found, err, table);
	if (s == FK_OK && !found)
		s = fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_RECORD_NOT_FOUND, NULL, (long long)id);
	if (s != FK_OK)
		return s;
	char muni[7];
	int payload = fk_table_ncols(t) + 1;
	fk_copy_str(muni, sizeof muni, (const char *)fk_sql_column_text(st, C_MUNI));
	int64_t key_id = fk_sql_column_int64(st, C_KEY);
	size_t len = (size_t)fk_sql_column_bytes(st, payload);
	uint8_t *blob = (s = fk_trust_check(ctx, t, st, 0, err)) == FK_OK ? malloc(len ? len : 1) : NULL;
	if (!blob) {
		fk_sql_reset(st);
		return s != FK_OK ? s : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	}
	memcpy(blob, fk_sql_column_blob(st, payload), len);
	fk_sql_reset(st);
	if (len < FK_SEAL_OVERHEAD)
		s = fk_fail(err, FK_ERR_CORRUPT, "%s %lld: payload damaged", table, (long long)id);
	else if ((s = fk_datakey_get(ctx, key_id, key, err)) == FK_OK) {
		s = open_payload(table, id, muni, key, blob, len, out, err);
		fk_wipe(key, sizeof key);
	}
	free(blob);
	return s;
}

/* The payload blob of row (table, id, muni) opened with key and parsed. */
static fk_status open_payload(const char *table, int64_t id, const char *muni, const uint8_t key[FK_KEY_LEN],
			      const uint8_t *blob, size_t len, json_t **out, fk_error *err)
{
	fk_status s;
	char *plain = len >= FK_SEAL_OVERHEAD ? malloc(len - FK_SEAL_OVERHEAD + 1) : NULL;
	size_t plen = 0;
	if (!plain)
		s = fk_fail(err, len >= FK_SEAL_OVERHEAD ? FK_ERR_NOMEM : FK_ERR_CORRUPT,
			    len >= FK_SEAL_OVERHEAD ? "out of memory" : "%s %lld: payload damaged", table, (long long)id);
	else {
		fk_aad a;
		fk_aad_payload(&a, table, id, muni);
		s = fk_open(key, a.b, a.n, blob, len, (uint8_t *)plain, &plen, err);
	}
	if (s == FK_OK) {
		json_error_t je;
		*out = json_loadb(plain, plen, JSON_REJECT_DUPLICATES, &je);
		if (!*out)
			s = fk_fail(err, FK_ERR_CORRUPT, "%s %lld: payload is not JSON", table, (long long)id);
	}
	if (plain) {
		fk_wipe(plain, plen);
		free(plain);
	}
	return s;
}

fk_status fk_ledger_read(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err)
{
	return read_payload(ctx, SQL_LEDGER_READ, FK_T_LEDGER, "ledger_entry", id, payload, err);
}

fk_status fk_doc_read(fk_ctx *ctx, int64_t id, json_t **payload, fk_error *err)
{
	return read_payload(ctx, SQL_DOC_READ, FK_T_DOC, "notification_doc", id, payload, err);
}

/* ---- a page of entries in one statement (issue 14) ---- */

/* Up to FK_SQL_IN_MAX entries (unused values bound NULL) with their data key's row, as
 * SQL_LEDGER_READ / SQL_DOC_READ and datakey.c's SQL_GET read them one by one: a page is one
 * round trip, not two per entry. */
static const char SQL_LEDGER_PAGE_READ[] =
	"SELECT e.*, k.id, k.kek_id, k.wrapped FROM (SELECT " FK_COLS_LEDGER ", mac, payload "
	"FROM ledger_entry WHERE id IN (" FK_SQL_IN32 ") AND id <= " FK_VIS_LEDGER ") e "
	"LEFT JOIN data_key k ON k.id = e.key_id";
static const char SQL_DOC_PAGE_READ[] =
	"SELECT e.*, k.id, k.kek_id, k.wrapped FROM (SELECT " FK_COLS_DOC ", mac, payload "
	"FROM notification_doc WHERE id IN (" FK_SQL_IN32 ") AND id <= " FK_VIS_DOC ") e "
	"LEFT JOIN data_key k ON k.id = e.key_id";

/* One row of a page read, checked in read_payload's order: the row's MAC, its key, its payload. */
static fk_status page_entry(fk_ctx *ctx, fk_stmt *st, fk_table t, const char *table, fk_datakey_memo *m,
			    json_t **out, fk_error *err)
{
	int payload = fk_table_ncols(t) + 1;
	int64_t id = fk_sql_column_int64(st, 0);
	const uint8_t *dk;
	char muni[7];
	*out = NULL;
	fk_status s = fk_trust_check(ctx, t, st, 0, err);
	if (s != FK_OK)
		return s;
	fk_copy_str(muni, sizeof muni, (const char *)fk_sql_column_text(st, C_MUNI));
	size_t len = (size_t)fk_sql_column_bytes(st, payload);
	const uint8_t *blob = fk_sql_column_blob(st, payload);
	if (len < FK_SEAL_OVERHEAD)
		return fk_fail(err, FK_ERR_CORRUPT, "%s %lld: payload damaged", table, (long long)id);
	if ((s = fk_datakey_of_row(ctx, st, payload + 1, fk_sql_column_int64(st, C_KEY), m, &dk, err)) != FK_OK)
		return s;
	return open_payload(table, id, muni, dk, blob, len, out, err);
}

fk_status fk_records_read_page(fk_ctx *ctx, int docs, const int64_t *ids, int n, fk_records_page_fn fn,
			       void *arg, fk_error *err)
{
	fk_table t = docs ? FK_T_DOC : FK_T_LEDGER;
	const char *table = docs ? "notification_doc" : "ledger_entry";
	fk_datakey_memo m = {0};
	fk_status s = FK_OK;
	int first = n;
	fk_status first_s = FK_OK;
	for (int base = 0; base < n && s == FK_OK; base += FK_SQL_IN_MAX) {
		int k = n - base < FK_SQL_IN_MAX ? n - base : FK_SQL_IN_MAX;
		unsigned char seen[FK_SQL_IN_MAX] = {0};
		fk_stmt *st;
		if ((s = fk_ctx_stmt(ctx, docs ? SQL_DOC_PAGE_READ : SQL_LEDGER_PAGE_READ, &st, err)) != FK_OK)
			break;
		fk_sql_bind_ids(st, ids + base, k);
		int rc;
		while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
			json_t *p;
			fk_error e;
			fk_status rs = page_entry(ctx, st, t, table, &m, &p, &e);
			int64_t id = fk_sql_column_int64(st, 0);
			for (int j = 0; j < k; j++) {
				if (ids[base + j] != id)
					continue;
				seen[j] = 1;
				if (rs == FK_OK || rs == FK_ERR_CORRUPT)
					fn(arg, base + j, rs, rs == FK_OK ? p : NULL);
				else if (base + j < first) {
					first = base + j;
					first_s = rs;
					*err = e;
				}
			}
			json_decref(p);
		}
		fk_sql_reset(st);
		if (rc != SQLITE_DONE) {
			s = fk_db_fail(ctx->db, rc, err, table);
			break;
		}
		for (int j = 0; j < k; j++)
			if (!seen[j] && base + j < first) {
				first = base + j;
				first_s = fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_RECORD_NOT_FOUND, NULL,
						     (long long)ids[base + j]);
			}
	}
	fk_datakey_memo_wipe(&m);
	return s != FK_OK ? s : first_s;
}
