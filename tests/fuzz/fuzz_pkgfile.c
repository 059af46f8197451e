/* libFuzzer harness: a package opened from memory as the receiving service opens a request
 * body (fk_pkg_open_mem), then every chunk decrypted, hash-checked and split into lines
 * (issue 10; R-INTRANSIT, R-BATCH-PROTO); or, for an input starting with 'S', a SignedData
 * verified. Keys: the fixed test PKI of fuzz_pki.h.
 * Build by hand (tests/fuzz/run.sh does it for CI):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icore/base -Icore/text -Icore/crypto \
 *     -Icore/intake tests/fuzz/fuzz_pkgfile.c core/intake/pkgfile.c core/crypto/cms.c \
 *     core/crypto/crypto.c core/text/manifest.c core/text/lgcode.c core/base/status.c \
 *     core/base/str.c -ljansson -lcrypto -o fuzz_pkgfile
 *   ./fuzz_pkgfile -max_len=65536 tests/fuzz/corpus/pkgfile */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <openssl/pem.h>

#include "fuzz_pki.h"
#include "pkgfile.h"

static X509_STORE *store;
static EVP_PKEY *key;
static X509 *cert;

static void *pem(const char *s, int what)
{
	BIO *b = BIO_new_mem_buf(s, -1);
	void *r = NULL;
	if (what == 0)
		r = PEM_read_bio_X509(b, NULL, NULL, NULL);
	else if (what == 1)
		r = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	else
		r = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!r)
		abort();
	return r;
}

static void setup(void)
{
	store = X509_STORE_new();
	X509 *ca = pem(fuzz_ca_pem, 0);
	X509_CRL *crl = pem(fuzz_crl_pem, 1);
	if (!store || X509_STORE_add_cert(store, ca) != 1 || X509_STORE_add_crl(store, crl) != 1)
		abort();
	X509_free(ca);
	X509_CRL_free(crl);
	cert = pem(fuzz_receiver_crt_pem, 0);
	key = pem(fuzz_receiver_key_pem, 2);
}

static fk_status line(void *arg, int64_t index, const char *l, size_t n, fk_error *err)
{
	(void)arg;
	(void)index;
	(void)err;
	/* Touch every byte: a line that runs past its chunk is a read ASan sees. */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < n; i++)
		x ^= (uint8_t)l[i];
	return FK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	EVP_PKEY *ks[1] = {key};
	X509 *cs[1] = {cert};
	fk_cms_keys k = {.store = store, .keys = ks, .certs = cs, .nkeys = 1, .now = FUZZ_NOW};
	fk_pkg *p;
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	fk_error err;
	/* Mutations rarely survive the envelope's GCM tag, so an input starting with 'S' is a
	 * SignedData given straight to the signature, chain and CRL checks the manifest's
	 * content meets once decrypted (the same code, verify_signed in cms.c). */
	if (size > 0 && data[0] == 'S') {
		uint8_t *out;
		size_t n;
		X509 *signer;
		if (fk_cms_verify(data + 1, size - 1, store, FUZZ_NOW, &out, &n, &signer, &cwhy,
				  &err) == FK_OK) {
			free(out);
			X509_free(signer);
		}
		return 0;
	}
	if (fk_pkg_open_mem(data, size, &k, &p, &why, &cwhy, &err) != FK_OK)
		return 0;
	for (int i = 0; i < fk_pkg_manifest(p)->nchunks; i++) {
		uint8_t *plain;
		size_t n;
		if (fk_pkg_chunk(p, i, &plain, &n, &why, &cwhy, &err) != FK_OK)
			continue;
		fk_pkg_lines(plain, n, line, NULL, &err);
		free(plain);
	}
	fk_pkg_close(p);
	return 0;
}
