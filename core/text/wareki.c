/* Japanese era dates (和暦) as a 全部事項証明 writes them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

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
