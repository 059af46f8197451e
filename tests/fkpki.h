/* Tests' access to the test PKI of tests/pki.sh (issue 10): made in a temporary folder,
 * its files loaded with OpenSSL. Test-only. */
#ifndef FKPKI_H
#define FKPKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Run tests/pki.sh (found under FK_TOP_SRCDIR) in a new temporary folder with the
 * specifications given (NULL-terminated); the folder's path (static), or NULL. */
const char *fkpki_make(const char *const *specs);
/* Remove the folder fkpki_make made. */
void fkpki_remove(const char *dir);

X509 *fkpki_cert(const char *dir, const char *name);    /* dir/name, PEM; NULL if absent */
EVP_PKEY *fkpki_key(const char *dir, const char *name); /* dir/name, PEM */
/* A store trusting dir/ca.crt, with dir/crl (a file name) as its CRL when not NULL. */
X509_STORE *fkpki_store(const char *dir, const char *crl);

/* What most tests need: the PKI made with specs, the store with ca.crl, both receivers and
 * the signer muni-131016 (which specs must make). */
typedef struct fkpki {
	const char *dir;
	X509_STORE *store;
	EVP_PKEY *rkey, *r2key, *skey;
	X509 *rcert, *r2cert, *scert;
} fkpki;
/* Exits the test program when the PKI cannot be made or read: nothing could be tested. */
void fkpki_load(fkpki *p, const char *const *specs);
void fkpki_free(fkpki *p); /* and removes the folder */

#endif
