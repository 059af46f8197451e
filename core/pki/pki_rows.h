/* Inside core/pki: what the operations on CAs and CRLs (pki_admin.c) and on the receiving
 * certificate (pki_cert.c) share — the rows as read under the gate's lock, and the start of an
 * operation on a certificate file. */
#ifndef FK_PKI_ROWS_H
#define FK_PKI_ROWS_H

#include <openssl/x509.h>
#include <stdint.h>

#include "gate.h"
#include "pki_item.h"

/* Clocks differ: a certificate or CRL made "now" elsewhere may start a little ahead. */
#define FK_PKI_SKEW 3600

/* The clock's now in seconds. */
int64_t fk_pki_now_s(fk_ctx *ctx);
/* The object recorded: the first 16 hex digits of the SHA-256 of the file's object. */
void fk_pki_oid(const uint8_t h[32], char oid[24]);

typedef struct fk_pki_rows {
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
} fk_pki_rows;

/* Every row, the DER checked; with crl set, the CA whose key verifies it and the CRL it would
 * replace. */
fk_status fk_pki_rows_read(fk_ctx *ctx, fk_pki_rows *r, fk_error *err);
void fk_pki_rows_free(fk_pki_rows *r);

/* A certificate offered to op: parsed first (nothing happens yet), so that the record names
 * what was offered by its hash, then decided. Refused or undecided: g->op is FK_OP_NONE and
 * the status says why (nothing to free). Otherwise the gate is open: FK_OK with *x, or the
 * parse's failure for the caller to end the gate with. */
fk_status fk_pki_begin_cert(fk_ctx *ctx, fk_gate *g, fk_op op, const uint8_t *buf, size_t n, X509 **x,
			    uint8_t h[32], fk_error *err);

#endif
