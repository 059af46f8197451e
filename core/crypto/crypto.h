/* AES-256-GCM sealing, HMAC-SHA256 and secure randomness over OpenSSL 3 EVP (R-ATREST). */
#ifndef FK_CRYPTO_H
#define FK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define FK_KEY_LEN 32   /* AES-256 and HMAC keys */
#define FK_NONCE_LEN 12 /* GCM nonce, fresh and random for every seal */
#define FK_TAG_LEN 16   /* GCM tag */
#define FK_MAC_LEN 32   /* HMAC-SHA256 output */
#define FK_BLIND_LEN 16 /* blind-index tag: HMAC truncated */
#define FK_SEAL_VERSION 1
/* Sealed blob: version byte | nonce | ciphertext | tag. */
#define FK_SEAL_OVERHEAD (1 + FK_NONCE_LEN + FK_TAG_LEN)

/* Fill buf with n bytes from the OpenSSL CSPRNG. */
fk_status fk_random(void *buf, size_t n, fk_error *err);

/* Wipe memory that held a secret (OPENSSL_cleanse: not optimised away). */
void fk_wipe(void *p, size_t n);

/* Seal plain (plen bytes) under key with associated data aad (binding the
 * ciphertext to its row, so ciphertexts cannot be swapped between rows).
 * out must hold plen + FK_SEAL_OVERHEAD bytes. */
fk_status fk_seal(const uint8_t key[FK_KEY_LEN], const void *aad, size_t aadlen,
		  const void *plain, size_t plen, uint8_t *out, fk_error *err);

/* Open a sealed blob. out must hold slen - FK_SEAL_OVERHEAD bytes; *plen gets
 * the plaintext length. Any alteration of blob or aad gives FK_ERR_TAMPER and
 * leaves out wiped. A blob too short or of an unknown version: FK_ERR_CORRUPT. */
fk_status fk_open(const uint8_t key[FK_KEY_LEN], const void *aad, size_t aadlen,
		  const uint8_t *sealed, size_t slen, uint8_t *out, size_t *plen,
		  fk_error *err);

/* SHA-256(data): a digest with no key, for what only needs to be told apart. */
#define FK_SHA256_LEN 32
fk_status fk_sha256(const void *data, size_t n, uint8_t out[FK_SHA256_LEN], fk_error *err);

/* HMAC-SHA256(key, data). */
fk_status fk_hmac(const uint8_t key[FK_KEY_LEN], const void *data, size_t n,
		  uint8_t out[FK_MAC_LEN], fk_error *err);

/* A keyed HMAC-SHA256 kept ready for many messages under one key: keying
 * costs as much as a short message, and row checks and verification MAC
 * thousands of short messages under the same key. One thread at a time. */
typedef struct fk_mac fk_mac;
fk_status fk_mac_new(const uint8_t key[FK_KEY_LEN], fk_mac **out, fk_error *err);
/* out = HMAC-SHA256(key, the n bytes of data). */
fk_status fk_mac_run(fk_mac *m, const void *data, size_t n, uint8_t out[FK_MAC_LEN], fk_error *err);
/* The same over several pieces: begin, update as often as needed, final. */
fk_status fk_mac_begin(fk_mac *m, fk_error *err);
fk_status fk_mac_update(fk_mac *m, const void *data, size_t n, fk_error *err);
fk_status fk_mac_final(fk_mac *m, uint8_t out[FK_MAC_LEN], fk_error *err);
void fk_mac_free(fk_mac *m); /* cleanses the key schedule; NULL is fine */

/* Constant-time comparison: 0 when equal. */
int fk_memeq_ct(const void *a, const void *b, size_t n);

/* Free per-thread cached cipher/MAC contexts (call before a thread ends;
 * harmless if none). */
void fk_crypto_thread_cleanup(void);

#endif
