/* The parts of a 本籍 (honseki.h): prefecture, municipality, town. */
#include "config.h"

#include <string.h>

#include "honseki.h"
#include "norm.h"

static const char *const prefectures[] = {
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
	"群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
	"山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
	"兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
	"香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
	"鹿児島県", "沖縄県",
};

static size_t pref_len(const char *s)
{
	for (size_t i = 0; i < sizeof prefectures / sizeof prefectures[0]; i++) {
		size_t n = strlen(prefectures[i]);
		if (!strncmp(s, prefectures[i], n))
			return n;
	}
	return 0;
}

int fk_honseki_has_prefecture(const char *norm)
{
	return pref_len(norm) > 0;
}

/* The byte offset of the character index ch (0-based) in s: s is valid UTF-8. */
static size_t at(const char *s, size_t ch)
{
	return fk_utf8_prefix(s, ch);
}

/* The first of mark at character 1..max of s (a name has a character before its suffix):
 * its character index, or -1. */
static long find(const char *s, const char *mark, size_t max)
{
	size_t n = fk_utf8_len(s), ml = strlen(mark);
	for (size_t i = 1; i < n && i <= max; i++)
		if (!strncmp(s + at(s, i), mark, ml))
			return (long)i;
	return -1;
}

const char *fk_honseki_after(const char *norm)
{
	size_t p = pref_len(norm);
	if (!p)
		return NULL;
	const char *m = norm + p;
	long i;
	/* 〇〇郡〇〇町 / 〇〇郡〇〇村 */
	if ((i = find(m, "郡", 5)) > 0) {
		const char *t = m + at(m, (size_t)i + 1);
		long j = find(t, "町", 5), k = find(t, "村", 5);
		long e = j > 0 && (k < 0 || j < k) ? j : k;
		return e > 0 ? t + at(t, (size_t)e + 1) : NULL;
	}
	/* 〇〇市, and a designated city's ward (〇〇市〇〇区); 四日市市 and 廿日市市 end at the second 市 */
	if ((i = find(m, "市", 5)) > 0) {
		const char *r = m + at(m, (size_t)i + 1);
		if (!strncmp(r, "市", strlen("市")))
			r += strlen("市");
		long w = find(r, "区", 4);
		if (w > 0)
			r += at(r, (size_t)w + 1);
		return r;
	}
	/* Tokyo's wards, then towns and villages */
	if ((i = find(m, "区", 5)) > 0)
		return m + at(m, (size_t)i + 1);
	long j = find(m, "町", 5), k = find(m, "村", 5);
	i = j > 0 && (k < 0 || j < k) ? j : k;
	return i > 0 ? m + at(m, (size_t)i + 1) : NULL;
}

/* 1 when s starts with a kanji numeral (the number of a 丁目 or 番地 written in kanji). */
static size_t kanji_digit(const char *s)
{
	static const char *const d[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "〇"};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (!strncmp(s, d[i], strlen(d[i])))
			return strlen(d[i]);
	return 0;
}

int fk_honseki_town(const char *after, char *out, size_t len)
{
	size_t n = 0, run = 0; /* run: where a run of kanji numerals began (bytes), or n */
	const char *s = after;
	int in_run = 0;
	while (*s) {
		if (*s >= '0' && *s <= '9')
			break;
		if (!strncmp(s, "丁目", strlen("丁目")) || !strncmp(s, "番", strlen("番")) ||
		    !strncmp(s, "地割", strlen("地割"))) {
			if (in_run)
				n = run; /* 緑町一丁目: the numeral is the block's, not the town's */
			break;
		}
		size_t k = kanji_digit(s);
		if (k) {
			if (!in_run)
				run = n;
			in_run = 1;
		} else {
			in_run = 0;
			k = fk_utf8_prefix(s, 1);
		}
		if (!k)
			break;
		s += k;
		n += k;
	}
	if (!n || n >= len)
		return 0;
	memcpy(out, after, n);
	out[n] = '\0';
	return 1;
}
