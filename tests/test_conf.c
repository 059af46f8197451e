/* Unit tests: the configuration file (fukuhon.conf(5)). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"

START_TEST(defaults_and_relative_paths)
{
	fk_config c;
	fk_error err;
	ck_assert_ok(fk_config_parse("# comment\n\ndatabase = db/x.db\nkey_dir=/abs/keys\n", "/etc/fk/fukuhon.conf", &c, &err), &err);
	ck_assert_str_eq(c.database, "/etc/fk/db/x.db");
	ck_assert_str_eq(c.key_dir, "/abs/keys");
	ck_assert_str_eq(c.pam_service, "fukuhon");
	ck_assert_str_eq(c.language, "auto");
	ck_assert_int_eq(c.lock_failures, 5);
	ck_assert_int_eq(c.lock_window, 900);
	ck_assert_int_eq(c.lock_duration, 1800);
	ck_assert_int_eq(c.idle_timeout, 300);
	ck_assert_int_eq(c.fail_delay, 2);
	ck_assert_int_eq(c.prompt_timeout, 120);
	fk_config_free(&c);
}
END_TEST

START_TEST(durations_and_booleans)
{
	fk_config c;
	fk_error err;
	ck_assert_ok(fk_config_parse("lock_window = 15m\nlock_duration = 0\nlock_growth = yes\n"
				     "idle_timeout = 1h\nlanguage = ja\nmouse = yes\nprompt_timeout = 15m\n",
				     "f.conf", &c, &err), &err);
	ck_assert_int_eq(c.prompt_timeout, 900);
	ck_assert_int_eq(c.mouse, 1);
	ck_assert_int_eq(c.lock_window, 900);
	ck_assert_int_eq(c.lock_duration, 0);
	ck_assert_int_eq(c.lock_growth, 1);
	ck_assert_int_eq(c.idle_timeout, 3600);
	ck_assert_str_eq(c.language, "ja");
	fk_config_free(&c);
	/* Plain seconds up to the maximum, not only with a unit; the mouse is off by default. */
	ck_assert_ok(fk_config_parse("idle_timeout = 86400\nlock_duration = 31536000\n", "f.conf", &c, &err), &err);
	ck_assert_int_eq(c.mouse, 0);
	ck_assert_int_eq(c.idle_timeout, 86400);
	ck_assert_int_eq(c.lock_duration, 31536000);
	fk_config_free(&c);
	ck_assert_int_eq(fk_config_parse("idle_timeout = 86401\n", "f.conf", &c, &err), FK_ERR_CONFIG);
	ck_assert_int_eq(fk_config_parse("lock_window = 99999999999d\n", "f.conf", &c, &err), FK_ERR_CONFIG);
}
END_TEST

/* Issue 15: the PAM helper's socket; with it the service is the helper's own, so any other
 * pam_service is refused rather than silently ignored. */
START_TEST(auth_helper_and_its_service)
{
	fk_config c;
	fk_error err;
	ck_assert_ok(fk_config_parse("language = en\n", "/etc/fk/fukuhon.conf", &c, &err), &err);
	ck_assert_str_eq(c.auth_helper, ""); /* none: PAM in the process, as before */
	fk_config_free(&c);
	ck_assert_ok(fk_config_parse("auth_helper = run/authd.sock\n", "/etc/fk/fukuhon.conf", &c, &err), &err);
	ck_assert_str_eq(c.auth_helper, "/etc/fk/run/authd.sock");
	fk_config_free(&c);
	ck_assert_int_eq(fk_config_parse("auth_helper = /run/fukuhon/authd.sock\npam_service = login\n", "f.conf",
					 &c, &err),
			 FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "pam_service must be fukuhon"));
	ck_assert_ok(fk_config_parse("pam_service = login\n", "f.conf", &c, &err), &err);
	fk_config_free(&c);
}
END_TEST

/* Every key once, the early ones and those past the 32nd together: none is "set twice" (a
 * bit set of an int once made the 33rd key collide with the first: fixed with a flag per key). */
START_TEST(every_key_once_is_not_twice)
{
	fk_config c;
	fk_error err;
	ck_assert_ok(fk_config_parse("database = db/x.db\nkey_dir = keys\ndata_dir = data\nterminal_id = t\n"
				     "bureau = 東京法務局\npam_service = fukuhon\nlanguage = ja\nlock_failures = 5\n"
				     "lock_window = 15m\nlock_duration = 30m\nlock_growth = yes\nidle_timeout = 5m\n"
				     "fail_delay = 2\nprompt_timeout = 2m\nmouse = no\nprint_spool = spool\n"
				     "alert_signin_failures = 20\nalert_terminal_failures = 10\n"
				     "alert_signin_window = 5m\nalert_refusals = 5\nalert_refusals_window = 10m\n"
				     "alert_opens_per_hour = 200\nparent_sees_branches = no\n"
				     "health_check_max_age = 7d\nhealth_verify_max_age = 7d\n"
				     "health_checkpoint_max_age = 7d\nhealth_backup_max_age = 2d\n"
				     "disk_free_warn = 20\ndisk_free_crit = 10\nauth_helper = /run/fukuhon/authd.sock\n",
				     "/etc/fk/fukuhon.conf", &c, &err), &err);
	ck_assert_str_eq(c.auth_helper, "/run/fukuhon/authd.sock");
	ck_assert_int_eq(c.disk_free_crit, 10);
	fk_config_free(&c);
	/* and a real repeat past the 32nd is still one */
	ck_assert_int_eq(fk_config_parse("disk_free_crit = 5\ndisk_free_crit = 6\n", "f.conf", &c, &err), FK_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "set twice"));
}
END_TEST

START_TEST(refusals_name_the_line)
{
	fk_config c;
	fk_error err;
	const struct {
		const char *text, *needle;
	} bad[] = {
		{"database = a\nfoo = 1\n", "f.conf:2: unknown setting 'foo'"},
		{"database = a\ndatabase = b\n", "f.conf:2: database is set twice"},
		{"lock_failures = many\n", "f.conf:1: lock_failures"},
		{"lock_failures = 0\n", "f.conf:1: lock_failures"},
		{"lock_window = 5x\n", "f.conf:1: lock_window"},
		{"prompt_timeout = 4\n", "f.conf:1: prompt_timeout"},
		{"prompt_timeout = 16m\n", "f.conf:1: prompt_timeout"},
		{"just words\n", "f.conf:1: expected 'key = value'"},
		{"database =\n", "f.conf:1: database needs a value"},
		{"language = fr\n", "language must be"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(fk_config_parse(bad[i].text, "f.conf", &c, &err), FK_ERR_CONFIG);
		ck_assert_msg(strstr(err.msg, bad[i].needle), "%s: got '%s'", bad[i].text, err.msg);
	}
}
END_TEST

START_TEST(missing_file)
{
	fk_config c;
	fk_error err;
	ck_assert_int_eq(fk_config_load("/nonexistent/fukuhon.conf", &c, &err), FK_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/fukuhon.conf"));
	fk_config_free(&c);
}
END_TEST

/* ---- who may write the file (like sshd's StrictModes) ---- */

static fkt_env env;

static void perm_setup(void)
{
	fkt_env_init(&env, NULL); /* a 0700 folder of our own, the file written with our umask */
}

static void perm_teardown(void)
{
	chmod(env.dir, 0700);
	fkt_env_cleanup(&env);
}

static void expect_refused(const char *path, const char *why)
{
	fk_config c;
	fk_error err;
	ck_assert_int_eq(fk_config_load(path, &c, &err), FK_ERR_CONFIG);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, why), "wanted '%s' naming %s: %s", why,
		      path, err.msg);
	fk_config_free(&c);
}

static void expect_loaded(const char *path)
{
	fk_config c;
	fk_error err;
	ck_assert_ok(fk_config_load(path, &c, &err), &err);
	ck_assert_str_eq(c.pam_service, "fukuhon");
	fk_config_free(&c);
}

START_TEST(file_writable_by_others_is_refused)
{
	expect_loaded(env.config); /* as the tests write it: umask 022 */
	ck_assert_int_eq(chmod(env.config, 0600), 0);
	expect_loaded(env.config);
	ck_assert_int_eq(chmod(env.config, 0664), 0);
	expect_refused(env.config, "writable by group or others (mode 0664)");
	ck_assert_int_eq(chmod(env.config, 0646), 0);
	expect_refused(env.config, "writable by group or others (mode 0646)");
	/* and the context does not open with it */
	fk_ctx *ctx;
	fk_error err;
	fk_bootstrap b = {.admin = FKT_ADMIN, .bureau = "東京法務局", .mode = FK_MODE_TEST};
	ck_assert_int_eq(fk_terminal_create(env.config, &b, &ctx, &err), FK_ERR_CONFIG);
	ck_assert_int_eq(fk_ctx_open(env.config, FK_CTX_OPEN, &ctx, &err), FK_ERR_CONFIG);
	ck_assert_int_eq(chmod(env.config, 0444), 0);
	expect_loaded(env.config);
}
END_TEST

START_TEST(file_of_another_user_is_refused)
{
	if (geteuid() != 0)
		return; /* only root can give a file away */
	ck_assert_int_eq(chown(env.config, 4242, 4242), 0);
	expect_refused(env.config, "owned by uid 4242; it must be owned by root or uid 0");
	ck_assert_int_eq(chown(env.config, 0, 4242), 0);
	expect_loaded(env.config);
}
END_TEST

START_TEST(folder_writable_by_others_is_refused)
{
	ck_assert_int_eq(chmod(env.dir, 0775), 0);
	expect_refused(env.config, "writable by group or others (mode 0775)");
	ck_assert_int_eq(chmod(env.dir, 0757), 0);
	expect_refused(env.config, env.dir);
	ck_assert_int_eq(chmod(env.dir, 01777), 0); /* sticky, like /tmp: others cannot replace it */
	expect_loaded(env.config);
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(env.dir, 0755), 0);
		ck_assert_int_eq(chown(env.dir, 4242, 0), 0);
		expect_refused(env.config, "owned by uid 4242");
		ck_assert_int_eq(chown(env.dir, 0, 0), 0);
	}
}
END_TEST

/* A folder further up counts too: whoever may write it can swap the whole branch. */
START_TEST(folder_above_writable_by_others_is_refused)
{
	char sub[700], conf[800];
	snprintf(sub, sizeof sub, "%s/etc", env.dir);
	snprintf(conf, sizeof conf, "%s/fukuhon.conf", sub);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(rename(env.config, conf), 0);
	expect_loaded(conf);
	ck_assert_int_eq(chmod(env.dir, 0777), 0);
	expect_refused(conf, "mode 0777");
}
END_TEST

/* A link is judged by both folders: the one holding the name and the one holding the file. */
START_TEST(symlink_needs_both_folders_safe)
{
	char open_dir[700], link[800], safe[700], real[800];
	snprintf(open_dir, sizeof open_dir, "%s/open", env.dir);
	snprintf(link, sizeof link, "%s/fukuhon.conf", open_dir);
	snprintf(safe, sizeof safe, "%s/safe", env.dir);
	snprintf(real, sizeof real, "%s/fukuhon.conf", safe);
	ck_assert_int_eq(mkdir(open_dir, 0755), 0);
	ck_assert_int_eq(mkdir(safe, 0755), 0);
	ck_assert_int_eq(rename(env.config, real), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	expect_loaded(link);
	ck_assert_int_eq(chmod(open_dir, 0777), 0); /* anyone could replace the link */
	expect_refused(link, open_dir);
	ck_assert_int_eq(chmod(open_dir, 0755), 0);
	ck_assert_int_eq(chmod(safe, 0770), 0); /* the group could replace the file */
	expect_refused(link, safe);
	ck_assert_int_eq(chmod(safe, 0755), 0);
	expect_loaded(link);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults_and_relative_paths);
	tcase_add_test(tc, durations_and_booleans);
	tcase_add_test(tc, auth_helper_and_its_service);
	tcase_add_test(tc, every_key_once_is_not_twice);
	tcase_add_test(tc, refusals_name_the_line);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	TCase *perm = tcase_create("permissions");
	tcase_add_checked_fixture(perm, perm_setup, perm_teardown);
	tcase_add_test(perm, file_writable_by_others_is_refused);
	tcase_add_test(perm, file_of_another_user_is_refused);
	tcase_add_test(perm, folder_writable_by_others_is_refused);
	tcase_add_test(perm, folder_above_writable_by_others_is_refused);
	tcase_add_test(perm, symlink_needs_both_folders_safe);
	suite_add_tcase(s, perm);
	return fkt_run(s);
}
