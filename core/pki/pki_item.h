/* The rows of the receiving side's trust material (sql/010_pki.sql): municipal CAs, their CRLs
 * and the receiving certificates, sealed (core/trust), with the DER checked against the sealed
 * SHA-256 as it is read; and the parsing of the files they arrive as (R-MUTUAL). */
#ifndef FK_PKI_ITEM_H
#define FK_PKI_ITEM_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "status.h"

typedef enum fk_pki_kind { FK_PKI_CA, FK_PKI_CRL, FK_PKI_RECEIVER } fk_pki_kind;

/* A receiving certificate's slot: the one in use, or the one kept through a renewal. */
typedef enum fk_pki_slot { FK_PKI_SLOT_NONE, FK_PKI_SLOT_CURRENT, FK_PKI_SLOT_PREVIOUS } fk_pki_slot;

/* Largest file of a certificate or a CRL accepted (a municipal CA's CRL is small; this bounds
 * what a mistaken file costs). */
#define FK_PKI_FILE_MAX (4u << 20)
/* Most CAs trusted at once (a bureau trusts its municipalities' CAs: a few). */
#define FK_PKI_CA_MAX 64

typedef struct fk_pki_item {
	int64_t id;
	fk_pki_kind kind;
	fk_pki_slot slot;
	int64_t ca_id;         /* a CRL's CA */
	char subject[512];     /* RFC 2253; a CRL's issuer */
	char serial[96];       /* hex; a CRL's number (decimal), "" when it has none */
	int64_t not_before;    /* seconds; a CRL's thisUpdate */
	int64_t not_after;     /* seconds; a CRL's nextUpdate */
	uint8_t sha256[32];
	const uint8_t *der;    /* with_der only: valid during the callback, checked against sha256 */
	size_t derlen;
	char added_by[72];
	int64_t added_at;      /* ns */
} fk_pki_item;

typedef int (*fk_pki_item_cb)(const fk_pki_item *it, void *arg); /* nonzero: stop */

/* Every row (of kind, or all with kind < 0), each checked against its MAC (FK_ERR_TAMPER
 * naming the row) and, with with_der, its DER against the sealed SHA-256; ordered by id. */
fk_status fk_pki_items(fk_ctx *ctx, int kind, int with_der, fk_pki_item_cb cb, void *arg,
		       fk_error *err);

/* ---- writers: inside the operation's write transaction (the gate's) ---- */

/* Insert a sealed row for the certificate (kind CA or RECEIVER in slot) or CRL (of ca_id);
 * its id in *id. */
fk_status fk_pki_item_add_cert(fk_ctx *ctx, fk_pki_kind kind, fk_pki_slot slot, X509 *cert,
			       int64_t *id, fk_error *err);
fk_status fk_pki_item_add_crl(fk_ctx *ctx, int64_t ca_id, X509_CRL *crl, int64_t *id,
			      fk_error *err);
/* Remove a row (checked first; the history's record of the transaction says it went). */
fk_status fk_pki_item_remove(fk_ctx *ctx, int64_t id, fk_error *err);
/* Move a receiving certificate to another slot. */
fk_status fk_pki_item_set_slot(fk_ctx *ctx, int64_t id, fk_pki_slot slot, fk_error *err);

/* ---- parsing ---- */

/* A certificate or CRL from a file's bytes, PEM or DER (exactly one object: what follows a
 * DER object, or a second PEM block, is refused). FK_ERR_INVALID naming what it is not. */
fk_status fk_pki_parse_cert(const uint8_t *buf, size_t n, X509 **out, fk_error *err);
fk_status fk_pki_parse_crl(const uint8_t *buf, size_t n, X509_CRL **out, fk_error *err);
/* Seconds since the epoch of an ASN.1 time; -1 on failure. */
int64_t fk_pki_time(const ASN1_TIME *t);
/* Seconds since the epoch as "2026-12-01T09:30:00Z" (buf >= 24). */
void fk_pki_fmt_time(int64_t s, char *buf, size_t len);
/* A name as RFC 2253 text (UTF-8 kept), cut to len. */
void fk_pki_name(const X509_NAME *n, char *buf, size_t len);
/* A certificate's serial as hex. */
void fk_pki_serial(X509 *cert, char *buf, size_t len);
/* SHA-256 of a certificate's DER. */
fk_status fk_pki_cert_sha256(X509 *cert, uint8_t out[32], fk_error *err);

#endif
