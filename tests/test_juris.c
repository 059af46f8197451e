/* Unit tests: jurisdiction as data (R-JURIS): assign and import (refused whole for each kind of
 * bad line), 支局, the parent_sees_branches setting both ways, a change taking effect at the
 * next decision, and supervisors confined to their own bureau's lockouts (R-LOCKOUT). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

#define HAKODATE "函館地方法務局"
#define SAPPORO "札幌法務局"
#define ASAHIKAWA "旭川地方法務局"
#define C_HAKODATE "012025" /* 函館市, 渡島 */
#define C_ESASHI "013617"   /* 江差町, 檜山 */
#define C_ASAHIKAWA "012041"

static void start(const char *conf)
{
	fkt_env_init(&env, conf);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "ophk", FK_ROLE_OPERATOR, HAKODATE);
	fkt_enrol(ctx, "opsap", FK_ROLE_OPERATOR, SAPPORO);
	fkt_enrol(ctx, "suphk", FK_ROLE_SUPERVISOR, HAKODATE);
	fkt_enrol(ctx, "suptk", FK_ROLE_SUPERVISOR, "東京法務局");
}

static void setup(void)
{
	start(NULL);
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static fk_status grant(const char *user, const char *muni)
{
	fk_grant_spec g = {user, muni, FK_KIND_BIT(FK_FILE_KOSEKI), FK_RIGHT_VIEW, 0, 0, "test"};
	int64_t id;
	fkt_act_as(ctx, FKT_ADMIN);
	return fk_grant_add(ctx, &g, &id, &err);
}

/* The decision for user viewing 戸籍 of muni: 1 allowed, 0 refused (d->reason says why). */
static int may_view(const char *user, const char *muni, fk_authz_decision *d)
{
	fk_authz_req r = {.op = FK_OP_REGISTER_OPEN, .municipality = muni, .kind = FK_FILE_KOSEKI};
	fkt_act_as(ctx, user);
	ck_assert_ok(fk_authorize(ctx, &r, d, &err), &err);
	fkt_act_as(ctx, FKT_ADMIN);
	return d->allowed;
}

/* Whether the home screen of user lists muni. */
static int home_lists(const char *user, const char *muni)
{
	fk_muni_stat *rows = NULL;
	int n = 0, found = 0;
	fkt_act_as(ctx, user);
	ck_assert_ok(fk_access_home(ctx, &rows, &n, &err), &err);
	fkt_act_as(ctx, FKT_ADMIN);
	for (int i = 0; i < n; i++)
		found += !strcmp(rows[i].m.code, muni);
	free(rows);
	return found;
}

static const char *office_of(const char *code)
{
	static fk_muni m;
	ck_assert_ok(fk_muni_get(ctx, code, &m, &err), &err);
	return m.bureau;
}

START_TEST(assign_takes_effect_at_the_next_decision)
{
	fk_authz_decision d;
	ck_assert_ok(grant("ophk", C_HAKODATE), &err);
	ck_assert_ok(grant("opsap", NULL), &err);
	ck_assert_int_eq(may_view("ophk", C_HAKODATE, &d), 1);
	ck_assert_int_eq(may_view("opsap", C_HAKODATE, &d), 0);
	ck_assert_int_eq(d.reason, FK_WHY_JURISDICTION);
	fk_juris_move mv;
	ck_assert_ok(fk_jurisdiction_assign(ctx, C_HAKODATE, SAPPORO, "別表第1 に合わせる", &mv, &err), &err);
	ck_assert_int_eq(mv.changed, 1);
	ck_assert_int_eq(mv.idle_grants, 1); /* ophk's, now across offices */
	ck_assert_str_eq(mv.from, HAKODATE);
	ck_assert_str_eq(office_of(C_HAKODATE), SAPPORO);
	/* The same context, the very next decision: no cache stands between. */
	ck_assert_int_eq(may_view("ophk", C_HAKODATE, &d), 0);
	ck_assert_int_eq(d.reason, FK_WHY_JURISDICTION);
	ck_assert_int_eq(may_view("opsap", C_HAKODATE, &d), 1);
	/* Through the gate too, as the console decides a list: refused and recorded. */
	fkt_act_as(ctx, "ophk");
	fk_access_counts_t c;
	ck_assert_int_eq(fk_access_counts(ctx, C_HAKODATE, &c, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_JURISDICTION);
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.assign", "success", NULL), 1);
	/* Again: nothing to change, still recorded. */
	ck_assert_ok(fk_jurisdiction_assign(ctx, C_HAKODATE, SAPPORO, "again", &mv, &err), &err);
	ck_assert_int_eq(mv.changed, 0);
}
END_TEST

START_TEST(assign_refusals)
{
	fk_juris_move mv;
	/* Administrators only (R-ACCESS): a supervisor is refused and the refusal recorded. */
	fkt_act_as(ctx, "suphk");
	ck_assert_int_eq(fk_jurisdiction_assign(ctx, C_HAKODATE, SAPPORO, "mine", &mv, &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_ROLE);
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.assign", "denied", NULL), 1);
	ck_assert_int_eq(fk_jurisdiction_assign(ctx, C_HAKODATE, SAPPORO, "", &mv, &err), FK_ERR_INVALID);
	ck_assert_int_eq(err.msg_id, FK_MSG_REASON_REQUIRED);
	ck_assert_int_eq(fk_jurisdiction_assign(ctx, "012026", SAPPORO, "x", &mv, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_jurisdiction_assign(ctx, C_HAKODATE, "架空法務局", "x", &mv, &err), FK_ERR_NOTFOUND);
	ck_assert_str_eq(office_of(C_HAKODATE), HAKODATE);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.assign", "failed", NULL), 3);
}
END_TEST

/* ---- import ---- */

static const char *write_file(const char *name, const char *text)
{
	static char path[700];
	snprintf(path, sizeof path, "%s/%s", env.dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

typedef struct seen {
	int n, line;
	fk_juris_problem p;
} seen;

static void note(int line, const char *code, const char *office, fk_juris_problem p, void *arg)
{
	(void)code;
	(void)office;
	seen *s = arg;
	if (!s->n++) {
		s->line = line;
		s->p = p;
	}
}

/* A file with one good line (旭川市 to 札幌) and one bad at line 3: refused whole. */
static void refused_whole(const char *bad, fk_juris_problem want)
{
	char text[400];
	snprintf(text, sizeof text, "code,office\n" C_ASAHIKAWA "," SAPPORO "\n%s\n", bad);
	seen s = {0};
	fk_juris_report rep;
	ck_assert_int_eq(fk_jurisdiction_import(ctx, write_file("bad.csv", text), "table", note, &s, &rep, &err),
			 FK_ERR_INVALID);
	ck_assert_msg(s.n == 1 && s.line == 3 && s.p == want, "'%s': %d problems, line %d, %s", bad, s.n,
		      s.line, fk_juris_problem_id(s.p));
	ck_assert_int_eq(rep.changed, 0);
	ck_assert_str_eq(office_of(C_ASAHIKAWA), ASAHIKAWA);
}

START_TEST(import_refused_whole)
{
	char unknown[7];
	/* A code with a right check digit that no municipality has. */
	snprintf(unknown, sizeof unknown, "99999%d", fk_lgcode_check_digit("99999"));
	char line[64];
	snprintf(line, sizeof line, "%s," SAPPORO, unknown);
	refused_whole(line, FK_JURIS_UNKNOWN_CODE);
	refused_whole("012026," SAPPORO, FK_JURIS_CHECK_DIGIT); /* 函館市 is 012025 */
	refused_whole("01202," SAPPORO, FK_JURIS_BAD_CODE);
	refused_whole(C_HAKODATE ",架空法務局", FK_JURIS_UNKNOWN_OFFICE);
	refused_whole(C_ASAHIKAWA "," HAKODATE, FK_JURIS_DUPLICATE);
	refused_whole(C_HAKODATE "," SAPPORO ",extra", FK_JURIS_MALFORMED);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.import", "failed", NULL), 6);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.move", NULL, NULL), 0);
	/* Not an import file at all. */
	seen s = {0};
	fk_juris_report rep;
	ck_assert_int_eq(fk_jurisdiction_import(ctx, write_file("x.csv", "lgcode,city\n"), "t", note, &s, &rep, &err),
			 FK_ERR_INVALID);
	ck_assert_int_eq(s.p, FK_JURIS_MALFORMED);
}
END_TEST

START_TEST(import_applies_and_records_each_move)
{
	const char *f = write_file("ok.csv", "\xef\xbb\xbf" "code,office\n" C_ASAHIKAWA "," SAPPORO "\n"
				   C_HAKODATE "," HAKODATE "\n\n" C_ESASHI "," ASAHIKAWA "\n");
	fk_juris_report rep;
	ck_assert_ok(fk_jurisdiction_import(ctx, f, "table of 2026-12", NULL, NULL, &rep, &err), &err);
	ck_assert_int_eq(rep.lines, 3);
	ck_assert_int_eq(rep.changed, 2);
	ck_assert_int_eq(rep.unchanged, 1);
	ck_assert_str_eq(office_of(C_ASAHIKAWA), SAPPORO);
	ck_assert_str_eq(office_of(C_ESASHI), ASAHIKAWA);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.move", "success", NULL), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.import", "success", NULL), 1);
	fkt_act_as(ctx, "suphk");
	ck_assert_int_eq(fk_jurisdiction_import(ctx, f, "x", NULL, NULL, &rep, &err), FK_ERR_DENIED);
}
END_TEST

/* ---- 支局 and whether a bureau reaches them ---- */

static void make_branch(void)
{
	int64_t id;
	fk_juris_move mv;
	ck_assert_ok(fk_jurisdiction_office_add(ctx, "江差支局", "えさししきょく", HAKODATE, "設置規則", &id,
						&err), &err);
	ck_assert_int_gt(id, 0);
	ck_assert_ok(fk_jurisdiction_assign(ctx, C_ESASHI, "江差支局", "設置規則", &mv, &err), &err);
	fkt_enrol(ctx, "opesashi", FK_ROLE_OPERATOR, "江差支局");
}

START_TEST(branch_offices)
{
	make_branch();
	fk_bureau b;
	ck_assert_ok(fk_bureau_find(ctx, "江差支局", &b, &err), &err);
	ck_assert_str_eq(b.kind, "支局");
	int64_t id;
	ck_assert_int_eq(fk_jurisdiction_office_add(ctx, "江差支局", NULL, HAKODATE, "again", &id, &err), FK_ERR_EXISTS);
	ck_assert_int_eq(fk_jurisdiction_office_add(ctx, "孫支局", NULL, "江差支局", "x", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_jurisdiction_office_add(ctx, "某支局", NULL, "架空法務局", "x", &id, &err), FK_ERR_NOTFOUND);
	ck_assert_int_eq(fk_jurisdiction_office_add(ctx, "a,b", NULL, HAKODATE, "x", &id, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fkt_audit_count(ctx, "jurisdiction.office-add", "success", NULL), 1);
	/* The 支局's own people work in it. */
	fk_authz_decision d;
	ck_assert_ok(grant("opesashi", C_ESASHI), &err);
	ck_assert_int_eq(may_view("opesashi", C_ESASHI, &d), 1);
	ck_assert_ok(grant("opesashi", NULL), &err);
	ck_assert_int_eq(may_view("opesashi", C_HAKODATE, &d), 0);
	ck_assert_int_eq(d.reason, FK_WHY_JURISDICTION);
	/* parent_sees_branches = no (default): the bureau's people reach none of it, by a named
	 * grant (refused when made) or by one for all its municipalities. */
	ck_assert_int_eq(grant("ophk", C_ESASHI), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_JURISDICTION);
	ck_assert_ok(grant("ophk", NULL), &err);
	ck_assert_int_eq(may_view("ophk", C_ESASHI, &d), 0);
	ck_assert_int_eq(d.reason, FK_WHY_JURISDICTION);
	ck_assert_int_eq(may_view("ophk", C_HAKODATE, &d), 1);
	fk_perm_matrix m;
	ck_assert_ok(fk_authz_matrix(ctx, fkt_scalar(ctx, "SELECT id FROM operator WHERE username = 'ophk'"),
				     0, &m, &err), &err);
	for (int i = 0; i < m.n; i++)
		ck_assert_str_ne(m.rows[i].municipality, C_ESASHI);
	fk_perm_matrix_free(&m);
	ck_assert_int_eq(home_lists("ophk", C_ESASHI), 0);
	ck_assert_int_eq(home_lists("ophk", C_HAKODATE), 1);
	ck_assert_int_eq(home_lists("opesashi", C_ESASHI), 1);
}
END_TEST

/* The listing of offices is never cut: adding more than it holds is refused. */
START_TEST(offices_are_capped_at_what_a_list_holds)
{
	int nb, nm, added = 0;
	ck_assert_ok(fk_refdata_counts(ctx, &nb, &nm, &err), &err);
	fk_status s = FK_OK;
	while (s == FK_OK) {
		char name[32];
		int64_t id;
		snprintf(name, sizeof name, "試験%d支局", added);
		s = fk_jurisdiction_office_add(ctx, name, NULL, HAKODATE, "cap", &id, &err);
		added += s == FK_OK;
	}
	ck_assert_int_eq(s, FK_ERR_INVALID);
	ck_assert_int_eq(nb + added, FK_OFFICES_MAX);
	fk_bureau *b = calloc(FK_OFFICES_MAX + 1, sizeof *b);
	int n;
	ck_assert_ptr_nonnull(b);
	ck_assert_ok(fk_bureau_list(ctx, b, FK_OFFICES_MAX + 1, &n, &err), &err);
	ck_assert_int_eq(n, FK_OFFICES_MAX);
	free(b);
}
END_TEST

START_TEST(parent_sees_branches)
{
	teardown();
	start("parent_sees_branches = yes");
	make_branch();
	fk_authz_decision d;
	ck_assert_ok(grant("ophk", C_ESASHI), &err);
	ck_assert_int_eq(may_view("ophk", C_ESASHI, &d), 1);
	ck_assert_ok(grant("ophk", NULL), &err);
	int found = 0;
	fk_perm_matrix m;
	ck_assert_ok(fk_authz_matrix(ctx, fkt_scalar(ctx, "SELECT id FROM operator WHERE username = 'ophk'"),
				     0, &m, &err), &err);
	for (int i = 0; i < m.n; i++)
		found += !strcmp(m.rows[i].municipality, C_ESASHI);
	fk_perm_matrix_free(&m);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(home_lists("ophk", C_ESASHI), 1);
	ck_assert_int_eq(home_lists("opsap", C_HAKODATE), 0);
	/* Otherwise grants still never cross offices: not another bureau's municipality, not a
	 * 地方法務局's for its regional 法務局 (parent_id, but no 支局), not the parent's for the
	 * 支局's own people. */
	ck_assert_int_eq(may_view("ophk", C_ASAHIKAWA, &d), 0);
	ck_assert_ok(grant("opsap", NULL), &err);
	ck_assert_int_eq(grant("opsap", C_HAKODATE), FK_ERR_DENIED);
	ck_assert_int_eq(may_view("opsap", C_HAKODATE, &d), 0);
	ck_assert_int_eq(d.reason, FK_WHY_JURISDICTION);
	ck_assert_int_eq(may_view("opsap", C_ESASHI, &d), 0);
	ck_assert_ok(grant("opesashi", NULL), &err);
	ck_assert_int_eq(may_view("opesashi", C_HAKODATE, &d), 0);
	ck_assert_int_eq(may_view("opesashi", C_ESASHI, &d), 1);
}
END_TEST

/* ---- lockouts: supervisors see and clear only their own bureau's ---- */

static int count_cb(const fk_lockout_row *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int lockouts_seen(const char *as)
{
	int n = 0;
	fkt_act_as(ctx, as);
	ck_assert_ok(fk_access_lockouts(ctx, count_cb, &n, &err), &err);
	fkt_act_as(ctx, FKT_ADMIN);
	return n;
}

START_TEST(supervisors_own_bureau_lockouts)
{
	int locked;
	for (int i = 0; i < 5; i++) {
		ck_assert_ok(fk_lockout_failure(ctx, "ophk", 0, FK_OP_SIGNIN, "auth", 1, &locked, &err), &err);
		ck_assert_ok(fk_lockout_failure(ctx, "?nobody", 0, FK_OP_SIGNIN, "auth", 1, &locked, &err), &err);
	}
	ck_assert_int_eq(lockouts_seen("suptk"), 0);
	ck_assert_int_eq(lockouts_seen("suphk"), 1);
	ck_assert_int_eq(lockouts_seen(FKT_ADMIN), 2);
	fkt_act_as(ctx, "suptk");
	ck_assert_int_eq(fk_lockout_unlock(ctx, "ophk", "not mine", &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, FK_WHY_JURISDICTION);
	ck_assert_int_eq(fk_lockout_unlock(ctx, "?nobody", "not mine", &err), FK_ERR_DENIED);
	fkt_act_as(ctx, "suphk");
	ck_assert_int_eq(fk_lockout_unlock(ctx, "?nobody", "no bureau", &err), FK_ERR_DENIED);
	ck_assert_ok(fk_lockout_unlock(ctx, "ophk", "identity checked", &err), &err);
	fkt_act_as(ctx, FKT_ADMIN);
	ck_assert_ok(fk_lockout_unlock(ctx, "?nobody", "cleared", &err), &err);
	ck_assert_int_eq(lockouts_seen(FKT_ADMIN), 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "lockout.unlock", "denied", "jurisdiction"), 3);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jurisdiction");
	TCase *tc = tcase_create("juris");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, assign_takes_effect_at_the_next_decision);
	tcase_add_test(tc, assign_refusals);
	tcase_add_test(tc, import_refused_whole);
	tcase_add_test(tc, import_applies_and_records_each_move);
	tcase_add_test(tc, branch_offices);
	tcase_add_test(tc, parent_sees_branches);
	tcase_add_test(tc, offices_are_capped_at_what_a_list_holds);
	tcase_add_test(tc, supervisors_own_bureau_lockouts);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
