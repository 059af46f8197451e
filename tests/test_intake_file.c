/* Unit tests: signed, encrypted packages imported end to end (core/intake/importfile.h):
 * opened with the test PKI, their records parsed, applied, the receipt signed by the
 * receiving key and verifiable by the sender; a package delivered again gets the same
 * receipt; a chunk that does not match its hash refuses the whole package and leaves nothing
 * staged; a file the opener refuses is refused with a signed receipt naming why; a record the
 * parser rejects is listed. R-BATCH-PROTO, R-BATCH-ATOMIC, R-INTRANSIT, R-MUTUAL, R-VERSION. */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cms.h"
#include "fkpki.h"
#include "fktest.h"
#include "importfile.h"
#include "pkgfile.h"

static fkpki P;
static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

typedef struct buf {
	uint8_t *p;
	size_t n;
} buf;

/* One frame of a package: its length (4 bytes, big-endian), then the DER. */
static void frame_to(FILE *f, const uint8_t *der, size_t n)
{
	uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	ck_assert_uint_eq(fwrite(h, 1, 4, f), 4);
	ck_assert_uint_eq(fwrite(der, 1, n, f), n);
}

/* A register record's line. */
static char *reg_line(const char *ref, const char *name, const char *honseki)
{
	json_t *c = fkt_register(name, "やまだ たろう", honseki);
	char *content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	char *line;
	ck_assert_int_gt(asprintf(&line, "{\"type\":\"register\",\"ref\":\"%s\",\"kind\":\"koseki\",\"content\":%s}",
				  ref, content), 0);
	free(content);
	return line;
}

static char *ver_line(const char *ref, const char *name, const char *honseki)
{
	json_t *c = fkt_register(name, "やまだ はなこ", honseki);
	char *content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	char *line;
	ck_assert_int_gt(asprintf(&line, "{\"type\":\"version\",\"ref\":\"%s\",\"content\":%s,"
				  "\"changed_by\":\"千代田区 戸籍係\",\"reason\":\"婚姻届による記載\"}",
				  ref, content), 0);
	free(content);
	return line;
}

/* A package of municipality 131016 (sequence seq) whose chunks are text[0..n-1]; with
 * alter >= 0 that chunk is sealed other than the manifest's hash says. */
static buf package(int64_t seq, char *const *text, int n, int alter)
{
	fk_manifest m = {.municipality = "131016", .sequence = seq, .kind = FK_PKG_DELTA,
			 .created_at = 1796117400, .nchunks = n};
	fk_manifest_chunk ch[4];
	m.chunks = ch;
	for (int i = 0; i < n; i++) {
		unsigned int dl;
		size_t len = strlen(text[i]);
		ck_assert(EVP_Digest(text[i], len, ch[i].sha256, &dl, EVP_sha256(), NULL) == 1);
		ch[i].records = 1;
		for (size_t k = 0; k < len; k++)
			ch[i].records += text[i][k] == '\n' && k + 1 < len;
		ch[i].bytes = (int64_t)len;
		m.counts[FK_REC_LEDGER] += ch[i].records; /* only the total is checked against them */
	}
	char *json;
	size_t jl;
	ck_assert_ok(fk_manifest_dump(&m, &json, &jl, &err), &err);
	buf b = {0};
	FILE *f = open_memstream((char **)&b.p, &b.n);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(FK_PKG_MAGIC, 1, 8, f), 8);
	uint8_t *der;
	size_t dn;
	X509 *to[1] = {P.rcert};
	ck_assert_ok(fk_cms_seal((uint8_t *)json, jl, P.skey, P.scert, to, 1, &der, &dn, &err), &err);
	frame_to(f, der, dn);
	free(der);
	free(json);
	for (int i = 0; i < n; i++) {
		const char *t = text[i];
		if (i == alter)
			t = "{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\",\"entry\":{\"受付番号\":\"X\"}}";
		ck_assert_ok(fk_cms_seal((const uint8_t *)t, strlen(t), NULL, NULL, to, 1, &der, &dn, &err), &err);
		frame_to(f, der, dn);
		free(der);
	}
	ck_assert_int_eq(fclose(f), 0);
	return b;
}

static fk_cms_keys open_keys;
static fk_intake_keys keys;

static void setup(void)
{
	static EVP_PKEY *ks[1];
	static X509 *cs[1];
	ks[0] = P.rkey;
	cs[0] = P.rcert;
	open_keys = (fk_cms_keys){.store = P.store, .keys = ks, .certs = cs, .nkeys = 1, .now = time(NULL)};
	keys = (fk_intake_keys){.open = &open_keys, .sign_key = P.rkey, .sign_cert = P.rcert};
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static fk_status import_mem(const buf *b, fk_intake_result *res, uint8_t **der, size_t *dn)
{
	fk_pkg *pkg;
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	ck_assert_ok(fk_pkg_open_mem(b->p, b->n, &open_keys, &pkg, &why, &cwhy, &err), &err);
	fk_status s = fk_intake_import_pkg(ctx, pkg, &keys, res, der, dn, &err);
	fk_pkg_close(pkg);
	return s;
}

/* The receipt verifies against the receiving certificate's CA, and says what res says. */
static void receipt_verifies(const uint8_t *der, size_t dn, const fk_intake_result *res)
{
	uint8_t *out;
	size_t on;
	X509 *signer = NULL;
	fk_cms_fail why;
	ck_assert_ok(fk_cms_verify(der, dn, P.store, time(NULL), &out, &on, &signer, &why, &err), &err);
	ck_assert_uint_eq(on, res->receipt_len);
	ck_assert_mem_eq(out, res->receipt, on);
	ck_assert_int_eq(X509_cmp(signer, P.rcert), 0);
	X509_free(signer);
	free(out);
}

static char *texts[3];

static void make_texts(void)
{
	char *a = reg_line("K-1", "山田 太郎", "東京都千代田区一番町一番地");
	char *b = reg_line("K-2", "佐藤 次郎", "東京都千代田区二番町二番地");
	char *c = ver_line("K-1", "山田 花子", "東京都千代田区一番町一番地");
	ck_assert_int_gt(asprintf(&texts[0], "%s\n%s\n", a, b), 0);
	ck_assert_int_gt(asprintf(&texts[1], "%s\n{\"type\":\"ledger\",\"accepted_on\":\"2026-11-30\","
				  "\"entry\":{\"受付番号\":\"第1号\"}}\n{\"type\":\"document\",\"doc_type\":\"出生届\","
				  "\"ref\":\"K-2\",\"entry\":{\"受付番号\":\"第1号\"}}\nnot json", c), 0);
	free(a);
	free(b);
	free(c);
}

START_TEST(a_signed_package_is_applied_and_answered_with_a_signed_receipt)
{
	make_texts();
	buf b = package(1, texts, 2, -1);
	fk_intake_result res, again;
	uint8_t *der, *der2;
	size_t dn, dn2;
	ck_assert_ok(import_mem(&b, &res, &der, &dn), &err);
	ck_assert_int_eq(res.applied, 1);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 2);
	ck_assert_int_eq(res.accepted[FK_REC_VERSION], 1);
	ck_assert_int_eq(res.accepted[FK_REC_LEDGER], 1);
	ck_assert_int_eq(res.accepted[FK_REC_DOCUMENT], 1);
	ck_assert_int_eq(res.rejected, 1); /* "not json" */
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"reason\":\"malformed\""));
	receipt_verifies(der, dn, &res);
	/* the version is the register's current one (R-VERSION) */
	int64_t k1 = fkt_scalar(ctx, "SELECT register_id FROM register_ref WHERE ref = 'K-1'");
	fk_reg_info info;
	json_t *d;
	ck_assert_ok(fk_store_read(ctx, k1, 0, &d, &info, &err), &err);
	ck_assert_int_eq(info.version, 2);
	json_decref(d);
	/* the same package again, from a file: the same receipt */
	char path[700];
	snprintf(path, sizeof path, "%s/pkg", env.dir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b.p, 1, b.n, f), b.n);
	fclose(f);
	ck_assert_ok(fk_intake_import_file(ctx, path, &keys, &again, &der2, &dn2, &err), &err);
	ck_assert_int_eq(again.again, 1);
	ck_assert_uint_eq(again.receipt_len, res.receipt_len);
	ck_assert_mem_eq(again.receipt, res.receipt, res.receipt_len);
	receipt_verifies(der2, dn2, &again);
	free(der);
	free(der2);
	fk_intake_result_clear(&res);
	fk_intake_result_clear(&again);
	free(b.p);
	for (int i = 0; i < 2; i++)
		free(texts[i]);
}
END_TEST

/* Chunk 1 does not match its hash: the whole package is refused, chunk 0's staged registers
 * are removed, nothing is left staging, and the sender gets a signed refusal. */
START_TEST(a_chunk_that_does_not_match_refuses_the_package)
{
	make_texts();
	buf b = package(1, texts, 2, 1);
	fk_intake_result res;
	uint8_t *der;
	size_t dn;
	ck_assert_ok(import_mem(&b, &res, &der, &dn), &err);
	ck_assert_int_eq(res.applied, 0);
	ck_assert_int_eq(res.refused, FK_INTAKE_OPENING);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"reason\":\"chunk_hash\""));
	receipt_verifies(der, dn, &res);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM register"), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM package"), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM meta WHERE key LIKE 'intake.visible.%'"), 0);
	ck_assert_int_ge(fkt_audit_count(ctx, "intake.abandon", "success", NULL), 1);
	free(der);
	fk_intake_result_clear(&res);
	/* the good package goes in afterwards */
	buf g = package(1, texts, 2, -1);
	ck_assert_ok(import_mem(&g, &res, &der, &dn), &err);
	ck_assert_int_eq(res.applied, 1);
	free(der);
	fk_intake_result_clear(&res);
	free(b.p);
	free(g.p);
	for (int i = 0; i < 2; i++)
		free(texts[i]);
}
END_TEST

START_TEST(a_file_the_opener_refuses_gets_a_signed_refusal)
{
	char path[700];
	snprintf(path, sizeof path, "%s/garbage", env.dir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs("this is not a package\n", f);
	fclose(f);
	fk_intake_result res;
	uint8_t *der;
	size_t dn;
	ck_assert_ok(fk_intake_import_file(ctx, path, &keys, &res, &der, &dn, &err), &err);
	ck_assert_int_eq(res.refused, FK_INTAKE_OPENING);
	ck_assert_ptr_nonnull(strstr(res.receipt, "\"reason\":\"not_package\""));
	ck_assert_str_eq(res.reason, "not_package");
	ck_assert_str_eq(res.reason_text, fk_pkg_fail_text(FK_PKG_FAIL_NOT_PACKAGE));
	receipt_verifies(der, dn, &res);
	ck_assert_int_eq(fkt_audit_count(ctx, "intake.import", "failed", NULL), 1);
	free(der);
	fk_intake_result_clear(&res);
}
END_TEST

/* A package the generator synthesises (tests/fkpkg: registers, amendments making several
 * versions, removals to 除籍, ledger entries and the documents of their registers) goes in
 * whole, in several chunks, as it was made. */
START_TEST(a_synthesised_package_goes_in_whole)
{
	char out[700], key[700], cert[700], to[700];
	snprintf(out, sizeof out, "%s/synth.pkg", env.dir);
	snprintf(key, sizeof key, "%s/muni-131016.key", P.dir);
	snprintf(cert, sizeof cert, "%s/muni-131016.crt", P.dir);
	snprintf(to, sizeof to, "%s/receiver.crt", P.dir);
	if (access("tests/fkpkg", X_OK) != 0)
		return; /* not built (a build without the test tools) */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl("tests/fkpkg", "fkpkg", "-o", out, "--quiet", "--signer-key", key, "--signer-cert",
		      cert, "--to", to, "--municipality", "131016", "--sequence", "1", "--kind", "full",
		      "--registers", "300", "--versions", "80", "--removals", "20", "--ledger", "50",
		      "--documents", "40", "--chunk-records", "64", "--seed", "7", (char *)NULL);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fkpkg failed");
	fk_intake_result res;
	uint8_t *der;
	size_t dn;
	ck_assert_ok(fk_intake_import_file(ctx, out, &keys, &res, &der, &dn, &err), &err);
	ck_assert_msg(res.applied, "refused: %s", res.receipt);
	ck_assert_int_eq(res.rejected, 0);
	ck_assert_int_eq(res.accepted[FK_REC_REGISTER], 300);
	ck_assert_int_eq(res.accepted[FK_REC_VERSION], 80);
	ck_assert_int_eq(res.accepted[FK_REC_REMOVAL], 20);
	ck_assert_int_eq(res.accepted[FK_REC_LEDGER], 50);
	ck_assert_int_eq(res.accepted[FK_REC_DOCUMENT], 40);
	receipt_verifies(der, dn, &res);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM register WHERE kind = 2"), 20);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM register_version"), 300 + 80 + 20);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT n FROM municipality_stats WHERE municipality = '131016' "
				     "AND kind = 1"), 280);
	free(der);
	fk_intake_result_clear(&res);
}
END_TEST

int main(void)
{
	static const char *const specs[] = {"131016", NULL};
	fkpki_load(&P, specs);
	Suite *s = suite_create("intake_file");
	TCase *tc = tcase_create("file");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_signed_package_is_applied_and_answered_with_a_signed_receipt);
	tcase_add_test(tc, a_chunk_that_does_not_match_refuses_the_package);
	tcase_add_test(tc, a_file_the_opener_refuses_gets_a_signed_refusal);
	tcase_add_test(tc, a_synthesised_package_goes_in_whole);
	suite_add_tcase(s, tc);
	int rc = fkt_run(s);
	fkpki_free(&P);
	return rc;
}
