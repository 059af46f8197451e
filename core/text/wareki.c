/* Japanese era dates (和暦) as a 全部事項証明 writes them. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "wareki.h"

static const struct era {
	const char *name;
	int y, m, d; /* first day */
} eras[] = {
	{"令和", 2019, 5, 1}, {"平成", 1989, 1, 8}, {"昭和", 1926, 12, 25},
	{"大正", 1912, 7, 30}, {"明治", 1873, 1, 1},
};

int fk_wareki(const char *iso, char *out, size_t len)
{
	int y, m, d;
	if (fk_parse_date(iso, &y, &m, &d) != 0 || iso[10]) {
		fk_copy_str(out, len, iso);
		return 0;
	}
	long key = (long)y * 10000 + m * 100 + d;
	for (size_t i = 0; i < sizeof eras / sizeof eras[0]; i++) {
		const struct era *e = &eras[i];
		if (key < (long)e->y * 10000 + e->m * 100 + e->d)
			continue;
		int ey = y - e->y + 1;
		if (ey == 1)
			snprintf(out, len, "%s元年%d月%d日", e->name, m, d);
		else
			snprintf(out, len, "%s%d年%d月%d日", e->name, ey, m, d);
		return 1;
	}
	fk_copy_str(out, len, iso);
	return 0;
}

#define NS_PER_S INT64_C(1000000000)
#define JST_OFFSET_S (9 * 3600)

void fk_fmt_jst(int64_t ns, fk_jst_style style, char *buf, size_t len)
{
	/* Floor, not truncation: a time before 1970 still falls in the right second. */
	int64_t secs = ns / NS_PER_S - (ns % NS_PER_S < 0);
	time_t t = (time_t)(secs + JST_OFFSET_S);
	struct tm tm;
	char date[16], era[48];
	if (!len)
		return;
	if (!ns || !gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%d", &tm) == 0) {
		fk_copy_str(buf, len, "-");
		return;
	}
	switch (style) {
	case FK_JST_DATE:
		fk_copy_str(buf, len, date);
		break;
	case FK_JST_WAREKI:
		fk_wareki(date, buf, len);
		break;
	case FK_JST_WAREKI_MINUTE:
		fk_wareki(date, era, sizeof era);
		snprintf(buf, len, "%s %02d:%02d", era, tm.tm_hour, tm.tm_min);
		break;
	default:
		snprintf(buf, len, "%s %02d:%02d JST", date, tm.tm_hour, tm.tm_min);
		break;
	}
}

/* Full-width digits and separators as typed through an IME, to ASCII: "２０２６／１２／３１". */
static int ascii_of(const char *s, char *out, size_t len)
{
	static const struct {
		const char *from;
		char to;
	} wide[] = {{"０", '0'}, {"１", '1'}, {"２", '2'}, {"３", '3'}, {"４", '4'}, {"５", '5'},
		    {"６", '6'}, {"７", '7'}, {"８", '8'}, {"９", '9'}, {"－", '-'}, {"／", '/'},
		    {"．", '.'}, {"：", ':'}, {"　", ' '}};
	size_t n = 0;
	while (*s) {
		size_t i, k = 1;
		char c = *s;
		for (i = 0; i < sizeof wide / sizeof wide[0]; i++)
			if (!strncmp(s, wide[i].from, strlen(wide[i].from))) {
				c = wide[i].to;
				k = strlen(wide[i].from);
				break;
			}
		if (n + 1 >= len)
			return 0;
		out[n++] = c;
		s += k;
	}
	out[n] = '\0';
	return 1;
}

/* A date as people in Japan write it, to "YYYY-MM-DD" plus what followed (a clock): 和暦 with
 * the era's name or initial ("令和8年12月31日", "令和元年5月1日", "R8.12.31", "h31/4/30") and
 * 西暦 with slashes or dots ("2026/12/31"). A year outside its era (平成32年, 令和元年4月) is
 * not a date. 0 when s is none of these (the caller reads it as ISO). */
static int iso_of(const char *s, char *iso, size_t len)
{
	static const struct {
		const char *name;
		char initial;
	} names[] = {{"令和", 'R'}, {"平成", 'H'}, {"昭和", 'S'}, {"大正", 'T'}, {"明治", 'M'}};
	int e = -1, ey = 0, y, m, d, used = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t k = strlen(names[i].name);
		if (!strncmp(s, names[i].name, k)) {
			e = (int)i;
			s += k;
			if (!strncmp(s, "元年", strlen("元年"))) {
				ey = 1;
				s += strlen("元年");
			} else if (sscanf(s, "%d年%n", &ey, &used) == 1 && used > 0) {
				s += used;
			} else {
				return 0;
			}
			if (sscanf(s, "%d月%d日%n", &m, &d, &used) != 2 || used <= 0)
				return 0;
			s += used;
			break;
		}
		if ((s[0] == names[i].initial || s[0] == names[i].initial + ('a' - 'A')) &&
		    s[1] >= '0' && s[1] <= '9') {
			char sep1, sep2;
			if (sscanf(s + 1, "%d%c%d%c%d%n", &ey, &sep1, &m, &sep2, &d, &used) != 5 ||
			    sep1 != sep2 || !strchr("./-", sep1))
				return 0;
			e = (int)i;
			s += 1 + used;
			break;
		}
	}
	if (e >= 0) {
		if (ey < 1 || ey > 99)
			return 0;
		y = eras[e].y + ey - 1;
		long key = (long)y * 10000 + m * 100 + d;
		if (key < (long)eras[e].y * 10000 + eras[e].m * 100 + eras[e].d)
			return 0; /* before the era began */
		if (e > 0 && key >= (long)eras[e - 1].y * 10000 + eras[e - 1].m * 100 + eras[e - 1].d)
			return 0; /* after it ended */
	} else {
		char sep1, sep2;
		if (sscanf(s, "%4d%c%d%c%d%n", &y, &sep1, &m, &sep2, &d, &used) != 5 || sep1 != sep2 ||
		    (sep1 != '/' && sep1 != '.'))
			return 0;
		s += used;
	}
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return 0;
	return snprintf(iso, len, "%04d-%02d-%02d%s", y, m, d, s) < (int)len;
}

fk_status fk_parse_jst(const char *s, int end_of_day, int64_t *ns, fk_error *err)
{
	int64_t t;
	/* A time given in UTC ("…Z") is not a time of Japan: refused, not shifted twice. */
	if (!s || strchr(s, 'Z'))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_NOT_A_DATE, s, 0);
	char ascii[128], iso[160];
	if (!ascii_of(s, ascii, sizeof ascii))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_NOT_A_DATE, s, 0);
	s = iso_of(ascii, iso, sizeof iso) ? iso : ascii;
	fk_status st = fk_parse_time(s, &t, err);
	if (st != FK_OK)
		return st;
	/* Back to UTC first: the last day fk_parse_time accepts (2262-04-11) is less than a day
	 * from int64's end, and adding the day before taking the 9 hours off would overflow. */
	t -= JST_OFFSET_S * NS_PER_S;
	/* A date alone (no clock) with end_of_day: through the whole of that day. */
	if (end_of_day && strlen(s) == 10)
		t += 86400 * NS_PER_S;
	*ns = t;
	return FK_OK;
}
