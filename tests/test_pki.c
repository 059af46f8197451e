/* Unit tests: the receiving side's trust material (issue 10; R-MUTUAL, R-ACCESS, R-LOG) —
 * fk_pki_load builds the store the package opener verifies against (CAs, CRLs, time) and hands
 * out the receiving keys, current first then the one kept through a renewal; fk_pki_ready
 * refuses without a CA, a certificate, a CRL, or with a CRL past its nextUpdate (judged at a
 * `now` two hours on), naming the CA; CRL rollbacks and forgeries refused; a certificate that
 * matches no pending key refused; an install cut short before its renames loses no key; CA
 * rows changed behind the terminal's back refused; warnings in the state and the health. */
#include "config.h"

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fkt_pki.h"
#include "fktest.h"

static char pki[600], other[600]; /* the test PKI, and another CA of the same name */
static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static int64_t now;

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	now = fk_now_ns() / 1000000000;
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static fk_status add(fk_status (*fn)(fk_ctx *, const uint8_t *, size_t, int64_t *, fk_error *),
		     const char *dir, const char *name)
{
	size_t n;
	uint8_t *b = fkt_pki_read(dir, name, &n);
	fk_status s = fn(ctx, b, n, NULL, &err);
	free(b);
	return s;
}

/* A request, its CSR signed by the test CA for days, installed; the certificate (PEM). */
static char *renew(int days)
{
	char *csr, *crt;
	size_t n;
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), &err);
	crt = fkt_pki_sign_csr(pki, csr, days, &n);
	free(csr);
	ck_assert_ok(fk_pki_cert_install(ctx, (const uint8_t *)crt, n, &err), &err);
	return crt;
}

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert_ptr_nonnull(x);
	return x;
}

static X509 *file_cert(const char *name)
{
	size_t n;
	uint8_t *b = fkt_pki_read(pki, name, &n);
	X509 *x = pem_cert((const char *)b);
	free(b);
	return x;
}

static fk_pki *load(int64_t at)
{
	fk_pki *p;
	ck_assert_ok(fk_pki_load(ctx, at, &p, &err), &err);
	return p;
}

/* What the package opener gets from the store for a municipality's certificate. */
static int verify(const fk_pki *p, const char *name)
{
	X509 *x = file_cert(name);
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	ck_assert_int_eq(X509_STORE_CTX_init(sc, fk_pki_keys(p)->store, x, NULL), 1);
	int ok = X509_verify_cert(sc);
	int e = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(sc);
	X509_STORE_CTX_free(sc);
	X509_free(x);
	return e;
}

START_TEST(ready_only_with_a_ca_a_certificate_and_a_current_crl)
{
	fk_pki *p = load(now);
	ck_assert_int_eq(fk_pki_ready(p, &err), FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "no municipal CA is trusted"));
	fk_pki_free(p);

	ck_assert_ok(add(fk_pki_ca_add, pki, "ca.crt"), &err);
	p = load(now);
	ck_assert_int_eq(fk_pki_ready(p, &err), FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "there is no receiving certificate"));
	ck_assert_ptr_null(fk_pki_sign_key(p));
	fk_pki_free(p);

	free(renew(400));
	p = load(now);
	ck_assert_int_eq(fk_pki_ready(p, &err), FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "no CRL of CN=Test municipal CA,O=fukuhon test"));
	/* without a CRL the store itself refuses the signer (fail closed) */
	ck_assert_int_eq(verify(p, "muni-131016.crt"), X509_V_ERR_UNABLE_TO_GET_CRL);
	fk_pki_free(p);

	/* the CRL that ends in an hour: ready now, not two hours on */
	ck_assert_ok(add(fk_pki_crl_add, pki, "crl-1h.crl"), &err);
	p = load(now);
	ck_assert_ok(fk_pki_ready(p, &err), &err);
	ck_assert_int_eq(verify(p, "muni-131016.crt"), X509_V_OK);
	ck_assert_int_eq(verify(p, "muni-131024.crt"), X509_V_ERR_CERT_REVOKED);
	ck_assert_int_eq(fk_pki_keys(p)->now, now);
	fk_pki_free(p);
	p = load(now + 2 * 3600);
	ck_assert_int_eq(fk_pki_ready(p, &err), FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "fetch a new CRL of CN=Test municipal CA,O=fukuhon test"));
	ck_assert_ptr_nonnull(strstr(err.msg, "its next update was"));
	ck_assert_int_eq(verify(p, "muni-131016.crt"), X509_V_ERR_CRL_HAS_EXPIRED);
	ck_assert_int_eq(fk_pki_keys(p)->now, now + 2 * 3600);
	fk_pki_free(p);
}
END_TEST

START_TEST(a_renewal_keeps_the_previous_key)
{
	ck_assert_ok(add(fk_pki_ca_add, pki, "ca.crt"), &err);
	ck_assert_ok(add(fk_pki_crl_add, pki, "ca.crl"), &err);
	char *c1 = renew(400);
	fk_pki *p = load(now);
	ck_assert_ok(fk_pki_ready(p, &err), &err);
	ck_assert_int_eq(fk_pki_keys(p)->nkeys, 1);
	X509 *x1 = pem_cert(c1);
	ck_assert_int_eq(X509_cmp(fk_pki_sign_cert(p), x1), 0);
	ck_assert_int_eq(EVP_PKEY_eq(fk_pki_sign_key(p), X509_get0_pubkey(x1)), 1);
	fk_pki_free(p);

	/* while the request is pending, the current key keeps working */
	char *csr;
	size_t n;
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), &err);
	p = load(now);
	ck_assert_ok(fk_pki_ready(p, &err), &err);
	ck_assert_int_eq(fk_pki_keys(p)->nkeys, 1);
	fk_pki_free(p);
	char *c2 = fkt_pki_sign_csr(pki, csr, 400, &n);
	free(csr);
	ck_assert_ok(fk_pki_cert_install(ctx, (const uint8_t *)c2, n, &err), &err);
	X509 *x2 = pem_cert(c2);
	p = load(now);
	const fk_cms_keys *k = fk_pki_keys(p);
	ck_assert_int_eq(k->nkeys, 2);
	ck_assert_int_eq(X509_cmp(k->certs[0], x2), 0); /* current first */
	ck_assert_int_eq(X509_cmp(k->certs[1], x1), 0);
	ck_assert_int_eq(EVP_PKEY_eq(k->keys[0], X509_get0_pubkey(x2)), 1);
	ck_assert_int_eq(EVP_PKEY_eq(k->keys[1], X509_get0_pubkey(x1)), 1);
	ck_assert_int_eq(X509_cmp(fk_pki_sign_cert(p), x2), 0);
	fk_pki_free(p);

	/* a third retires the first: one previous is kept */
	char *c3 = renew(400);
	X509 *x3 = pem_cert(c3);
	p = load(now);
	k = fk_pki_keys(p);
	ck_assert_int_eq(k->nkeys, 2);
	ck_assert_int_eq(X509_cmp(k->certs[0], x3), 0);
	ck_assert_int_eq(X509_cmp(k->certs[1], x2), 0);
	fk_pki_free(p);
	ck_assert_int_eq(fkt_audit_count(ctx, "pki.cert_install", "success", NULL), 3);
	X509_free(x1);
	X509_free(x2);
	X509_free(x3);
	free(c1);
	free(c2);
	free(c3);
}
END_TEST

static const char *keyfile(const char *name)
{
	static char buf[2][800];
	static int i;
	i ^= 1;
	snprintf(buf[i], sizeof buf[i], "%s/keys/receiver/%s", env.dir, name);
	return buf[i];
}

/* An install whose process died after its commit, before its renames: the keys are found by
 * their public halves all the same, and the next request finishes the renames. */
START_TEST(an_install_cut_short_loses_no_key)
{
	char *c1 = renew(400), *c2 = renew(400);
	ck_assert_int_eq(rename(keyfile("receiver.key"), keyfile("receiver-next.key")), 0);
	ck_assert_int_eq(rename(keyfile("receiver-prev.key"), keyfile("receiver.key")), 0);
	fk_pki *p = load(now);
	ck_assert_int_eq(fk_pki_keys(p)->nkeys, 2);
	X509 *x2 = pem_cert(c2);
	ck_assert_int_eq(EVP_PKEY_eq(fk_pki_sign_key(p), X509_get0_pubkey(x2)), 1);
	fk_pki_free(p);
	fk_pki_state st;
	ck_assert_ok(fk_pki_cert_status(ctx, &st, &err), &err);
	ck_assert_int_eq(st.pending, 0); /* the "next" key is the installed one's */
	ck_assert_int_eq(st.current.key_present, 1);
	ck_assert_int_eq(st.previous.key_present, 1);
	char *csr;
	size_t n;
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), &err);
	free(csr);
	EVP_PKEY *k;
	ck_assert_ok(fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_CURRENT, &k, &err), &err);
	ck_assert_int_eq(EVP_PKEY_eq(k, X509_get0_pubkey(x2)), 1);
	EVP_PKEY_free(k);
	ck_assert_ok(fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &k, &err), &err);
	ck_assert_int_ne(EVP_PKEY_eq(k, X509_get0_pubkey(x2)), 1); /* a fresh pending key */
	EVP_PKEY_free(k);
	ck_assert_ok(fk_pki_cert_status(ctx, &st, &err), &err);
	ck_assert_int_eq(st.pending, 1);
	X509_free(x2);
	free(c1);
	free(c2);
}
END_TEST

START_TEST(a_certificate_of_no_pending_key_is_refused)
{
	size_t n;
	uint8_t *b = fkt_pki_read(pki, "receiver.crt", &n);
	ck_assert_int_eq(fk_pki_cert_install(ctx, b, n, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "no certificate request is pending"));
	char *csr;
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), &err);
	ck_assert_int_eq(fk_pki_cert_install(ctx, b, n, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "not the pending request's key"));
	free(b);
	/* the right key, but expired */
	char *crt = fkt_pki_sign_csr(pki, csr, -1, &n);
	ck_assert_int_eq(fk_pki_cert_install(ctx, (const uint8_t *)crt, n, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "expired"));
	free(crt);
	free(csr);
	ck_assert_int_eq(fkt_audit_count(ctx, "pki.cert_install", "failed", NULL), 3);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM pki_item"), 0);
	/* refused to a supervisor, before anything is read */
	fkt_act_as(ctx, "sup");
	ck_assert_int_eq(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), FK_ERR_DENIED);
	ck_assert_ptr_null(csr);
}
END_TEST

/* A key pair made elsewhere (here the test PKI's receiver): its key must be the
 * certificate's, a pending request's key is never overwritten, and once installed it is used
 * like a requested one. */
START_TEST(a_key_made_elsewhere_is_installed_with_its_certificate)
{
	size_t n, kn, k2n;
	uint8_t *crt = fkt_pki_read(pki, "receiver.crt", &n);
	uint8_t *key = fkt_pki_read(pki, "receiver.key", &kn);
	uint8_t *key2 = fkt_pki_read(pki, "receiver2.key", &k2n);
	ck_assert_int_eq(fk_pki_cert_install_key(ctx, crt, n, key2, k2n, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "not the certificate's"));
	ck_assert_int_eq(fk_pki_cert_install_key(ctx, crt, n, crt, n, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "no private key"));
	char *csr;
	size_t cn;
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &cn, &err), &err);
	ck_assert_int_eq(fk_pki_cert_install_key(ctx, crt, n, key, kn, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "pending for another key"));
	EVP_PKEY *k;
	ck_assert_ok(fk_pki_key_read(ctx->cfg.key_dir, FK_PKI_KEY_NEXT, &k, &err), &err);
	X509 *x = pem_cert((const char *)crt);
	ck_assert_int_ne(EVP_PKEY_eq(k, X509_get0_pubkey(x)), 1); /* the request's key stayed */
	EVP_PKEY_free(k);
	size_t sn;
	char *signed_ = fkt_pki_sign_csr(pki, csr, 400, &sn);
	ck_assert_ok(fk_pki_cert_install(ctx, (const uint8_t *)signed_, sn, &err), &err);
	free(signed_);
	free(csr);
	ck_assert_ok(fk_pki_cert_install_key(ctx, crt, n, key, kn, &err), &err);
	fk_pki *p = load(now);
	ck_assert_int_eq(fk_pki_keys(p)->nkeys, 2);
	ck_assert_int_eq(X509_cmp(fk_pki_sign_cert(p), x), 0);
	ck_assert_int_eq(EVP_PKEY_eq(fk_pki_sign_key(p), X509_get0_pubkey(x)), 1);
	fk_pki_free(p);
	ck_assert_int_eq(fkt_audit_count(ctx, "pki.cert_install", "failed", NULL), 3);
	/* refused to a supervisor: nothing written */
	fkt_act_as(ctx, "sup");
	ck_assert_int_eq(fk_pki_cert_install_key(ctx, crt, n, key2, k2n, &err), FK_ERR_DENIED);
	X509_free(x);
	free(crt);
	free(key);
	free(key2);
}
END_TEST

START_TEST(crl_forgeries_and_rollbacks_are_refused)
{
	int64_t ca;
	ck_assert_ok(add(fk_pki_ca_add, pki, "ca.crt"), &err);
	/* same issuer name, another key */
	ck_assert_int_eq(add(fk_pki_crl_add, other, "ca.crl"), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "not signed by a trusted CA"));
	/* the same CA twice */
	ck_assert_int_eq(add(fk_pki_ca_add, pki, "ca.crt"), FK_ERR_EXISTS);
	size_t n;
	uint8_t *b = fkt_pki_read(pki, "crl-1h.crl", &n);
	ck_assert_ok(fk_pki_crl_add(ctx, b, n, &ca, &err), &err);
	free(b);
	ck_assert_int_eq(add(fk_pki_crl_add, pki, "crl-1h.crl"), FK_ERR_EXISTS);
	ck_assert_int_eq(add(fk_pki_crl_add, pki, "ca.crl"), FK_ERR_INVALID); /* number 1 after 2 */
	ck_assert_ptr_nonnull(strstr(err.msg, "an older CRL cannot replace a newer one"));
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM pki_item WHERE kind = 'crl'"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT serial FROM pki_item WHERE kind = 'crl'"), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "pki.crl_add", "failed", NULL), 3);
	/* a removed CA takes its CRL along; then nothing verifies a CRL */
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)ca);
	ck_assert_ok(fk_pki_ca_remove(ctx, id, &err), &err);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM pki_item"), 0);
	ck_assert_int_eq(add(fk_pki_crl_add, pki, "ca.crl"), FK_ERR_INVALID);
}
END_TEST

/* Write to the database behind the terminal's back, as an attacker with sqlite3 would. */
static void outside(const char *sql)
{
	fkt_outside(&env, sql);
}

/* A CA trusted by SQL would let anyone's packages in: the trust base refuses the rows, so this
 * fails if pki_item were not a sealed table. */
START_TEST(ca_rows_changed_with_sql_are_refused)
{
	ck_assert_ok(add(fk_pki_ca_add, pki, "ca.crt"), &err);
	ck_assert_ok(add(fk_pki_crl_add, pki, "ca.crl"), &err);
	fk_pki *p = load(now);
	fk_pki_free(p);
	/* the other CA (same name, another key) planted beside the trusted one */
	size_t n;
	uint8_t *b = fkt_pki_read(other, "ca.crt", &n);
	X509 *x = pem_cert((const char *)b);
	free(b);
	unsigned char *der = NULL;
	int dl = i2d_X509(x, &der);
	uint8_t h[32];
	unsigned hl;
	ck_assert_int_eq(X509_digest(x, EVP_sha256(), h, &hl), 1);
	char *sql = malloc((size_t)dl * 2 + 1000), *q;
	q = sql + sprintf(sql, "INSERT INTO pki_item(kind, subject, serial, not_before, not_after, sha256, der, "
			  "added_by, added_by_user, added_at) VALUES ('ca', 'CN=Test municipal CA,O=fukuhon test', "
			  "'1', 0, 4102444800, X'");
	for (unsigned i = 0; i < 32; i++)
		q += sprintf(q, "%02X", h[i]);
	q += sprintf(q, "', X'");
	for (int i = 0; i < dl; i++)
		q += sprintf(q, "%02X", der[i]);
	sprintf(q, "', 1, 'admin', 0)");
	OPENSSL_free(der);
	X509_free(x);
	outside(sql);
	free(sql);
	ck_assert_int_eq(fk_pki_load(ctx, now, &p, &err), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "pki_item"));
	outside("DELETE FROM pki_item WHERE id > 2");
	p = load(now);
	fk_pki_free(p);
	/* the trusted one's validity widened; its DER swapped under its sealed hash */
	outside("UPDATE pki_item SET not_after = not_after + 1 WHERE kind = 'ca'");
	ck_assert_int_eq(fk_pki_load(ctx, now, &p, &err), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "pki_item"));
	outside("UPDATE pki_item SET not_after = not_after - 1 WHERE kind = 'ca'");
	outside("UPDATE pki_item SET der = (SELECT der FROM pki_item WHERE kind = 'crl') WHERE kind = 'ca'");
	ck_assert_int_eq(fk_pki_load(ctx, now, &p, &err), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "not the one sealed with it"));
	size_t dn;
	uint8_t *d = fkt_pki_read(pki, "ca.crt", &dn);
	X509 *ca = pem_cert((const char *)d);
	free(d);
	char *put = malloc(8192), *pq = put + sprintf(put, "UPDATE pki_item SET der = X'");
	der = NULL;
	dl = i2d_X509(ca, &der);
	for (int i = 0; i < dl; i++)
		pq += sprintf(pq, "%02X", der[i]);
	sprintf(pq, "' WHERE kind = 'ca'");
	OPENSSL_free(der);
	X509_free(ca);
	outside(put);
	free(put);
	p = load(now);
	fk_pki_free(p);
	/* the CRL removed: revocations would stop counting */
	outside("DELETE FROM pki_item WHERE kind = 'crl'");
	ck_assert_int_eq(fk_pki_load(ctx, now, &p, &err), FK_ERR_TAMPER);
}
END_TEST

static int has(const fk_pki_warning *w, int n, fk_pki_warn what)
{
	for (int i = 0; i < n; i++)
		if (w[i].what == what)
			return 1;
	return 0;
}

static int64_t later_ns;
static int64_t later(void)
{
	return later_ns;
}

START_TEST(warnings_before_imports_stop)
{
	fk_pki_state st;
	/* a terminal that receives nothing has nothing to warn of, but cert status says why */
	ck_assert_ok(fk_pki_state_get(ctx, now, 0, &st, &err), &err);
	ck_assert_int_eq(st.nwarn, 0);
	ck_assert_ok(fk_pki_cert_status(ctx, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_NO_CA));
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_NO_CERT));
	ck_assert_ok(add(fk_pki_ca_add, pki, "ca.crt"), &err);
	ck_assert_ok(fk_pki_state_get(ctx, now, 0, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_CRL_MISSING));
	ck_assert_ok(add(fk_pki_crl_add, pki, "ca.crl"), &err); /* 30 days */
	free(renew(60));
	ck_assert_ok(fk_pki_state_get(ctx, now, 0, &st, &err), &err);
	ck_assert_int_eq(st.nwarn, 0);
	ck_assert_int_eq(st.current.days, 60); /* signed after now was taken */
	ck_assert_int_eq(st.ca[0].crl_days, 29);
	/* 24 days on: the CRL within 7 days; 31 days on: past, and the certificate within 30 */
	ck_assert_ok(fk_pki_state_get(ctx, now + 24 * 86400, 0, &st, &err), &err);
	ck_assert_int_eq(st.nwarn, 1);
	ck_assert_int_eq(st.warn[0].what, FK_PKI_WARN_CRL_SOON);
	ck_assert_str_eq(st.warn[0].subject, "CN=Test municipal CA,O=fukuhon test");
	ck_assert_int_eq(st.warn[0].days, 5);
	ck_assert_ok(fk_pki_state_get(ctx, now + 31 * 86400, 0, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_CRL_STALE));
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_CERT_SOON));
	ck_assert_ok(fk_pki_state_get(ctx, now + 61 * 86400, 0, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_CERT_EXPIRED));
	ck_assert(!has(st.warn, st.nwarn, FK_PKI_WARN_CA_SOON));
	/* the test CA lasts ten years: warned 30 days before, and after */
	ck_assert_ok(fk_pki_state_get(ctx, st.ca[0].not_after - 10 * 86400, 0, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_CA_SOON));
	ck_assert_ok(fk_pki_state_get(ctx, st.ca[0].not_after + 1, 0, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_CA_EXPIRED));
	/* the health check (status) at the terminal's clock */
	later_ns = (now + 31 * 86400) * 1000000000;
	ctx->clock = later;
	fk_health h;
	ck_assert_ok(fk_health_get(ctx, 0, &h, NULL, NULL, &err), &err);
	ck_assert(has(h.pki_warn, h.pki_nwarn, FK_PKI_WARN_CRL_STALE));
	ck_assert(has(h.pki_warn, h.pki_nwarn, FK_PKI_WARN_CERT_SOON));
	ck_assert_str_eq(fk_pki_warn_id(FK_PKI_WARN_CRL_STALE), "crl-stale");
	/* the key gone from the key folder */
	ctx->clock = NULL;
	ck_assert_int_eq(remove(keyfile("receiver.key")), 0);
	ck_assert_ok(fk_pki_state_get(ctx, now, 0, &st, &err), &err);
	ck_assert(has(st.warn, st.nwarn, FK_PKI_WARN_KEY_MISSING));
	fk_pki *p = load(now);
	ck_assert_int_eq(fk_pki_ready(p, &err), FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing from the key folder"));
	ck_assert_int_eq(fk_pki_keys(p)->nkeys, 0);
	fk_pki_free(p);
}
END_TEST

START_TEST(keys_are_private_files)
{
	free(renew(400));
	struct stat sb;
	char dir[700];
	snprintf(dir, sizeof dir, "%s/keys/receiver", env.dir);
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(keyfile("receiver.key"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	/* a key others may read is refused, not used */
	ck_assert_int_eq(chmod(keyfile("receiver.key"), 0644), 0);
	fk_pki *p = load(now);
	ck_assert_int_eq(fk_pki_ready(p, &err), FK_ERR_CONFIG);
	fk_pki_free(p);
	/* and no private key is in the database */
	ck_assert_int_eq(fkt_scalar(ctx, fkt_pg() ? "SELECT count(*) FROM pki_item WHERE "
				    "position(convert_to('PRIVATE', 'UTF8') IN der) > 0"
				  : "SELECT count(*) FROM pki_item WHERE instr(der, 'PRIVATE') > 0"), 0);
}
END_TEST

int main(void)
{
	static const char *const specs[] = {"131016", "131024:revoked", NULL};
	char top[500];
	fkt_pki_tmpdir(top, sizeof top);
	snprintf(pki, sizeof pki, "%s/a", top);
	snprintf(other, sizeof other, "%s/b", top);
	fkt_pki_make(pki, specs);
	fkt_pki_make(other, NULL);
	Suite *su = suite_create("pki");
	TCase *tc = tcase_create("pki");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_only_with_a_ca_a_certificate_and_a_current_crl);
	tcase_add_test(tc, a_renewal_keeps_the_previous_key);
	tcase_add_test(tc, an_install_cut_short_loses_no_key);
	tcase_add_test(tc, a_certificate_of_no_pending_key_is_refused);
	tcase_add_test(tc, a_key_made_elsewhere_is_installed_with_its_certificate);
	tcase_add_test(tc, crl_forgeries_and_rollbacks_are_refused);
	tcase_add_test(tc, ca_rows_changed_with_sql_are_refused);
	tcase_add_test(tc, warnings_before_imports_stop);
	tcase_add_test(tc, keys_are_private_files);
	suite_add_tcase(su, tc);
	int rc = fkt_run(su);
	fkt_pki_remove(top);
	return rc;
}
