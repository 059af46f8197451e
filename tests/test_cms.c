/* Unit tests: CMS objects of packages and receipts (core/crypto/cms.c; R-INTRANSIT,
 * R-MUTUAL, R-BATCH-PROTO): a round trip, and each reason an object is refused for. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "fkpki.h"
#include "pkgfile.h"
#include "fktest.h"

static const char content[] = "{\"format\":\"fukuhon-package/1\",\"municipality\":\"131016\"}";

static fkpki P;

static void load(void)
{
	static const char *const specs[] = {"131016", "131024:revoked", "131032:expired",
					    "receiver-ec:recv-ec", "receiver-ec2:recv-ec",
					    "receiver-p384:recv-p384", NULL};
	fkpki_load(&P, specs);
}

static fk_cms_keys keys_for(X509_STORE *st, int64_t now)
{
	static EVP_PKEY *ks[1];
	static X509 *cs[1];
	ks[0] = P.rkey;
	cs[0] = P.rcert;
	return (fk_cms_keys){.store = st, .keys = ks, .certs = cs, .nkeys = 1, .now = now};
}

/* Seal content signed by muni-NAME (NULL: unsigned) to cert. */
static void seal_as(const char *muni, X509 *to, uint8_t **der, size_t *n)
{
	char kn[64], cn[64];
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	if (muni) {
		snprintf(kn, sizeof kn, "muni-%s.key", muni);
		snprintf(cn, sizeof cn, "muni-%s.crt", muni);
		k = fkpki_key(P.dir, kn);
		c = fkpki_cert(P.dir, cn);
		ck_assert(k && c);
	}
	fk_error err;
	X509 *rs[1] = {to};
	ck_assert_ok(fk_cms_seal((const uint8_t *)content, sizeof content - 1, k, c, rs, 1, der, n,
				 &err),
		     &err);
	EVP_PKEY_free(k);
	X509_free(c);
}

static fk_cms_fail open_with(const uint8_t *der, size_t n, fk_cms_keys k, int want_signed)
{
	uint8_t *out = (uint8_t *)"x";
	size_t len = 1;
	X509 *signer = NULL;
	fk_cms_fail why = FK_CMS_NONE;
	fk_error err;
	fk_status s = fk_cms_open(der, n, &k, want_signed, &out, &len, &signer, &why, &err);
	if (s == FK_OK) {
		free(out);
		X509_free(signer);
		return FK_CMS_NONE;
	}
	ck_assert_int_eq(s, FK_ERR_INVALID);
	ck_assert_ptr_null(out);
	ck_assert_ptr_null(signer);
	return why;
}

static fk_cms_fail open_fail(const uint8_t *der, size_t n, X509_STORE *st, int64_t now,
			     int want_signed)
{
	return open_with(der, n, keys_for(st, now), want_signed);
}

static fk_cms_fail sealed_by(const char *muni, X509_STORE *st, int64_t now)
{
	uint8_t *der;
	size_t n;
	seal_as(muni, P.rcert, &der, &n);
	fk_cms_fail f = open_fail(der, n, st, now, 1);
	free(der);
	return f;
}

START_TEST(test_round_trip)
{
	uint8_t *der, *out;
	size_t n, len;
	X509 *signer;
	fk_cms_fail why;
	fk_error err;
	seal_as("131016", P.rcert, &der, &n);
	fk_cms_keys k = keys_for(P.store, time(NULL));
	ck_assert_ok(fk_cms_open(der, n, &k, 1, &out, &len, &signer, &why, &err), &err);
	ck_assert_int_eq(why, FK_CMS_NONE);
	ck_assert_uint_eq(len, sizeof content - 1);
	ck_assert(memcmp(out, content, len) == 0);
	char code[7];
	ck_assert_ok(fk_cms_cert_municipality(signer, code, &err), &err);
	ck_assert_str_eq(code, "131016");
	/* The envelope is AuthEnvelopedData with RSA-OAEP key transport (R-INTRANSIT). */
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(OBJ_obj2nid(CMS_get0_type(cms)), NID_id_smime_ct_authEnvelopedData);
	CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(CMS_get0_RecipientInfos(cms), 0);
	X509_ALGOR *alg = NULL;
	ck_assert_int_eq(CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg), 1);
	ck_assert_int_eq(OBJ_obj2nid(alg->algorithm), NID_rsaesOaep);
	CMS_ContentInfo_free(cms);
	free(out);
	X509_free(signer);
	free(der);
	/* A chunk: enveloped, not signed, opened without a signature wanted. */
	seal_as(NULL, P.rcert, &der, &n);
	ck_assert_ok(fk_cms_open(der, n, &k, 0, &out, &len, NULL, &why, &err), &err);
	ck_assert(len == sizeof content - 1 && memcmp(out, content, len) == 0);
	free(out);
	free(der);
}
END_TEST

/* A package encrypted to the certificate kept through a renewal still opens. */
START_TEST(test_previous_key)
{
	uint8_t *der, *out;
	size_t n, len;
	fk_cms_fail why;
	fk_error err;
	seal_as(NULL, P.r2cert, &der, &n);
	EVP_PKEY *ks[2] = {P.rkey, P.r2key};
	X509 *cs[2] = {P.rcert, P.r2cert};
	fk_cms_keys k = {.store = P.store, .keys = ks, .certs = cs, .nkeys = 2, .now = time(NULL)};
	ck_assert_ok(fk_cms_open(der, n, &k, 0, &out, &len, NULL, &why, &err), &err);
	free(out);
	free(der);
}
END_TEST

START_TEST(test_not_for_us)
{
	uint8_t *der;
	size_t n;
	seal_as("131016", P.r2cert, &der, &n);
	ck_assert_int_eq(open_fail(der, n, P.store, time(NULL), 1), FK_CMS_NOT_FOR_US);
	free(der);
}
END_TEST

START_TEST(test_altered)
{
	uint8_t *der;
	size_t n;
	seal_as(NULL, P.rcert, &der, &n);
	/* The content's ciphertext sits just before the 16-byte tag at the end. */
	der[n - 30] ^= 0x01;
	ck_assert_int_eq(open_fail(der, n, P.store, time(NULL), 0), FK_CMS_DECRYPT);
	der[n - 30] ^= 0x01;
	ck_assert_int_eq(open_fail(der, n, P.store, time(NULL), 0), FK_CMS_NONE);
	der[n - 3] ^= 0x80; /* the tag itself */
	ck_assert_int_eq(open_fail(der, n, P.store, time(NULL), 0), FK_CMS_DECRYPT);
	free(der);
}
END_TEST

START_TEST(test_unsigned)
{
	ck_assert_int_eq(sealed_by(NULL, P.store, time(NULL)), FK_CMS_UNSIGNED);
}
END_TEST

/* A signed chunk is not what a chunk is: refused rather than its signature ignored. */
START_TEST(test_signed_chunk)
{
	uint8_t *der;
	size_t n;
	seal_as("131016", P.rcert, &der, &n);
	ck_assert_int_eq(open_fail(der, n, P.store, time(NULL), 0), FK_CMS_MALFORMED);
	free(der);
}
END_TEST

/* SignedData whose content was changed after signing, then enveloped as signed. */
START_TEST(test_bad_signature)
{
	EVP_PKEY *k = fkpki_key(P.dir, "muni-131016.key");
	X509 *c = fkpki_cert(P.dir, "muni-131016.crt");
	uint8_t *sd;
	size_t sdn;
	fk_error err;
	ck_assert_ok(fk_cms_sign((const uint8_t *)content, sizeof content - 1, k, c, &sd, &sdn, &err),
		     &err);
	uint8_t *hit = memmem(sd, sdn, "131016\"}", 8);
	ck_assert_ptr_nonnull(hit);
	hit[5] = '7';
	/* The receipt path sees it too. */
	uint8_t *out;
	size_t len;
	fk_cms_fail why;
	ck_assert_int_eq(fk_cms_verify(sd, sdn, P.store, time(NULL), &out, &len, NULL, &why, &err),
			 FK_ERR_INVALID);
	ck_assert_int_eq(why, FK_CMS_BAD_SIGNATURE);
	CMS_ContentInfo *env = CMS_AuthEnvelopedData_create(EVP_aes_256_gcm());
	/* RSA-OAEP, as a sender must (PKCS#1 v1.5 is refused before the signature is looked at). */
	CMS_RecipientInfo *ri = CMS_add1_recipient_cert(env, P.rcert, CMS_KEY_PARAM);
	ck_assert_ptr_nonnull(ri);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(CMS_RecipientInfo_get0_pkey_ctx(ri),
						      RSA_PKCS1_OAEP_PADDING), 0);
	ck_assert_int_eq(CMS_set_detached(env, 0), 1);
	ck_assert_int_eq(CMS_set1_eContentType(env, OBJ_nid2obj(NID_pkcs7_signed)), 1);
	BIO *in = BIO_new_mem_buf(sd, (int)sdn);
	ck_assert_int_eq(CMS_final(env, in, NULL, CMS_BINARY), 1);
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(env, &der);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(open_fail(der, (size_t)n, P.store, time(NULL), 1), FK_CMS_BAD_SIGNATURE);
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(env);
	free(sd);
	EVP_PKEY_free(k);
	X509_free(c);
}
END_TEST

/* A certificate for code, made here: self-signed, or issued by the CA with key usage ku. */
static X509 *make_cert(EVP_PKEY *key, const char *code, EVP_PKEY *ca_key, X509 *ca, const char *ku)
{
	X509 *c = X509_new();
	ck_assert_ptr_nonnull(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 4242);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400);
	X509_NAME *nm = X509_get_subject_name(c);
	X509_NAME_add_entry_by_NID(nm, NID_serialNumber, MBSTRING_ASC, (unsigned char *)code, -1, -1, 0);
	X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_ASC, (unsigned char *)"forged", -1, -1, 0);
	X509_set_issuer_name(c, ca ? X509_get_subject_name(ca) : nm);
	X509_set_pubkey(c, key);
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, ca ? ca : c, c, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ku);
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(c, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(c, ca_key ? ca_key : key, EVP_sha256()), 0);
	return c;
}

static fk_cms_fail signed_with(EVP_PKEY *k, X509 *c)
{
	uint8_t *der;
	size_t n;
	fk_error err;
	X509 *rs[1] = {P.rcert};
	ck_assert_ok(fk_cms_seal((const uint8_t *)content, sizeof content - 1, k, c, rs, 1, &der, &n,
				 &err),
		     &err);
	fk_cms_fail f = open_fail(der, n, P.store, time(NULL), 1);
	free(der);
	return f;
}

START_TEST(test_untrusted)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *c = make_cert(k, "131016", NULL, NULL, "critical,digitalSignature");
	ck_assert_int_eq(signed_with(k, c), FK_CMS_UNTRUSTED);
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_usage)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	EVP_PKEY *cak = fkpki_key(P.dir, "ca.key");
	X509 *ca = fkpki_cert(P.dir, "ca.crt");
	X509 *c = make_cert(k, "131016", cak, ca, "critical,keyAgreement");
	ck_assert_int_eq(signed_with(k, c), FK_CMS_USAGE);
	X509_free(c);
	/* The same certificate for signing passes: the refusal was the key usage's. */
	c = make_cert(k, "131016", cak, ca, "critical,digitalSignature");
	ck_assert_int_eq(signed_with(k, c), FK_CMS_NONE);
	X509_free(c);
	X509_free(ca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_revoked)
{
	ck_assert_int_eq(sealed_by("131024", P.store, time(NULL)), FK_CMS_REVOKED);
	/* Judged before the CRL was issued, there is no CRL in force: refused all the same. */
	ck_assert_int_ne(sealed_by("131024", P.store, time(NULL) - 86400), FK_CMS_NONE);
}
END_TEST

START_TEST(test_expired)
{
	ck_assert_int_eq(sealed_by("131032", P.store, time(NULL)), FK_CMS_EXPIRED);
	/* The same CA and CRL pass a certificate in force: the refusal was its validity's. */
	ck_assert_int_eq(sealed_by("131016", P.store, time(NULL)), FK_CMS_NONE);
}
END_TEST

/* A signer pinned to one certificate (a terminal's enrolment package, core/admin/enrol.c): that
 * certificate in force passes with no CA or CRL at all; another does not, nor the pinned one
 * once expired. */
static fk_cms_fail pinned_by(const char *muni, const char *pin)
{
	uint8_t *der;
	size_t n;
	char cn[64];
	snprintf(cn, sizeof cn, "muni-%s.crt", pin);
	X509 *pc = fkpki_cert(P.dir, cn);
	ck_assert_ptr_nonnull(pc);
	seal_as(muni, P.rcert, &der, &n);
	fk_cms_keys k = keys_for(NULL, time(NULL));
	k.pinned = pc;
	fk_cms_fail f = open_with(der, n, k, 1);
	free(der);
	X509_free(pc);
	return f;
}

START_TEST(test_pinned)
{
	ck_assert_int_eq(pinned_by("131016", "131016"), FK_CMS_NONE);
	ck_assert_int_eq(pinned_by("131016", "131024"), FK_CMS_UNTRUSTED);
	ck_assert_int_eq(pinned_by("131032", "131032"), FK_CMS_EXPIRED);
}
END_TEST

START_TEST(test_crl_stale)
{
	X509_STORE *st = fkpki_store(P.dir, "crl-1h.crl");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(sealed_by("131016", st, time(NULL)), FK_CMS_NONE);
	ck_assert_int_eq(sealed_by("131016", st, time(NULL) + 7200), FK_CMS_CRL_STALE);
	X509_STORE_free(st);
}
END_TEST

START_TEST(test_crl_missing)
{
	X509_STORE *st = fkpki_store(P.dir, NULL);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(sealed_by("131016", st, time(NULL)), FK_CMS_CRL_MISSING);
	X509_STORE_free(st);
}
END_TEST

START_TEST(test_malformed)
{
	static const uint8_t junk[] = "not a CMS object at all";
	ck_assert_int_eq(open_fail(junk, sizeof junk, P.store, time(NULL), 1), FK_CMS_MALFORMED);
	ck_assert_int_eq(open_fail(junk, FK_CMS_MAX + 1u, P.store, time(NULL), 1), FK_CMS_TOO_LARGE);
	/* SignedData that is not enveloped: the manifest must travel encrypted. */
	EVP_PKEY *k = fkpki_key(P.dir, "muni-131016.key");
	X509 *c = fkpki_cert(P.dir, "muni-131016.crt");
	uint8_t *sd;
	size_t sdn;
	fk_error err;
	ck_assert_ok(fk_cms_sign((const uint8_t *)content, sizeof content - 1, k, c, &sd, &sdn, &err),
		     &err);
	ck_assert_int_eq(open_fail(sd, sdn, P.store, time(NULL), 1), FK_CMS_MALFORMED);
	free(sd);
	EVP_PKEY_free(k);
	X509_free(c);
	/* A byte after the object: nothing unchecked may ride along. */
	uint8_t *der;
	size_t n;
	seal_as("131016", P.rcert, &der, &n);
	uint8_t *longer = malloc(n + 1);
	memcpy(longer, der, n);
	longer[n] = 0;
	ck_assert_int_eq(open_fail(longer, n + 1, P.store, time(NULL), 1), FK_CMS_MALFORMED);
	ck_assert_int_eq(open_fail(der, n - 1, P.store, time(NULL), 1), FK_CMS_MALFORMED);
	free(longer);
	free(der);
}
END_TEST

/* A receipt: SignedData by the receiving certificate, checked by the sender. */
START_TEST(test_receipt)
{
	uint8_t *sd, *out;
	size_t sdn, len;
	X509 *signer;
	fk_cms_fail why;
	fk_error err;
	ck_assert_ok(fk_cms_sign((const uint8_t *)content, sizeof content - 1, P.rkey, P.rcert, &sd, &sdn,
				 &err),
		     &err);
	ck_assert_ok(fk_cms_verify(sd, sdn, P.store, time(NULL), &out, &len, &signer, &why, &err), &err);
	ck_assert(len == sizeof content - 1 && memcmp(out, content, len) == 0);
	ck_assert_int_eq(X509_cmp(signer, P.rcert), 0);
	char code[7];
	ck_assert_int_eq(fk_cms_cert_municipality(signer, code, &err), FK_ERR_INVALID);
	free(out);
	X509_free(signer);
	free(sd);
}
END_TEST

START_TEST(test_municipality)
{
	fk_error err;
	char code[7];
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *c = make_cert(k, "13101", NULL, NULL, "digitalSignature");
	ck_assert_int_eq(fk_cms_cert_municipality(c, code, &err), FK_ERR_INVALID);
	X509_free(c);
	c = make_cert(k, "13101x", NULL, NULL, "digitalSignature");
	ck_assert_int_eq(fk_cms_cert_municipality(c, code, &err), FK_ERR_INVALID);
	X509_free(c);
	c = make_cert(k, "131016", NULL, NULL, "digitalSignature");
	ck_assert_ok(fk_cms_cert_municipality(c, code, &err), &err);
	ck_assert_str_eq(code, "131016");
	X509_NAME_add_entry_by_NID(X509_get_subject_name(c), NID_serialNumber, MBSTRING_ASC,
				   (unsigned char *)"131024", -1, -1, 0);
	ck_assert_int_eq(fk_cms_cert_municipality(c, code, &err), FK_ERR_INVALID);
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

/* The EC receiving certificates of tests/pki.sh (:recv-ec, :recv-p384). */
static EVP_PKEY *eckey[3];
static X509 *eccert[3];
static const char *const ecname[3] = {"receiver-ec", "receiver-ec2", "receiver-p384"};

static void load_ec(void)
{
	for (int i = 0; i < 3; i++) {
		char kn[64], cn[64];
		snprintf(kn, sizeof kn, "%s.key", ecname[i]);
		snprintf(cn, sizeof cn, "%s.crt", ecname[i]);
		eckey[i] = fkpki_key(P.dir, kn);
		eccert[i] = fkpki_cert(P.dir, cn);
		if (!eckey[i] || !eccert[i]) {
			fprintf(stderr, "test_cms: no %s in the test PKI\n", ecname[i]);
			exit(99);
		}
	}
}

static fk_cms_keys ec_keys(int i)
{
	static EVP_PKEY *ks[1];
	static X509 *cs[1];
	ks[0] = eckey[i];
	cs[0] = eccert[i];
	return (fk_cms_keys){.store = P.store, .keys = ks, .certs = cs, .nkeys = 1, .now = time(NULL)};
}

/* The key agreement's algorithm in der's one recipient info (NID_undef when not kari). */
static int kari_nid(const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	ck_assert_ptr_nonnull(cms);
	CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(CMS_get0_RecipientInfos(cms), 0);
	X509_ALGOR *alg = NULL;
	ASN1_OCTET_STRING *ukm = NULL;
	int nid = NID_undef;
	if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE &&
	    CMS_RecipientInfo_kari_get0_alg(ri, &alg, &ukm) == 1)
		nid = OBJ_obj2nid(alg->algorithm);
	CMS_ContentInfo_free(cms);
	return nid;
}

/* A package to an EC receiving certificate: ECDH key agreement (KeyAgreeRecipientInfo) with
 * the SHA-256 KDF on P-256 and SHA-384 on P-384, signed, and it opens (docs/package-format.md). */
START_TEST(test_ec_round_trip)
{
	static const int want[3] = {NID_dhSinglePass_stdDH_sha256kdf_scheme, 0,
				    NID_dhSinglePass_stdDH_sha384kdf_scheme};
	for (int i = 0; i < 3; i += 2) {
		uint8_t *der, *out;
		size_t n, len;
		X509 *signer;
		fk_cms_fail why;
		fk_error err;
		seal_as("131016", eccert[i], &der, &n);
		ck_assert_int_eq(kari_nid(der, n), want[i]);
		fk_cms_keys k = ec_keys(i);
		ck_assert_ok(fk_cms_open(der, n, &k, 1, &out, &len, &signer, &why, &err), &err);
		ck_assert(len == sizeof content - 1 && memcmp(out, content, len) == 0);
		ck_assert_int_eq(X509_cmp(signer, P.scert), 0);
		free(out);
		X509_free(signer);
		free(der);
	}
}
END_TEST

/* Altered, or to another EC recipient, or to the RSA one: refused for each reason. */
START_TEST(test_ec_refused)
{
	uint8_t *der;
	size_t n;
	seal_as(NULL, eccert[0], &der, &n);
	der[n - 30] ^= 0x01; /* the ciphertext, before the 16-byte tag */
	ck_assert_int_eq(open_with(der, n, ec_keys(0), 0), FK_CMS_DECRYPT);
	der[n - 30] ^= 0x01;
	ck_assert_int_eq(open_with(der, n, ec_keys(0), 0), FK_CMS_NONE);
	der[n - 3] ^= 0x80; /* the tag */
	ck_assert_int_eq(open_with(der, n, ec_keys(0), 0), FK_CMS_DECRYPT);
	free(der);
	seal_as("131016", eccert[1], &der, &n);
	ck_assert_int_eq(open_with(der, n, ec_keys(0), 1), FK_CMS_NOT_FOR_US);
	free(der);
	seal_as("131016", P.rcert, &der, &n);
	ck_assert_int_eq(open_with(der, n, ec_keys(0), 1), FK_CMS_NOT_FOR_US);
	free(der);
	/* Same curve, another key: the EC key cannot open what was agreed with receiver-ec2's. */
	EVP_PKEY *ks[1] = {eckey[0]};
	X509 *cs[1] = {eccert[1]};
	fk_cms_keys wrong = {.store = P.store, .keys = ks, .certs = cs, .nkeys = 1, .now = time(NULL)};
	seal_as(NULL, eccert[1], &der, &n);
	ck_assert_int_eq(open_with(der, n, wrong, 0), FK_CMS_DECRYPT);
	free(der);
}
END_TEST

/* An envelope with OpenSSL's own defaults for the recipient: PKCS#1 v1.5 key transport to an
 * RSA one, the SHA-1 KDF to an EC one. *nid: the algorithm it used. */
static void seal_default(X509 *to, uint8_t **der, size_t *n, int *nid)
{
	CMS_ContentInfo *cms = CMS_AuthEnvelopedData_create(EVP_aes_256_gcm());
	ck_assert_ptr_nonnull(cms);
	ck_assert_int_eq(CMS_set_detached(cms, 0), 1);
	CMS_RecipientInfo *ri = CMS_add1_recipient_cert(cms, to, 0);
	ck_assert_ptr_nonnull(ri);
	BIO *in = BIO_new_mem_buf(content, (int)sizeof content - 1);
	ck_assert_int_eq(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	X509_ALGOR *alg = NULL;
	ASN1_OCTET_STRING *ukm = NULL;
	if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS)
		ck_assert_int_eq(CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg), 1);
	else
		ck_assert_int_eq(CMS_RecipientInfo_kari_get0_alg(ri, &alg, &ukm), 1);
	*nid = OBJ_obj2nid(alg->algorithm);
	int len = i2d_CMS_ContentInfo(cms, NULL);
	ck_assert_int_gt(len, 0);
	*der = malloc((size_t)len);
	unsigned char *p = *der;
	ck_assert_int_eq(i2d_CMS_ContentInfo(cms, &p), len);
	*n = (size_t)len;
	BIO_free(in);
	CMS_ContentInfo_free(cms);
}

/* A sender cannot choose a weaker way for us: PKCS#1 v1.5 key transport and ECDH with the
 * SHA-1 KDF are refused although the key would open them (R-INTRANSIT). */
START_TEST(test_weak_recipient_refused)
{
	uint8_t *der;
	size_t n;
	int nid;
	seal_default(P.rcert, &der, &n, &nid);
	ck_assert_int_eq(nid, NID_rsaEncryption);
	ck_assert_int_eq(open_fail(der, n, P.store, time(NULL), 0), FK_CMS_MALFORMED);
	free(der);
	seal_default(eccert[0], &der, &n, &nid);
	ck_assert_int_eq(nid, NID_dhSinglePass_stdDH_sha1kdf_scheme);
	ck_assert_int_eq(open_with(der, n, ec_keys(0), 0), FK_CMS_MALFORMED);
	free(der);
}
END_TEST

/* Only RSA and P-256/P-384 keys are recipients: a P-521 one is refused before anything is
 * made. */
START_TEST(test_recipient_curve)
{
	EVP_PKEY *k = EVP_EC_gen("P-521");
	ck_assert_ptr_nonnull(k);
	X509 *c = make_cert(k, "131016", NULL, NULL, "critical,keyAgreement");
	uint8_t *der = NULL;
	size_t n = 0;
	fk_error err;
	X509 *rs[1] = {c};
	ck_assert_int_eq(fk_cms_seal((const uint8_t *)content, sizeof content - 1, NULL, NULL, rs, 1,
				     &der, &n, &err),
			 FK_ERR_INVALID);
	ck_assert_ptr_null(der);
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

/* A receipt signed with the EC receiving key (ECDSA P-256) verifies for the sender. */
START_TEST(test_ec_receipt)
{
	uint8_t *sd, *out;
	size_t sdn, len;
	X509 *signer;
	fk_cms_fail why;
	fk_error err;
	ck_assert_ok(fk_cms_sign((const uint8_t *)content, sizeof content - 1, eckey[0], eccert[0], &sd,
				 &sdn, &err),
		     &err);
	ck_assert_ok(fk_cms_verify(sd, sdn, P.store, time(NULL), &out, &len, &signer, &why, &err), &err);
	ck_assert(len == sizeof content - 1 && memcmp(out, content, len) == 0);
	ck_assert_int_eq(X509_cmp(signer, eccert[0]), 0);
	free(out);
	X509_free(signer);
	sd[sdn - 5] ^= 0x01; /* in the signature */
	ck_assert_int_eq(fk_cms_verify(sd, sdn, P.store, time(NULL), &out, &len, NULL, &why, &err),
			 FK_ERR_INVALID);
	ck_assert_ptr_null(out);
	free(sd);
}
END_TEST

/* The sentences xgettext sees are the headers' lists, word for word. */
START_TEST(test_fail_texts)
{
#define SAME_CMS(id, text) ck_assert_str_eq(fk_cms_fail_text(FK_CMS_##id), text);
	FK_CMS_FAIL_LIST(SAME_CMS)
#undef SAME_CMS
#define SAME_PKG(id, text) ck_assert_str_eq(fk_pkg_fail_text(FK_PKG_FAIL_##id), text);
	FK_PKG_FAIL_LIST(SAME_PKG)
#undef SAME_PKG
	ck_assert_str_eq(fk_cms_fail_text((fk_cms_fail)99), "unknown reason");
}
END_TEST

int main(void)
{
	load();
	load_ec();
	Suite *s = suite_create("cms");
	TCase *tc = tcase_create("cms");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_previous_key);
	tcase_add_test(tc, test_not_for_us);
	tcase_add_test(tc, test_altered);
	tcase_add_test(tc, test_unsigned);
	tcase_add_test(tc, test_signed_chunk);
	tcase_add_test(tc, test_bad_signature);
	tcase_add_test(tc, test_untrusted);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_revoked);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_pinned);
	tcase_add_test(tc, test_crl_stale);
	tcase_add_test(tc, test_crl_missing);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_receipt);
	tcase_add_test(tc, test_municipality);
	tcase_add_test(tc, test_fail_texts);
	tcase_add_test(tc, test_ec_round_trip);
	tcase_add_test(tc, test_ec_refused);
	tcase_add_test(tc, test_weak_recipient_refused);
	tcase_add_test(tc, test_recipient_curve);
	tcase_add_test(tc, test_ec_receipt);
	suite_add_tcase(s, tc);
	int rc = fkt_run(s);
	for (int i = 0; i < 3; i++) {
		EVP_PKEY_free(eckey[i]);
		X509_free(eccert[i]);
	}
	fkpki_free(&P);
	return rc;
}
