/* The encrypted fukuhon store: registers, versions, blind indexes, ledger and documents. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "datakey.h"
#include "db.h"
#include "sql.h"
#include "aad.h"
#include "honseki.h"
#include "norm.h"
#include "order.h"
#include "store.h"
#include "trust.h"
#include "util.h"
#include "regver.h"
#include "visible.h"

#define SEARCH_LIMIT_MAX 1000

static const char SQL_NEXT_REG[] = "SELECT coalesce(max(id), 0) + 1 FROM register";
static const char SQL_MUNI_EXISTS[] = "SELECT 1 FROM municipality WHERE code = ?1";
static const char SQL_NEXT_VERSION[] = "SELECT coalesce(max(id), 0) + 1 FROM register_version";
static const char SQL_REG_INSERT[] =
	"INSERT INTO register(id, municipality, kind, key_id, version, received_at, mac) "
	"VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6)";
static const char SQL_REG_UPDATE[] =
	"UPDATE register SET version = ?2, received_at = ?3, kind = ?4 WHERE id = ?1";
static const char SQL_VER_INSERT[] =
	"INSERT INTO register_version(id, register_id, version, received_at, changed_by, content, mac) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_TAG_INSERT[] =
	"INSERT INTO register_index(tag, register_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
/* The bulk load's temporary table, in each backend's words (docs/storage.md): PostgreSQL has
 * no BLOB and names the temporary schema pg_temp. The statements that use it name it without
 * its schema: both look in the temporary schema first. */
static const char *const SQL_BULK_CREATE[FK_BACKEND_PG + 1] = {
	[FK_BACKEND_SQLITE] = "CREATE TEMP TABLE IF NOT EXISTS bulk_tags (tag BLOB, register_id INTEGER NOT NULL)",
	[FK_BACKEND_PG] = "CREATE TEMP TABLE IF NOT EXISTS bulk_tags (tag bytea, register_id bigint NOT NULL)",
};
/* All of a register's tags in one statement (unused slots stay NULL). */
static const char SQL_BULK_INSERT[] =
	"INSERT INTO bulk_tags(tag, register_id) VALUES (?1, ?15), (?2, ?15), (?3, ?15), "
	"(?4, ?15), (?5, ?15), (?6, ?15), (?7, ?15), (?8, ?15), (?9, ?15), (?10, ?15), (?11, ?15), "
	"(?12, ?15), (?13, ?15), (?14, ?15)";
_Static_assert(FK_TAGS_MAX == 14, "SQL_BULK_INSERT binds FK_TAGS_MAX tags and the id after them");
static const char SQL_BULK_MERGE[] =
	"INSERT INTO register_index(tag, register_id) "
	"SELECT tag, register_id FROM bulk_tags WHERE tag IS NOT NULL ORDER BY tag, register_id "
	"ON CONFLICT DO NOTHING";
static const char *const SQL_BULK_DROP[FK_BACKEND_PG + 1] = {
	[FK_BACKEND_SQLITE] = "DROP TABLE temp.bulk_tags",
	[FK_BACKEND_PG] = "DROP TABLE pg_temp.bulk_tags",
};
/* A part's new registers' tags wait in bulk_tags until it ends (fk_store_bulk_end). */
static const char SQL_BULK_TAG_DELETE[] = "DELETE FROM bulk_tags WHERE tag = ?1 AND register_id = ?2";
static const char SQL_TAG_DELETE[] =
	"DELETE FROM register_index WHERE tag = ?1 AND register_id = ?2";
/* One tag at a time: the index yields its rows in register_id order, so the
 * page is read straight off it without sorting every match. */
static const char SQL_SEARCH[] =
	"SELECT i.register_id FROM register_index i JOIN register r ON r.id = i.register_id "
	"WHERE i.tag = ?1 AND i.register_id > ?3 AND r.disposed_at IS NULL "
	"AND i.register_id <= " FK_VIS_REGISTER " AND " FK_VIS_TAG("i") " "
	"AND (CAST(?4 AS TEXT) IS NULL OR r.municipality = ?4) AND (?5 = 0 OR r.kind = ?5) "
	"AND (?6 = 0 OR r.municipality IN (SELECT code FROM municipality WHERE bureau_id = ?6)) "
	"ORDER BY i.register_id LIMIT ?7";
/* The same, limited to the permitted set (core/access/authz.c fills it per request). */
static const char SQL_SEARCH_PERMITTED[] =
	"SELECT i.register_id FROM register_index i JOIN register r ON r.id = i.register_id "
	"WHERE i.tag = ?1 AND i.register_id > ?3 AND r.disposed_at IS NULL "
	"AND i.register_id <= " FK_VIS_REGISTER " AND " FK_VIS_TAG("i") " "
	"AND (CAST(?4 AS TEXT) IS NULL OR r.municipality = ?4) AND (?5 = 0 OR r.kind = ?5) "
	"AND (?6 = 0 OR r.municipality IN (SELECT code FROM municipality WHERE bureau_id = ?6)) "
	"AND EXISTS (SELECT 1 FROM authz_view v WHERE v.municipality = r.municipality "
	"AND v.kind = r.kind) ORDER BY i.register_id LIMIT ?7";
static const char SQL_COUNT[] =
	"SELECT count(*) FROM register WHERE disposed_at IS NULL AND id <= " FK_VIS_REGISTER " "
	"AND (CAST(?1 AS TEXT) IS NULL OR municipality = ?1) AND (?2 = 0 OR kind = ?2)";

/* ---- blind indexes ---- */

static fk_status tag_of(const fk_keyring *keys, char type, const char *norm, size_t len,
			uint8_t out[FK_BLIND_LEN], fk_error *err)
{
	/* The type byte separates the fields, so equal text in two fields gives
	 * unrelated tags. */
	uint8_t buf[1024 + 2];
	uint8_t mac[FK_MAC_LEN];
	if (len > 1024)
		len = 1024;
	buf[0] = (uint8_t)type;
	buf[1] = 0;
	memcpy(buf + 2, norm, len);
	fk_status st = fk_hmac(fk_keys_index(keys), buf, len + 2, mac, err);
	if (st == FK_OK)
		memcpy(out, mac, FK_BLIND_LEN);
	return st;
}

/* The surname: the part of the name before the first (ASCII or ideographic) space. */
static size_t surname_len(const char *name)
{
	const char *a = strchr(name, ' ');
	const char *b = strstr(name, "\xe3\x80\x80");
	const char *e = a && (!b || a < b) ? a : b;
	return e ? (size_t)(e - name) : 0;
}

static fk_status add_tag(const fk_keyring *keys, char type, const char *text, size_t len,
			 uint8_t tags[][FK_BLIND_LEN], int *n, fk_error *err)
{
	char *tmp = strndup(text, len), *norm = NULL;
	if (!tmp)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	fk_status st = fk_norm(tmp, &norm, err);
	free(tmp);
	if (st != FK_OK)
		return st;
	if (*norm)
		st = tag_of(keys, type, norm, strlen(norm), tags[(*n)++], err);
	free(norm);
	return st;
}

fk_status fk_store_tags(const fk_keyring *keys, const json_t *doc, uint8_t tags[][FK_BLIND_LEN],
			int *n, fk_error *err)
{
	*n = 0;
	const char *name = fk_register_head_name(doc);
	size_t sl = surname_len(name);
	fk_status st = add_tag(keys, 'N', name, strlen(name), tags, n, err);
	if (st == FK_OK && sl)
		st = add_tag(keys, 'S', name, sl, tags, n, err);
	if (st == FK_OK)
		st = add_tag(keys, 'H', fk_register_honseki(doc), strlen(fk_register_honseki(doc)), tags,
			     n, err);
	char *norm = NULL;
	/* The town after the municipality (緑町 of 東京都千代田区緑町一丁目…): 本籍 found by the part
	 * an operator knows without the prefecture (issue 11, item 8). */
	if (st == FK_OK && (st = fk_norm(fk_register_honseki(doc), &norm, err)) == FK_OK) {
		const char *after = fk_honseki_after(norm);
		char town[512];
		if (after && fk_honseki_town(after, town, sizeof town))
			st = tag_of(keys, 'T', town, strlen(town), tags[(*n)++], err);
		free(norm);
		norm = NULL;
	}
	if (st == FK_OK)
		st = fk_norm(fk_register_head_reading(doc), &norm, err);
	if (st != FK_OK)
		return st;
	size_t chars = fk_utf8_len(norm);
	for (size_t k = 1; k <= chars && k <= FK_PREFIX_MAX && st == FK_OK; k++)
		st = tag_of(keys, (char)('a' + k - 1), norm, fk_utf8_prefix(norm, k), tags[(*n)++], err);
	free(norm);
	return st;
}

/* *changed (NULL: not wanted) counts the rows the statements changed. */
static fk_status put_tags_counted(fk_ctx *ctx, const char *sql, int64_t id,
				  const uint8_t tags[][FK_BLIND_LEN], int n, int64_t *changed, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	for (int i = 0; i < n && s == FK_OK; i++) {
		fk_sql_bind_blob(st, 1, tags[i], FK_BLIND_LEN, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, id);
		s = fk_ctx_exec(ctx, st, err, "writing the search index");
		if (s == FK_OK && changed)
			*changed += fk_sql_changes(ctx->db);
	}
	return s;
}

static fk_status put_tags(fk_ctx *ctx, const char *sql, int64_t id,
			  const uint8_t tags[][FK_BLIND_LEN], int n, fk_error *err)
{
	return put_tags_counted(ctx, sql, id, tags, n, NULL, err);
}

static fk_status write_tags(fk_ctx *ctx, const char *sql, int64_t id, const json_t *doc,
			    fk_error *err)
{
	uint8_t tags[FK_TAGS_MAX][FK_BLIND_LEN];
	int n;
	fk_status s = fk_store_tags(ctx->keys, doc, tags, &n, err);
	return s == FK_OK ? put_tags(ctx, sql, id, (const uint8_t(*)[FK_BLIND_LEN])tags, n, err) : s;
}

/* ---- registers ---- */

static fk_status next_register_id(fk_ctx *ctx, int64_t *id, fk_error *err)
{
	if (ctx->next_register_id < 0) {
		fk_status s = fk_ctx_int64(ctx, SQL_NEXT_REG, &ctx->next_register_id, err, "register id");
		if (s != FK_OK) {
			ctx->next_register_id = -1;
			return s;
		}
	}
	*id = ctx->next_register_id++;
	return FK_OK;
}

static fk_status check_municipality(fk_ctx *ctx, const char *code, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_MUNI_EXISTS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	fk_sql_reset(st);
	if (rc == SQLITE_ROW)
		return FK_OK;
	if (rc == SQLITE_DONE)
		return fk_fail_id(err, FK_ERR_NOTFOUND, FK_MSG_MUNICIPALITY_UNKNOWN, code, 0);
	return fk_db_fail(ctx->db, rc, err, "checking the municipality");
}

/* Serialise doc, compress and seal it for (id, version, muni, kind); *out is malloc'd. */
static fk_status seal_version(int64_t id, int version, const char *muni, int kind,
			      const uint8_t key[FK_KEY_LEN], const json_t *doc, uint8_t **out,
			      size_t *len, fk_error *err)
{
	char *json;
	size_t jlen, plen = 0;
	uint8_t *plain = NULL;
	fk_status s = fk_register_dump(doc, &json, &jlen, err);
	if (s != FK_OK)
		return s;
	s = fk_regver_pack(json, jlen, &plain, &plen, err);
	fk_wipe(json, jlen);
	free(json);
	if (s != FK_OK)
		return s;
	uint8_t *sealed = malloc(plen + FK_SEAL_OVERHEAD);
	fk_aad a;
	fk_aad_version(&a, id, version, muni, kind);
	if (!sealed)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	else
		s = fk_seal(key, a.b, a.n, plain, plen, sealed, err);
	fk_wipe(plain, plen);
	free(plain);
	if (s != FK_OK) {
		free(sealed);
		return s;
	}
	*out = sealed;
	*len = plen + FK_SEAL_OVERHEAD;
	return FK_OK;
}

static fk_status next_version_id(fk_ctx *ctx, int64_t *id, fk_error *err)
{
	if (ctx->next_version_id < 0) {
		fk_status s = fk_ctx_int64(ctx, SQL_NEXT_VERSION, &ctx->next_version_id, err, "version id");
		if (s != FK_OK) {
			ctx->next_version_id = -1;
			return s;
		}
	}
	*id = ctx->next_version_id++;
	return FK_OK;
}

/* The version's row, sealed (its id, register, number, time and who changed it). */
static fk_status insert_version(fk_ctx *ctx, int64_t reg, int version, int64_t received_at,
				const char *changed_by, const uint8_t *sealed, size_t len,
				fk_error *err)
{
	fk_stmt *st;
	int64_t id;
	uint8_t mac[FK_MAC_LEN];
	fk_status s = next_version_id(ctx, &id, err);
	if (s != FK_OK)
		return s;
	const fk_val cols[] = {FK_VAL_INT(id), FK_VAL_INT(reg), FK_VAL_INT(version),
			       FK_VAL_INT(received_at), FK_VAL_TEXT(changed_by)};
	if ((s = fk_trust_seal_new(ctx, FK_T_VERSION, cols, mac, err)) != FK_OK ||
	    (s = fk_ctx_stmt(ctx, SQL_VER_INSERT, &st, err)) != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	fk_sql_bind_int64(st, 2, reg);
	fk_sql_bind_int(st, 3, version);
	fk_sql_bind_int64(st, 4, received_at);
	fk_sql_bind_text(st, 5, changed_by, -1, SQLITE_STATIC);
	fk_sql_bind_blob(st, 6, sealed, (int)len, SQLITE_STATIC);
	fk_sql_bind_blob(st, 7, mac, FK_MAC_LEN, SQLITE_STATIC);
	return fk_ctx_exec(ctx, st, err, "storing a register version");
}

/* Seal and store a new version of a register whose key is known. */
static fk_status write_version(fk_ctx *ctx, int64_t id, int version, const char *muni, int kind,
			       const uint8_t key[FK_KEY_LEN], const json_t *doc,
			       const char *changed_by, int64_t received_at, fk_error *err)
{
	uint8_t *sealed;
	size_t len;
	fk_status s = seal_version(id, version, muni, kind, key, doc, &sealed, &len, err);
	if (s != FK_OK)
		return s;
	s = insert_version(ctx, id, version, received_at, changed_by, sealed, len, err);
	free(sealed);
	return s;
}

fk_status fk_store_reserve(fk_ctx *ctx, int64_t n, int64_t *first_id, int64_t *first_key,
			   fk_error *err)
{
	fk_status s = next_register_id(ctx, first_id, err);
	if (s != FK_OK)
		return s;
	ctx->next_register_id += n - 1;
	return fk_datakey_reserve(ctx, n, first_key, err);
}

void fk_reg_prepared_clear(fk_reg_prepared *p)
{
	free(p->sealed);
	p->sealed = NULL;
	fk_wipe(p->wrapped, sizeof p->wrapped);
}

fk_status fk_store_prepare(const fk_keyring *keys, int64_t id, int64_t key_id, const char *muni,
			   fk_reg_kind kind, const json_t *doc, const char *changed_by,
			   int64_t received_at, fk_reg_prepared *p, fk_error *err)
{
	uint8_t key[FK_KEY_LEN];
	memset(p, 0, sizeof *p);
	if (kind != FK_KIND_KOSEKI && kind != FK_KIND_JOSEKI)
		return fk_fail(err, FK_ERR_INVALID, "unknown register kind %d", (int)kind);
	if (fk_copy_str(p->municipality, sizeof p->municipality, muni))
		return fk_fail(err, FK_ERR_INVALID, "municipality code too long");
	p->id = id;
	p->key_id = key_id;
	p->kind = kind;
	p->changed_by = changed_by;
	p->received_at = received_at;
	fk_status s = fk_register_validate(doc, err);
	if (s == FK_OK)
		s = fk_datakey_make(keys, key_id, key, p->wrapped, &p->kek, err);
	if (s != FK_OK)
		return s;
	s = seal_version(id, 1, muni, kind, key, doc, &p->sealed, &p->sealed_len, err);
	fk_wipe(key, sizeof key);
	if (s == FK_OK)
		s = fk_store_tags(keys, doc, p->tags, &p->ntags, err);
	if (s != FK_OK)
		fk_reg_prepared_clear(p);
	return s;
}

/* A bulk load's tags are sorted into the index at its end, so that each page of a large index
 * is written once per load instead of once per tag: in memory up to BULK_MEM_TAGS (a staged
 * part's, about 7,000, need 170 kB), beyond that (demo data's one transaction) in a temporary
 * table that SQLite sorts. */
#define BULK_ENTRY (FK_BLIND_LEN + 8)
#define BULK_MEM_TAGS ((size_t)1 << 17) /* 3 MB */

static fk_status exec_fixed(fk_ctx *ctx, const char *sql, fk_error *err, const char *what);

static void bulk_entry(uint8_t *e, const uint8_t tag[FK_BLIND_LEN], int64_t id)
{
	/* The id big-endian after the tag, offset so that memcmp orders it as the index does. */
	uint64_t u = (uint64_t)id ^ UINT64_C(0x8000000000000000);
	memcpy(e, tag, FK_BLIND_LEN);
	for (int i = 0; i < 8; i++)
		e[FK_BLIND_LEN + i] = (uint8_t)(u >> (56 - 8 * i));
}

static int64_t bulk_id(const uint8_t *e)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | e[FK_BLIND_LEN + i];
	return (int64_t)(u ^ UINT64_C(0x8000000000000000));
}

static int bulk_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BULK_ENTRY);
}

static fk_status put_bulk_table(fk_ctx *ctx, const uint8_t tags[][FK_BLIND_LEN], int n, int64_t id,
				fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_BULK_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	for (int i = 0; i < n && i < FK_TAGS_MAX; i++)
		fk_sql_bind_blob(st, i + 1, tags[i], FK_BLIND_LEN, SQLITE_STATIC);
	fk_sql_bind_int64(st, FK_TAGS_MAX + 1, id);
	return fk_ctx_exec(ctx, st, err, "collecting search tags");
}

/* A tag of a register new in this part that the part itself changes again (an amendment after
 * its creation, in the same part): taken out of the tags still collected in memory, as the
 * table's rows are with SQL_BULK_TAG_DELETE once they spilled. Rare: a scan is enough. */
static void bulk_mem_drop(fk_ctx *ctx, const uint8_t tag[FK_BLIND_LEN], int64_t id)
{
	uint8_t want[BULK_ENTRY];
	bulk_entry(want, tag, id);
	for (size_t i = 0; i < ctx->bulk_n;) {
		uint8_t *e = ctx->bulk_buf + i * BULK_ENTRY;
		if (memcmp(e, want, BULK_ENTRY) == 0) {
			memmove(e, e + BULK_ENTRY, (ctx->bulk_n - i - 1) * BULK_ENTRY);
			ctx->bulk_n--;
		} else {
			i++;
		}
	}
}

/* The tags collected in memory moved to the temporary table (once, when there are too many). */
static fk_status bulk_spill(fk_ctx *ctx, fk_error *err)
{
	fk_status s = exec_fixed(ctx, SQL_BULK_CREATE[ctx->db->backend], err, "preparing the bulk load");
	for (size_t i = 0; i < ctx->bulk_n && s == FK_OK; i++) {
		const uint8_t *e = ctx->bulk_buf + i * BULK_ENTRY;
		s = put_bulk_table(ctx, (const uint8_t(*)[FK_BLIND_LEN])e, 1, bulk_id(e), err);
	}
	if (s == FK_OK) {
		ctx->bulk_tags = 2;
		ctx->bulk_n = 0;
	}
	return s;
}

static fk_status put_bulk_tags(fk_ctx *ctx, const fk_reg_prepared *p, fk_error *err)
{
	size_t n = p->ntags > 0 ? (size_t)p->ntags : 0;
	fk_status s = FK_OK;
	if (ctx->bulk_tags == 1 && ctx->bulk_n + n > BULK_MEM_TAGS)
		s = bulk_spill(ctx, err);
	if (s != FK_OK || ctx->bulk_tags == 2)
		return s == FK_OK ? put_bulk_table(ctx, (const uint8_t(*)[FK_BLIND_LEN])p->tags,
						   p->ntags, p->id, err)
				  : s;
	if (ctx->bulk_n + n > ctx->bulk_cap) {
		size_t cap = ctx->bulk_cap ? 2 * ctx->bulk_cap : 8192;
		while (cap < ctx->bulk_n + n)
			cap *= 2;
		uint8_t *b = realloc(ctx->bulk_buf, cap * BULK_ENTRY);
		if (!b)
			return fk_fail(err, FK_ERR_NOMEM, "out of memory");
		ctx->bulk_buf = b;
		ctx->bulk_cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		bulk_entry(ctx->bulk_buf + (ctx->bulk_n + i) * BULK_ENTRY, p->tags[i], p->id);
	ctx->bulk_n += n;
	return FK_OK;
}

/* The collected tags into the index in its order: each page reached once, in turn. */
static fk_status bulk_merge_mem(fk_ctx *ctx, fk_error *err)
{
	fk_stmt *st;
	size_t n = ctx->bulk_n;
	ctx->bulk_n = 0;
	if (n == 0)
		return FK_OK;
	qsort(ctx->bulk_buf, n, BULK_ENTRY, bulk_cmp);
	fk_status s = fk_ctx_stmt(ctx, SQL_TAG_INSERT, &st, err);
	for (size_t i = 0; i < n && s == FK_OK; i++) {
		const uint8_t *e = ctx->bulk_buf + i * BULK_ENTRY;
		fk_sql_bind_blob(st, 1, e, FK_BLIND_LEN, SQLITE_STATIC);
		fk_sql_bind_int64(st, 2, bulk_id(e));
		s = fk_ctx_exec(ctx, st, err, "building the search index");
	}
	return s;
}

fk_status fk_store_insert(fk_ctx *ctx, const fk_reg_prepared *p, fk_error *err)
{
	fk_stmt *st;
	uint8_t mac[FK_MAC_LEN];
	const fk_val cols[] = {FK_VAL_INT(p->id), FK_VAL_TEXT(p->municipality), FK_VAL_INT(p->kind),
			       FK_VAL_INT(p->key_id), FK_VAL_INT(1), FK_VAL_INT(p->received_at),
			       FK_VAL_NULL};
	fk_status s = fk_datakey_insert(ctx, p->key_id, p->kek, p->wrapped, err);
	if (s == FK_OK)
		s = fk_trust_seal_new(ctx, FK_T_REGISTER, cols, mac, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_REG_INSERT, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, p->id);
		fk_sql_bind_text(st, 2, p->municipality, -1, SQLITE_STATIC);
		fk_sql_bind_int(st, 3, p->kind);
		fk_sql_bind_int64(st, 4, p->key_id);
		fk_sql_bind_int64(st, 5, p->received_at);
		fk_sql_bind_blob(st, 6, mac, FK_MAC_LEN, SQLITE_STATIC);
		s = fk_ctx_exec(ctx, st, err, "storing a register");
	}
	if (s == FK_OK)
		s = insert_version(ctx, p->id, 1, p->received_at, p->changed_by, p->sealed,
				   p->sealed_len, err);
	if (s == FK_OK)
		s = ctx->bulk_tags ? put_bulk_tags(ctx, p, err)
				   : put_tags(ctx, SQL_TAG_INSERT, p->id,
					      (const uint8_t(*)[FK_BLIND_LEN])p->tags, p->ntags, err);
	return s;
}

/* DDL goes through fk_sql_exec: the statements are fixed text, and a cached
 * statement would outlive the temporary table. */
static fk_status exec_fixed(fk_ctx *ctx, const char *sql, fk_error *err, const char *what)
{
	int rc = fk_sql_exec(ctx->db, sql);
	return rc == SQLITE_OK ? FK_OK : fk_db_fail(ctx->db, fk_sql_extended_errcode(ctx->db), err, what);
}

fk_status fk_store_bulk_begin(fk_ctx *ctx, fk_error *err)
{
	if (ctx->tx_depth <= 0)
		return fk_fail(err, FK_ERR_INTERNAL, "bulk load outside a transaction");
	ctx->bulk_tags = 1;
	ctx->bulk_n = 0;
	return FK_OK;
}

fk_status fk_store_bulk_end(fk_ctx *ctx, fk_error *err)
{
	int mode = ctx->bulk_tags;
	ctx->bulk_tags = 0;
	if (mode == 1)
		return bulk_merge_mem(ctx, err);
	if (mode != 2)
		return FK_OK;
	/* The bulk insert statement refers to the table about to be dropped. */
	for (unsigned i = 0; i < ctx->nstmts; i++)
		if (ctx->stmts[i].sql == SQL_BULK_INSERT || ctx->stmts[i].sql == SQL_BULK_TAG_DELETE)
			fk_sql_reset(ctx->stmts[i].stmt);
	fk_status s = exec_fixed(ctx, SQL_BULK_MERGE, err, "building the search index");
	fk_status d = exec_fixed(ctx, SQL_BULK_DROP[ctx->db->backend], err, "finishing the bulk load");
	return s != FK_OK ? s : d;
}

static fk_status add_locked(fk_ctx *ctx, const char *muni, fk_reg_kind kind, const json_t *doc,
			    const char *changed_by, int64_t received_at, int64_t *id, fk_error *err)
{
	int64_t key_id;
	fk_reg_prepared p;
	/* Its row would be hidden with a staging package's (visible.h). */
	fk_status s = fk_store_not_staging(ctx, err);
	if (s == FK_OK)
		s = check_municipality(ctx, muni, err);
	if (s == FK_OK)
		s = fk_store_reserve(ctx, 1, id, &key_id, err);
	if (s == FK_OK)
		s = fk_store_prepare(ctx->keys, *id, key_id, muni, kind, doc, changed_by, received_at,
				     &p, err);
	if (s != FK_OK)
		return s;
	s = fk_store_insert(ctx, &p, err);
	fk_reg_prepared_clear(&p);
	if (s == FK_OK)
		s = fk_order_insert(ctx, muni, kind, *id, doc, err);
	return s;
}

fk_status fk_store_add(fk_ctx *ctx, const char *municipality, fk_reg_kind kind, const json_t *doc,
		       const char *changed_by, int64_t received_at, int64_t *id, fk_error *err)
{
	fk_status s = fk_ctx_begin(ctx, err);
	if (s != FK_OK)
		return s;
	s = add_locked(ctx, municipality, kind, doc, changed_by, received_at, id, err);
	return fk_ctx_end(ctx, s, err);
}

/* Whether a new version moves the register in its sorted lists: another
 * kind, or another 本籍 or 筆頭者. */
static fk_status order_moves(const json_t *old, const json_t *doc, int kind_changed, int *moved,
			     fk_error *err)
{
	*moved = kind_changed;
	for (int f = 1; f <= FK_ORDER_FIELDS && !*moved; f++) {
		char *a = NULL, *b = NULL;
		fk_status s = fk_order_key(old, (fk_order_field)f, &a, err);
		if (s == FK_OK)
			s = fk_order_key(doc, (fk_order_field)f, &b, err);
		*moved = s == FK_OK && strcmp(a, b) != 0;
		free(a);
		free(b);
		if (s != FK_OK)
			return s;
	}
	return FK_OK;
}

fk_status fk_store_update(fk_ctx *ctx, int64_t id, fk_reg_kind kind, const json_t *doc,
			  const char *changed_by, int64_t received_at, int *version, fk_error *err)
{
	fk_reg_info info;
	uint8_t key[FK_KEY_LEN];
	json_t *old = NULL;
	fk_stmt *st;
	fk_status s = fk_register_validate(doc, err);
	if (s != FK_OK || (s = fk_ctx_begin(ctx, err)) != FK_OK)
		return s;
	/* While a package stages, its changes own their registers (R-BATCH-ATOMIC), and a new
	 * version would be hidden with the package's rows (visible.h). */
	if ((s = fk_store_not_staging(ctx, err)) != FK_OK ||
	    (s = fk_store_info(ctx, id, &info, err)) != FK_OK ||
	    (s = fk_datakey_get(ctx, info.key_id, key, err)) != FK_OK)
		return fk_ctx_end(ctx, s, err);
	/* Only the current version is indexed: drop the old version's tags. */
	s = fk_regver_read(ctx, &info, info.version, key, &old, err);
	if (s == FK_OK)
		s = write_tags(ctx, SQL_TAG_DELETE, id, old, err);
	int moved = 0;
	if (s == FK_OK)
		s = order_moves(old, doc, info.kind != kind, &moved, err);
	json_decref(old);
	*version = info.version + 1;
	if (s == FK_OK)
		s = write_version(ctx, id, *version, info.municipality, kind, key, doc, changed_by,
				  received_at, err);
	fk_wipe(key, sizeof key);
	if (s == FK_OK)
		s = fk_trust_unseal(ctx, FK_T_REGISTER, FK_VAL_INT(id), 0, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_REG_UPDATE, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		fk_sql_bind_int(st, 2, *version);
		fk_sql_bind_int64(st, 3, received_at);
		fk_sql_bind_int(st, 4, kind);
		s = fk_ctx_exec(ctx, st, err, "updating a register");
	}
	if (s == FK_OK)
		s = fk_trust_seal(ctx, FK_T_REGISTER, FK_VAL_INT(id), err);
	if (s == FK_OK)
		s = write_tags(ctx, SQL_TAG_INSERT, id, doc, err);
	if (s == FK_OK && moved && (s = fk_order_remove(ctx, info.municipality, info.kind, id, err)) == FK_OK)
		s = fk_order_insert(ctx, info.municipality, kind, id, doc, err);
	return fk_ctx_end(ctx, s, err);
}

/* ---- fk_store_update's pieces, for the import (core/intake/), which writes a version while
 * staging and moves the register's row to it when publishing ---- */

fk_status fk_store_version_write(fk_ctx *ctx, int64_t id, int version, const char *muni, int kind,
				 const uint8_t key[FK_KEY_LEN], const json_t *doc,
				 const char *changed_by, int64_t received_at, fk_error *err)
{
	return write_version(ctx, id, version, muni, kind, key, doc, changed_by, received_at, err);
}

fk_status fk_store_tags_write(fk_ctx *ctx, int64_t id, const uint8_t tags[][FK_BLIND_LEN], int n,
			      int remove, fk_error *err)
{
	return put_tags(ctx, remove ? SQL_TAG_DELETE : SQL_TAG_INSERT, id, tags, n, err);
}

fk_status fk_store_tags_add(fk_ctx *ctx, int64_t id, const uint8_t tags[][FK_BLIND_LEN], int n,
			    int64_t *added, fk_error *err)
{
	return put_tags_counted(ctx, SQL_TAG_INSERT, id, tags, n, added, err);
}

static const char SQL_TAG_ADD_STAGED[] =
	"INSERT INTO register_index(tag, register_id, added_by) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char SQL_TAG_DROP_STAGED[] =
	"DELETE FROM register_index WHERE tag = ?1 AND register_id = ?2 AND added_by = ?3";
static const char SQL_TAG_MARK[] =
	"UPDATE register_index SET removed_by = ?3 WHERE tag = ?1 AND register_id = ?2";
static const char SQL_TAG_UNMARK[] =
	"UPDATE register_index SET removed_by = NULL WHERE tag = ?1 AND register_id = ?2 "
	"AND removed_by = ?3";
static const char SQL_TAG_SETTLE[] =
	"DELETE FROM register_index WHERE tag = ?1 AND register_id = ?2 AND removed_by = ?3";

static int tag_in(const uint8_t t[FK_BLIND_LEN], const uint8_t set[][FK_BLIND_LEN], int n)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(t, set[i], FK_BLIND_LEN))
			return 1;
	return 0;
}

/* One tag statement (?1 tag, ?2 register, and ?3 the package where it has one). */
static fk_status tag_exec(fk_ctx *ctx, const char *sql, const uint8_t t[FK_BLIND_LEN], int64_t id,
			  int64_t pkg, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_blob(st, 1, t, FK_BLIND_LEN, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, id);
	if (fk_sql_bind_parameter_count(st) >= 3)
		fk_sql_bind_int64(st, 3, pkg);
	return fk_ctx_exec(ctx, st, err, "writing the search index");
}

fk_status fk_store_tags_stage(fk_ctx *ctx, int64_t id, int64_t pkg, const uint8_t base[][FK_BLIND_LEN],
			      int nbase, const uint8_t cur[][FK_BLIND_LEN], int ncur,
			      const uint8_t want[][FK_BLIND_LEN], int nwant, fk_error *err)
{
	fk_status s = FK_OK;
	/* base's rows stay; each is marked removed exactly when want lacks it */
	for (int i = 0; i < nbase && s == FK_OK; i++) {
		int was = !tag_in(base[i], cur, ncur), now = !tag_in(base[i], want, nwant);
		if (was != now)
			s = tag_exec(ctx, now ? SQL_TAG_MARK : SQL_TAG_UNMARK, base[i], id, pkg, err);
	}
	/* the package's own rows: those of cur want lacks go, those of want cur lacks come */
	for (int i = 0; i < ncur && s == FK_OK; i++)
		if (!tag_in(cur[i], base, nbase) && !tag_in(cur[i], want, nwant))
			s = tag_exec(ctx, SQL_TAG_DROP_STAGED, cur[i], id, pkg, err);
	for (int i = 0; i < nwant && s == FK_OK; i++)
		if (!tag_in(want[i], base, nbase) && !tag_in(want[i], cur, ncur))
			s = tag_exec(ctx, SQL_TAG_ADD_STAGED, want[i], id, pkg, err);
	return s;
}


fk_status fk_store_tags_replace(fk_ctx *ctx, int64_t id, const uint8_t cur[][FK_BLIND_LEN], int ncur,
				const uint8_t want[][FK_BLIND_LEN], int nwant, fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; i < ncur && s == FK_OK; i++)
		if (!tag_in(cur[i], want, nwant)) {
			s = tag_exec(ctx, SQL_TAG_DELETE, cur[i], id, 0, err);
			if (s == FK_OK && ctx->bulk_tags == 1)
				bulk_mem_drop(ctx, cur[i], id);
			else if (s == FK_OK && ctx->bulk_tags == 2)
				s = tag_exec(ctx, SQL_BULK_TAG_DELETE, cur[i], id, 0, err);
		}
	for (int i = 0; i < nwant && s == FK_OK; i++)
		if (!tag_in(want[i], cur, ncur))
			s = tag_exec(ctx, SQL_TAG_INSERT, want[i], id, 0, err);
	return s;
}

fk_status fk_store_tags_unstage(fk_ctx *ctx, int64_t id, int64_t pkg, const uint8_t base[][FK_BLIND_LEN],
				int nbase, const uint8_t added[][FK_BLIND_LEN], int nadded, fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; i < nadded && s == FK_OK; i++)
		s = tag_exec(ctx, SQL_TAG_DROP_STAGED, added[i], id, pkg, err);
	for (int i = 0; i < nbase && s == FK_OK; i++)
		s = tag_exec(ctx, SQL_TAG_UNMARK, base[i], id, pkg, err);
	return s;
}

fk_status fk_store_tags_settle(fk_ctx *ctx, int64_t id, int64_t pkg, const uint8_t base[][FK_BLIND_LEN],
			       int nbase, fk_error *err)
{
	fk_status s = FK_OK;
	for (int i = 0; i < nbase && s == FK_OK; i++)
		s = tag_exec(ctx, SQL_TAG_SETTLE, base[i], id, pkg, err);
	return s;
}

fk_status fk_store_set_current(fk_ctx *ctx, int64_t id, int version, int64_t received_at,
			       fk_reg_kind kind, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_REGISTER, FK_VAL_INT(id), 0, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_REG_UPDATE, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		fk_sql_bind_int(st, 2, version);
		fk_sql_bind_int64(st, 3, received_at);
		fk_sql_bind_int(st, 4, kind);
		s = fk_ctx_exec(ctx, st, err, "updating a register");
	}
	return s == FK_OK ? fk_trust_seal(ctx, FK_T_REGISTER, FK_VAL_INT(id), err) : s;
}

fk_status fk_store_order_moves(const json_t *old, const json_t *doc, int kind_changed, int *moved,
			       fk_error *err)
{
	return order_moves(old, doc, kind_changed, moved, err);
}

/* ---- search ---- */

/* The tags a query is looked up under: name → whole name or surname,
 * reading → the prefix of its length (capped), honseki → whole. *n gets 1 or 2. */
static fk_status query_tags(fk_ctx *ctx, const fk_search *q, const char *norm,
			    uint8_t t[2][FK_BLIND_LEN], int *n, fk_error *err)
{
	fk_status s;
	*n = 1;
	switch (q->field) {
	case FK_FIELD_NAME:
		*n = 2;
		if ((s = tag_of(ctx->keys, 'N', norm, strlen(norm), t[0], err)) != FK_OK)
			return s;
		return tag_of(ctx->keys, 'S', norm, strlen(norm), t[1], err);
	case FK_FIELD_READING: {
		size_t k = fk_utf8_len(norm);
		if (k > FK_PREFIX_MAX)
			k = FK_PREFIX_MAX;
		return tag_of(ctx->keys, (char)('a' + k - 1), norm, fk_utf8_prefix(norm, k), t[0], err);
	}
	case FK_FIELD_HONSEKI: {
		/* The whole 本籍 from its prefecture; or a town and what follows it (緑町, 緑町一丁目),
		 * found by the town's tag and confirmed after decryption (search()). */
		char town[512];
		if (fk_honseki_has_prefecture(norm))
			return tag_of(ctx->keys, 'H', norm, strlen(norm), t[0], err);
		if (!fk_honseki_town(norm, town, sizeof town))
			fk_copy_str(town, sizeof town, norm);
		return tag_of(ctx->keys, 'T', town, strlen(town), t[0], err);
	}
	}
	return fk_fail(err, FK_ERR_INVALID, "unknown search field");
}

/* Up to want ids after `after` carrying tag, ascending, with the filters of q. */
static fk_status tag_page(fk_ctx *ctx, const char *sql, const fk_search *q,
			  const uint8_t tag[FK_BLIND_LEN], int64_t after, int want, int64_t *out,
			  int *got, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_blob(st, 1, tag, FK_BLIND_LEN, SQLITE_STATIC);
	fk_sql_bind_int64(st, 3, after);
	if (q->municipality)
		fk_sql_bind_text(st, 4, q->municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 5, q->kind);
	fk_sql_bind_int64(st, 6, q->bureau_id);
	fk_sql_bind_int(st, 7, want);
	int rc;
	*got = 0;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW)
		out[(*got)++] = fk_sql_column_int64(st, 0);
	fk_sql_reset(st);
	return rc == SQLITE_DONE ? FK_OK : fk_db_fail(ctx->db, rc, err, "searching");
}

/* Merge two ascending id lists without duplicates, keeping at most max. */
static int merge_ids(const int64_t *a, int na, const int64_t *b, int nb, int64_t *out, int max)
{
	int i = 0, j = 0, n = 0;
	while (n < max && (i < na || j < nb)) {
		int64_t v = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
		if (i < na && a[i] == v)
			i++;
		if (j < nb && b[j] == v)
			j++;
		out[n++] = v;
	}
	return n;
}

/* A reading longer than the indexed prefix matched only on its first
 * FK_PREFIX_MAX characters: confirm the rest after decryption. */
static fk_status confirm_reading(fk_ctx *ctx, int64_t id, const char *norm, int *ok, fk_error *err)
{
	json_t *doc;
	char *have = NULL;
	fk_status s = fk_store_read(ctx, id, 0, &doc, NULL, err);
	if (s != FK_OK)
		return s;
	s = fk_norm(fk_register_head_reading(doc), &have, err);
	json_decref(doc);
	if (s == FK_OK)
		*ok = strncmp(have, norm, strlen(norm)) == 0;
	free(have);
	return s;
}

/* A town's registers: confirm the 本籍 after the municipality starts with what was typed. */
static fk_status confirm_town(fk_ctx *ctx, int64_t id, const char *norm, int *ok, fk_error *err)
{
	json_t *doc;
	char *have = NULL;
	fk_status s = fk_store_read(ctx, id, 0, &doc, NULL, err);
	if (s != FK_OK)
		return s;
	s = fk_norm(fk_register_honseki(doc), &have, err);
	json_decref(doc);
	if (s == FK_OK) {
		const char *after = fk_honseki_after(have);
		*ok = after && strncmp(after, norm, strlen(norm)) == 0;
	}
	free(have);
	return s;
}

static fk_status search(fk_ctx *ctx, const char *sql, const fk_search *q, int64_t *ids, int *n,
			fk_error *err)
{
	*n = 0;
	char *norm = NULL;
	uint8_t t[2][FK_BLIND_LEN];
	int ntags;
	int limit = q->limit > 0 && q->limit <= SEARCH_LIMIT_MAX ? q->limit : SEARCH_LIMIT_MAX;
	fk_status s = fk_norm(q->query ? q->query : "", &norm, err);
	if (s != FK_OK)
		return s;
	if (!*norm) {
		free(norm);
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_SEARCH_EMPTY, NULL, 0);
	}
	int check = q->field == FK_FIELD_READING && fk_utf8_len(norm) > FK_PREFIX_MAX;
	int town = q->field == FK_FIELD_HONSEKI && !fk_honseki_has_prefecture(norm);
	if ((s = query_tags(ctx, q, norm, t, &ntags, err)) != FK_OK) {
		free(norm);
		return s;
	}
	int64_t a[SEARCH_LIMIT_MAX], b[SEARCH_LIMIT_MAX], m[SEARCH_LIMIT_MAX], after = q->after_id;
	int na, nb = 0;
	for (;;) {
		int want = limit - *n;
		if ((s = tag_page(ctx, sql, q, t[0], after, want, a, &na, err)) != FK_OK ||
		    (ntags == 2 && (s = tag_page(ctx, sql, q, t[1], after, want, b, &nb, err)) != FK_OK))
			break;
		int got = merge_ids(a, na, b, nb, m, want);
		for (int i = 0; i < got && s == FK_OK; i++) {
			int ok = 1;
			if (check)
				s = confirm_reading(ctx, m[i], norm, &ok, err);
			else if (town)
				s = confirm_town(ctx, m[i], norm, &ok, err);
			if (s == FK_OK && ok)
				ids[(*n)++] = m[i];
			after = m[i];
		}
		/* Unconfirmed rows were dropped: fetch on until the page is full or
		 * the index has no more. */
		if (s != FK_OK || (!check && !town) || got < want || *n >= limit)
			break;
	}
	free(norm);
	return s;
}

fk_status fk_store_search(fk_ctx *ctx, const fk_search *q, int64_t *ids, int *n, fk_error *err)
{
	return search(ctx, SQL_SEARCH, q, ids, n, err);
}

fk_status fk_store_search_permitted(fk_ctx *ctx, const fk_search *q, int64_t *ids, int *n,
				    fk_error *err)
{
	return search(ctx, SQL_SEARCH_PERMITTED, q, ids, n, err);
}

fk_status fk_store_count(fk_ctx *ctx, const char *municipality, int kind, int64_t *n,
			 fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_COUNT, &st, err);
	if (s != FK_OK)
		return s;
	if (municipality)
		fk_sql_bind_text(st, 1, municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 2, kind);
	int rc = fk_sql_step(st);
	*n = rc == SQLITE_ROW ? fk_sql_column_int64(st, 0) : 0;
	fk_sql_reset(st);
	return rc == SQLITE_ROW ? FK_OK : fk_db_fail(ctx->db, rc, err, "counting registers");
}
