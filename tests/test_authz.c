/* Unit tests: the one authorisation decision, table-driven over roles × scopes × kinds ×
 * rights × time, and grant management by role. R-ACCESS, R-FILES, R-JURIS, R-LOG. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fktest.h"

#define SEC 1000000000LL
#define DAY (86400 * SEC)
#define T0 (1893456000LL * SEC) /* 2030-01-01T00:00:00Z */

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static int64_t fake_now = T0;
static int64_t gid[16];

static int64_t test_clock(void)
{
	return fake_now;
}

static int64_t grant(const char *user, const char *muni, const char *kinds, const char *rights,
		     int64_t from, int64_t until)
{
	fk_grant_spec g = {user, muni, 0, 0, from, until, "test grant"};
	int64_t id;
	ck_assert_ok(fk_kinds_parse(kinds, &g.kinds, &err), &err);
	ck_assert_ok(fk_rights_parse(rights, &g.rights, &err), &err);
	ck_assert_ok(fk_grant_add(ctx, &g, &id, &err), &err);
	return id;
}

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	fake_now = T0;
	fk_authz_set_clock(test_clock);
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "op2", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "sup1", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "sup2", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "aud", FK_ROLE_AUDITOR, "東京法務局");
	fkt_enrol(ctx, "adm", FK_ROLE_ADMIN, "東京法務局");
	fkt_enrol(ctx, "opdis", FK_ROLE_OPERATOR, "東京法務局");
	fkt_enrol(ctx, "opsap", FK_ROLE_OPERATOR, "札幌法務局");
	fkt_act_as(ctx, NULL);
	gid[1] = grant("op1", "131016", "koseki", "view", 0, 0);
	gid[2] = grant("op1", NULL, "ledger", "view,print", 0, T0 + 10 * DAY);
	gid[3] = grant("op1", "131024", "除籍", "export", T0 + 5 * DAY, 0);
	gid[4] = grant("op1", "131032", "koseki", "view", 0, 0);
	ck_assert_ok(fk_grant_revoke(ctx, gid[4], "no longer needed", &err), &err);
	gid[5] = grant("op2", "131016", "koseki,joseki", "view,export,print,dispose", 0, 0);
	gid[6] = grant("sup1", NULL, "koseki", "view", 0, 0);
	gid[7] = grant("opdis", "131016", "koseki", "view", 0, 0);
	gid[8] = grant("opsap", "011002", "koseki", "view", 0, 0);
	ck_assert_ok(fk_operator_set_enabled(ctx, "opdis", 0, &err), &err);
}

static void teardown(void)
{
	fk_authz_set_clock(NULL);
	fk_ctx_close(ctx);
	ctx = NULL;
	fkt_env_cleanup(&env);
}

/* The table cases only read: one terminal for all of them, a fresh
 * context per case. */
static void setup_shared(void)
{
	setup();
	fk_ctx_close(ctx);
	ctx = NULL;
}

static void cleanup_shared(void)
{
	fkt_env_cleanup(&env);
}

static void open_shared(void)
{
	ctx = fkt_ctx_open(&env);
	fake_now = T0;
	fk_authz_set_clock(test_clock);
}

static void close_shared(void)
{
	fk_authz_set_clock(NULL);
	fk_ctx_close(ctx);
	ctx = NULL;
}

static const struct file_case {
	const char *actor;
	fk_op action;
	const char *muni;
	int kind;
	int64_t at; /* offset from T0 */
	int allowed;
	const char *reason;
	int grant; /* index into gid, 0: none */
} file_cases[] = {
	/* operator: municipality scope, kind and right must all match */
	{"op1", FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 1, "granted", 1},
	{"op1", FK_OP_REGISTER_LIST, "131016", FK_FILE_KOSEKI, 0, 1, "granted", 1},
	{"op1", FK_OP_REGISTER_COMPARE, "131016", FK_FILE_KOSEKI, 0, 1, "granted", 1},
	{"op1", FK_OP_REGISTER_OPEN, "131016", FK_FILE_JOSEKI, 0, 0, "no-grant", 0},
	{"op1", FK_OP_REGISTER_EXPORT, "131016", FK_FILE_KOSEKI, 0, 0, "no-grant", 0},
	{"op1", FK_OP_REGISTER_DISPOSE, "131016", FK_FILE_KOSEKI, 0, 0, "no-grant", 0},
	{"op1", FK_OP_REGISTER_OPEN, "131059", FK_FILE_KOSEKI, 0, 0, "no-grant", 0},
	/* all-municipalities scope, time-limited */
	{"op1", FK_OP_REGISTER_LIST, "131059", FK_FILE_LEDGER, 0, 1, "granted", 2},
	{"op1", FK_OP_REGISTER_PRINT, "131067", FK_FILE_LEDGER, 0, 1, "granted", 2},
	{"op1", FK_OP_REGISTER_EXPORT, "131067", FK_FILE_LEDGER, 0, 0, "no-grant", 0},
	{"op1", FK_OP_REGISTER_OPEN, "131067", FK_FILE_DOCS, 0, 0, "no-grant", 0},
	{"op1", FK_OP_REGISTER_OPEN, "131059", FK_FILE_LEDGER, 10 * DAY - 1, 1, "granted", 2},
	{"op1", FK_OP_REGISTER_OPEN, "131059", FK_FILE_LEDGER, 10 * DAY, 0, "grant-expired", 0},
	{"op1", FK_OP_REGISTER_OPEN, "131059", FK_FILE_LEDGER, 400 * DAY, 0, "grant-expired", 0},
	{"op1", FK_OP_REGISTER_OPEN, "131059", FK_FILE_LEDGER, -1, 0, "grant-not-yet-valid", 0},
	/* not yet valid */
	{"op1", FK_OP_REGISTER_EXPORT, "131024", FK_FILE_JOSEKI, 0, 0, "grant-not-yet-valid", 0},
	{"op1", FK_OP_REGISTER_EXPORT, "131024", FK_FILE_JOSEKI, 5 * DAY, 1, "granted", 3},
	{"op1", FK_OP_REGISTER_OPEN, "131024", FK_FILE_JOSEKI, 6 * DAY, 0, "no-grant", 0},
	/* revoked */
	{"op1", FK_OP_REGISTER_OPEN, "131032", FK_FILE_KOSEKI, 0, 0, "grant-revoked", 0},
	/* jurisdiction: another bureau's municipality with a forged id, unknown ids */
	{"op1", FK_OP_REGISTER_OPEN, "011002", FK_FILE_KOSEKI, 0, 0, "jurisdiction", 0},
	{"op1", FK_OP_REGISTER_SEARCH, "011002", 0, 0, 0, "jurisdiction", 0},
	{"op1", FK_OP_REGISTER_OPEN, "999999", FK_FILE_KOSEKI, 0, 0, "unknown-municipality", 0},
	{"op1", FK_OP_REGISTER_OPEN, "131016", 9, 0, 0, "invalid-request", 0},
	{"opsap", FK_OP_REGISTER_OPEN, "011002", FK_FILE_KOSEKI, 0, 1, "granted", 8},
	{"opsap", FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 0, "jurisdiction", 0},
	/* every right */
	{"op2", FK_OP_REGISTER_DISPOSE, "131016", FK_FILE_JOSEKI, 0, 1, "granted", 5},
	{"op2", FK_OP_REGISTER_PRINT, "131016", FK_FILE_KOSEKI, 0, 1, "granted", 5},
	{"op2", FK_OP_REGISTER_OPEN, "131016", FK_FILE_LEDGER, 0, 0, "no-grant", 0},
	{"op2", FK_OP_REGISTER_OPEN, "131024", FK_FILE_KOSEKI, 0, 0, "no-grant", 0},
	/* supervisor reads only what it was granted */
	{"sup1", FK_OP_REGISTER_SEARCH, "131067", FK_FILE_KOSEKI, 0, 1, "granted", 6},
	{"sup1", FK_OP_REGISTER_OPEN, "131067", FK_FILE_JOSEKI, 0, 0, "no-grant", 0},
	{"sup2", FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 0, "no-grant", 0},
	/* disabled operator, auditor, administrators: never */
	{"opdis", FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 0, "disabled", 0},
	{"aud", FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 0, "role", 0},
	{"aud", FK_OP_REGISTER_SEARCH, NULL, 0, 0, 0, "role", 0},
	{"adm", FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 0, "role", 0},
	{NULL, FK_OP_REGISTER_OPEN, "131016", FK_FILE_KOSEKI, 0, 0, "role", 0},
	{NULL, FK_OP_REGISTER_SEARCH, NULL, 0, 0, 0, "role", 0},
	/* across the permitted set (search and counts without a municipality) */
	{"op1", FK_OP_REGISTER_SEARCH, NULL, 0, 0, 1, "granted", 0},
	{"op1", FK_OP_REGISTER_SEARCH, NULL, FK_FILE_JOSEKI, 0, 0, "no-grant", 0},
	{"op2", FK_OP_REGISTER_SEARCH, NULL, FK_FILE_LEDGER, 0, 0, "no-grant", 0},
	{"op1", FK_OP_REGISTER_SEARCH, "131016", 0, 0, 1, "granted", 0},
};

START_TEST(file_decisions)
{
	const struct file_case *c = &file_cases[_i];
	fkt_act_as(ctx, c->actor);
	fk_authz_req r = {.op = c->action, .municipality = c->muni, .kind = c->kind, .at = T0 + c->at};
	fk_authz_decision d;
	ck_assert_ok(fk_authorize(ctx, &r, &d, &err), &err);
	ck_assert_msg(d.allowed == c->allowed && !strcmp(fk_reason_id(d.reason), c->reason),
		      "case %d (%s %s %s kind %d): allowed %d reason %s (%s)", _i,
		      c->actor ? c->actor : FKT_ADMIN, fk_op_name(c->action),
		      c->muni ? c->muni : "*", c->kind, d.allowed, fk_reason_id(d.reason), d.msg);
	if (c->grant)
		ck_assert_int_eq(d.grant_id, gid[c->grant]);
}
END_TEST

static const struct manage_case {
	const char *actor;
	fk_op action;
	const char *target;
	const char *muni;
	const char *bureau; /* grants-read without a target */
	int allowed;
	const char *reason;
} manage_cases[] = {
	{"sup1", FK_OP_GRANT_ADD, "op1", "131016", NULL, 1, "role"},
	{"sup1", FK_OP_GRANT_ADD, "op1", NULL, NULL, 1, "role"},
	{"sup1", FK_OP_GRANT_ADD, "sup1", "131016", NULL, 0, "self"},
	{"sup1", FK_OP_GRANT_ADD, "sup2", "131016", NULL, 0, "grantee-role"},
	{"sup1", FK_OP_GRANT_ADD, "aud", NULL, NULL, 0, "grantee-role"},
	{"sup1", FK_OP_GRANT_ADD, "adm", NULL, NULL, 0, "grantee-role"},
	{"sup1", FK_OP_GRANT_ADD, "opsap", "011002", NULL, 0, "jurisdiction"},
	{"sup1", FK_OP_GRANT_ADD, "op1", "011002", NULL, 0, "jurisdiction"},
	{"sup1", FK_OP_GRANT_ADD, "op1", "999999", NULL, 0, "unknown-municipality"},
	{"op1", FK_OP_GRANT_ADD, "op2", NULL, NULL, 0, "role"},
	{"aud", FK_OP_GRANT_ADD, "op1", NULL, NULL, 0, "role"},
	{"opdis", FK_OP_GRANT_ADD, "op1", NULL, NULL, 0, "disabled"},
	{"adm", FK_OP_GRANT_ADD, "sup2", "131016", NULL, 1, "role"},
	{"adm", FK_OP_GRANT_ADD, "opsap", "011002", NULL, 1, "role"},
	{"adm", FK_OP_GRANT_ADD, "opsap", "131016", NULL, 0, "jurisdiction"},
	{"adm", FK_OP_GRANT_ADD, "adm", NULL, NULL, 0, "self"},
	{NULL, FK_OP_GRANT_ADD, "aud", NULL, NULL, 0, "grantee-role"},
	{NULL, FK_OP_GRANT_ADD, "op1", NULL, NULL, 1, "role"},
	{"sup1", FK_OP_GRANT_REVOKE, "op1", NULL, NULL, 1, "role"},
	{"sup1", FK_OP_GRANT_REVOKE, "sup1", NULL, NULL, 0, "self"},
	{"sup1", FK_OP_GRANT_REVOKE, "opsap", NULL, NULL, 0, "jurisdiction"},
	{"op1", FK_OP_GRANT_REVOKE, "op1", NULL, NULL, 0, "role"},
	{"sup1", FK_OP_GRANT_LIST, NULL, NULL, "東京法務局", 1, "role"},
	{"sup1", FK_OP_GRANT_LIST, NULL, NULL, "札幌法務局", 0, "jurisdiction"},
	{"sup1", FK_OP_GRANT_LIST, "opsap", NULL, NULL, 0, "jurisdiction"},
	{"sup1", FK_OP_GRANT_LIST, NULL, NULL, NULL, 0, "jurisdiction"},
	{"op1", FK_OP_GRANT_LIST, "op1", NULL, NULL, 1, "own"},
	{"op1", FK_OP_GRANT_LIST, "op2", NULL, NULL, 0, "role"},
	{"aud", FK_OP_GRANT_LIST, NULL, NULL, NULL, 1, "role"},
	{"adm", FK_OP_GRANT_LIST, NULL, NULL, NULL, 1, "role"},
};

START_TEST(manage_decisions)
{
	const struct manage_case *c = &manage_cases[_i];
	fk_authz_req r = {.op = c->action, .municipality = c->muni, .kinds = FK_KINDS_ALL, .rights = FK_RIGHT_VIEW};
	if (c->target) {
		fk_operator op;
		ck_assert_ok(fk_operator_get(ctx, c->target, &op, &err), &err);
		r.target_operator = op.id;
	}
	if (c->bureau) {
		fk_bureau b;
		ck_assert_ok(fk_bureau_find(ctx, c->bureau, &b, &err), &err);
		r.target_bureau = b.id;
	}
	fkt_act_as(ctx, c->actor);
	fk_authz_decision d;
	ck_assert_ok(fk_authorize(ctx, &r, &d, &err), &err);
	ck_assert_msg(d.allowed == c->allowed && !strcmp(fk_reason_id(d.reason), c->reason),
		      "case %d (%s %s %s): allowed %d reason %s (%s)", _i,
		      c->actor ? c->actor : FKT_ADMIN, fk_op_name(c->action),
		      c->target ? c->target : "-", d.allowed, fk_reason_id(d.reason), d.msg);
}
END_TEST

START_TEST(administrator_cannot_grant_its_own_account)
{
	/* The administrator is a person with an account like any other. */
	fkt_act_as(ctx, "adm");
	fk_grant_spec g = {"adm", NULL, FK_KINDS_ALL, FK_RIGHTS_ALL, 0, 0, "myself"};
	int64_t id;
	ck_assert_int_eq(fk_grant_add(ctx, &g, &id, &err), FK_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(err.msg, "own"));
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.add", "denied", "self"), 1);
}
END_TEST

START_TEST(supervisor_grants_are_checked_and_recorded)
{
	int64_t id;
	fkt_act_as(ctx, "sup1");
	fk_grant_spec self = {"sup1", "131016", 1, 1, 0, 0, "me"};
	ck_assert_int_eq(fk_grant_add(ctx, &self, &id, &err), FK_ERR_DENIED);
	fk_grant_spec other_bureau = {"op1", "011002", 1, 1, 0, 0, "far away"};
	ck_assert_int_eq(fk_grant_add(ctx, &other_bureau, &id, &err), FK_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(err.msg, "jurisdiction"));
	fk_grant_spec ok = {"op2", "131024", FK_KIND_BIT(FK_FILE_DOCS), FK_RIGHT_VIEW, 0,
			    T0 + DAY, "届書の確認"};
	ck_assert_ok(fk_grant_add(ctx, &ok, &id, &err), &err);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.add", "denied", "self"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.add", "denied", "jurisdiction"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.add", "success", NULL), 9);
	/* bad specs never reach the database */
	fk_grant_spec past = {"op2", NULL, 1, 1, 0, T0 - DAY, "late"};
	ck_assert_int_eq(fk_grant_add(ctx, &past, &id, &err), FK_ERR_INVALID);
	fk_grant_spec noreason = {"op2", NULL, 1, 1, 0, 0, ""};
	ck_assert_int_eq(fk_grant_add(ctx, &noreason, &id, &err), FK_ERR_INVALID);
	fk_grant_spec ctl = {"op2", NULL, 1, 1, 0, 0, "two\nlines"};
	ck_assert_int_eq(fk_grant_add(ctx, &ctl, &id, &err), FK_ERR_INVALID);
	/* a supervisor revokes in its bureau, not its own grants */
	ck_assert_ok(fk_grant_revoke(ctx, id, "done", &err), &err);
	ck_assert_int_eq(fk_grant_revoke(ctx, id, "again", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_grant_revoke(ctx, gid[6], "mine", &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_grant_revoke(ctx, gid[8], "theirs", &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_grant_revoke(ctx, 9999, "none", &err), FK_ERR_NOTFOUND);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.revoke", "denied", NULL), 2);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.revoke", "success", NULL), 2);
	/* an operator learns nothing of which grant numbers exist: both refused alike */
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_grant_revoke(ctx, gid[8], "probe", &err), FK_ERR_DENIED);
	fk_reason there = err.reason;
	ck_assert_int_eq(fk_grant_revoke(ctx, 9999, "probe", &err), FK_ERR_DENIED);
	ck_assert_int_eq(err.reason, there);
	ck_assert_str_eq(fk_reason_id(there), "role");
}
END_TEST

static const char SQL_MOVE_CHIYODA[] = "UPDATE municipality SET bureau_id = "
	"(SELECT bureau_id FROM municipality WHERE code = '011002') WHERE code = '131016'";

START_TEST(municipality_moved_outside_fukuhon_is_refused)
{
	/* R-JURIS: the assignment is sealed; moved with sqlite3, it is never used. */
	ck_assert_int_eq(fk_sql_exec(ctx->db, SQL_MOVE_CHIYODA), SQLITE_OK);
	fkt_act_as(ctx, "op1");
	fk_authz_req r = {.op = FK_OP_REGISTER_OPEN, .municipality = "131016", .kind = FK_FILE_KOSEKI};
	fk_authz_decision d;
	ck_assert_int_eq(fk_authorize(ctx, &r, &d, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(d.allowed, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "municipality row code=131016"));
}
END_TEST

START_TEST(reassigned_municipality_is_out_of_reach)
{
	/* 千代田区 moves to 札幌法務局 as fukuhon moves it (sealed, recorded): op1's grant on it
	 * no longer counts. */
	fkt_municipality_move(ctx, "131016", "札幌法務局");
	fkt_act_as(ctx, "op1");
	fk_authz_req r = {.op = FK_OP_REGISTER_OPEN, .municipality = "131016", .kind = FK_FILE_KOSEKI};
	fk_authz_decision d;
	ck_assert_ok(fk_authorize(ctx, &r, &d, &err), &err);
	ck_assert_int_eq(d.allowed, 0);
	ck_assert_str_eq(fk_reason_id(d.reason), "jurisdiction");
	fk_perm_matrix m;
	ck_assert_ok(fk_authz_matrix(ctx, ctx->actor.operator_id, 0, &m, &err), &err);
	for (int i = 0; i < m.n; i++)
		ck_assert_str_ne(m.rows[i].municipality, "131016");
	fk_perm_matrix_free(&m);
}
END_TEST

START_TEST(expiry_is_recorded_once)
{
	fkt_act_as(ctx, "op1");
	fk_authz_req r = {.op = FK_OP_REGISTER_OPEN, .municipality = "131059", .kind = FK_FILE_LEDGER};
	fk_authz_decision d;
	ck_assert_ok(fk_authorize(ctx, &r, &d, &err), &err);
	ck_assert_int_eq(d.allowed, 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.expired", NULL, NULL), 0);
	fake_now = T0 + 11 * DAY;
	ck_assert_ok(fk_authorize(ctx, &r, &d, &err), &err);
	ck_assert_str_eq(fk_reason_id(d.reason), "grant-expired");
	ck_assert_ok(fk_authorize(ctx, &r, &d, &err), &err);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.expired", "success", NULL), 1);
	/* the sweep finds the rest; a second sweep finds nothing */
	fkt_act_as(ctx, NULL);
	int64_t id = grant("op2", NULL, "ledger", "view", 0, T0 + 12 * DAY);
	fake_now = T0 + 13 * DAY;
	int n;
	ck_assert_ok(fk_grant_sweep_expired(ctx, &n, &err), &err);
	ck_assert_int_eq(n, 1);
	ck_assert_ok(fk_grant_sweep_expired(ctx, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.expired", "success", NULL), 2);
	(void)id;
}
END_TEST

static int count_grant(const fk_grant *g, void *arg)
{
	(void)g;
	(*(int *)arg)++;
	return 0;
}

static int count_op(const fk_operator *op, const fk_grant *g, int n, void *arg)
{
	int *a = arg;
	a[0]++;
	a[1] += n;
	if (!strcmp(op->username, "op1"))
		ck_assert_int_eq(n, 4);
	(void)g;
	return 0;
}

START_TEST(supervisor_screens)
{
	fk_bureau tokyo, sapporo;
	ck_assert_ok(fk_bureau_find(ctx, "東京法務局", &tokyo, &err), &err);
	ck_assert_ok(fk_bureau_find(ctx, "札幌法務局", &sapporo, &err), &err);
	fkt_act_as(ctx, "sup1");
	int a[2] = {0, 0}, n = 0;
	ck_assert_ok(fk_grant_bureau_operators(ctx, tokyo.id, count_op, a, &err), &err);
	ck_assert_int_eq(a[0], 8);  /* every operator of 東京法務局 (its first administrator too), none of 札幌 */
	ck_assert_int_eq(a[1], 7);  /* their grants, revoked included */
	ck_assert_int_eq(fk_grant_bureau_operators(ctx, sapporo.id, count_op, a, &err), FK_ERR_DENIED);
	ck_assert_ok(fk_grant_expiring(ctx, tokyo.id, 30, count_grant, &n, &err), &err);
	ck_assert_int_eq(n, 1); /* op1's ledger grant ends in 10 days */
	n = 0;
	ck_assert_ok(fk_grant_expiring(ctx, tokyo.id, 5, count_grant, &n, &err), &err);
	ck_assert_int_eq(n, 0);
	fk_perm_matrix m;
	ck_assert_ok(fk_grant_matrix(ctx, "op1", &m, &err), &err);
	int koseki = 0, ledger = 0;
	for (int i = 0; i < m.n; i++) {
		koseki += m.rows[i].rights[FK_FILE_KOSEKI - 1] != 0;
		ledger += m.rows[i].rights[FK_FILE_LEDGER - 1] == (FK_RIGHT_VIEW | FK_RIGHT_PRINT);
		ck_assert_uint_eq(m.rows[i].rights[FK_FILE_JOSEKI - 1], 0); /* not yet valid */
	}
	ck_assert_int_eq(koseki, 1);
	ck_assert_int_eq(ledger, m.n);
	fk_perm_matrix_free(&m);
	ck_assert_int_eq(fk_grant_matrix(ctx, "opsap", &m, &err), FK_ERR_DENIED);
	/* an operator reads only its own grants */
	fkt_act_as(ctx, "op1");
	fk_grant_filter own = {"op1", 0, 0, 0}, other = {"op2", 0, 0, 0};
	n = 0;
	ck_assert_ok(fk_grant_list(ctx, &own, count_grant, &n, &err), &err);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(fk_grant_list(ctx, &other, count_grant, &n, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.list", "denied", "role"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.matrix", "denied", "jurisdiction"), 1);
}
END_TEST

/* Issue 14: the grants screen reads a page at a time (a bureau holds 10,000 at scale), each
 * page decided and recorded, each row checked; pages in turn give exactly the list, and the
 * first page's count is the list's. A grant row altered outside fukuhon stops its page. */
START_TEST(grants_by_page)
{
	fk_bureau tokyo, sapporo;
	ck_assert_ok(fk_bureau_find(ctx, "東京法務局", &tokyo, &err), &err);
	ck_assert_ok(fk_bureau_find(ctx, "札幌法務局", &sapporo, &err), &err);
	fkt_act_as(ctx, "sup1");
	fk_grant_filter f = {NULL, tokyo.id, 0, 0};
	int all = 0;
	ck_assert_ok(fk_grant_list(ctx, &f, count_grant, &all, &err), &err);
	ck_assert_int_eq(all, 7);
	fk_grant page[3];
	int n, seen = 0, pages = 0;
	int64_t rest, after = 0, total = -1;
	do {
		ck_assert_ok(fk_grant_page(ctx, &f, after, 3, page, &n, pages ? NULL : &rest, &err), &err);
		if (!pages)
			total = rest;
		for (int i = 0; i < n; i++) {
			ck_assert_int_gt(page[i].id, after);
			ck_assert_int_eq(page[i].id, gid[seen + 1]); /* gid[1..7] are 東京's, in id order */
			after = page[i].id;
			seen++;
		}
		pages++;
	} while (n == 3);
	ck_assert_int_eq(seen, all);
	ck_assert_int_eq(total, all);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(fkt_audit_count(ctx, "grant.list", "success", NULL), 1 + pages);
	/* another bureau's grants: refused and recorded, nothing handed out */
	fk_grant_filter other = {NULL, sapporo.id, 0, 0};
	ck_assert_int_eq(fk_grant_page(ctx, &other, 0, 3, page, &n, &rest, &err), FK_ERR_DENIED);
	ck_assert_int_eq(n, 0);
	/* a grant's rights widened outside fukuhon: its page is refused, naming it */
	char sql[96], row[32];
	snprintf(sql, sizeof sql, "UPDATE permission_grant SET rights = 15 WHERE id = %lld", (long long)gid[6]);
	ck_assert_int_eq(fk_sql_exec(ctx->db, sql), SQLITE_OK);
	ck_assert_int_eq(fk_grant_page(ctx, &f, gid[3], 3, page, &n, &rest, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(n, 0);
	snprintf(row, sizeof row, "id=%lld", (long long)gid[6]);
	ck_assert_msg(strstr(err.msg, row), "%s", err.msg);
}
END_TEST

START_TEST(names_and_lists)
{
	unsigned b;
	char buf[64];
	ck_assert_ok(fk_kinds_parse("koseki,除籍,受付帳情報,documents", &b, &err), &err);
	ck_assert_uint_eq(b, 15);
	fk_kinds_format(b, buf, sizeof buf);
	ck_assert_str_eq(buf, "koseki,joseki,ledger,documents");
	ck_assert_ok(fk_rights_parse("print,view", &b, &err), &err);
	ck_assert_uint_eq(b, FK_RIGHT_PRINT | FK_RIGHT_VIEW);
	ck_assert_int_eq(fk_rights_parse("view,,print", &b, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_rights_parse("", &b, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_kinds_parse("koseki,passport", &b, &err), FK_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "passport"));
	ck_assert_int_eq(err.msg_id, FK_MSG_KIND_UNKNOWN);
	ck_assert_str_eq(err.msg_arg, "passport");
	/* The words the console shows, typed back with its separators (issue 11, item 4). */
	ck_assert_ok(fk_kinds_parse("戸籍・受付帳、届書", &b, &err), &err);
	ck_assert_uint_eq(b, 13);
	ck_assert_ok(fk_rights_parse("閲覧・書出し,印刷、廃棄", &b, &err), &err);
	ck_assert_uint_eq(b, FK_RIGHTS_ALL);
	ck_assert_int_eq(fk_rights_parse("閲覧・", &b, &err), FK_ERR_INVALID);
	ck_assert_int_eq(err.msg_id, FK_MSG_RIGHT_EMPTY);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("authz");
	TCase *table = tcase_create("table");
	tcase_add_unchecked_fixture(table, setup_shared, cleanup_shared);
	tcase_add_checked_fixture(table, open_shared, close_shared);
	tcase_set_timeout(table, 60);
	tcase_add_loop_test(table, file_decisions, 0, (int)(sizeof file_cases / sizeof file_cases[0]));
	tcase_add_loop_test(table, manage_decisions, 0,
			    (int)(sizeof manage_cases / sizeof manage_cases[0]));
	suite_add_tcase(s, table);
	TCase *tc = tcase_create("changes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, administrator_cannot_grant_its_own_account);
	tcase_add_test(tc, supervisor_grants_are_checked_and_recorded);
	tcase_add_test(tc, reassigned_municipality_is_out_of_reach);
	tcase_add_test(tc, municipality_moved_outside_fukuhon_is_refused);
	tcase_add_test(tc, expiry_is_recorded_once);
	tcase_add_test(tc, supervisor_screens);
	tcase_add_test(tc, grants_by_page);
	tcase_add_test(tc, names_and_lists);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fkt_run(suite());
}
