/* Municipal CAs and their CRLs, managed through the gate (pki_admin.h; R-MUTUAL). */
#include "config.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki_admin.h"
#include "pki_rows.h"
#include "util.h"

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
	if (fk_pki_time(X509_get0_notBefore(x)) > now + FK_PKI_SKEW)
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
	fk_status s = fk_pki_begin_cert(ctx, &g, FK_OP_PKI_CA_ADD, buf, n, &x, h, err);
	if (s == FK_ERR_DENIED || g.op == FK_OP_NONE)
		return s;
	fk_pki_rows rw = {0};
	if (s == FK_OK)
		s = ca_check(x, fk_pki_now_s(ctx), err);
	if (s == FK_OK)
		s = fk_pki_rows_read(ctx, &rw, err);
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
	fk_pki_rows_free(&rw);
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
	fk_pki_rows rw = {0};
	int found = -1;
	s = fk_pki_rows_read(ctx, &rw, err);
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
	fk_pki_rows_free(&rw);
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
	s = st ? fk_pki_state_get(ctx, fk_pki_now_s(ctx), 0, st, err) : fk_fail(err, FK_ERR_NOMEM, "out of memory");
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
static fk_status crl_newer(fk_pki_rows *rw, const char *number, int64_t this_update, const uint8_t h[32],
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

static fk_status crl_check(fk_ctx *ctx, fk_pki_rows *rw, X509_CRL *crl, const uint8_t h[32], fk_error *err)
{
	char issuer[256], number[96];
	fk_pki_name(X509_CRL_get_issuer(crl), issuer, sizeof issuer);
	if (!rw->signer)
		return fk_fail(err, FK_ERR_INVALID,
			       "refused: the CRL is not signed by a trusted CA (its issuer: %s)", issuer);
	if (!X509_CRL_get0_nextUpdate(crl))
		return fk_fail(err, FK_ERR_INVALID, "refused: the CRL has no next update");
	int64_t this_update = fk_pki_time(X509_CRL_get0_lastUpdate(crl));
	if (this_update < 0 || this_update > fk_pki_now_s(ctx) + FK_PKI_SKEW)
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
		fk_pki_oid(h, oid);
	else if (ps == FK_OK)
		ps = fk_fail(&perr, FK_ERR_CRYPTO, "cannot hash the CRL");
	fk_gate g;
	fk_authz_req r = {.op = FK_OP_PKI_CRL_ADD};
	fk_status s = fk_gate_begin(ctx, &g, &r, oid, err);
	if (s != FK_OK) {
		X509_CRL_free(crl);
		return s;
	}
	fk_pki_rows rw = {.crl = crl};
	int64_t rid = 0;
	s = ps != FK_OK ? fk_fail(err, ps, "%s", perr.msg) : fk_pki_rows_read(ctx, &rw, err);
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
	fk_pki_rows_free(&rw);
	X509_CRL_free(crl);
	s = fk_gate_end(ctx, &g, s, detail, err);
	if (s == FK_OK && ca_id)
		*ca_id = rw.signer;
	return s;
}
