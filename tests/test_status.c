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

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, names_cover_every_code);
	tcase_add_test(tc, messages_are_one_line);
	tcase_add_test(tc, copy_str_never_splits_utf8);
	tcase_add_test(tc, parse_time);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
