/* Unit tests: AES-256-GCM sealing, HMAC-SHA256, randomness (R-ATREST). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "rows.h"

#define CK_OK(expr, errp)                                                                 \
	do {                                                                              \
		fk_status ck_st_ = (expr);                                                \
		ck_assert_msg(ck_st_ == FK_OK, "%s -> %s: %s", #expr, fk_status_name(ck_st_), \
			      (errp)->msg);                                               \
	} while (0)

static const uint8_t KEY[FK_KEY_LEN] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
	0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};
static const char PLAIN[] = "山田 太郎 / 東京都千代田区千代田一丁目一番";
static const char AAD1[] = "fk:row:1";
static const char AAD2[] = "fk:row:2";

/* Seal PLAIN under KEY for aad into a new buffer; *n gets its length. */
static uint8_t *seal_plain(const char *aad, size_t *n)
{
	fk_error err;
	size_t plen = sizeof PLAIN - 1;
	uint8_t *blob = malloc(plen + FK_SEAL_OVERHEAD);
	ck_assert_ptr_nonnull(blob);
	CK_OK(fk_seal(KEY, aad, strlen(aad), PLAIN, plen, blob, &err), &err);
	*n = plen + FK_SEAL_OVERHEAD;
	return blob;
}

/* R-ATREST: what is sealed opens to the same bytes, and the blob is not the plaintext. */
START_TEST(round_trip)
{
	fk_error err;
	size_t n, plen = 99;
	uint8_t *blob = seal_plain(AAD1, &n);
	uint8_t out[sizeof PLAIN];
	ck_assert_int_eq(blob[0], FK_SEAL_VERSION);
	ck_assert_ptr_null(memmem(blob, n, "東京都", strlen("東京都")));
	CK_OK(fk_open(KEY, AAD1, strlen(AAD1), blob, n, out, &plen, &err), &err);
	ck_assert_uint_eq(plen, sizeof PLAIN - 1);
	ck_assert_mem_eq(out, PLAIN, plen);
	free(blob);
}
END_TEST

/* R-ATREST: an empty value and an empty AAD are sealed and opened like any other. */
START_TEST(round_trip_empty)
{
	fk_error err;
	uint8_t blob[FK_SEAL_OVERHEAD];
	size_t plen = 99;
	CK_OK(fk_seal(KEY, NULL, 0, NULL, 0, blob, &err), &err);
	CK_OK(fk_open(KEY, NULL, 0, blob, sizeof blob, NULL, &plen, &err), &err);
	ck_assert_uint_eq(plen, 0);
	ck_assert_int_eq(fk_open(KEY, "x", 1, blob, sizeof blob, NULL, &plen, &err), FK_ERR_TAMPER);
}
END_TEST

/* R-ATREST: changing any single byte (header, nonce, ciphertext or tag) is
 * detected, and the output buffer is left wiped. */
START_TEST(every_byte_flip_is_tamper)
{
	fk_error err;
	size_t n, plen;
	uint8_t *blob = seal_plain(AAD1, &n);
	uint8_t out[sizeof PLAIN];
	for (size_t i = 0; i < n; i++) {
		blob[i] ^= 0x01;
		memset(out, 0xAA, sizeof out);
		fk_status st = fk_open(KEY, AAD1, strlen(AAD1), blob, n, out, &plen, &err);
		/* Byte 0 is the version: changed, it is an unknown format. */
		ck_assert_int_eq(st, i == 0 ? FK_ERR_CORRUPT : FK_ERR_TAMPER);
		if (i > 0)
			for (size_t k = 0; k < n - FK_SEAL_OVERHEAD; k++)
				ck_assert_uint_eq(out[k], 0);
		blob[i] ^= 0x01;
	}
	CK_OK(fk_open(KEY, AAD1, strlen(AAD1), blob, n, out, &plen, &err), &err);
	free(blob);
}
END_TEST

/* R-ATREST: a ciphertext moved to another row (other AAD) does not open. */
START_TEST(aad_swap_is_tamper)
{
	fk_error err;
	size_t n, plen;
	uint8_t *blob = seal_plain(AAD1, &n);
	uint8_t out[sizeof PLAIN];
	ck_assert_int_eq(fk_open(KEY, AAD2, strlen(AAD2), blob, n, out, &plen, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(err.code, FK_ERR_TAMPER);
	ck_assert_int_eq(fk_open(KEY, AAD1, strlen(AAD1) - 1, blob, n, out, &plen, &err),
			 FK_ERR_TAMPER);
	free(blob);
}
END_TEST

/* R-ATREST: the wrong key is refused like an alteration. */
START_TEST(wrong_key_is_tamper)
{
	fk_error err;
	size_t n, plen;
	uint8_t *blob = seal_plain(AAD1, &n);
	uint8_t out[sizeof PLAIN], key2[FK_KEY_LEN];
	memcpy(key2, KEY, sizeof key2);
	key2[31] ^= 0x80;
	ck_assert_int_eq(fk_open(key2, AAD1, strlen(AAD1), blob, n, out, &plen, &err), FK_ERR_TAMPER);
	free(blob);
}
END_TEST

/* R-ATREST: a blob shorter than header and tag, or empty, is corrupt, not tampered. */
START_TEST(truncated_is_corrupt)
{
	fk_error err;
	size_t n, plen = 7;
	uint8_t *blob = seal_plain(AAD1, &n);
	uint8_t out[sizeof PLAIN];
	ck_assert_int_eq(fk_open(KEY, AAD1, strlen(AAD1), blob, 0, out, &plen, &err), FK_ERR_CORRUPT);
	ck_assert_uint_eq(plen, 0);
	ck_assert_int_eq(fk_open(KEY, AAD1, strlen(AAD1), NULL, 0, out, &plen, &err), FK_ERR_CORRUPT);
	ck_assert_int_eq(fk_open(KEY, AAD1, strlen(AAD1), blob, FK_SEAL_OVERHEAD - 1, out, &plen, &err),
			 FK_ERR_CORRUPT);
	/* Cut inside the ciphertext: the tag moves, so it no longer authenticates. */
	ck_assert_int_eq(fk_open(KEY, AAD1, strlen(AAD1), blob, n - 1, out, &plen, &err), FK_ERR_TAMPER);
	blob[0] = 2;
	ck_assert_int_eq(fk_open(KEY, AAD1, strlen(AAD1), blob, n, out, &plen, &err), FK_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "version 2"));
	free(blob);
}
END_TEST

/* R-ATREST: every seal takes a fresh nonce, so equal values never give equal blobs. */
START_TEST(nonce_is_fresh)
{
	size_t n1, n2;
	uint8_t *a = seal_plain(AAD1, &n1);
	uint8_t *b = seal_plain(AAD1, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_ne(memcmp(a + 1, b + 1, FK_NONCE_LEN), 0);
	ck_assert_int_ne(memcmp(a, b, n1), 0);
	free(a);
	free(b);
}
END_TEST

/* Compare a MAC with hex. */
static void assert_hex(const uint8_t *mac, const char *hex)
{
	char got[2 * FK_MAC_LEN + 1];
	for (int i = 0; i < FK_MAC_LEN; i++)
		snprintf(got + 2 * i, 3, "%02x", mac[i]);
	ck_assert_str_eq(got, hex);
}

/* R-ATREST (blind indexes): HMAC-SHA256 against RFC 4231 test cases 1 and 2.
 * Our keys are 32 bytes; HMAC pads shorter keys with zero bytes, so the RFC's
 * 20-byte and 4-byte keys followed by zeros give the RFC's results. */
START_TEST(hmac_rfc4231)
{
	fk_error err;
	uint8_t key[FK_KEY_LEN] = {0}, mac[FK_MAC_LEN];
	memset(key, 0x0b, 20);
	CK_OK(fk_hmac(key, "Hi There", 8, mac, &err), &err);
	assert_hex(mac, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	memset(key, 0, sizeof key);
	memcpy(key, "Jefe", 4);
	const char *d2 = "what do ya want for nothing?";
	CK_OK(fk_hmac(key, d2, strlen(d2), mac, &err), &err);
	assert_hex(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* The cached context is re-keyed: case 1 again gives case 1's MAC. */
	memset(key, 0, sizeof key);
	memset(key, 0x0b, 20);
	CK_OK(fk_hmac(key, "Hi There", 8, mac, &err), &err);
	assert_hex(mac, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}
END_TEST

START_TEST(memeq_ct)
{
	ck_assert_int_eq(fk_memeq_ct("abcd", "abcd", 4), 0);
	ck_assert_int_ne(fk_memeq_ct("abcd", "abce", 4), 0);
	ck_assert_int_ne(fk_memeq_ct("xbcd", "abcd", 4), 0);
	ck_assert_int_eq(fk_memeq_ct("a", "b", 0), 0);
}
END_TEST

START_TEST(random_and_wipe)
{
	fk_error err;
	uint8_t a[64] = {0}, b[64] = {0}, zero[64] = {0};
	CK_OK(fk_random(a, sizeof a, &err), &err);
	CK_OK(fk_random(b, sizeof b, &err), &err);
	ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
	ck_assert_int_ne(memcmp(a, zero, sizeof a), 0);
	CK_OK(fk_random(NULL, 0, &err), &err);
	fk_wipe(a, sizeof a);
	ck_assert_mem_eq(a, zero, sizeof a);
	fk_wipe(NULL, 5);
}
END_TEST

/* R-ATREST: sealing and opening alternate on the one cached context without
 * mixing keys or directions; cleanup can run twice and sealing still works after. */
START_TEST(cached_context_reuse)
{
	fk_error err;
	enum { PL = sizeof PLAIN - 1 };
	uint8_t k2[FK_KEY_LEN], b1[PL + FK_SEAL_OVERHEAD], b2[PL + FK_SEAL_OVERHEAD], out[PL];
	size_t plen;
	memset(k2, 0x42, sizeof k2);
	for (int i = 0; i < 50; i++) {
		CK_OK(fk_seal(KEY, "a", 1, PLAIN, PL, b1, &err), &err);
		CK_OK(fk_seal(k2, "a", 1, PLAIN, PL, b2, &err), &err);
		CK_OK(fk_open(KEY, "a", 1, b1, sizeof b1, out, &plen, &err), &err);
		ck_assert_int_eq(fk_open(KEY, "a", 1, b2, sizeof b2, out, &plen, &err), FK_ERR_TAMPER);
		CK_OK(fk_open(k2, "a", 1, b2, sizeof b2, out, &plen, &err), &err);
		ck_assert_mem_eq(out, PLAIN, PL);
	}
	fk_crypto_thread_cleanup();
	fk_crypto_thread_cleanup();
	CK_OK(fk_seal(KEY, "a", 1, PLAIN, PL, b1, &err), &err);
	CK_OK(fk_open(KEY, "a", 1, b1, sizeof b1, out, &plen, &err), &err);
}
END_TEST

/* A sealed row's MAC is HMAC-SHA256(row key, "fk:row:1" | table | column count | each covered
 * column as type | value): pinned here, as every terminal's rows carry it. A row MAC'd in one
 * piece and one too long for that (core/trust/rows.c) get the MAC of the same encoding, and a
 * column of a type the MAC does not know is refused (R-DETECT). */
static size_t put_val(uint8_t *p, const fk_val *v)
{
	size_t n = 1;
	p[0] = (uint8_t)v->type;
	if (v->type == SQLITE_INTEGER)
		for (int i = 0; i < 8; i++)
			p[n++] = (uint8_t)((uint64_t)v->i >> (56 - 8 * i));
	if (v->type == SQLITE_TEXT || v->type == SQLITE_BLOB) {
		for (int i = 0; i < 4; i++)
			p[n++] = (uint8_t)((uint64_t)v->n >> (24 - 8 * i));
		memcpy(p + n, v->p, v->n);
		n += v->n;
	}
	return n;
}

START_TEST(row_mac_encoding)
{
	static char text[5000];
	static uint8_t enc[6000];
	uint8_t trust[FK_KEY_LEN], rk[FK_MAC_LEN], mac[FK_MAC_LEN], want[FK_MAC_LEN];
	fk_rowkeys k;
	fk_error err;
	memset(trust, 7, sizeof trust);
	memset(text, 'x', sizeof text - 1);
	CK_OK(fk_rowkeys_init(&k, trust, &err), &err);
	CK_OK(fk_hmac(trust, "fk:row-mac", 10, rk, &err), &err);
	ck_assert_int_eq(fk_table_ncols(FK_T_OPERATOR), 8);
	for (size_t len = 0; len < sizeof text; len += 1249) {
		fk_val v[8] = {FK_VAL_INT(12), FK_VAL_TEXT("tanaka"), FK_VAL_TEXT("operator"), FK_VAL_INT(-3),
			       FK_VAL_INT(1), FK_VAL_BLOB(text, len), FK_VAL_INT(INT64_MAX), FK_VAL_NULL};
		size_t n = 10;
		memcpy(enc, "fk:row:1", 8);
		enc[8] = (uint8_t)FK_T_OPERATOR;
		enc[9] = 8;
		for (int i = 0; i < 8; i++)
			n += put_val(enc + n, &v[i]);
		CK_OK(fk_hmac(rk, enc, n, want, &err), &err);
		CK_OK(fk_row_mac(&k, FK_T_OPERATOR, v, mac, &err), &err);
		ck_assert_mem_eq(mac, want, FK_MAC_LEN);
		v[4].type = SQLITE_FLOAT;
		ck_assert_int_eq(fk_row_mac(&k, FK_T_OPERATOR, v, mac, &err), FK_ERR_CORRUPT);
	}
	fk_rowkeys_free(&k);
}
END_TEST

static void teardown(void)
{
	fk_crypto_thread_cleanup();
}

int main(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, round_trip_empty);
	tcase_add_test(tc, every_byte_flip_is_tamper);
	tcase_add_test(tc, aad_swap_is_tamper);
	tcase_add_test(tc, wrong_key_is_tamper);
	tcase_add_test(tc, truncated_is_corrupt);
	tcase_add_test(tc, nonce_is_fresh);
	tcase_add_test(tc, hmac_rfc4231);
	tcase_add_test(tc, memeq_ct);
	tcase_add_test(tc, random_and_wipe);
	tcase_add_test(tc, cached_context_reuse);
	tcase_add_test(tc, row_mac_encoding);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
