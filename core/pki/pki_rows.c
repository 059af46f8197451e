/* The rows read under the gate's lock, and the start of an operation on a certificate file (pki_rows.h). */
#include "config.h"

#include <openssl/err.h>
#include <string.h>

#include "pki_rows.h"
#include "util.h"

int64_t fk_pki_now_s(fk_ctx *ctx)
{
	return fk_ctx_now(ctx) / 1000000000;
}

void fk_pki_oid(const uint8_t h[32], char oid[24])
{
	fk_hex(h, 8, oid);
}

static int collect(const fk_pki_item *it, void *arg)
{
	fk_pki_rows *r = arg;
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

fk_status fk_pki_rows_read(fk_ctx *ctx, fk_pki_rows *r, fk_error *err)
{
	return fk_pki_items(ctx, -1, 1, collect, r, err);
}

void fk_pki_rows_free(fk_pki_rows *r)
{
	X509_free(r->current_cert);
	r->current_cert = NULL;
}

fk_status fk_pki_begin_cert(fk_ctx *ctx, fk_gate *g, fk_op op, const uint8_t *buf, size_t n, X509 **x,
			    uint8_t h[32], fk_error *err)
{
	fk_error perr;
	char oid[24] = "-";
	fk_status ps = fk_pki_parse_cert(buf, n, x, &perr);
	if (ps == FK_OK && (ps = fk_pki_cert_sha256(*x, h, &perr)) == FK_OK)
		fk_pki_oid(h, oid);
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
