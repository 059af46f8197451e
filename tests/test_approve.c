/* The four-eyes workflow and the print (R-APPROVE, R-PRINT, R-LOG; docs/approvals.md): each
 * protection with a test that fails without it — one's own request, another bureau's, an
 * expired approval, a second execution, a request without the right, a register amended
 * between approval and execution, a request row changed with sqlite3, a disk that fills, the
 * output counter behind or ahead of the database. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"
#include "outseq.h"
#include "resend.h"
#include "trust.h"

#define M "131016" /* 千代田区, 東京法務局 */

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static int64_t reg, reg2;
static int64_t fake_now;

static int64_t clock_fn(void) { return fake_now; }

static void grant(const char *user, unsigned rights)
{
	fkt_act_as(ctx, NULL);
	fk_grant_spec g = {user, M, FK_KINDS_ALL, rights, 0, 0, "approval tests"};
	int64_t id;
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
}

static void setup(void)
{
	char spool[700];
	fkt_env_init(&env, "print_spool = spool\napproval_valid = 2h");
	snprintf(spool, sizeof spool, "%s/spool", env.dir);
	ck_assert_int_eq(mkdir(spool, 0700), 0);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "sup2", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "osaka", FK_ROLE_SUPERVISOR, "大阪法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "op2", FK_ROLE_OPERATOR, "東京法務局");
	json_t *d = fkt_register("山田 太郎", "やまだ たろう", "東京都千代田区一番地");
	ck_assert_ok(fkt_store_add(ctx, M, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &reg, &err), &err);
	ck_assert_ok(fkt_store_add(ctx, M, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &reg2, &err), &err);
	json_decref(d);
	grant("op1", FK_RIGHT_VIEW | FK_RIGHT_PRINT);
	grant("sup", FK_RIGHT_VIEW | FK_RIGHT_PRINT);
	grant("op2", FK_RIGHT_VIEW);
	fake_now = fk_now_ns();
	fk_authz_set_clock(clock_fn);
	fk_print_test_fail_after = 0;
}

static void teardown(void)
{
	fk_authz_set_clock(NULL);
	fk_print_test_fail_after = 0;
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static int spool_files(void)
{
	char spool[700];
	snprintf(spool, sizeof spool, "%s/spool", env.dir);
	DIR *d = opendir(spool);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".print.", 7) == 0;
	closedir(d);
	return n;
}

/* A print request by who of the registers, approved by approver (NULL: left waiting). */
static int64_t approved(const char *who, const char *approver)
{
	int64_t id, ids[2] = {reg, reg2};
	fkt_act_as(ctx, who);
	ck_assert_ok(fk_request_make(ctx, FK_REQ_PRINT, ids, 2, "窓口請求", &id, &err), &err);
	if (approver) {
		fkt_act_as(ctx, approver);
		ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
	}
	return id;
}

static void refused(fk_status s, fk_reason why)
{
	ck_assert_msg(s == FK_ERR_DENIED, "wanted a refusal, got %s: %s", fk_status_name(s), err.msg);
	ck_assert_msg(err.reason == (int)why, "refused as %s, wanted %s", fk_reason_id((fk_reason)err.reason),
		      fk_reason_id(why));
}

static fk_status print(int64_t id, int *n)
{
	fk_print_result r;
	fk_status s = fk_print_execute(ctx, id, &r, &err);
	*n = r.n;
	fk_print_result_free(&r);
	return s;
}

START_TEST(the_whole_way_is_on_record)
{
	int64_t id = approved("op1", "sup");
	fk_print_result r;
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_print_execute(ctx, id, &r, &err), &err);
	ck_assert_int_eq(r.n, 2);
	ck_assert(strstr(r.copies[0].number, "/000001") != NULL);
	ck_assert(strstr(r.copies[1].number, "/000002") != NULL);
	ck_assert_int_ge(r.copies[0].pages, 1);
	struct stat st;
	ck_assert_int_eq(stat(r.copies[0].path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	fk_print_result_free(&r);
	ck_assert_int_eq(spool_files(), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.print", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.approve", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.copy", "success", NULL), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.execute", "success", NULL), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM print_output WHERE request_id = 1"), 2);
	int64_t last = 0;
	ck_assert_ok(fk_outseq_get(ctx, &last, &err), &err);
	ck_assert_int_eq(last, 2);
}
END_TEST

START_TEST(nobody_approves_their_own_request)
{
	int64_t id = approved("sup", NULL);
	fkt_act_as(ctx, "sup");
	refused(fk_request_decide(ctx, id, 1, "自分で", &err), FK_WHY_OWN_REQUEST);
	refused(fk_request_decide(ctx, id, 0, "自分で", &err), FK_WHY_OWN_REQUEST);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.approve", "denied", "own-request"), 1);
	fkt_act_as(ctx, "op1"); /* an operator decides nothing */
	refused(fk_request_decide(ctx, id, 1, "代わりに", &err), FK_WHY_ROLE);
	fkt_act_as(ctx, "sup2");
	ck_assert_ok(fk_request_decide(ctx, id, 1, "確認済み", &err), &err);
}
END_TEST

START_TEST(another_bureau_decides_nothing)
{
	int64_t id = approved("op1", NULL);
	fkt_act_as(ctx, "osaka");
	refused(fk_request_decide(ctx, id, 1, "他局", &err), FK_WHY_JURISDICTION);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.approve", "denied", "jurisdiction"), 1);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE state = 'waiting'"), 1);
}
END_TEST

START_TEST(an_expired_approval_is_refused_and_recorded_once)
{
	int64_t id = approved("op1", "sup");
	int n;
	fake_now += (int64_t)2 * 3600 * 1000000000 + 1;
	fkt_act_as(ctx, "op1");
	refused(print(id, &n), FK_WHY_APPROVAL_EXPIRED);
	refused(print(id, &n), FK_WHY_APPROVAL_EXPIRED);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.expire", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.execute", "denied", "approval-expired"), 2);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request WHERE state = 'expired'"), 1);
	ck_assert_int_eq(spool_files(), 0);
}
END_TEST

START_TEST(a_request_is_carried_out_once_by_its_requester)
{
	int64_t id = approved("op1", "sup");
	int n;
	fkt_act_as(ctx, "op2");
	refused(print(id, &n), FK_WHY_NOT_REQUESTER);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(print(id, &n), &err);
	refused(print(id, &n), FK_WHY_EXECUTED);
	ck_assert_int_eq(spool_files(), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.execute", "denied", "already-executed"), 1);
	/* waiting and rejected requests are not carried out */
	int64_t w = approved("op1", NULL);
	refused(print(w, &n), FK_WHY_NOT_APPROVED);
	fkt_act_as(ctx, "sup");
	ck_assert_ok(fk_request_decide(ctx, w, 0, "不要", &err), &err);
	refused(fk_request_decide(ctx, w, 1, "やはり", &err), FK_WHY_NOT_WAITING);
	fkt_act_as(ctx, "op1");
	refused(print(w, &n), FK_WHY_NOT_APPROVED);
}
END_TEST

START_TEST(a_request_needs_the_right_on_every_register)
{
	int64_t id, ids[1] = {reg};
	fkt_act_as(ctx, "op2"); /* may view, not print */
	refused(fk_request_make(ctx, FK_REQ_PRINT, ids, 1, "印刷", &id, &err), FK_WHY_NO_GRANT);
	ck_assert_int_eq(fkt_audit_count(ctx, "request.print", "denied", "no-grant"), 1);
	refused(fk_request_make(ctx, FK_REQ_EXPORT, ids, 1, "持出し", &id, &err), FK_WHY_NO_GRANT);
	fkt_act_as(ctx, "op1"); /* print, but not export or dispose */
	refused(fk_request_make(ctx, FK_REQ_DISPOSE, ids, 1, "廃棄", &id, &err), FK_WHY_NO_GRANT);
	int64_t none[1] = {reg + 1000};
	refused(fk_request_make(ctx, FK_REQ_PRINT, none, 1, "ない", &id, &err), FK_WHY_NOT_FOUND);
	int64_t twice[2] = {reg, reg};
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_PRINT, twice, 2, "二度", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_PRINT, ids, 1, "", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request"), 0);
}
END_TEST

/* An export or a return names up to 10,000 registers, a print or a disposal up to 1,000
 * (approve.h says why); a repeat is found wherever it stands in the list. */
START_TEST(a_request_is_bounded_by_its_kind)
{
	int64_t id, *ids = calloc(FK_REQ_ITEMS_MAX + 1, sizeof *ids);
	ck_assert_ptr_nonnull(ids);
	for (int i = 0; i <= FK_REQ_ITEMS_MAX; i++)
		ids[i] = reg + 100000 + i; /* none exists: past the bound, the decision refuses them */
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_PRINT, ids, 1001, "印刷", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_DISPOSE, ids, 1001, "廃棄", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_EXPORT, ids, 10001, "持出し", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_RETURN, ids, 10001, "返還", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM approval_request"), 0);
	/* within the bound, the list reaches the decision (which finds no such register) */
	refused(fk_request_make(ctx, FK_REQ_PRINT, ids, 1000, "印刷", &id, &err), FK_WHY_NOT_FOUND);
	refused(fk_request_make(ctx, FK_REQ_EXPORT, ids, 10000, "持出し", &id, &err), FK_WHY_NOT_FOUND);
	ids[9999] = ids[17]; /* the last one repeats an early one */
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_EXPORT, ids, 10000, "持出し", &id, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "named twice"));
	free(ids);
}
END_TEST

START_TEST(a_register_amended_after_the_request_is_refused)
{
	int64_t id = approved("op1", "sup");
	int v, n;
	json_t *d = fkt_register("山田 花子", "やまだ はなこ", "東京都千代田区一番地");
	ck_assert_ok(fkt_store_update(ctx, reg2, FK_KIND_KOSEKI, d, "test", fk_now_ns(), &v, &err), &err);
	json_decref(d);
	fkt_act_as(ctx, "op1");
	refused(print(id, &n), FK_WHY_REGISTER_CHANGED);
	ck_assert_int_eq(spool_files(), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM print_output"), 0);
}
END_TEST

/* Disposal (issue 12, later) will mark the register as this does, sealed and on record. */
START_TEST(a_register_disposed_of_after_approval_is_refused)
{
	int64_t id = approved("op1", "sup");
	int n;
	fk_stmt *st;
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_ctx_begin(ctx, &err), &err);
	ck_assert_ok(fk_trust_unseal(ctx, FK_T_REGISTER, FK_VAL_INT(reg), 0, &err), &err);
	ck_assert_ok(fk_ctx_stmt(ctx, "UPDATE register SET disposed_at = ?2 WHERE id = ?1", &st, &err), &err);
	fk_sql_bind_int64(st, 1, reg);
	fk_sql_bind_int64(st, 2, fk_now_ns());
	ck_assert_ok(fk_ctx_exec(ctx, st, &err, "disposing"), &err);
	ck_assert_ok(fk_trust_seal(ctx, FK_T_REGISTER, FK_VAL_INT(reg), &err), &err);
	ck_assert_ok(fk_audit_op(ctx, FK_OP_REGISTER_DISPOSE, "1", FK_RESULT_SUCCESS, "test", NULL, &err), &err);
	ck_assert_ok(fk_ctx_end(ctx, FK_OK, &err), &err);
	fkt_act_as(ctx, "op1");
	refused(print(id, &n), FK_WHY_REGISTER_GONE);
	ck_assert_int_eq(spool_files(), 0);
}
END_TEST

START_TEST(a_revoked_right_stops_the_execution)
{
	int64_t id = approved("op1", "sup");
	int n;
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_grant_revoke(ctx, fkt_scalar(ctx, "SELECT min(id) FROM permission_grant"), "異動", &err), &err);
	fkt_act_as(ctx, "op1");
	refused(print(id, &n), FK_WHY_GRANT_REVOKED);
}
END_TEST

START_TEST(a_changed_register_list_is_caught_by_the_mac)
{
	approved("op1", NULL);
	fk_ctx_close(ctx);
	fkt_outside(&env, "UPDATE approval_request SET items = '1:1', n_items = 1 WHERE id = 1");
	ctx = NULL;
	/* refused at the open, naming the row: the request no longer matches its MAC */
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_TAMPER);
	ck_assert(strstr(err.msg, "approval_request") != NULL);
}
END_TEST

START_TEST(a_changed_row_is_caught_while_running)
{
	int64_t id = approved("op1", "sup");
	int n;
	/* another process changes the approver behind the terminal's back */
	fkt_outside(&env, "UPDATE approval_request SET decided_by_user = 'sup2' WHERE id = 1");
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(print(id, &n), FK_ERR_TAMPER);
	ck_assert_int_eq(spool_files(), 0);
}
END_TEST

START_TEST(a_full_disk_leaves_nothing_and_consumes_no_number)
{
	int64_t id = approved("op1", "sup");
	int n;
	fkt_act_as(ctx, "op1");
	fk_print_test_fail_after = 2000;
	ck_assert_int_eq(print(id, &n), FK_ERR_FULL);
	ck_assert(strstr(err.msg, "No space") != NULL);
	ck_assert_int_eq(spool_files(), 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM print_output"), 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.execute", "failed", NULL), 1);
	int64_t last = -1;
	ck_assert_ok(fk_outseq_get(ctx, &last, &err), &err);
	ck_assert_int_eq(last, 0);
	fk_print_test_fail_after = 0;
	fk_print_result r;
	ck_assert_ok(fk_print_execute(ctx, id, &r, &err), &err);
	ck_assert(strstr(r.copies[0].number, "/000001") != NULL);
	fk_print_result_free(&r);
}
END_TEST

/* R-PRINT, R-LOGSEAL: the next number comes from the print with the largest serial, and that
 * row is checked against its MAC: one altered behind the terminal's back (its trigger dropped and put back)
 * to push the counter is refused at the next print, naming the row, and makes no copy. */
START_TEST(an_altered_print_output_is_refused_at_the_next_print)
{
	int n;
	int64_t first = approved("op1", "sup");
	fkt_act_as(ctx, "op1");
	ck_assert_ok(print(first, &n), &err);
	ck_assert_int_eq(n, 2);
	int64_t second = approved("op1", "sup");
	fkt_outside_past_trigger(&env, "print_output_no_update",
				 "UPDATE print_output SET serial = 900 WHERE serial = 2");
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(print(second, &n), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "print_output row id=2") != NULL, "%s", err.msg);
	ck_assert_int_eq(spool_files(), 2);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM print_output"), 2);
}
END_TEST

START_TEST(output_numbers_are_never_reused)
{
	fk_print_result r;
	int64_t id = approved("op1", "sup");
	/* the key folder's counter ahead of the database (a restored older database) */
	ck_assert_ok(fk_outseq_put(ctx, 41, &err), &err);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_print_execute(ctx, id, &r, &err), &err);
	ck_assert(strstr(r.copies[0].number, "/000042") != NULL);
	fk_print_result_free(&r);
	/* a counter file changed by hand is refused, not trusted */
	char path[700];
	snprintf(path, sizeof path, "%s/keys/%s", env.dir, FK_OUTSEQ_FILE);
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 15, SEEK_SET), 0);
	ck_assert_int_eq(fputc(1, f), 1);
	ck_assert_int_eq(fclose(f), 0);
	id = approved("op1", "sup");
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_print_execute(ctx, id, &r, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(spool_files(), 2);
}
END_TEST

START_TEST(a_return_is_of_one_municipality)
{
	int64_t other, id, gid;
	json_t *d = fkt_register("佐藤 一郎", "さとう いちろう", "東京都中央区一番地");
	ck_assert_ok(fkt_store_add(ctx, "131024", FK_KIND_KOSEKI, d, "test", fk_now_ns(), &other, &err), &err);
	json_decref(d);
	fkt_act_as(ctx, NULL);
	fk_grant_spec g = {"op1", NULL, FK_KINDS_ALL, FK_RIGHT_EXPORT, 0, 0, "返還の準備"};
	ck_assert_ok(fk_grant_add(ctx, &g, &gid, &err), &err);
	fkt_act_as(ctx, "op1");
	int64_t two[2] = {reg, other}, one[2] = {reg, reg2};
	/* a return names its municipality, never registers (R-DISPOSE 8(1)ク: all of its data) */
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_RETURN, one, 2, "返還", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_DISPOSE_MUNI, one, 2, "廃棄", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make_municipality(ctx, FK_REQ_RETURN, "13101", 0, "返還", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_request_make_municipality(ctx, FK_REQ_RETURN, "131016", 3, "返還", &id, &err), FK_ERR_INVALID);
	ck_assert_ok(fk_request_make_municipality(ctx, FK_REQ_RETURN, "131016", 0, "返還", &id, &err), &err);
	fk_request r;
	ck_assert_ok(fk_request_get(ctx, id, &r, &err), &err);
	ck_assert_str_eq(r.municipality, "131016");
	ck_assert_int_eq(r.n_items, 0);
	fk_request_clear(&r);
	/* an export is one package, and a package carries one municipality's registers */
	ck_assert_int_eq(fk_request_make(ctx, FK_REQ_EXPORT, two, 2, "他庁への写し", &id, &err), FK_ERR_INVALID);
	ck_assert_ok(fk_request_make(ctx, FK_REQ_EXPORT, one, 2, "他庁への写し", &id, &err), &err);
}
END_TEST

static int count_cb(const fk_request *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

START_TEST(lists_show_ones_own_or_the_bureaus)
{
	approved("op1", NULL);
	approved("sup", NULL);
	int n = 0;
	int64_t waiting;
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_list(ctx, FK_REQ_LIST_DEFAULT, 100, count_cb, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_ok(fk_request_waiting_count(ctx, &waiting, &err), &err);
	ck_assert_int_eq(waiting, 0);
	fkt_act_as(ctx, "sup2");
	n = 0;
	ck_assert_ok(fk_request_list(ctx, FK_REQ_LIST_WAITING, 100, count_cb, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	ck_assert_ok(fk_request_waiting_count(ctx, &waiting, &err), &err);
	ck_assert_int_eq(waiting, 2);
	fkt_act_as(ctx, "osaka");
	n = 0;
	ck_assert_ok(fk_request_list(ctx, FK_REQ_LIST_WAITING, 100, count_cb, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	/* three lists and two counts of the waiting ones, each decided and recorded (R-LOG) */
	ck_assert_int_eq(fkt_audit_count(ctx, "request.list", "success", NULL), 5);
}
END_TEST

/* ---- a copy left in the spool sent again (core/approve/resend.h; R-PRINT, R-APPROVE) ---- */

/* A print of both registers carried out by op1 (spool only), then a printer configured that
 * is not there (nothing listens on port 9): the copies are those a printer did not take. */
static int64_t spooled(char numbers[2][48])
{
	fk_print_result r;
	int64_t id = approved("op1", "sup");
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_print_execute(ctx, id, &r, &err), &err);
	for (int i = 0; i < 2; i++)
		snprintf(numbers[i], 48, "%s", r.copies[i].number);
	fk_print_result_free(&r);
	free(ctx->cfg.print_queue);
	ctx->cfg.print_queue = strdup("ipp://127.0.0.1:9/ipp/print");
	ck_assert_ptr_nonnull(ctx->cfg.print_queue);
	return id;
}

/* The spool's file of the copy numbered number ("1/2026/000001": fukuhon-1-2026-000001.pdf). */
static void copy_path(const char *number, char *path, size_t len)
{
	char name[64];
	snprintf(name, sizeof name, "fukuhon-%s.pdf", number);
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '-';
	snprintf(path, len, "%s/spool/%s", env.dir, name);
}

static fk_status resend(const char *number)
{
	fk_resend_result r;
	return fk_print_resend(ctx, number, &r, &err);
}

START_TEST(a_resend_is_the_requesters_within_the_approval)
{
	char n[2][48];
	fk_spooled got[2];
	int k = 0;
	int64_t id = spooled(n);
	/* someone else, even the approver: refused and recorded */
	fkt_act_as(ctx, "op2");
	refused(resend(n[0]), FK_WHY_NOT_REQUESTER);
	fkt_act_as(ctx, "sup");
	refused(resend(n[0]), FK_WHY_NOT_REQUESTER);
	/* they are not listed to anyone else either */
	ck_assert_ok(fk_print_spooled(ctx, id, got, 2, &k, &err), &err);
	ck_assert_int_eq(k, 0);
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_print_spooled(ctx, id, got, 2, &k, &err), &err);
	ck_assert_int_eq(k, 2);
	ck_assert_str_eq(got[1].number, n[1]);
	ck_assert_int_eq(got[1].state, FK_SPOOL_WAITING);
	/* a number nobody printed */
	refused(resend("1/2026/999999"), FK_WHY_NOT_FOUND);
	/* the requester, the printer down: allowed, the send failed and recorded, the copy kept */
	ck_assert_int_eq(resend(n[0]), FK_ERR_IO);
	ck_assert_int_eq(err.msg_id, FK_MSG_PRINTER_REFUSED);
	ck_assert_int_eq(spool_files(), 2);
	/* past the approval's validity: refused, whoever asks */
	fake_now += (int64_t)2 * 3600 * 1000000000 + 1;
	refused(resend(n[0]), FK_WHY_APPROVAL_EXPIRED);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.resend", "denied", "not-requester"), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.resend", "denied", "not-found"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.resend", "denied", "approval-expired"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.resend", "failed", NULL), 1);
	/* never a new print: no number used, nothing new on record */
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM print_output"), 2);
}
END_TEST

START_TEST(a_resend_sends_only_the_copy_on_record)
{
	char n[2][48], path[800];
	spooled(n);
	fkt_act_as(ctx, "op1");
	/* a file in the spool other than the copy recorded: refused, not sent */
	copy_path(n[0], path, sizeof path);
	FILE *f = fopen(path, "ab");
	ck_assert_ptr_nonnull(f);
	fputs("%% appended\n", f);
	fclose(f);
	refused(resend(n[0]), FK_WHY_TAMPERED);
	/* a copy no longer in the spool (the printer took it, or it was removed) */
	copy_path(n[1], path, sizeof path);
	ck_assert_int_eq(unlink(path), 0);
	refused(resend(n[1]), FK_WHY_NOT_FOUND);
	/* the print right ended since: the grant rule refuses */
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_grant_revoke(ctx, 1, "担当替え", &err), &err); /* op1's, the first granted */
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(resend(n[0]), FK_ERR_DENIED);
}
END_TEST

/* The attacker of docs/threat-model.md against a re-send: the copy's file name on record pointed
 * outside the spool (the row's MAC), the spool's copy replaced by a link to a file elsewhere
 * holding the same bytes (never followed: only a regular file in the spool is sent), the print
 * moved back from executed to approved to be printed again (the request's MAC, at the open). */
START_TEST(a_resend_never_leaves_the_spool)
{
	char n[2][48], path[800], elsewhere[800];
	spooled(n);
	fk_print_resend_test_printer = 1;
	fkt_act_as(ctx, "op1");
	fkt_outside_past_trigger(&env, "print_output_no_update",
				 "UPDATE print_output SET file_name = '../keys/trust.key' WHERE id = 1");
	ck_assert_int_eq(resend(n[0]), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "print_output row id=1") != NULL, "%s", err.msg);
	/* the second copy moved out of the spool, a link to it left in its place */
	copy_path(n[1], path, sizeof path);
	snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere.pdf", env.dir);
	ck_assert_int_eq(rename(path, elsewhere), 0);
	ck_assert_int_eq(symlink(elsewhere, path), 0);
	ck_assert_int_eq(resend(n[1]), FK_ERR_IO);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.resend", "success", NULL), 0);
	fk_print_resend_test_printer = 0;
	/* executed back to approved: the request's row no longer matches its MAC */
	fk_ctx_close(ctx);
	ctx = NULL;
	fkt_outside(&env, "UPDATE approval_request SET state = 'approved', executed_at = NULL WHERE id = 1");
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "approval_request row id=1") != NULL, "%s", err.msg);
}
END_TEST

/* Two requests' register lists swapped with sqlite3 (each list a valid one of this terminal):
 * the MAC binds a list to its request's id, so both rows are refused at the open. */
START_TEST(swapped_register_lists_are_caught)
{
	int64_t a, b;
	fkt_act_as(ctx, "op1");
	ck_assert_ok(fk_request_make(ctx, FK_REQ_PRINT, &reg, 1, "窓口請求", &a, &err), &err);
	ck_assert_ok(fk_request_make(ctx, FK_REQ_PRINT, &reg2, 1, "窓口請求", &b, &err), &err);
	fk_ctx_close(ctx);
	ctx = NULL;
	fkt_outside(&env, "UPDATE approval_request SET items = CASE id WHEN 1 THEN "
			  "(SELECT items FROM approval_request WHERE id = 2) ELSE "
			  "(SELECT items FROM approval_request WHERE id = 1) END WHERE id IN (1, 2)");
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "approval_request row id=") != NULL, "%s", err.msg);
}
END_TEST

/* A copy claimed by a re-send in another process (renamed with ".sending" after it and
 * locked while it is sent), and one such process dead: the first is refused with its own reason
 * and listed as being sent, the second listed as interrupted and taken over. */
START_TEST(a_copy_being_sent_elsewhere_is_refused_as_such_and_one_left_is_taken_over)
{
	char n[2][48], path[800], claimed[820];
	fk_spooled got[2];
	int k = 0;
	int64_t id = spooled(n);
	fkt_act_as(ctx, "op1");
	copy_path(n[0], path, sizeof path);
	snprintf(claimed, sizeof claimed, "%s.sending", path);
	ck_assert_int_eq(rename(path, claimed), 0);
	int fd = open(claimed, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0); /* the other process, sending */
	ck_assert_ok(fk_print_spooled(ctx, id, got, 2, &k, &err), &err);
	ck_assert_int_eq(k, 2);
	ck_assert_int_eq(got[0].state, FK_SPOOL_SENDING);
	ck_assert_int_eq(got[1].state, FK_SPOOL_WAITING);
	refused(resend(n[0]), FK_WHY_BEING_SENT);
	ck_assert_msg(strstr(err.msg, "another terminal or command") != NULL, "%s", err.msg);
	ck_assert_int_eq(fkt_audit_count(ctx, "print.resend", "denied", "being-sent"), 1);
	ck_assert_int_eq(access(claimed, F_OK), 0); /* left to the one sending it */
	/* that process died while sending: its lock is gone, the copy interrupted */
	close(fd);
	ck_assert_ok(fk_print_spooled(ctx, id, got, 2, &k, &err), &err);
	ck_assert_int_eq(got[0].state, FK_SPOOL_INTERRUPTED);
	ck_assert_str_eq(fk_spool_state_id(got[0].state), "interrupted");
	/* sent again, taken over (the printer down here: failed, back under its own name) */
	ck_assert_int_eq(resend(n[0]), FK_ERR_IO);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_ne(access(claimed, F_OK), 0);
	ck_assert_ok(fk_print_spooled(ctx, id, got, 2, &k, &err), &err);
	ck_assert_int_eq(got[0].state, FK_SPOOL_WAITING);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("approve");
	TCase *tc = tcase_create("four eyes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_whole_way_is_on_record);
	tcase_add_test(tc, nobody_approves_their_own_request);
	tcase_add_test(tc, another_bureau_decides_nothing);
	tcase_add_test(tc, an_expired_approval_is_refused_and_recorded_once);
	tcase_add_test(tc, a_request_is_carried_out_once_by_its_requester);
	tcase_add_test(tc, a_request_needs_the_right_on_every_register);
	tcase_add_test(tc, a_request_is_bounded_by_its_kind);
	tcase_add_test(tc, a_register_amended_after_the_request_is_refused);
	tcase_add_test(tc, a_register_disposed_of_after_approval_is_refused);
	tcase_add_test(tc, a_revoked_right_stops_the_execution);
	tcase_add_test(tc, a_changed_register_list_is_caught_by_the_mac);
	tcase_add_test(tc, a_changed_row_is_caught_while_running);
	tcase_add_test(tc, a_full_disk_leaves_nothing_and_consumes_no_number);
	tcase_add_test(tc, an_altered_print_output_is_refused_at_the_next_print);
	tcase_add_test(tc, output_numbers_are_never_reused);
	tcase_add_test(tc, lists_show_ones_own_or_the_bureaus);
	tcase_add_test(tc, a_return_is_of_one_municipality);
	tcase_add_test(tc, a_resend_is_the_requesters_within_the_approval);
	tcase_add_test(tc, a_resend_sends_only_the_copy_on_record);
	tcase_add_test(tc, a_resend_never_leaves_the_spool);
	tcase_add_test(tc, swapped_register_lists_are_caught);
	tcase_add_test(tc, a_copy_being_sent_elsewhere_is_refused_as_such_and_one_left_is_taken_over);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fkt_run(suite());
}
