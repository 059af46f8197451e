/* Romaji to hiragana as typed (romaji.h): one table of syllables, longest match first. */
#include "config.h"

#include <string.h>

#include "romaji.h"

/* Hepburn and kunrei (and nihon-shiki's di, du) spellings side by side; x and l give the small
 * kana, as the common IMEs do. Every spelling ends in a vowel, so that no spelling is the
 * start of another: a complete match is never a syllable still being typed. n alone is decided
 * in code (n_syllable), since whether it is ん depends on what follows. */
static const struct syllable {
	const char *romaji, *kana;
} syllables[] = {
	{"a", "あ"}, {"i", "い"}, {"u", "う"}, {"e", "え"}, {"o", "お"},
	{"ka", "か"}, {"ki", "き"}, {"ku", "く"}, {"ke", "け"}, {"ko", "こ"},
	{"kya", "きゃ"}, {"kyu", "きゅ"}, {"kye", "きぇ"}, {"kyo", "きょ"},
	{"ga", "が"}, {"gi", "ぎ"}, {"gu", "ぐ"}, {"ge", "げ"}, {"go", "ご"},
	{"gya", "ぎゃ"}, {"gyu", "ぎゅ"}, {"gye", "ぎぇ"}, {"gyo", "ぎょ"},
	{"sa", "さ"}, {"si", "し"}, {"shi", "し"}, {"su", "す"}, {"se", "せ"}, {"so", "そ"},
	{"sya", "しゃ"}, {"sha", "しゃ"}, {"syu", "しゅ"}, {"shu", "しゅ"}, {"sye", "しぇ"},
	{"she", "しぇ"}, {"syo", "しょ"}, {"sho", "しょ"},
	{"za", "ざ"}, {"zi", "じ"}, {"ji", "じ"}, {"zu", "ず"}, {"ze", "ぜ"}, {"zo", "ぞ"},
	{"zya", "じゃ"}, {"jya", "じゃ"}, {"ja", "じゃ"}, {"zyu", "じゅ"}, {"jyu", "じゅ"},
	{"ju", "じゅ"}, {"zye", "じぇ"}, {"jye", "じぇ"}, {"je", "じぇ"}, {"zyo", "じょ"},
	{"jyo", "じょ"}, {"jo", "じょ"},
	{"ta", "た"}, {"ti", "ち"}, {"chi", "ち"}, {"tu", "つ"}, {"tsu", "つ"}, {"te", "て"},
	{"to", "と"}, {"tya", "ちゃ"}, {"cha", "ちゃ"}, {"tyu", "ちゅ"}, {"chu", "ちゅ"},
	{"tye", "ちぇ"}, {"che", "ちぇ"}, {"tyo", "ちょ"}, {"cho", "ちょ"},
	{"tsa", "つぁ"}, {"thi", "てぃ"}, {"thu", "てゅ"},
	{"da", "だ"}, {"di", "ぢ"}, {"du", "づ"}, {"de", "で"}, {"do", "ど"},
	{"dya", "ぢゃ"}, {"dyu", "ぢゅ"}, {"dyo", "ぢょ"}, {"dhi", "でぃ"}, {"dhu", "でゅ"},
	{"na", "な"}, {"ni", "に"}, {"nu", "ぬ"}, {"ne", "ね"}, {"no", "の"},
	{"nya", "にゃ"}, {"nyu", "にゅ"}, {"nye", "にぇ"}, {"nyo", "にょ"},
	{"ha", "は"}, {"hi", "ひ"}, {"hu", "ふ"}, {"fu", "ふ"}, {"he", "へ"}, {"ho", "ほ"},
	{"hya", "ひゃ"}, {"hyu", "ひゅ"}, {"hye", "ひぇ"}, {"hyo", "ひょ"},
	{"fa", "ふぁ"}, {"fi", "ふぃ"}, {"fe", "ふぇ"}, {"fo", "ふぉ"}, {"fyu", "ふゅ"},
	{"ba", "ば"}, {"bi", "び"}, {"bu", "ぶ"}, {"be", "べ"}, {"bo", "ぼ"},
	{"bya", "びゃ"}, {"byu", "びゅ"}, {"bye", "びぇ"}, {"byo", "びょ"},
	{"pa", "ぱ"}, {"pi", "ぴ"}, {"pu", "ぷ"}, {"pe", "ぺ"}, {"po", "ぽ"},
	{"pya", "ぴゃ"}, {"pyu", "ぴゅ"}, {"pye", "ぴぇ"}, {"pyo", "ぴょ"},
	{"ma", "ま"}, {"mi", "み"}, {"mu", "む"}, {"me", "め"}, {"mo", "も"},
	{"mya", "みゃ"}, {"myu", "みゅ"}, {"mye", "みぇ"}, {"myo", "みょ"},
	{"ya", "や"}, {"yu", "ゆ"}, {"ye", "いぇ"}, {"yo", "よ"},
	{"ra", "ら"}, {"ri", "り"}, {"ru", "る"}, {"re", "れ"}, {"ro", "ろ"},
	{"rya", "りゃ"}, {"ryu", "りゅ"}, {"rye", "りぇ"}, {"ryo", "りょ"},
	{"wa", "わ"}, {"wi", "うぃ"}, {"we", "うぇ"}, {"wo", "を"},
	{"va", "ゔぁ"}, {"vi", "ゔぃ"}, {"vu", "ゔ"}, {"ve", "ゔぇ"}, {"vo", "ゔぉ"},
	{"xa", "ぁ"}, {"la", "ぁ"}, {"xi", "ぃ"}, {"li", "ぃ"}, {"xu", "ぅ"}, {"lu", "ぅ"},
	{"xe", "ぇ"}, {"le", "ぇ"}, {"xo", "ぉ"}, {"lo", "ぉ"},
	{"xya", "ゃ"}, {"lya", "ゃ"}, {"xyu", "ゅ"}, {"lyu", "ゅ"}, {"xyo", "ょ"}, {"lyo", "ょ"},
	{"xtu", "っ"}, {"ltu", "っ"}, {"xtsu", "っ"}, {"ltsu", "っ"}, {"xwa", "ゎ"}, {"lwa", "ゎ"},
	{"xka", "ゕ"}, {"lka", "ゕ"}, {"xke", "ゖ"}, {"lke", "ゖ"},
};

#define SMALL_TSU "っ"
#define N_KANA "ん"

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_vowel(char c)
{
	return c && strchr("aiueo", c) != NULL;
}

/* A consonant that doubles into っ (hattori, kitte, matcha): every letter but the vowels and n. */
static int doubles(char c)
{
	return c >= 'a' && c <= 'z' && !is_vowel(c) && c != 'n';
}

int fk_romaji_char(unsigned long c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'' || c == '-';
}

/* Append s to out; 0 when it does not fit whole (so out never ends inside a character). */
static int put(char *out, size_t outlen, size_t *used, const char *s, size_t n)
{
	if (*used + n >= outlen)
		return 0;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
	return 1;
}

/* The lower-cased input from at, at most 4 letters (the longest spelling): matched against
 * the table whatever the case typed. */
static size_t window(const char *in, size_t len, size_t at, char w[5])
{
	size_t n = 0;
	while (n < 4 && at + n < len) {
		w[n] = lower(in[at + n]);
		n++;
	}
	w[n] = '\0';
	return n;
}

/* The longest syllable spelt at the start of w: its length, or 0. *begun: w (all of it) is
 * the start of a longer spelling, a syllable still being typed. */
static size_t match(const char *w, size_t wn, const struct syllable **found, int *begun)
{
	size_t best = 0;
	*begun = 0;
	for (size_t i = 0; i < sizeof syllables / sizeof syllables[0]; i++) {
		size_t r = strlen(syllables[i].romaji);
		if (r <= wn && !strncmp(w, syllables[i].romaji, r) && r > best) {
			best = r;
			*found = &syllables[i];
		} else if (r > wn && !strncmp(w, syllables[i].romaji, wn)) {
			*begun = 1;
		}
	}
	return best;
}

/* What an n at w[0] is: how many letters make ん (1 or 2), 0 when n begins a syllable of the
 * table (na, nya), -1 when it cannot be told yet. kanno → かんの: nn before a vowel or y is
 * ん and the second n begins the next syllable; nn elsewhere is ん alone (kannna → かんな). */
static int n_syllable(const char *w, size_t wn, int final)
{
	if (wn == 1)
		return final ? 1 : -1;
	if (is_vowel(w[1]) || w[1] == 'y')
		return 0;
	if (w[1] == '\'')
		return 2;
	if (w[1] != 'n')
		return 1;
	if (wn == 2)
		return final ? 2 : -1;
	return is_vowel(w[2]) || w[2] == 'y' ? 1 : 2;
}

int fk_romaji_kana(const char *in, size_t len, int final, char *out, size_t outlen, size_t *pending)
{
	size_t used = 0, i = 0;
	*pending = 0;
	if (outlen == 0)
		return 0;
	out[0] = '\0';
	while (i < len) {
		char w[5];
		size_t wn = window(in, len, i, w);
		const struct syllable *s = NULL;
		int begun, ok;
		if (w[0] == '-') {
			ok = put(out, outlen, &used, "ー", strlen("ー"));
			i++;
		} else if (w[0] == 'n' && n_syllable(w, wn, final) != 0) {
			int n = n_syllable(w, wn, final);
			if (n < 0)
				break;
			ok = put(out, outlen, &used, N_KANA, strlen(N_KANA));
			i += (size_t)n;
		} else if (doubles(w[0]) && (w[1] == w[0] || (w[0] == 't' && w[1] == 'c'))) {
			ok = put(out, outlen, &used, SMALL_TSU, strlen(SMALL_TSU));
			i++;
		} else {
			size_t m = match(w, wn, &s, &begun);
			if (m) {
				ok = put(out, outlen, &used, s->kana, strlen(s->kana));
				i += m;
			} else if (begun && !final) {
				break;
			} else if (w[0] == 'n') {
				/* ny before anything but a vowel (final, or nyk): the n is ん. */
				ok = put(out, outlen, &used, N_KANA, strlen(N_KANA));
				i++;
			} else {
				ok = put(out, outlen, &used, in + i, 1); /* begins nothing: as typed */
				i++;
			}
		}
		if (!ok)
			return 0;
	}
	*pending = len - i;
	return 1;
}
