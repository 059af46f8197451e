/* The receiving service's TLS context (R-MUTUAL, R-INTRANSIT). */
#include "config.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "tls.h"

static fk_status ssl_fail(fk_error *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return fk_fail(err, FK_ERR_CRYPTO, "TLS: %s%s%s", what, buf[0] ? ": " : "", buf);
}

fk_status fk_pki_tls_server(const fk_pki *p, SSL_CTX **out, fk_error *err)
{
	*out = NULL;
	const fk_cms_keys *k = fk_pki_keys(p);
	EVP_PKEY *key = fk_pki_sign_key(p);
	X509 *cert = fk_pki_sign_cert(p);
	if (!k || !k->store || !key || !cert)
		return fk_fail(err, FK_ERR_CONFIG, "no receiving certificate is installed (fukuhonctl cert status)");
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	if (!c)
		return ssl_fail(err, "cannot make a context");
	fk_status st = FK_OK;
	/* TLS 1.3 only: every link the standard asks to encrypt gets the one version without
	 * the older suites' choices to get wrong. */
	if (!SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION))
		st = ssl_fail(err, "cannot require TLS 1.3");
	else if (SSL_CTX_use_certificate(c, cert) != 1 || SSL_CTX_use_PrivateKey(c, key) != 1 ||
		 SSL_CTX_check_private_key(c) != 1)
		st = ssl_fail(err, "the receiving certificate and key do not go together");
	/* The client's chain is checked against the trusted municipal CAs with their CRLs:
	 * the same store (and flags) as a package's signer. */
	else if (SSL_CTX_set1_verify_cert_store(c, k->store) != 1)
		st = ssl_fail(err, "cannot set the CA store");
	if (st == FK_OK) {
		/* fk_pki_load judged the store at one moment (a package is judged at its
		 * arrival); a handshake is judged by the clock, whenever it comes. The store is
		 * the TLS context's from here on. */
		X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(k->store), X509_V_FLAG_USE_CHECK_TIME);
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(c);
		X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_X509_STRICT);
		X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_CLIENT);
		/* No resumption across restarts or tickets to steal: each delivery authenticates. */
		SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
		SSL_CTX_set_num_tickets(c, 0);
	}
	if (st != FK_OK) {
		SSL_CTX_free(c);
		return st;
	}
	*out = c;
	return FK_OK;
}

X509 *fk_pki_tls_peer(SSL *ssl)
{
	if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK)
		return NULL;
	return SSL_get0_peer_certificate(ssl);
}
