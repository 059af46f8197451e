/* Unit tests: a package opened from memory as the receiving service opens a request body
 * (core/intake/pkgfile.c, fk_pkg_open_mem; R-INTRANSIT, R-MUTUAL, R-BATCH-PROTO), its
 * identity, and the records of a chunk split into lines. Files: tests/pkgfile.sh. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "cms.h"
#include "fkpki.h"
#include "fktest.h"
#include "pkgfile.h"

static fkpki P;

static const char *const chunk_text[] = {
	"{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"受付番号\":\"1\"}}\n",
	"{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"受付番号\":\"2\"}}\n"
	"{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"受付番号\":\"3\"}}",
};

typedef struct buf {
	uint8_t *p;
	size_t n;
} buf;

static void put(buf *b, const void *d, size_t n)
{
	b->p = realloc(b->p, b->n + n);
	ck_assert_ptr_nonnull(b->p);
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void frame(buf *b, const uint8_t *der, size_t n)
{
	uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	put(b, h, 4);
	put(b, der, n);
}

/* A package of municipality muni (the signer is always muni-131016) with both chunks. */
static buf package(const char *muni, size_t *frame0)
{
	fk_error err;
	fk_manifest m = {.sequence = 3, .kind = FK_PKG_DELTA, .created_at = 1796117400, .nchunks = 2};
	memcpy(m.municipality, muni, 7);
	fk_manifest_chunk ch[2];
	m.chunks = ch;
	m.counts[FK_REC_LEDGER] = 3;
	for (int i = 0; i < 2; i++) {
		unsigned int dl;
		size_t n = strlen(chunk_text[i]);
		ck_assert(EVP_Digest(chunk_text[i], n, ch[i].sha256, &dl, EVP_sha256(), NULL) == 1);
		ch[i].records = i + 1;
		ch[i].bytes = (int64_t)n;
	}
	char *json;
	size_t jl;
	ck_assert_ok(fk_manifest_dump(&m, &json, &jl, &err), &err);
	buf b = {0};
	put(&b, FK_PKG_MAGIC, 8);
	uint8_t *der;
	size_t dn;
	X509 *to[1] = {P.rcert};
	ck_assert_ok(fk_cms_seal((uint8_t *)json, jl, P.skey, P.scert, to, 1, &der, &dn, &err), &err);
	frame(&b, der, dn);
	*frame0 = dn;
	free(der);
	free(json);
	for (int i = 0; i < 2; i++) {
		ck_assert_ok(fk_cms_seal((const uint8_t *)chunk_text[i], strlen(chunk_text[i]), NULL,
					 NULL, to, 1, &der, &dn, &err),
			     &err);
		frame(&b, der, dn);
		free(der);
	}
	return b;
}

static fk_cms_keys keys(void)
{
	static EVP_PKEY *ks[1];
	static X509 *cs[1];
	ks[0] = P.rkey;
	cs[0] = P.rcert;
	return (fk_cms_keys){.store = P.store, .keys = ks, .certs = cs, .nkeys = 1, .now = time(NULL)};
}

static fk_pkg_fail open_fail(const uint8_t *p, size_t n)
{
	fk_cms_keys k = keys();
	fk_pkg *pkg;
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	fk_error err;
	fk_status s = fk_pkg_open_mem(p, n, &k, &pkg, &why, &cwhy, &err);
	if (s == FK_OK) {
		fk_pkg_close(pkg);
		return FK_PKG_FAIL_NONE;
	}
	ck_assert_int_eq(s, FK_ERR_INVALID);
	ck_assert_ptr_null(pkg);
	return why;
}

static fk_pkg *open_ok(const buf *b)
{
	fk_cms_keys k = keys();
	fk_pkg *p;
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	fk_error err;
	ck_assert_ok(fk_pkg_open_mem(b->p, b->n, &k, &p, &why, &cwhy, &err), &err);
	return p;
}

START_TEST(test_open_mem)
{
	size_t f0;
	buf b = package("131016", &f0);
	fk_pkg *p = open_ok(&b);
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	fk_error err;
	ck_assert_str_eq(fk_pkg_manifest(p)->municipality, "131016");
	ck_assert_int_eq(fk_pkg_manifest(p)->nchunks, 2);
	/* Its identity: SHA-256 of frame 0 as received. */
	uint8_t h[32];
	unsigned int dl;
	EVP_Digest(b.p + 12, f0, h, &dl, EVP_sha256(), NULL);
	ck_assert(memcmp(fk_pkg_digest(p), h, 32) == 0);
	char code[7];
	ck_assert_ok(fk_cms_cert_municipality(fk_pkg_signer(p), code, &err), &err);
	ck_assert_str_eq(code, "131016");
	for (int i = 0; i < 2; i++) {
		uint8_t *plain;
		size_t n;
		ck_assert_ok(fk_pkg_chunk(p, i, &plain, &n, &why, &cwhy, &err), &err);
		ck_assert_uint_eq(n, strlen(chunk_text[i]));
		ck_assert(memcmp(plain, chunk_text[i], n) == 0);
		free(plain);
	}
	uint8_t *plain;
	size_t n;
	ck_assert_int_eq(fk_pkg_chunk(p, 2, &plain, &n, &why, &cwhy, &err), FK_ERR_USAGE);
	fk_pkg_close(p);
	free(b.p);
}
END_TEST

START_TEST(test_refused_mem)
{
	size_t f0;
	buf b = package("131016", &f0);
	ck_assert_int_eq(open_fail(b.p, 3), FK_PKG_FAIL_TRUNCATED);
	ck_assert_int_eq(open_fail(b.p, 10), FK_PKG_FAIL_TRUNCATED);
	ck_assert_int_eq(open_fail(b.p, 12 + f0 - 1), FK_PKG_FAIL_TRUNCATED);
	ck_assert_int_eq(open_fail(b.p, 12 + f0), FK_PKG_FAIL_CHUNKS);
	ck_assert_int_eq(open_fail(b.p, b.n - 1), FK_PKG_FAIL_TRUNCATED);
	put(&b, "\0", 1);
	ck_assert_int_eq(open_fail(b.p, b.n), FK_PKG_FAIL_CHUNKS);
	b.p[0] = 'X';
	ck_assert_int_eq(open_fail(b.p, b.n - 1), FK_PKG_FAIL_NOT_PACKAGE);
	b.p[0] = 'F';
	b.p[8] = 0x01; /* frame 0 claims 16 MiB and more */
	ck_assert_int_eq(open_fail(b.p, b.n - 1), FK_PKG_FAIL_FRAME);
	free(b.p);
	/* The manifest names 131024, its signer is 131016. */
	b = package("131024", &f0);
	ck_assert_int_eq(open_fail(b.p, b.n), FK_PKG_FAIL_SIGNER);
	free(b.p);
}
END_TEST

START_TEST(test_chunk_altered)
{
	size_t f0;
	buf b = package("131016", &f0);
	b.p[b.n - 30] ^= 1; /* the last chunk's ciphertext */
	fk_pkg *p = open_ok(&b);
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	fk_error err;
	uint8_t *plain;
	size_t n;
	ck_assert_ok(fk_pkg_chunk(p, 0, &plain, &n, &why, &cwhy, &err), &err);
	free(plain);
	ck_assert_int_eq(fk_pkg_chunk(p, 1, &plain, &n, &why, &cwhy, &err), FK_ERR_INVALID);
	ck_assert_int_eq(why, FK_PKG_FAIL_CHUNK_CMS);
	ck_assert_int_eq(cwhy, FK_CMS_DECRYPT);
	ck_assert_ptr_null(plain);
	fk_pkg_close(p);
	free(b.p);
}
END_TEST

typedef struct seen {
	int n;
	char lines[8][32];
	int64_t idx[8];
	int stop_at;
} seen;

static fk_status see(void *arg, int64_t index, const char *line, size_t n, fk_error *err)
{
	seen *s = arg;
	if (s->n == s->stop_at)
		return fk_fail(err, FK_ERR_INVALID, "stop");
	snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)n, line);
	s->idx[s->n++] = index;
	return FK_OK;
}

START_TEST(test_lines)
{
	fk_error err;
	seen s = {.stop_at = -1};
	const char *t = "a\nbb\n\nc\n";
	ck_assert_ok(fk_pkg_lines((const uint8_t *)t, strlen(t), see, &s, &err), &err);
	/* The last newline ends a line; an empty line is a line (the parser rejects it). */
	ck_assert_int_eq(s.n, 4);
	ck_assert_str_eq(s.lines[0], "a");
	ck_assert_str_eq(s.lines[1], "bb");
	ck_assert_str_eq(s.lines[2], "");
	ck_assert_str_eq(s.lines[3], "c");
	ck_assert_int_eq(s.idx[3], 3);
	s = (seen){.stop_at = -1};
	ck_assert_ok(fk_pkg_lines((const uint8_t *)"x\ny", 3, see, &s, &err), &err);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.lines[1], "y");
	s = (seen){.stop_at = 1};
	ck_assert_int_eq(fk_pkg_lines((const uint8_t *)t, strlen(t), see, &s, &err), FK_ERR_INVALID);
	ck_assert_int_eq(s.n, 1);
	s = (seen){.stop_at = -1};
	ck_assert_ok(fk_pkg_lines((const uint8_t *)"", 0, see, &s, &err), &err);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

int main(void)
{
	static const char *const specs[] = {"131016", NULL};
	fkpki_load(&P, specs);
	Suite *s = suite_create("pkgfile");
	TCase *tc = tcase_create("pkgfile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_mem);
	tcase_add_test(tc, test_refused_mem);
	tcase_add_test(tc, test_chunk_altered);
	tcase_add_test(tc, test_lines);
	suite_add_tcase(s, tc);
	int rc = fkt_run(s);
	fkpki_free(&P);
	return rc;
}
