/* Japanese era dates (和暦) as a 全部事項証明 writes them: 昭和7年11月14日, 平成元年1月8日. */
#ifndef FK_WAREKI_H
#define FK_WAREKI_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Format ISO date "YYYY-MM-DD" in the era of that day. Dates before
 * 明治6年 (1873, the Gregorian calendar) or malformed input are copied as they
 * are. Returns 1 when converted. */
int fk_wareki(const char *iso, char *out, size_t len);

/* The one formatter of times for people (the console, certificates): a UTC time in ns as
 * the time of Japan (JST, UTC+9; Japan has no summer time), in one of these styles. UTC with
 * full precision is fk_fmt_utc's (base/util.h), for the detail of a history record. */
typedef enum fk_jst_style {
	FK_JST_MINUTE,        /* 2026-12-01 19:56 JST */
	FK_JST_DATE,          /* 2026-12-01 */
	FK_JST_WAREKI,        /* 令和8年12月1日 (the era of that day in Japan) */
	FK_JST_WAREKI_MINUTE, /* 令和8年12月1日 19:56 */
} fk_jst_style;
/* "-" for 0 (no time) or a time that cannot be shown. */
void fk_fmt_jst(int64_t ns, fk_jst_style style, char *buf, size_t len);

/* "YYYY-MM-DD[ HH:MM[:SS]]" read as a time of Japan, to UTC ns; the date may also be written
 * 2026/12/31, in 和暦 (令和8年12月31日, 令和元年5月1日, R8.12.31, H31/4/30: a year outside its
 * era is refused) and in full-width digits. A date alone is that day's start, or with
 * end_of_day the next day's start (an exclusive end that lasts through the whole day in
 * Japan). FK_ERR_INVALID (FK_MSG_NOT_A_DATE) for anything else. */
fk_status fk_parse_jst(const char *s, int end_of_day, int64_t *ns, fk_error *err);

#endif
