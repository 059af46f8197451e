/* AES-256-GCM sealing, HMAC-SHA256 and randomness over OpenSSL 3 EVP (R-ATREST). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto.h"

/* Fetching an algorithm and allocating a context cost far more than sealing
 * a 2 KB blob, and a bulk import seals about a million of them: each thread
 * keeps one of each and re-keys it on every call. The key schedule stays in
 * the cached context until the next call or fk_crypto_thread_cleanup(). */
static _Thread_local EVP_CIPHER *tl_gcm;
static _Thread_local EVP_CIPHER_CTX *tl_cctx;
static _Thread_local EVP_MAC *tl_hmac;
static _Thread_local EVP_MAC_CTX *tl_mctx;

/* One line from OpenSSL's error queue, which is then emptied so that a later
 * failure does not report a stale reason. */
static fk_status crypto_fail(fk_error *err, const char *what)
{
	char reason[256] = "no reason given";
	unsigned long e = ERR_get_error();
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	return fk_fail(err, FK_ERR_CRYPTO, "%s failed: %s", what, reason);
}

fk_status fk_random(void *buf, size_t n, fk_error *err)
{
	unsigned char *p = buf;
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (RAND_bytes(p, chunk) != 1)
			return crypto_fail(err, "random generator");
		p += chunk;
		n -= (size_t)chunk;
	}
	return FK_OK;
}

void fk_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

int fk_memeq_ct(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 0;
	return CRYPTO_memcmp(a, b, n) == 0 ? 0 : 1;
}

/* The thread's GCM context with the cipher already set, so that each call
 * only has to supply key, nonce and direction. */
static EVP_CIPHER_CTX *gcm_ctx(fk_error *err)
{
	if (tl_cctx)
		return tl_cctx;
	if (!tl_gcm && !(tl_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL))) {
		crypto_fail(err, "fetching AES-256-GCM");
		return NULL;
	}
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!c) {
		crypto_fail(err, "allocating a cipher context");
		return NULL;
	}
	if (EVP_CipherInit_ex2(c, tl_gcm, NULL, NULL, 1, NULL) != 1) {
		EVP_CIPHER_CTX_free(c);
		crypto_fail(err, "initialising AES-256-GCM");
		return NULL;
	}
	tl_cctx = c;
	return c;
}

/* The version byte is authenticated with the caller's data, so that the
 * header of a blob cannot be changed without the tag failing. */
static int feed_aad(EVP_CIPHER_CTX *c, int enc, const void *aad, size_t aadlen)
{
	static const unsigned char version = FK_SEAL_VERSION;
	int outl;
	int ok = enc ? EVP_EncryptUpdate(c, NULL, &outl, &version, 1)
		     : EVP_DecryptUpdate(c, NULL, &outl, &version, 1);
	if (ok != 1)
		return 0;
	if (aadlen == 0)
		return 1;
	return (enc ? EVP_EncryptUpdate(c, NULL, &outl, aad, (int)aadlen)
		    : EVP_DecryptUpdate(c, NULL, &outl, aad, (int)aadlen)) == 1;
}

/* GCM does not use the padding EVP may add, but lengths above INT_MAX do not
 * fit EVP's int arguments; nothing of ours comes near that. */
static int lengths_fit(size_t a, size_t b)
{
	return a <= INT_MAX - FK_SEAL_OVERHEAD && b <= INT_MAX;
}

static fk_status seal_body(EVP_CIPHER_CTX *c, const uint8_t *key, const void *aad,
			   size_t aadlen, const void *plain, size_t plen, uint8_t *out,
			   fk_error *err)
{
	uint8_t *nonce = out + 1, *ct = out + 1 + FK_NONCE_LEN;
	int outl = 0, finl = 0;
	if (EVP_CipherInit_ex2(c, NULL, key, nonce, 1, NULL) != 1)
		return crypto_fail(err, "keying AES-256-GCM");
	if (!feed_aad(c, 1, aad, aadlen))
		return crypto_fail(err, "authenticating associated data");
	if (plen > 0 && EVP_EncryptUpdate(c, ct, &outl, plain, (int)plen) != 1)
		return crypto_fail(err, "encrypting");
	if (EVP_EncryptFinal_ex(c, ct + outl, &finl) != 1)
		return crypto_fail(err, "finishing encryption");
	if ((size_t)outl + (size_t)finl != plen)
		return fk_fail(err, FK_ERR_CRYPTO, "encryption produced %d bytes for %zu",
			       outl + finl, plen);
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, FK_TAG_LEN, ct + plen) != 1)
		return crypto_fail(err, "reading the GCM tag");
	return FK_OK;
}

fk_status fk_seal(const uint8_t key[FK_KEY_LEN], const void *aad, size_t aadlen,
		  const void *plain, size_t plen, uint8_t *out, fk_error *err)
{
	if (!key || !out || (plen && !plain) || (aadlen && !aad))
		return fk_fail(err, FK_ERR_INTERNAL, "fk_seal called with a NULL buffer");
	if (!lengths_fit(plen, aadlen))
		return fk_fail(err, FK_ERR_INVALID, "%zu bytes is too large to seal", plen);
	EVP_CIPHER_CTX *c = gcm_ctx(err);
	if (!c)
		return FK_ERR_CRYPTO;
	/* A random 96-bit nonce per seal: at our volumes (well under 2^32 seals
	 * per key) the chance of a repeat is negligible. */
	out[0] = FK_SEAL_VERSION;
	fk_status st = fk_random(out + 1, FK_NONCE_LEN, err);
	if (st == FK_OK)
		st = seal_body(c, key, aad, aadlen, plain, plen, out, err);
	if (st != FK_OK)
		fk_wipe(out, plen + FK_SEAL_OVERHEAD);
	return st;
}

static fk_status open_body(EVP_CIPHER_CTX *c, const uint8_t *key, const void *aad,
			   size_t aadlen, const uint8_t *sealed, size_t clen, uint8_t *out,
			   fk_error *err)
{
	const uint8_t *nonce = sealed + 1, *ct = sealed + 1 + FK_NONCE_LEN;
	uint8_t tag[FK_TAG_LEN];
	int outl = 0, finl = 0;
	memcpy(tag, ct + clen, FK_TAG_LEN); /* EVP wants a writable tag buffer */
	if (EVP_CipherInit_ex2(c, NULL, key, nonce, 0, NULL) != 1)
		return crypto_fail(err, "keying AES-256-GCM");
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, FK_TAG_LEN, tag) != 1)
		return crypto_fail(err, "setting the GCM tag");
	if (!feed_aad(c, 0, aad, aadlen))
		return crypto_fail(err, "authenticating associated data");
	if (clen > 0 && EVP_DecryptUpdate(c, out, &outl, ct, (int)clen) != 1)
		return crypto_fail(err, "decrypting");
	uint8_t none[1] = {0}; /* GCM's final step writes nothing; out may be NULL when clen is 0 */
	if (EVP_DecryptFinal_ex(c, clen ? out + outl : none, &finl) != 1) {
		ERR_clear_error();
		return fk_fail(err, FK_ERR_TAMPER,
			       "sealed data failed authentication: altered, or not sealed for this place");
	}
	if ((size_t)outl + (size_t)finl != clen)
		return fk_fail(err, FK_ERR_CRYPTO, "decryption produced %d bytes for %zu",
			       outl + finl, clen);
	return FK_OK;
}

fk_status fk_open(const uint8_t key[FK_KEY_LEN], const void *aad, size_t aadlen,
		  const uint8_t *sealed, size_t slen, uint8_t *out, size_t *plen,
		  fk_error *err)
{
	if (plen)
		*plen = 0;
	if (!key || !plen || (slen && !sealed) || (aadlen && !aad))
		return fk_fail(err, FK_ERR_INTERNAL, "fk_open called with a NULL buffer");
	if (slen < FK_SEAL_OVERHEAD)
		return fk_fail(err, FK_ERR_CORRUPT, "sealed data is %zu bytes, shorter than its %d-byte header and tag",
			       slen, FK_SEAL_OVERHEAD);
	if (sealed[0] != FK_SEAL_VERSION)
		return fk_fail(err, FK_ERR_CORRUPT, "sealed data has unknown format version %u",
			       (unsigned)sealed[0]);
	size_t clen = slen - FK_SEAL_OVERHEAD;
	if (clen && !out)
		return fk_fail(err, FK_ERR_INTERNAL, "fk_open called with a NULL buffer");
	if (!lengths_fit(clen, aadlen))
		return fk_fail(err, FK_ERR_INVALID, "%zu bytes is too large to open", slen);
	EVP_CIPHER_CTX *c = gcm_ctx(err);
	if (!c)
		return FK_ERR_CRYPTO;
	fk_status st = open_body(c, key, aad, aadlen, sealed, clen, out, err);
	if (st != FK_OK)
		fk_wipe(out, clen); /* never hand out unauthenticated plaintext */
	else
		*plen = clen;
	return st;
}

/* The thread's HMAC context with SHA-256 already chosen; EVP_MAC_init then
 * only changes the key. */
static EVP_MAC_CTX *hmac_ctx(fk_error *err)
{
	if (tl_mctx)
		return tl_mctx;
	if (!tl_hmac && !(tl_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL))) {
		crypto_fail(err, "fetching HMAC");
		return NULL;
	}
	EVP_MAC_CTX *m = EVP_MAC_CTX_new(tl_hmac);
	if (!m) {
		crypto_fail(err, "allocating an HMAC context");
		return NULL;
	}
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (EVP_MAC_CTX_set_params(m, params) != 1) {
		EVP_MAC_CTX_free(m);
		crypto_fail(err, "choosing SHA-256 for HMAC");
		return NULL;
	}
	tl_mctx = m;
	return m;
}

fk_status fk_sha256(const void *data, size_t n, uint8_t out[FK_SHA256_LEN], fk_error *err)
{
	if (!out || (n && !data))
		return fk_fail(err, FK_ERR_INTERNAL, "fk_sha256 called with a NULL buffer");
	unsigned outl = 0;
	if (EVP_Digest(n ? data : "", n, out, &outl, EVP_sha256(), NULL) != 1)
		return crypto_fail(err, "SHA-256");
	if (outl != FK_SHA256_LEN)
		return fk_fail(err, FK_ERR_CRYPTO, "SHA-256 gave %u bytes", outl);
	return FK_OK;
}

fk_status fk_hmac(const uint8_t key[FK_KEY_LEN], const void *data, size_t n,
		  uint8_t out[FK_MAC_LEN], fk_error *err)
{
	if (!key || !out || (n && !data))
		return fk_fail(err, FK_ERR_INTERNAL, "fk_hmac called with a NULL buffer");
	EVP_MAC_CTX *m = hmac_ctx(err);
	if (!m)
		return FK_ERR_CRYPTO;
	size_t outl = 0;
	if (EVP_MAC_init(m, key, FK_KEY_LEN, NULL) != 1)
		return crypto_fail(err, "keying HMAC-SHA256");
	if (n > 0 && EVP_MAC_update(m, data, n) != 1)
		return crypto_fail(err, "HMAC-SHA256");
	if (EVP_MAC_final(m, out, &outl, FK_MAC_LEN) != 1)
		return crypto_fail(err, "finishing HMAC-SHA256");
	if (outl != FK_MAC_LEN)
		return fk_fail(err, FK_ERR_CRYPTO, "HMAC-SHA256 gave %zu bytes", outl);
	return FK_OK;
}

struct fk_mac {
	EVP_MAC_CTX *ctx;
	int keyed; /* the key is set: later inits only restart with it */
	uint8_t key[FK_KEY_LEN];
};

fk_status fk_mac_new(const uint8_t key[FK_KEY_LEN], fk_mac **out, fk_error *err)
{
	*out = NULL;
	fk_mac *m = calloc(1, sizeof *m);
	if (!m)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	m->ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	EVP_MAC_free(hmac); /* the context keeps its own reference */
	if (!m->ctx || EVP_MAC_CTX_set_params(m->ctx, params) != 1) {
		fk_mac_free(m);
		return crypto_fail(err, "preparing HMAC-SHA256");
	}
	memcpy(m->key, key, FK_KEY_LEN);
	*out = m;
	return FK_OK;
}

fk_status fk_mac_begin(fk_mac *m, fk_error *err)
{
	/* A NULL key restarts HMAC with the key already set, without keying again. */
	int ok = EVP_MAC_init(m->ctx, m->keyed ? NULL : m->key, m->keyed ? 0 : FK_KEY_LEN, NULL) == 1;
	m->keyed = ok;
	return ok ? FK_OK : crypto_fail(err, "keying HMAC-SHA256");
}

fk_status fk_mac_update(fk_mac *m, const void *data, size_t n, fk_error *err)
{
	if (n > 0 && EVP_MAC_update(m->ctx, data, n) != 1)
		return crypto_fail(err, "HMAC-SHA256");
	return FK_OK;
}

fk_status fk_mac_final(fk_mac *m, uint8_t out[FK_MAC_LEN], fk_error *err)
{
	size_t outl = 0;
	if (EVP_MAC_final(m->ctx, out, &outl, FK_MAC_LEN) != 1 || outl != FK_MAC_LEN) {
		m->keyed = 0;
		return crypto_fail(err, "finishing HMAC-SHA256");
	}
	return FK_OK;
}

fk_status fk_mac_run(fk_mac *m, const void *data, size_t n, uint8_t out[FK_MAC_LEN], fk_error *err)
{
	fk_status st = fk_mac_begin(m, err);
	if (st == FK_OK)
		st = fk_mac_update(m, data, n, err);
	return st == FK_OK ? fk_mac_final(m, out, err) : st;
}

void fk_mac_free(fk_mac *m)
{
	if (!m)
		return;
	EVP_MAC_CTX_free(m->ctx);
	fk_wipe(m->key, sizeof m->key);
	free(m);
}

void fk_crypto_thread_cleanup(void)
{
	/* The _free functions cleanse the key schedules they hold. */
	EVP_CIPHER_CTX_free(tl_cctx);
	EVP_CIPHER_free(tl_gcm);
	EVP_MAC_CTX_free(tl_mctx);
	EVP_MAC_free(tl_hmac);
	tl_cctx = NULL;
	tl_gcm = NULL;
	tl_mctx = NULL;
	tl_hmac = NULL;
}
