/* Unit tests: credentials of scripts — made by administrators only, a secret in the key folder
 * and a sealed row with its keyed hash; the sign-in refuses an unknown, revoked, replaced,
 * missing or hard-linked secret, a command outside the list, a person disabled or locked since,
 * and a row changed in the database; every sign-in and refusal recorded as a credential's
 * (R-AUTH, R-ENROL, R-ACCESS, R-KEYS, R-LOG). An anchor written before the table existed opens. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;

static void setup(void)
{
	fkt_env_init(&env, "lock_failures = 3\nlock_duration = 1h\n");
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "kansa", FK_ROLE_AUDITOR, "東京法務局");
	fkt_enrol(ctx, "suzuki", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "kanri2", FK_ROLE_ADMIN, "東京法務局");
}

static void teardown(void)
{
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static const char *cred_path(const char *name)
{
	static char buf[700];
	snprintf(buf, sizeof buf, "%s/keys/credentials/%s", env.dir, name);
	return buf;
}

/* Bytes of a file (at most len); how many. */
static size_t slurp(const char *path, uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, len, f);
	fclose(f);
	return n;
}

/* Overwrite a file in place (its mode, owner and single link stay). */
static void spill(const char *path, const uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Sign in with credential name for command; back to the administrator afterwards. */
static fk_status use(const char *name, const char *command)
{
	fk_session *s = NULL;
	fk_error_clear(&err);
	fk_status st = fk_auth_credential_signin(ctx, name, command, "test", &s, &err);
	if (st == FK_OK) {
		ck_assert_ptr_nonnull(s);
		ck_assert_int_ne(ctx->actor.operator_id, 0);
		fk_auth_signout(ctx, s, "exit");
	} else {
		ck_assert_ptr_null(s);
		ck_assert_int_eq(ctx->actor.operator_id, 0); /* nobody acts after a refusal */
	}
	fkt_act_as(ctx, NULL);
	return st;
}

/* Whether the database's files hold these bytes anywhere. */
static int in_database(const uint8_t *what, size_t n)
{
	static uint8_t buf[32 << 20];
	const char *suffix[] = {"", "-wal"};
	int found = 0;
	for (int i = 0; i < 2; i++) {
		char path[700];
		snprintf(path, sizeof path, "%s/db/fukuhon.db%s", env.dir, suffix[i]);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t got = fread(buf, 1, sizeof buf, f);
		fclose(f);
		ck_assert_uint_lt(got, sizeof buf);
		found |= memmem(buf, got, what, n) != NULL;
	}
	return found;
}

static int refusals(const char *reason)
{
	return fkt_audit_count(ctx, "signin", "failed", reason);
}

START_TEST(made_used_and_recorded)
{
	ck_assert_ok(fk_credential_add(ctx, "nightly", "kansa", "status, audit verify", &err), &err);
	struct stat sb;
	ck_assert_int_eq(stat(cred_path("nightly"), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(cred_path(""), &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	fk_credential c;
	ck_assert_ok(fk_cred_get(ctx, "nightly", &c, &err), &err);
	ck_assert_str_eq(c.commands, "status,audit verify");
	ck_assert_str_eq(c.user, "kansa");
	ck_assert_str_eq(c.created_by, FKT_ADMIN);
	ck_assert_int_eq(c.revoked, 0);
	/* The secret is in the file only: not in the row, not as its hash. */
	uint8_t file[128];
	ck_assert_uint_eq(slurp(cred_path("nightly"), file, sizeof file), 72);
	ck_assert_int_ne(memcmp(file + 8, c.secret_hash, 32), 0);
	ck_assert_int_eq(in_database(file + 8, 32), 0);
	ck_assert_int_eq(fkt_audit_count(ctx, "credential.add", "success", NULL), 1);

	ck_assert_ok(use("nightly", "audit verify"), &err);
	ck_assert_int_eq(fkt_audit_count(ctx, "signin", "success", "credential"), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "signout", "success", "exit"), 1);
	/* The record says which credential acted for whom (the detail is sealed: read it back). */
	fk_audit_filter f = {.action = "signin", .result = "success"};
	fk_audit_row rows[8];
	int n = 0;
	ck_assert_ok(fk_audit_query(ctx, &f, rows, 8, &n, &err), &err);
	ck_assert_int_ge(n, 1);
	ck_assert_str_eq(rows[n - 1].operator_, "kansa");
	ck_assert_str_eq(rows[n - 1].reason, "credential");
	ck_assert_ptr_nonnull(strstr(rows[n - 1].detail, "credential nightly for kansa"));
	fk_audit_rows_free(rows, n);
}
END_TEST

START_TEST(only_administrators_make_and_revoke)
{
	fkt_act_as(ctx, "kansa");
	ck_assert_int_eq(fk_credential_add(ctx, "x", "kansa", "status", &err), FK_ERR_DENIED);
	fkt_act_as(ctx, "suzuki");
	ck_assert_int_eq(fk_credential_add(ctx, "x", "suzuki", "lockout list", &err), FK_ERR_DENIED);
	ck_assert_int_eq(access(cred_path("x"), F_OK), -1);
	ck_assert_int_eq(fkt_audit_count(ctx, "credential.add", "denied", "role"), 2);
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_credential_add(ctx, "x", "suzuki", "lockout list", &err), &err);
	fkt_act_as(ctx, "suzuki");
	ck_assert_int_eq(fk_credential_revoke(ctx, "x", &err), FK_ERR_DENIED);
	/* Auditors see the list; supervisors do not. */
	ck_assert_int_eq(fk_credential_list(ctx, NULL, NULL, &err), FK_ERR_DENIED);
	fkt_act_as(ctx, NULL);
	ck_assert_int_eq(access(cred_path("x"), F_OK), 0);
}
END_TEST

START_TEST(lists_and_names_are_checked)
{
	char out[FK_CRED_COMMANDS_MAX + 1];
	ck_assert_ok(fk_cred_commands_parse(" status ,audit verify", out, sizeof out, &err), &err);
	ck_assert_str_eq(out, "status,audit verify");
	const char *bad[] = {"", "status,", "status,status", "credential add", "credential",
			     "Status", "audit  verify", "status;rm", "status,credential revoke"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(fk_cred_commands_parse(bad[i], out, sizeof out, &err) == FK_ERR_INVALID,
			      "'%s' accepted", bad[i]);
	const char *names[] = {"", ".hidden", "-x", "a/b", "..", "a b", "nightly\n"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		ck_assert_int_eq(fk_cred_name_valid(names[i], NULL), FK_ERR_INVALID);
		ck_assert_int_eq(fk_credential_add(ctx, names[i], "kansa", "status", &err), FK_ERR_INVALID);
	}
	/* Nobody is made for a person not enrolled or disabled; nothing is left in the folder. */
	ck_assert_int_eq(fk_credential_add(ctx, "ghost", "ghost", "status", &err), FK_ERR_NOTFOUND);
	ck_assert_ok(fk_operator_set_enabled(ctx, "suzuki", 0, &err), &err);
	ck_assert_int_eq(fk_credential_add(ctx, "sz", "suzuki", "lockout list", &err), FK_ERR_INVALID);
	ck_assert_int_eq(access(cred_path("ghost"), F_OK), -1);
	ck_assert_int_eq(access(cred_path("sz"), F_OK), -1);
	/* A name is never used twice, whatever its case. */
	ck_assert_ok(fk_credential_add(ctx, "job", "kansa", "status", &err), &err);
	ck_assert_ok(fk_credential_revoke(ctx, "job", &err), &err);
	ck_assert_int_eq(fk_credential_add(ctx, "JOB", "kansa", "status", &err), FK_ERR_EXISTS);
	ck_assert_int_eq(fk_credential_add(ctx, "job", "kansa", "status", &err), FK_ERR_EXISTS);
}
END_TEST

START_TEST(refusals_are_recorded_and_not_counted)
{
	ck_assert_ok(fk_credential_add(ctx, "nightly", "kansa", "status,audit verify", &err), &err);
	ck_assert_ok(fk_credential_add(ctx, "other", "kansa", "status", &err), &err);
	uint8_t mine[72], theirs[72];
	ck_assert_uint_eq(slurp(cred_path("nightly"), mine, sizeof mine), 72);
	ck_assert_uint_eq(slurp(cred_path("other"), theirs, sizeof theirs), 72);

	ck_assert_int_eq(use("nobody", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-unknown"), 1);
	ck_assert_int_eq(use("../keys/trust.key", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-bad-name"), 1);
	/* R-ACCESS: only the listed commands, whatever the person's role allows. */
	ck_assert_int_eq(use("nightly", "audit list"), FK_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err.msg, "may not run 'audit list'"));
	ck_assert_int_eq(use("nightly", "credential add"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-command"), 2);
	/* Another credential's secret (a valid file of the right form) is not this one's. */
	spill(cred_path("nightly"), theirs, sizeof theirs);
	ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-mismatch"), 1);
	spill(cred_path("nightly"), mine, sizeof mine);
	ck_assert_ok(use("nightly", "status"), &err);
	/* The key folder's rules: a second name for the file is refused. */
	char link_path[800];
	snprintf(link_path, sizeof link_path, "%s/copy", env.dir);
	ck_assert_int_eq(link(cred_path("nightly"), link_path), 0);
	ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-file"), 1);
	ck_assert_int_eq(unlink(link_path), 0);
	ck_assert_int_eq(rename(cred_path("nightly"), link_path), 0);
	ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-no-file"), 1);
	ck_assert_int_eq(rename(link_path, cred_path("nightly")), 0);
	ck_assert_ok(use("nightly", "status"), &err);
	/* Nothing counted toward kansa's lockout: the person is not locked after all this. */
	int locked;
	ck_assert_ok(fk_lockout_admit(ctx, "kansa", &locked, &err), &err);
	ck_assert_int_eq(locked, 0);
	ck_assert_int_eq(fkt_scalar(ctx, "SELECT count(*) FROM lockout"), 0);
}
END_TEST

START_TEST(person_disabled_or_locked_since_is_refused)
{
	ck_assert_ok(fk_credential_add(ctx, "nightly", "kansa", "status", &err), &err);
	ck_assert_ok(use("nightly", "status"), &err);
	ck_assert_ok(fk_operator_set_enabled(ctx, "kansa", 0, &err), &err);
	ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("disabled"), 1);
	ck_assert_ok(fk_operator_set_enabled(ctx, "kansa", 1, &err), &err);
	ck_assert_ok(use("nightly", "status"), &err);
	/* R-LOCKOUT: failed PAM sign-ins that lock the person lock their scripts too. */
	for (int i = 0; i < 3; i++) {
		int locked_now;
		ck_assert_ok(fk_lockout_failure(ctx, "kansa", 0, FK_OP_SIGNIN, "auth", 1, &locked_now, &err), &err);
	}
	ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("locked"), 1);
	ck_assert_ok(fk_lockout_unlock(ctx, "kansa", "checked", &err), &err);
	ck_assert_ok(use("nightly", "status"), &err);
}
END_TEST

START_TEST(revoked_stays_refused)
{
	ck_assert_ok(fk_credential_add(ctx, "nightly", "kansa", "status", &err), &err);
	uint8_t mine[72];
	ck_assert_uint_eq(slurp(cred_path("nightly"), mine, sizeof mine), 72);
	ck_assert_ok(fk_credential_revoke(ctx, "nightly", &err), &err);
	ck_assert_int_eq(access(cred_path("nightly"), F_OK), -1);
	ck_assert_int_eq(fk_credential_revoke(ctx, "nightly", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_credential_revoke(ctx, "never", &err), FK_ERR_NOTFOUND);
	ck_assert_int_eq(fkt_audit_count(ctx, "credential.revoke", "success", NULL), 1);
	/* The file put back from a copy: the row says revoked. */
	int fd = open(cred_path("nightly"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, mine, sizeof mine), (ssize_t)sizeof mine);
	close(fd);
	ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH);
	ck_assert_int_eq(refusals("credential-revoked"), 1);
	fk_credential c;
	ck_assert_ok(fk_cred_get(ctx, "nightly", &c, &err), &err);
	ck_assert_int_eq(c.revoked, 1);
	ck_assert_str_eq(c.revoked_by, FKT_ADMIN);
}
END_TEST

/* Write to the database behind the terminal's back, as an attacker with sqlite3 would. */
static void outside(const char *sql)
{
	fkt_outside(&env, sql);
}

START_TEST(a_changed_row_is_refused_naming_it)
{
	ck_assert_ok(fk_credential_add(ctx, "nightly", "kansa", "status", &err), &err);
	ck_assert_ok(fk_credential_revoke(ctx, "nightly", &err), &err);
	/* Widening the list, un-revoking, or pointing it at an administrator; then put back. */
	char restore[200];
	snprintf(restore, sizeof restore, "UPDATE credential SET revoked_at = %lld, revoked_by = %lld, "
		 "revoked_by_user = '%s'", (long long)fkt_scalar(ctx, "SELECT revoked_at FROM credential"),
		 (long long)fkt_scalar(ctx, "SELECT revoked_by FROM credential"), FKT_ADMIN);
	const char *edits[][2] = {
		{"UPDATE credential SET commands = 'status,operator add'", "UPDATE credential SET commands = 'status'"},
		{"UPDATE credential SET revoked_at = NULL, revoked_by = NULL, revoked_by_user = NULL", restore},
		{"UPDATE credential SET operator_id = (SELECT id FROM operator WHERE username = 'admin')",
		 "UPDATE credential SET operator_id = (SELECT id FROM operator WHERE username = 'kansa')"},
	};
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		outside(edits[i][0]);
		ck_assert_int_eq(use("nightly", "status"), FK_ERR_TAMPER);
		ck_assert_ptr_nonnull(strstr(err.msg, "credential row name=nightly"));
		outside(edits[i][1]);
		ck_assert_int_eq(use("nightly", "status"), FK_ERR_AUTH); /* revoked, as it was */
	}
	/* A row made outside fukuhon has no MAC that fits. */
	outside("INSERT INTO credential(name, operator_id, commands, secret_hash, created_by, created_by_user, "
		"created_at) VALUES ('planted', 1, 'status', zeroblob(32), 1, 'admin', 0)");
	ck_assert_int_eq(use("planted", "status"), FK_ERR_TAMPER);
	ck_assert_ptr_nonnull(strstr(err.msg, "credential row name=planted"));
}
END_TEST

START_TEST(an_anchor_from_before_credentials_opens)
{
	/* A terminal made by a program that knew one sealed table fewer. */
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
	fkt_env_init(&env, NULL);
	fk_anchor_test_width(FK_T_COUNT - 1);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "kansa", FK_ROLE_AUDITOR, "東京法務局");
	fk_ctx_close(ctx);
	fk_anchor_test_width(0);
	ctx = fkt_ctx_open(&env);
	ck_assert_ok(fk_credential_add(ctx, "nightly", "kansa", "status", &err), &err);
	fk_ctx_close(ctx);
	ctx = fkt_ctx_open(&env);
	ck_assert_ok(use("nightly", "status"), &err);
	if (fkt_skip_on_pg("the anchor file's table of credentials", "a shared store's tables are "
			   "counted in its trust_state row, which the anchor file names by its MAC only "
			   "(core/trust/anchor.c): an anchor's width does not apply"))
		return;
	fk_anchor a;
	ck_assert_ok(fk_trust_anchored(ctx, &a, &err), &err);
	ck_assert_uint_eq(a.now.table[FK_T_CREDENTIAL].count, 1);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("credential");
	TCase *tc = tcase_create("credential");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, made_used_and_recorded);
	tcase_add_test(tc, only_administrators_make_and_revoke);
	tcase_add_test(tc, lists_and_names_are_checked);
	tcase_add_test(tc, refusals_are_recorded_and_not_counted);
	tcase_add_test(tc, person_disabled_or_locked_since_is_refused);
	tcase_add_test(tc, revoked_stays_refused);
	tcase_add_test(tc, a_changed_row_is_refused_naming_it);
	tcase_add_test(tc, an_anchor_from_before_credentials_opens);
	suite_add_tcase(su, tc);
	return fkt_run(su);
}
