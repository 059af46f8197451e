/* One package delivered by the receiving service (issue 10; R-REALTIME, R-MUTUAL,
 * R-INTRANSIT, R-BATCH-PROTO): opened, checked and imported like a file given to
 * `fukuhonctl import`, with one more check: the TLS client that delivered it must be the
 * municipality that signed it. */
#ifndef FK_INTAKE_RECEIVE_H
#define FK_INTAKE_RECEIVE_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "pki.h"
#include "status.h"

/* The service's TLS context, from the receiving certificate and the trusted CAs and CRLs as
 * they are now (made again when those change: a new CRL takes effect without a restart). */
fk_status fk_intake_tls(fk_ctx *ctx, SSL_CTX **out, fk_error *err);

/* Import body (a package) delivered by the client whose verified certificate is peer, with
 * the trust material *pki kept by the caller across packages (NULL at first; free it with
 * fk_pki_free), loaded again whenever it changed (fk_pki_refresh).
 * FK_OK: *receipt (malloc'd DER, signed) is the answer, whether the package was applied or
 * refused. FK_ERR_BUSY: another package is being staged; nothing was done (the sender
 * retries). Other statuses: nothing was done and no receipt could be made. */
fk_status fk_intake_receive(fk_ctx *ctx, fk_pki **pki, const uint8_t *body, size_t n, X509 *peer,
			    uint8_t **receipt, size_t *rn, fk_error *err);

#endif
