/* Unit tests: romaji typed to hiragana as typed (core/text/romaji.c; issue 15, item 2): the
 * issue's readings, Hepburn and kunrei, small kana, っ and ん, and live typing letter by letter. */
#include "config.h"

#include <string.h>

#include "fktest.h"
#include "romaji.h"

/* Whole inputs, as when Enter ends them (final). */
static const struct {
	const char *in, *out;
} finals[] = {
	/* the issue's */
	{"aoyagi", "あおやぎ"}, {"kanno", "かんの"}, {"kan'no", "かんの"}, {"hattori", "はっとり"},
	{"nn", "ん"},
	/* Hepburn and kunrei side by side */
	{"shi", "し"}, {"si", "し"}, {"chi", "ち"}, {"ti", "ち"}, {"tsu", "つ"}, {"tu", "つ"},
	{"fu", "ふ"}, {"hu", "ふ"}, {"ji", "じ"}, {"zi", "じ"}, {"sha", "しゃ"}, {"sya", "しゃ"},
	{"shu", "しゅ"}, {"syo", "しょ"}, {"cha", "ちゃ"}, {"tya", "ちゃ"}, {"cho", "ちょ"},
	{"tyu", "ちゅ"}, {"ja", "じゃ"}, {"zya", "じゃ"}, {"jya", "じゃ"}, {"ju", "じゅ"},
	{"zyo", "じょ"}, {"kya", "きゃ"}, {"gyu", "ぎゅ"}, {"nyo", "にょ"}, {"hyu", "ひゅ"},
	{"bya", "びゃ"}, {"pyo", "ぴょ"}, {"myu", "みゅ"}, {"ryo", "りょ"}, {"di", "ぢ"}, {"du", "づ"},
	/* ん: before a consonant other than y, at the end, with ' or nn */
	{"kanda", "かんだ"}, {"honda", "ほんだ"}, {"shinbashi", "しんばし"}, {"kenichi", "けにち"},
	{"ken'ichi", "けんいち"}, {"kennichi", "けんにち"}, {"hon'ya", "ほんや"}, {"honya", "ほにゃ"},
	{"honnya", "ほんにゃ"}, {"kan", "かん"}, {"sanmi", "さんみ"}, {"kannna", "かんな"},
	{"kanna", "かんな"}, {"nyk", "んyk"},
	/* っ: doubled consonants and tch */
	{"kitte", "きって"}, {"sakka", "さっか"}, {"zasshi", "ざっし"}, {"matcha", "まっちゃ"},
	{"hokkaidou", "ほっかいどう"}, {"beppu", "べっぷ"},
	/* small kana, ー, を, long vowels */
	{"xa", "ぁ"}, {"la", "ぁ"}, {"xtu", "っ"}, {"ltsu", "っ"}, {"xyo", "ょ"}, {"lwa", "ゎ"},
	{"ra-men", "らーめん"}, {"wo", "を"}, {"fa", "ふぁ"}, {"vu", "ゔ"}, {"ohno", "おhの"},
	/* readings of surnames */
	{"satou", "さとう"}, {"suzuki", "すずき"}, {"takahashi", "たかはし"}, {"tanaka", "たなか"},
	{"watanabe", "わたなべ"}, {"itou", "いとう"}, {"yamamoto", "やまもと"}, {"nakamura", "なかむら"},
	{"kobayashi", "こばやし"}, {"katou", "かとう"}, {"yoshida", "よしだ"}, {"sasaki", "ささき"},
	{"matsumoto", "まつもと"}, {"inoue", "いのうえ"}, {"kimura", "きむら"}, {"shimizu", "しみず"},
	{"yamazaki", "やまざき"}, {"ikeda", "いけだ"}, {"hashimoto", "はしもと"}, {"ishikawa", "いしかわ"},
	{"ogasawara", "おがさわら"}, {"nishimura", "にしむら"}, {"tyuuzyou", "ちゅうじょう"},
	{"chuujou", "ちゅうじょう"}, {"jinbo", "じんぼ"}, {"shinnou", "しんのう"},
	/* upper case as lower; what begins no syllable as typed */
	{"AOYAGI", "あおやぎ"}, {"Kanno", "かんの"}, {"q", "q"}, {"ca", "cあ"}, {"k", "k"},
	{"'", "'"}, {"", ""},
};

START_TEST(table_of_readings)
{
	ck_assert_uint_ge(sizeof finals / sizeof finals[0], 60);
	for (size_t i = 0; i < sizeof finals / sizeof finals[0]; i++) {
		char out[128];
		size_t pending = 99;
		ck_assert_msg(fk_romaji_kana(finals[i].in, strlen(finals[i].in), 1, out, sizeof out, &pending),
			      "%s", finals[i].in);
		ck_assert_msg(!strcmp(out, finals[i].out), "%s → %s, expected %s", finals[i].in, out,
			      finals[i].out);
		ck_assert_uint_eq(pending, 0);
	}
}
END_TEST

/* Typed so far (not final): what is written and what stays pending, shown as typed. */
static const struct {
	const char *in, *out;
	size_t pending;
} partial[] = {
	{"k", "", 1}, {"ky", "", 2}, {"kya", "きゃ", 0}, {"ts", "", 2}, {"sh", "", 2},
	{"hat", "は", 1}, {"hatt", "はっ", 1}, {"n", "", 1}, {"kan", "か", 1}, {"kann", "か", 2},
	{"kanno", "かんの", 0}, {"kank", "かん", 1}, {"kan'", "かん", 0}, {"ny", "", 2},
	{"xts", "", 3}, {"aoyag", "あおや", 1}, {"tc", "っ", 1}, {"q", "q", 0},
};

START_TEST(pending_stays_as_typed)
{
	for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++) {
		char out[128];
		size_t pending = 99;
		ck_assert(fk_romaji_kana(partial[i].in, strlen(partial[i].in), 0, out, sizeof out, &pending));
		ck_assert_msg(!strcmp(out, partial[i].out), "%s → %s", partial[i].in, out);
		ck_assert_msg(pending == partial[i].pending, "%s: %zu pending", partial[i].in, pending);
	}
}
END_TEST

/* As the console types: each letter added to what is pending, the resolved kana kept, the
 * rest fed again, Enter last. Must give what the whole input gives. */
START_TEST(typed_letter_by_letter_is_the_same)
{
	for (size_t t = 0; t < sizeof finals / sizeof finals[0]; t++) {
		const char *in = finals[t].in;
		char done[256] = "", pend[16] = "", out[128];
		size_t np = 0, rest;
		for (size_t i = 0; in[i]; i++) {
			ck_assert_uint_lt(np, sizeof pend - 1);
			pend[np++] = in[i];
			ck_assert(fk_romaji_kana(pend, np, 0, out, sizeof out, &rest));
			strcat(done, out);
			memmove(pend, pend + np - rest, rest);
			np = rest;
			ck_assert_uint_le(np, 4); /* never more than a syllable waits */
		}
		ck_assert(fk_romaji_kana(pend, np, 1, out, sizeof out, &rest));
		strcat(done, out);
		ck_assert_msg(!strcmp(done, finals[t].out), "typed %s → %s", in, done);
	}
}
END_TEST

START_TEST(small_buffers_hold_whole_characters)
{
	char out[5]; /* one kana (3 bytes) and the terminator, not two */
	size_t pending;
	ck_assert(!fk_romaji_kana("aoyagi", 6, 1, out, sizeof out, &pending));
	ck_assert_str_eq(out, "あ");
	ck_assert(!fk_romaji_kana("a", 1, 1, out, 0, &pending));
	ck_assert(fk_romaji_char('a') && fk_romaji_char('Z') && fk_romaji_char('\'') && fk_romaji_char('-'));
	ck_assert(!fk_romaji_char('1') && !fk_romaji_char(' ') && !fk_romaji_char(0x3042));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("romaji");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, table_of_readings);
	tcase_add_test(tc, pending_stays_as_typed);
	tcase_add_test(tc, typed_letter_by_letter_is_the_same);
	tcase_add_test(tc, small_buffers_hold_whole_characters);
	suite_add_tcase(s, tc);
	return fkt_run(s);
}
