/* Carrying out an approved export (R-PRINT 8(3), R-APPROVE; docs/approvals.md,
 * docs/package-format.md §13): the package opened with the core's reader and the recipient's
 * key, its signature (the terminal's certificate), its manifest and every register's content
 * checked against the store; and each protection with a test that fails without it — a
 * second export, a recipient certificate that is expired or not for encryption, a register
 * amended after approval, a disk that fills. */
#include "config.h"

#include <dirent.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fkt_pki.h"
#include "fktest.h"
#include "execute.h"
#include "outseq.h"
#include "pkgfile.h"
#include "pkgwrite.h"

#define M "131016" /* 千代田区, 東京法務局 */

static char pki[600];
static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static int64_t reg, reg2;
static int64_t fake_now;
static char outdir[700], to_ok[700], to_sign[700], to_ca[700], to_old[700], to_rsasign[700];

static int64_t clock_fn(void) { return fake_now; }
static void make_expired_recipient(const char *path);
static void make_rsa_signing_only(const char *path);

static void grant(const char *user, unsigned rights)
{
	fkt_act_as(ctx, NULL);
	fk_grant_spec g = {user, M, FK_KINDS_ALL, rights, 0, 0, "export tests"};
	int64_t id;
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
}

/* The terminal's receiving certificate, signed by the test CA: what signs its exports. */
static void install_receiving_cert(void)
{
	char *csr, *crt;
	size_t n;
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_pki_cert_request(ctx, NULL, &csr, &n, &err), &err);
	crt = fkt_pki_sign_csr(pki, csr, 400, &n);
	free(csr);
	ck_assert_ok(fk_pki_cert_install(ctx, (const uint8_t *)crt, n, &err), &err);
	free(crt);
}

static void setup(void)
{
	fkt_env_init(&env, "approval_valid = 2h");
	snprintf(outdir, sizeof outdir, "%s/out", env.dir);
	ck_assert_int_eq(mkdir(outdir, 0700), 0);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "op2", FK_ROLE_OPERATOR, "東京法務局");
	json_t *d = fkt_register("山田 太郎", "やまだ たろう", "東京都千代田区一番地");
	ck_assert_ok(fkt_store_add(ctx, M, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &reg, &err), &err);
	json_decref(d);
	d = fkt_register("鈴木 花子", "すずき はなこ", "東京都千代田区二番地");
	ck_assert_ok(fkt_store_add(ctx, M, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &reg2, &err), &err);
	json_decref(d);
	grant("op1", FK_RIGHT_VIEW | FK_RIGHT_EXPORT);
	grant("op2", FK_RIGHT_VIEW | FK_RIGHT_EXPORT);
	install_receiving_cert();
	fake_now = fk_now_ns();
	fk_authz_set_clock(clock_fn);
	fk_pkgw_test_fail_after = 0;
}

static void teardown(void)
{
	fk_authz_set_clock(NULL);
	fk_pkgw_test_fail_after = 0;
	fk_export_chunk_records = 1000;
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static int64_t approved(const char *who)
{
	int64_t id, ids[2] = {reg, reg2};
	fkt_act_as(ctx, who);
	ck_assert_ok(fk_request_make(ctx, FK_REQ_EXPORT, ids, 2, "他庁への写しの送付", &id, &err), &err);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	fkt_act_as(ctx, who);
	return id;
}

static void refused(fk_status s, fk_reason why)
{
	ck_assert_msg(s == FK_ERR_DENIED, "wanted a refusal, got %s: %s", fk_status_name(s), err.msg);
	ck_assert_msg(err.reason == (int)why, "refused as %s, wanted %s", fk_reason_id((fk_reason)err.reason),
		      fk_reason_id(why));
}

/* Files in the output folder, temporary ones included. */
static int out_files(void)
{
	DIR *d = opendir(outdir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static fk_status export_to(int64_t id, const char *to, const char *name, fk_export_result *r)
{
	char path[800];
	snprintf(path, sizeof path, "%s/%s", outdir, name);
	return fk_export_execute(ctx, id, to, path, r, &err);
}

/* ---- opening the package as a recipient would ---- */

/* dir/name as PEM: a certificate (key 0) or a private key (key 1). */
static void *pem_file(const char *dir, const char *name, int key)
{
	size_t n;
	uint8_t *b = fkt_pki_read(dir, name, &n);
	BIO *bio = BIO_new_mem_buf(b, (int)n);
	void *x = key ? (void *)PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
		      : (void *)PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(b);
	ck_assert_ptr_nonnull(x);
	return x;
}

typedef struct seen {
	int n;
	int64_t ids[4];
} seen;

/* Each record must be a register record whose content is the store's at the fixed version. */
static fk_status check_line(void *arg, int64_t index, const char *line, size_t n, fk_error *e)
{
	(void)index;
	(void)e;
	seen *s = arg;
	json_t *rec = json_loadb(line, n, 0, NULL);
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "type")), "register");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "kind")), "koseki");
	const char *ref = json_string_value(json_object_get(rec, "ref"));
	ck_assert_ptr_nonnull(ref);
	ck_assert(strncmp(ref, "FK-", 3) == 0);
	int64_t id = strtoll(ref + 3, NULL, 10);
	json_t *doc = NULL;
	ck_assert_ok(fk_store_read(ctx, id, 1, &doc, NULL, &err), &err);
	ck_assert_msg(json_equal(doc, json_object_get(rec, "content")), "register %lld differs", (long long)id);
	json_decref(doc);
	json_decref(rec);
	ck_assert_int_lt(s->n, 4);
	s->ids[s->n++] = id;
	return FK_OK;
}

static void open_and_check(const char *path, int64_t request, const char *number)
{
	X509_STORE *st = X509_STORE_new();
	X509 *ca = pem_file(pki, "ca.crt", 0);
	ck_assert_int_eq(X509_STORE_add_cert(st, ca), 1);
	X509_free(ca);
	size_t n;
	uint8_t *b = fkt_pki_read(pki, "ca.crl", &n);
	BIO *bio = BIO_new_mem_buf(b, (int)n);
	X509_CRL *crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(b);
	ck_assert_int_eq(X509_STORE_add_crl(st, crl), 1);
	X509_CRL_free(crl);
	EVP_PKEY *keys[1] = {pem_file(pki, "receiver2.key", 1)};
	X509 *certs[1] = {pem_file(pki, "receiver2.crt", 0)};
	fk_cms_keys k = {.store = st, .keys = keys, .certs = certs, .nkeys = 1, .now = fake_now / 1000000000,
			 .accept_export = 1};
	fk_pkg *p = NULL;
	fk_pkg_fail why;
	fk_cms_fail cwhy;
	/* the import's opener (no accept_export) never takes a terminal's export */
	k.accept_export = 0;
	ck_assert_int_eq(fk_pkg_open_file(path, &k, &p, &why, &cwhy, &err), FK_ERR_INVALID);
	ck_assert_int_eq(why, FK_PKG_FAIL_MANIFEST);
	k.accept_export = 1;
	ck_assert_ok(fk_pkg_open_file(path, &k, &p, &why, &cwhy, &err), &err);
	/* signed by this terminal's receiving certificate */
	fk_pki *pk = NULL;
	ck_assert_ok(fk_pki_load(ctx, fake_now / 1000000000, &pk, &err), &err);
	ck_assert_int_eq(X509_cmp(fk_pkg_signer(p), fk_pki_sign_cert(pk)), 0);
	fk_pki_free(pk);
	const fk_manifest *m = fk_pkg_manifest(p);
	ck_assert_str_eq(m->municipality, M);
	ck_assert_int_eq(m->kind, FK_PKG_FULL);
	ck_assert_int_eq(m->export_request, request);
	ck_assert_str_eq(m->export_output, number);
	ck_assert_int_eq(m->counts[FK_REC_REGISTER], 2);
	seen s = {0};
	for (int i = 0; i < m->nchunks; i++) {
		uint8_t *plain;
		size_t pn;
		ck_assert_ok(fk_pkg_chunk(p, i, &plain, &pn, &why, &cwhy, &err), &err);
		ck_assert_ok(fk_pkg_lines(plain, pn, check_line, &s, &err), &err);
		free(plain);
	}
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.ids[0], reg);
	ck_assert_int_eq(s.ids[1], reg2);
	fk_pkg_close(p);
	X509_STORE_free(st);
	EVP_PKEY_free(keys[0]);
	X509_free(certs[0]);
}

START_TEST(an_export_opens_with_the_recipients_key_and_holds_the_registers)
{
	fk_export_chunk_records = 1; /* two chunks: the chunking is checked too */
	int64_t id = approved("op1");
	fk_export_result r;
	ck_assert_ok(export_to(id, to_ok, "a.fkpkg", &r), &err);
	ck_assert(strstr(r.number, "/000001") != NULL);
	ck_assert_int_eq(r.registers, 2);
	ck_assert_int_eq(r.chunks, 2);
	struct stat sb;
	ck_assert_int_eq(stat(r.path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(out_files(), 1);
	open_and_check(r.path, id, r.number);
	ck_assert_int_eq(fkt_audit_count(ctx, "export.execute", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "export.package", "success", NULL), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM export_output WHERE request_id = 1"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE state = 'executed'"), 1);
	int64_t last = 0;
	ck_assert_ok(fk_outseq_get(ctx, &last, &err), &err);
	ck_assert_int_eq(last, 1);
}
END_TEST

START_TEST(an_export_is_carried_out_once_by_its_requester)
{
	int64_t id = approved("op1");
	fk_export_result r;
	fkt_act_as(ctx, "op2");
	refused(export_to(id, to_ok, "a.fkpkg", &r), FK_WHY_NOT_REQUESTER);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(export_to(id, to_ok, "a.fkpkg", &r), &err);
	refused(export_to(id, to_ok, "b.fkpkg", &r), FK_WHY_EXECUTED);
	ck_assert_int_eq(fkt_audit_count(ctx, "export.execute", "denied", "already-executed"), 1);
	ck_assert_int_eq(out_files(), 1);
	/* an existing file is never replaced */
	int64_t id2 = approved("op1");
	ck_assert_int_eq(export_to(id2, to_ok, "a.fkpkg", &r), FK_ERR_EXISTS);
}
END_TEST

START_TEST(a_recipient_certificate_not_for_encryption_or_expired_is_refused)
{
	make_expired_recipient(to_old);
	int64_t id = approved("op1");
	fk_export_result r;
	refused(export_to(id, to_sign, "a.fkpkg", &r), FK_WHY_INVALID); /* EC, digitalSignature only */
	ck_assert(strstr(err.msg, "RSA") || strstr(err.msg, "encryption"));
	make_rsa_signing_only(to_rsasign);
	refused(export_to(id, to_rsasign, "a.fkpkg", &r), FK_WHY_INVALID); /* RSA, no keyEncipherment */
	ck_assert_msg(strstr(err.msg, "keyEncipherment") != NULL, "%s", err.msg);
	refused(export_to(id, to_ca, "a.fkpkg", &r), FK_WHY_INVALID);
	ck_assert(strstr(err.msg, "CA") != NULL);
	refused(export_to(id, to_old, "a.fkpkg", &r), FK_WHY_INVALID);
	ck_assert_msg(strstr(err.msg, "expired") != NULL, "%s", err.msg);
	ck_assert_int_eq(fkt_audit_count(ctx, "export.execute", "denied", "invalid-request"), 4);
	ck_assert_int_eq(out_files(), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE state = 'approved'"), 1);
	ck_assert_ok(export_to(id, to_ok, "a.fkpkg", &r), &err); /* still approved: a good one works */
}
END_TEST

START_TEST(a_register_amended_after_approval_is_refused)
{
	int64_t id = approved("op1");
	int v;
	fk_export_result r;
	json_t *d = fkt_register("鈴木 花子", "すずき はなこ", "東京都千代田区三番地");
	ck_assert_ok(fkt_store_update(ctx, reg2, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &v, &err), &err);
	json_decref(d);
	fkt_act_as(ctx, "op1");
	refused(export_to(id, to_ok, "a.fkpkg", &r), FK_WHY_REGISTER_CHANGED);
	ck_assert_int_eq(out_files(), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM export_output"), 0);
}
END_TEST

START_TEST(a_full_disk_leaves_nothing_and_consumes_no_number)
{
	int64_t id = approved("op1");
	fk_export_result r;
	fk_pkgw_test_fail_after = 2000;
	ck_assert_int_eq(export_to(id, to_ok, "a.fkpkg", &r), FK_ERR_FULL);
	fk_pkgw_test_fail_after = 0;
	ck_assert_int_eq(out_files(), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM export_output"), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE state = 'approved'"), 1);
	int64_t last = 0;
	ck_assert_ok(fk_outseq_get(ctx, &last, &err), &err);
	ck_assert_int_eq(last, 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "export.execute", "failed", NULL), 1);
	ck_assert_ok(export_to(id, to_ok, "a.fkpkg", &r), &err);
	ck_assert(strstr(r.number, "/000001") != NULL); /* the failed attempt used no number */
}
END_TEST

START_TEST(prints_and_exports_share_one_counter)
{
	int64_t id = approved("op1");
	fk_export_result r;
	ck_assert_ok(fk_outseq_put(ctx, 41, &err), &err); /* as if 41 outputs had been made */
	ck_assert_ok(export_to(id, to_ok, "a.fkpkg", &r), &err);
	ck_assert(strstr(r.number, "/000042") != NULL);
	int64_t s = 0;
	ck_assert_ok(fk_output_first_serial(ctx, &s, &err), &err);
	ck_assert_int_eq(s, 43);
}
END_TEST

/* R-PRINT, R-LOGSEAL: an export row altered behind the terminal's back (its trigger dropped and put back)
 * to push the shared counter is refused at the next export, naming the row, and writes
 * nothing; a print reads the same row and is refused the same way. */
/* ---- the console's way: the export folder only, progress told ---- */

typedef struct told {
	int calls;
	int64_t done, total;
} told;

static void tell(void *arg, int64_t done, int64_t total)
{
	told *t = arg;
	t->calls++;
	t->done = done;
	t->total = total;
}

START_TEST(the_console_writes_only_in_the_export_folder_and_is_told_how_far)
{
	char path[1200];
	/* no folder configured: nothing to write into */
	ck_assert_int_eq(fk_export_folder_path(ctx, "a.fkpkg", path, sizeof path, &err), FK_ERR_CONFIG);
	free(ctx->cfg.export_folder);
	ctx->cfg.export_folder = strdup(outdir);
	ck_assert_ptr_nonnull(ctx->cfg.export_folder);
	/* a name, never a place: a folder in it, a hidden name, an empty or odd one */
	const char *bad[] = {"../a.fkpkg", "sub/a.fkpkg", "/tmp/a.fkpkg", ".a.fkpkg", "", "a b.fkpkg", "a\n.fkpkg"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(fk_export_folder_path(ctx, bad[i], path, sizeof path, &err) == FK_ERR_INVALID,
			      "'%s' was taken", bad[i]);
		ck_assert_int_eq(err.msg_id, FK_MSG_PACKAGE_NAME);
	}
	/* a folder others may read is refused, like the print spool */
	ck_assert_int_eq(chmod(outdir, 0750), 0);
	ck_assert_int_eq(fk_export_folder_path(ctx, "a.fkpkg", path, sizeof path, &err), FK_ERR_KEYPERM);
	ck_assert_int_eq(chmod(outdir, 0700), 0);
	ck_assert_ok(fk_export_folder_path(ctx, "a.fkpkg", path, sizeof path, &err), &err);
	ck_assert_str_eq(path + strlen(outdir), "/a.fkpkg");
	/* carried out as the console does, told register by register up to the last */
	int64_t id = approved("op1");
	fk_export_result r;
	told t = {0};
	fk_progress p = {.fn = tell, .arg = &t};
	ck_assert_ok(fk_export_carry_out(ctx, id, FK_REQ_EXPORT, to_ok, path, &p, &r, &err), &err);
	ck_assert_int_ge(t.calls, 1);
	ck_assert_int_eq(t.done, 2);
	ck_assert_int_eq(t.total, 2);
	ck_assert_int_eq(out_files(), 1);
}
END_TEST

START_TEST(an_altered_export_output_is_refused_at_the_next_export)
{
	fk_export_result r;
	int64_t first = approved("op1");
	ck_assert_ok(export_to(first, to_ok, "a.fkpkg", &r), &err);
	int64_t second = approved("op1");
	fkt_outside_past_trigger(&env, "export_output_no_update",
				 "UPDATE export_output SET serial = 900 WHERE id = 1");
	ck_assert_int_eq(export_to(second, to_ok, "b.fkpkg", &r), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "export_output row id=1") != NULL, "%s", err.msg);
	ck_assert_int_eq(out_files(), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM export_output"), 1);
	int64_t s = 0;
	ck_assert_int_eq(fk_output_first_serial(ctx, &s, &err), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "export_output row id=1") != NULL, "%s", err.msg);
}
END_TEST

/* An RSA certificate for encryption from the test CA, already expired. Made in a test (Check's
 * asserts work only there), once per process. */
static void make_expired_recipient(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return;
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509_REQ *rq = X509_REQ_new();
	ck_assert_ptr_nonnull(k);
	X509_NAME *nm = X509_REQ_get_subject_name(rq);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)"old recipient", -1, -1, 0);
	ck_assert_int_eq(X509_REQ_set_pubkey(rq, k), 1);
	ck_assert_int_gt(X509_REQ_sign(rq, k, EVP_sha256()), 0);
	BIO *b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_X509_REQ(b, rq), 1);
	char *csr, *crt;
	long n = BIO_get_mem_data(b, &csr);
	char *copy = strndup(csr, (size_t)n);
	size_t cn;
	crt = fkt_pki_sign_csr(pki, copy, -1, &cn);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(crt, 1, cn, f), cn);
	ck_assert_int_eq(fclose(f), 0);
	free(crt);
	free(copy);
	BIO_free(b);
	X509_REQ_free(rq);
	EVP_PKEY_free(k);
}

/* An RSA certificate from the test CA whose keyUsage allows signing only. */
static void make_rsa_signing_only(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return;
	EVP_PKEY *k = EVP_RSA_gen(2048);
	EVP_PKEY *cak = pem_file(pki, "ca.key", 1);
	X509 *ca = pem_file(pki, "ca.crt", 0);
	X509 *x = X509_new();
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x7f00);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"signing only", -1, -1, 0);
	ck_assert_int_eq(X509_set_issuer_name(x, X509_get_subject_name(ca)), 1);
	ck_assert_int_eq(X509_set_pubkey(x, k), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30));
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,digitalSignature");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ck_assert_int_gt(X509_sign(x, cak, EVP_sha256()), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	ck_assert_int_eq(fclose(f), 0);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
}

int main(void)
{
	static const char *const specs[] = {"131016", NULL};
	char top[500];
	fkt_pki_tmpdir(top, sizeof top);
	snprintf(pki, sizeof pki, "%s/a", top);
	fkt_pki_make(pki, specs);
	snprintf(to_ok, sizeof to_ok, "%s/receiver2.crt", pki);
	snprintf(to_sign, sizeof to_sign, "%s/muni-131016.crt", pki);
	snprintf(to_ca, sizeof to_ca, "%s/ca.crt", pki);
	snprintf(to_old, sizeof to_old, "%s/old.crt", pki);
	snprintf(to_rsasign, sizeof to_rsasign, "%s/rsa-sign.crt", pki);
	Suite *su = suite_create("export");
	TCase *tc = tcase_create("export");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_export_opens_with_the_recipients_key_and_holds_the_registers);
	tcase_add_test(tc, an_export_is_carried_out_once_by_its_requester);
	tcase_add_test(tc, a_recipient_certificate_not_for_encryption_or_expired_is_refused);
	tcase_add_test(tc, a_register_amended_after_approval_is_refused);
	tcase_add_test(tc, a_full_disk_leaves_nothing_and_consumes_no_number);
	tcase_add_test(tc, prints_and_exports_share_one_counter);
	tcase_add_test(tc, an_altered_export_output_is_refused_at_the_next_export);
	tcase_add_test(tc, the_console_writes_only_in_the_export_folder_and_is_told_how_far);
	suite_add_tcase(su, tc);
	int rc = fkt_run(su);
	fkt_pki_remove(top);
	return rc;
}
