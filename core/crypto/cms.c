/* CMS objects of fukuhon packages and receipts through OpenSSL's CMS API (R-MUTUAL,
 * R-INTRANSIT, R-BATCH-PROTO; docs/package-format.md): AuthEnvelopedData (AES-256-GCM;
 * RSA-OAEP key transport to an RSA recipient, ECDH key agreement to a P-256/P-384 one) around
 * SignedData (SHA-256), opened with every reason told apart. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "cms.h"
#include "util.h"

/* Marked for xgettext: the console and the CLI translate these. */
#define N_(s) s

/* Spelled out, not generated from cms.h's list, so that xgettext sees each sentence;
 * tests/test_cms.c checks that they are the list's. */
static const char *const fail_texts[] = {
	[FK_CMS_NONE] = N_("opened"),
	[FK_CMS_MALFORMED] = N_("not a CMS object of the expected type"),
	[FK_CMS_TOO_LARGE] = N_("larger than a CMS object of a package may be"),
	[FK_CMS_NOT_FOR_US] = N_("encrypted to another recipient"),
	[FK_CMS_DECRYPT] = N_("cannot be decrypted (altered or truncated)"),
	[FK_CMS_UNSIGNED] = N_("not signed"),
	[FK_CMS_BAD_SIGNATURE] = N_("the signature does not match the content"),
	[FK_CMS_UNTRUSTED] = N_("the signer's certificate does not chain to a trusted municipal CA"),
	[FK_CMS_REVOKED] = N_("the signer's certificate is revoked"),
	[FK_CMS_EXPIRED] = N_("the signer's certificate is expired or not yet valid"),
	[FK_CMS_CRL_STALE] = N_("the CA's CRL is past its next update: fetch a new one"),
	[FK_CMS_CRL_MISSING] = N_("no CRL of the signer's CA is installed"),
	[FK_CMS_USAGE] = N_("the signer's certificate is not for signing"),
};

const char *fk_cms_fail_text(fk_cms_fail f)
{
	if ((unsigned)f >= sizeof fail_texts / sizeof fail_texts[0])
		return N_("unknown reason");
	return fail_texts[f];
}

/* One line from OpenSSL's error queue, emptied so that a later failure reports its own. */
static fk_status ossl_fail(fk_error *err, fk_status code, const char *what)
{
	char reason[256] = "no reason given";
	unsigned long e = ERR_peek_last_error();
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	return fk_fail(err, code, "%s: %s", what, reason);
}

/* A refusal of the object: FK_ERR_INVALID with the reason the caller records. */
static fk_status refuse(fk_error *err, fk_cms_fail *why, fk_cms_fail f)
{
	ERR_clear_error();
	*why = f;
	return fk_fail(err, FK_ERR_INVALID, "%s", fk_cms_fail_text(f));
}

/* Decode exactly n bytes of DER: trailing bytes would be data nobody checked. */
static CMS_ContentInfo *decode(const uint8_t *der, size_t n)
{
	if (n == 0 || n > LONG_MAX)
		return NULL;
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	if (cms && p != der + n) {
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

/* The bytes a memory BIO holds, copied out (malloc'd); the BIO is a secure one, whose
 * buffer is wiped when it grows and when it is freed. */
static fk_status take_bio(BIO *b, uint8_t **out, size_t *outlen, fk_error *err)
{
	BUF_MEM *bm = NULL;
	if (BIO_get_mem_ptr(b, &bm) != 1 || !bm)
		return ossl_fail(err, FK_ERR_CRYPTO, "reading CMS content");
	*out = malloc(bm->length ? bm->length : 1);
	if (!*out)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory for CMS content");
	if (bm->length)
		memcpy(*out, bm->data, bm->length);
	*outlen = bm->length;
	return FK_OK;
}

static int is_enveloped(const CMS_ContentInfo *cms)
{
	int nid = OBJ_obj2nid(CMS_get0_type(cms));
	return nid == NID_id_smime_ct_authEnvelopedData || nid == NID_pkcs7_enveloped;
}

/* Key transport only with RSA-OAEP: PKCS#1 v1.5 (rsaEncryption) invites padding oracles,
 * and a sender must not be able to choose it for us. */
static int ktri_ok(CMS_RecipientInfo *ri)
{
	X509_ALGOR *alg = NULL;
	return CMS_RecipientInfo_ktri_get0_algs(ri, NULL, NULL, &alg) == 1 && alg &&
	       OBJ_obj2nid(alg->algorithm) == NID_rsaesOaep;
}

/* Key agreement only as docs/package-format.md allows: ECDH with the X9.63 KDF over SHA-256
 * or stronger (OpenSSL's default would be SHA-1) and an AES key wrap. */
static int kari_ok(CMS_RecipientInfo *ri)
{
	X509_ALGOR *alg = NULL;
	ASN1_OCTET_STRING *ukm = NULL;
	if (CMS_RecipientInfo_kari_get0_alg(ri, &alg, &ukm) != 1 || !alg)
		return 0;
	switch (OBJ_obj2nid(alg->algorithm)) {
	case NID_dhSinglePass_stdDH_sha256kdf_scheme:
	case NID_dhSinglePass_stdDH_sha384kdf_scheme:
	case NID_dhSinglePass_stdDH_sha512kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha256kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha384kdf_scheme:
	case NID_dhSinglePass_cofactorDH_sha512kdf_scheme:
		break;
	default:
		return 0;
	}
	/* The parameter is the key wrap's AlgorithmIdentifier (RFC 5753). */
	const ASN1_TYPE *par = alg->parameter;
	if (!par || par->type != V_ASN1_SEQUENCE)
		return 0;
	const unsigned char *p = par->value.sequence->data;
	X509_ALGOR *wrap = d2i_X509_ALGOR(NULL, &p, par->value.sequence->length);
	int nid = wrap ? OBJ_obj2nid(wrap->algorithm) : NID_undef;
	X509_ALGOR_free(wrap);
	return nid == NID_id_aes128_wrap || nid == NID_id_aes192_wrap || nid == NID_id_aes256_wrap;
}

/* 1 when recipient info ri names cert: key transport to it, or key agreement with one of
 * its encrypted keys for it. */
static int names(CMS_RecipientInfo *ri, X509 *cert)
{
	int type = CMS_RecipientInfo_type(ri);
	if (type == CMS_RECIPINFO_TRANS)
		return CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0;
	if (type != CMS_RECIPINFO_AGREE)
		return 0;
	STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
	for (int i = 0; i < sk_CMS_RecipientEncryptedKey_num(reks); i++)
		if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, i), cert) == 0)
			return 1;
	return 0;
}

/* The index of the first of k's keys some recipient info names (key transport for an RSA
 * key, key agreement for an EC key), or -1; *allowed 0 when that recipient info uses an
 * algorithm we do not accept. */
static int find_recipient(CMS_ContentInfo *cms, const fk_cms_keys *k, int *allowed)
{
	STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
	for (int j = 0; j < k->nkeys; j++) {
		if (!k->keys[j] || !k->certs[j])
			continue;
		for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
			CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
			if (!names(ri, k->certs[j]))
				continue;
			*allowed = CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS ? ktri_ok(ri) : kari_ok(ri);
			return j;
		}
	}
	return -1;
}

/* Decrypt an envelope with key j; *content gets the plaintext (a secure BIO). */
static fk_status decrypt(CMS_ContentInfo *cms, const fk_cms_keys *k, int j, BIO **content,
			 fk_cms_fail *why, fk_error *err)
{
	/* The certificate is given, so a wrong key-transport block is an error rather than
	 * the random key OpenSSL substitutes against Bleichenbacher oracles when it is not. */
	if (CMS_decrypt_set1_pkey_and_peer(cms, k->keys[j], k->certs[j], NULL) != 1)
		return refuse(err, why, FK_CMS_DECRYPT);
	BIO *out = BIO_new(BIO_s_secmem());
	if (!out)
		return ossl_fail(err, FK_ERR_NOMEM, "allocating a CMS buffer");
	/* The GCM tag is checked as the content ends: a flipped byte fails here. */
	if (CMS_decrypt(cms, NULL, NULL, NULL, out, CMS_BINARY) != 1) {
		BIO_free(out);
		return refuse(err, why, FK_CMS_DECRYPT);
	}
	*content = out;
	return FK_OK;
}

static fk_cms_fail chain_fail(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_REVOKED:
		return FK_CMS_REVOKED;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return FK_CMS_EXPIRED;
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return FK_CMS_CRL_STALE;
	/* No CRL that can be used at this time: one from the future, or one whose signature
	 * does not check, is as good as none. */
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
		return FK_CMS_CRL_MISSING;
	default:
		return FK_CMS_UNTRUSTED;
	}
}

/* The signer's chain to a trusted CA, its CRL and validity at now, its key usage. */
static fk_status check_signer(X509 *signer, STACK_OF(X509) *untrusted, X509_STORE *store,
			      int64_t now, fk_cms_fail *why, fk_error *err)
{
	if (!store)
		return fk_fail(err, FK_ERR_USAGE, "no trust store to verify a signer with");
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	if (!sc)
		return ossl_fail(err, FK_ERR_NOMEM, "allocating a chain check");
	if (X509_STORE_CTX_init(sc, store, signer, untrusted) != 1) {
		X509_STORE_CTX_free(sc);
		return ossl_fail(err, FK_ERR_CRYPTO, "starting a chain check");
	}
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(sc);
	X509_VERIFY_PARAM_set_time(vp, (time_t)now);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_CRL_CHECK);
	int ok = X509_verify_cert(sc);
	int e = X509_STORE_CTX_get_error(sc);
	X509_STORE_CTX_free(sc);
	if (ok != 1)
		return refuse(err, why, ok < 0 ? FK_CMS_UNTRUSTED : chain_fail(e));
	/* A certificate without a keyUsage extension does not say it is for signing. */
	if (!(X509_get_extension_flags(signer) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(signer) & KU_DIGITAL_SIGNATURE))
		return refuse(err, why, FK_CMS_USAGE);
	return FK_OK;
}

static int digest_ok(CMS_SignerInfo *si)
{
	X509_ALGOR *dig = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (!dig)
		return 0;
	int nid = OBJ_obj2nid(dig->algorithm);
	return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

/* The signer is exactly the certificate the caller named (no chain: the caller trusts that
 * certificate itself), valid at now and for signing. */
static fk_status check_pinned(X509 *signer, X509 *pinned, int64_t now, fk_cms_fail *why, fk_error *err)
{
	time_t t = (time_t)now;
	if (X509_cmp(signer, pinned) != 0)
		return refuse(err, why, FK_CMS_UNTRUSTED);
	if (X509_cmp_time(X509_get0_notAfter(signer), &t) <= 0 ||
	    X509_cmp_time(X509_get0_notBefore(signer), &t) > 0)
		return refuse(err, why, FK_CMS_EXPIRED);
	if ((X509_get_extension_flags(signer) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(signer) & KU_DIGITAL_SIGNATURE))
		return refuse(err, why, FK_CMS_USAGE);
	return FK_OK;
}

/* Verify a decoded SignedData: one signer, its certificate included, the signature over
 * the included content, then the chain (ours, so that each reason comes out apart), or the
 * pinned certificate. */
static fk_status verify_signed(CMS_ContentInfo *cms, X509_STORE *store, X509 *pinned, int64_t now,
			       uint8_t **out, size_t *outlen, X509 **signer, fk_cms_fail *why,
			       fk_error *err)
{
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return refuse(err, why, FK_CMS_UNSIGNED);
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) == 0)
		return refuse(err, why, FK_CMS_UNSIGNED);
	if (sk_CMS_SignerInfo_num(sis) != 1)
		return refuse(err, why, FK_CMS_MALFORMED);
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	if (!digest_ok(si))
		return refuse(err, why, FK_CMS_MALFORMED);
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
	if (!pos || !*pos)
		return refuse(err, why, FK_CMS_MALFORMED); /* detached: nothing to verify */
	/* Match the included certificates to the signer; without its own, nothing says who. */
	if (CMS_set1_signers_certs(cms, NULL, 0) < 0)
		return refuse(err, why, FK_CMS_MALFORMED);
	X509 *cert = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, &cert, NULL, NULL);
	if (!cert)
		return refuse(err, why, FK_CMS_UNTRUSTED);
	BIO *content = BIO_new(BIO_s_secmem());
	if (!content)
		return ossl_fail(err, FK_ERR_NOMEM, "allocating a CMS buffer");
	fk_status s = FK_OK;
	if (CMS_verify(cms, NULL, NULL, NULL, content, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		s = refuse(err, why, FK_CMS_BAD_SIGNATURE);
	} else {
		STACK_OF(X509) *certs = pinned ? NULL : CMS_get1_certs(cms);
		s = pinned ? check_pinned(cert, pinned, now, why, err)
			   : check_signer(cert, certs, store, now, why, err);
		sk_X509_pop_free(certs, X509_free);
	}
	if (s == FK_OK)
		s = take_bio(content, out, outlen, err);
	BIO_free(content);
	if (s == FK_OK && signer) {
		if (X509_up_ref(cert) != 1) {
			free(*out);
			*out = NULL;
			return ossl_fail(err, FK_ERR_CRYPTO, "keeping the signer's certificate");
		}
		*signer = cert;
	}
	return s;
}

/* The decrypted envelope's content: its bytes (chunks) or the SignedData in it, verified. */
static fk_status inner(CMS_ContentInfo *env, BIO *content, const fk_cms_keys *k, int want_signed,
		       uint8_t **out, size_t *outlen, X509 **signer, fk_cms_fail *why, fk_error *err)
{
	int type = OBJ_obj2nid(CMS_get0_eContentType(env));
	if (!want_signed) {
		if (type != NID_pkcs7_data)
			return refuse(err, why, FK_CMS_MALFORMED);
		return take_bio(content, out, outlen, err);
	}
	if (type == NID_pkcs7_data)
		return refuse(err, why, FK_CMS_UNSIGNED);
	if (type != NID_pkcs7_signed)
		return refuse(err, why, FK_CMS_MALFORMED);
	BUF_MEM *bm = NULL;
	if (BIO_get_mem_ptr(content, &bm) != 1 || !bm)
		return ossl_fail(err, FK_ERR_CRYPTO, "reading CMS content");
	CMS_ContentInfo *sd = decode((const uint8_t *)bm->data, bm->length);
	if (!sd)
		return refuse(err, why, FK_CMS_MALFORMED);
	fk_status s = verify_signed(sd, k->store, k->pinned, k->now, out, outlen, signer, why, err);
	CMS_ContentInfo_free(sd);
	return s;
}

fk_status fk_cms_open(const uint8_t *der, size_t n, const fk_cms_keys *k, int want_signed,
		      uint8_t **out, size_t *outlen, X509 **signer, fk_cms_fail *why, fk_error *err)
{
	*why = FK_CMS_NONE;
	*out = NULL;
	*outlen = 0;
	if (signer)
		*signer = NULL;
	if (n > FK_CMS_MAX)
		return refuse(err, why, FK_CMS_TOO_LARGE);
	CMS_ContentInfo *cms = decode(der, n);
	if (!cms || !is_enveloped(cms)) {
		CMS_ContentInfo_free(cms);
		return refuse(err, why, FK_CMS_MALFORMED);
	}
	fk_status s;
	BIO *content = NULL;
	int allowed = 0;
	int j = find_recipient(cms, k, &allowed);
	if (j < 0)
		s = refuse(err, why, FK_CMS_NOT_FOR_US);
	else if (!allowed)
		s = refuse(err, why, FK_CMS_MALFORMED);
	else
		s = decrypt(cms, k, j, &content, why, err);
	if (s == FK_OK)
		s = inner(cms, content, k, want_signed, out, outlen, signer, why, err);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	return s;
}

/* DER of a CMS object, malloc'd, refused above FK_CMS_MAX (what we make, we must open). */
static fk_status encode(CMS_ContentInfo *cms, uint8_t **der, size_t *derlen, fk_error *err)
{
	int len = i2d_CMS_ContentInfo(cms, NULL);
	if (len <= 0)
		return ossl_fail(err, FK_ERR_CRYPTO, "encoding CMS");
	if ((size_t)len > FK_CMS_MAX)
		return fk_fail(err, FK_ERR_INVALID, "a CMS object of %d bytes is larger than %u", len,
			       FK_CMS_MAX);
	uint8_t *buf = malloc((size_t)len);
	if (!buf)
		return fk_fail(err, FK_ERR_NOMEM, "out of memory for CMS");
	unsigned char *p = buf;
	if (i2d_CMS_ContentInfo(cms, &p) != len) {
		free(buf);
		return ossl_fail(err, FK_ERR_CRYPTO, "encoding CMS");
	}
	*der = buf;
	*derlen = (size_t)len;
	return FK_OK;
}

static fk_status sign_der(const uint8_t *data, size_t n, EVP_PKEY *key, X509 *cert, uint8_t **der,
			  size_t *derlen, fk_error *err)
{
	if (n > INT_MAX)
		return fk_fail(err, FK_ERR_INVALID, "content too large to sign");
	const unsigned int flags = CMS_BINARY | CMS_PARTIAL;
	BIO *in = BIO_new_mem_buf(data, (int)n);
	CMS_ContentInfo *cms = in ? CMS_sign(NULL, NULL, NULL, NULL, flags) : NULL;
	fk_status s = FK_OK;
	if (!cms || !CMS_add1_signer(cms, cert, key, EVP_sha256(), flags) ||
	    CMS_final(cms, in, NULL, CMS_BINARY) != 1)
		s = ossl_fail(err, FK_ERR_CRYPTO, "signing");
	if (s == FK_OK)
		s = encode(cms, der, derlen, err);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return s;
}

fk_status fk_cms_sign(const uint8_t *data, size_t n, EVP_PKEY *key, X509 *cert, uint8_t **der,
		      size_t *derlen, fk_error *err)
{
	if (!key || !cert)
		return fk_fail(err, FK_ERR_USAGE, "signing needs a key and its certificate");
	return sign_der(data, n, key, cert, der, derlen, err);
}

/* RSA-OAEP with SHA-256 for an RSA recipient (PKCS#1 v1.5 key transport invites padding
 * oracles). */
static fk_status oaep(CMS_RecipientInfo *ri, fk_error *err)
{
	EVP_PKEY_CTX *pc = CMS_RecipientInfo_get0_pkey_ctx(ri);
	if (!pc || EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) <= 0)
		return ossl_fail(err, FK_ERR_CRYPTO, "RSA-OAEP for a recipient");
	return FK_OK;
}

/* ECDH (ephemeral-static, KeyAgreeRecipientInfo) for an EC recipient on P-256 or P-384: the
 * X9.63 KDF over SHA-256 (P-384: SHA-384) instead of OpenSSL's default SHA-1; the content key
 * wrapped with AES key wrap of its own size (OpenSSL's choice: AES-256 wrap for AES-256-GCM).
 * About a tenth of an RSA 3072 decryption for the receiver (docs/import.md). */
static fk_status ecdh(CMS_RecipientInfo *ri, int curve, fk_error *err)
{
	EVP_PKEY_CTX *pc = CMS_RecipientInfo_get0_pkey_ctx(ri);
	const EVP_MD *md = curve == NID_secp384r1 ? EVP_sha384() : EVP_sha256();
	/* The KDF's type is left unset: OpenSSL's CMS sets X9.63 itself and refuses any other. */
	if (!pc || EVP_PKEY_CTX_set_ecdh_kdf_md(pc, md) <= 0)
		return ossl_fail(err, FK_ERR_CRYPTO, "ECDH for a recipient");
	return FK_OK;
}

/* The curve of an EC key (NID_undef when it is not one of the named curves we take). */
static int ec_curve(EVP_PKEY *pk)
{
	char name[64];
	size_t len = 0;
	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
		ERR_clear_error();
		return NID_undef;
	}
	int nid = OBJ_sn2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	return nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 ? nid : NID_undef;
}

fk_cms_recipient fk_cms_recipient_kind(X509 *cert)
{
	EVP_PKEY *pk = cert ? X509_get0_pubkey(cert) : NULL;
	int type = pk ? EVP_PKEY_get_base_id(pk) : EVP_PKEY_NONE;
	ERR_clear_error();
	if (type == EVP_PKEY_RSA)
		return FK_CMS_RECIPIENT_RSA;
	return type == EVP_PKEY_EC && ec_curve(pk) != NID_undef ? FK_CMS_RECIPIENT_EC : FK_CMS_RECIPIENT_NONE;
}

/* Each recipient by its key: RSA-OAEP key transport, or ECDH key agreement on P-256/P-384;
 * any other key is refused before anything is encrypted. */
static fk_status add_recipients(CMS_ContentInfo *cms, X509 *const *recips, int nrecips,
				fk_error *err)
{
	for (int i = 0; i < nrecips; i++) {
		fk_cms_recipient kind = fk_cms_recipient_kind(recips[i]);
		if (kind == FK_CMS_RECIPIENT_NONE)
			return fk_fail(err, FK_ERR_INVALID,
				       "a recipient's certificate must hold an RSA key or an EC key on P-256 or P-384");
		CMS_RecipientInfo *ri = CMS_add1_recipient_cert(cms, recips[i], CMS_KEY_PARAM);
		if (!ri)
			return ossl_fail(err, FK_ERR_CRYPTO, "adding a recipient");
		fk_status s = kind == FK_CMS_RECIPIENT_RSA
				      ? oaep(ri, err)
				      : ecdh(ri, ec_curve(X509_get0_pubkey(recips[i])), err);
		if (s != FK_OK)
			return s;
	}
	return FK_OK;
}

fk_status fk_cms_seal(const uint8_t *data, size_t n, EVP_PKEY *sign_key, X509 *sign_cert,
		      X509 *const *recips, int nrecips, uint8_t **der, size_t *derlen, fk_error *err)
{
	if (nrecips < 1)
		return fk_fail(err, FK_ERR_USAGE, "encrypting needs a recipient");
	uint8_t *sd = NULL;
	size_t sdlen = 0;
	fk_status s = FK_OK;
	if (sign_key) {
		s = fk_cms_sign(data, n, sign_key, sign_cert, &sd, &sdlen, err);
		if (s != FK_OK)
			return s;
		data = sd;
		n = sdlen;
	}
	if (n > INT_MAX) {
		free(sd);
		return fk_fail(err, FK_ERR_INVALID, "content too large to encrypt");
	}
	CMS_ContentInfo *cms = CMS_AuthEnvelopedData_create(EVP_aes_256_gcm());
	BIO *in = BIO_new_mem_buf(data, (int)n);
	if (!cms || !in)
		s = ossl_fail(err, FK_ERR_CRYPTO, "starting an envelope");
	/* Created detached: the ciphertext goes inside the object, not beside it. */
	if (s == FK_OK && CMS_set_detached(cms, 0) != 1)
		s = ossl_fail(err, FK_ERR_CRYPTO, "starting an envelope");
	if (s == FK_OK && sd &&
	    CMS_set1_eContentType(cms, OBJ_nid2obj(NID_pkcs7_signed)) != 1)
		s = ossl_fail(err, FK_ERR_CRYPTO, "marking the envelope's content as signed");
	if (s == FK_OK)
		s = add_recipients(cms, recips, nrecips, err);
	if (s == FK_OK && CMS_final(cms, in, NULL, CMS_BINARY) != 1)
		s = ossl_fail(err, FK_ERR_CRYPTO, "encrypting");
	if (s == FK_OK)
		s = encode(cms, der, derlen, err);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	/* The signed content in clear: a terminal's enrolment package carries keys in it. */
	if (sd)
		OPENSSL_cleanse(sd, sdlen);
	free(sd);
	return s;
}

fk_status fk_cms_verify(const uint8_t *der, size_t n, X509_STORE *store, int64_t now,
			uint8_t **out, size_t *outlen, X509 **signer, fk_cms_fail *why, fk_error *err)
{
	*why = FK_CMS_NONE;
	*out = NULL;
	*outlen = 0;
	if (signer)
		*signer = NULL;
	if (n > FK_CMS_MAX)
		return refuse(err, why, FK_CMS_TOO_LARGE);
	CMS_ContentInfo *cms = decode(der, n);
	if (!cms)
		return refuse(err, why, FK_CMS_MALFORMED);
	fk_status s = verify_signed(cms, store, NULL, now, out, outlen, signer, why, err);
	CMS_ContentInfo_free(cms);
	return s;
}

fk_status fk_cms_cert_municipality(X509 *cert, char code[7], fk_error *err)
{
	code[0] = '\0';
	X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
	int i = name ? X509_NAME_get_index_by_NID(name, NID_serialNumber, -1) : -1;
	if (i < 0)
		return fk_fail(err, FK_ERR_INVALID, "the certificate names no municipality");
	/* Two serialNumbers would let the certificate name two municipalities. */
	if (X509_NAME_get_index_by_NID(name, NID_serialNumber, i) >= 0)
		return fk_fail(err, FK_ERR_INVALID, "the certificate names two municipalities");
	const ASN1_STRING *v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	const unsigned char *d = v ? ASN1_STRING_get0_data(v) : NULL;
	if (!d || ASN1_STRING_length(v) != 6)
		return fk_fail(err, FK_ERR_INVALID, "the certificate's municipality code is not 6 digits");
	for (int j = 0; j < 6; j++)
		if (d[j] < '0' || d[j] > '9')
			return fk_fail(err, FK_ERR_INVALID,
				       "the certificate's municipality code is not 6 digits");
	memcpy(code, d, 6);
	code[6] = '\0';
	return FK_OK;
}

X509 *fk_cms_read_cert(const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	fk_error e;
	if (fk_read_file(path, 1u << 20, &buf, &n, &e) != FK_OK)
		return NULL;
	BIO *b = BIO_new_mem_buf(buf, (int)n);
	X509 *c = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(buf);
	ERR_clear_error();
	return c;
}
