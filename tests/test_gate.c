/* The operation table walked row by row (issue 9): every operation of core/audit/ops.h, made
 * through the core call that makes it, writes its record when allowed and its refusal when
 * refused; the gate decides every rule and records both, whoever calls it. A row added to the
 * table without a way here to make it fails the walk (R-ACCESS, R-LOG, R-FILES, R-ENROL). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "enrol.h"
#include "fkt_pki.h"
#include "fktest.h"
#include "import.h"
#include "resend.h"
#include "retcancel.h"
#include "returnjob.h"
#include "retire.h"
#include "keybackup.h"

#define M "131016" /* 千代田区: op1's grants */

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static int64_t reg, ledger, doc, bureau, g_spare, g_expiring;

/* ---- the terminal: one person of each kind ---- */

static int cb_any(void *arg)
{
	(void)arg;
	return 0;
}
static int lock_cb(const fk_lockout_row *r, void *a) { (void)r; return cb_any(a); }
static int op_cb(const fk_operator *o, void *a) { (void)o; return cb_any(a); }
static int grant_cb(const fk_grant *g, void *a) { (void)g; return cb_any(a); }
static int gop_cb(const fk_operator *o, const fk_grant *g, int n, void *a)
{
	(void)o, (void)g, (void)n;
	return cb_any(a);
}
static int cred_cb(const fk_credential *c, void *a) { (void)c; return cb_any(a); }
static int row_cb(const fk_audit_row *r, void *a) { (void)r; return cb_any(a); }
static int muni_cb(const fk_muni *m, void *a) { (void)m; return cb_any(a); }

static int64_t grant_as(const char *who, const char *user, const char *muni, unsigned kinds,
			unsigned rights, int64_t until)
{
	fkt_act_as(ctx, who);
	fk_grant_spec g = {user, muni, kinds, rights, 0, until, "gate walk"};
	int64_t id;
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
	return id;
}

static void setup(void)
{
	char spool[600];
	fkt_env_init(&env, "print_spool = spool");
	snprintf(spool, sizeof spool, "%s/spool", env.dir);
	ck_assert_int_eq(mkdir(spool, 0700), 0);
	ctx = fkt_ctx_init(&env);
	ck_assert_ok(fk_audit_k0_write(ctx, NULL, &err), &err);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "aud", FK_ROLE_AUDITOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "op2", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "op3", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "dis", FK_ROLE_OPERATOR, "東京法務局");
	ck_assert_ok(fk_operator_set_enabled(ctx, "dis", 0, &err), &err);
	json_t *d = fkt_register("山田 太郎", "やまだ たろう", "東京都千代田区一番地");
	ck_assert_ok(fkt_store_add(ctx, M, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &reg, &err), &err);
	int v;
	ck_assert_ok(fkt_store_update(ctx, reg, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &v, &err), &err);
	json_decref(d);
	json_t *p = json_pack("{s:s}", "受付番号", "第1号");
	ck_assert_ok(fkt_ledger_add(ctx, M, "2026-10-02", p, fk_now_ns(), &ledger, &err), &err);
	ck_assert_ok(fkt_doc_add(ctx, M, "出生届", reg, p, fk_now_ns(), &doc, &err), &err);
	json_decref(p);
	fk_bureau b;
	ck_assert_ok(fk_bureau_find(ctx, "東京法務局", &b, &err), &err);
	bureau = b.id;
	/* op1 may do everything with 千代田区's files; op2 nothing; op3's grant is revoked by
	 * the walk; the expiring one ends while the walk runs */
	grant_as("sup", "op1", M, FK_KINDS_ALL, FK_RIGHTS_ALL, 0);
	g_spare = grant_as("sup", "op3", M, FK_KIND_BIT(FK_FILE_KOSEKI), FK_RIGHT_VIEW, 0);
	g_expiring = grant_as("sup", "op3", M, FK_KIND_BIT(FK_FILE_LEDGER), FK_RIGHT_VIEW,
			      fk_now_ns() + 50 * 1000000LL);
	/* An alert for the walk to list and acknowledge (R-INTRUSION): op3 refused once with a
	 * threshold of one; then the refusals detector off, so that the walk's own refusals raise
	 * none and each operation's record stays the last (test_alert.c tests the detectors). */
	ctx->cfg.alert_refusals = 1;
	fkt_act_as(ctx, "op3");
	ck_assert_int_eq(fk_access_lockouts(ctx, lock_cb, NULL, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM alert"), 1);
	ctx->cfg.alert_refusals = 0;
	fkt_act_as(ctx, NULL);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

/* ---- the core call of each operation ---- */

typedef fk_status (*make_fn)(void);

static fk_status do_home(void)
{
	fk_muni_stat *rows = NULL;
	int n;
	fk_status s = fk_access_home(ctx, &rows, &n, &err);
	free(rows);
	return s;
}
static fk_status do_register_page(void)
{
	fk_reg_row rows[8];
	int n;
	int64_t total;
	return fk_access_register_page(ctx, M, FK_FILE_KOSEKI, 0, 1, 8, rows, &n, &total, &err);
}
static fk_status records_page(int kind)
{
	fk_record_row rows[8];
	int n;
	return fk_access_records_page(ctx, M, kind, 0, 8, rows, &n, &err);
}
static fk_status do_ledger_page(void) { return records_page(FK_FILE_LEDGER); }
static fk_status do_doc_page(void) { return records_page(FK_FILE_DOCS); }
static fk_status do_register_list(void)
{
	fk_reg_info rows[8];
	int n;
	return fk_access_list(ctx, M, FK_FILE_KOSEKI, 0, 8, rows, &n, &err);
}
static fk_status do_search(void)
{
	fk_search q = {.field = FK_FIELD_READING, .query = "やまだ", .municipality = M,
		       .kind = FK_FILE_KOSEKI, .limit = 8};
	int64_t ids[8];
	int n;
	return fk_access_search(ctx, &q, ids, &n, &err);
}
static fk_status do_counts(void)
{
	fk_access_counts_t c;
	return fk_access_counts(ctx, M, &c, &err);
}
static fk_status do_open(void)
{
	json_t *d = NULL;
	fk_status s = fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, reg, 0, &d, NULL, &err);
	json_decref(d);
	return s;
}
static fk_status do_versions(void)
{
	fk_reg_version v[4];
	int n;
	return fk_access_register_versions(ctx, reg, v, 4, &n, &err);
}
static fk_status do_compare(void)
{
	json_t *a = NULL, *b = NULL;
	fk_status s = fk_access_register_compare(ctx, reg, 1, 2, &a, &b, &err);
	json_decref(a);
	json_decref(b);
	return s;
}
static fk_status demand(fk_op op)
{
	fk_reg_info info;
	return fk_access_demand(ctx, op, reg, &info, &err);
}
static fk_status do_export(void) { return demand(FK_OP_REGISTER_EXPORT); }
static fk_status do_print(void) { return demand(FK_OP_REGISTER_PRINT); }
static fk_status do_dispose(void) { return demand(FK_OP_REGISTER_DISPOSE); }
static fk_status do_ledger_list(void)
{
	fk_ledger_info rows[4];
	int n;
	return fk_access_ledger_list(ctx, M, 0, 4, rows, &n, &err);
}
static fk_status do_ledger_open(void)
{
	json_t *p = NULL;
	fk_status s = fk_access_ledger_open(ctx, ledger, &p, &err);
	json_decref(p);
	return s;
}
static fk_status do_doc_list(void)
{
	fk_doc_info rows[4];
	int n;
	return fk_access_docs_list(ctx, M, 0, 4, rows, &n, &err);
}
static fk_status do_doc_open(void)
{
	json_t *p = NULL;
	fk_status s = fk_access_doc_open(ctx, doc, &p, &err);
	json_decref(p);
	return s;
}
static fk_status do_grant_add(void)
{
	fk_grant_spec g = {"op3", M, FK_KIND_BIT(FK_FILE_DOCS), FK_RIGHT_VIEW, 0, 0, "gate walk"};
	int64_t id;
	return fk_grant_add(ctx, &g, &id, &err);
}
static fk_status do_grant_revoke(void) { return fk_grant_revoke(ctx, g_spare, "gate walk", &err); }
static fk_status do_grant_list(void)
{
	fk_grant_filter f = {.user = "op1"};
	return fk_grant_list(ctx, &f, grant_cb, NULL, &err);
}
static fk_status do_grant_operators(void)
{
	return fk_grant_bureau_operators(ctx, bureau, gop_cb, NULL, &err);
}
static fk_status do_grant_matrix(void)
{
	fk_perm_matrix m;
	memset(&m, 0, sizeof m);
	fk_status s = fk_grant_matrix(ctx, "op1", &m, &err);
	fk_perm_matrix_free(&m);
	return s;
}
static fk_status do_history_view(void)
{
	fk_audit_filter f;
	fk_audit_row rows[4];
	int n = 0;
	memset(&f, 0, sizeof f);
	fk_status s = fk_access_history(ctx, &f, rows, 4, &n, &err);
	fk_audit_rows_free(rows, n);
	return s;
}
static fk_status history_each(fk_op op)
{
	fk_audit_filter f;
	memset(&f, 0, sizeof f);
	f.action = "grant";
	return fk_access_history_each(ctx, op, &f, row_cb, NULL, &err);
}
static fk_status do_history_list(void) { return history_each(FK_OP_HISTORY_LIST); }
static fk_status do_history_export(void) { return history_each(FK_OP_HISTORY_EXPORT); }
static fk_status do_history_verify(void)
{
	fk_verify_report r;
	return fk_access_history_verify(ctx, NULL, NULL, &r, &err);
}
static fk_status do_checkpoint(void)
{
	char path[700];
	fk_checkpoint cp;
	snprintf(path, sizeof path, "%s/kept-checkpoint.json", env.dir);
	return fk_access_checkpoint_export(ctx, path, &cp, &err);
}
static fk_status do_session_lock(void) { return fk_session_lock(ctx, "idle", &err); }
static fk_status do_lockouts(void) { return fk_access_lockouts(ctx, lock_cb, NULL, &err); }
static fk_status do_unlock(void) { return fk_lockout_unlock(ctx, "op2", "gate walk", &err); }
static fk_status do_operator_add(void)
{
	int64_t id;
	return fk_operator_add(ctx, "newcomer", FK_ROLE_OPERATOR, "東京法務局", "新人", &id, &err);
}
static fk_status do_operator_enable(void) { return fk_operator_set_enabled(ctx, "op3", 1, &err); }
static fk_status do_operator_disable(void) { return fk_operator_set_enabled(ctx, "op3", 0, &err); }
static fk_status do_operator_list(void) { return fk_people_list(ctx, op_cb, NULL, &err); }
static fk_status do_credential_add(void)
{
	return fk_credential_add(ctx, "nightly", "aud", "audit verify", &err);
}
static fk_status do_credential_revoke(void) { return fk_credential_revoke(ctx, "nightly", &err); }
static fk_status do_credential_list(void) { return fk_credential_list(ctx, cred_cb, NULL, &err); }
static fk_status do_bureau_list(void)
{
	fk_bureau b[64];
	int n;
	return fk_access_bureaus(ctx, b, 64, &n, &err);
}
static fk_status do_muni_list(void) { return fk_access_municipalities(ctx, "東京法務局", muni_cb, NULL, &err); }
static fk_status do_status(void)
{
	fk_health h;
	return fk_health_get(ctx, 0, &h, NULL, NULL, &err);
}
static fk_status do_health(void)
{
	fk_hc_report *r = calloc(1, sizeof *r);
	fk_status s = r ? fk_health_report(ctx, 0, r, NULL, NULL, &err) : FK_ERR_NOMEM;
	free(r);
	return s;
}
static fk_status do_lockdown_on(void) { return fk_lockdown_set(ctx, 1, "gate walk", &err); }
static fk_status do_lockdown_off(void) { return fk_lockdown_set(ctx, 0, "gate walk", &err); }
static fk_status do_lockdown_status(void)
{
	fk_lockdown ld;
	return fk_lockdown_status(ctx, &ld, &err);
}
static fk_status do_rotate(void)
{
	int64_t n;
	uint32_t id;
	return fk_key_rotate(ctx, 100, &n, &id, &err);
}
static fk_status do_reindex(void)
{
	int64_t lists, regs;
	return fk_reindex(ctx, M, 0, &lists, &regs, &err);
}
static fk_status do_reindex_tags(void)
{
	int64_t regs, added;
	return fk_reindex_tags(ctx, 200, &regs, &added, &err);
}
static fk_status do_demo(void)
{
	fk_demo_opts o = {.registers = 3, .seed = 7};
	fk_demo_stats st;
	return fk_demo_generate(ctx, &o, &st, &err);
}

/* The receiving side's certificates (issue 10): the test PKI made once, when first needed. */
static char csr[8192];
static const char *pki_dir(void)
{
	static char dir[600];
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/pki", env.dir);
		fkt_pki_make(dir, NULL);
	}
	return dir;
}
static fk_status pki_file(fk_status (*fn)(fk_ctx *, const uint8_t *, size_t, int64_t *, fk_error *),
			  const char *name)
{
	size_t n;
	uint8_t *b = fkt_pki_read(pki_dir(), name, &n);
	fk_status s = fn(ctx, b, n, NULL, &err);
	free(b);
	return s;
}
static fk_status do_ca_add(void) { return pki_file(fk_pki_ca_add, "ca.crt"); }
static fk_status do_crl_add(void) { return pki_file(fk_pki_crl_add, "ca.crl"); }
static int ca_cb(const fk_pki_ca_info *c, void *a) { (void)c; return cb_any(a); }
static fk_status do_ca_list(void) { return fk_pki_ca_list(ctx, ca_cb, NULL, &err); }
static fk_status do_ca_remove(void) { return fk_pki_ca_remove(ctx, "CN=Test municipal CA,O=fukuhon test", &err); }
static fk_status do_cert_request(void)
{
	char *p;
	size_t n;
	fk_status s = fk_pki_cert_request(ctx, NULL, &p, &n, &err);
	if (s == FK_OK)
		snprintf(csr, sizeof csr, "%s", p);
	free(p);
	return s;
}
static fk_status do_cert_install(void)
{
	size_t n;
	char *crt = fkt_pki_sign_csr(pki_dir(), csr, 400, &n);
	fk_status s = fk_pki_cert_install(ctx, (const uint8_t *)crt, n, &err);
	free(crt);
	return s;
}
static fk_status do_cert_status(void)
{
	fk_pki_state *st = malloc(sizeof *st);
	fk_status s = fk_pki_cert_status(ctx, st, &err);
	free(st);
	return s;
}

/* ---- the terminal's own steps (rule SYSTEM): made as they are made ---- */

static fk_status do_signin(void) { return fk_auth_test_signin(ctx, "op1", "gate-walk", &err); }
static fk_status do_expired(void)
{
	struct timespec ts = {0, 60 * 1000000L};
	nanosleep(&ts, NULL); /* past g_expiring's end */
	int n;
	fk_status s = fk_grant_sweep_expired(ctx, &n, &err);
	ck_assert_int_eq(n, 1);
	return s;
}
static fk_status do_seal(void)
{
	/* an epoch of one nanosecond is over by the next record, which seals it first */
	ctx->audit_epoch_ns = 1;
	fk_status s = fk_audit_op(ctx, FK_OP_SESSION_LOCK, "op1", FK_RESULT_SUCCESS, "", NULL, &err);
	ctx->audit_epoch_ns = 0;
	return s;
}
static fk_status do_lock(void)
{
	int locked = 0;
	fk_status s = FK_OK;
	for (int i = 0; s == FK_OK && !locked && i < 20; i++)
		s = fk_lockout_failure(ctx, "op2", 0, FK_OP_SIGNIN, "auth", 1, &locked, &err);
	ck_assert_int_eq(locked, 1);
	return s;
}
static fk_status do_start(void) { return fk_audit_start(ctx, "gate-walk", &err); }
static fk_status do_stop(void) { return fk_audit_stop(ctx, "gate-walk", &err); }

/* Packages (core/intake/import.h): one ledger entry per chunk. */
static fk_status walk_each(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *e)
{
	(void)arg;
	(void)chunk;
	fk_pkg_record r = {.type = FK_REC_LEDGER, .date = "2026-11-30"};
	r.entry = json_pack("{s:s}", "受付番号", "第1号");
	fk_status s = fn(fnarg, 0, &r, FK_REJECT_NONE, NULL, e);
	json_decref(r.entry);
	return s;
}
static fk_status walk_import(int64_t seq, int chunks)
{
	fk_manifest_chunk ch[2] = {{.records = 1}, {.records = 1}};
	fk_manifest m = {.municipality = "131016", .sequence = seq, .kind = FK_PKG_DELTA, .nchunks = chunks,
			 .chunks = ch};
	uint8_t digest[32] = {(uint8_t)seq, 'w', 'a', 'l', 'k'};
	fk_intake_pkg p = {.m = &m, .digest = digest, .signer = "131016", .src = {.each = walk_each}};
	fk_intake_result res;
	fk_status s = fk_intake_import(ctx, &p, &res, &err);
	fk_intake_result_clear(&res);
	return s;
}
static fk_status do_import(void) { return walk_import(1, 1); }
static fk_status do_abandon(void)
{
	/* a package left staging (stopped after its first chunk), then abandoned */
	fk_intake_stop_after = 1;
	fk_status s = walk_import(2, 2);
	fk_intake_stop_after = 0;
	ck_assert(s == FK_ERR_INTERNAL || s == FK_ERR_DENIED);
	int64_t removed;
	return fk_intake_abandon(ctx, 0, &removed, &err);
}
static fk_status do_pkg_list(void)
{
	fk_pkg_info rows[4];
	int n;
	fk_status s = fk_intake_packages(ctx, NULL, rows, 4, &n, &err);
	ck_assert(s != FK_OK || n == 1); /* the package do_import applied, of the bureau */
	return s;
}
static fk_status do_pkg_open(void)
{
	fk_pkg_detail d;
	fk_pkg_reject_info rej[4];
	int n;
	return fk_intake_package(ctx, fkt_scalar(ctx, "SELECT max(id) FROM package"), NULL, &d, rej, 4,
				 &n, &err);
}

/* ---- the four-eyes workflow (core/approve/): op1 asks, sup decides, op1 prints ---- */

static fk_status request_kind(fk_req_kind k)
{
	int64_t id, ids[1] = {reg};
	return fk_request_make(ctx, k, ids, 1, "gate walk", &id, &err);
}
static fk_status do_request_print(void) { return request_kind(FK_REQ_PRINT); }
static fk_status do_request_export(void) { return request_kind(FK_REQ_EXPORT); }
static fk_status do_request_dispose(void) { return request_kind(FK_REQ_DISPOSE); }
static fk_status do_request_return(void)
{
	int64_t id;
	return fk_request_make_municipality(ctx, FK_REQ_RETURN, M, 0, "gate walk", &id, &err);
}
/* the print request is the first made, the return the last: approve one, reject the other */
static fk_status do_request_approve(void)
{
	return fk_request_decide(ctx, fkt_scalar(ctx, "SELECT min(id) FROM approval_request"), 1, "gate walk", &err);
}
static fk_status do_request_reject(void)
{
	return fk_request_decide(ctx, fkt_scalar(ctx, "SELECT max(id) FROM approval_request"), 0, "gate walk", &err);
}
static int req_cb(const fk_request *r, void *a) { (void)r; return cb_any(a); }
static fk_status do_alert_list(void)
{
	fk_alert rows[4];
	int n;
	return fk_alert_list(ctx, 1, rows, 4, &n, &err);
}
static fk_status do_alert_ack(void)
{
	return fk_alert_ack(ctx, fkt_scalar(ctx, "SELECT min(id) FROM alert"), "gate walk", &err);
}
static fk_status do_request_list(void) { return fk_request_list(ctx, FK_REQ_LIST_DEFAULT, 10, req_cb, NULL, &err); }
static fk_status do_print_execute(void)
{
	fk_print_result r;
	fk_status s = fk_print_execute(ctx, fkt_scalar(ctx, "SELECT min(id) FROM approval_request"), &r, &err);
	fk_print_result_free(&r);
	return s;
}

/* The copy op1's print left in the spool (no print_queue when it ran) sent again to a printer
 * that is pretended (resend.h): its requester succeeds, anyone else is refused. */
static fk_status do_print_resend(void)
{
	char who[72];
	fk_spooled nums[4];
	int n = 0;
	fk_resend_result r;
	free(ctx->cfg.print_queue);
	ctx->cfg.print_queue = strdup("ipp://127.0.0.1:9/ipp/print");
	ck_assert_ptr_nonnull(ctx->cfg.print_queue);
	fk_print_resend_test_printer = 1;
	/* the first copy's number, read as the requester lists it (anyone else lists none) */
	snprintf(who, sizeof who, "%s", ctx->actor.user);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_print_spooled(ctx, fkt_scalar(ctx, "SELECT min(request_id) FROM print_output"), nums, 4, &n,
				      &err), &err);
	ck_assert_int_ge(n, 1);
	fkt_act_as(ctx, who);
	fk_status s = fk_print_resend(ctx, nums[0].number, &r, &err);
	fk_print_resend_test_printer = 0;
	ctx->cfg.print_queue[0] = '\0';
	return s;
}

/* The export request (the second made) approved by sup if it is still waiting, then carried
 * out by whoever walks: the requester (op1) succeeds, anyone else is refused. */
static fk_status do_export_execute(void)
{
	char who[72], path[700], to[700];
	int64_t id = fkt_scalar(ctx, "SELECT min(id) FROM approval_request WHERE kind = 'export'");
	snprintf(who, sizeof who, "%s", ctx->actor.user);
	if (fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE kind = 'export' AND state = 'waiting'")) {
		fkt_act_as(ctx, "sup");
		ck_assert_ok(fk_request_decide(ctx, id, 1, "gate walk", &err), &err);
		fkt_act_as(ctx, who);
	}
	snprintf(path, sizeof path, "%s/walk-%s.fkpkg", env.dir, who);
	snprintf(to, sizeof to, "%s/receiver2.crt", pki_dir());
	fk_export_result r;
	return fk_export_execute(ctx, id, to, path, &r, &err);
}

/* A return of 千代田区 (returnjob.h) to its own certificate under the walk's CA: a request of
 * op1's made and approved if none is open (the walk's own return request is rejected by the
 * reject row), then carried out by whoever walks. */
static fk_status do_return_execute(void)
{
	char who[72], path[700], to[700];
	const char *const specs[] = {M ":enc", NULL};
	size_t n;
	snprintf(who, sizeof who, "%s", ctx->actor.user);
	fkt_pki_make(pki_dir(), specs);
	fkt_act_as(ctx, "admin");
	uint8_t *b = fkt_pki_read(pki_dir(), "ca.crt", &n);
	fk_status s = fk_pki_ca_add(ctx, b, n, NULL, &err);
	free(b);
	ck_assert(s == FK_OK || s == FK_ERR_EXISTS);
	b = fkt_pki_read(pki_dir(), "ca.crl", &n);
	s = fk_pki_crl_add(ctx, b, n, NULL, &err);
	free(b);
	ck_assert(s == FK_OK || s == FK_ERR_EXISTS);
	int64_t id = fkt_scalar(ctx, "SELECT max(id) FROM approval_request WHERE kind = 'return' AND state IN ('waiting', 'approved')");
	if (!id) {
		fkt_act_as(ctx, "op1");
		ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_RETURN, M, 0, "gate walk", &id, &err), &err);
	}
	if (fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE kind = 'return' AND state = 'waiting'")) {
		fkt_act_as(ctx, "sup");
		ck_assert_ok(fk_request_decide(ctx, id, 1, "gate walk", &err), &err);
	}
	fkt_act_as(ctx, who);
	snprintf(path, sizeof path, "%s/walk-return-%s.fkpkg", env.dir, who);
	snprintf(to, sizeof to, "%s/muni-enc-%s.crt", pki_dir(), M);
	fk_export_result r;
	return fk_return_execute(ctx, id, to, path, &r, &err);
}

static void die_in_step(int step)
{
	(void)step;
	raise(SIGKILL); /* a return interrupted: left running */
}

/* A return of M left running by a run killed in its first step (made once), given up by
 * whoever walks: its requester (op1) succeeds, an operator who is neither it nor a supervisor
 * (op2) is refused. */
static fk_status do_return_cancel(void)
{
	char who[72], path[700], to[700];
	fk_return_cancel_result r;
	int status = 0;
	snprintf(who, sizeof who, "%s", ctx->actor.user);
	int64_t id = fkt_scalar(ctx, "SELECT coalesce(max(id), 0) FROM approval_request WHERE kind = 'return' AND state = 'running'");
	if (!id) {
		fkt_act_as(ctx, "op1");
		ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_RETURN, M, 0, "gate walk", &id, &err), &err);
		fkt_act_as(ctx, "sup");
		ck_assert_ok(fk_request_decide(ctx, id, 1, "gate walk", &err), &err);
		snprintf(path, sizeof path, "%s/walk-return-cancel.fkpkg", env.dir);
		snprintf(to, sizeof to, "%s/muni-enc-%s.crt", pki_dir(), M);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			fk_ctx *c = fkt_ctx_open(&env);
			fk_export_result x;
			fkt_act_as(c, "op1");
			fk_return_test_hook = die_in_step;
			fk_return_execute(c, id, to, path, &x, &err);
			_exit(0); /* not reached: the hook kills it */
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
	}
	fkt_act_as(ctx, who);
	return fk_return_cancel(ctx, id, "gate walk", &r, &err);
}

/* ---- jurisdiction (core/admin/jurisdiction.h): changes that leave the walk's terminal as it was ---- */

static fk_status do_juris_list(void) { return fk_jurisdiction_list(ctx, "東京法務局", muni_cb, NULL, &err); }
static fk_status do_juris_assign(void)
{
	fk_juris_move mv;
	return fk_jurisdiction_assign(ctx, M, "東京法務局", "gate walk", &mv, &err);
}
static fk_status do_juris_import(void)
{
	char path[700];
	snprintf(path, sizeof path, "%s/walk-juris.csv", env.dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "code,office\n%s,東京法務局\n", M);
	ck_assert_int_eq(fclose(f), 0);
	fk_juris_report rep;
	return fk_jurisdiction_import(ctx, path, "gate walk", NULL, NULL, &rep, &err);
}
static fk_status do_office_add(void)
{
	int64_t id;
	return fk_jurisdiction_office_add(ctx, "歩行支局", NULL, "東京法務局", "gate walk", &id, &err);
}

/* Backups (core/admin/backup.h): each person's own folder, so that a refusal leaves nothing in
 * the way of the allowed call; verify reads the administrator's. */
static const char *walk_path(const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%s/walk-%s-%s", env.dir, what, ctx->actor.user);
	return buf;
}
static fk_status do_backup_create(void)
{
	char path[700];
	fk_backup_info i;
	return fk_backup_create(ctx, walk_path("backup", path, sizeof path), &i, &err);
}
static fk_status do_backup_verify(void)
{
	char path[700];
	fk_backup_info i;
	snprintf(path, sizeof path, "%s/walk-backup-admin", env.dir);
	return fk_backup_verify(ctx, path, NULL, NULL, NULL, &i, &err);
}
/* The decision restore makes once the copy is in place (core/admin/restore.c); the whole
 * restore is walked by tests/backup.sh and tests/restore_drill.sh. */
static fk_status do_backup_restore(void)
{
	fk_authz_req r = {.op = FK_OP_BACKUP_RESTORE};
	return fk_gate_check(ctx, &r, "walk", "gate walk", &err);
}
/* The decisions restore --database-restored and migrate make once the store opens
 * (core/admin/restore.c, core/admin/migrate.c); walked whole by tests/pg_restore_drill.sh and
 * tests/migrate.sh. */
static fk_status do_store_recover(void)
{
	fk_authz_req r = {.op = FK_OP_STORE_RECOVER};
	return fk_gate_check(ctx, &r, "walk", "gate walk", &err);
}
static fk_status do_migrate(void)
{
	fk_authz_req r = {.op = FK_OP_MIGRATE};
	return fk_gate_check(ctx, &r, "walk", "gate walk", &err);
}
static int walk_pass(void *arg, char *buf, size_t len)
{
	(void)arg;
	snprintf(buf, len, "gate walk passphrase");
	return 0;
}
static fk_status do_backup_keys(void)
{
	char path[700];
	int n;
	return fk_key_backup(ctx, walk_path("keys", path, sizeof path), walk_pass, NULL, &n, &err);
}
static fk_status do_backup_prune(void)
{
	int n;
	return fk_backup_prune(ctx, env.dir, 1, &n, &err);
}

/* The disposal request approved by sup if it is still waiting, then carried out by whoever
 * walks: the requester (op1) succeeds, anyone else is refused. */
static fk_status do_dispose_execute(void)
{
	char who[72];
	int64_t id = fkt_scalar(ctx, "SELECT min(id) FROM approval_request WHERE kind = 'dispose'");
	snprintf(who, sizeof who, "%s", ctx->actor.user);
	if (fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE kind = 'dispose' AND state = 'waiting'")) {
		fkt_act_as(ctx, "sup");
		ck_assert_ok(fk_request_decide(ctx, id, 1, "gate walk", &err), &err);
		fkt_act_as(ctx, who);
	}
	fk_dispose_result r;
	fk_status s = fk_dispose_execute(ctx, id, &r, &err);
	fk_dispose_result_free(&r);
	return s;
}

/* A whole municipality (munidispose.c): asked for, approved by sup if it is still waiting,
 * carried out by whoever walks (the requester succeeds, anyone else is refused). Last in the
 * walk: it disposes of everything of 千代田区. */
static fk_status do_request_dispose_muni(void)
{
	int64_t id;
	return fk_request_make_municipality(ctx, FK_REQ_DISPOSE_MUNI, M, 0, "gate walk", &id, &err);
}
static fk_status do_dispose_muni_execute(void)
{
	char who[72];
	int64_t id = fkt_scalar(ctx, "SELECT min(id) FROM approval_request WHERE kind = 'dispose-municipality'");
	snprintf(who, sizeof who, "%s", ctx->actor.user);
	if (fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE kind = 'dispose-municipality' AND state = 'waiting'")) {
		fkt_act_as(ctx, "sup");
		ck_assert_ok(fk_request_decide(ctx, id, 1, "gate walk", &err), &err);
		fkt_act_as(ctx, who);
	}
	fk_muni_dispose_result r;
	return fk_muni_dispose_execute(ctx, id, &r, &err);
}

/* After the municipality's disposal walked above: re-opened for packages. */
static fk_status do_muni_reopen(void)
{
	fk_reopen_result r;
	return fk_muni_reopen(ctx, M, "gate walk", &r, &err);
}
static fk_status do_key_destroy_old(void)
{
	unsigned n;
	return fk_key_destroy_old(ctx, "gate walk", &n, &err);
}

/* Enrolling a terminal (core/admin/enrol.h): terminal ta's shared keys for terminal tb. */
static const char *enrol_file(const char *name, char *buf, size_t len)
{
	static char dir[600];
	if (!dir[0]) {
		const char *specs[] = {"ta:terminal", "tb:terminal", NULL};
		snprintf(dir, sizeof dir, "%s/enrol-pki", env.dir);
		fkt_pki_make(dir, specs);
	}
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}
static fk_status do_key_export(void)
{
	char out[700], tb[700], ta[700], tak[700];
	fk_enrol_export x = {.for_cert = enrol_file("tb.crt", tb, sizeof tb),
			     .signer_cert = enrol_file("ta.crt", ta, sizeof ta),
			     .signer_key = enrol_file("ta.key", tak, sizeof tak),
			     .out = walk_path("enrol", out, sizeof out), .valid_s = 3600};
	fk_enrol_result r;
	return fk_key_export(ctx, &x, &r, &err);
}
/* The package opened as tb would, then its import decided and recorded on this store (the
 * keys are not written: this terminal has its own). The package is made by admin. */
static fk_status do_key_import(void)
{
	char pkg[700], ta[700], tb[700], tbk[700], who[72];
	struct stat sb;
	snprintf(pkg, sizeof pkg, "%s/walk-enrol-admin", env.dir);
	if (stat(pkg, &sb) != 0) {
		snprintf(who, sizeof who, "%s", ctx->actor.user);
		fkt_act_as(ctx, "admin");
		ck_assert_ok(do_key_export(), &err);
		fkt_act_as(ctx, who);
	}
	fk_enrol_pkg *p = NULL;
	ck_assert_ok(fk_key_import_open(pkg, enrol_file("ta.crt", ta, sizeof ta), enrol_file("tb.crt", tb, sizeof tb),
					enrol_file("tb.key", tbk, sizeof tbk), (int64_t)time(NULL), &p, &err),
		     &err);
	fk_status st = fk_key_import_record(ctx, p, &err);
	fk_enrol_pkg_free(p);
	return st;
}

/* A terminal that wrote a record into this store (its id set for one record, as a terminal's
 * whose configured id changed), retired: each call a terminal of its own. */
static fk_status do_terminal_retire(void)
{
	static int n;
	char id[32], *own = ctx->cfg.terminal_id;
	int64_t last;
	snprintf(id, sizeof id, "walk-terminal-%d", ++n);
	ctx->cfg.terminal_id = id;
	fk_status st = fk_audit(ctx, "walk.record", "terminal", id, FK_RESULT_SUCCESS, "", "", &err);
	ctx->cfg.terminal_id = own;
	ck_assert_ok(st, &err);
	return fk_terminal_retire(ctx, id, "gate walk", &last, &err);
}

/* ---- the table of the walk ---- */

/* ok: who may (NULL: nobody signed in); no: who may not (NULL: nobody is refused: the
 * terminal's own steps and public reference data). */
typedef struct walk {
	fk_op op;
	make_fn make;
	const char *ok, *no;
	int records; /* records of the operation one allowed call writes (usually 1; 0: one or
		      * more, for one per part of its work) */
} walk;

static const walk table[] = {
	{FK_OP_VIEW_HOME, do_home, "op1", "dis", 1},
	{FK_OP_REGISTER_PAGE, do_register_page, "op1", "op2", 1},
	{FK_OP_LEDGER_PAGE, do_ledger_page, "op1", "op2", 1},
	{FK_OP_DOC_PAGE, do_doc_page, "op1", "op2", 1},
	{FK_OP_REGISTER_LIST, do_register_list, "op1", "op2", 1},
	{FK_OP_REGISTER_SEARCH, do_search, "op1", "op2", 1},
	{FK_OP_COUNTS, do_counts, "op1", "op2", 1},
	{FK_OP_REGISTER_OPEN, do_open, "op1", "op2", 1},
	{FK_OP_REGISTER_VERSIONS, do_versions, "op1", "op2", 1},
	{FK_OP_REGISTER_COMPARE, do_compare, "op1", "op2", 1},
	{FK_OP_REGISTER_EXPORT, do_export, "op1", "op2", 1},
	{FK_OP_REGISTER_PRINT, do_print, "op1", "op2", 1},
	{FK_OP_REGISTER_DISPOSE, do_dispose, "op1", "op2", 1},
	{FK_OP_LEDGER_LIST, do_ledger_list, "op1", "op2", 1},
	{FK_OP_LEDGER_OPEN, do_ledger_open, "op1", "op2", 1},
	{FK_OP_DOC_LIST, do_doc_list, "op1", "op2", 1},
	{FK_OP_DOC_OPEN, do_doc_open, "op1", "op2", 1},
	{FK_OP_GRANT_ADD, do_grant_add, "sup", "op1", 1},
	{FK_OP_GRANT_REVOKE, do_grant_revoke, "sup", "op1", 1},
	{FK_OP_GRANT_LIST, do_grant_list, "sup", "op2", 1},
	{FK_OP_GRANT_OPERATORS, do_grant_operators, "sup", "op1", 1},
	{FK_OP_GRANT_MATRIX, do_grant_matrix, "sup", "op2", 1},
	{FK_OP_GRANT_EXPIRED, do_expired, "op1", NULL, 1},
	{FK_OP_HISTORY_VIEW, do_history_view, "aud", "op1", 1},
	{FK_OP_HISTORY_LIST, do_history_list, "aud", "sup", 1},
	{FK_OP_HISTORY_EXPORT, do_history_export, "admin", "op1", 1},
	{FK_OP_HISTORY_VERIFY, do_history_verify, "aud", "sup", 1},
	{FK_OP_HISTORY_CHECKPOINT, do_checkpoint, "aud", "op1", 1},
	{FK_OP_HISTORY_SEAL, do_seal, "op1", NULL, 1},
	{FK_OP_SIGNIN, do_signin, NULL, NULL, 1},
	{FK_OP_SESSION_LOCK, do_session_lock, "op1", "dis", 1},
	{FK_OP_LOCKOUT_VIEW, do_lockouts, "sup", "op1", 1},
	{FK_OP_LOCKOUT_LOCK, do_lock, NULL, NULL, 1},
	{FK_OP_LOCKOUT_UNLOCK, do_unlock, "sup", "op1", 1},
	{FK_OP_OPERATOR_ADD, do_operator_add, "admin", "sup", 1},
	{FK_OP_OPERATOR_ENABLE, do_operator_enable, "admin", "sup", 1},
	{FK_OP_OPERATOR_DISABLE, do_operator_disable, "admin", "aud", 1},
	{FK_OP_OPERATOR_LIST, do_operator_list, "aud", "op1", 1},
	{FK_OP_CREDENTIAL_ADD, do_credential_add, "admin", "sup", 1},
	{FK_OP_CREDENTIAL_REVOKE, do_credential_revoke, "admin", "aud", 1},
	{FK_OP_CREDENTIAL_LIST, do_credential_list, "aud", "op1", 1},
	{FK_OP_BUREAU_LIST, do_bureau_list, NULL, NULL, 1},
	{FK_OP_MUNICIPALITY_LIST, do_muni_list, NULL, NULL, 1},
	{FK_OP_STATUS_VIEW, do_status, "aud", "sup", 1},
	{FK_OP_KEY_ROTATE, do_rotate, "admin", "sup", 1},
	{FK_OP_REINDEX, do_reindex, "admin", "sup", 0}, /* one per list rebuilt */
	{FK_OP_DEMO_DATA, do_demo, "admin", "sup", 1},
	{FK_OP_IMPORT, do_import, "admin", "sup", 0}, /* one per step: staging, chunk, published */
	{FK_OP_IMPORT_ABANDON, do_abandon, "admin", "aud", 0}, /* one per batch of rows removed */
	{FK_OP_PACKAGE_LIST, do_pkg_list, "sup", "aud", 1},
	{FK_OP_PACKAGE_OPEN, do_pkg_open, "op1", "aud", 1},
	{FK_OP_PROGRAM_START, do_start, NULL, NULL, 1},
	{FK_OP_PROGRAM_STOP, do_stop, NULL, NULL, 1},
	{FK_OP_PKI_CA_ADD, do_ca_add, "admin", "sup", 1},
	{FK_OP_PKI_CA_LIST, do_ca_list, "sup", "op1", 1},
	{FK_OP_PKI_CRL_ADD, do_crl_add, "admin", "sup", 1},
	{FK_OP_PKI_CERT_REQUEST, do_cert_request, "admin", "aud", 1},
	{FK_OP_PKI_CERT_INSTALL, do_cert_install, "admin", "sup", 1},
	{FK_OP_PKI_CERT_STATUS, do_cert_status, "aud", "op1", 1},
	{FK_OP_PKI_CA_REMOVE, do_ca_remove, "admin", "sup", 1},
	{FK_OP_REQUEST_PRINT, do_request_print, "op1", "op2", 1},
	{FK_OP_REQUEST_EXPORT, do_request_export, "op1", "op2", 1},
	{FK_OP_REQUEST_DISPOSE, do_request_dispose, "op1", "op2", 1},
	{FK_OP_REQUEST_RETURN, do_request_return, "op1", "op2", 1},
	{FK_OP_REQUEST_APPROVE, do_request_approve, "sup", "op1", 1},
	{FK_OP_REQUEST_REJECT, do_request_reject, "sup", "aud", 1},
	{FK_OP_REQUEST_LIST, do_request_list, "op1", "dis", 1},
	{FK_OP_PRINT_EXECUTE, do_print_execute, "op1", "op2", 1},
	{FK_OP_PRINT_RESEND, do_print_resend, "op1", "op2", 1},
	{FK_OP_EXPORT_EXECUTE, do_export_execute, "op1", "op2", 1},
	{FK_OP_RETURN_EXECUTE, do_return_execute, "op1", "op2", 1},
	{FK_OP_RETURN_CANCEL, do_return_cancel, "op1", "op2", 1},
	{FK_OP_ALERT_LIST, do_alert_list, "sup", "op1", 1},
	{FK_OP_ALERT_ACK, do_alert_ack, "sup", "aud", 1},
	{FK_OP_JURIS_LIST, do_juris_list, "sup", "op1", 1},
	{FK_OP_JURIS_ASSIGN, do_juris_assign, "admin", "sup", 1},
	{FK_OP_JURIS_IMPORT, do_juris_import, "admin", "aud", 1},
	{FK_OP_JURIS_OFFICE_ADD, do_office_add, "admin", "sup", 1},
	{FK_OP_HEALTH_VIEW, do_health, "sup", "op1", 1},
	{FK_OP_LOCKDOWN_ON, do_lockdown_on, "admin", "sup", 1},
	{FK_OP_LOCKDOWN_OFF, do_lockdown_off, "admin", "aud", 1},
	{FK_OP_LOCKDOWN_VIEW, do_lockdown_status, "aud", "op1", 1},
	{FK_OP_BACKUP_CREATE, do_backup_create, "admin", "aud", 1},
	{FK_OP_BACKUP_VERIFY, do_backup_verify, "admin", "aud", 1},
	{FK_OP_BACKUP_RESTORE, do_backup_restore, "admin", "sup", 1},
	{FK_OP_BACKUP_KEYS, do_backup_keys, "admin", "op1", 1},
	{FK_OP_BACKUP_PRUNE, do_backup_prune, "admin", "sup", 1},
	{FK_OP_DISPOSE_EXECUTE, do_dispose_execute, "op1", "op2", 1},
	{FK_OP_REQUEST_DISPOSE_MUNI, do_request_dispose_muni, "op1", "op2", 1},
	{FK_OP_DISPOSE_MUNI_EXECUTE, do_dispose_muni_execute, "op1", "op2", 1},
	{FK_OP_REINDEX_TAGS, do_reindex_tags, "admin", "sup", 0}, /* one per step and the outcome */
	{FK_OP_STORE_RECOVER, do_store_recover, "admin", "sup", 1},
	{FK_OP_MIGRATE, do_migrate, "admin", "sup", 1},
	{FK_OP_MUNI_REOPEN, do_muni_reopen, "sup", "op1", 1},
	{FK_OP_KEY_DESTROY_OLD, do_key_destroy_old, "admin", "sup", 1},
	{FK_OP_KEY_EXPORT, do_key_export, "admin", "sup", 1},
	{FK_OP_KEY_IMPORT, do_key_import, "admin", "aud", 1},
	{FK_OP_TERMINAL_RETIRE, do_terminal_retire, "sup", "op1", 1},
};

/* The terminal's own steps made elsewhere, each by the test that makes it as it happens. */
static const struct {
	fk_op op;
	const char *where;
} elsewhere[] = {
	{FK_OP_SIGNOUT, "test_auth.c, e2e_login.sh (a PAM session ends)"},
	{FK_OP_SESSION_UNLOCK, "test_auth.c (reauth), e2e_login.sh (idle lock)"},
	{FK_OP_PASSWORD_CHANGE, "test_auth.c, e2e_login.sh (an expired password)"},
	{FK_OP_LOCKOUT_RESERVE, "test_auth.c (ten consoles at the prompt)"},
	{FK_OP_LOCKOUT_EXPIRE, "test_lockout.c, e2e_login.sh (a lock's end)"},
	{FK_OP_KEY_ANNOUNCE, "test_rotate.c (a new master key)"},
	{FK_OP_INIT, "cli.sh, ctl_pam.sh (fukuhonctl init)"},
	{FK_OP_TERMINAL_CREATE, "every test (fk_terminal_create)"},
	{FK_OP_REFERENCE_LOAD, "every test (fk_terminal_create)"},
	{FK_OP_TRUST_ADOPT, "test_trust.c (a terminal from before the trust base)"},
	{FK_OP_INDEX_KEY_ADOPT, "test_indexkey.c (a terminal from before the check value)"},
	{FK_OP_RECEIVE, "receiver.sh (fukuhon-receiver: a package delivered over TLS)"},
	{FK_OP_REQUEST_EXPIRE, "test_approve.c (an approval past approval_valid)"},
	{FK_OP_PRINT_COPY, "test_approve.c, approve.sh (each PDF of a print)"},
	{FK_OP_EXPORT_PACKAGE, "test_export.c (each package an export writes)"},
	{FK_OP_ALERT_RAISE, "test_alert.c, tui_alerts.sh (each detector reaching its threshold)"},
	{FK_OP_JURIS_MOVE, "test_juris.c (each municipality an import moves)"},
	{FK_OP_HEALTH_CHECK, "test_health.c, health.sh (health --check, status --check)"},
	{FK_OP_DISPOSE_REGISTER, "test_dispose.c, dispose.sh (each register a disposal erases)"},
	{FK_OP_DISPOSE_REAPPLY, "test_dispose.c (a restored key or register disposed of again at open)"},
	{FK_OP_PRINT_SEND, "print_ipp.sh (each copy sent to the printer, or refused by it)"},
	{FK_OP_DISPOSE_MUNI_BATCH, "dispose_muni.sh, test_dispose_muni.c (each short transaction of a municipality's disposal)"},
	{FK_OP_RETURN_PACKAGE, "return.sh, test_gate.c's return.execute (the package a return writes)"},
	{FK_OP_KEY_ROTATION_DUE, "test_dispose.c, dispose.sh (a disposal makes the rotation due, a rotation clears it)"},
	{FK_OP_RETURN_STEP, "return.sh, test_dispose_muni.c (a return's steps outside its decision's transaction)"},
	{FK_OP_MUNI_REOPEN_STEP, "test_intake.c (a re-opening's references released in short steps)"},
};

static const walk *find(fk_op op)
{
	for (size_t i = 0; i < FK_ARRAY_LEN(table); i++)
		if (table[i].op == op)
			return &table[i];
	return NULL;
}

/* Every row of the operation table is walked here or named where it is made; a row made
 * elsewhere is one of the terminal's own steps, which nobody is refused. */
START_TEST(every_operation_is_walked)
{
	for (int op = FK_OP_NONE + 1; op < FK_OP_COUNT; op++) {
		int other = 0;
		for (size_t i = 0; i < FK_ARRAY_LEN(elsewhere); i++)
			other += elsewhere[i].op == (fk_op)op;
		ck_assert_msg(find((fk_op)op) || other, "operation %s is in ops.h but not walked",
			      fk_op_name((fk_op)op));
		ck_assert_msg(!(find((fk_op)op) && other), "%s twice", fk_op_name((fk_op)op));
		if (other)
			ck_assert_msg(fk_op_get((fk_op)op)->rule == FK_RULE_SYSTEM,
				      "%s is a person's operation: walk it here", fk_op_name((fk_op)op));
	}
	for (size_t i = 0; i < FK_ARRAY_LEN(table); i++) {
		const fk_op_info *o = fk_op_get(table[i].op);
		/* only the terminal's steps and public data refuse nobody */
		ck_assert_msg(table[i].no || o->rule == FK_RULE_SYSTEM || o->rule == FK_RULE_PUBLIC,
			      "%s: walk a refusal too", o->name);
	}
}
END_TEST

static void act(const char *who)
{
	if (who)
		fkt_act_as(ctx, who);
	else
		fk_ctx_act_as_nobody(ctx);
}

/* Each row in turn, in the table's order (some build on the one before): refused first,
 * then allowed, each checked in the history. */
START_TEST(each_operation_records_itself_and_its_refusal)
{
	for (size_t i = 0; i < FK_ARRAY_LEN(table); i++) {
		const walk *w = &table[i];
		const char *name = fk_op_name(w->op);
		if (fkt_pg() && w->op == FK_OP_TERMINAL_RETIRE) {
			/* do_terminal_retire plays the other terminal by switching this one's id for a
			 * record: on a shared store that is (rightly) this terminal's chain cut, refused
			 * whenever the trust base checks again — at once when another database's
			 * transactions move the cluster's ids, as the unit tests' parallel pass does */
			fkt_skip_on_pg(name, "another terminal played by switching this one's id: on a shared store "
				       "a cut chain; retiring, its refusals and its record on PostgreSQL are "
				       "tests/keydist.sh's");
			continue;
		}
		if (w->no) {
			act(w->no);
			int before = fkt_audit_count(ctx, name, "denied", NULL);
			fk_error_clear(&err);
			fk_status s = w->make();
			ck_assert_msg(s == FK_ERR_DENIED, "%s as %s: %s (%s), wanted a refusal", name, w->no,
				      fk_status_name(s), err.msg);
			ck_assert_msg(err.reason != FK_WHY_NONE, "%s: a refusal without a reason", name);
			ck_assert_msg(fkt_audit_count(ctx, name, "denied", fk_reason_id(err.reason)) == before + 1,
				      "%s as %s: the refusal (%s) is not on record once", name, w->no,
				      fk_reason_id(err.reason));
		}
		act(w->ok);
		int before = fkt_audit_count(ctx, name, "success", NULL);
		fk_error_clear(&err);
		if (fkt_pg() && (w->op == FK_OP_BACKUP_CREATE || w->op == FK_OP_BACKUP_VERIFY)) {
			/* allowed, then refused by the backup itself: the database is its server's */
			ck_assert_int_ne(w->make(), FK_OK);
			if (w->op == FK_OP_BACKUP_CREATE)
				ck_assert_msg(strstr(err.msg, "pg_basebackup"), "%s: %s", name, err.msg);
			fkt_skip_on_pg(name, "a PostgreSQL store is backed up and verified on its server "
				       "(pg_basebackup; tests/pg_restore_drill.sh): its refusal is walked, not "
				       "its success");
			continue;
		}
		fk_status s = w->make();
		ck_assert_msg(s == FK_OK, "%s as %s: %s (%s)", name, w->ok ? w->ok : "nobody",
			      fk_status_name(s), err.msg);
		int after = fkt_audit_count(ctx, name, "success", NULL);
		ck_assert_msg(w->records ? after == before + w->records : after > before,
			      "%s as %s: %d records of it, wanted %d", name, w->ok ? w->ok : "nobody",
			      after - before, w->records);
	}
}
END_TEST

/* The gate alone, for every row: the rule decides, and both outcomes are on record under the
 * operation's name, object type and object, whoever calls it. */
static const char *allowed_for(const fk_op_info *o)
{
	static const char *by_role[FK_ROLE_ADMIN + 1];
	by_role[FK_ROLE_OPERATOR] = "op1";
	by_role[FK_ROLE_SUPERVISOR] = "sup";
	by_role[FK_ROLE_AUDITOR] = "aud";
	by_role[FK_ROLE_ADMIN] = FKT_ADMIN;
	switch (o->rule) {
	case FK_RULE_SYSTEM:
	case FK_RULE_PUBLIC:
		return NULL;
	case FK_RULE_ANYONE:
	case FK_RULE_FILE:
		return "op1";
	case FK_RULE_MANAGE:
		return "sup";
	default:
		for (int r = 0; r <= FK_ROLE_ADMIN; r++)
			if (o->mask & (1u << r) && by_role[r])
				return by_role[r];
		return NULL;
	}
}

static const char *refused_for(const fk_op_info *o)
{
	static const char *const people[] = {"op1", "sup", "aud", FKT_ADMIN};
	static const fk_role roles[] = {FK_ROLE_OPERATOR, FK_ROLE_SUPERVISOR, FK_ROLE_AUDITOR, FK_ROLE_ADMIN};
	switch (o->rule) {
	case FK_RULE_SYSTEM:
	case FK_RULE_PUBLIC:
		return NULL;
	case FK_RULE_ANYONE:
		return "dis";
	case FK_RULE_FILE:
		return "op2";
	case FK_RULE_MANAGE:
		return "op1";
	default:
		for (size_t i = 0; i < FK_ARRAY_LEN(people); i++)
			if (!(o->mask & (1u << roles[i])))
				return people[i];
		return "dis";
	}
}

static int64_t last_seq(void)
{
	return fkt_scalar(ctx, "SELECT max(seq) FROM audit_log");
}

static void last_record_is(const fk_op_info *o, const char *result, const char *reason)
{
	fk_audit_filter f;
	fk_audit_row r;
	int n = 0;
	memset(&f, 0, sizeof f);
	f.after_seq = last_seq() - 1;
	ck_assert_ok(fk_audit_query(ctx, &f, &r, 1, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(r.action, o->name);
	ck_assert_str_eq(r.object_type, o->otype);
	ck_assert_str_eq(r.object_id, "walked");
	ck_assert_str_eq(r.result, result);
	if (reason)
		ck_assert_str_eq(r.reason, reason);
	fk_audit_rows_free(&r, n);
}

START_TEST(the_gate_decides_and_records_every_rule)
{
	for (int op = FK_OP_NONE + 1; op < FK_OP_COUNT; op++) {
		const fk_op_info *o = fk_op_get((fk_op)op);
		fk_authz_req r = {.op = (fk_op)op, .municipality = M, .kind = FK_FILE_KOSEKI,
				  .kinds = FK_KIND_BIT(FK_FILE_KOSEKI), .rights = FK_RIGHT_VIEW,
				  .target_operator = fkt_scalar(ctx, "SELECT id FROM operator WHERE username = 'op3'"),
				  .target_bureau = bureau,
				  .target_name = "op3"};
		const char *no = refused_for(o);
		if (no) {
			act(no);
			ck_assert_msg(fk_gate_check(ctx, &r, "walked", NULL, &err) == FK_ERR_DENIED,
				      "%s as %s was not refused", o->name, no);
			last_record_is(o, "denied", fk_reason_id(err.reason));
		}
		act(allowed_for(o));
		ck_assert_msg(fk_gate_check(ctx, &r, "walked", NULL, &err) == FK_OK, "%s: %s", o->name, err.msg);
		last_record_is(o, "success", NULL);
		/* nobody signed in may do only what is public or the terminal's own */
		if (o->rule != FK_RULE_SYSTEM && o->rule != FK_RULE_PUBLIC) {
			act(NULL);
			ck_assert_msg(fk_gate_check(ctx, &r, "walked", NULL, &err) == FK_ERR_DENIED,
				      "%s by nobody was not refused", o->name);
			last_record_is(o, "denied", "not-enrolled");
		}
	}
}
END_TEST

/* Roles are decided on the person's row as it is at each request, not as it was at sign-in:
 * a supervisor disabled and an auditor who lost the role on another terminal lose the
 * lockout screen and the history at their next request (issue 9). */
START_TEST(roles_are_decided_on_the_row_as_it_is_now)
{
	fk_ctx *other = fkt_ctx_open(&env); /* another terminal's administrator */
	fkt_act_as(ctx, "sup");
	ck_assert_ok(do_lockouts(), &err);
	ck_assert_ok(fk_operator_set_enabled(other, "sup", 0, &err), &err);
	ck_assert_int_eq(do_lockouts(), FK_ERR_DENIED);
	ck_assert_str_eq(fk_reason_id(err.reason), "disabled");
	ck_assert_int_eq(do_unlock(), FK_ERR_DENIED);
	fkt_act_as(ctx, "aud");
	ck_assert_ok(do_history_view(), &err);
	ck_assert_ok(fk_operator_set_enabled(other, "aud", 0, &err), &err);
	ck_assert_int_eq(do_history_view(), FK_ERR_DENIED);
	ck_assert_int_eq(do_history_list(), FK_ERR_DENIED);
	ck_assert_int_eq(do_history_verify(), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "view.history", "denied", "disabled"), 1);
	fk_ctx_close(other);
}
END_TEST

/* A test terminal's TESTING rule holds on a production terminal too: there it refuses. */
START_TEST(testing_operations_are_refused_on_production)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
	fkt_env_init(&env, NULL);
	fk_bootstrap b = {.admin = FKT_ADMIN, .bureau = "東京法務局", .mode = FK_MODE_PRODUCTION};
	ck_assert_ok(fk_terminal_create(env.config, &b, &ctx, &err), &err);
	for (int op = FK_OP_NONE + 1; op < FK_OP_COUNT; op++) {
		const fk_op_info *o = fk_op_get((fk_op)op);
		if (o->rule != FK_RULE_TESTING)
			continue;
		fk_authz_req r = {.op = (fk_op)op};
		ck_assert_int_eq(fk_gate_check(ctx, &r, "walked", NULL, &err), FK_ERR_DENIED);
		last_record_is(o, "denied", "not-a-test-terminal");
	}
	/* and through its core call */
	fk_demo_opts o = {.registers = 3, .seed = 7};
	fk_demo_stats st;
	ck_assert_int_eq(fk_demo_generate(ctx, &o, &st, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM register"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_operation_is_walked);
	tcase_add_test(tc, each_operation_records_itself_and_its_refusal);
	tcase_add_test(tc, the_gate_decides_and_records_every_rule);
	tcase_add_test(tc, roles_are_decided_on_the_row_as_it_is_now);
	tcase_add_test(tc, testing_operations_are_refused_on_production);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
