/* Unit tests: normalisation for blind-index search and strict UTF-8 (R-ATREST blind indexes). */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honseki.h"
#include "norm.h"

/* in normalises to want. */
static void eq(const char *in, const char *want)
{
	fk_error err;
	char *out = NULL;
	fk_status st = fk_norm(in, &out, &err);
	ck_assert_msg(st == FK_OK, "fk_norm(\"%s\"): %s", in, err.msg);
	ck_assert_msg(strcmp(out, want) == 0, "fk_norm(\"%s\") = \"%s\", want \"%s\"", in, out, want);
	free(out);
}

/* Encode one code point (test-side, independent of the code under test). */
static const char *u8(uint32_t cp)
{
	static char buf[4][5];
	static int i;
	char *b = buf[i = (i + 1) % 4];
	if (cp < 0x80) {
		b[0] = (char)cp, b[1] = 0;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), b[2] = 0;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F)), b[3] = 0;
	} else {
		b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), b[4] = 0;
	}
	return b;
}

/* R-ATREST (blind index): full-width ASCII becomes ASCII, capitals lower case. */
START_TEST(fullwidth_ascii_and_case)
{
	eq("ＡＢＣ１２３！～", "abc123!~");
	eq("ＹＡＭＡＤＡ Taro", "yamadataro");
	eq("Ｔａｎａｋａ－１", "tanaka-1");
	eq("ABCXYZ@[`{", "abcxyz@[`{");
}
END_TEST

/* Every kind of space and zero-width character is removed. */
START_TEST(spaces_removed)
{
	eq("山田　太郎", "山田太郎");
	eq(" a b\tc\r\n\v\f", "abc");
	eq("山田\xc2\xa0太郎", "山田太郎");              /* U+00A0 */
	eq("山田\xe2\x80\x83太郎", "山田太郎");          /* U+2003 em space */
	eq("山田\xe2\x80\x8b太郎", "山田太郎");          /* U+200B zero width */
	eq("\xef\xbb\xbf山田\xe2\x80\xaf太郎", "山田太郎"); /* BOM, U+202F */
	eq("\xe2\x81\x9f\xe2\x80\xa8\xe2\x80\xa9\xe1\x9a\x80", "");
	eq("　 ", "");
	eq("", "");
}
END_TEST

/* Half-width katakana become kana, with voiced marks composed. */
START_TEST(halfwidth_katakana)
{
	eq("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだたろう");
	eq("ｶﾞ", "が");
	eq("ﾊﾟ", "ぱ");
	eq("ﾊﾞ", "ば");
	eq("ｳﾞ", "ゔ");
	eq("ﾎﾟｯｷｰ", "ぽっきー");
	eq("ｧｨｩｪｫｬｭｮ", "ぁぃぅぇぉゃゅょ");
	eq("ｦﾝ", "をん");
	eq("｡｢｣､･", "。「」、・");
	/* A mark with nothing to compose with stays as the combining mark. */
	eq("ﾞ", "\xe3\x82\x99");
	eq("ｱﾞ", "あ\xe3\x82\x99");
	eq("ﾀﾟ", "た\xe3\x82\x9a");
}
END_TEST

/* Full-width katakana become hiragana; ー and ・ stay. */
START_TEST(katakana_to_hiragana)
{
	eq("ヤマダ", "やまだ");
	eq("ラーメン・ヴィ", "らーめん・ゔぃ");
	eq("ァアィイゥウヴ", "ぁあぃいぅうゔ");
	eq("ヽヾ", "ゝゞ");
	eq("ヮワヲン", "ゎわをん");
	/* Small ke/ka in place names (霞ヶ関, 霞ケ関) are read け/か. */
	eq("霞ヶ関", "霞け関");
	eq("霞ケ関", "霞け関");
	eq("一ヵ月", "一か月");
	eq("ゖゕ", "けか");
}
END_TEST

/* Combining and spacing voiced marks compose with the preceding kana. */
START_TEST(voiced_marks)
{
	eq("カ\xe3\x82\x99", "が");
	eq("ハ\xe3\x82\x9a", "ぱ");
	eq("か\xe3\x82\x99き\xe3\x82\x99", "がぎ");
	eq("つ\xe3\x82\x99て\xe3\x82\x99と\xe3\x82\x99", "づでど");
	eq("ウ\xe3\x82\x99", "ゔ");
	eq("ゝ\xe3\x82\x99", "ゞ");
	eq("か゛", "が"); /* spacing U+309B */
	eq("ほ゜", "ぽ"); /* spacing U+309C */
	eq("が\xe3\x82\x99", "が\xe3\x82\x99"); /* already voiced: left alone */
	eq("な\xe3\x82\x99", "な\xe3\x82\x99");
	eq("か\xe3\x82\x9a", "か\xe3\x82\x9a");
	eq("\xe3\x82\x99", "\xe3\x82\x99");
}
END_TEST

/* ヷヸヹヺ, ワ+゛ and ﾜﾞ all end up alike. */
START_TEST(wa_row_voiced)
{
	eq("ヷ", "わ\xe3\x82\x99");
	eq("ワ\xe3\x82\x99", "わ\xe3\x82\x99");
	eq("ﾜﾞ", "わ\xe3\x82\x99");
	eq("ヸヹヺ", "い\xe3\x82\x99え\xe3\x82\x99を\xe3\x82\x99");
}
END_TEST

/* Historical kana become modern ones. */
START_TEST(historical_kana)
{
	eq("ゐゑ", "いえ");
	eq("ヰヱ", "いえ");
	eq("ゑびす", "えびす");
}
END_TEST

/* Old and variant kanji of names become the standard form. */
START_TEST(variant_kanji)
{
	static const char *const pairs[][2] = {
		{"髙", "高"}, {"﨑", "崎"}, {"嵜", "崎"}, {"邊", "辺"}, {"邉", "辺"}, {"齋", "斎"},
		{"齊", "斉"}, {"澤", "沢"}, {"濱", "浜"}, {"濵", "浜"}, {"櫻", "桜"}, {"國", "国"},
		{"廣", "広"}, {"德", "徳"}, {"惠", "恵"}, {"眞", "真"}, {"壽", "寿"}, {"圓", "円"},
		{"藏", "蔵"}, {"實", "実"}, {"榮", "栄"}, {"槇", "槙"}, {"瀨", "瀬"}, {"冨", "富"},
		{"嶋", "島"}, {"嶌", "島"}, {"𠮷", "吉"}, {"舘", "館"}, {"曾", "曽"}, {"鷗", "鴎"},
		{"澁", "渋"}, {"淺", "浅"}, {"黑", "黒"}, {"條", "条"}, {"關", "関"}, {"豐", "豊"},
		{"兒", "児"}, {"衞", "衛"}, {"萬", "万"}, {"彌", "弥"}, {"靜", "静"}, {"戶", "戸"},
		{"栁", "柳"}, {"桒", "桑"}, {"龜", "亀"}, {"驛", "駅"}, {"縣", "県"}, {"佛", "仏"},
		{"來", "来"}, {"與", "与"}, {"增", "増"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		eq(pairs[i][0], pairs[i][1]);
		eq(pairs[i][1], pairs[i][1]); /* the standard form stays */
	}
	eq("髙橋", "高橋");
	eq("渡邊", "渡辺");
	eq("渡邉", "渡辺");
	eq("𠮷田", "吉田");
	/* 斎藤 and 斉藤 are different names and stay apart. */
	eq("齋藤", "斎藤");
	eq("齊藤", "斉藤");
	eq("籠", "籠"); /* doubtful pairs are not merged */
	eq("峯", "峯");
}
END_TEST

/* Compatibility ideographs become their unified ideographs (and then the standard form). */
START_TEST(compat_ideographs)
{
	eq("\xef\xa8\x90", "塚");      /* U+FA10 */
	eq("\xef\xa7\x9c", "隆");      /* U+F9DC */
	eq("\xef\xa8\x9b", "福");      /* U+FA1B */
	eq("\xef\xa4\x87", "亀");      /* U+F907 龜 → 龜 → 亀 */
	eq("\xef\xa9\xad", "館");      /* U+FA6D 舘 → 舘 → 館 */
	eq("\xef\xa8\x8e", "\xef\xa8\x8e"); /* U+FA0E is unified, stays */
	/* Every decomposable one leaves the compatibility block: this also
	 * checks that the whole table is sorted for bsearch. */
	static const uint32_t unified[] = {0xFA0E, 0xFA0F, 0xFA11, 0xFA13, 0xFA14, 0xFA1F, 0xFA21,
					   0xFA23, 0xFA24, 0xFA27, 0xFA28, 0xFA29, 0xFA6E, 0xFA6F};
	for (uint32_t cp = 0xF900; cp <= 0xFAD9; cp++) {
		int skip = 0;
		for (size_t k = 0; k < sizeof unified / sizeof unified[0]; k++)
			skip |= unified[k] == cp;
		if (skip)
			continue;
		fk_error err;
		char *out = NULL;
		ck_assert_int_eq(fk_norm(u8(cp), &out, &err), FK_OK);
		ck_assert_msg(strcmp(out, u8(cp)) != 0, "U+%04X unchanged", (unsigned)cp);
		unsigned char b0 = (unsigned char)out[0], b1 = (unsigned char)out[1];
		ck_assert_msg(!(b0 == 0xEF && b1 >= 0xA4 && b1 <= 0xAB),
			      "U+%04X stays in the compatibility block", (unsigned)cp);
		free(out);
	}
}
END_TEST

/* Variation selectors (IVS and standardised) are dropped. */
START_TEST(variation_selectors)
{
	eq("葛\xf3\xa0\x84\x80飾", "葛飾");       /* U+E0100 */
	eq("辻\xf3\xa0\x84\x81", "辻");           /* U+E0101 */
	eq("辻\xf3\xa0\x87\xaf", "辻");           /* U+E01EF */
	eq("邊\xf3\xa0\x84\x8a", "辺");           /* variant and IVS */
	eq("a\xef\xb8\x80\xef\xb8\x8f", "a");     /* U+FE00, U+FE0F */
	eq("\xf3\xa0\x87\xb0", "\xf3\xa0\x87\xb0"); /* U+E01F0 is not a selector */
}
END_TEST

/* What no rule names passes through unchanged. */
START_TEST(passthrough)
{
	eq("山田太郎", "山田太郎");
	eq("東京都千代田区千代田一丁目", "東京都千代田区千代田一丁目");
	eq("Ωé〜①", "Ωé〜①");
	eq("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
}
END_TEST

/* Normalising twice changes nothing more: stored tags and query tags agree. */
START_TEST(idempotent)
{
	static const char *const in[] = {
		"ﾔﾏﾀﾞ ﾀﾛｳ", "ヷヸヹヺ", "ｱﾞｶﾞ", "髙﨑　ＨＡＮＡＫＯ", "か゛ ゛", "\xef\xa4\x87",
		"ゐヱヶ", "葛\xf3\xa0\x84\x80", "が\xe3\x82\x99\xe3\x82\x9a",
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		fk_error err;
		char *once = NULL, *twice = NULL;
		ck_assert_int_eq(fk_norm(in[i], &once, &err), FK_OK);
		ck_assert_int_eq(fk_norm(once, &twice, &err), FK_OK);
		ck_assert_str_eq(once, twice);
		free(once);
		free(twice);
	}
}
END_TEST

/* Invalid UTF-8 is refused by fk_norm and fk_utf8_valid. */
START_TEST(invalid_utf8)
{
	static const char *const bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong '/' */
		"\xe0\x9f\xbf",     /* overlong U+07FF */
		"\xf0\x80\x80\xaf", /* overlong */
		"\xf0\x8f\xbf\xbf", /* overlong U+FFFF */
		"\xed\xa0\x80",     /* surrogate U+D800 */
		"\xed\xbf\xbf",     /* surrogate U+DFFF */
		"\xf4\x90\x80\x80", /* U+110000 */
		"\xf5\x80\x80\x80", /* lead byte beyond */
		"\xff",
		"\x80",             /* stray continuation */
		"a\xe3\x81",        /* truncated */
		"\xe3",
		"\xf0\x9f\x98",
		"\xe3\x41\x81",     /* bad continuation */
		"山田\xe3\x81 ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fk_error err;
		char *out = (char *)"x";
		ck_assert_int_eq(fk_norm(bad[i], &out, &err), FK_ERR_INVALID);
		ck_assert_ptr_null(out);
		ck_assert_ptr_nonnull(strstr(err.msg, "UTF-8"));
		ck_assert_int_eq(fk_utf8_valid(bad[i], strlen(bad[i])), 0);
	}
	fk_error err;
	char *out = NULL;
	ck_assert_int_eq(fk_norm(NULL, &out, &err), FK_ERR_INVALID);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(valid_utf8_edges)
{
	static const char *const good[] = {
		"", "a", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
		"\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "山田𠮷",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(fk_utf8_valid(good[i], strlen(good[i])), "case %zu", i);
	ck_assert_int_eq(fk_utf8_valid(NULL, 0), 1);
	ck_assert_int_eq(fk_utf8_valid(NULL, 1), 0);
	ck_assert_int_eq(fk_utf8_valid("あ", 2), 0); /* the length cuts a sequence */
	ck_assert_int_eq(fk_utf8_valid("a\0b", 3), 1);
}
END_TEST

START_TEST(len_and_prefix)
{
	ck_assert_uint_eq(fk_utf8_len(""), 0);
	ck_assert_uint_eq(fk_utf8_len("abc"), 3);
	ck_assert_uint_eq(fk_utf8_len("山田"), 2);
	ck_assert_uint_eq(fk_utf8_len("𠮷田 a"), 4);
	ck_assert_uint_eq(fk_utf8_prefix("山田太郎", 0), 0);
	ck_assert_uint_eq(fk_utf8_prefix("山田太郎", 1), 3);
	ck_assert_uint_eq(fk_utf8_prefix("山田太郎", 2), 6);
	ck_assert_uint_eq(fk_utf8_prefix("山田太郎", 4), 12);
	ck_assert_uint_eq(fk_utf8_prefix("山田太郎", 9), 12);
	ck_assert_uint_eq(fk_utf8_prefix("a𠮷b", 2), 5);
	ck_assert_uint_eq(fk_utf8_prefix("abc", 5), 3);
	ck_assert_uint_eq(fk_utf8_prefix("", 3), 0);
}
END_TEST

/* Long input: the worst-case growth (ヷ doubles) fits the buffer. */
START_TEST(long_input)
{
	enum { N = 20000 };
	char *in = malloc(3 * N + 1), *want = malloc(6 * N + 1);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(want);
	for (int i = 0; i < N; i++) {
		memcpy(in + 3 * i, "ヷ", 3);
		memcpy(want + 6 * i, "わ\xe3\x82\x99", 6);
	}
	in[3 * N] = want[6 * N] = '\0';
	eq(in, want);
	ck_assert_uint_eq(fk_utf8_len(want), 2 * N);
	free(in);
	free(want);
}
END_TEST

/* The parts of a 本籍 (core/text/honseki.h; issue 11, item 8). */
START_TEST(honseki_parts)
{
	static const struct {
		const char *honseki, *after, *town;
	} cases[] = {
		{"東京都千代田区緑町一丁目2番地", "緑町一丁目2番地", "緑町"},
		{"北海道札幌市中央区北一条西二丁目", "北一条西二丁目", "北一条西"},
		{"三重県四日市市諏訪町1番5号", "諏訪町1番5号", "諏訪町"},
		{"千葉県市川市八幡一丁目1番1号", "八幡一丁目1番1号", "八幡"},
		{"長野県北佐久郡軽井沢町大字軽井沢1323番地", "大字軽井沢1323番地", "大字軽井沢"},
		{"東京都世田谷区三軒茶屋二丁目", "三軒茶屋二丁目", "三軒茶屋"},
		{"東京都千代田区九段北一丁目", "九段北一丁目", "九段北"},
		{"東京都町田市原町田六丁目", "原町田六丁目", "原町田"},
		{"神奈川県横浜市西区みなとみらい二丁目", "みなとみらい二丁目", "みなとみらい"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *after = fk_honseki_after(cases[i].honseki);
		ck_assert_msg(after && !strcmp(after, cases[i].after), "%s: after %s", cases[i].honseki,
			      after ? after : "(none)");
		char town[128];
		ck_assert_msg(fk_honseki_town(after, town, sizeof town) && !strcmp(town, cases[i].town),
			      "%s: town %s", cases[i].honseki, town);
	}
	char town[64];
	ck_assert_ptr_null(fk_honseki_after("緑町一丁目"));
	ck_assert(fk_honseki_town("緑町一丁目", town, sizeof town));
	ck_assert_str_eq(town, "緑町");
	ck_assert(!fk_honseki_town("一番地", town, sizeof town));
	ck_assert(!fk_honseki_town("12番地", town, sizeof town));
	ck_assert(!fk_honseki_town("緑町", town, 3)); /* does not fit */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("norm");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, fullwidth_ascii_and_case);
	tcase_add_test(tc, spaces_removed);
	tcase_add_test(tc, halfwidth_katakana);
	tcase_add_test(tc, katakana_to_hiragana);
	tcase_add_test(tc, voiced_marks);
	tcase_add_test(tc, wa_row_voiced);
	tcase_add_test(tc, historical_kana);
	tcase_add_test(tc, variant_kanji);
	tcase_add_test(tc, compat_ideographs);
	tcase_add_test(tc, variation_selectors);
	tcase_add_test(tc, passthrough);
	tcase_add_test(tc, idempotent);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, valid_utf8_edges);
	tcase_add_test(tc, len_and_prefix);
	tcase_add_test(tc, long_input);
	tcase_add_test(tc, honseki_parts);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
