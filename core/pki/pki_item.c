/* The sealed rows of CAs, CRLs and receiving certificates, and the files they come as (pki_item.h). */
#include "config.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "db.h"
#include "pki_item.h"
#include "trust.h"
#include "util.h"

static const char SQL_SELECT[] =
	"SELECT " FK_COLS_PKI ", mac, der FROM pki_item WHERE (?1 < 0 OR kind = ?2) ORDER BY id";
enum { C_ID, C_KIND, C_SLOT, C_CA, C_SUBJECT, C_SERIAL, C_BEFORE, C_AFTER, C_SHA, C_BY, C_BY_USER,
       C_AT, C_MAC, C_DER };
static const char SQL_INSERT[] =
	"INSERT INTO pki_item(kind, slot, ca_id, subject, serial, not_before, not_after, sha256, der, "
	"added_by, added_by_user, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
static const char SQL_DELETE[] = "DELETE FROM pki_item WHERE id = ?1";
static const char SQL_SLOT[] = "UPDATE pki_item SET slot = ?2 WHERE id = ?1";

static const char *const KIND_NAME[] = {"ca", "crl", "receiver"};
static const char *const SLOT_NAME[] = {NULL, "current", "previous"};

static int kind_of(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, KIND_NAME[i]))
			return i;
	return -1;
}

static fk_pki_slot slot_of(const char *s)
{
	if (s && !strcmp(s, "current"))
		return FK_PKI_SLOT_CURRENT;
	if (s && !strcmp(s, "previous"))
		return FK_PKI_SLOT_PREVIOUS;
	return FK_PKI_SLOT_NONE;
}

static fk_status row_item(fk_ctx *ctx, fk_stmt *st, int with_der, fk_pki_item *it, fk_error *err)
{
	fk_status s = fk_trust_check(ctx, FK_T_PKI, st, 0, err);
	if (s != FK_OK)
		return s;
	memset(it, 0, sizeof *it);
	it->id = fk_sql_column_int64(st, C_ID);
	int k = kind_of((const char *)fk_sql_column_text(st, C_KIND));
	if (k < 0 || fk_sql_column_bytes(st, C_SHA) != 32)
		return fk_fail(err, FK_ERR_CORRUPT, "pki_item row %lld is of no known kind", (long long)it->id);
	it->kind = (fk_pki_kind)k;
	it->slot = slot_of((const char *)fk_sql_column_text(st, C_SLOT));
	it->ca_id = fk_sql_column_int64(st, C_CA);
	const char *t = (const char *)fk_sql_column_text(st, C_SUBJECT);
	fk_copy_str(it->subject, sizeof it->subject, t ? t : "");
	t = (const char *)fk_sql_column_text(st, C_SERIAL);
	fk_copy_str(it->serial, sizeof it->serial, t ? t : "");
	it->not_before = fk_sql_column_int64(st, C_BEFORE);
	it->not_after = fk_sql_column_int64(st, C_AFTER);
	memcpy(it->sha256, fk_sql_column_blob(st, C_SHA), 32);
	t = (const char *)fk_sql_column_text(st, C_BY_USER);
	fk_copy_str(it->added_by, sizeof it->added_by, t ? t : "?");
	it->added_at = fk_sql_column_int64(st, C_AT);
	if (!with_der)
		return FK_OK;
	/* The MAC covers the DER through its hash: the bytes must be the ones hashed. */
	it->der = fk_sql_column_blob(st, C_DER);
	it->derlen = (size_t)fk_sql_column_bytes(st, C_DER);
	uint8_t h[32];
	unsigned hl = 0;
	if (!it->der || EVP_Digest(it->der, it->derlen, h, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
		return fk_fail(err, FK_ERR_CRYPTO, "cannot hash pki_item row %lld", (long long)it->id);
	if (memcmp(h, it->sha256, 32) != 0)
		return fk_fail(err, FK_ERR_TAMPER,
			       "pki_item row %lld: its certificate or CRL is not the one sealed with it",
			       (long long)it->id);
	return FK_OK;
}

fk_status fk_pki_items(fk_ctx *ctx, int kind, int with_der, fk_pki_item_cb cb, void *arg,
		       fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_SELECT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int(st, 1, kind);
	fk_sql_bind_text(st, 2, kind >= 0 && kind < 3 ? KIND_NAME[kind] : "", -1, SQLITE_STATIC);
	int rc;
	while ((rc = fk_sql_step(st)) == SQLITE_ROW) {
		fk_pki_item it;
		if ((s = row_item(ctx, st, with_der, &it, err)) != FK_OK || cb(&it, arg))
			break;
	}
	fk_sql_reset(st);
	if (s == FK_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the trusted CAs and certificates");
	return s;
}

static fk_status insert(fk_ctx *ctx, fk_pki_kind kind, fk_pki_slot slot, int64_t ca_id,
			const char *subject, const char *serial, int64_t nb, int64_t na,
			const uint8_t *der, size_t derlen, int64_t *id, fk_error *err)
{
	uint8_t h[32];
	unsigned hl = 0;
	if (EVP_Digest(der, derlen, h, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
		return fk_fail(err, FK_ERR_CRYPTO, "cannot hash the certificate");
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_INSERT, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_text(st, 1, KIND_NAME[kind], -1, SQLITE_STATIC);
	if (slot != FK_PKI_SLOT_NONE)
		fk_sql_bind_text(st, 2, SLOT_NAME[slot], -1, SQLITE_STATIC);
	if (ca_id > 0)
		fk_sql_bind_int64(st, 3, ca_id);
	fk_sql_bind_text(st, 4, subject, -1, SQLITE_TRANSIENT);
	if (serial && *serial)
		fk_sql_bind_text(st, 5, serial, -1, SQLITE_TRANSIENT);
	fk_sql_bind_int64(st, 6, nb);
	fk_sql_bind_int64(st, 7, na);
	fk_sql_bind_blob(st, 8, h, 32, SQLITE_TRANSIENT);
	fk_sql_bind_blob(st, 9, der, (int)derlen, SQLITE_TRANSIENT);
	fk_sql_bind_int64(st, 10, ctx->actor.operator_id);
	fk_sql_bind_text(st, 11, ctx->actor.user, -1, SQLITE_TRANSIENT);
	fk_sql_bind_int64(st, 12, fk_ctx_now(ctx));
	if ((s = fk_ctx_exec(ctx, st, err, "storing the certificate")) != FK_OK)
		return s;
	*id = fk_sql_last_insert_rowid(ctx->db);
	return fk_trust_seal(ctx, FK_T_PKI, FK_VAL_INT(*id), err);
}

fk_status fk_pki_item_add_cert(fk_ctx *ctx, fk_pki_kind kind, fk_pki_slot slot, X509 *cert,
			       int64_t *id, fk_error *err)
{
	char subject[512], serial[96];
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	if (n <= 0)
		return fk_fail(err, FK_ERR_CRYPTO, "cannot encode the certificate");
	fk_pki_name(X509_get_subject_name(cert), subject, sizeof subject);
	fk_pki_serial(cert, serial, sizeof serial);
	fk_status s = insert(ctx, kind, slot, 0, subject, serial, fk_pki_time(X509_get0_notBefore(cert)),
			     fk_pki_time(X509_get0_notAfter(cert)), der, (size_t)n, id, err);
	OPENSSL_free(der);
	return s;
}

fk_status fk_pki_item_add_crl(fk_ctx *ctx, int64_t ca_id, X509_CRL *crl, int64_t *id, fk_error *err)
{
	char issuer[512], number[96] = "";
	unsigned char *der = NULL;
	int n = i2d_X509_CRL(crl, &der);
	if (n <= 0)
		return fk_fail(err, FK_ERR_CRYPTO, "cannot encode the CRL");
	fk_pki_name(X509_CRL_get_issuer(crl), issuer, sizeof issuer);
	ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	if (num) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(num, NULL);
		char *dec = bn ? BN_bn2dec(bn) : NULL;
		if (dec)
			fk_copy_str(number, sizeof number, dec);
		OPENSSL_free(dec);
		BN_free(bn);
		ASN1_INTEGER_free(num);
	}
	fk_status s = insert(ctx, FK_PKI_CRL, FK_PKI_SLOT_NONE, ca_id, issuer, number,
			     fk_pki_time(X509_CRL_get0_lastUpdate(crl)),
			     fk_pki_time(X509_CRL_get0_nextUpdate(crl)), der, (size_t)n, id, err);
	OPENSSL_free(der);
	return s;
}

static fk_status by_id(fk_ctx *ctx, const char *sql, int64_t id, const char *slot, fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, sql, &st, err);
	if (s != FK_OK)
		return s;
	fk_sql_bind_int64(st, 1, id);
	if (slot)
		fk_sql_bind_text(st, 2, slot, -1, SQLITE_STATIC);
	return fk_ctx_exec(ctx, st, err, "changing the trusted certificates");
}

fk_status fk_pki_item_remove(fk_ctx *ctx, int64_t id, fk_error *err)
{
	fk_status s = fk_trust_unseal(ctx, FK_T_PKI, FK_VAL_INT(id), 1, err);
	return s == FK_OK ? by_id(ctx, SQL_DELETE, id, NULL, err) : s;
}

fk_status fk_pki_item_set_slot(fk_ctx *ctx, int64_t id, fk_pki_slot slot, fk_error *err)
{
	fk_status s = fk_trust_unseal(ctx, FK_T_PKI, FK_VAL_INT(id), 0, err);
	if (s == FK_OK)
		s = by_id(ctx, SQL_SLOT, id, SLOT_NAME[slot], err);
	return s == FK_OK ? fk_trust_seal(ctx, FK_T_PKI, FK_VAL_INT(id), err) : s;
}

/* ---- parsing ---- */

static int is_pem(const uint8_t *buf, size_t n)
{
	/* PEM may follow a text dump ("Certificate:\n  Data: …" from openssl x509 -text). */
	for (size_t i = 0; i + 10 <= n; i++)
		if (!memcmp(buf + i, "-----BEGIN", 10))
			return 1;
	return 0;
}

typedef void *(*pem_fn)(BIO *, void **, pem_password_cb *, void *);

static void *parse(const uint8_t *buf, size_t n, int crl, const char *what, fk_error *err)
{
	if (n == 0 || n > FK_PKI_FILE_MAX) {
		fk_fail(err, FK_ERR_INVALID, "not a %s: empty or larger than %u bytes", what, FK_PKI_FILE_MAX);
		return NULL;
	}
	void *obj = NULL;
	if (is_pem(buf, n)) {
		BIO *b = BIO_new_mem_buf(buf, (int)n);
		if (b) {
			obj = crl ? (void *)PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)
				  : (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
			/* One object a file: a second one would be ignored silently otherwise. */
			char *name = NULL, *hdr = NULL;
			unsigned char *data = NULL;
			long dl = 0;
			if (obj && PEM_read_bio(b, &name, &hdr, &data, &dl) == 1) {
				crl ? X509_CRL_free(obj) : X509_free(obj);
				obj = NULL;
				fk_fail(err, FK_ERR_INVALID, "the file holds more than one %s: give one a file", what);
			}
			OPENSSL_free(name);
			OPENSSL_free(hdr);
			OPENSSL_free(data);
			BIO_free(b);
			if (!obj && err->code == FK_ERR_INVALID && err->msg[0])
				return NULL;
		}
	} else {
		const unsigned char *p = buf;
		obj = crl ? (void *)d2i_X509_CRL(NULL, &p, (long)n) : (void *)d2i_X509(NULL, &p, (long)n);
		if (obj && p != buf + n) {
			crl ? X509_CRL_free(obj) : X509_free(obj);
			obj = NULL;
		}
	}
	ERR_clear_error();
	if (!obj)
		fk_fail(err, FK_ERR_INVALID, "not a %s (PEM or DER)", what);
	return obj;
}

fk_status fk_pki_parse_cert(const uint8_t *buf, size_t n, X509 **out, fk_error *err)
{
	fk_error_clear(err);
	*out = parse(buf, n, 0, "certificate", err);
	return *out ? FK_OK : err->code;
}

fk_status fk_pki_parse_crl(const uint8_t *buf, size_t n, X509_CRL **out, fk_error *err)
{
	fk_error_clear(err);
	*out = parse(buf, n, 1, "CRL", err);
	return *out ? FK_OK : err->code;
}

int64_t fk_pki_time(const ASN1_TIME *t)
{
	int day = 0, sec = 0;
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
	int ok = t && epoch && ASN1_TIME_diff(&day, &sec, epoch, t) == 1;
	ASN1_TIME_free(epoch);
	return ok ? (int64_t)day * 86400 + sec : -1;
}

void fk_pki_name(const X509_NAME *n, char *buf, size_t len)
{
	buf[0] = '\0';
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	/* UTF-8 kept as it is (a Japanese CN); the display sanitises it. */
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		int got = BIO_read(b, buf, (int)len - 1);
		buf[got > 0 ? got : 0] = '\0';
	}
	BIO_free(b);
}

void fk_pki_serial(X509 *cert, char *buf, size_t len)
{
	buf[0] = '\0';
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex)
		fk_copy_str(buf, len, hex);
	OPENSSL_free(hex);
	BN_free(bn);
}

fk_status fk_pki_cert_sha256(X509 *cert, uint8_t out[32], fk_error *err)
{
	unsigned hl = 0;
	if (X509_digest(cert, EVP_sha256(), out, &hl) != 1 || hl != 32)
		return fk_fail(err, FK_ERR_CRYPTO, "cannot hash the certificate");
	return FK_OK;
}

void fk_pki_fmt_time(int64_t s, char *buf, size_t len)
{
	/* Seconds, not ns: a certificate "without expiry" ends in 9999, beyond int64 ns. */
	struct tm tm;
	time_t t = (time_t)s;
	if (len == 0)
		return;
	if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		fk_copy_str(buf, len, "?");
}
