/* The trust material as the package opener and the receipt signer use it (pki.h; R-MUTUAL). */
#include "config.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pki.h"
#include "pki_item.h"
#include "pki_keys.h"
#include "db.h"
#include "trust.h"
#include "util.h"

/* Every row's id, MAC and DER digest: a row added, removed or changed (its MAC covers what
 * decides meaning, a slot moved through a renewal included) changes the list. */
static const char SQL_STAMP[] = "SELECT id, mac, sha256 FROM pki_item ORDER BY id";

struct fk_pki {
	X509_STORE *store;
	EVP_PKEY *keys[2]; /* current first, then previous */
	X509 *certs[2];
	fk_cms_keys ck;
	int64_t now;
	uint8_t stamp[32]; /* of what it was loaded from (fk_pki_refresh) */
	int has_cert, key_missing;
	int64_t cert_not_after;
	char cert_subject[256];
	int nca;
	struct {
		int64_t id;
		char subject[256];
		int has_crl;
		int64_t next_update;
	} ca[FK_PKI_CA_MAX];
};

typedef struct loading {
	fk_pki *p;
	const char *key_dir;
	X509 *previous;
	fk_status s;
	fk_error *err;
} loading;

static int fail(loading *l, fk_status s, const char *what, int64_t id)
{
	l->s = fk_fail(l->err, s, "pki_item row %lld: cannot use its %s", (long long)id, what);
	ERR_clear_error();
	return 1;
}

static int load_item(const fk_pki_item *it, void *arg)
{
	loading *l = arg;
	fk_pki *p = l->p;
	const unsigned char *d = it->der;
	if (it->kind == FK_PKI_CRL) {
		X509_CRL *crl = d2i_X509_CRL(NULL, &d, (long)it->derlen);
		int ok = crl && X509_STORE_add_crl(p->store, crl) == 1;
		X509_CRL_free(crl);
		if (!ok)
			return fail(l, FK_ERR_CRYPTO, "CRL", it->id);
		for (int i = 0; i < p->nca; i++)
			if (p->ca[i].id == it->ca_id) {
				p->ca[i].has_crl = 1;
				p->ca[i].next_update = it->not_after;
			}
		return 0;
	}
	X509 *x = d2i_X509(NULL, &d, (long)it->derlen);
	if (!x)
		return fail(l, FK_ERR_CRYPTO, "certificate", it->id);
	if (it->kind == FK_PKI_CA) {
		int ok = X509_STORE_add_cert(p->store, x) == 1;
		X509_free(x);
		if (!ok)
			return fail(l, FK_ERR_CRYPTO, "CA certificate", it->id);
		if (p->nca < FK_PKI_CA_MAX) {
			p->ca[p->nca].id = it->id;
			fk_copy_str(p->ca[p->nca].subject, sizeof p->ca[0].subject, it->subject);
			p->nca++;
		}
		return 0;
	}
	if (it->slot == FK_PKI_SLOT_PREVIOUS) {
		X509_free(l->previous);
		l->previous = x;
		return 0;
	}
	p->has_cert = 1;
	p->cert_not_after = it->not_after;
	fk_copy_str(p->cert_subject, sizeof p->cert_subject, it->subject);
	/* The key whose public half is the certificate's, whatever its file's name (pki_keys.h). */
	EVP_PKEY *k = fk_pki_key_for(l->key_dir, x);
	if (!k) {
		p->key_missing = 1;
		X509_free(x);
		return 0;
	}
	p->keys[0] = k;
	p->certs[0] = x;
	p->ck.nkeys = 1;
	return 0;
}

static fk_status new_store(fk_pki *p, int64_t now, fk_error *err)
{
	p->store = X509_STORE_new();
	/* Fail closed whoever verifies against it: the signer's CRL must be there and current,
	 * and times are judged at now. A CA in the store is an anchor even when it is not
	 * self-signed (a municipal CA under a national root). */
	if (!p->store ||
	    X509_STORE_set_flags(p->store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_PARTIAL_CHAIN) != 1)
		return fk_fail(err, FK_ERR_CRYPTO, "cannot make the trust store");
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(p->store), (time_t)now);
	return FK_OK;
}

/* The stamp of the trust material as it is now: the pki_item rows, and the receiving keys'
 * folder as the file system describes it (the keys are written to a new name and renamed,
 * and removed by unlinking: each changes the folder's times; a folder made again changes its
 * inode). */
static fk_status stamp_now(fk_ctx *ctx, uint8_t out[32], fk_error *err)
{
	fk_stmt *st;
	fk_status s = fk_ctx_stmt(ctx, SQL_STAMP, &st, err);
	if (s != FK_OK)
		return s;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	int rc = SQLITE_DONE;
	while (ok && (rc = fk_sql_step(st)) == SQLITE_ROW) {
		int64_t id = fk_sql_column_int64(st, 0);
		ok = EVP_DigestUpdate(md, &id, sizeof id) == 1;
		for (int c = 1; c <= 2 && ok; c++) {
			const void *b = fk_sql_column_blob(st, c);
			int64_t n = fk_sql_column_bytes(st, c);
			ok = EVP_DigestUpdate(md, &n, sizeof n) == 1 && (n == 0 || EVP_DigestUpdate(md, b, (size_t)n) == 1);
		}
	}
	if (ok && rc != SQLITE_DONE)
		s = fk_db_fail(ctx->db, rc, err, "reading the trust material");
	fk_sql_reset(st);
	char *dir = s == FK_OK && ok ? fk_path_join(ctx->cfg.key_dir, FK_PKI_KEY_FOLDER, err) : NULL;
	if (s == FK_OK && ok && !dir)
		s = FK_ERR_NOMEM; /* err filled by fk_path_join */
	struct stat sb;
	memset(&sb, 0, sizeof sb);
	if (dir && stat(dir, &sb) != 0) {
		if (errno != ENOENT)
			s = fk_fail(err, FK_ERR_IO, "cannot stat %s: %s", dir, strerror(errno));
		memset(&sb, 0, sizeof sb); /* no folder: no keys, a stamp of its own */
	}
	free(dir);
	int64_t f[6] = {(int64_t)sb.st_dev, (int64_t)sb.st_ino, (int64_t)sb.st_mtim.tv_sec,
			(int64_t)sb.st_mtim.tv_nsec, (int64_t)sb.st_ctim.tv_sec, (int64_t)sb.st_ctim.tv_nsec};
	unsigned int len = 0;
	ok = ok && EVP_DigestUpdate(md, f, sizeof f) == 1 && EVP_DigestFinal_ex(md, out, &len) == 1 && len == 32;
	EVP_MD_CTX_free(md);
	if (s == FK_OK && !ok) {
		ERR_clear_error();
		s = fk_fail(err, FK_ERR_CRYPTO, "cannot hash the trust material");
	}
	return s;
}

static void set_now(fk_pki *p, int64_t now)
{
	p->now = now;
	p->ck.now = now;
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(p->store), (time_t)now);
}

fk_status fk_pki_refresh(fk_ctx *ctx, int64_t now, fk_pki **p, fk_error *err)
{
	uint8_t st[32];
	/* As fk_pki_load: another writer's change to the tables is checked against the anchor
	 * first, so the stamp is read from rows the trust base vouches for. */
	fk_status s = fk_trust_current(ctx, err);
	if (s == FK_OK)
		s = stamp_now(ctx, st, err);
	if (s != FK_OK) {
		fk_pki_free(*p); /* fail closed: nothing kept that could not be checked */
		*p = NULL;
		return s;
	}
	if (*p && memcmp((*p)->stamp, st, sizeof st) == 0) {
		set_now(*p, now);
		return FK_OK;
	}
	fk_pki_free(*p);
	*p = NULL;
	return fk_pki_load(ctx, now, p, err);
}

fk_status fk_pki_load(fk_ctx *ctx, int64_t now, fk_pki **out, fk_error *err)
{
	*out = NULL;
	/* Outside a write transaction, the rows' MACs cannot tell an older CRL put back or a
	 * row removed: the tables' anchored digests can (trust.h). */
	fk_status s = fk_trust_current(ctx, err);
	if (s != FK_OK)
		return s;
	fk_pki *p = calloc(1, sizeof *p);
	if (!p)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory");
	p->now = now;
	/* Before the rows are read: a change between the two only makes the next refresh load
	 * again. */
	if ((s = stamp_now(ctx, p->stamp, err)) != FK_OK || (s = new_store(p, now, err)) != FK_OK) {
		fk_pki_free(p);
		return s;
	}
	loading l = {.p = p, .key_dir = ctx->cfg.key_dir, .s = FK_OK, .err = err};
	s = fk_pki_items(ctx, -1, 1, load_item, &l, err);
	if (s == FK_OK)
		s = l.s;
	if (s == FK_OK && l.previous) {
		EVP_PKEY *k = fk_pki_key_for(ctx->cfg.key_dir, l.previous);
		/* A previous certificate without its key opens nothing: left out. */
		if (k) {
			p->keys[p->ck.nkeys] = k;
			p->certs[p->ck.nkeys] = l.previous;
			p->ck.nkeys++;
			l.previous = NULL;
		}
	}
	X509_free(l.previous);
	if (s != FK_OK) {
		fk_pki_free(p);
		return s;
	}
	p->ck.store = p->store;
	p->ck.keys = p->keys;
	p->ck.certs = p->certs;
	p->ck.now = now;
	*out = p;
	return FK_OK;
}

void fk_pki_free(fk_pki *p)
{
	if (!p)
		return;
	for (int i = 0; i < 2; i++) {
		EVP_PKEY_free(p->keys[i]);
		X509_free(p->certs[i]);
	}
	X509_STORE_free(p->store);
	free(p);
}

const fk_cms_keys *fk_pki_keys(const fk_pki *p)
{
	return &p->ck;
}

EVP_PKEY *fk_pki_sign_key(const fk_pki *p)
{
	return p->key_missing ? NULL : p->keys[0];
}

X509 *fk_pki_sign_cert(const fk_pki *p)
{
	return p->key_missing ? NULL : p->certs[0];
}

fk_status fk_pki_ready(const fk_pki *p, fk_error *err)
{
	char when[32];
	if (p->nca == 0)
		return fk_fail(err, FK_ERR_CONFIG,
			       "no municipal CA is trusted: add one with fukuhonctl ca add");
	if (!p->has_cert)
		return fk_fail(err, FK_ERR_CONFIG,
			       "there is no receiving certificate: fukuhonctl cert request, then cert install");
	if (p->key_missing)
		return fk_fail(err, FK_ERR_CONFIG,
			       "the key of the receiving certificate (%s) is missing from the key folder",
			       p->cert_subject);
	if (p->cert_not_after <= p->now) {
		fk_pki_fmt_time(p->cert_not_after, when, sizeof when);
		return fk_fail(err, FK_ERR_CONFIG,
			       "the receiving certificate expired on %s: renew it (fukuhonctl cert request)", when);
	}
	for (int i = 0; i < p->nca; i++) {
		if (!p->ca[i].has_crl)
			return fk_fail(err, FK_ERR_CONFIG,
				       "no CRL of %s is installed: fetch it and add it (fukuhonctl crl add)",
				       p->ca[i].subject);
		if (p->ca[i].next_update <= p->now) {
			fk_pki_fmt_time(p->ca[i].next_update, when, sizeof when);
			return fk_fail(err, FK_ERR_CONFIG,
				       "fetch a new CRL of %s: its next update was %s (fukuhonctl crl add)",
				       p->ca[i].subject, when);
		}
	}
	return FK_OK;
}
