/* Registers as stored: the sealed content's format, and a register's row and versions read,
 * checked against their MACs and decrypted (R-ATREST, R-CURRENT, R-VERSION). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <lz4.h>

#include "aad.h"
#include "datakey.h"
#include "db.h"
#include "trust.h"
#include "util.h"
#include "regver.h"
#include "visible.h"

/* The row is read whatever its disposal mark, so that a mark set outside fukuhon is caught
 * by the row's MAC rather than taken as a disposal; the newest version it has tells an older
 * copy of the row put back (R-CURRENT). */
static const char SQL_REG_INFO[] =
	"SELECT " FK_COLS_REGISTER ", mac, "
	"(SELECT max(v.version) FROM register_version v WHERE v.register_id = register.id "
	"AND v.id <= " FK_VIS_VERSION ") "
	"FROM register WHERE id = ?1 AND id <= " FK_VIS_REGISTER;
static const char SQL_VER_READ[] =
	"SELECT " FK_COLS_VERSION ", mac, content FROM register_version "
	"WHERE register_id = ?1 AND version = ?2 AND id <= " FK_VIS_VERSION;
static const char SQL_VERSIONS[] =
	"SELECT " FK_COLS_VERSION ", mac FROM register_version WHERE register_id = ?1 "
	"AND id <= " FK_VIS_VERSION " ORDER BY version";
enum { C_VER_ID, C_VER_REGISTER, C_VER_VERSION, C_VER_RECEIVED, C_VER_BY, C_VER_MAC, C_VER_CONTENT };

/* Register content is compressed before it is sealed: it is repetitive JSON
 * (keys, dates, places) and LZ4 halves it for about 4 µs, which halves the
 * disk traffic of a bulk load (zlib saves a little more but costs ten times
 * the CPU). Sealed plaintext: format byte, the JSON length (4 bytes,
 * big-endian), then the LZ4 block. */
#define CONTENT_LZ4 2
#define CONTENT_HEADER 5
#define CONTENT_MAX (16u << 20)

fk_status fk_regver_pack(const char *json, size_t len, uint8_t **out, size_t *outlen,
			 fk_error *err)
{
	if (len > CONTENT_MAX)
		return fk_fail(err, FK_ERR_INVALID, "register content over %u bytes", CONTENT_MAX);
	int bound = LZ4_compressBound((int)len);
	uint8_t *buf = malloc(CONTENT_HEADER + (size_t)bound);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	buf[0] = CONTENT_LZ4;
	for (int i = 0; i < 4; i++)
		buf[1 + i] = (uint8_t)(len >> (8 * (3 - i)));
	int z = LZ4_compress_default(json, (char *)buf + CONTENT_HEADER, (int)len, bound);
	if (z <= 0) {
		free(buf);
		return fk_fail(err, FK_ERR_INTERNAL, "compressing register content failed");
	}
	*out = buf;
	*outlen = CONTENT_HEADER + (size_t)z;
	return FK_OK;
}

static fk_status unpack_content(const uint8_t *in, size_t len, char **json, size_t *jlen,
				fk_error *err)
{
	if (len < CONTENT_HEADER || in[0] != CONTENT_LZ4)
		return fk_fail(err, FK_ERR_CORRUPT, "register content has an unknown format");
	size_t n = (size_t)in[1] << 24 | (size_t)in[2] << 16 | (size_t)in[3] << 8 | in[4];
	if (n > CONTENT_MAX)
		return fk_fail(err, FK_ERR_CORRUPT, "register content claims %zu bytes", n);
	char *buf = malloc(n + 1);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	int got = LZ4_decompress_safe((const char *)in + CONTENT_HEADER, buf,
				      (int)(len - CONTENT_HEADER), (int)n);
	if (got < 0 || (size_t)got != n) {
		fk_wipe(buf, n);
		free(buf);
		return fk_fail(err, FK_ERR_CORRUPT, "register content does not decompress");
	}
	buf[n] = '\0';
	*json = buf;
	*jlen = n;
	return FK_OK;
}

fk_status fk_store_info(fk_ctx *ctx, int64_t id, fk_reg_info *info, fk_error *err)
{
	int disposed;
	fk_status s = fk_store_info_any(ctx, id, info, &disposed, err);
	if (s == FK_OK && disposed)
		return fk_fail(err, FK_ERR_NOTFOUND, "register %lld does not exist", (long long)id);
	return s;
}

/* The register's row in st's columns from 0 (with its newest version after its MAC, as
 * SQL_REG_INFO reads it): read, checked against its MAC and its versions. */
static fk_status info_row(fk_ctx *ctx, fk_stmt *st, int64_t id, fk_reg_info *info, int *disposed,
			  fk_error *err)
{
	fk_status s;
	info->id = id;
	fk_copy_str(info->municipality, sizeof info->municipality,
		    (const char *)fk_sql_column_text(st, FK_C_REG_MUNI));
	info->kind = (fk_reg_kind)fk_sql_column_int(st, FK_C_REG_KIND);
	info->version = fk_sql_column_int(st, FK_C_REG_VERSION);
	info->received_at = fk_sql_column_int64(st, FK_C_REG_RECEIVED);
	info->key_id = fk_sql_column_int64(st, FK_C_REG_KEY);
	*disposed = fk_sql_column_type(st, FK_C_REG_DISPOSED) != SQLITE_NULL;
	int64_t newest = fk_sql_column_int64(st, FK_C_REG_MAC + 1);
	if ((s = fk_trust_check(ctx, FK_T_REGISTER, st, 0, err)) != FK_OK)
		return s;
	/* Named as every other refused row is named (core/trust/rows.c). */
	if (newest != info->version)
		return fk_fail(err, FK_ERR_TAMPER,
			       "register row id=%lld says its current version is %d but it has version %lld: "
			       "an older copy of the register was put back outside fukuhon",
			       (long long)id, info->version, (long long)newest);
	return FK_OK;
}

fk_status fk_store_info_any(fk_ctx *ctx, int64_t id, fk_reg_info *info, int *disposed, fk_error *err)
{
	fk_stmt *st;
	int found;
	memset(info, 0, sizeof *info); /* zeros, not stale values, after a failure */
	fk_status s = fk_ctx_row(ctx, SQL_REG_INFO, id, &st, &found, err, "reading a register");
	if (s == FK_OK && !found)
		s = fk_fail(err, FK_ERR_NOTFOUND, "register %lld does not exist", (long long)id);
	if (s != FK_OK)
		return s;
	s = info_row(ctx, st, id, info, disposed, err);
	fk_sql_reset(st);
	return s;
}

/* The staging package's own versions too (the import reads what it staged). */
static const char SQL_VER_READ_STAGED[] =
	"SELECT " FK_COLS_VERSION ", mac, content FROM register_version "
	"WHERE register_id = ?1 AND version = ?2";

/* A version's content is bound to the kind its register had when it was written: the
 * versions of a register removed to 除籍 before its removal were sealed as 戸籍. The kind
 * comes from the row (covered by its MAC), so trying the other one binds nothing looser
 * than register, version and municipality, which stay bound. */
static fk_status open_version(const uint8_t key[FK_KEY_LEN], const fk_reg_info *info, int version,
			      const uint8_t *blob, size_t len, char *plain, size_t *plen, fk_error *err)
{
	fk_aad a;
	fk_aad_version(&a, info->id, version, info->municipality, info->kind);
	fk_status s = fk_open(key, a.b, a.n, blob, len, (uint8_t *)plain, plen, err);
	if (s == FK_ERR_TAMPER) {
		fk_aad_version(&a, info->id, version, info->municipality,
			       info->kind == FK_KIND_JOSEKI ? FK_KIND_KOSEKI : FK_KIND_JOSEKI);
		s = fk_open(key, a.b, a.n, blob, len, (uint8_t *)plain, plen, err);
	}
	return s;
}

static fk_status read_version(fk_ctx *ctx, const char *sql, const fk_reg_info *info, int version,
			      const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err);

fk_status fk_regver_read(fk_ctx *ctx, const fk_reg_info *info, int version,
			  const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err)
{
	return read_version(ctx, SQL_VER_READ, info, version, key, doc, err);
}

fk_status fk_regver_read_staged(fk_ctx *ctx, const fk_reg_info *info, int version,
				const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err)
{
	return read_version(ctx, SQL_VER_READ_STAGED, info, version, key, doc, err);
}

/* The version's row in st's columns from first (FK_COLS_VERSION, mac, content): checked
 * against its MAC, its content opened with key and parsed. */
static fk_status version_row(fk_ctx *ctx, fk_stmt *st, int first, const fk_reg_info *info, int version,
			     const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err)
{
	fk_status s;
	*doc = NULL;
	/* Who changed it and when are shown beside it: the version's row is checked too. */
	if ((s = fk_trust_check(ctx, FK_T_VERSION, st, first, err)) != FK_OK)
		return s;
	size_t len = (size_t)fk_sql_column_bytes(st, first + C_VER_CONTENT);
	const uint8_t *blob = fk_sql_column_blob(st, first + C_VER_CONTENT);
	char *plain = len >= FK_SEAL_OVERHEAD ? malloc(len - FK_SEAL_OVERHEAD + 1) : NULL;
	size_t plen = 0;
	if (len < FK_SEAL_OVERHEAD)
		s = fk_fail(err, FK_ERR_CORRUPT, "register %lld version %d: content too short",
			    (long long)info->id, version);
	else if (!plain)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	else
		s = open_version(key, info, version, blob, len, plain, &plen, err);
	if (s == FK_OK) {
		char *json = NULL;
		size_t jlen = 0;
		if ((s = unpack_content((const uint8_t *)plain, plen, &json, &jlen, err)) == FK_OK) {
			s = fk_register_load(json, jlen, doc, err);
			fk_wipe(json, jlen);
			free(json);
		}
	} else if (s == FK_ERR_TAMPER)
		fk_fail_wrap(err, "register %lld version %d", (long long)info->id, version);
	if (plain) {
		fk_wipe(plain, plen);
		free(plain);
	}
	return s;
}

static fk_status read_version(fk_ctx *ctx, const char *sql, const fk_reg_info *info, int version,
			      const uint8_t key[FK_KEY_LEN], json_t **doc, fk_error *err)
{
	fk_stmt *st;
	*doc = NULL;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, info->id);
	fk_sql_bind_int(st, 2, version);
	int rc = fk_sql_step(st);
	if (rc != SQLITE_ROW) {
		fk_sql_reset(st);
		if (rc == SQLITE_DONE)
			return fk_fail(err, FK_ERR_NOTFOUND, "register %lld has no version %d",
				       (long long)info->id, version);
		return fk_db_fail(ctx->db, rc, err, "reading a register version");
	}
	s = version_row(ctx, st, 0, info, version, key, doc, err);
	fk_sql_reset(st);
	return s;
}

fk_status fk_store_read(fk_ctx *ctx, int64_t id, int version, json_t **doc, fk_reg_info *info,
			fk_error *err)
{
	fk_reg_info tmp;
	if (!info)
		info = &tmp;
	uint8_t key[FK_KEY_LEN];
	fk_status s = fk_store_info(ctx, id, info, err);
	if (s != FK_OK)
		return s;
	if (version <= 0)
		version = info->version;
	if ((s = fk_datakey_get(ctx, info->key_id, key, err)) != FK_OK)
		return s;
	s = fk_regver_read(ctx, info, version, key, doc, err);
	fk_wipe(key, sizeof key);
	return s;
}

fk_status fk_store_versions(fk_ctx *ctx, int64_t id, fk_reg_version *out, int max, int *n,
			    fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_VERSIONS, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	*n = 0;
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW && *n < max) {
		if ((s = fk_trust_check(ctx, FK_T_VERSION, st, 0, err)) != FK_OK)
			break;
		fk_reg_version *v = &out[(*n)++];
		v->version = fk_sql_column_int(st, C_VER_VERSION);
		v->received_at = fk_sql_column_int64(st, C_VER_RECEIVED);
		fk_copy_str(v->changed_by, sizeof v->changed_by,
			    (const char *)fk_sql_column_text(st, C_VER_BY));
	}
	fk_sql_reset(st);
	if (s != FK_OK)
		*n = 0;
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the version history");
	return s;
}

/* ---- a page of registers in one statement (issue 14) ---- */

/* FK_SQL_IN_MAX ids (unused ones bound NULL, which matches nothing): each register's
 * row with its newest version (as SQL_REG_INFO), its current version's row (as SQL_VER_READ)
 * and its data key's row (as datakey.c's SQL_GET), so that a page costs one round trip, not
 * three per row. Columns: the register's from 0, its newest version, the version's from
 * PAGE_C_VER (NULL when it has none), the key's id, master key id and wrapped key. */
static const char SQL_PAGE_READ[] =
	"SELECT r.*, (SELECT max(x.version) FROM register_version x WHERE x.register_id = r.id "
	"AND x.id <= " FK_VIS_VERSION "), v.*, k.id, k.kek_id, k.wrapped "
	"FROM (SELECT " FK_COLS_REGISTER ", mac FROM register WHERE id IN (" FK_SQL_IN32 ") "
	"AND id <= " FK_VIS_REGISTER ") r "
	"LEFT JOIN (SELECT " FK_COLS_VERSION ", mac, content FROM register_version "
	"WHERE id <= " FK_VIS_VERSION ") v ON v.register_id = r.id AND v.version = r.version "
	"LEFT JOIN data_key k ON k.id = r.key_id";
enum { PAGE_C_VER = FK_C_REG_MAC + 2, PAGE_C_KEY = PAGE_C_VER + C_VER_CONTENT + 1 };

/* One row of SQL_PAGE_READ, checked in fk_store_read's order: register row, key, version. */
static fk_status page_row(fk_ctx *ctx, fk_stmt *st, fk_datakey_memo *pk, fk_reg_info *info, json_t **doc,
			  fk_error *err)
{
	int disposed;
	int64_t id = fk_sql_column_int64(st, FK_C_REG_ID);
	*doc = NULL;
	memset(info, 0, sizeof *info);
	fk_status s = info_row(ctx, st, id, info, &disposed, err);
	if (s == FK_OK && disposed)
		s = fk_fail(err, FK_ERR_NOTFOUND, "register %lld does not exist", (long long)id);
	const uint8_t *dk = NULL;
	if (s == FK_OK)
		s = fk_datakey_of_row(ctx, st, PAGE_C_KEY, info->key_id, pk, &dk, err);
	if (s == FK_OK && fk_sql_column_type(st, PAGE_C_VER) == SQLITE_NULL)
		s = fk_fail(err, FK_ERR_NOTFOUND, "register %lld has no version %d", (long long)id, info->version);
	if (s == FK_OK)
		s = version_row(ctx, st, PAGE_C_VER, info, info->version, dk, doc, err);
	return s;
}

/* The failure of the earliest id in the caller's order is the one returned. */
static void page_failed(int i, fk_status s, const fk_error *e, int *first, fk_status *first_s, fk_error *err)
{
	if (i < *first) {
		*first = i;
		*first_s = s;
		if (err)
			*err = *e;
	}
}

fk_status fk_store_read_page(fk_ctx *ctx, const int64_t *ids, int n, fk_store_page_fn fn, void *arg,
			     fk_error *err)
{
	fk_datakey_memo pk = {0};
	int first = n;
	fk_status first_s = FK_OK, s = FK_OK;
	for (int base = 0; base < n && s == FK_OK; base += FK_SQL_IN_MAX) {
		int m = n - base < FK_SQL_IN_MAX ? n - base : FK_SQL_IN_MAX;
		unsigned char seen[FK_SQL_IN_MAX] = {0};
		fk_stmt *st;
		if ((s = fk_ctx_stmt(ctx, SQL_PAGE_READ, &st, err)) != FK_OK)
			break;
		fk_sql_bind_ids(st, ids + base, m);
		int rc;
		while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
			fk_reg_info info;
			json_t *doc;
			fk_error e;
			fk_status rs = page_row(ctx, st, &pk, &info, &doc, &e);
			int64_t id = fk_sql_column_int64(st, FK_C_REG_ID);
			for (int j = 0; j < m; j++) {
				if (ids[base + j] != id)
					continue;
				seen[j] = 1;
				if (rs == FK_OK || rs == FK_ERR_CORRUPT)
					fn(arg, base + j, rs, &info, rs == FK_OK ? doc : NULL);
				else
					page_failed(base + j, rs, &e, &first, &first_s, err);
			}
			json_decref(doc);
		}
		fk_sql_reset(st);
		if (rc != SQLITE_DONE) {
			s = fk_db_fail(ctx->db, rc, err, "reading a page of registers");
			break;
		}
		for (int j = 0; j < m; j++)
			if (!seen[j]) {
				fk_error e;
				fk_status ns = fk_fail(&e, FK_ERR_NOTFOUND, "register %lld does not exist",
						       (long long)ids[base + j]);
				page_failed(base + j, ns, &e, &first, &first_s, err);
			}
	}
	fk_datakey_memo_wipe(&pk);
	return s != FK_OK ? s : first_s;
}
