/* Unit tests for the municipality-code check digit (core/text/lgcode.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgcode.h"

START_TEST(test_examples)
{
	fk_error err;
	ck_assert_int_eq(fk_lgcode_check_digit("13101"), 6); /* 千代田区 */
	ck_assert_int_eq(fk_lgcode_check_digit("01100"), 2); /* 札幌市 */
	ck_assert_int_eq(fk_lgcode_validate("131016", &err), FK_OK);
	ck_assert_int_eq(fk_lgcode_validate("011002", &err), FK_OK);
	/* A longer string: only the first five digits are the body. */
	ck_assert_int_eq(fk_lgcode_check_digit("131016"), 6);
}
END_TEST

START_TEST(test_remainder_edges)
{
	/* r = 0 gives 1, r = 1 gives 0 (not 11 or 10). */
	ck_assert_int_eq(fk_lgcode_check_digit("00000"), 1);
	ck_assert_int_eq(fk_lgcode_check_digit("00006"), 0); /* 12 mod 11 = 1 */
	ck_assert_int_eq(fk_lgcode_check_digit("99999"), (11 - 180 % 11) % 10);
}
END_TEST

START_TEST(test_every_wrong_digit)
{
	char code[7] = "131016";
	for (char d = '0'; d <= '9'; d++) {
		fk_error err;
		code[5] = d;
		fk_status s = fk_lgcode_validate(code, &err);
		if (d == '6') {
			ck_assert_int_eq(s, FK_OK);
			continue;
		}
		ck_assert_int_eq(s, FK_ERR_INVALID);
		ck_assert_int_eq(err.code, FK_ERR_INVALID);
		char want[128];
		snprintf(want, sizeof want,
			 "municipality code 13101%c: check digit is %c, expected 6", d, d);
		ck_assert_str_eq(err.msg, want);
	}
}
END_TEST

START_TEST(test_not_digits)
{
	fk_error err;
	ck_assert_int_eq(fk_lgcode_validate("12ab", &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "municipality code '12ab': must be 6 digits");
	ck_assert_int_eq(fk_lgcode_validate("13101a", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_lgcode_validate(" 13101", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_lgcode_validate("-13101", &err), FK_ERR_INVALID);
	/* Full-width digits are not ASCII digits. */
	ck_assert_int_eq(fk_lgcode_validate("１３１０１６", &err), FK_ERR_INVALID);
	ck_assert_int_eq(fk_lgcode_check_digit("1a101"), -1);
	ck_assert_int_eq(fk_lgcode_check_digit("1310"), -1);
	ck_assert_int_eq(fk_lgcode_check_digit(""), -1);
	ck_assert_int_eq(fk_lgcode_check_digit(NULL), -1);
	ck_assert_int_eq(fk_lgcode_validate(NULL, &err), FK_ERR_INVALID);
	/* A NULL error is allowed. */
	ck_assert_int_eq(fk_lgcode_validate("12ab", NULL), FK_ERR_INVALID);
}
END_TEST

START_TEST(test_lengths)
{
	static const char *const bad[] = {"", "1", "13101", "1310160", "0131016", "13101613101"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fk_error err;
		ck_assert_int_eq(fk_lgcode_validate(bad[i], &err), FK_ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err.msg, "must be 6 digits"));
	}
}
END_TEST

START_TEST(test_long_input_quoted_short)
{
	/* A long, non-ASCII value is quoted cut short, never mid-character. */
	fk_error err;
	ck_assert_int_eq(fk_lgcode_validate("千代田区千代田区千代田区", &err), FK_ERR_INVALID);
	ck_assert_str_eq(err.msg, "municipality code '千代田区千代田': must be 6 digits");
}
END_TEST

static FILE *open_data(const char *name)
{
	const char *top = getenv("FK_TOP_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/data/%s", top && *top ? top : ".", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

START_TEST(test_every_municipality)
{
	FILE *f = open_data("localgovjp-utf8.csv");
	char line[2048];
	int rows = 0;
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	/* Header after a UTF-8 BOM; lgcode is the last column. */
	ck_assert(memcmp(line, "\xEF\xBB\xBF", 3) == 0);
	line[strcspn(line, "\r\n")] = '\0';
	const char *last = strrchr(line, ',');
	ck_assert_ptr_nonnull(last);
	ck_assert_str_eq(last + 1, "lgcode");
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		const char *code = strrchr(line, ',');
		ck_assert_ptr_nonnull(code);
		fk_error err;
		fk_status s = fk_lgcode_validate(code + 1, &err);
		ck_assert_msg(s == FK_OK, "row %d: %s", rows + 2, err.msg);
		rows++;
	}
	fclose(f);
	ck_assert_int_eq(rows, 1916);
}
END_TEST

static Suite *lgcode_suite(void)
{
	Suite *s = suite_create("lgcode");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_examples);
	tcase_add_test(tc, test_remainder_edges);
	tcase_add_test(tc, test_every_wrong_digit);
	tcase_add_test(tc, test_not_digits);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_long_input_quoted_short);
	tcase_add_test(tc, test_every_municipality);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lgcode_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
