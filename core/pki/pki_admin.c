/* CAs, CRLs and the receiving certificate, managed through the gate (pki_admin.h; R-MUTUAL). */
#include "config.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "pki_admin.h"
#include "pki_keys.h"
#include "util.h"

/* Clocks differ: a certificate or CRL made "now" elsewhere may start a little ahead. */
#define SKEW 3600

static int64_t now_s(fk_ctx *ctx)
{
	return fk_ctx_now(ctx) / 1000000000;
}

/* The object recorded: the first 16 hex digits of the SHA-256 of the file's object. */
static void oid_of(const uint8_t h[32], char oid[24])
{
	fk_hex(h, 8, oid);
}

/* ---- the rows read under the gate's lock ---- */

typedef struct rows {
	int nca;
	int64_t ca_id[FK_PKI_CA_MAX];
	char ca_subject[FK_PKI_CA_MAX][256];
	uint8_t ca_sha[FK_PKI_CA_MAX][32];
	int64_t current, previous;            /* receiving certificates' rows (0: none) */
	X509 *current_cert;
	/* crl_add: the CA that signed the CRL, and the CRL it replaces */
	X509_CRL *crl;
	int64_t signer;
	int64_t old_crl;
	char old_number[96];
	int64_t old_this_update;
	uint8_t old_sha[32];
} rows;

static int collect(const fk_pki_item *it, void *arg)
{
	rows *r = arg;
	if (it->kind == FK_PKI_CA && r->nca < FK_PKI_CA_MAX) {
		r->ca_id[r->nca] = it->id;
		fk_copy_str(r->ca_subject[r->nca], 256, it->subject);
		memcpy(r->ca_sha[r->nca], it->sha256, 32);
		r->nca++;
		if (r->crl && !r->signer) {
			/* The CRL must verify against this CA's key, not merely name it. */
			const unsigned char *p = it->der;
			X509 *ca = d2i_X509(NULL, &p, (long)it->derlen);
			if (ca && !X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(r->crl)) &&
			    X509_CRL_verify(r->crl, X509_get0_pubkey(ca)) == 1)
				r->signer = it->id;
			X509_free(ca);
			ERR_clear_error();
		}
	} else if (it->kind == FK_PKI_CRL && r->crl && r->signer && it->ca_id == r->signer) {
		r->old_crl = it->id;
		fk_copy_str(r->old_number, sizeof r->old_number, it->serial);
		r->old_this_update = it->not_before;
		memcpy(r->old_sha, it->sha256, 32);
	} else if (it->kind == FK_PKI_RECEIVER && it->slot == FK_PKI_SLOT_CURRENT) {
		r->current = it->id;
		const unsigned char *p = it->der;
		X509_free(r->current_cert);
		r->current_cert = d2i_X509(NULL, &p, (long)it->derlen);
	} else if (it->kind == FK_PKI_RECEIVER && it->slot == FK_PKI_SLOT_PREVIOUS) {
		r->previous = it->id;
	}
	return 0;
}

static fk_status read_rows(fk_ctx *ctx, rows *r, fk_error *err)
{
	return fk_pki_items(ctx, -1, 1, collect, r, err);
}

static void rows_free(rows *r)
{
	X509_free(r->current_cert);
	r->current_cert = NULL;
}

/* A certificate offered to op: parsed first (nothing happens yet), so that the record names
 * what was offered by its hash, then decided. Refused or undecided: g->op is FK_OP_NONE and
 * the status says why (nothing to free). Otherwise the gate is open: FK_OK with *x, or the
 * parse's failure for the caller to end the gate with. */
static fk_status begin_cert(fk_ctx *ctx, fk_gate *g, fk_op op, const uint8_t *buf, size_t n, X509 **x,
			    uint8_t h[32], fk_error *err)
{
	fk_error perr;
	char oid[24] = "-";
	fk_status ps = fk_pki_parse_cert(buf, n, x, &perr);
	if (ps == FK_OK && (ps = fk_pki_cert_sha256(*x, h, &perr)) == FK_OK)
		oid_of(h, oid);
	fk_authz_req r = {.op = op};
	fk_status s = fk_gate_begin(ctx, g, &r, oid, err);
	if (s != FK_OK) {
		X509_free(*x);
		*x = NULL;
		g->op = FK_OP_NONE;
		return s;
	}
	return ps == FK_OK ? FK_OK : fk_fail(err, ps, "%s", perr.msg);
}

/* ---- CAs ---- */

static fk_status ca_check(X509 *x, int64_t now, fk_error *err)
{
	uint32_t f = X509_get_extension_flags(x);
	if (!(f & EXFLAG_CA))
		return fk_fail(err, FK_ERR_INVALID, "not a CA certificate (basicConstraints CA:TRUE missing)");
	if ((f & EXFLAG_KUSAGE) && (X509_get_key_usage(x) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) !=
				       (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
		return fk_fail(err, FK_ERR_INVALID, "the CA may not sign certificates and CRLs (keyUsage)");
	if (fk_pki_time(X509_get0_notAfter(x)) <= now)
		return fk_fail(err, FK_ERR_INVALID, "the CA certificate has expired");
	if (fk_pki_time(X509_get0_notBefore(x)) > now + SKEW)
		return fk_fail(err, FK_ERR_INVALID, "the CA certificate is not valid yet");
	return FK_OK;
}

fk_status fk_pki_ca_add(fk_ctx *ctx, const uint8_t *buf, size_t n, int64_t *id, fk_error *err)
{
	X509 *x = NULL;
	uint8_t h[32] = {0};
	char detail[400] = "";
	int64_t rid = 0;
	fk_gate g;
	fk_status s = begin_cert(ctx, &g, FK_OP_PKI_CA_ADD, buf, n, &x, h, err);
	if (s == FK_ERR_DENIED || g.op == FK_OP_NONE)
		return s;
	rows rw = {0};
	if (s == FK_OK)
		s = ca_check(x, now_s(ctx), err);
	if (s == FK_OK)
		s = read_rows(ctx, &rw, err);
	for (int i = 0; s == FK_OK && i < rw.nca; i++)
		if (!memcmp(rw.ca_sha[i], h, 32))
			s = fk_fail(err, FK_ERR_EXISTS, "this CA is trusted already (row %lld)", (long long)rw.ca_id[i]);
	if (s == FK_OK && rw.nca >= FK_PKI_CA_MAX)
		s = fk_fail(err, FK_ERR_INVALID, "%d CAs are trusted already: remove one first", FK_PKI_CA_MAX);
	if (s == FK_OK)
		s = fk_pki_item_add_cert(ctx, FK_PKI_CA, FK_PKI_SLOT_NONE, x, &rid, err);
	if (x) {
		char subject[256];
		fk_pki_name(X509_get_subject_name(x), subject, sizeof subject);
		snprintf(detail, sizeof detail, "row %lld subject %s", (long long)rid, subject);
	}
	rows_free(&rw);
	X509_free(x);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s == FK_OK && id)
		*id = rid;
	return s;
}

static int all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

typedef struct crl_rows {
	int64_t ca, crl[8];
	int ncrl;
} crl_rows;

static int crls_of(const fk_pki_item *it, void *arg)
{
	crl_rows *c = arg;
	if (it->ca_id == c->ca && c->ncrl < 8)
		c->crl[c->ncrl++] = it->id;
	return 0;
}

fk_status fk_pki_ca_remove(fk_ctx *ctx, const char *which, fk_error *err)
{
	char oid[96];
	which = which ? which : "";
	fk_copy_str(oid, sizeof oid, *which ? which : "-");
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PKI_CA_REMOVE};
	fk_status s = fk_gate_begin(ctx, &g, &r, oid, err);
	if (s != FK_OK)
		return s;
	rows rw = {0};
	int found = -1;
	s = read_rows(ctx, &rw, err);
	for (int i = 0; s == FK_OK && i < rw.nca && found < 0; i++)
		if ((all_digits(which) && rw.ca_id[i] == strtoll(which, NULL, 10)) || !strcmp(which, rw.ca_subject[i]))
			found = i;
	if (s == FK_OK && found < 0)
		s = fk_fail(err, FK_ERR_NOTFOUND, "no trusted CA is row or subject '%.200s' (see ca list)", which);
	crl_rows c = {.ca = found >= 0 ? rw.ca_id[found] : 0};
	if (s == FK_OK)
		s = fk_pki_items(ctx, FK_PKI_CRL, 0, crls_of, &c, err);
	/* Its CRL first (the row refers to the CA), each removal in this operation's record. */
	for (int i = 0; s == FK_OK && i < c.ncrl; i++)
		s = fk_pki_item_remove(ctx, c.crl[i], err);
	if (s == FK_OK)
		s = fk_pki_item_remove(ctx, c.ca, err);
	char detail[400] = "";
	if (found >= 0)
		snprintf(detail, sizeof detail, "row %lld subject %s, %d CRL removed", (long long)c.ca,
			 rw.ca_subject[found], c.ncrl);
	rows_free(&rw);
	return fk_gate_end(ctx, &g, s, detail, err);
}

fk_status fk_pki_ca_list(fk_ctx *ctx, fk_pki_ca_cb cb, void *arg, fk_error *err)
{
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PKI_CA_LIST};
	fk_status s = fk_gate_begin(ctx, &g, &r, "-", err);
	if (s != FK_OK)
		return s;
	fk_pki_state *st = malloc(sizeof *st);
	s = st ? fk_pki_state_get(ctx, now_s(ctx), 0, st, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
	/* Recorded before the rows go out: a callback cannot be taken back. */
	s = fk_gate_end(ctx, &g, s, NULL, err);
	for (int i = 0; s == FK_OK && st && i < st->nca; i++)
		if (cb(&st->ca[i], arg))
			break;
	free(st);
	return s;
}

/* ---- CRLs ---- */

/* -1, 0 or 1 as decimal a is below, equal to or above b ("" compares below every number). */
static int cmp_number(const char *a, const char *b)
{
	BIGNUM *x = NULL, *y = NULL;
	if (!*a || !*b)
		return (*a != 0) - (*b != 0);
	int c = BN_dec2bn(&x, a) && BN_dec2bn(&y, b) ? BN_cmp(x, y) : 0;
	BN_free(x);
	BN_free(y);
	return c;
}

/* The rollback rule: a CRL replaces its CA's only when it is newer by number (where both
 * carry one) and not older by thisUpdate. An attacker who can hand the operator an old CRL
 * (one from before a revocation) must not be able to make it current again. */
static fk_status crl_newer(rows *rw, const char *number, int64_t this_update, const uint8_t h[32],
			   fk_error *err)
{
	if (!rw->old_crl)
		return FK_OK;
	if (!memcmp(h, rw->old_sha, 32))
		return fk_fail(err, FK_ERR_EXISTS, "this CRL is installed already");
	int c = cmp_number(number, rw->old_number);
	if (c < 0 || (c == 0 && *number))
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: CRL number %s is not newer than the installed one's (%s): an older "
			       "CRL cannot replace a newer one", *number ? number : "(none)", rw->old_number);
	if (this_update < rw->old_this_update || (!*number && this_update == rw->old_this_update)) {
		char a[32], b[32];
		fk_pki_fmt_time(this_update, a, sizeof a);
		fk_pki_fmt_time(rw->old_this_update, b, sizeof b);
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: this CRL was issued %s, before the installed one (%s): an older "
			       "CRL cannot replace a newer one", a, b);
	}
	return FK_OK;
}

static void crl_number(X509_CRL *crl, char *buf, size_t len)
{
	buf[0] = '\0';
	ASN1_INTEGER *num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	BIGNUM *bn = num ? ASN1_INTEGER_to_BN(num, NULL) : NULL;
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	if (dec)
		fk_copy_str(buf, len, dec);
	OPENSSL_free(dec);
	BN_free(bn);
	ASN1_INTEGER_free(num);
}

static fk_status crl_check(fk_ctx *ctx, rows *rw, X509_CRL *crl, const uint8_t h[32], fk_error *err)
{
	char issuer[256], number[96];
	fk_pki_name(X509_CRL_get_issuer(crl), issuer, sizeof issuer);
	if (!rw->signer)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: the CRL is not signed by a trusted CA (its issuer: %s)", issuer);
	if (!X509_CRL_get0_nextUpdate(crl))
		return fk_fail(err, FK_ERR_INVALID, "refused: the CRL has no next update");
	int64_t this_update = fk_pki_time(X509_CRL_get0_lastUpdate(crl));
	if (this_update < 0 || this_update > now_s(ctx) + SKEW)
		return fk_fail(err, FK_ERR_INVALID, "refused: the CRL's thisUpdate is in the future");
	crl_number(crl, number, sizeof number);
	return crl_newer(rw, number, this_update, h, err);
}

fk_status fk_pki_crl_add(fk_ctx *ctx, const uint8_t *buf, size_t n, int64_t *ca_id, fk_error *err)
{
	X509_CRL *crl = NULL;
	fk_error perr;
	uint8_t h[32] = {0};
	unsigned hl = 0;
	char oid[24] = "-", detail[400] = "";
	fk_status ps = fk_pki_parse_crl(buf, n, &crl, &perr);
	if (ps == FK_OK && X509_CRL_digest(crl, EVP_sha256(), h, &hl) == 1 && hl == 32)
		oid_of(h, oid);
	else if (ps == FK_OK)
		ps = fk_fail(&perr, FK_ERR_CRYPTO, "cannot hash the CRL");
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PKI_CRL_ADD};
	fk_status s = fk_gate_begin(ctx, &g, &r, oid, err);
	if (s != FK_OK) {
		X509_CRL_free(crl);
		return s;
	}
	rows rw = {.crl = crl};
	int64_t rid = 0;
	s = ps != FK_OK ? fk_fail(err, ps, "%s", perr.msg) : read_rows(ctx, &rw, err);
	if (s == FK_OK)
		s = crl_check(ctx, &rw, crl, h, err);
	if (s == FK_OK && rw.old_crl)
		s = fk_pki_item_remove(ctx, rw.old_crl, err);
	if (s == FK_OK)
		s = fk_pki_item_add_crl(ctx, rw.signer, crl, &rid, err);
	if (crl) {
		char number[96], next[32];
		crl_number(crl, number, sizeof number);
		fk_pki_fmt_time(fk_pki_time(X509_CRL_get0_nextUpdate(crl)), next, sizeof next);
		snprintf(detail, sizeof detail, "row %lld of CA row %lld, number %s, next update %s, replaces row %lld",
			 (long long)rid, (long long)rw.signer, *number ? number : "-", next, (long long)rw.old_crl);
	}
	rows_free(&rw);
	X509_CRL_free(crl);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s == FK_OK && ca_id)
		*ca_id = rw.signer;
	return s;
}

/* ---- the receiving certificate ---- */

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
static fk_status settle(fk_ctx *ctx, rows *rw, fk_error *err)
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
static fk_status pending_key(fk_ctx *ctx, EVP_PKEY **key, int *made, fk_error *err)
{
	EVP_PKEY *fresh = NULL, *peek = NULL;
	fk_error e;
	fk_status s = FK_OK;
	if (fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &peek, &e) == FK_ERR_NOKEY)
		s = fk_pki_key_generate(&fresh, err);
	EVP_PKEY_free(peek);
	if (s != FK_OK || (s = fk_ctx_begin(ctx, err)) != FK_OK) {
		EVP_PKEY_free(fresh);
		return s;
	}
	rows rw = {0};
	s = read_rows(ctx, &rw, err);
	if (s == FK_OK)
		s = settle(ctx, &rw, err);
	rows_free(&rw);
	fk_status ks = s == FK_OK ? fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, key, &e) : s;
	if (s == FK_OK && ks == FK_ERR_NOKEY) {
		/* Settling can leave no pending key after all: then one is made here, rarely. */
		if (!fresh)
			s = fk_pki_key_generate(&fresh, err);
		if (s == FK_OK && (s = fk_pki_key_write(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, fresh, 1, err)) == FK_OK) {
			*key = fresh;
			fresh = NULL;
			*made = 1;
		}
	} else if (s == FK_OK && ks != FK_OK) {
		s = fk_fail(err, ks, "%s", e.msg);
	}
	EVP_PKEY_free(fresh);
	return fk_ctx_end(ctx, s, err);
}

fk_status fk_pki_cert_request(fk_ctx *ctx, const char *subject, char **csr, size_t *csrlen,
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
	s = ps != FK_OK ? fk_fail(err, ps, "%s", perr.msg) : pending_key(ctx, &key, &made, err);
	if (s == FK_OK)
		s = make_csr(key, name, csr, csrlen, err);
	char shown[1024] = "";
	if (name)
		fk_pki_name(name, shown, sizeof shown);
	snprintf(detail, sizeof detail, "subject %s, key %s", shown, made ? "new" : "kept");
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

static fk_status install_check(fk_ctx *ctx, rows *rw, X509 *x, fk_error *err)
{
	int64_t now = now_s(ctx);
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
	if (fk_pki_time(X509_get0_notBefore(x)) > now + SKEW)
		return fk_fail(err, FK_ERR_INVALID, "refused: the certificate is not valid yet");
	uint32_t f = X509_get_extension_flags(x);
	uint32_t need = KU_KEY_ENCIPHERMENT | KU_DIGITAL_SIGNATURE;
	/* Packages are encrypted to it (key transport) and receipts are signed with it. */
	if ((f & EXFLAG_KUSAGE) && (X509_get_key_usage(x) & need) != need)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: the certificate is not for key encipherment and signatures (keyUsage)");
	if (f & EXFLAG_CA)
		return fk_fail(err, FK_ERR_INVALID, "refused: a CA certificate cannot be the receiving one");
	return FK_OK;
}

/* The rows: the previous one retired, the current one kept as previous, the new current. */
static fk_status install_rows(fk_ctx *ctx, rows *rw, X509 *x, int64_t *rid, fk_error *err)
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
	fk_status s = begin_cert(ctx, &g, FK_OP_PKI_CERT_INSTALL, buf, n, &x, h, err);
	if (s == FK_ERR_DENIED || g.op == FK_OP_NONE) {
		EVP_PKEY_free(key);
		return s;
	}
	rows rw = {0};
	int64_t rid = 0;
	if (s == FK_OK)
		s = read_rows(ctx, &rw, err);
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
	rows_free(&rw);
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
	s = fk_pki_state_get(ctx, now_s(ctx), 1, out, err);
	return fk_gate_end(ctx, &g, s, NULL, err);
}
