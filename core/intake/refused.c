/* Packages refused as a whole, kept as rows (refused.h). */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "refused.h"
#include "trust.h"
#include "util.h"

#define SELECT_REFUSED "SELECT " FK_COLS_REFUSED ", mac FROM package_refused "
static const char SQL_SAME[] =
	SELECT_REFUSED "WHERE reason = ?2 AND (sha256 = ?1 OR (?1 IS NULL AND sha256 IS NULL AND "
	"source = ?3 AND (municipality = ?4 OR (municipality IS NULL AND CAST(?4 AS TEXT) IS NULL)) "
	"AND (sequence = ?5 OR (sequence IS NULL AND CAST(?5 AS BIGINT) IS NULL))))";
static const char SQL_ONE[] = SELECT_REFUSED "WHERE id = ?1";
/* Delivered to the bureau, or claiming one of its municipalities: a 支局's operators see the
 * refusals of their municipalities though the terminal's bureau received them. The claimed
 * municipality's bureau is read here unchecked, so the caller checks it (packages.c). */
static const char SQL_LIST[] = SELECT_REFUSED
	"WHERE (bureau_id = ?1 OR municipality IN (SELECT code FROM municipality WHERE bureau_id = ?1)) "
	"AND id < ?2 AND (CAST(?3 AS TEXT) IS NULL OR municipality = ?3) AND (CAST(?5 AS TEXT) IS NULL OR "
	"municipality IN (SELECT code FROM municipality WHERE replace(name, ?5, '') <> name)) "
	"ORDER BY id DESC LIMIT ?4";
/* The numbering of package(id), so that one number names one package, applied or refused. */
static const char SQL_NEXT[] =
	"SELECT CASE WHEN p >= r THEN p ELSE r END + 1 FROM (SELECT "
	"(SELECT coalesce(max(id), 0) FROM package) AS p, "
	"(SELECT coalesce(max(id), 0) FROM package_refused) AS r) AS last";
static const char SQL_BUREAU[] = "SELECT id FROM bureau WHERE name = ?1";
static const char SQL_INSERT[] =
	"INSERT INTO package_refused(" FK_COLS_REFUSED ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	"?10, ?11, ?12, ?13, ?14, ?15)";
static const char SQL_AGAIN[] =
	"UPDATE package_refused SET last_at = ?2, times = times + 1 WHERE id = ?1";

enum { C_ID, C_BUREAU, C_REASON, C_MUNI, C_SEQ, C_KIND, C_VERIFIED, C_DIGEST, C_SHA, C_SIZE,
       C_SOURCE, C_EXPECTED, C_RECEIVED, C_LAST, C_TIMES };

/* The delivery's bytes: SHA-256 and size; *known 0 when they cannot be read (a file that is
 * gone: the refusal stands without them). */
static fk_status hash_bytes(const fk_intake_origin *o, uint8_t sha[32], int64_t *size, int *known,
			    fk_error *err)
{
	*known = 0;
	*size = 0;
	if (!o || (!o->path && !o->buf))
		return FK_OK;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return fk_fail(err, FK_ERR_CRYPTO, "hashing a refused package failed");
	}
	int ok = 1;
	if (o->buf) {
		ok = EVP_DigestUpdate(md, o->buf, o->n) == 1;
		*size = (int64_t)o->n;
	} else {
		FILE *f = fopen(o->path, "rb");
		if (!f) {
			EVP_MD_CTX_free(md);
			return FK_OK; /* unreadable: nothing to hash */
		}
		unsigned char buf[65536];
		size_t got;
		while (ok && (got = fread(buf, 1, sizeof buf, f)) > 0) {
			ok = EVP_DigestUpdate(md, buf, got) == 1;
			*size += (int64_t)got;
		}
		int bad = ferror(f);
		fclose(f);
		if (bad) {
			EVP_MD_CTX_free(md);
			*size = 0;
			return FK_OK;
		}
	}
	unsigned int hl = 0;
	ok = ok && EVP_DigestFinal_ex(md, sha, &hl) == 1 && hl == 32;
	EVP_MD_CTX_free(md);
	if (!ok)
		return fk_fail(err, FK_ERR_CRYPTO, "hashing a refused package failed");
	*known = 1;
	return FK_OK;
}

fk_status fk_refused_prepare(fk_ctx *ctx, const fk_intake_origin *o, const fk_manifest *m,
			     const uint8_t *digest, const char *signer, const char *reason,
			     int64_t expected, fk_refused *r, fk_error *err)
{
	memset(r, 0, sizeof *r);
	fk_copy_str(r->reason, sizeof r->reason, reason ? reason : "?");
	fk_copy_str(r->source, sizeof r->source, o && o->source && o->source[0] ? o->source : "-");
	if (m) {
		r->has_manifest = 1;
		fk_copy_str(r->municipality, sizeof r->municipality, m->municipality);
		r->sequence = m->sequence;
		r->kind = (int)m->kind;
		/* Opened means signed by a certificate of a trusted municipal CA; what it says of
		 * itself is the municipality's word only when that certificate is the municipality's. */
		r->verified = signer && !strcmp(signer, m->municipality);
		if (digest)
			memcpy(r->digest, digest, 32);
	}
	r->expected = expected;
	r->received_at = r->last_at = fk_ctx_now(ctx);
	r->times = 1;
	return hash_bytes(o, r->sha256, &r->size, &r->has_sha, err);
}

static void from_row(fk_stmt *st, fk_refused *r)
{
	memset(r, 0, sizeof *r);
	r->id = fk_sql_column_int64(st, C_ID);
	r->bureau_id = fk_sql_column_int64(st, C_BUREAU);
	/* NOT NULL columns; NULL only from a row the MAC check would have refused */
	const char *t = (const char *)fk_sql_column_text(st, C_REASON);
	fk_copy_str(r->reason, sizeof r->reason, t ? t : "?");
	r->has_manifest = fk_sql_column_type(st, C_MUNI) != SQLITE_NULL;
	if (r->has_manifest)
		fk_copy_str(r->municipality, sizeof r->municipality, (const char *)fk_sql_column_text(st, C_MUNI));
	r->sequence = fk_sql_column_int64(st, C_SEQ);
	r->kind = fk_sql_column_int(st, C_KIND);
	r->verified = fk_sql_column_int(st, C_VERIFIED);
	if (fk_sql_column_bytes(st, C_DIGEST) == 32)
		memcpy(r->digest, fk_sql_column_blob(st, C_DIGEST), 32);
	r->has_sha = fk_sql_column_bytes(st, C_SHA) == 32;
	if (r->has_sha)
		memcpy(r->sha256, fk_sql_column_blob(st, C_SHA), 32);
	r->size = fk_sql_column_int64(st, C_SIZE);
	t = (const char *)fk_sql_column_text(st, C_SOURCE);
	fk_copy_str(r->source, sizeof r->source, t ? t : "-");
	r->expected = fk_sql_column_int64(st, C_EXPECTED);
	r->received_at = fk_sql_column_int64(st, C_RECEIVED);
	r->last_at = fk_sql_column_int64(st, C_LAST);
	r->times = fk_sql_column_int64(st, C_TIMES);
}

/* Rows of st (bound by the caller), checked, into rows. */
static fk_status read_rows(fk_ctx *ctx, fk_stmt *st, fk_refused *rows, int max, int *n,
			   fk_error *err)
{
	fk_status s = FK_OK;
	int rc = SQLITE_DONE;
	*n = 0;
	while (*n < max && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		if ((s = fk_trust_check(ctx, FK_T_REFUSED, st, 0, err)) != FK_OK)
			break;
		from_row(st, &rows[(*n)++]);
	}
	if (s == FK_OK && *n < max && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading refused packages");
	fk_sql_reset(st);
	return s;
}

static fk_status bureau_of(fk_ctx *ctx, int64_t *id, fk_error *err)
{
	fk_stmt *st;
	*id = 0;
	fk_status s = fk_ctx_stmt(ctx, SQL_BUREAU, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, ctx->cfg.bureau ? ctx->cfg.bureau : "", -1, SQLITE_STATIC);
	int rc = fk_sql_step(st);
	if (rc == SQLITE_ROW)
		*id = fk_sql_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the terminal's bureau");
	fk_sql_reset(st);
	return s;
}

static void bind_row(fk_stmt *st, const fk_refused *r)
{
	fk_sql_bind_int64(st, 1, r->id);
	if (r->bureau_id)
		fk_sql_bind_int64(st, 2, r->bureau_id);
	fk_sql_bind_text(st, 3, r->reason, -1, SQLITE_STATIC);
	if (r->has_manifest) {
		fk_sql_bind_text(st, 4, r->municipality, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 5, r->sequence);
		fk_sql_bind_int(st, 6, r->kind);
		fk_sql_bind_blob(st, 8, r->digest, 32, SQLITE_STATIC);
	}
	fk_sql_bind_int(st, 7, r->verified);
	if (r->has_sha) {
		fk_sql_bind_blob(st, 9, r->sha256, 32, SQLITE_STATIC);
		fk_sql_bind_int64(st, 10, r->size);
	}
	fk_sql_bind_text(st, 11, r->source, -1, SQLITE_STATIC);
	if (r->expected > 0)
		fk_sql_bind_int64(st, 12, r->expected);
	fk_sql_bind_int64(st, 13, r->received_at);
	fk_sql_bind_int64(st, 14, r->last_at);
	fk_sql_bind_int64(st, 15, r->times);
}

/* The row of the same delivery refused for the same reason before, if any. */
static fk_status find_same(fk_ctx *ctx, const fk_refused *r, fk_refused *old, int *found,
			   fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_SAME, &st, err);
	if (s != FK_OK)
		return s;
	if (r->has_sha)
		fk_sql_bind_blob(st, 1, r->sha256, 32, SQLITE_STATIC);
	fk_sql_bind_text(st, 2, r->reason, -1, SQLITE_STATIC);
	fk_sql_bind_text(st, 3, r->source, -1, SQLITE_STATIC);
	if (r->has_manifest) {
		fk_sql_bind_text(st, 4, r->municipality, -1, SQLITE_STATIC);
		fk_sql_bind_int64(st, 5, r->sequence);
	}
	s = read_rows(ctx, st, old, 1, found, err);
	return s;
}

fk_status fk_refused_keep(fk_ctx *ctx, void *arg, fk_error *err)
{
	fk_refused *r = arg, old;
	int found;
	fk_stmt *st;
	fk_status s = find_same(ctx, r, &old, &found, err);
	if (s == FK_OK && found) {
		/* The same bytes refused again for the same reason: counted, not another row. */
		if ((s = fk_trust_unseal(ctx, FK_T_REFUSED, FK_VAL_INT(old.id), 0, err)) == FK_OK &&
		    (s = fk_ctx_stmt(ctx, SQL_AGAIN, &st, err)) == FK_OK) {
			fk_sql_bind_int64(st, 1, old.id);
			fk_sql_bind_int64(st, 2, r->last_at);
			s = fk_ctx_exec(ctx, st, err, "counting a refused package");
		}
		if (s == FK_OK) {
			r->id = old.id;
			r->received_at = old.received_at;
			r->times = old.times + 1;
		}
		return s == FK_OK ? fk_trust_seal(ctx, FK_T_REFUSED, FK_VAL_INT(old.id), err) : s;
	}
	if (s == FK_OK)
		s = bureau_of(ctx, &r->bureau_id, err);
	if (s == FK_OK)
		s = fk_ctx_int64(ctx, SQL_NEXT, &r->id, err, "package id");
	if (s == FK_OK && (s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err)) == FK_OK) {
		bind_row(st, r);
		s = fk_ctx_exec(ctx, st, err, "keeping a refused package");
	}
	return s == FK_OK ? fk_trust_seal(ctx, FK_T_REFUSED, FK_VAL_INT(r->id), err) : s;
}

fk_status fk_refused_list(fk_ctx *ctx, int64_t bureau, const char *muni, const char *name,
			  int64_t before, fk_refused *rows, int max, int *n, fk_error *err)
{
	fk_stmt *st;
	*n = 0;
	if (max < 1)
		return FK_OK;
	fk_status s = fk_ctx_stmt(ctx, SQL_LIST, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, bureau);
	fk_sql_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	if (muni && muni[0])
		fk_sql_bind_text(st, 3, muni, -1, SQLITE_STATIC);
	fk_sql_bind_int(st, 4, max);
	if (name && name[0])
		fk_sql_bind_text(st, 5, name, -1, SQLITE_STATIC);
	return read_rows(ctx, st, rows, max, n, err);
}

fk_status fk_refused_get(fk_ctx *ctx, int64_t id, fk_refused *r, int *found, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_ONE, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	return read_rows(ctx, st, r, 1, found, err);
}
