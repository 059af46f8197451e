/* The receiving side's trust material (issue 10; R-MUTUAL): the municipal CAs this bureau
 * trusts and their CRLs (sealed rows, imported by recorded commands: the terminal is offline,
 * they arrive as files), and the receiving certificate with its private key (the key in the
 * key folder, never in the database). What the package opener and the receipt signer need. */
#ifndef FK_PKI_H
#define FK_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "cms.h"
#include "ctx.h"
#include "status.h"

typedef struct fk_pki fk_pki;

/* Load the CAs and CRLs (rows checked against their MACs) and the receiving keys with their
 * certificates (current first, then the previous one kept through a renewal), judged at now. */
fk_status fk_pki_load(fk_ctx *ctx, int64_t now, fk_pki **out, fk_error *err);
void fk_pki_free(fk_pki *p);

/* For a service that keeps the material across requests (R-REALTIME): *p (NULL at first)
 * loaded again when the pki_item rows (a CA added or removed, a new CRL, a certificate
 * installed or renewed) or the receiving keys' folder changed since it was loaded, else kept
 * and judged at now. The effect is as fk_pki_load's for each request, without parsing
 * every CA and CRL and reading the keys each time. On failure *p is freed and NULL. */
fk_status fk_pki_refresh(fk_ctx *ctx, int64_t now, fk_pki **p, fk_error *err);

/* For fk_cms_open / fk_pkg_open_*: borrowed from p. */
const fk_cms_keys *fk_pki_keys(const fk_pki *p);
/* The current receiving key and certificate, which sign receipts (borrowed). */
EVP_PKEY *fk_pki_sign_key(const fk_pki *p);
X509 *fk_pki_sign_cert(const fk_pki *p);

/* May packages be opened now? FK_ERR_CONFIG, the message naming what to do, when there is no
 * receiving certificate, no trusted CA, or a CA whose CRL is missing or past its nextUpdate
 * ("fetch a new CRL of <CA subject>: its next update was <date>"). */
fk_status fk_pki_ready(const fk_pki *p, fk_error *err);

#endif
