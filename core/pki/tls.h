/* The receiving service's TLS (issue 10; R-MUTUAL, R-INTRANSIT): TLS 1.3 only, the receiving
 * certificate as the server's, and a client certificate required and checked against the same
 * municipal CAs and CRLs that packages are checked against. Here, so that the service (recv/)
 * runs no crypto of its own: it gets an SSL_CTX and hands the peer's certificate back. */
#ifndef FK_PKI_TLS_H
#define FK_PKI_TLS_H

#include <openssl/ssl.h>

#include "pki.h"
#include "status.h"

/* A server context from p's current receiving key and certificate and its CA store (which
 * it takes over: its verification time follows the clock from then on). */
fk_status fk_pki_tls_server(const fk_pki *p, SSL_CTX **out, fk_error *err);

/* The client certificate of an established connection (borrowed), NULL when none. */
X509 *fk_pki_tls_peer(SSL *ssl);

#endif
