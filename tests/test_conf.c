/* Unit tests: the configuration file (fukuhon.conf(5)). */
#include "config.h"

#include <string.h>

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

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults_and_relative_paths);
	tcase_add_test(tc, durations_and_booleans);
	tcase_add_test(tc, refusals_name_the_line);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
