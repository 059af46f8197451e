/* The test PKI of tests/pki.sh, made and loaded for the tests (issue 10). Test-only. */
#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "fkpki.h"

const char *fkpki_make(const char *const *specs)
{
	static char dir[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	const char *top = getenv("FK_TOP_SRCDIR");
	char script[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/fkpki.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	snprintf(script, sizeof script, "%s/tests/pki.sh", top && *top ? top : ".");
	if (!mkdtemp(dir))
		return NULL;
	const char *argv[32] = {"sh", script, dir};
	int n = 3;
	for (; specs && *specs && n < 31; specs++)
		argv[n++] = *specs;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		execvp("sh", (char *const *)argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fkpki_remove(dir); /* nothing left behind in TMPDIR */
		return NULL;
	}
	return dir;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fkpki_remove(const char *dir)
{
	if (dir && *dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return fopen(path, "r");
}

X509 *fkpki_cert(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	if (!f)
		return NULL;
	X509 *c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return c;
}

EVP_PKEY *fkpki_key(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	if (!f)
		return NULL;
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

X509_STORE *fkpki_store(const char *dir, const char *crl)
{
	X509_STORE *st = X509_STORE_new();
	X509 *ca = fkpki_cert(dir, "ca.crt");
	int ok = st && ca && X509_STORE_add_cert(st, ca) == 1;
	X509_free(ca);
	if (ok && crl) {
		FILE *f = open_in(dir, crl);
		X509_CRL *c = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		ok = c && X509_STORE_add_crl(st, c) == 1;
		X509_CRL_free(c);
	}
	if (!ok) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

void fkpki_load(fkpki *p, const char *const *specs)
{
	p->dir = fkpki_make(specs);
	if (!p->dir) {
		fprintf(stderr, "cannot make the test PKI with tests/pki.sh\n");
		exit(EXIT_FAILURE);
	}
	p->store = fkpki_store(p->dir, "ca.crl");
	p->rkey = fkpki_key(p->dir, "receiver.key");
	p->rcert = fkpki_cert(p->dir, "receiver.crt");
	p->r2key = fkpki_key(p->dir, "receiver2.key");
	p->r2cert = fkpki_cert(p->dir, "receiver2.crt");
	p->skey = fkpki_key(p->dir, "muni-131016.key");
	p->scert = fkpki_cert(p->dir, "muni-131016.crt");
	if (!p->store || !p->rkey || !p->rcert || !p->r2key || !p->r2cert || !p->skey || !p->scert) {
		fprintf(stderr, "cannot load the test PKI in %s\n", p->dir);
		exit(EXIT_FAILURE);
	}
}

void fkpki_free(fkpki *p)
{
	X509_STORE_free(p->store);
	EVP_PKEY_free(p->rkey);
	EVP_PKEY_free(p->r2key);
	EVP_PKEY_free(p->skey);
	X509_free(p->rcert);
	X509_free(p->r2cert);
	X509_free(p->scert);
	fkpki_remove(p->dir);
}
