/* The receiving keys in the key folder (pki_keys.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "pki_keys.h"
#include "util.h"

/* A PEM RSA 3072 key is about 2.5 KB; anything far larger is not one of ours. */
#define KEY_FILE_MAX 16384

fk_status fk_pki_key_generate(int ec, EVP_PKEY **out, fk_error *err)
{
	*out = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(3072);
	if (!*out) {
		ERR_clear_error();
		return fk_fail(err, FK_ERR_CRYPTO, ec ? "cannot make an EC key" : "cannot make an RSA key");
	}
	return FK_OK;
}

static fk_status read_checked(int dfd, const char *dir, const char *name, uint8_t *buf, size_t *got,
			      fk_error *err)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? fk_fail(err, FK_ERR_NOKEY, "%s/%s does not exist", dir, name)
				       : fk_fail(err, FK_ERR_KEYPERM, "cannot open %s/%s: %s", dir, name,
						 strerror(errno));
	struct stat sb;
	fk_status s = fstat(fd, &sb) != 0 ? fk_fail(err, FK_ERR_IO, "cannot stat %s/%s", dir, name)
					  : fk_keyfile_check(&sb, dir, name, err);
	if (s == FK_OK && (sb.st_size <= 0 || sb.st_size >= KEY_FILE_MAX))
		s = fk_fail(err, FK_ERR_CORRUPT, "%s/%s is not a receiving key", dir, name);
	if (s == FK_OK && (fk_read_full(fd, buf, (size_t)sb.st_size, got) != 0 || *got != (size_t)sb.st_size))
		s = fk_fail(err, FK_ERR_IO, "cannot read %s/%s", dir, name);
	close(fd);
	return s;
}

/* The folder of the receiving keys; NULL (err filled) when out of memory. */
static char *folder(const char *key_dir, fk_error *err)
{
	return fk_path_join(key_dir, FK_PKI_KEY_FOLDER, err);
}

fk_status fk_pki_key_read(const char *key_dir, const char *name, EVP_PKEY **out, fk_error *err)
{
	*out = NULL;
	int dfd;
	char *dir = folder(key_dir, err);
	if (!dir)
		return FK_ERR_NOMEM;
	struct stat sb;
	if (lstat(dir, &sb) != 0 && errno == ENOENT) {
		/* No folder yet: no request was ever made. */
		fk_status s = fk_fail(err, FK_ERR_NOKEY, "%s does not exist", dir);
		free(dir);
		return s;
	}
	fk_status s = fk_keydir_open(dir, &dfd, err);
	if (s != FK_OK) {
		free(dir);
		return s;
	}
	uint8_t *buf = malloc(KEY_FILE_MAX);
	size_t got = 0;
	if (!buf)
		s = fk_fail(err, FK_ERR_NOMEM, "out of memory");
	if (s == FK_OK)
		s = read_checked(dfd, dir, name, buf, &got, err);
	close(dfd);
	if (s == FK_OK) {
		BIO *b = BIO_new_mem_buf(buf, (int)got);
		*out = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		ERR_clear_error();
		if (!*out)
			s = fk_fail(err, FK_ERR_CORRUPT, "%s/%s is not a receiving key", dir, name);
	}
	if (buf)
		fk_wipe(buf, KEY_FILE_MAX);
	free(buf);
	free(dir);
	return s;
}

fk_status fk_pki_key_write(const char *key_dir, const char *name, EVP_PKEY *key, int excl, fk_error *err)
{
	fk_status s = fk_keydir_make(key_dir, FK_PKI_KEY_FOLDER, err);
	char *dir = s == FK_OK ? folder(key_dir, err) : NULL;
	if (!dir)
		return s == FK_OK ? FK_ERR_NOMEM : s;
	BIO *b = BIO_new(BIO_s_secmem());
	if (!b || PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(b);
		ERR_clear_error();
		free(dir);
		return fk_fail(err, FK_ERR_CRYPTO, "cannot encode the receiving key");
	}
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);
	s = n > 0 ? fk_keyfile_write(dir, name, (const uint8_t *)p, (size_t)n, excl, err)
			    : fk_fail(err, FK_ERR_CRYPTO, "cannot encode the receiving key");
	BIO_free(b); /* secure memory: wiped when freed */
	free(dir);
	return s;
}

fk_status fk_pki_key_remove(const char *key_dir, const char *name, fk_error *err)
{
	char *dir = folder(key_dir, err);
	if (!dir)
		return FK_ERR_NOMEM;
	fk_status s = fk_keyfile_remove(dir, name, err);
	free(dir);
	return s;
}

fk_status fk_pki_key_rename(const char *key_dir, const char *from, const char *to, fk_error *err)
{
	int dfd;
	char *dir = folder(key_dir, err);
	if (!dir)
		return FK_ERR_NOMEM;
	fk_status s = fk_keydir_open(dir, &dfd, err);
	if (s != FK_OK) {
		free(dir);
		return s;
	}
	if (renameat(dfd, from, dfd, to) != 0)
		s = errno == ENOENT ? fk_fail(err, FK_ERR_NOKEY, "%s/%s does not exist", dir, from)
				    : fk_fail(err, FK_ERR_IO, "cannot rename %s/%s to %s: %s", dir, from, to,
					      strerror(errno));
	if (s == FK_OK)
		s = fk_keydir_sync(dfd, dir, err);
	close(dfd);
	free(dir);
	return s;
}

int fk_pki_key_matches(EVP_PKEY *key, X509 *cert)
{
	EVP_PKEY *pub = key && cert ? X509_get0_pubkey(cert) : NULL;
	int eq = pub && EVP_PKEY_eq(key, pub) == 1;
	ERR_clear_error();
	return eq;
}

EVP_PKEY *fk_pki_key_for(const char *key_dir, X509 *cert)
{
	static const char *const names[] = {FK_PKI_KEY_CURRENT, FK_PKI_KEY_NEXT, FK_PKI_KEY_PREV};
	for (size_t i = 0; i < FK_ARRAY_LEN(names); i++) {
		EVP_PKEY *k;
		fk_error e;
		if (fk_pki_key_read(key_dir, names[i], &k, &e) != FK_OK)
			continue;
		if (fk_pki_key_matches(k, cert))
			return k;
		EVP_PKEY_free(k);
	}
	return NULL;
}
