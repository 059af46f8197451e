/* CMS (RFC 5652) through OpenSSL's CMS API, for fukuhon packages and receipts (issue 10;
 * R-MUTUAL, R-INTRANSIT, R-BATCH-PROTO; docs/package-format.md). No format of our own: a
 * package's manifest is SignedData inside AuthEnvelopedData (AES-256-GCM), each chunk is
 * AuthEnvelopedData, a receipt is SignedData. OpenSSL decodes a CMS object whole, so callers
 * keep every object below FK_CMS_MAX bytes and memory stays bounded by it. */
#ifndef FK_CMS_H
#define FK_CMS_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Largest CMS object accepted or made (a chunk's ciphertext; docs/package-format.md). */
#define FK_CMS_MAX (8u << 20)

/* Why an object was not opened: what a receipt and the history say (translated at the edge). */
#define FK_CMS_FAIL_LIST(X)                                                                        \
	X(NONE, "opened")                                                                          \
	X(MALFORMED, "not a CMS object of the expected type")                                      \
	X(TOO_LARGE, "larger than a CMS object of a package may be")                               \
	X(NOT_FOR_US, "encrypted to another recipient")                                            \
	X(DECRYPT, "cannot be decrypted (altered or truncated)")                                   \
	X(UNSIGNED, "not signed")                                                                  \
	X(BAD_SIGNATURE, "the signature does not match the content")                               \
	X(UNTRUSTED, "the signer's certificate does not chain to a trusted municipal CA")          \
	X(REVOKED, "the signer's certificate is revoked")                                          \
	X(EXPIRED, "the signer's certificate is expired or not yet valid")                         \
	X(CRL_STALE, "the CA's CRL is past its next update: fetch a new one")                      \
	X(CRL_MISSING, "no CRL of the signer's CA is installed")                                   \
	X(USAGE, "the signer's certificate is not for signing")

typedef enum fk_cms_fail {
#define FK_CMS_FAIL_ENUM(id, text) FK_CMS_##id,
	FK_CMS_FAIL_LIST(FK_CMS_FAIL_ENUM)
#undef FK_CMS_FAIL_ENUM
} fk_cms_fail;

/* The English sentence (N_-marked; the console and the CLI translate it). */
const char *fk_cms_fail_text(fk_cms_fail f);

/* What opening needs: the trusted municipal CAs with their CRLs, and the receiving side's
 * private keys with their certificates (current first, then ones kept through a renewal so
 * that packages encrypted to the old certificate still open). Borrowed, never freed here. */
typedef struct fk_cms_keys {
	X509_STORE *store;       /* CAs and CRLs; the opener checks the chain, CRLs and times */
	EVP_PKEY *const *keys;
	X509 *const *certs;
	int nkeys;
	int64_t now;             /* seconds since the epoch: validity and CRL times judged at it */
	int accept_export;       /* a package opener: 1 to take a terminal's export (docs/package-format.md §13) */
	/* Instead of store: the one certificate the signer must be (a terminal's enrolment
	 * package, core/admin/enrol.h: the administrator names the exporting terminal's
	 * certificate); its validity at now and its key usage are checked, no chain. */
	X509 *pinned;
} fk_cms_keys;

/* Open an AuthEnvelopedData (or EnvelopedData) object addressed to one of k's keys. With
 * want_signed, its content must be SignedData, verified (chain, CRL, validity at k->now,
 * key usage; or with k->pinned, that certificate, valid at k->now, for signing), and *signer gets the signer's certificate (up-ref'd; X509_free it).
 * *out (malloc'd) is the innermost content. FK_ERR_INVALID with *why on a bad object. */
fk_status fk_cms_open(const uint8_t *der, size_t n, const fk_cms_keys *k, int want_signed,
		      uint8_t **out, size_t *outlen, X509 **signer, fk_cms_fail *why, fk_error *err);

/* The recipients fk_cms_seal takes, by their certificate's key (docs/package-format.md). */
typedef enum fk_cms_recipient {
	FK_CMS_RECIPIENT_NONE, /* any other key: not a recipient */
	FK_CMS_RECIPIENT_RSA,  /* RSA-OAEP key transport */
	FK_CMS_RECIPIENT_EC,   /* ECDH key agreement, P-256 or P-384 */
} fk_cms_recipient;
fk_cms_recipient fk_cms_recipient_kind(X509 *cert);

/* Make one: SignedData by (sign_key, sign_cert) when sign_key is not NULL, then
 * AuthEnvelopedData (AES-256-GCM) to recips (RSA-OAEP key transport to an RSA certificate,
 * ECDH key agreement to a P-256/P-384 one; FK_ERR_INVALID for any other). DER, malloc'd. */
fk_status fk_cms_seal(const uint8_t *data, size_t n, EVP_PKEY *sign_key, X509 *sign_cert,
		      X509 *const *recips, int nrecips, uint8_t **der, size_t *derlen, fk_error *err);

/* SignedData alone (a receipt): the content included, the certificate included. */
fk_status fk_cms_sign(const uint8_t *data, size_t n, EVP_PKEY *key, X509 *cert, uint8_t **der,
		      size_t *derlen, fk_error *err);
/* Verify SignedData against store at now (the sender checking a receipt; tests). */
fk_status fk_cms_verify(const uint8_t *der, size_t n, X509_STORE *store, int64_t now,
			uint8_t **out, size_t *outlen, X509 **signer, fk_cms_fail *why, fk_error *err);

/* The municipality code a signing certificate carries (its subject's serialNumber, six
 * digits; docs/package-format.md); FK_ERR_INVALID when it has none. */
fk_status fk_cms_cert_municipality(X509 *cert, char code[7], fk_error *err);

/* The first certificate of a PEM file (at most 1 MiB); NULL when it has none. */
X509 *fk_cms_read_cert(const char *path);

#endif
