/* Packages' rows: read checked against their MACs, written sealed (pkgrow.h). */
#include "config.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pkgrow.h"
#include "trust.h"
#include "util.h"

#define SELECT_PKG "SELECT " FK_COLS_PACKAGE ", mac FROM package "
static const char SQL_BY_DIGEST[] = SELECT_PKG "WHERE digest = ?1";
static const char SQL_STAGING[] = SELECT_PKG "WHERE state = 'staging' ORDER BY id LIMIT 1";
static const char SQL_LAST[] =
	SELECT_PKG "WHERE municipality = ?1 AND state = 'published' ORDER BY sequence DESC LIMIT 1";
static const char SQL_BY_SEQ[] =
	SELECT_PKG "WHERE municipality = ?1 AND sequence = ?2 AND state = 'published'";
/* Refused packages share the numbering (core/intake/refused.h): one number, one package. */
static const char SQL_NEXT[] =
	"SELECT CASE WHEN p >= r THEN p ELSE r END + 1 FROM (SELECT "
	"(SELECT coalesce(max(id), 0) FROM package) AS p, "
	"(SELECT coalesce(max(id), 0) FROM package_refused) AS r) AS last";
static const char SQL_INSERT[] =
	"INSERT INTO package(id, municipality, sequence, kind, digest, state, chunks, chunks_staged, "
	"n_register, n_version, n_removal, n_ledger, n_document, n_unchanged, n_rejected, "
	"received_at, published_at, wm_register, wm_version, wm_ledger, wm_doc, wm_ref, lines_staged, "
	"wm_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
	"?19, ?20, ?21, ?22, ?23, ?24)";
static const char SQL_SAVE[] =
	"UPDATE package SET state = ?6, chunks_staged = ?8, n_register = ?9, n_version = ?10, "
	"n_removal = ?11, n_ledger = ?12, n_document = ?13, n_unchanged = ?14, n_rejected = ?15, "
	"published_at = ?17, lines_staged = ?23 WHERE id = ?1";
static const char SQL_SAVE_RECEIPT[] =
	"UPDATE package SET receipt = ?2, receipt_sha256 = ?3 WHERE id = ?1";
static const char SQL_DELETE[] = "DELETE FROM package WHERE id = ?1";
static const char SQL_RECEIPT[] = "SELECT receipt FROM package WHERE id = ?1";

enum { C_ID, C_MUNI, C_SEQ, C_KIND, C_DIGEST, C_STATE, C_CHUNKS, C_STAGED, C_N, C_UNCHANGED = C_N + 5,
       C_REJECTED, C_RECEIVED, C_PUBLISHED, C_WM, C_RSHA = C_WM + FK_WM_COUNT, C_LINES, C_WMKEY };

static void from_row(fk_stmt *st, fk_pkgrow *r)
{
	memset(r, 0, sizeof *r);
	r->id = fk_sql_column_int64(st, C_ID);
	fk_copy_str(r->municipality, sizeof r->municipality, (const char *)fk_sql_column_text(st, C_MUNI));
	r->sequence = fk_sql_column_int64(st, C_SEQ);
	r->kind = fk_sql_column_int(st, C_KIND);
	if (fk_sql_column_bytes(st, C_DIGEST) == 32)
		memcpy(r->digest, fk_sql_column_blob(st, C_DIGEST), 32);
	fk_copy_str(r->state, sizeof r->state, (const char *)fk_sql_column_text(st, C_STATE));
	r->chunks = fk_sql_column_int64(st, C_CHUNKS);
	r->chunks_staged = fk_sql_column_int64(st, C_STAGED);
	for (int t = 1; t <= FK_REC_TYPES; t++) {
		r->n[t] = fk_sql_column_int64(st, C_N + t - 1);
		r->n[0] += r->n[t];
	}
	r->unchanged = fk_sql_column_int64(st, C_UNCHANGED);
	r->rejected = fk_sql_column_int64(st, C_REJECTED);
	r->received_at = fk_sql_column_int64(st, C_RECEIVED);
	r->published_at = fk_sql_column_int64(st, C_PUBLISHED);
	for (int i = 0; i < FK_WM_COUNT; i++)
		r->wm[i] = fk_sql_column_int64(st, C_WM + i);
	r->lines_staged = fk_sql_column_int64(st, C_LINES);
	r->wm_key = fk_sql_column_int64(st, C_WMKEY);
	r->has_receipt = fk_sql_column_bytes(st, C_RSHA) == 32;
	if (r->has_receipt)
		memcpy(r->receipt_sha256, fk_sql_column_blob(st, C_RSHA), 32);
}

void fk_pkgrow_from_stmt(fk_stmt *st, fk_pkgrow *r)
{
	from_row(st, r);
}

/* One row of sql (bound: text a1 or blob digest, int a2), checked. */
static fk_status find(fk_ctx *ctx, const char *sql, const char *a1, const uint8_t *digest,
		      int64_t a2, fk_pkgrow *r, int *found, fk_error *err)
{
	fk_stmt *st;
	*found = 0;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	if (a1)
		fk_sql_bind_text(st, 1, a1, -1, SQLITE_STATIC);
	if (digest)
		fk_sql_bind_blob(st, 1, digest, 32, SQLITE_STATIC);
	fk_sql_bind_int64(st, 2, a2);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW && (s = fk_trust_check(ctx, FK_T_PACKAGE, st, 0, err)) == FK_OK) {
		from_row(st, r);
		*found = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		s = fk_db_fail(ctx->db, rc, err, "reading a package");
	}
	fk_sql_reset(st);
	return s;
}

fk_status fk_pkgrow_by_digest(fk_ctx *ctx, const uint8_t digest[32], fk_pkgrow *r, int *found,
			      fk_error *err)
{
	return find(ctx, SQL_BY_DIGEST, NULL, digest, 0, r, found, err);
}

fk_status fk_pkgrow_staging(fk_ctx *ctx, fk_pkgrow *r, int *found, fk_error *err)
{
	return find(ctx, SQL_STAGING, NULL, NULL, 0, r, found, err);
}

fk_status fk_pkgrow_last(fk_ctx *ctx, const char *muni, fk_pkgrow *r, int *found, fk_error *err)
{
	return find(ctx, SQL_LAST, muni, NULL, 0, r, found, err);
}

fk_status fk_pkgrow_by_sequence(fk_ctx *ctx, const char *muni, int64_t seq, fk_pkgrow *r,
				int *found, fk_error *err)
{
	return find(ctx, SQL_BY_SEQ, muni, NULL, seq, r, found, err);
}

static void bind_row(fk_stmt *st, const fk_pkgrow *r)
{
	fk_sql_bind_int64(st, 1, r->id);
	fk_sql_bind_text(st, 2, r->municipality, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 3, r->sequence);
	fk_sql_bind_int(st, 4, r->kind);
	fk_sql_bind_blob(st, 5, r->digest, 32, SQLITE_STATIC);
	fk_sql_bind_text(st, 6, r->state, -1, SQLITE_STATIC);
	fk_sql_bind_int64(st, 7, r->chunks);
	fk_sql_bind_int64(st, 8, r->chunks_staged);
	for (int t = 1; t <= FK_REC_TYPES; t++)
		fk_sql_bind_int64(st, 8 + t, r->n[t]);
	fk_sql_bind_int64(st, 14, r->unchanged);
	fk_sql_bind_int64(st, 15, r->rejected);
	fk_sql_bind_int64(st, 16, r->received_at);
	if (r->published_at)
		fk_sql_bind_int64(st, 17, r->published_at);
	for (int i = 0; i < FK_WM_COUNT; i++)
		fk_sql_bind_int64(st, 18 + i, r->wm[i]);
	fk_sql_bind_int64(st, 23, r->lines_staged);
	/* fixed when staging begins: only the insert names it */
	if (fk_sql_bind_parameter_count(st) >= 24)
		fk_sql_bind_int64(st, 24, r->wm_key);
}

fk_status fk_pkgrow_insert(fk_ctx *ctx, fk_pkgrow *r, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_int64(ctx, SQL_NEXT, &r->id, err, "package id");
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err)) == FK_OK) {
		bind_row(st, r);
		s = fk_ctx_exec(ctx, st, err, "storing a package");
	}
	return s == FK_OK ? fk_trust_seal(ctx, FK_T_PACKAGE, FK_VAL_INT(r->id), err) : s;
}

fk_status fk_pkgrow_save(fk_ctx *ctx, fk_pkgrow *r, const char *receipt, size_t len,
			 fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_PACKAGE, FK_VAL_INT(r->id), 0, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_SAVE, &st, err)) == FK_OK) {
		bind_row(st, r);
		s = fk_ctx_exec(ctx, st, err, "updating a package");
	}
	if (s == FK_OK && receipt) {
		unsigned int hl = 0;
		if (EVP_Digest(receipt, len, r->receipt_sha256, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
			s = fk_fail(err, FK_ERR_CRYPTO, "hashing the receipt failed");
		if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_SAVE_RECEIPT, &st, err)) == FK_OK) {
			fk_sql_bind_int64(st, 1, r->id);
			fk_sql_bind_blob(st, 2, receipt, (int)len, SQLITE_STATIC);
			fk_sql_bind_blob(st, 3, r->receipt_sha256, 32, SQLITE_STATIC);
			s = fk_ctx_exec(ctx, st, err, "storing a receipt");
		}
		r->has_receipt = s == FK_OK;
	}
	return s == FK_OK ? fk_trust_seal(ctx, FK_T_PACKAGE, FK_VAL_INT(r->id), err) : s;
}

fk_status fk_pkgrow_delete(fk_ctx *ctx, int64_t id, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_trust_unseal(ctx, FK_T_PACKAGE, FK_VAL_INT(id), 1, err);
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_DELETE, &st, err)) == FK_OK) {
		fk_sql_bind_int64(st, 1, id);
		s = fk_ctx_exec(ctx, st, err, "removing a package");
	}
	return s;
}

fk_status fk_pkgrow_receipt(fk_ctx *ctx, const fk_pkgrow *r, char **json, size_t *len,
			    fk_error *err)
{
	fk_stmt *st;
	*json = NULL;
	*len = 0;
	if (!r->has_receipt)
		return fk_fail(err, FK_ERR_NOTFOUND, "package %lld has no receipt", (long long)r->id);
	fk_status s = fk_ctx_stmt(ctx, SQL_RECEIPT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, r->id);
	int rc = fk_sql_step(st);
	if (rc != SQLITE_ROW) {
		fk_sql_reset(st);
		return rc == SQLITE_DONE ? fk_fail(err, FK_ERR_NOTFOUND, "package %lld is gone", (long long)r->id)
					 : fk_db_fail(ctx->db, rc, err, "reading a receipt");
	}
	size_t n = (size_t)fk_sql_column_bytes(st, 0);
	const void *p = fk_sql_column_blob(st, 0);
	uint8_t h[32];
	unsigned int hl = 0;
	char *out = malloc(n + 1);
	if (!out || (n && !p))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	else if (EVP_Digest(p ? p : "", n, h, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
		s = fk_fail(err, FK_ERR_CRYPTO, "hashing the receipt failed");
	else if (memcmp(h, r->receipt_sha256, 32) != 0)
		s = fk_fail(err, FK_ERR_TAMPER, "the receipt of package row id=%lld does not match its "
			    "hash: it was changed outside fukuhon", (long long)r->id);
	if (s == FK_OK) {
		if (n && p)
			memcpy(out, p, n);
		out[n] = '\0';
		*json = out;
		*len = n;
	} else {
		free(out);
	}
	fk_sql_reset(st);
	return s;
}
