/* Unit tests: display-safe text, widths and cutting (untrusted data on the console). */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "fktest.h"

START_TEST(controls_escapes_and_bidi_are_replaced)
{
	char out[256];
	/* An escape sequence that would clear the screen, C1 CSI, a bidi override. */
	fk_disp_clean("a\x1b[2Jb\xc2\x9b" "31mc\xe2\x80\xae" "d\n", out, sizeof out);
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_null(strchr(out, '\n'));
	ck_assert_ptr_null(strstr(out, "\xc2\x9b"));
	ck_assert_ptr_null(strstr(out, "\xe2\x80\xae"));
	ck_assert_str_eq(out, "a\xef\xbf\xbd[2Jb\xef\xbf\xbd" "31mc\xef\xbf\xbd" "d\xef\xbf\xbd");
	/* Invalid UTF-8: stray continuation, overlong, surrogate, truncated. */
	fk_disp_clean("\x80x\xc0\xafy\xed\xa0\x80z\xe5\xb1", out, sizeof out);
	ck_assert_ptr_null(strstr(out, "\x80x"));
	ck_assert_int_eq(fk_disp_width("\x80x\xc0\xafy\xed\xa0\x80z\xe5\xb1"), 11);
}
END_TEST

START_TEST(widths)
{
	ck_assert_int_eq(fk_disp_width("abc"), 3);
	ck_assert_int_eq(fk_disp_width("山田　太郎"), 10);
	ck_assert_int_eq(fk_disp_width("\xf0\xa0\xae\xb7"), 2);        /* 𠮷 */
	ck_assert_int_eq(fk_disp_width("葛\xf3\xa0\x84\x80"), 2);       /* 葛 + IVS: 0 */
	ck_assert_int_eq(fk_disp_width("\xee\x80\x80"), 1);            /* private use (外字) */
	ck_assert_int_eq(fk_disp_width("\xcd\xb8"), 1);                /* U+0378 unassigned: −1 → U+FFFD */
}
END_TEST

START_TEST(fit_cuts_by_width_never_inside_a_character)
{
	char out[128];
	ck_assert_int_eq(fk_disp_fit("山田太郎", 8, out, sizeof out), 0);
	ck_assert_str_eq(out, "山田太郎");
	ck_assert_int_eq(fk_disp_fit("山田太郎", 10, out, sizeof out), 0);
	ck_assert_str_eq(out, "山田太郎  ");
	ck_assert_int_eq(fk_disp_fit("山田太郎", 6, out, sizeof out), 1);
	ck_assert_str_eq(out, "山田… ");          /* 太 would need 2 of the 1 left */
	ck_assert_int_eq(fk_disp_width(out), 6);
	ck_assert_int_eq(fk_disp_fit("山田太郎", 7, out, sizeof out), 1);
	ck_assert_str_eq(out, "山田太…");
	ck_assert_int_eq(fk_disp_fit("abcdef", 0, out, sizeof out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(fk_disp_fit("ab\x1b", 5, out, sizeof out), 0);
	ck_assert_int_eq(fk_disp_width(out), 5);
	/* A tiny buffer is never overrun and stays valid UTF-8. */
	char small[8];
	fk_disp_fit("山田太郎山田太郎", 16, small, sizeof small);
	ck_assert_int_eq(fk_utf8_valid(small, strlen(small)), 1);
}
END_TEST

/* A byte of invalid UTF-8 a municipality sent is kept as U+10FF00 + byte (core/text/record.c,
 * docs/package-format.md). Private use: glibc gives it width 1 and a terminal would draw some
 * glyph or a box, so the operator could not tell it from a character. It is shown marked, with
 * the byte, measured as drawn and never cut apart (R-BATCH-PROTO). */
START_TEST(kept_bytes_are_shown_marked)
{
	char out[128];
	const char *kept = "a\xf4\x8f\xbe\x80" "b\xf4\x8f\xbf\xbf"; /* a, byte 80, b, byte FF */
	ck_assert_int_eq(fk_disp_clean(kept, out, sizeof out), 14);
	ck_assert_str_eq(out, "a‹\\x80›b‹\\xFF›");
	ck_assert_int_eq(fk_disp_width(kept), 14);
	ck_assert_int_eq(fk_disp_unsafe(0x10ff80), 1);
	/* Other private use (a municipality's own 外字 slots) is drawn as it is. */
	fk_disp_clean("\xf4\x8f\xbb\xbf", out, sizeof out); /* U+10FEFF */
	ck_assert_str_eq(out, "\xf4\x8f\xbb\xbf");
	/* Cut as one piece: 5 columns do not hold a, the mark and b. */
	ck_assert_int_eq(fk_disp_fit(kept, 5, out, sizeof out), 1);
	ck_assert_str_eq(out, "a…   ");
	ck_assert_int_eq(fk_disp_fit(kept, 8, out, sizeof out), 1);
	ck_assert_str_eq(out, "a‹\\x80›…");
	/* The command line's copy: the same mark, or '?' on a terminal that is not UTF-8. */
	int w;
	char *d = fk_disp_dup(kept, 0, &w);
	ck_assert_str_eq(d, "a‹\\x80›b‹\\xFF›");
	ck_assert_int_eq(w, 14);
	free(d);
	d = fk_disp_dup(kept, 1, &w);
	ck_assert_str_eq(d, "a?b?");
	free(d);
	/* Too little room for the mark: nothing of it, never half. */
	char small[6];
	fk_disp_clean(kept, small, sizeof small);
	ck_assert_str_eq(small, "a");
}
END_TEST

/* Found by tests/fuzz/fuzz_disp.c: zero-width characters (variation selectors, which 外字 travel
 * with) take bytes but no column, so out's bytes ran out first and the field came out a column
 * short, shifting everything after it. Now it is cut there, marked, and still exactly as wide. */
START_TEST(fit_is_exact_when_bytes_run_out_before_columns)
{
	char ivs[4 * 40 + 1] = "", out[4 * 8 + 4];
	for (int i = 0; i < 40; i++)
		strcat(ivs, "\xf3\xa0\x84\x80"); /* U+E0100, width 0 */
	ck_assert_int_eq(fk_disp_fit(ivs, 8, out, sizeof out), 1);
	ck_assert_int_eq(fk_disp_width(out), 8);
	ck_assert_int_eq(fk_utf8_valid(out, strlen(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "…"));
	char text[4 * 40 + 8] = "a";
	strcat(text, ivs);
	strcat(text, "b");
	char small[20];
	ck_assert_int_eq(fk_disp_fit(text, 4, small, sizeof small), 1);
	ck_assert_int_eq(fk_disp_width(small), 4);
	ck_assert_int_eq(small[0], 'a');
	/* With room enough, the same text is whole and not cut. */
	char big[256];
	ck_assert_int_eq(fk_disp_fit(text, 4, big, sizeof big), 0);
	ck_assert_int_eq(strncmp(big, text, strlen(text)), 0);
	ck_assert_str_eq(big + strlen(text), "  ");
}
END_TEST

/* A 外字 reference (docs/package-format.md §7) is one marked placeholder, never the reference
 * as ordinary text: measured whole, never cut inside, and where it lies in the output for the
 * console to mark it (tui/draw.c). */
START_TEST(gaiji_references_are_marked_placeholders)
{
	char out[128];
	fk_disp_mark m[4];
	int n = -1;
	ck_assert_int_eq(fk_disp_width("〓[MJ:012345]"), 12);
	fk_disp_clean("山〓[MJ:012345]子", out, sizeof out);
	ck_assert_str_eq(out, "山‹〓MJ012345›子");
	ck_assert_int_eq(fk_disp_fit_marks("山〓[KT:123456]子", 16, out, sizeof out, m, 4, &n), 0);
	ck_assert_str_eq(out, "山‹〓KT123456›子");
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(m[0].off, 3);
	ck_assert_uint_eq(m[0].len, FK_DISP_MARK_LEN);
	ck_assert_int_eq(memcmp(out + m[0].off, "‹〓KT123456›", m[0].len), 0);
	/* too narrow for the whole placeholder: cut before it, never inside */
	ck_assert_int_eq(fk_disp_fit_marks("山〓[MJ:012345]子", 10, out, sizeof out, m, 4, &n), 1);
	ck_assert_str_eq(out, "山…       ");
	ck_assert_int_eq(n, 0);
	/* anything short of an exact reference is text like any other (the parser refused it) */
	fk_disp_clean("〓[MJ:01234]〓[mj:012345]〓", out, sizeof out);
	ck_assert_str_eq(out, "〓[MJ:01234]〓[mj:012345]〓");
	fk_disp_clean("〓[MJ:012345", out, sizeof out);
	ck_assert_str_eq(out, "〓[MJ:012345");
	int w;
	char *d = fk_disp_dup("a〓[MJ:012345]b", 1, &w);
	ck_assert_str_eq(d, "a<MJ012345>b");
	ck_assert_int_eq(w, 12);
	free(d);
	d = fk_disp_dup("a〓[MJ:012345]b", 0, &w);
	ck_assert_str_eq(d, "a‹〓MJ012345›b");
	ck_assert_int_eq(w, 14);
	free(d);
}
END_TEST

START_TEST(wareki)
{
	char b[64];
	ck_assert_int_eq(fk_wareki("1932-11-14", b, sizeof b), 1);
	ck_assert_str_eq(b, "昭和7年11月14日");
	fk_wareki("1989-01-07", b, sizeof b);
	ck_assert_str_eq(b, "昭和64年1月7日");
	fk_wareki("1989-01-08", b, sizeof b);
	ck_assert_str_eq(b, "平成元年1月8日");
	fk_wareki("2019-05-01", b, sizeof b);
	ck_assert_str_eq(b, "令和元年5月1日");
	fk_wareki("1926-12-25", b, sizeof b);
	ck_assert_str_eq(b, "昭和元年12月25日");
	ck_assert_int_eq(fk_wareki("1850-01-01", b, sizeof b), 0);
	ck_assert_str_eq(b, "1850-01-01");
	ck_assert_int_eq(fk_wareki("2026-13-01", b, sizeof b), 0);
}
END_TEST

/* The one formatter of times for people: JST, and the era of the day in Japan, which at an
 * era's first day is nine hours ahead of UTC (令和 from 2019-05-01 00:00 JST). */
START_TEST(jst_and_wareki_at_the_boundaries)
{
	char b[64];
	int64_t t;
	fk_error err;
	ck_assert_ok(fk_parse_time("2019-04-30T14:59:59", &t, &err), &err);
	fk_fmt_jst(t, FK_JST_WAREKI, b, sizeof b);
	ck_assert_str_eq(b, "平成31年4月30日");
	fk_fmt_jst(t, FK_JST_MINUTE, b, sizeof b);
	ck_assert_str_eq(b, "2019-04-30 23:59 JST");
	ck_assert_ok(fk_parse_time("2019-04-30T15:00:00", &t, &err), &err);
	fk_fmt_jst(t, FK_JST_WAREKI, b, sizeof b);
	ck_assert_str_eq(b, "令和元年5月1日");
	fk_fmt_jst(t, FK_JST_WAREKI_MINUTE, b, sizeof b);
	ck_assert_str_eq(b, "令和元年5月1日 00:00");
	ck_assert_ok(fk_parse_time("1989-01-07T15:00:00", &t, &err), &err);
	fk_fmt_jst(t, FK_JST_WAREKI, b, sizeof b);
	ck_assert_str_eq(b, "平成元年1月8日");
	fk_fmt_jst(t - 1, FK_JST_WAREKI, b, sizeof b);
	ck_assert_str_eq(b, "昭和64年1月7日");
	ck_assert_ok(fk_parse_time("2026-12-01T10:56:30", &t, &err), &err);
	fk_fmt_jst(t, FK_JST_MINUTE, b, sizeof b);
	ck_assert_str_eq(b, "2026-12-01 19:56 JST");
	fk_fmt_jst(t, FK_JST_WAREKI, b, sizeof b);
	ck_assert_str_eq(b, "令和8年12月1日");
	fk_fmt_jst(t, FK_JST_DATE, b, sizeof b);
	ck_assert_str_eq(b, "2026-12-01");
	fk_fmt_jst(0, FK_JST_MINUTE, b, sizeof b);
	ck_assert_str_eq(b, "-");
	/* Read back: a JST date is that day's start in Japan, or with end_of_day the next's. */
	int64_t from, until, utc;
	ck_assert_ok(fk_parse_jst("2019-05-01", 0, &from, &err), &err);
	ck_assert_ok(fk_parse_time("2019-04-30T15:00:00", &utc, &err), &err);
	ck_assert(from == utc);
	ck_assert_ok(fk_parse_jst("2019-05-01", 1, &until, &err), &err);
	ck_assert(until - from == INT64_C(86400000000000));
	ck_assert_ok(fk_parse_jst("2019-05-01 09:30", 1, &t, &err), &err);
	ck_assert(t == from + INT64_C(34200000000000));
	ck_assert_int_eq(fk_parse_jst("2019-05-01T00:00Z", 0, &t, &err), FK_ERR_INVALID);
	ck_assert_int_eq(err.msg_id, FK_MSG_NOT_A_DATE);
	ck_assert_int_eq(fk_parse_jst("suzuki", 0, &t, &err), FK_ERR_INVALID);
	/* The same day as people in Japan write it (issue 11, item 4): 和暦 by name or initial,
	 * 元年, slashes, full-width digits; each the same instant as the ISO form. */
	static const char *const same[] = {"令和元年5月1日", "R1.5.1", "r1/5/1", "R01-05-01",
					   "2019/05/01", "２０１９－０５－０１", "令和１年５月１日"};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		int64_t w;
		ck_assert_msg(fk_parse_jst(same[i], 1, &w, &err) == FK_OK, "%s: %s", same[i], err.msg);
		ck_assert_msg(w == until, "%s is not 2019-05-01", same[i]);
	}
	ck_assert_ok(fk_parse_jst("平成31年4月30日", 0, &t, &err), &err);
	ck_assert(t == from - INT64_C(86400000000000));
	ck_assert_ok(fk_parse_jst("令和8年12月31日 09:30", 0, &t, &err), &err);
	ck_assert_ok(fk_parse_jst("2026-12-31 09:30", 0, &utc, &err), &err);
	ck_assert(t == utc);
	/* outside its era, or not a day: refused, never shifted into another era */
	static const char *const bad[] = {"平成31年5月1日", "令和元年4月30日", "昭和64年1月8日",
					  "令和0年1月1日", "R8.13.1", "R8.2.30", "令和8年", "R8.1-1",
					  "X8.1.1", "2026/12-31"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(fk_parse_jst(bad[i], 0, &t, &err) == FK_ERR_INVALID, "%s accepted", bad[i]);
	/* The last day the history can store, through its end: 2262-04-12 00:00 JST is still
	 * inside int64 ns, the same day's end in UTC is not (UBSan caught the day added first). */
	ck_assert_ok(fk_parse_jst("2262-04-11", 1, &until, &err), &err);
	ck_assert_ok(fk_parse_time("2262-04-11T15:00:00Z", &utc, &err), &err);
	ck_assert(until == utc);
}
END_TEST

int main(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return 77;
	Suite *s = suite_create("disp");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, controls_escapes_and_bidi_are_replaced);
	tcase_add_test(tc, widths);
	tcase_add_test(tc, fit_cuts_by_width_never_inside_a_character);
	tcase_add_test(tc, kept_bytes_are_shown_marked);
	tcase_add_test(tc, fit_is_exact_when_bytes_run_out_before_columns);
	tcase_add_test(tc, gaiji_references_are_marked_placeholders);
	tcase_add_test(tc, wareki);
	tcase_add_test(tc, jst_and_wareki_at_the_boundaries);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
