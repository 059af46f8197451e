/* Test helpers for the receiving side's certificates (fkt_pki.h). */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1 /* nftw */

#include <check.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fkt_pki.h"
#include "fktest.h"

extern char **environ;

/* The helpers run in main too, where Check's assertions cannot report: exit 99 (a hard
 * error to the harness) with the reason. */
static void need(int ok, const char *what, const char *arg)
{
	if (ok)
		return;
	fprintf(stderr, "test setup failed: %s %s\n", what, arg ? arg : "");
	exit(99);
}

void fkt_pki_make(const char *dir, const char *const *specs)
{
	char script[1024];
	snprintf(script, sizeof script, "%s", fkt_src("tests/pki.sh"));
	const char *argv[16] = {"/bin/sh", script, dir};
	int n = 3;
	for (; specs && *specs && n < 15; specs++)
		argv[n++] = *specs;
	argv[n] = NULL;
	pid_t pid;
	posix_spawn_file_actions_t fa;
	need(posix_spawn_file_actions_init(&fa) == 0, "posix_spawn_file_actions_init", NULL);
	/* The openssl tools' chatter stays out of the test's log. */
	need(posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) == 0, "addopen", NULL);
	need(posix_spawn(&pid, "/bin/sh", &fa, NULL, (char *const *)argv, environ) == 0, "spawning", script);
	posix_spawn_file_actions_destroy(&fa);
	int status;
	need(waitpid(pid, &status, 0) == pid, "waiting for", script);
	need(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tests/pki.sh failed for", dir);
}

uint8_t *fkt_pki_read(const char *dir, const char *name, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	uint8_t *buf = malloc(1u << 20);
	ck_assert_ptr_nonnull(buf);
	*n = fread(buf, 1, (1u << 20) - 1, f);
	buf[*n] = 0;
	fclose(f);
	return buf;
}

static void *pem_file(const char *dir, const char *name, int key)
{
	size_t n;
	uint8_t *buf = fkt_pki_read(dir, name, &n);
	BIO *b = BIO_new_mem_buf(buf, (int)n);
	void *o = key ? (void *)PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)
		      : (void *)PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(buf);
	ck_assert_ptr_nonnull(o);
	return o;
}

static void add_ext(X509 *x, X509 *ca, int nid, const char *value)
{
	X509V3_CTX v;
	X509V3_set_ctx(&v, ca, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v, nid, value);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

char *fkt_pki_sign_csr(const char *dir, const char *csr, int days, size_t *n)
{
	static long serial = 0x7000;
	BIO *b = BIO_new_mem_buf(csr, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert_ptr_nonnull(req);
	X509 *ca = pem_file(dir, "ca.crt", 0);
	EVP_PKEY *cakey = pem_file(dir, "ca.key", 1);
	X509 *x = X509_new();
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	ck_assert_int_eq(X509_set_subject_name(x, X509_REQ_get_subject_name(req)), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, X509_get_subject_name(ca)), 1);
	ck_assert_int_eq(X509_set_pubkey(x, X509_REQ_get0_pubkey(req)), 1);
	long start = days < 0 ? (long)days * 2 * 86400 : -3600;
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), start));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400));
	add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	ck_assert_int_gt(X509_sign(x, cakey, EVP_sha256()), 0);
	b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_X509(b, x), 1);
	char *p;
	long len = BIO_get_mem_data(b, &p);
	char *out = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(out);
	memcpy(out, p, (size_t)len);
	out[len] = '\0';
	*n = (size_t)len;
	BIO_free(b);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	X509_REQ_free(req);
	return out;
}

void fkt_pki_tmpdir(char *buf, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, len, "%s/fkpki.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	need(mkdtemp(buf) != NULL, "mkdtemp", buf);
}

static int unlink_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fkt_pki_remove(const char *dir)
{
	nftw(dir, unlink_one, 16, FTW_DEPTH | FTW_PHYS);
}
