/* Unit tests: the 全部事項証明 layout (issue 11, item 7; R-CURRENT, R-PRINT): the specimen's
 * headings, item order, indentation and full-width digits; wrapping for the screen; the
 * comparison's order. The console and the PDF both draw these lines. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"

/* After ../shared/specimens/zenbu-jiko-shomei.txt: items given out of the certificate's order
 * (届出人 before 届出日, 死亡地 first), digits half-width, a 外字 reference. */
static const char DOC[] =
	"{\"honseki\": \"東京都千代田区平河町一丁目10番地\","
	" \"hittosha\": {\"name\": \"甲野　義太郎\", \"reading\": \"こうの ぎたろう\"},"
	" \"jiko\": [{\"type\": \"改製\", \"date\": \"1994-10-01\","
	"   \"detail\": {\"改製事由\": \"平成6年法務省令第51号附則第2条第1項による改製\"}}],"
	" \"persons\": ["
	"  {\"name\": \"義太郎\", \"reading\": \"ぎたろう\", \"birth\": \"1965-06-21\", \"spouse\": \"夫\","
	"   \"father\": \"甲野幸雄\", \"mother\": \"甲野松子\", \"relation\": \"長男\","
	"   \"events\": [{\"type\": \"出生\", \"date\": \"1965-06-21\", \"detail\":"
	"     {\"届出人\": \"父\", \"届出日\": \"1965-06-25\", \"出生地\": \"東京都千代田区\"}},"
	"    {\"type\": \"婚姻\", \"date\": \"1992-01-10\", \"detail\":"
	"     {\"従前戸籍\": \"東京都千代田区平河町一丁目4番地　甲野幸雄\", \"配偶者氏名\": \"乙野梅子\"}}]},"
	"  {\"name\": \"啓太郎〓[MJ:012345]\", \"reading\": \"けいたろう\", \"birth\": \"1993-03-15\","
	"   \"relation\": \"長男\", \"removed\": true,"
	"   \"events\": [{\"type\": \"死亡\", \"date\": \"2023-03-02\", \"detail\":"
	"     {\"届出人\": \"親族　甲野義太郎\", \"死亡地\": \"東京都千代田区\", \"届出日\": \"2023-03-04\","
	"      \"死亡時分\": \"午後8時30分\"}}]}]}";

static const char *const WANT[] = {
	"　　　　　　　　　　　　　　　　 全部事項証明",
	"本　　籍　　東京都千代田区平河町一丁目１０番地",
	"氏　　名　　甲野　義太郎",
	"戸籍事項",
	"　改　　製　　【改製日】平成６年１０月１日",
	"　　　　　　　【改製事由】平成６年法務省令第５１号附則第２条第１項による改製",
	"戸籍に記録されている者",
	"　　　　　　　【名】義太郎",
	"　　　　　　　【名の振り仮名】ぎたろう",
	"　　　　　　　【生年月日】昭和４０年６月２１日　　【配偶者区分】夫",
	"　　　　　　　【父】甲野幸雄",
	"　　　　　　　【母】甲野松子",
	"　　　　　　　【続柄】長男",
	"身分事項",
	"　出　　生　　【出生日】昭和４０年６月２１日",
	"　　　　　　　【出生地】東京都千代田区",
	"　　　　　　　【届出日】昭和４０年６月２５日",
	"　　　　　　　【届出人】父",
	"　婚　　姻　　【婚姻日】平成４年１月１０日",
	"　　　　　　　【配偶者氏名】乙野梅子",
	"　　　　　　　【従前戸籍】東京都千代田区平河町一丁目４番地　甲野幸雄",
	"------------------------------------------------------------------------------",
	"戸籍に記録されている者",
	/* the 除籍 mark beside the name; the 外字 reference keeps its ASCII number */
	"　　　　　　　【名】啓太郎〓[MJ:012345]      　　除　籍",
	"　　　　　　　【名の振り仮名】けいたろう",
	"　　　　　　　【生年月日】平成５年３月１５日",
	"　　　　　　　【続柄】長男",
	"身分事項",
	"　死　　亡　　【死亡日】令和５年３月２日",
	"　　　　　　　【死亡時分】午後８時３０分",
	"　　　　　　　【死亡地】東京都千代田区",
	"　　　　　　　【届出日】令和５年３月４日",
	"　　　　　　　【届出人】親族　甲野義太郎",
	"　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　以下余白",
};

START_TEST(laid_out_like_the_specimen)
{
	fk_error err;
	json_error_t jerr;
	json_t *doc = json_loads(DOC, 0, &jerr);
	ck_assert_msg(doc != NULL, "%s", jerr.text);
	fk_lines l = {0};
	ck_assert_ok(fk_cert_lines(doc, FK_KIND_KOSEKI, &l, &err), &err);
	int n = (int)(sizeof WANT / sizeof WANT[0]);
	for (int i = 0; i < n && i < l.n; i++)
		ck_assert_msg(!strcmp(l.v[i], WANT[i]), "line %d:\n got  %s\n want %s", i, l.v[i], WANT[i]);
	ck_assert_int_eq(l.n, n);
	fk_lines_free(&l);
	/* A 除籍 says so on its title line. */
	ck_assert_ok(fk_cert_lines(doc, FK_KIND_JOSEKI, &l, &err), &err);
	ck_assert_ptr_nonnull(strstr(l.v[0], "全部事項証明　　　　除　籍"));
	fk_lines_free(&l);
	json_decref(doc);
}
END_TEST

START_TEST(wrapped_never_inside_a_character_or_a_reference)
{
	fk_error err;
	fk_lines in = {0}, out = {0};
	ck_assert_ok(fk_lines_add(&in, &err, "%s",
				  "　　　　　　　【従前戸籍】東京都千代田区平河町一丁目４番地〓[MJ:012345]甲野幸雄"),
		     &err);
	ck_assert_ok(fk_lines_add(&in, &err, "%s", "+ 　　　　　　　【名】あいうえおかきくけこさしすせそたちつてと"), &err);
	ck_assert_ok(fk_lines_wrap(&in, 40, 0, FK_CERT_ITEM_INDENT, &out, &err), &err);
	ck_assert_int_gt(out.n, 2);
	for (int i = 0; i < out.n; i++) {
		ck_assert_int_le(fk_disp_width(out.v[i]), 40);
		/* the reference whole on one line, or not there at all */
		const char *g = strstr(out.v[i], "〓");
		if (g)
			ck_assert_ptr_nonnull(strstr(g, "〓[MJ:012345]"));
	}
	/* continuations start where the items do */
	ck_assert(!strncmp(out.v[1], "　　　　　　　", strlen("　　　　　　　")));
	fk_lines_free(&out);
	/* a comparison's sign begins every piece of its line */
	ck_assert_ok(fk_lines_wrap(&in, 40, 2, FK_CERT_ITEM_INDENT, &out, &err), &err);
	int plus = 0;
	for (int i = 0; i < out.n; i++)
		plus += out.v[i][0] == '+';
	ck_assert_int_ge(plus, 2);
	/* a width narrower than one character still makes progress */
	fk_lines_free(&out);
	ck_assert_ok(fk_lines_wrap(&in, 1, 0, FK_CERT_ITEM_INDENT, &out, &err), &err);
	ck_assert_int_gt(out.n, 10);
	fk_lines_free(&out);
	fk_lines_free(&in);
}
END_TEST

START_TEST(a_change_reads_old_then_new)
{
	fk_error err;
	fk_lines a = {0}, b = {0}, d = {0};
	int changes;
	fk_lines_add(&a, &err, "%s", "same");
	fk_lines_add(&a, &err, "%s", "old");
	fk_lines_add(&a, &err, "%s", "tail");
	fk_lines_add(&b, &err, "%s", "same");
	fk_lines_add(&b, &err, "%s", "new");
	fk_lines_add(&b, &err, "%s", "tail");
	ck_assert_ok(fk_lines_diff(&a, &b, &d, &changes, &err), &err);
	ck_assert_int_eq(changes, 2);
	ck_assert_str_eq(d.v[1], "- old");
	ck_assert_str_eq(d.v[2], "+ new");
	fk_lines_free(&a);
	fk_lines_free(&b);
	fk_lines_free(&d);
}
END_TEST

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 77;
	Suite *s = suite_create("cert");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, laid_out_like_the_specimen);
	tcase_add_test(tc, wrapped_never_inside_a_character_or_a_reference);
	tcase_add_test(tc, a_change_reads_old_then_new);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
