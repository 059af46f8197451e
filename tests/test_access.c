/* Unit tests: the authorised access API: search, counts and lists never reveal what the
 * operator may not view, paging over the permitted set, ids cannot be probed, every
 * success and refusal recorded. R-FILES, R-JURIS, R-ACCESS, R-LOG. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fktest.h"

#define HOUR (3600LL * 1000000000LL)

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static int64_t chiyoda[7], chuo[5], chiyoda_joseki[2], sapporo[3];
static int64_t fake_now;

static int64_t test_clock(void)
{
	return fake_now;
}

static int64_t add(const char *muni, fk_reg_kind kind)
{
	json_t *doc = fkt_register("山田 太郎", "やまだ たろう", "東京都千代田区一番地");
	int64_t id;
	ck_assert_ok(fkt_store_add(ctx, muni, kind, doc, "test", fk_now_ns(), &id, &err), &err);
	json_decref(doc);
	return id;
}

static void grant(const char *user, const char *muni, unsigned kinds, unsigned rights,
		  int64_t until)
{
	fk_actor saved = ctx->actor;
	fkt_act_as(ctx, NULL);
	fk_grant_spec g = {user, muni, kinds, rights, 0, until, "test"};
	int64_t id;
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
	ctx->actor = saved;
}

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "aud", FK_ROLE_AUDITOR, "東京法務局");
	fkt_enrol(ctx, "opdis", FK_ROLE_OPERATOR, "東京法務局");
	/* Interleaved, so permitted ids are not one contiguous run. */
	for (int i = 0, a = 0, b = 0, c = 0; i < 7; i++) {
		chiyoda[i] = add("131016", FK_KIND_KOSEKI);
		if (b < 5)
			chuo[b++] = add("131024", FK_KIND_KOSEKI);
		if (c < 3)
			sapporo[c++] = add("011002", FK_KIND_KOSEKI);
		if (a < 2)
			chiyoda_joseki[a++] = add("131016", FK_KIND_JOSEKI);
	}
	grant("op1", "131016", FK_KIND_BIT(FK_FILE_KOSEKI), FK_RIGHT_VIEW, 0);
	grant("opdis", "131016", FK_KIND_BIT(FK_FILE_KOSEKI), FK_RIGHT_VIEW, 0);
	ck_assert_ok(fk_operator_set_enabled(ctx, "opdis", 0, &err), &err);
	fkt_act_as(ctx, "op1");
}

static void teardown(void)
{
	fk_authz_set_clock(NULL);
	fk_ctx_close(ctx);
	ctx = NULL;
	fkt_env_cleanup(&env);
}

static int search(const char *muni, int kind, int64_t after, int limit, int64_t *ids, fk_status want)
{
	fk_search q = {FK_FIELD_NAME, "山田 太郎", muni, 0, kind, after, limit};
	int n = -1;
	ck_assert_int_eq(fk_access_search(ctx, &q, ids, &n, &err), want);
	return n;
}

START_TEST(search_and_counts_reveal_only_permitted)
{
	int64_t ids[100];
	int n = search(NULL, 0, 0, 100, ids, FK_OK);
	ck_assert_int_eq(n, 7);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(ids[i], chiyoda[i]);
	/* the reading index too */
	fk_search q = {FK_FIELD_READING, "やまだ", NULL, 0, 0, 0, 100};
	ck_assert_ok(fk_access_search(ctx, &q, ids, &n, &err), &err);
	ck_assert_int_eq(n, 7);
	/* a caller cannot widen the set by asking for a bureau */
	fk_search wide = {FK_FIELD_NAME, "山田 太郎", NULL, 1, 0, 0, 100};
	ck_assert_ok(fk_access_search(ctx, &wide, ids, &n, &err), &err);
	ck_assert_int_eq(n, 7);
	fk_access_counts_t c;
	ck_assert_ok(fk_access_counts(ctx, NULL, &c, &err), &err);
	ck_assert_int_eq(c.n[0], 7);
	ck_assert_int_eq(c.n[1], 0);
	ck_assert_int_eq(c.n[2], 0);
	/* not permitted: a municipality of our bureau, another bureau's, a kind */
	search("131024", 0, 0, 100, ids, FK_ERR_DENIED);
	search("011002", 0, 0, 100, ids, FK_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(err.msg, "jurisdiction"));
	search(NULL, FK_FILE_JOSEKI, 0, 100, ids, FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_counts(ctx, "011002", &c, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.search", "success", NULL), 3);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.search", "denied", "no-grant"), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.search", "denied", "jurisdiction"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "counts", "denied", "jurisdiction"), 1);
	/* once 除籍 is granted too, both kinds and only those */
	grant("op1", "131016", FK_KIND_BIT(FK_FILE_JOSEKI), FK_RIGHT_VIEW, 0);
	ck_assert_int_eq(search(NULL, 0, 0, 100, ids, FK_OK), 9);
	ck_assert_int_eq(search(NULL, FK_FILE_JOSEKI, 0, 100, ids, FK_OK), 2);
	ck_assert_int_eq(ids[0], chiyoda_joseki[0]);
	ck_assert_ok(fk_access_counts(ctx, "131016", &c, &err), &err);
	ck_assert_int_eq(c.n[0] + c.n[1], 9);
}
END_TEST

START_TEST(paging_over_permitted_results)
{
	int64_t ids[3], seen[16], after = 0;
	int total = 0, pages = 0, n;
	while ((n = search(NULL, 0, after, 3, ids, FK_OK)) > 0) {
		pages++;
		for (int i = 0; i < n; i++) {
			ck_assert_int_gt(ids[i], after);
			seen[total++] = after = ids[i];
		}
	}
	ck_assert_int_eq(pages, 3); /* 3 + 3 + 1 */
	ck_assert_int_eq(total, 7);
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(seen[i], chiyoda[i]);
	/* the municipality's list pages the same way */
	fk_reg_info page[5];
	ck_assert_ok(fk_access_list(ctx, "131016", FK_FILE_KOSEKI, 0, 5, page, &n, &err), &err);
	ck_assert_int_eq(n, 5);
	ck_assert_ok(fk_access_list(ctx, "131016", FK_FILE_KOSEKI, page[4].id, 5, page, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(page[1].id, chiyoda[6]);
	ck_assert_int_eq(fk_access_list(ctx, "131016", FK_FILE_JOSEKI, 0, 5, page, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_list(ctx, "011002", FK_FILE_KOSEKI, 0, 5, page, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(n, 0);
	/* a page size the caller's array may not hold is refused, not defaulted */
	ck_assert_int_eq(fk_access_list(ctx, "131016", FK_FILE_KOSEKI, 0, 0, page, &n, &err), FK_ERR_INVALID);
	search(NULL, 0, 0, 0, ids, FK_ERR_INVALID);
}
END_TEST

START_TEST(ids_cannot_be_probed)
{
	json_t *doc;
	fk_reg_info info;
	ck_assert_ok(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, chiyoda[0], 0, &doc, &info, &err), &err);
	ck_assert_str_eq(fk_register_head_name(doc), "山田 太郎");
	json_decref(doc);
	char other[FK_ERRMSG_MAX], missing[FK_ERRMSG_MAX];
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, sapporo[0], 0, &doc, NULL, &err),
			 FK_ERR_DENIED);
	ck_assert_ptr_null(doc);
	snprintf(other, sizeof other, "%s", strchr(err.msg, ' '));
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, 99999, 0, &doc, NULL, &err),
			 FK_ERR_DENIED);
	snprintf(missing, sizeof missing, "%s", strchr(err.msg, ' '));
	ck_assert_str_eq(other + strlen(other) - 40, missing + strlen(missing) - 40);
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, chuo[0], 0, &doc, NULL, &err),
			 FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_EXPORT, chiyoda[0], 0, &doc, NULL, &err),
			 FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_PRINT, chiyoda[0], 0, &doc, NULL, &err),
			 FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_demand(ctx, FK_OP_REGISTER_DISPOSE, chiyoda[0], NULL, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.open", "success", "granted"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.open", "denied", "jurisdiction"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.open", "denied", "not-found"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.open", "denied", "no-grant"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.export", "denied", "no-grant"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.print", "denied", "no-grant"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.dispose", "denied", "no-grant"), 1);
}
END_TEST

START_TEST(versions_and_comparison)
{
	json_t *doc = fkt_register("山田 太郎", "やまだ たろう", "東京都千代田区二番地"), *a, *b;
	int v, n;
	ck_assert_ok(fkt_store_update(ctx, chiyoda[0], FK_KIND_KOSEKI, doc, "test", fk_now_ns(), &v, &err), &err);
	json_decref(doc);
	fk_reg_version vs[4];
	ck_assert_ok(fk_access_register_versions(ctx, chiyoda[0], vs, 4, &n, &err), &err);
	ck_assert_int_eq(n, 2);
	ck_assert_ok(fk_access_register_compare(ctx, chiyoda[0], 1, 2, &a, &b, &err), &err);
	ck_assert_int_eq(json_equal(a, b), 0);
	json_decref(a);
	json_decref(b);
	ck_assert_int_eq(fk_access_register_versions(ctx, chuo[0], vs, 4, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_register_compare(ctx, sapporo[0], 1, 1, &a, &b, &err), FK_ERR_DENIED);
	ck_assert_ptr_null(a);
}
END_TEST

static int count_row(const char *muni, const fk_access_counts_t *c, void *arg)
{
	int *rows = arg;
	ck_assert_str_ne(muni, "011002");
	rows[0]++;
	rows[1] += (int)(c->n[0] + c->n[1] + c->n[2] + c->n[3]);
	return 0;
}

START_TEST(ledger_and_documents)
{
	json_t *p = json_pack("{s:s}", "受付番号", "第1号"), *back;
	int64_t lid, lsap, did;
	int n;
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fkt_ledger_add(ctx, "131016", "2026-10-02", p, fk_now_ns(), &lid, &err), &err);
	ck_assert_ok(fkt_ledger_add(ctx, "011002", "2026-10-02", p, fk_now_ns(), &lsap, &err), &err);
	ck_assert_ok(fkt_doc_add(ctx, "131016", "出生届", chiyoda[0], p, fk_now_ns(), &did, &err), &err);
	json_decref(p);
	fkt_act_as(ctx, "op1");
	fk_ledger_info li[4];
	fk_doc_info di[4];
	ck_assert_int_eq(fk_access_ledger_list(ctx, "131016", 0, 4, li, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_ledger_open(ctx, lid, &back, &err), FK_ERR_DENIED);
	grant("op1", NULL, FK_KIND_BIT(FK_FILE_LEDGER) | FK_KIND_BIT(FK_FILE_DOCS), FK_RIGHT_VIEW, 0);
	ck_assert_ok(fk_access_ledger_list(ctx, "131016", 0, 4, li, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(li[0].accepted_on, "2026-10-02");
	ck_assert_ok(fk_access_ledger_open(ctx, lid, &back, &err), &err);
	json_decref(back);
	ck_assert_int_eq(fk_access_ledger_open(ctx, lsap, &back, &err), FK_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not exist or is outside"));
	ck_assert_ok(fk_access_docs_list(ctx, "131016", 0, 4, di, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(di[0].doc_type, "出生届");
	ck_assert_int_eq(di[0].register_id, chiyoda[0]);
	ck_assert_ok(fk_access_doc_open(ctx, did, &back, &err), &err);
	json_decref(back);
	fk_access_counts_t c;
	ck_assert_ok(fk_access_counts(ctx, NULL, &c, &err), &err);
	ck_assert_int_eq(c.n[FK_FILE_LEDGER - 1], 1); /* not Sapporo's */
	ck_assert_int_eq(c.n[FK_FILE_DOCS - 1], 1);
	int rows[2] = {0, 0};
	ck_assert_ok(fk_access_counts_each(ctx, count_row, rows, &err), &err);
	ck_assert_int_eq(rows[0], 62); /* every municipality of 東京法務局 (ledger, documents) */
	ck_assert_int_eq(rows[1], 7 + 1 + 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "ledger.open", "denied", NULL), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "ledger.open", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "doc.list", "success", NULL), 1);
}
END_TEST

START_TEST(roles_disabled_and_expiry)
{
	int64_t ids[10];
	json_t *doc;
	fkt_act_as(ctx, "aud");
	search(NULL, 0, 0, 10, ids, FK_ERR_DENIED);
	fkt_act_as(ctx, NULL);
	search(NULL, 0, 0, 10, ids, FK_ERR_DENIED);
	ck_assert_int_eq(fk_access_register_open(ctx, FK_OP_REGISTER_OPEN, chiyoda[0], 0, &doc, NULL, &err),
			 FK_ERR_DENIED);
	fkt_act_as(ctx, "opdis");
	search(NULL, 0, 0, 10, ids, FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.search", "denied", "role"), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.search", "denied", "disabled"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.open", "denied", "role"), 1);
	/* a grant for an hour: in force now, gone (and recorded) two hours on */
	grant("op1", "131024", FK_KIND_BIT(FK_FILE_KOSEKI), FK_RIGHT_VIEW, fk_now_ns() + HOUR);
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(search("131024", 0, 0, 10, ids, FK_OK), 5);
	fake_now = fk_now_ns() + 2 * HOUR;
	fk_authz_set_clock(test_clock);
	ck_assert_int_eq(search(NULL, 0, 0, 10, ids, FK_OK), 7);
	search("131024", 0, 0, 10, ids, FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "register.search", "denied", "grant-expired"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.expired", "success", NULL), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("access");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, search_and_counts_reveal_only_permitted);
	tcase_add_test(tc, paging_over_permitted_results);
	tcase_add_test(tc, ids_cannot_be_probed);
	tcase_add_test(tc, versions_and_comparison);
	tcase_add_test(tc, ledger_and_documents);
	tcase_add_test(tc, roles_disabled_and_expiry);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
