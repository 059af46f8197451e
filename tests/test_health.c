/* Unit tests: health (core/admin/healthcheck.h) and the lockdown's state (core/store/lockdown.h,
 * core/admin/lockdown_admin.h). R-DETECT, R-INTRUSION, R-LOG. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fktest.h"

static fkt_env env;
static fk_ctx *ctx;
static fk_error err;
static fk_hc_report *rep;
static int64_t now_ns;

static int64_t test_clock(void)
{
	return now_ns;
}

static void setup(void)
{
	fkt_env_init(&env, NULL);
	ctx = fkt_ctx_init(&env);
	fkt_enrol(ctx, "sup", FK_ROLE_SUPERVISOR, "東京法務局");
	fkt_enrol(ctx, "op1", FK_ROLE_OPERATOR, "東京法務局");
	rep = calloc(1, sizeof *rep);
	ck_assert_ptr_nonnull(rep);
	now_ns = fk_now_ns();
}

static void teardown(void)
{
	free(rep);
	fk_ctx_close(ctx);
	fkt_env_cleanup(&env);
}

static const fk_hc_item *report(int check)
{
	fk_error_clear(&err);
	ck_assert_ok(fk_health_report(ctx, check, rep, NULL, NULL, &err), &err);
	return rep->item;
}

/* A record of another part of the terminal (the backup commands write these names). */
static void record(const char *action, fk_result result)
{
	ck_assert_ok(fk_audit(ctx, action, "file", "x", result, "", NULL, &err), &err);
}

START_TEST(a_new_terminal_warns_of_what_was_never_done)
{
	const fk_hc_item *it = report(0);
	ck_assert_int_eq(it[FK_HC_INTEGRITY].level, FK_HC_WARNING);
	ck_assert_int_eq(it[FK_HC_HISTORY].level, FK_HC_WARNING);
	ck_assert_int_eq(it[FK_HC_CHECKPOINT].level, FK_HC_WARNING);
	ck_assert_int_eq(it[FK_HC_BACKUP].level, FK_HC_WARNING);
	ck_assert_str_eq(it[FK_HC_BACKUP].what, "no backup recorded");
	/* a PostgreSQL store's restore is verified on its server (core/admin/healthcheck.c) */
	ck_assert_int_eq(it[FK_HC_BACKUP_VERIFY].level, fkt_pg() ? FK_HC_OK : FK_HC_WARNING);
	ck_assert_int_eq(it[FK_HC_KEYS].level, FK_HC_OK);
	ck_assert_int_eq(it[FK_HC_LOCKDOWN].level, FK_HC_OK);
	/* no alert raised yet: none open, not a warning (tests/health.sh raises one) */
	ck_assert_int_eq(fk_health_open_alerts(ctx), 0);
	ck_assert_int_eq(it[FK_HC_ALERTS].level, FK_HC_OK);
	ck_assert_int_ne(rep->level, FK_HC_OK);
	ck_assert_int_eq(fkt_audit_count(ctx, "health.view", "success", NULL), 1);
}
END_TEST

/* The full check's outcome is on record and the next report finds it: passed now, failed
 * later (critical), and too old (a warning) by the configured age. */
START_TEST(the_last_full_check_is_recorded_and_found)
{
	const fk_hc_item *it = report(1);
	ck_assert(rep->ran_check);
	ck_assert_int_eq(fkt_audit_count(ctx, "health.check", "success", NULL), 1);
	ck_assert_int_eq(it[FK_HC_INTEGRITY].level, FK_HC_OK);
	ck_assert_int_gt(it[FK_HC_INTEGRITY].when, 0);
	it = report(0);
	ck_assert_int_eq(it[FK_HC_INTEGRITY].level, FK_HC_OK);
	/* status --check records its outcome the same way */
	fk_health h;
	ck_assert_ok(fk_health_get(ctx, 1, &h, NULL, NULL, &err), &err);
	ck_assert_int_eq(fkt_audit_count(ctx, "health.check", "success", NULL), 2);
	/* a week and a day later: too old */
	ctx->clock = test_clock;
	now_ns += (int64_t)8 * 86400 * 1000000000;
	it = report(0);
	ck_assert_int_eq(it[FK_HC_INTEGRITY].level, FK_HC_WARNING);
	ck_assert_int_eq(it[FK_HC_INTEGRITY].n, 7);
	/* a failed one is critical, whatever passed before it */
	record("health.check", FK_RESULT_FAILED);
	it = report(0);
	ck_assert_int_eq(it[FK_HC_INTEGRITY].level, FK_HC_CRITICAL);
	ck_assert_int_eq(rep->level, FK_HC_CRITICAL);
	/* a refused attempt is not a check */
	record("health.check", FK_RESULT_SUCCESS);
	record("health.check", FK_RESULT_DENIED);
	ck_assert_int_eq(report(0)[FK_HC_INTEGRITY].level, FK_HC_OK);
}
END_TEST

START_TEST(backups_verifications_and_checkpoints_are_found_in_the_history)
{
	/* On PostgreSQL the terminal's own backup is its key folder's (backup.keys); the
	 * database's backup and its verification are the server's (core/admin/healthcheck.c). */
	record(fkt_pg() ? "backup.keys" : "backup.create", FK_RESULT_SUCCESS);
	const fk_hc_item *it = report(0);
	ck_assert_int_eq(it[FK_HC_BACKUP].level, FK_HC_OK);
	if (fkt_skip_on_pg("backup.verify found in the history", "a PostgreSQL store's restore is "
			   "verified on its server: the item is OK and says so"))
		ck_assert_int_eq(it[FK_HC_BACKUP_VERIFY].level, FK_HC_OK);
	else {
		ck_assert_int_eq(it[FK_HC_BACKUP_VERIFY].level, FK_HC_WARNING);
		record("backup.verify", FK_RESULT_FAILED);
		ck_assert_int_eq(report(0)[FK_HC_BACKUP_VERIFY].level, FK_HC_CRITICAL);
		record("backup.verify", FK_RESULT_SUCCESS);
		ck_assert_int_eq(report(0)[FK_HC_BACKUP_VERIFY].level, FK_HC_OK);
	}
	char path[700];
	fk_checkpoint cp;
	snprintf(path, sizeof path, "%s/kept.json", env.dir);
	ck_assert_ok(fk_access_checkpoint_export(ctx, path, &cp, &err), &err);
	ck_assert_int_eq(report(0)[FK_HC_CHECKPOINT].level, FK_HC_OK);
	/* audit verify records itself so (ctl/cmd_audit.c, tests/test_gate.c) */
	record("audit.verify", FK_RESULT_FAILED);
	ck_assert_int_eq(report(0)[FK_HC_HISTORY].level, FK_HC_CRITICAL);
	record("audit.verify", FK_RESULT_SUCCESS);
	ck_assert_int_eq(report(0)[FK_HC_HISTORY].level, FK_HC_OK);
	/* a backup older than health_backup_max_age (2 days by default) */
	ctx->clock = test_clock;
	now_ns += (int64_t)3 * 86400 * 1000000000;
	ck_assert_int_eq(report(0)[FK_HC_BACKUP].level, FK_HC_WARNING);
}
END_TEST

/* health finds the newest record through the index on the action (≤ 1 s on any history):
 * without it the query would read the history backwards. */
START_TEST(the_newest_record_is_found_through_the_index)
{
	fk_stmt *st;
	if (fkt_skip_on_pg("the query plan", "read with SQLite's EXPLAIN QUERY PLAN; PostgreSQL's "
			   "planner chooses by its statistics, and a fresh test store has none"))
		return;
	ck_assert_int_eq(fk_sql_prepare(ctx->db,
					    "EXPLAIN QUERY PLAN SELECT ts_ns, result FROM audit_log WHERE action = ?1 "
					    "AND result <> 'denied' ORDER BY seq DESC LIMIT 1",
					    0, &st),
			 SQLITE_OK);
	int used = 0;
	while (fk_sql_step(st) == SQLITE_ROW)
		used |= strstr((const char *)fk_sql_column_text(st, 3), "audit_log_action") != NULL;
	fk_sql_finalize(st);
	ck_assert_msg(used, "the newest-record query does not use audit_log_action");
}
END_TEST

START_TEST(unsafe_key_files_and_low_disk_are_reported)
{
	char path[700];
	snprintf(path, sizeof path, "%s/keys/planted", env.dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0644), 0);
	const fk_hc_item *it = report(0);
	ck_assert_int_eq(it[FK_HC_KEYS].level, FK_HC_CRITICAL);
	ck_assert_msg(strstr(it[FK_HC_KEYS].arg, "planted") != NULL, "%s", it[FK_HC_KEYS].arg);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(report(0)[FK_HC_KEYS].level, FK_HC_OK);
	/* thresholds from the configuration: no disk here is 99 % free */
	ctx->cfg.disk_free_warn = 99;
	/* a PostgreSQL store's disk is its server's, watched there (core/admin/healthcheck.c) */
	ck_assert_int_eq(report(0)[FK_HC_DISK_DB].level, fkt_pg() ? FK_HC_OK : FK_HC_WARNING);
	ctx->cfg.disk_free_crit = 99;
	ck_assert_int_eq(report(0)[FK_HC_DISK_KEYS].level, FK_HC_CRITICAL);
}
END_TEST

START_TEST(health_is_for_staff_only)
{
	fkt_act_as(ctx, "op1");
	ck_assert_int_eq(fk_health_report(ctx, 0, rep, NULL, NULL, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fkt_audit_count(ctx, "health.view", "denied", NULL), 1);
	fkt_act_as(ctx, "sup");
	report(0);
	/* the full check too: supervisors may run it (status --check is auditors' and administrators') */
	report(1);
}
END_TEST

START_TEST(the_lockdown_is_turned_on_and_off_by_administrators_on_record)
{
	fk_lockdown ld;
	ck_assert_ok(fk_lockdown_get(ctx, &ld, &err), &err);
	ck_assert_int_eq(ld.on, 0);
	ck_assert_int_eq(ld.since, 0);
	fkt_act_as(ctx, "sup");
	ck_assert_int_eq(fk_lockdown_set(ctx, 1, "no", &err), FK_ERR_DENIED);
	fkt_act_as(ctx, NULL);
	ck_assert_int_eq(fk_lockdown_set(ctx, 1, "", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_lockdown_set(ctx, 1, "two\nlines", &err), FK_ERR_INVALID);
	ck_assert_ok(fk_lockdown_set(ctx, 1, "不正アクセスの疑い", &err), &err);
	ck_assert_int_eq(fk_lockdown_set(ctx, 1, "again", &err), FK_ERR_EXISTS);
	ck_assert_ok(fk_lockdown_get(ctx, &ld, &err), &err);
	ck_assert_int_eq(ld.on, 1);
	ck_assert_str_eq(ld.by, FKT_ADMIN);
	ck_assert_str_eq(ld.reason, "不正アクセスの疑い");
	ck_assert(fk_lockdown_in_force(ctx));
	const fk_hc_item *it = report(0);
	ck_assert_int_eq(it[FK_HC_LOCKDOWN].level, FK_HC_WARNING);
	ck_assert_str_eq(it[FK_HC_LOCKDOWN].arg, "不正アクセスの疑い");
	/* the command line's test sign-in is refused too, administrators' not */
	ck_assert_int_eq(fk_auth_test_signin(ctx, "op1", "test", &err), FK_ERR_AUTH);
	ck_assert_int_eq(err.msg_id, FK_MSG_LOCKDOWN_SIGNIN);
	ck_assert_ok(fk_auth_test_signin(ctx, FKT_ADMIN, "test", &err), &err);
	ck_assert_ok(fk_lockdown_set(ctx, 0, "調査終了", &err), &err);
	ck_assert(!fk_lockdown_in_force(ctx));
	ck_assert_ok(fk_auth_test_signin(ctx, "op1", "test", &err), &err);
	ck_assert_int_eq(fkt_audit_count(ctx, "lockdown.on", "success", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "lockdown.on", "denied", NULL), 1);
	ck_assert_int_eq(fkt_audit_count(ctx, "lockdown.off", "success", NULL), 1);
}
END_TEST

/* The attacker writes the database: a lockdown turned "off" with sqlite3 fails its row's MAC,
 * and a removed row fails the meta table's anchored digest; either way it stays in force. */
START_TEST(a_forged_off_is_refused)
{
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_lockdown_set(ctx, 1, "incident", &err), &err);
	fkt_outside(&env, "UPDATE meta SET value = 'off' || substr(value, 3) WHERE key = 'lockdown'");
	fk_lockdown ld;
	ck_assert_int_eq(fk_lockdown_get(ctx, &ld, &err), FK_ERR_TAMPER);
	ck_assert(fk_lockdown_in_force(ctx));
	ck_assert_int_ne(fk_auth_test_signin(ctx, "op1", "test", &err), FK_OK);
}
END_TEST

START_TEST(a_removed_lockdown_row_is_detected)
{
	fkt_act_as(ctx, NULL);
	ck_assert_ok(fk_lockdown_set(ctx, 1, "incident", &err), &err);
	fkt_outside(&env, "DELETE FROM meta WHERE key = 'lockdown'");
	fk_lockdown ld;
	ck_assert_int_eq(fk_lockdown_get(ctx, &ld, &err), FK_ERR_TAMPER);
	ck_assert_msg(strstr(err.msg, "meta") != NULL, "%s", err.msg);
	ck_assert(fk_lockdown_in_force(ctx));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("health");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_new_terminal_warns_of_what_was_never_done);
	tcase_add_test(tc, the_last_full_check_is_recorded_and_found);
	tcase_add_test(tc, backups_verifications_and_checkpoints_are_found_in_the_history);
	tcase_add_test(tc, the_newest_record_is_found_through_the_index);
	tcase_add_test(tc, unsafe_key_files_and_low_disk_are_reported);
	tcase_add_test(tc, health_is_for_staff_only);
	tcase_add_test(tc, the_lockdown_is_turned_on_and_off_by_administrators_on_record);
	tcase_add_test(tc, a_forged_off_is_refused);
	tcase_add_test(tc, a_removed_lockdown_row_is_detected);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
