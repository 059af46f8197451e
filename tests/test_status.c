/* Unit tests: status names and error messages. */
#include "config.h"

#include <string.h>

#include "fktest.h"

START_TEST(names_cover_every_code)
{
	for (int i = 0; i < FK_STATUS_COUNT; i++)
		ck_assert_str_ne(fk_status_name((fk_status)i), "unknown status");
	ck_assert_str_eq(fk_status_name(FK_STATUS_COUNT), "unknown status");
}
END_TEST

START_TEST(messages_are_one_line)
{
	fk_error err;
	/* Data can end up in a message: it must never carry control characters. */
	ck_assert_int_eq(fk_fail(&err, FK_ERR_INVALID, "bad \x1b[31mvalue\n%s", "x\ty"), FK_ERR_INVALID);
	ck_assert_ptr_null(strchr(err.msg, '\x1b'));
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	ck_assert_ptr_null(strchr(err.msg, '\t'));
	fk_fail_wrap(&err, "context %d", 7);
	ck_assert_str_eq(err.msg, "context 7: bad  [31mvalue x y");
	ck_assert_int_eq(fk_fail(NULL, FK_ERR_IO, "ignored"), FK_ERR_IO);
}
END_TEST

/* A failing path never yields FK_OK, even when given it by mistake: callers
 * (and the static analyser) may rely on fk_fail's result being a failure. */
START_TEST(a_failure_is_never_ok)
{
	fk_error err;
	fk_error_clear(&err);
	ck_assert_int_eq(fk_fail(&err, FK_OK, "oops %d", 1), FK_ERR_INTERNAL);
	ck_assert_int_eq(err.code, FK_ERR_INTERNAL);
	ck_assert_str_eq(err.msg, "oops 1");
	fk_error_clear(&err);
	ck_assert_int_eq(fk_fail_wrap(&err, "context"), FK_ERR_INTERNAL); /* holds no failure */
	ck_assert_int_eq(fk_fail_wrap(NULL, "context"), FK_ERR_INTERNAL);
	ck_assert_int_eq(fk_fail(&err, FK_ERR_FULL, "disk"), FK_ERR_FULL);
	ck_assert_int_eq(fk_fail_wrap(&err, "writing"), FK_ERR_FULL);
	ck_assert_str_eq(err.msg, "writing: disk");
	ck_assert_int_eq(fk_failed(FK_ERR_DB), FK_ERR_DB);
}
END_TEST

START_TEST(copy_str_never_splits_utf8)
{
	char buf[5];
	ck_assert_int_eq(fk_copy_str(buf, sizeof buf, "ab山田"), 1);
	ck_assert_str_eq(buf, "ab");
	ck_assert_int_eq(fk_copy_str(buf, sizeof buf, "abcd"), 0);
	ck_assert_str_eq(buf, "abcd");
}
END_TEST

START_TEST(parse_time)
{
	int64_t ns;
	fk_error err;
	ck_assert_ok(fk_parse_time("2026-11-27", &ns, &err), &err);
	ck_assert_int_eq(ns, INT64_C(1795737600) * 1000000000);
	ck_assert_ok(fk_parse_time("2026-11-27T06:52:51Z", &ns, &err), &err);
	ck_assert_int_eq(fk_parse_time("2026-02-29", &ns, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_parse_time("2026-13-01", &ns, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_parse_time("yesterday", &ns, &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_parse_time("2026-11-27x", &ns, &err), FK_ERR_INVALID);
}
END_TEST

/* int64 ns end at 2262-04-11T23:47:16.854775807Z: a later time must be
 * refused, not wrapped round into the past (a grant "from 2600" active at once). */
START_TEST(parse_time_refuses_what_int64_ns_cannot_hold)
{
	int64_t ns = 7;
	fk_error err;
	ck_assert_ok(fk_parse_time("2262-04-11T23:47:16Z", &ns, &err), &err);
	ck_assert_int_eq(ns, INT64_C(9223372036) * 1000000000);
	const char *const beyond[] = {"2262-04-11T23:47:17Z", "2262-04-12", "2600-01-01",
				      "9999-12-31T23:59:59", "1867-12-31T23:59:59", "0001-01-01"};
	for (size_t i = 0; i < FK_ARRAY_LEN(beyond); i++) {
		ns = 7;
		ck_assert_int_eq(fk_parse_time(beyond[i], &ns, &err), FK_ERR_INVALID);
		ck_assert_msg(strstr(err.msg, "out of range"), "%s: %s", beyond[i], err.msg);
		ck_assert_int_eq(ns, 7);
	}
	ck_assert_ok(fk_parse_time("1868-01-01", &ns, &err), &err);
	ck_assert_int_eq(ns, INT64_C(-3218832000) * 1000000000);
}
END_TEST

START_TEST(parse_time_refuses_absurd_fields)
{
	int64_t ns, next;
	fk_error err;
	/* signs, blanks and short fields, which sscanf's %d would take */
	const char *const bad[] = {"2026-+1-01", "2026-01- 1", " 026-01-01", "+026-01-01", "2026-1-01",
				   "2026-01-1", "2026-00-10", "2026-01-00", "2026-02-29", "2026-04-31",
				   "1900-02-29", "2026-01-01T24:00", "2026-01-01T23:60",
				   "2026-01-01T23:59:61", "2026-01-01T-1:00", "2026-01-01T1:00",
				   "2026-01-01T12", "2026-01-01T12:00:", "2026-01-01T12:00ZZ",
				   "2026-01-01T12:00:00+09", "", "2026", "2026-01-01T"};
	for (size_t i = 0; i < FK_ARRAY_LEN(bad); i++) {
		ck_assert_msg(fk_parse_time(bad[i], &ns, &err) == FK_ERR_INVALID, "'%s' accepted", bad[i]);
		ck_assert_msg(strstr(err.msg, "is not a date"), "%s: %s", bad[i], err.msg);
	}
	ck_assert_ok(fk_parse_time("2024-02-29 06:05", &ns, &err), &err);
	ck_assert_ok(fk_parse_time("2000-02-29T00:00:00", &ns, &err), &err);
	/* a leap second is the next day's first, as timegm has it */
	ck_assert_ok(fk_parse_time("2016-12-31T23:59:60Z", &ns, &err), &err);
	ck_assert_ok(fk_parse_time("2017-01-01", &next, &err), &err);
	ck_assert_int_eq(ns, next);
	int y, m, d;
	ck_assert_int_eq(fk_parse_date("2024-02-29 and more", &y, &m, &d), 0);
	ck_assert_int_eq(y * 10000 + m * 100 + d, 20240229);
	ck_assert_int_eq(fk_parse_date("0000-01-01", &y, &m, &d), -1);
	ck_assert_int_eq(fk_parse_date("2023-02-29", &y, &m, &d), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, names_cover_every_code);
	tcase_add_test(tc, messages_are_one_line);
	tcase_add_test(tc, a_failure_is_never_ok);
	tcase_add_test(tc, copy_str_never_splits_utf8);
	tcase_add_test(tc, parse_time);
	tcase_add_test(tc, parse_time_refuses_what_int64_ns_cannot_hold);
	tcase_add_test(tc, parse_time_refuses_absurd_fields);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
