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

fk_status fk_parse_jst(const char *s, int end_of_day, int64_t *ns, fk_error *err)
{
	int64_t t;
	/* A time given in UTC ("…Z") is not a time of Japan: refused, not shifted twice. */
	if (!s || strchr(s, 'Z'))
		return fk_fail_id(err, FK_ERR_INVALID, FK_MSG_NOT_A_DATE, s, 0);
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
