/* The receiving certificate: requested, installed (renewal without downtime), its state;
 * through the gate (pki_admin.h; R-MUTUAL). */
#include "config.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms.h"
#include "pki_admin.h"
#include "pki_keys.h"
#include "pki_rows.h"
#include "util.h"

/* "/O=fukuhon/CN=…" as a name; FK_ERR_INVALID otherwise. Values are UTF-8 and may not hold
 * '/' (no escapes: a subject the CA's form asks for is plain). */
static fk_status parse_subject(const char *s, X509_NAME **out, fk_error *err)
{
	*out = NULL;
	if (!s || s[0] != '/' || strlen(s) > 1024)
		return fk_fail(err, FK_ERR_INVALID, "a subject is written /KEY=VALUE/…, e.g. /O=…/CN=…");
	X509_NAME *n = X509_NAME_new();
	if (!n)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	char part[1100];
	for (const char *p = s + 1; *p;) {
		size_t len = strcspn(p, "/");
		memcpy(part, p, len);
		part[len] = '\0';
		char *eq = strchr(part, '=');
		if (!eq || eq == part || !eq[1] ||
		    X509_NAME_add_entry_by_txt(n, (*eq = '\0', part), MBSTRING_UTF8, (unsigned char *)eq + 1, -1, -1, 0) != 1) {
			X509_NAME_free(n);
			ERR_clear_error();
			return fk_fail(err, FK_ERR_INVALID, "'%.100s' is not KEY=VALUE with a known key (CN, O, OU, C, …)",
				       p);
		}
		p += len + (p[len] == '/');
	}
	if (X509_NAME_entry_count(n) == 0) {
		X509_NAME_free(n);
		return fk_fail(err, FK_ERR_INVALID, "the subject names nothing");
	}
	*out = n;
	return FK_OK;
}

static fk_status make_csr(EVP_PKEY *key, X509_NAME *name, char **csr, size_t *csrlen, fk_error *err)
{
	X509_REQ *req = X509_REQ_new();
	BIO *b = BIO_new(BIO_s_mem());
	fk_status s = FK_OK;
	if (!req || !b || X509_REQ_set_version(req, 0) != 1 || X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 || X509_REQ_sign(req, key, EVP_sha256()) <= 0 ||
	    PEM_write_bio_X509_REQ(b, req) != 1)
		s = fk_fail(err, FK_ERR_CRYPTO, "cannot make the certificate request");
	char *p = NULL;
	long n = s == FK_OK ? BIO_get_mem_data(b, &p) : 0;
	if (s == FK_OK && (n <= 0 || !(*csr = malloc((size_t)n + 1))))
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK) {
		memcpy(*csr, p, (size_t)n);
		(*csr)[n] = '\0';
		*csrlen = (size_t)n;
	}
	ERR_clear_error();
	BIO_free(b);
	X509_REQ_free(req);
	return s;
}

/* An install cut short after its commit left the new current key as receiver-next.key:
 * finish its renames (the key of the certificate now previous to receiver-prev.key). */
static fk_status settle(fk_ctx *ctx, fk_pki_rows *rw, fk_error *err)
{
	const char *dir = ctx->cfg.key_dir;
	EVP_PKEY *next = NULL;
	fk_error e;
	if (!rw->current_cert || fk_pki_key_read(dir, FK_PKI_KEY_NEXT, &next, &e) != FK_OK)
		return FK_OK;
	int installed = fk_pki_key_matches(next, rw->current_cert);
	EVP_PKEY_free(next);
	if (!installed)
		return FK_OK;
	fk_status s = fk_pki_key_rename(dir, FK_PKI_KEY_CURRENT, FK_PKI_KEY_PREV, err);
	if (s != FK_OK && s != FK_ERR_NOKEY)
		return s;
	return fk_pki_key_rename(dir, FK_PKI_KEY_NEXT, FK_PKI_KEY_CURRENT, err);
}

/* The pending key: the one waiting already, or a new one (*made). A new RSA 3072 key takes
 * about a second here, so it is made after the decision but outside the write lock
 * (pki.cert_request runs its own transaction: ops.h); under the lock the folder is settled
 * and looked at again, and a key that appeared meanwhile wins over ours. */
static fk_status pending_key(fk_ctx *ctx, int ec, EVP_PKEY **key, int *made, fk_error *err)
{
	EVP_PKEY *fresh = NULL, *peek = NULL;
	fk_error e;
	fk_status s = FK_OK;
	if (fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &peek, &e) == FK_ERR_NOKEY)
		s = fk_pki_key_generate(ec, &fresh, err);
	EVP_PKEY_free(peek);
	if (s != FK_OK || (s = fk_ctx_begin(ctx, err)) != FK_OK) {
		EVP_PKEY_free(fresh);
		return s;
	}
	fk_pki_rows rw = {0};
	s = fk_pki_rows_read(ctx, &rw, err);
	if (s == FK_OK)
		s = settle(ctx, &rw, err);
	fk_pki_rows_free(&rw);
	fk_status ks = s == FK_OK ? fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, key, &e) : s;
	if (s == FK_OK && ks == FK_ERR_NOKEY) {
		/* Settling can leave no pending key after all: then one is made here, rarely. */
		if (!fresh)
			s = fk_pki_key_generate(ec, &fresh, err);
		if (s == FK_OK && (s = fk_pki_key_write(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, fresh, 1, err)) == FK_OK) {
			*key = fresh;
			fresh = NULL;
			*made = 1;
		}
	} else if (s == FK_OK && ks != FK_OK) {
		s = fk_fail(err, ks, "%s", e.msg);
	} else if (s == FK_OK && (EVP_PKEY_get_base_id(*key) == EVP_PKEY_EC) != (ec != 0)) {
		/* Kept, as any pending key, but not silently of another kind than asked for. */
		EVP_PKEY_free(*key);
		*key = NULL;
		s = fk_fail(err, FK_ERR_EXISTS, ec ? "refused: the pending request's key is RSA (install its certificate first, or ask again without --ec)"
						   : "refused: the pending request's key is EC (install its certificate first, or ask again with --ec)");
	}
	EVP_PKEY_free(fresh);
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_pki_cert_request(fk_ctx *ctx, const char *subject, char **csr, size_t *csrlen,
			      fk_error *err)
{
	return fk_pki_cert_request_key(ctx, subject, 0, csr, csrlen, err);
}

fk_status fk_pki_cert_request_key(fk_ctx *ctx, const char *subject, int ec, char **csr, size_t *csrlen,
				  fk_error *err)
{
	char def[200], detail[1200];
	*csr = NULL;
	*csrlen = 0;
	snprintf(def, sizeof def, "/O=fukuhon/CN=fukuhon receiver %.64s",
		 ctx->cfg.terminal_id ? ctx->cfg.terminal_id : "?");
	X509_NAME *name = NULL;
	fk_error perr;
	fk_status ps = parse_subject(subject ? subject : def, &name, &perr);
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PKI_CERT_REQUEST};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK) {
		X509_NAME_free(name);
		return s;
	}
	EVP_PKEY *key = NULL;
	int made = 0;
	s = ps != FK_OK ? fk_fail(err, ps, "%s", perr.msg) : pending_key(ctx, ec, &key, &made, err);
	if (s == FK_OK)
		s = make_csr(key, name, csr, csrlen, err);
	char shown[1024] = "";
	if (name)
		fk_pki_name(name, shown, sizeof shown);
	snprintf(detail, sizeof detail, "subject %s, key %s %s", shown, made ? "new" : "kept", ec ? "EC P-256" : "RSA");
	EVP_PKEY_free(key);
	X509_NAME_free(name);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s != FK_OK) {
		/* Not on record: the key made for it goes again, and no CSR is handed out. */
		if (made)
			(void)fk_pki_key_remove(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, NULL);
		free(*csr);
		*csr = NULL;
		*csrlen = 0;
	}
	return s;
}

static fk_status install_check(fk_ctx *ctx, fk_pki_rows *rw, X509 *x, fk_error *err)
{
	int64_t now = fk_pki_now_s(ctx);
	if (rw->current_cert && X509_cmp(rw->current_cert, x) == 0)
		return fk_fail(err, FK_ERR_EXISTS, "this certificate is the current one already");
	EVP_PKEY *next = NULL;
	fk_error e;
	fk_status ks = fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &next, &e);
	if (ks == FK_ERR_NOKEY)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: no certificate request is pending (fukuhonctl cert request first)");
	if (ks != FK_OK)
		return fk_fail(err, ks, "%s", e.msg);
	int match = fk_pki_key_matches(next, x);
	EVP_PKEY_free(next);
	if (!match)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: the certificate's public key is not the pending request's key");
	if (fk_pki_time(X509_get0_notAfter(x)) <= now)
		return fk_fail(err, FK_ERR_INVALID, "refused: the certificate has expired");
	if (fk_pki_time(X509_get0_notBefore(x)) > now + FK_PKI_SKEW)
		return fk_fail(err, FK_ERR_INVALID, "refused: the certificate is not valid yet");
	uint32_t f = X509_get_extension_flags(x);
	/* Packages are encrypted to it (RSA-OAEP key transport, or ECDH key agreement with an
	 * EC key) and receipts are signed with it (docs/package-format.md). */
	fk_cms_recipient kind = fk_cms_recipient_kind(x);
	if (kind == FK_CMS_RECIPIENT_NONE)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: the certificate must hold an RSA key or an EC key on P-256 or P-384");
	uint32_t need = KU_DIGITAL_SIGNATURE | (kind == FK_CMS_RECIPIENT_RSA ? KU_KEY_ENCIPHERMENT : KU_KEY_AGREEMENT);
	if ((f & EXFLAG_KUSAGE) && (X509_get_key_usage(x) & need) != need)
		return fk_fail(err, FK_ERR_INVALID, kind == FK_CMS_RECIPIENT_RSA
			       ? "refused: the certificate is not for key encipherment and signatures (keyUsage)"
			       : "refused: the certificate is not for key agreement and signatures (keyUsage)");
	if (f & EXFLAG_CA)
		return fk_fail(err, FK_ERR_INVALID, "refused: a CA certificate cannot be the receiving one");
	return FK_OK;
}

/* The rows: the previous one retired, the current one kept as previous, the new current. */
static fk_status install_rows(fk_ctx *ctx, fk_pki_rows *rw, X509 *x, int64_t *rid, fk_error *err)
{
	fk_status s = FK_OK;
	if (rw->previous)
		s = fk_pki_item_remove(ctx, rw->previous, err);
	if (s == FK_OK && rw->current)
		s = fk_pki_item_set_slot(ctx, rw->current, FK_PKI_SLOT_PREVIOUS, err);
	return s == FK_OK ? fk_pki_item_add_cert(ctx, FK_PKI_RECEIVER, FK_PKI_SLOT_CURRENT, x, rid, err) : s;
}

/* A key pair made elsewhere becomes the pending key: it must be the certificate's, and a
 * request pending for another key is never overwritten. *wrote when its file was written. */
static fk_status adopt_key(fk_ctx *ctx, EVP_PKEY *key, X509 *x, int *wrote, fk_error *err)
{
	if (!key)
		return fk_fail(err, FK_ERR_INVALID, "refused: the key file holds no private key (PEM)");
	if (!fk_pki_key_matches(key, x))
		return fk_fail(err, FK_ERR_INVALID, "refused: the key is not the certificate's");
	EVP_PKEY *next = NULL;
	fk_error e;
	fk_status ks = fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &next, &e);
	int same = ks == FK_OK && fk_pki_key_matches(next, x);
	EVP_PKEY_free(next);
	if (ks == FK_OK && !same)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: a certificate request is pending for another key; install its "
			       "certificate first");
	if (ks != FK_OK && ks != FK_ERR_NOKEY)
		return fk_fail(err, ks, "%s", e.msg);
	if (same)
		return FK_OK;
	fk_status s = fk_pki_key_write(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, key, 1, err);
	*wrote = s == FK_OK;
	return s;
}

static fk_status install(fk_ctx *ctx, const uint8_t *buf, size_t n, const uint8_t *keybuf, size_t keylen,
			 fk_error *err)
{
	X509 *x = NULL;
	uint8_t h[32] = {0};
	char detail[640] = "";
	EVP_PKEY *key = NULL;
	int wrote = 0;
	if (keybuf) {
		BIO *b = BIO_new_mem_buf(keybuf, (int)keylen);
		key = b && keylen < 65536 ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		ERR_clear_error();
	}
	fk_gate g;
	fk_status s = fk_pki_begin_cert(ctx, &g, FK_OP_PKI_CERT_INSTALL, buf, n, &x, h, err);
	if (s == FK_ERR_DENIED || g.op == FK_OP_NONE) {
		EVP_PKEY_free(key);
		return s;
	}
	fk_pki_rows rw = {0};
	int64_t rid = 0;
	if (s == FK_OK)
		s = fk_pki_rows_read(ctx, &rw, err);
	if (s == FK_OK && keybuf)
		s = adopt_key(ctx, key, x, &wrote, err);
	EVP_PKEY_free(key);
	if (s == FK_OK)
		s = install_check(ctx, &rw, x, err);
	if (s == FK_OK)
		s = install_rows(ctx, &rw, x, &rid, err);
	if (x) {
		char subject[256], serial[96];
		fk_pki_name(X509_get_subject_name(x), subject, sizeof subject);
		fk_pki_serial(x, serial, sizeof serial);
		snprintf(detail, sizeof detail, "row %lld subject %s serial %s, previous row %lld, retired row %lld%s",
			 (long long)rid, subject, serial, (long long)rw.current, (long long)rw.previous,
			 keybuf ? ", key imported" : "");
	}
	fk_pki_rows_free(&rw);
	X509_free(x);
	if ((s = fk_gate_end(ctx, &g, s, detail, err)) != FK_OK) {
		/* Not on record: an imported key goes again. */
		if (wrote)
			(void)fk_pki_key_remove(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, NULL);
		return s;
	}
	/* Committed: now the files follow (readers match keys by their public half, so a crash
	 * in between loses nothing; the next request finishes the renames). The old previous
	 * key is overwritten: retired with its row. */
	const char *dir = ctx->cfg.key_dir;
	fk_status rs = fk_pki_key_rename(dir, FK_PKI_KEY_CURRENT, FK_PKI_KEY_PREV, err);
	if (rs == FK_OK || rs == FK_ERR_NOKEY)
		rs = fk_pki_key_rename(dir, FK_PKI_KEY_NEXT, FK_PKI_KEY_CURRENT, err);
	if (rs != FK_OK) {
		char why[FK_ERRMSG_MAX];
		fk_copy_str(why, sizeof why, err->msg);
		return fk_fail(err, rs, "the certificate is installed, but its key file was not renamed (%s); "
			       "it is found all the same, and the next cert request renames it", why);
	}
	return FK_OK;
}

fk_status fk_pki_cert_install(fk_ctx *ctx, const uint8_t *buf, size_t n, fk_error *err)
{
	return install(ctx, buf, n, NULL, 0, err);
}

fk_status fk_pki_cert_install_key(fk_ctx *ctx, const uint8_t *buf, size_t n, const uint8_t *key,
				  size_t keylen, fk_error *err)
{
	return install(ctx, buf, n, key, keylen, err);
}

fk_status fk_pki_cert_status(fk_ctx *ctx, fk_pki_state *out, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PKI_CERT_STATUS};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	s = fk_pki_state_get(ctx, fk_pki_now_s(ctx), 1, out, err);
	return fk_gate_end(ctx, &g, s, NULL, err);
}
