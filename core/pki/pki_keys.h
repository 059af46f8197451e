/* The receiving side's private keys: files of the key folder, never the database (R-MUTUAL,
 * R-KEYS), in its folder receiver/ (0700, held to the key folder's rules like credentials/:
 * the key folder itself admits only its own key names). receiver.key is the current certificate's key, receiver-next.key the key of a
 * request whose certificate is not installed yet, receiver-prev.key the key kept through a
 * renewal. Each is PEM (PKCS#8), 0600, held to the key folder's rules (keyfile.h). Readers do
 * not trust the names: a certificate's key is the file whose public key matches it, so that
 * a renewal cut short between its commit and its renames still finds every key. */
#ifndef FK_PKI_KEYS_H
#define FK_PKI_KEYS_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "status.h"

#define FK_PKI_KEY_FOLDER "receiver"
#define FK_PKI_KEY_CURRENT "receiver.key"
#define FK_PKI_KEY_NEXT "receiver-next.key"
#define FK_PKI_KEY_PREV "receiver-prev.key"
/* Remove the file name (a key made for a request that was not recorded). */
fk_status fk_pki_key_remove(const char *key_dir, const char *name, fk_error *err);

/* A new receiving key: RSA 3072 (CMS key transport, RSA-OAEP), or with ec EC P-256 (CMS key
 * agreement, ECDH; receipts with ECDSA): docs/package-format.md. */
fk_status fk_pki_key_generate(int ec, EVP_PKEY **out, fk_error *err);

/* key_dir is the key folder; the files are in its FK_PKI_KEY_FOLDER. */
/* Read the file name (FK_ERR_NOKEY when there is none). */
fk_status fk_pki_key_read(const char *key_dir, const char *name, EVP_PKEY **out, fk_error *err);
/* Write key as name, atomically (the folder made when missing); with excl, never over an existing file (FK_ERR_EXISTS). */
fk_status fk_pki_key_write(const char *key_dir, const char *name, EVP_PKEY *key, int excl, fk_error *err);
/* Rename from over to and sync the folder; FK_ERR_NOKEY when from is not there. */
fk_status fk_pki_key_rename(const char *key_dir, const char *from, const char *to, fk_error *err);

/* The key among the three files whose public key is cert's (NULL when none is). */
EVP_PKEY *fk_pki_key_for(const char *key_dir, X509 *cert);
/* 1 when key's public half is cert's. */
int fk_pki_key_matches(EVP_PKEY *key, X509 *cert);

#endif
